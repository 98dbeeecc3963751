/**
 * Sorting a space larger than the run's memory: the sort stage cuts its input into sorted runs that
 * fit the budget, writes each to the run's temporary folder, and merges them k ways, dropping the
 * paths that several runs hold. A run file is an MTTS file (docs/format-mtts.md) with LZ4 chunks:
 * compact (front-coded), quick to write and read, and every chunk digested, so a run damaged on
 * disk fails the merge instead of corrupting the output.
 *
 * Memory of a merge: each open run holds a few chunks of `RUN_CHUNK_BYTES` path bytes (about
 * `MERGE_BYTES_PER_RUN` in all, measured: 2 runs 153 MiB, 7 runs 200), and no more runs are open at
 * once than the sort's share of the budget pays for (`mergeFanIn`: 2 to `MERGE_FAN_IN`; beyond
 * that, runs are merged into longer runs first), so a merge holds no more than the sort did.
 */
import fs from 'node:fs';
import path from 'node:path';
import { compareRanges, viewOf } from './bytes.js';
import { ioError, inFile } from './errors.js';
import { newFacts, readMtts } from './formats/mtts/reader.js';
import { writeMtts } from './formats/mtts/writer.js';
import { fileChunks } from './io/input.js';
import { FdSink } from './io/sink.js';
import { forgetTemp, trackTemp } from './io/temp-files.js';
import { PathArena } from './path-arena.js';
import type { RunContext } from './run/context.js';

/** Path bytes per chunk of a run file: a merge holds about two chunks of every open run. */
export const RUN_CHUNK_BYTES = 256 << 10;
/** The most runs merged at once; more are merged into longer runs first (open files, read windows). */
export const MERGE_FAN_IN = 64;
/** What one open run costs a merge, about: its read window, decoded chunks, and their garbage. */
export const MERGE_BYTES_PER_RUN = 4 << 20;

/** Runs one merge may open within `shareBytes` of memory (the sort's share of the run's budget). */
export function mergeFanIn(shareBytes: number): number {
  return Math.max(2, Math.min(MERGE_FAN_IN, Math.floor(shareBytes / MERGE_BYTES_PER_RUN)));
}
/** Bytes read from a run file at a time. */
const RUN_READ_BYTES = 1 << 16;

/** The sorted runs of one sort stage, in a folder of their own under the run's `tmpDir`. */
export class SpillFolder {
  readonly dir: string;
  /** Runs written so far (merged runs included). */
  runs = 0;
  /** Bytes written to run files so far. */
  bytesWritten = 0;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Make the folder. @throws IoError naming `ctx.tmpDir` when it cannot be made. */
  static async create(ctx: RunContext): Promise<SpillFolder> {
    const dir = await fs.promises.mkdtemp(path.join(ctx.tmpDir, 'morkspace-sort-')).catch((e: unknown) => {
      throw ioError(e, ctx.tmpDir);
    });
    trackTemp(dir);
    return new SpillFolder(dir);
  }

  /** Write strictly ascending, unique batches as a new run; returns its file. */
  async write(batches: AsyncIterable<PathArena>, ctx: RunContext): Promise<string> {
    const file = path.join(this.dir, `run-${this.runs++}.mtts`);
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx');
    } catch (e) {
      throw ioError(e, file);
    }
    try {
      const sink = new FdSink(fd, file, false);
      // coded on this thread: LZ4 keeps up with the sort, and payloads coded on the pool's threads
      // are malloc'd there and freed here, which grew a 3M-atom sort's peak by 100 MiB (324 → 245 at 1M)
      for await (const chunk of writeMtts(batches, { compression: 'lz4', chunkBytes: RUN_CHUNK_BYTES }, { signal: ctx.signal })) {
        ctx.checkAborted();
        await sink.write(chunk);
      }
      this.bytesWritten += sink.bytesWritten;
    } finally {
      fs.closeSync(fd);
    }
    return file;
  }

  /** A run's batches, read back (every chunk's digest checked); errors name the run file. */
  async *read(file: string, ctx: RunContext): AsyncGenerator<PathArena> {
    try {
      yield* readMtts(fileChunks(file, RUN_READ_BYTES), {}, newFacts(), { signal: ctx.signal });
    } catch (e) {
      throw inFile(e, file);
    }
  }

  /** Remove one run that has been merged into another. */
  drop(file: string): void {
    fs.rmSync(file, { force: true });
  }

  /** Remove the folder and every run in it (on every path: success, error, abort). */
  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
    forgetTemp(this.dir);
  }
}

// One run being merged: its current batch, the index of its next path and where that path lies
// (`s`, `e`), a view for comparing 4 bytes at a time, and `done` once the run is used up.
interface Cursor {
  readonly it: AsyncIterator<PathArena>;
  a: PathArena;
  i: number;
  s: number;
  e: number;
  words: DataView;
  done: boolean;
}

// The cursor's next non-empty batch, or false when the run is done; with `release`, the batch it
// leaves goes back for reuse.
async function refill(c: Cursor, release: boolean): Promise<boolean> {
  if (release) c.a.release();
  for (;;) {
    const r = await c.it.next();
    if (r.done === true) {
      c.done = true;
      return false;
    }
    if (r.value.count > 0) {
      c.a = r.value;
      c.i = 0;
      c.words = viewOf(r.value.bytes);
      at(c);
      return true;
    }
  }
}

// Point the cursor's bounds at its path `i`.
function at(c: Cursor): void {
  c.s = c.i === 0 ? 0 : c.a.ends[c.i - 1]!;
  c.e = c.a.ends[c.i]!;
}

// Unsigned lexicographic order of two cursors' paths; a used-up run sorts after every path. Steps
// over the shared prefix 4 bytes at a time: neighbours in a merge share most of their bytes.
function compareCursors(x: Cursor, y: Cursor): number {
  if (x.done || y.done) return x.done ? (y.done ? 0 : 1) : -1;
  const xs = x.s;
  const ys = y.s;
  const lx = x.e - xs;
  const ly = y.e - ys;
  const n = lx < ly ? lx : ly;
  const xw = x.words;
  const yw = y.words;
  let k = 0;
  while (k + 4 <= n && xw.getUint32(xs + k) === yw.getUint32(ys + k)) k += 4;
  const xb = x.a.bytes;
  const yb = y.a.bytes;
  for (; k < n; k++) {
    const d = xb[xs + k]! - yb[ys + k]!;
    if (d !== 0) return d;
  }
  return lx - ly;
}

/**
 * Merge strictly ascending, unique sources into one strictly ascending, unique stream of batches
 * of at most `batchPaths` paths (a path that several sources hold comes out once). With `release`,
 * each source batch is handed back for reuse once the merge is past it (for sources whose batches
 * are the pipeline's own: `Space.recycles`); the merge's own batches are always its own.
 *
 * A tree of losers (Knuth's replacement selection): each path out costs one comparison per level
 * of the tree, against two per level of a binary heap's sift, and comparisons step over shared
 * prefixes a word at a time. Merging 49 sorted runs of the 1M-atom bench space, in-process:
 * 950-1200 ms with a heap and byte comparisons.
 */
export async function* mergeSorted(sources: readonly AsyncIterable<PathArena>[], batchPaths: number, options: { release?: boolean } = {}): AsyncGenerator<PathArena> {
  const release = options.release ?? false;
  const runs: Cursor[] = [];
  try {
    for (const src of sources) {
      const c: Cursor = { it: src[Symbol.asyncIterator](), a: new PathArena(0, 1), i: 0, s: 0, e: 0, words: viewOf(new Uint8Array(0)), done: false };
      runs.push(c);
      await refill(c, false);
    }
    const k = runs.length;
    if (k === 0) return;
    // tree[0]: the run whose path is least; tree[1..k): the loser of the match at that node, whose
    // children are nodes 2j and 2j+1, and the runs are leaves k..2k (leaf of run r: k + r)
    const tree = new Int32Array(Math.max(1, k));
    const winners = new Int32Array(2 * k);
    for (let r = 0; r < k; r++) winners[k + r] = r;
    for (let j = k - 1; j >= 1; j--) {
      const a = winners[2 * j]!;
      const b = winners[2 * j + 1]!;
      const aWins = compareCursors(runs[a]!, runs[b]!) <= 0;
      winners[j] = aWins ? a : b;
      tree[j] = aWins ? b : a;
    }
    tree[0] = k === 1 ? 0 : winners[1]!;
    let out = new PathArena(1 << 20, batchPaths);
    // the last path handed on, once its batch has gone: a duplicate may open the next batch
    let prev: Uint8Array = new Uint8Array(0);
    let any = false;
    for (;;) {
      const w: number = tree[0]!;
      const c = runs[w]!;
      if (c.done) break;
      const src = c.a.bytes;
      const s = c.s;
      const e = c.e;
      const n = out.count;
      const dup = n > 0 ? compareRanges(out.bytes, out.start(n - 1), out.end(n - 1), src, s, e) === 0 : any && compareRanges(prev, 0, prev.length, src, s, e) === 0;
      if (!dup) {
        out.push(src, s, e);
        any = true;
        if (out.count >= batchPaths) {
          prev = out.copyPath(out.count - 1);
          const size = out.byteLength; // read before the consumer may release it
          yield out;
          out = new PathArena(size + 1024, batchPaths);
        }
      }
      if (++c.i < c.a.count) at(c);
      else await refill(c, release);
      // replay the matches on the way from the winner's leaf to the root
      let winner: number = w;
      for (let j = (k + w) >> 1; j >= 1; j >>= 1) {
        const loser = tree[j]!;
        if (compareCursors(runs[loser]!, runs[winner]!) < 0) {
          tree[j] = winner;
          winner = loser;
        }
      }
      tree[0] = winner;
    }
    if (out.count > 0) yield out;
    else out.release();
  } finally {
    // an early stop (an error downstream, an abort) closes the runs still open
    for (const c of runs) if (!c.done) await c.it.return?.();
  }
}
