/**
 * Sorting a space larger than the run's memory budget (src/spill.ts, `sortUnique` in
 * src/pipeline.ts): sorted runs spilled to the run's temporary folder and merged, the result
 * exactly the in-memory sort's, and no run left behind on any path.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  AbortedError, ErrorCode, MERGE_FAN_IN, PathArena, mergeFanIn, RunContext, collect, mergeSorted, runStages, sortBudget, sortUnique, sortUniqueArena, type MorkspaceError, type Space,
} from '../src/internals.js';
import { generateSpace } from '../bench/generate.js';
import { cli, tempDir } from './helpers/cli.js';
import { Rng, testSeed } from './helpers/random.js';

const SEED = testSeed();

// `count` random paths of 1-`maxLen` bytes over a small alphabet (so many repeat), in batches of `batch`.
function randomBatches(rng: Rng, count: number, maxLen: number, batch: number): PathArena[] {
  const out: PathArena[] = [];
  let a = new PathArena();
  for (let i = 0; i < count; i++) {
    a.push(rng.bytes(rng.int(1, maxLen), [0x03, 0x41, 0x42, 0x43, 0x80]));
    if (a.count === batch) {
      out.push(a);
      a = new PathArena();
    }
  }
  if (a.count > 0) out.push(a);
  return out;
}

function unsortedSpace(batches: AsyncIterable<PathArena>): Space {
  return { batches, order: 'unsorted', sizeHint: {}, facts: {} };
}

async function* fromArray(batches: readonly PathArena[]): AsyncGenerator<PathArena> {
  yield* batches;
}

function sameArena(actual: PathArena, expected: PathArena): void {
  assert.equal(actual.count, expected.count);
  assert.ok(Buffer.from(actual.bytes.subarray(0, actual.byteLength)).equals(Buffer.from(expected.bytes.subarray(0, expected.byteLength))), 'path bytes differ');
  assert.deepEqual(actual.ends.subarray(0, actual.count), expected.ends.subarray(0, expected.count));
}

function union(batches: readonly PathArena[]): PathArena {
  const all = new PathArena();
  for (const b of batches) all.pushAll(b);
  return sortUniqueArena(all);
}

describe(`merging sorted sources (seed ${SEED})`, () => {
  // 1 to 33 sources: trees of losers of every shape (the leaves not a power of two), empty sources among them
  for (const runs of [1, 2, 3, 5, 7, 16, 33]) test(`the merge of ${runs} sorted sources is their sorted union: paths several sources hold come out once, across batch boundaries too`, async () => {
    const rng = new Rng(SEED + runs);
    const sources = Array.from({ length: runs }, (_, k) => {
      // each source strictly ascending, cut into batches of random sizes, some empty
      const sorted = union(randomBatches(rng, k === 3 ? 0 : rng.int(50, 400), 4, 1000));
      const batches: PathArena[] = [new PathArena()];
      for (let i = 0; i < sorted.count; ) {
        const n = rng.int(0, 30);
        const b = new PathArena();
        for (let j = 0; j < n && i < sorted.count; j++, i++) b.push(sorted.viewPath(i));
        batches.push(b);
      }
      return batches;
    });
    const expected = union(sources.flat());
    const got = new PathArena();
    for await (const b of mergeSorted(sources.map(fromArray), 7)) {
      assert.ok(b.count > 0 && b.count <= 7);
      got.pushAll(b);
    }
    sameArena(got, expected);
  });

  test('a merge stopped early closes every source it opened', async () => {
    const closed: number[] = [];
    const source = (k: number): AsyncIterable<PathArena> =>
      (async function* () {
        try {
          for (let i = 0; i < 100; i++) yield PathArena.from([new Uint8Array([k, i])]);
        } finally {
          closed.push(k);
        }
      })();
    for await (const b of mergeSorted([source(1), source(2), source(3)], 4)) {
      assert.equal(b.count, 4);
      break;
    }
    assert.deepEqual(closed.sort(), [1, 2, 3]);
  });
});

describe(`sorting beyond the memory budget (seed ${SEED})`, () => {
  test('a space needing more runs than one merge opens comes out exactly as the in-memory sort, and leaves no run behind', async () => {
    const dir = tempDir();
    const notes: string[] = [];
    const ctx = new RunContext({ threads: 1, memoryBytes: 1 << 20, tmpDir: dir, log: (m) => notes.push(m) });
    try {
      // paths of up to 10 bytes over 5 byte values: few repeats (the sort stage drops those it has
      // just seen: recent-paths.ts), about 32 bytes each against the budget, so about 16,000 per run
      const input = randomBatches(new Rng(SEED), 1_300_000, 10, 4096);
      const expected = union(input);
      const out = await collect(runStages(unsortedSpace(fromArray(input)), [sortUnique], ctx).batches);
      sameArena(out, expected);
      const runs = Number(/(\d+) sorted runs/.exec(notes.join('\n'))?.[1]);
      const fanIn = mergeFanIn(sortBudget(1 << 20));
      assert.ok(runs > fanIn * fanIn, `expected more runs than two merge passes open (${fanIn}² at this budget), the note says: ${notes.join(' | ')}`);
      assert.deepEqual(fs.readdirSync(dir), []);
    } finally {
      await ctx.close();
    }
  });

  test('with worker threads the spilled runs sort and merge to the same result', async () => {
    const dir = tempDir();
    const ctx = new RunContext({ threads: 2, memoryBytes: 1 << 20, tmpDir: dir });
    try {
      const input = randomBatches(new Rng(SEED + 1), 300_000, 12, 10_000);
      const out = await collect(runStages(unsortedSpace(fromArray(input)), [sortUnique], ctx).batches);
      sameArena(out, union(input));
      assert.deepEqual(fs.readdirSync(dir), []);
    } finally {
      await ctx.close();
    }
  });

  test('the empty path and paths longer than a run chunk come through a spilled sort once each', async () => {
    const dir = tempDir();
    const ctx = new RunContext({ threads: 1, memoryBytes: 1 << 20, tmpDir: dir });
    try {
      const rng = new Rng(SEED + 4);
      const long = rng.bytes(300 << 10); // longer than RUN_CHUNK_BYTES: a chunk of its own
      const input = randomBatches(rng, 120_000, 6, 4096);
      for (const k of [0, 7, input.length - 1]) {
        input[k]!.push(new Uint8Array(0));
        input[k]!.push(long);
      }
      const out = await collect(runStages(unsortedSpace(fromArray(input)), [sortUnique], ctx).batches);
      sameArena(out, union(input));
      assert.equal(out.length(0), 0, 'the empty path sorts first');
      assert.deepEqual(fs.readdirSync(dir), []);
    } finally {
      await ctx.close();
    }
  });

  test('the sort holds no more than its share of the budget (all but a reserve for the rest of the run), and a merge opens no more runs than that share pays for', () => {
    assert.equal(sortBudget(1 << 20), 1 << 19);
    assert.equal(sortBudget(2 ** 31), 2 ** 31 - (64 << 20));
    assert.equal(mergeFanIn(sortBudget(1 << 20)), 2);
    assert.equal(mergeFanIn(sortBudget(64 << 20)), 8);
    assert.equal(mergeFanIn(sortBudget(2 ** 31)), MERGE_FAN_IN);
  });

  test('a run aborted while it spills stops with AbortedError and leaves no run behind', async () => {
    const dir = tempDir();
    const controller = new AbortController();
    const ctx = new RunContext({ threads: 1, memoryBytes: 1 << 20, tmpDir: dir, signal: controller.signal });
    const input = randomBatches(new Rng(SEED + 2), 400_000, 6, 4096);
    const source = (async function* () {
      for (let i = 0; i < input.length; i++) {
        if (i === 60) controller.abort();
        ctx.checkAborted();
        yield input[i]!;
      }
    })();
    try {
      await assert.rejects(collect(runStages(unsortedSpace(source), [sortUnique], ctx).batches), AbortedError);
      assert.deepEqual(fs.readdirSync(dir), []);
    } finally {
      await ctx.close();
    }
  });

  test('a run damaged on disk before the merge fails it (a digest or structure error) naming the run file, and leaves no run behind', async () => {
    const dir = tempDir();
    const ctx = new RunContext({ threads: 1, memoryBytes: 1 << 20, tmpDir: dir });
    const input = randomBatches(new Rng(SEED + 3), 200_000, 6, 4096);
    const source = (async function* () {
      yield* input;
      // every run but the last is on disk now: flip a byte in the middle of the first
      const [folder] = fs.readdirSync(dir);
      const run = path.join(dir, folder!, 'run-0.mtts');
      const bytes = fs.readFileSync(run);
      bytes[bytes.length >> 1]! ^= 0x20;
      fs.writeFileSync(run, bytes);
    })();
    try {
      await assert.rejects(collect(runStages(unsortedSpace(source), [sortUnique], ctx).batches), (e: MorkspaceError) => {
        // where the flipped byte lands decides which check sees it first: a digest, or a header field
        assert.ok(([ErrorCode.Checksum, ErrorCode.Corrupt, ErrorCode.Truncated] as string[]).includes(e.code), e.code);
        assert.match(e.where.file ?? '', /morkspace-sort-.*run-0\.mtts$/);
        return true;
      });
      assert.deepEqual(fs.readdirSync(dir), []);
    } finally {
      await ctx.close();
    }
  });
});

describe('a full disk while spilling or writing', () => {
  test('ENOSPC in --tmp-dir or at the output: one line naming the file, exit 3, nothing left behind (on a small tmpfs)', (t) => {
    const dir = tempDir();
    const small = path.join(dir, 'small');
    fs.mkdirSync(small);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', small], { encoding: 'utf8' });
    if (mounted.status !== 0) {
      t.skip(`cannot mount a small tmpfs here (${(mounted.stderr || mounted.error?.message || 'not permitted').trim()}): the full-disk case is not tested`);
      return;
    }
    try {
      const text = path.join(dir, 'space.metta');
      fs.writeFileSync(text, generateSpace(60_000));
      const spill = cli(['serialize', text, '-o', path.join(dir, 'out.paths'), '--memory', '1M', '--tmp-dir', small, '--threads', '1']);
      assert.equal(spill.status, 3, spill.stderr);
      assert.match(spill.stderr, /morkspace-sort-[^/]*\/run-\d+\.mtts: no space left on the device \[ERR_IO\]/);
      assert.equal(fs.existsSync(path.join(dir, 'out.paths')), false);
      assert.deepEqual(fs.readdirSync(small), []);
      const out = cli(['serialize', text, '-o', path.join(small, 'out.act'), '--threads', '1']);
      assert.equal(out.status, 3, out.stderr);
      assert.match(out.stderr, /out\.act: no space left on the device \[ERR_IO\]/);
      assert.deepEqual(fs.readdirSync(small), []);
    } finally {
      spawnSync('umount', [small]);
    }
  });
});

describe('--memory and --tmp-dir on the command line', () => {
  const dir = tempDir();
  const text = Array.from({ length: 60_000 }, (_, i) => `(edge n${(i * 7919) % 30_000} n${(i * 104_729) % 997} weight-${i % 13})`).join('\n') + '\n';
  const input = path.join(dir, 'edges.metta');
  fs.writeFileSync(input, text);

  test('serialize under a small budget spills sorted runs to --tmp-dir, says so under -v, and writes the same bytes', () => {
    const runs = path.join(dir, 'runs');
    fs.mkdirSync(runs);
    const free = cli(['serialize', input, '-o', path.join(dir, 'free.paths')]);
    assert.equal(free.status, 0, free.stderr);
    const tight = cli(['serialize', input, '-o', path.join(dir, 'tight.paths'), '--memory', '1M', '--tmp-dir', runs, '-v']);
    assert.equal(tight.status, 0, tight.stderr);
    assert.match(tight.stderr, /memory budget 1 MiB/);
    assert.match(tight.stderr, /\d+ sorted runs \(merged \d+ at a time\), \d+ bytes, spilled to /);
    assert.ok(fs.readFileSync(path.join(dir, 'tight.paths')).equals(fs.readFileSync(path.join(dir, 'free.paths'))));
    assert.deepEqual(fs.readdirSync(runs), []);
  });

  test('a bad --memory is a usage error (exit 2); a --tmp-dir that is no folder fails before any work (exit 3)', () => {
    const bad = cli(['serialize', input, '-o', path.join(dir, 'x.paths'), '--memory', 'lots']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--memory takes a byte count/);
    const small = cli(['serialize', input, '-o', path.join(dir, 'x.paths'), '--memory', '1000']);
    assert.equal(small.status, 2);
    const missing = cli(['serialize', input, '-o', path.join(dir, 'x.paths'), '--tmp-dir', path.join(dir, 'nope')]);
    assert.equal(missing.status, 3);
    assert.match(missing.stderr, /nope: no such file/);
    assert.equal(fs.existsSync(path.join(dir, 'x.paths')), false);
  });
});
