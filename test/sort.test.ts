import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PathArena, compareBytes, gatherPaths, isStrictlySorted, sortUniqueArena, sortedOrder } from '../src/internals.js';
import { Rng, randomPaths, testSeed } from './helpers/random.js';

test('sorting puts paths in unsigned byte order, shorter prefix first, and is stable', () => {
  const seed = testSeed();
  const rng = new Rng(seed);
  for (let round = 0; round < 30; round++) {
    const paths = randomPaths(rng, rng.int(0, 2000));
    // long shared prefixes exercise the one-bucket fast path
    if (rng.chance(0.3)) for (let i = 0; i < 50; i++) paths.push(new Uint8Array([...new Uint8Array(300).fill(9), ...rng.bytes(rng.int(0, 3))]));
    const arena = PathArena.from(paths);
    const order = sortedOrder(arena);
    const want = paths.map((p, i) => [p, i] as const).sort((a, b) => compareBytes(a[0], b[0]) || a[1] - b[1]).map(([, i]) => i);
    assert.deepEqual([...order], want, `seed ${seed} round ${round}`);
    const unique = sortUniqueArena(arena);
    assert.ok(isStrictlySorted(unique));
    assert.equal(unique.count, new Set(paths.map((p) => Buffer.from(p).toString('hex'))).size);
  }
});

test('gathering copies paths of every length exactly, wherever they start (short ones are copied a word a step)', () => {
  const paths = Array.from({ length: 300 }, (_, len) => Uint8Array.from({ length: len }, (_, k) => (len * 13 + k * 7 + 5) & 0xff));
  const arena = PathArena.from(paths);
  // every other path, backwards: the sources start at every offset mod 4
  const order = Uint32Array.from({ length: 150 }, (_, i) => 299 - 2 * i);
  const got = gatherPaths(arena, order, 10, 150);
  assert.equal(got.count, 140);
  for (let k = 0; k < got.count; k++) assert.deepEqual([...got.viewPath(k)], [...paths[order[10 + k]!]!], `path ${order[10 + k]}`);
});

test('the parallel sort (shared arena, workers) gives exactly the sequential space', async () => {
  const { sortUnique, RunContext, PARALLEL_SORT_MIN_PATHS } = await import('../src/internals.js');
  const seed = testSeed();
  const rng = new Rng(seed);
  // twice the paths the pool takes: repeats the sort stage drops as they arrive (recent-paths.ts)
  // must not bring the space under it
  const distinct = randomPaths(rng, 2 * PARALLEL_SORT_MIN_PATHS, 24);
  // many copies of a few paths, spread over the input: all copies must land in the same part to be
  // de-duplicated
  const paths: Uint8Array[] = [];
  let copies = 0;
  for (const p of distinct) {
    paths.push(p);
    if (copies < 20000 && rng.chance(0.05)) paths.push(distinct[copies++ % 7]!.slice());
  }
  const batches = (): AsyncGenerator<PathArena> =>
    (async function* () {
      for (let i = 0; i < paths.length; i += 50000) yield PathArena.from(paths.slice(i, i + 50000));
    })();
  const collect = async (ctx: InstanceType<typeof RunContext>): Promise<string[]> => {
    const out: string[] = [];
    const space = sortUnique({ batches: batches(), order: 'unsorted', sizeHint: {}, facts: {} }, ctx);
    for await (const b of space.batches) for (const p of b) out.push(Buffer.from(p).toString('hex'));
    await ctx.close();
    return out;
  };
  const sequential = await collect(new RunContext({ threads: 1 }));
  const two = new RunContext({ threads: 2 });
  const parallel = await collect(two);
  assert.ok(two.pool.completed >= 2, 'two parts went through the pool');
  assert.equal(parallel.length, sequential.length, `seed ${seed}`);
  assert.deepEqual(parallel, sequential, `seed ${seed}`);
});

test('the parallel sort says once when the arena is read no more, and letting it go then loses nothing', async () => {
  const { sortUniqueParallel, WorkerPool, PARALLEL_SORT_MIN_PATHS } = await import('../src/internals.js');
  const seed = testSeed();
  const rng = new Rng(seed);
  const paths = randomPaths(rng, PARALLEL_SORT_MIN_PATHS + 1000, 20);
  const plain = PathArena.from(paths);
  const want = sortUniqueArena(plain);
  const shared = new PathArena(plain.byteLength, plain.count, true);
  shared.pushAll(plain);
  const pool = new WorkerPool(2);
  let calls = 0;
  let batchesAfter = 0;
  const got: PathArena[] = [];
  try {
    for await (const b of sortUniqueParallel(shared, pool, 4096, undefined, () => {
      calls++;
      shared.release();
    })) {
      if (calls > 0) batchesAfter++;
      got.push(b);
      // a writer takes its time (I/O, deflate): the call comes on a later turn
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    await pool.close();
  }
  assert.equal(calls, 1, 'called once');
  assert.equal(shared.count, 0, 'the arena was let go during the sort');
  assert.ok(batchesAfter > 0, `batches were still to come when it was called (seed ${seed})`);
  const all = new PathArena();
  for (const b of got) all.pushAll(b);
  assert.deepEqual(Buffer.from(all.bytes.subarray(0, all.byteLength)), Buffer.from(want.bytes.subarray(0, want.byteLength)), `seed ${seed}`);
  assert.equal(all.count, want.count);
});
