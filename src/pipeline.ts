/**
 * The pipeline: a source's space, then stages `(space, ctx) => space`, then a sink. Every sink takes
 * a space whose batches are strictly ascending and unique; `sortUnique` is the one stage that makes
 * them so, and the one place that sorts (in memory, or in sorted runs spilled to disk and merged).
 */
import { compareRanges } from './bytes.js';
import { MAX_ARENA_BYTES, PathArena } from './path-arena.js';
import { metered, meteredPart, timedPart, type StageName } from './run/probe.js';
import type { RunContext } from './run/context.js';
import { gatherPaths, isStrictlySorted, sortedUniqueOrder } from './sort.js';
import { PARALLEL_SORT_MIN_PATHS, sortUniqueParallel } from './sort-parallel.js';
import { withBatches, type Space } from './space.js';
import { SpillFolder, mergeFanIn, mergeSorted } from './spill.js';
import { RecentPaths } from './recent-paths.js';

/** One step of a run. */
export type Stage = (space: Space, ctx: RunContext) => Space;

/** Apply `stages` in order. */
export function runStages(space: Space, stages: readonly Stage[], ctx: RunContext): Space {
  let s = space;
  for (const stage of stages) s = stage(s, ctx);
  return s;
}

/** Paths per batch handed on after an in-memory sort. */
export const SORTED_BATCH_PATHS = 1 << 16;

/**
 * A `claimed` space turned out not to be sorted: the run cannot go on streaming, and starts again
 * with the space read as `unsorted` (see `openForRun` in convert.ts). Never reaches a user.
 */
export class OrderViolation extends Error {
  /** 0-based index of the first path out of order. */
  readonly index: number;
  constructor(index: number) {
    super(`path ${index} is not above the one before it`);
    this.index = index;
  }
}

/** Stop between batches once the run is aborted. */
export const abortable: Stage = (space, ctx) =>
  withBatches(
    space,
    (async function* () {
      for await (const b of space.batches) {
        ctx.checkAborted();
        yield b;
      }
    })(),
  );

/** Count the batch bytes read for the run's paced garbage collections (src/run/gc-pacer.ts). */
export const paced: Stage = (space, ctx) =>
  withBatches(
    space,
    (async function* () {
      for await (const b of space.batches) {
        ctx.gc.passed(b.byteLength + 4 * b.count);
        yield b;
      }
    })(),
  );

/**
 * The space as strictly ascending, unique batches: `sorted` passes through; `claimed` passes through
 * while every path is checked against the one before it (a repeat of it is dropped; an
 * `OrderViolation` at the first below it); `unsorted` is sorted within the run's memory budget
 * (`sortedWithinBudget`).
 */
export const sortUnique: Stage = (space, ctx) => sortedUnique(space, ctx, 'sort');

/** `sortUnique`, its time recorded as `stage` (or not at all: when a stage that holds it meters itself). */
export function sortedUnique(space: Space, ctx: RunContext, stage: StageName | undefined): Space {
  const probe = stage !== undefined ? ctx.probe : undefined;
  const meter = (b: AsyncIterable<PathArena>): AsyncIterable<PathArena> => (stage !== undefined ? metered(b, stage, probe) : b);
  let batches: AsyncIterable<PathArena>;
  if (space.order === 'sorted') batches = nonEmpty(space.batches);
  else if (space.order === 'claimed') batches = checkedAscending(space.batches, space.recycles === true);
  else return { ...withBatches(space, meter(sortedWithinBudget(space, ctx)), 'sorted'), recycles: true };
  return withBatches(space, meter(batches), 'sorted');
}

/**
 * `space`'s batches, each handed back for reuse (`PathArena.release`) when the consumer asks for
 * the next: for a consumer that is done with a batch by then, as every format's `write` is. Spaces
 * whose batches are not the pipeline's own (`recycles` unset) pass as they are.
 */
export function releaseConsumed(space: Space): AsyncIterable<PathArena> {
  return space.recycles === true ? released(space.batches) : space.batches;
}

async function* released(batches: AsyncIterable<PathArena>): AsyncGenerator<PathArena> {
  for await (const b of batches) {
    yield b;
    b.release();
  }
}

async function* nonEmpty(batches: AsyncIterable<PathArena>): AsyncGenerator<PathArena> {
  for await (const b of batches) if (b.count > 0) yield b;
}

/**
 * `batches` checked ascending, with repeats of the path before dropped (sorted input that repeats
 * records costs nothing, as in upstream's trie): @throws OrderViolation at the first path below the
 * one before it. A batch that holds a repeat is copied without it (and released when `recycle`).
 */
export async function* checkedAscending(batches: AsyncIterable<PathArena>, recycle = false): AsyncGenerator<PathArena> {
  let last: Uint8Array | undefined;
  let index = 0;
  for await (const b of batches) {
    if (b.count === 0) continue;
    let out = b;
    if ((last !== undefined && compareRanges(last, 0, last.length, b.bytes, 0, b.end(0)) >= 0) || !isStrictlySorted(b)) {
      out = withoutRepeats(b, last, index);
      if (recycle) b.release();
    }
    index += b.count;
    if (out.count === 0) continue;
    last = out.copyPath(out.count - 1);
    yield out;
  }
}

// The paths of `b` above `last` and the one before them; @throws OrderViolation at one below.
function withoutRepeats(b: PathArena, last: Uint8Array | undefined, index: number): PathArena {
  const kept = new PathArena(b.byteLength, b.count);
  const bytes = b.bytes;
  let ps = 0;
  let pe = 0;
  let prev: Uint8Array | undefined = last;
  for (let i = 0; i < b.count; i++) {
    const s = b.start(i);
    const e = b.end(i);
    const c = prev !== undefined ? compareRanges(prev, 0, prev.length, bytes, s, e) : kept.count > 0 ? compareRanges(bytes, ps, pe, bytes, s, e) : -1;
    if (c > 0) throw new OrderViolation(index + i);
    if (c === 0) continue;
    kept.push(bytes, s, e);
    prev = undefined;
    ps = s;
    pe = e;
  }
  return kept;
}

// Bytes the in-memory sort holds per path besides its bytes: the end offset, the index, and the
// radix sort's scratch (sort.ts: 6 u32/u16 arrays of n).
const SORT_BYTES_PER_PATH = 26;
/** Of the run's memory budget, what the rest of the run may need besides the sort (readers, writers, the runtime). */
const SORT_RESERVE_BYTES = 64 << 20;

/** What the sort stage may hold of a run's memory budget: all but a reserve for the rest of the run. */
export function sortBudget(memoryBytes: number): number {
  return memoryBytes - Math.min(SORT_RESERVE_BYTES, Math.floor(memoryBytes / 2));
}

/**
 * Sort an unsorted space within the run's budget: in memory when it fits; else in sorted runs
 * spilled to the run's temporary folder and merged (spill.ts). Never more than `sortBudget` of
 * gathered paths, and never one arena over 4 GiB.
 */
async function* sortedWithinBudget(space: Space, ctx: RunContext): AsyncGenerator<PathArena> {
  const budget = sortBudget(ctx.memoryBytes);
  ctx.progress?.stage('read');
  // gathered on shared buffers when workers may sort it, so they read the paths in place
  const all = new PathArena(Math.min(MAX_ARENA_BYTES, budget, Math.max(1 << 20, space.sizeHint.pathBytes ?? 0)), 1 << 14, ctx.pool.parallel);
  let spill: SpillFolder | undefined;
  const runs: string[] = [];
  // repeats are dropped as they arrive only where a few bytes can stand for many paths
  const recent = space.expanded === true ? new RecentPaths() : undefined;
  try {
    for await (const b of space.batches) {
      const bytes = all.byteLength + b.byteLength;
      if (all.count > 0 && (bytes + SORT_BYTES_PER_PATH * (all.count + b.count) > budget || bytes > MAX_ARENA_BYTES)) {
        spill ??= await SpillFolder.create(ctx);
        ctx.progress?.stage('read, spill');
        const s = spill;
        runs.push(await timedPart(ctx.probe, 'spill', all.byteLength, () => s.write(ownBatches(sortedBatches(all, ctx, false), all), ctx)));
        all.clear();
        recent?.clear();
      }
      if (recent) recent.gather(all, b);
      else all.pushAll(b);
      if (space.recycles === true) b.release();
    }
    if (recent !== undefined && recent.dropped > 0 && ctx.logging) ctx.log(`sort: ${recent.dropped} repeats of paths read just before were dropped as they arrived`);
    ctx.progress?.stage('sort, write');
    if (spill === undefined) {
      yield* sortedBatches(all, ctx, true);
      return;
    }
    const s = spill; // (a const the closures below can see as defined)
    if (all.count > 0) runs.push(await timedPart(ctx.probe, 'spill', all.byteLength, () => s.write(ownBatches(sortedBatches(all, ctx, false), all), ctx)));
    all.release();
    // more runs than one merge opens: merge them into longer runs first
    const fanIn = mergeFanIn(budget);
    while (runs.length > fanIn) {
      const group = runs.splice(0, fanIn);
      runs.push(await timedPart(ctx.probe, 'merge', 0, () => s.write(mergeSorted(group.map((f) => s.read(f, ctx)), SORTED_BATCH_PATHS), ctx)));
      for (const f of group) s.drop(f);
    }
    if (ctx.logging) ctx.log(`sort: the space is larger than its share of the memory budget (${budget} of ${ctx.memoryBytes} bytes): ${s.runs} sorted runs (merged ${fanIn} at a time), ${s.bytesWritten} bytes, spilled to ${s.dir}`);
    ctx.progress?.stage('merge, write');
    for await (const b of meteredPart(mergeSorted(runs.map((f) => s.read(f, ctx)), SORTED_BATCH_PATHS), 'merge', ctx.probe)) {
      // the merge reads every path again: its garbage is paced like the source's (gc-pacer.ts)
      ctx.gc.passed(b.byteLength + 4 * b.count);
      yield b;
    }
  } finally {
    spill?.remove();
  }
}

/**
 * The sorted, unique batches of `all` (in memory; on the pool when it is large and `pooled`). Runs
 * to spill are sorted on this thread: batches gathered on the pool's threads are malloc'd there and
 * freed here, and over a run's many spills that grew its peak with the space (3M atoms at a 64 MiB
 * budget: 197 → 252 MiB from 1M; on this thread the sort costs about 2 s of 16).
 */
async function* sortedBatches(all: PathArena, ctx: RunContext, pooled: boolean): AsyncGenerator<PathArena> {
  if (all.count === 0) return;
  if (isStrictlySorted(all)) {
    yield* splitBatches(all, SORTED_BATCH_PATHS);
    return;
  }
  if (pooled && ctx.pool.parallel && all.count >= PARALLEL_SORT_MIN_PATHS) {
    // What reading left (chunks of text, batches taken in) is garbage that nothing would collect
    // while the workers sort: this thread makes next to no objects then. Collected first, it is not
    // held through the sort (text -> .paths of 1M atoms, 2 threads: peak RSS 217-230 -> 210-217
    // MiB; on one thread the sort's own garbage paces it, and collecting here measured no better).
    ctx.gc.collect();
    // once every part is gathered, the arena (as large as the space) need not wait for the writer
    yield* sortUniqueParallel(all, ctx.pool, SORTED_BATCH_PATHS, ctx.signal, () => {
      all.release();
      ctx.gc.collect();
    });
    return;
  }
  // Copy straight from the input arena into sorted batches: one copy, and the batches can be freed
  // as the sink consumes them.
  const order = sortedUniqueOrder(all);
  for (let k = 0; k < order.length; k += SORTED_BATCH_PATHS) yield gatherPaths(all, order, k, Math.min(order.length, k + SORTED_BATCH_PATHS));
}

// `batches`, each released once written, except `keep` (the gathering arena, reused for the next run).
async function* ownBatches(batches: AsyncIterable<PathArena>, keep: PathArena): AsyncGenerator<PathArena> {
  for await (const b of batches) {
    yield b;
    if (b !== keep) b.release();
  }
}

/** Views of `arena` in batches of at most `paths` paths (copies: each batch is its own arena). */
export function* splitBatches(arena: PathArena, paths: number): Generator<PathArena> {
  if (arena.count <= paths) {
    yield arena;
    return;
  }
  for (let i = 0; i < arena.count; i += paths) {
    const end = Math.min(arena.count, i + paths);
    const s = arena.start(i);
    const e = arena.start(end - 1) + arena.length(end - 1);
    const b = new PathArena(e - s, end - i);
    b.reserveBytes(e - s).set(arena.bytes.subarray(s, e));
    for (let k = i; k < end; k++) b.commit(arena.end(k) - s);
    yield b;
  }
}

/** Totals of what passed a point of the pipeline. */
export interface Tally {
  atoms: number;
  pathBytes: number;
}

/** A stage that counts the paths and path bytes passing through into `into`. */
export function tally(into: Tally): Stage {
  return (space) =>
    withBatches(
      space,
      (async function* () {
        for await (const b of space.batches) {
          into.atoms += b.count;
          into.pathBytes += b.byteLength;
          yield b;
        }
      })(),
    );
}

/** Collect a space's batches into one arena (library convenience). */
export async function collect(batches: AsyncIterable<PathArena>): Promise<PathArena> {
  const all = new PathArena();
  for await (const b of batches) all.pushAll(b);
  return all;
}
