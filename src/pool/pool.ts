/**
 * The one worker pool: a lazily created Piscina whose worker (./worker.js) exports the chunk tasks
 * by name. Commands call `closePool()` when they finish so the process exits promptly.
 */
import os from 'node:os';
import { Piscina } from 'piscina';

/** Tasks the worker exports. */
export type PoolTask = 'encodeChunk' | 'decodeChunk' | 'parseTextChunk' | 'sortPart';

let pool: Piscina | undefined;
let poolThreads = 0;

/** The default thread count: `os.availableParallelism()`. */
export function defaultThreads(): number {
  return os.availableParallelism();
}

/**
 * The shared pool with `threads` workers. A request for a different thread count replaces the pool
 * (one pool at a time; commands use one thread count each).
 */
export async function getPool(threads: number): Promise<Piscina> {
  if (pool !== undefined && poolThreads === threads) return pool;
  // replace synchronously, so concurrent callers never create two pools; then retire the old one
  const old = pool;
  pool = new Piscina({
    filename: new URL('./worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    // idle workers must not keep a library user's process alive
    idleTimeout: 1000,
  });
  poolThreads = threads;
  const current = pool;
  if (old !== undefined) await old.destroy();
  return current;
}

/**
 * Start the pool's workers now, without waiting for them: a caller that knows a big input is coming
 * hides the worker start-up (about 90 ms here) behind its own reading.
 */
export function warmPool(threads: number): void {
  if (threads > 1) getPool(threads).catch(() => undefined);
}

/**
 * Run a named task on the pool, moving `transfer` buffers to the worker (the caller must own them
 * alone: a transferred buffer is detached here).
 */
export async function runTask<T, R>(threads: number, name: PoolTask, task: T, transfer: ArrayBuffer[]): Promise<R> {
  const p = await getPool(threads);
  return (await p.run(task, { name, transferList: transfer })) as R;
}

/** Tasks completed by the current pool and its thread count (0, 0 when there is none): for benches and tests. */
export function poolStats(): { threads: number; completed: number } {
  return pool === undefined ? { threads: 0, completed: 0 } : { threads: poolThreads, completed: pool.completed };
}

/** Destroy the pool, if any (idempotent). */
export async function closePool(): Promise<void> {
  const p = pool;
  pool = undefined;
  poolThreads = 0;
  if (p !== undefined) await p.destroy();
}

/**
 * Map `items` through `run`, at most `window` in flight, yielding results in input order: the oldest
 * task is awaited before another is submitted, which keeps order and caps memory.
 */
export async function* mapOrdered<T, R>(items: AsyncIterable<T>, window: number, run: (item: T, index: number) => Promise<R>): AsyncGenerator<R> {
  const queue: Promise<R>[] = [];
  let index = 0;
  try {
    for await (const item of items) {
      const p = run(item, index++);
      // a later task may fail while an earlier one is awaited: it is rethrown in its turn
      p.catch(() => undefined);
      queue.push(p);
      if (queue.length >= window) yield await queue.shift()!;
    }
    while (queue.length > 0) yield await queue.shift()!;
  } finally {
    // on an early exit, let tasks in flight settle so none rejects unobserved
    await Promise.allSettled(queue);
  }
}

/** Stored or path bytes below which a stream is coded on the main thread (bench case `mtts-codecs`, threads 1 vs 2). */
export const POOL_MIN_BYTES = 1 << 20;

/**
 * Whether a stream is big enough for the pool: reads ahead until it has seen at least two items
 * and `POOL_MIN_BYTES`, or the end. `items` replays what was read ahead.
 */
export async function decidePool<T>(source: AsyncIterable<T>, size: (item: T) => number): Promise<{ large: boolean; items: AsyncIterable<T> }> {
  const it = source[Symbol.asyncIterator]();
  const head: T[] = [];
  let bytes = 0;
  let done = false;
  while (head.length < 2 || bytes < POOL_MIN_BYTES) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    head.push(r.value);
    bytes += size(r.value);
  }
  async function* replay(): AsyncGenerator<T> {
    try {
      yield* head.splice(0);
      if (done) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      if (!done) await it.return?.();
    }
  }
  return { large: !done, items: replay() };
}
