/**
 * Sorting a large space on the worker pool. The paths stay in one arena on SharedArrayBuffers; the
 * main thread splits the path numbers at sampled splitter paths (equal paths always fall on the same
 * side, so each part de-duplicates alone), and each worker sorts, de-duplicates and gathers its part
 * into batches of its own, moved back. Parts come back in order, so the result is exactly the
 * sequential one.
 */
import { compareRanges } from './bytes.js';
import { PathArena } from './path-arena.js';
import { mapOrdered, type WorkerPool } from './pool/pool.js';
import { gatherRanges, sortedUniqueSubset } from './sort.js';

/** Spaces with fewer paths are sorted on the calling thread (bench case `text->paths`, 100K vs 1M). */
export const PARALLEL_SORT_MIN_PATHS = 200_000;
// Paths sampled to choose splitters: enough for balanced parts, few enough to sort at once.
const SAMPLE_PATHS = 4096;

/** A part to sort in a worker: `bytes` and `ends` are shared, `indices` is moved. */
export interface SortPartTask {
  bytes: Uint8Array;
  ends: Uint32Array;
  indices: Uint32Array;
  batchPaths: number;
}

/** Sorted, de-duplicated batches of a part: buffers of their own, moved back. */
export interface SortPartResult {
  batches: { bytes: Uint8Array; ends: Uint32Array; count: number }[];
}

/** The distinct paths of a part, in ascending order (path numbers into the shared arena; pure). */
export function sortPartOrder(task: SortPartTask): Uint32Array {
  return sortedUniqueSubset(task.bytes, task.ends, task.indices);
}

/** A part's paths in `order`, gathered into batches of at most `task.batchPaths` (pure). */
export function gatherPart(task: SortPartTask, order: Uint32Array): SortPartResult {
  const batches: SortPartResult['batches'] = [];
  for (let k = 0; k < order.length; k += task.batchPaths) {
    const to = Math.min(order.length, k + task.batchPaths);
    batches.push({ ...gatherRanges(task.bytes, task.ends, order, k, to), count: to - k });
  }
  return { batches };
}

/**
 * The distinct paths of `arena` (whose buffers must be shared) in ascending order, as batches of at
 * most `batchPaths`, sorted on `pool`'s workers. `read` is called once every part has been
 * gathered, while batches may still be waiting to be taken: the caller may let the arena go then.
 */
export async function* sortUniqueParallel(arena: PathArena, pool: WorkerPool, batchPaths: number, signal?: AbortSignal, read?: () => void): AsyncGenerator<PathArena> {
  if (!arena.shared) throw new TypeError('sortUniqueParallel needs an arena on shared buffers');
  // One part a thread. More (so the first part's batches reach the writer sooner and its deflate
  // overlaps the sort of the rest) cost more: text -> .paths of 1M atoms on 2 threads, medians of 4
  // interleaved runs on a busy host, 2.07 s with 1 part a thread, 2.18 with 2, 2.24 with 4, 2.48
  // with 8, CPU time growing alike. Halves of 1M shuffled paths sorted on two workers at once were
  // done only ~1.2x sooner than the whole on one (367 -> 307 ms): the two share the cache and the
  // memory bus, and the radix sort is bound by them, not by the cores.
  const parts = partition(arena, splitters(arena, pool.threads));
  let running = parts.length;
  const results = mapOrdered(toAsync(parts), pool.threads, (indices) => {
    // the indices are copied, not moved: a move detaches them here, and every typed array loop of
    // this thread after the first detach is slower (see `shared` in buffers.ts)
    const r = pool.run<SortPartTask, SortPartResult>('sortPart', { bytes: arena.bytes, ends: arena.ends, indices, batchPaths }, [], signal);
    // Every part gathered: the arena is read no more, while the batches are still being written.
    // Called on the next turn, when no frame of this run or of the pool's holds a task any more.
    void r.then(() => {
      if (--running === 0 && read !== undefined) setImmediate(read);
    }, () => undefined);
    return r;
  });
  for await (const r of results) for (const b of r.batches) yield PathArena.adopt(b.bytes, b.ends, b.count);
}

async function* toAsync<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

// Path numbers of the `parts - 1` splitters: evenly spaced in a sorted, deterministic sample.
function splitters(arena: PathArena, parts: number): number[] {
  const n = arena.count;
  const step = Math.max(1, Math.floor(n / SAMPLE_PATHS));
  const sample: number[] = [];
  for (let i = 0; i < n; i += step) sample.push(i);
  const bytes = arena.bytes;
  sample.sort((a, b) => compareRanges(bytes, arena.start(a), arena.end(a), bytes, arena.start(b), arena.end(b)));
  const out: number[] = [];
  for (let p = 1; p < parts; p++) out.push(sample[Math.floor((p * sample.length) / parts)]!);
  return out;
}

// Path numbers by part: part k holds the paths above splitter k-1 and at most splitter k.
function partition(arena: PathArena, split: readonly number[]): Uint32Array[] {
  const n = arena.count;
  const bytes = arena.bytes;
  const ends = arena.ends;
  const part = new Uint8Array(n);
  const sizes = new Array<number>(split.length + 1).fill(0);
  const bounds = split.map((i) => [arena.start(i), arena.end(i)] as const);
  for (let i = 0; i < n; i++) {
    const s = i === 0 ? 0 : ends[i - 1]!;
    const e = ends[i]!;
    let k = 0;
    while (k < bounds.length && compareRanges(bytes, s, e, bytes, bounds[k]![0], bounds[k]![1]) > 0) k++;
    part[i] = k;
    sizes[k]!++;
  }
  const out = sizes.map((m) => new Uint32Array(m));
  const fill = new Array<number>(out.length).fill(0);
  for (let i = 0; i < n; i++) {
    const k = part[i]!;
    out[k]![fill[k]!++] = i;
  }
  return out;
}
