/**
 * The source → sink pipeline. A source yields batches of paths (any order unless it says
 * `sorted`); every sink takes a space: batches in strictly ascending order, no duplicates.
 * `toSortedUnique` is the one place that sorts and de-duplicates; today it sorts in memory, and it
 * is where sorted runs spilled to disk and merged will go for spaces larger than memory.
 */
import { PathArena } from './path-arena.js';
import { gatherPaths, isStrictlySorted, sortedUniqueOrder } from './sort.js';
import { PARALLEL_SORT_MIN_PATHS, sortUniqueParallel } from './sort-parallel.js';

/** A stream of paths and what its producer guarantees about their order. */
export interface PathSource {
  batches: AsyncIterable<PathArena>;
  /** True when the batches are strictly ascending across the whole stream (no duplicates). */
  sorted: boolean;
  /** About how many path bytes the batches hold in all, when the source can tell (sizes buffers once). */
  byteHint?: number;
}

/** Paths per batch handed to sinks after an in-memory sort. */
export const SORTED_BATCH_PATHS = 1 << 16;

/**
 * The paths of `source` as a space: strictly ascending, unique, in batches. With `threads` > 1 a
 * large space is sorted on the worker pool (same result).
 */
export async function* toSortedUnique(source: PathSource, threads = 1): AsyncGenerator<PathArena> {
  if (source.sorted) {
    for await (const b of source.batches) if (b.count > 0) yield b;
    return;
  }
  // gathered on shared buffers when workers may sort it, so they read the paths in place
  const all = new PathArena(Math.max(1 << 20, source.byteHint ?? 0), 1 << 14, threads > 1);
  for await (const b of source.batches) all.pushAll(b);
  if (all.count === 0) return;
  if (isStrictlySorted(all)) {
    yield* splitBatches(all, SORTED_BATCH_PATHS);
    return;
  }
  if (threads > 1 && all.count >= PARALLEL_SORT_MIN_PATHS) {
    yield* sortUniqueParallel(all, threads, SORTED_BATCH_PATHS);
    return;
  }
  // Copy straight from the input arena into sorted batches: one copy, and the batches can be freed
  // as the sink consumes them.
  const order = sortedUniqueOrder(all);
  for (let k = 0; k < order.length; k += SORTED_BATCH_PATHS) yield gatherPaths(all, order, k, Math.min(order.length, k + SORTED_BATCH_PATHS));
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

/** Pass batches through, counting paths and bytes. */
export async function* counted(batches: AsyncIterable<PathArena>, into: { atoms: number; rawBytes: number }): AsyncGenerator<PathArena> {
  for await (const b of batches) {
    into.atoms += b.count;
    into.rawBytes += b.byteLength;
    yield b;
  }
}

/** Collect a space into one arena (library convenience). */
export async function collect(batches: AsyncIterable<PathArena>): Promise<PathArena> {
  const all = new PathArena();
  for await (const b of batches) all.pushAll(b);
  return all;
}
