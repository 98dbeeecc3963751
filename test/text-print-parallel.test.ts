import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, PathArena, WorkerPool, encodeText, writeText, type MorkspaceError } from '../src/internals.js';

// the pool takes over after this many path bytes (the default, 64 MiB, is for the bench)
const HERE = 256 << 10;
import { Rng, testSeed } from './helpers/random.js';
import { randomExpression } from './helpers/expressions.js';

const pool2 = new WorkerPool(2);
after(() => pool2.close());

// `count` random expressions (with an empty path and repeats among them) as batches of `per` paths
function batchesOf(rng: Rng, count: number, per: number): PathArena[] {
  const out: PathArena[] = [];
  let arena = new PathArena();
  for (let i = 0; i < count; i++) {
    if (arena.count === per) {
      out.push(arena);
      arena = new PathArena();
    }
    if (i === 7) arena.push(new Uint8Array(0));
    else arena.push(Uint8Array.from(randomExpression(rng).bytes));
  }
  if (arena.count > 0) out.push(arena);
  return out;
}
async function* each(batches: PathArena[]): AsyncGenerator<PathArena> {
  yield* batches;
}
async function printed(batches: PathArena[], options: Parameters<typeof writeText>[3]): Promise<{ text: Buffer; empty: number }> {
  const skipped = { emptyPaths: 0 };
  const chunks: Uint8Array[] = [];
  // a copy of each chunk: the writer may reuse a chunk's buffer once the next is asked for
  for await (const c of writeText(each(batches), skipped, undefined, options)) chunks.push(c.slice());
  return { text: Buffer.concat(chunks), empty: skipped.emptyPaths };
}
const copies = (batches: PathArena[]): PathArena[] => batches.map((b) => PathArena.from([...b].map((p) => p.slice())));

describe('text printed on the pool is exactly the text printed on one thread', () => {
  const seed = testSeed();
  test(`random expressions, batches of several sizes, owned and lent batches (seed ${seed})`, async () => {
    const rng = new Rng(seed);
    const source = batchesOf(rng, 60_000, 4096);
    const bytes = source.reduce((n, b) => n + b.byteLength, 0);
    assert.ok(bytes > 4 * HERE, `the space (${bytes} bytes) must be large enough for the pool`);
    const one = await printed(copies(source), {});
    assert.equal(one.empty, 1);
    // every path is in the text, one line each, as encodeText prints the whole space
    const all = new PathArena();
    for (const b of source) all.pushAll(b);
    assert.deepEqual(one.text, Buffer.from(encodeText(all)));
    for (const owned of [false, true]) {
      const before = pool2.completed;
      const lent = copies(source);
      const two = await printed(lent, { pool: pool2, batchesOwned: owned, printHereBytes: HERE });
      assert.ok(pool2.completed > before, 'workers printed batches');
      assert.ok(two.text.equals(one.text), `seed ${seed}, batches owned: ${owned}`);
      assert.equal(two.empty, 1);
      // batches not the writer's own are left as they were; its own are handed over (left empty)
      if (!owned) assert.deepEqual(lent.map((b) => b.count), source.map((b) => b.count));
      else assert.ok(lent.slice(-3).every((b) => b.count === 0), 'the batches printed on the pool were moved there');
    }
  });
  test('a path that is no expression, printed by a worker, is named by its index in the space, as on one thread', async () => {
    const rng = new Rng(7);
    const source = batchesOf(rng, 40_000, 2048);
    const bad = source.at(-2)!;
    const index = source.slice(0, -2).reduce((n, b) => n + b.count, 0) + 5;
    const broken = PathArena.from([...bad].map((p, i) => (i === 5 ? Uint8Array.of(0x03, 0xc1, 0x61) : p.slice())));
    source[source.length - 2] = broken;
    const fault = (e: MorkspaceError): boolean => e.code === ErrorCode.NotExpression && e.where.offset === index && e.where.offsetOf === 'path';
    await assert.rejects(printed(copies(source), {}), fault);
    const before = pool2.completed;
    await assert.rejects(printed(copies(source), { pool: pool2, batchesOwned: true, printHereBytes: HERE }), fault);
    assert.ok(pool2.completed > before, 'the fault came from a worker');
  });
  test('a space under the size the pool takes over at is printed on this thread: the workers are not started for it', async () => {
    const pool = new WorkerPool(2);
    try {
      const r = await printed(batchesOf(new Rng(3), 20_000, 512), { pool, batchesOwned: true });
      assert.ok(r.text.length > 0);
      assert.equal(pool.started, false);
    } finally {
      await pool.close();
    }
  });
});

describe('PathArena.surrender', () => {
  test('hands the paths buffers over and leaves the arena empty, so release gives nothing back', () => {
    const a = PathArena.from([Uint8Array.of(1, 2), Uint8Array.of(3)]);
    const { bytes, ends, count } = a.surrender();
    assert.deepEqual([...bytes], [1, 2, 3]);
    assert.deepEqual([...ends], [2, 3]);
    assert.equal(count, 2);
    assert.equal(a.count, 0);
    assert.equal(a.byteLength, 0);
    a.release();
    a.push(Uint8Array.of(9));
    assert.deepEqual([...bytes], [1, 2, 3], 'the arena grew into buffers of its own');
  });
});
