/**
 * A run's worker pool: one Piscina instance of a fixed size, created on first use and never
 * replaced while the run lives (a pool replaced under running tasks killed them: "Terminating
 * worker thread"). The worker (./worker.js) exports the tasks by name. Faults of the pool itself
 * come back as morkspace errors naming the task; an aborted run's tasks reject with its reason.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { Piscina } from 'piscina';
import { ErrorCode, MorkspaceError, isMorkspaceError } from '../errors.js';
import type { Probe } from '../run/probe.js';

/** Tasks the worker exports. */
export type PoolTask = 'encodeChunk' | 'decodeChunk' | 'parseTextChunk' | 'sortPart' | 'printText';

/** Where a function may run parallel work and what cancels it: a run context has both. */
export interface Parallel {
  /** Absent or of one thread: the work stays on the calling thread. */
  readonly pool?: WorkerPool | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Where the work on this thread reports its parts (`--profile`); a RunContext passes its own. */
  readonly probe?: Probe | undefined;
}

/** What every task's result carries besides its own fields: the task's buffers moved back (src/pool/worker.ts). */
export interface Returned {
  back?: ArrayBufferView[];
}

/**
 * The default thread count: the cores this process may use, less those other work keeps busy now.
 * With one of this host's 2 cores kept busy, a pool of 2 made text -> ACT 1.26x slower than one
 * thread (text -> MTTS 1.05x, text -> .paths 1.03x): a pool only pays on idle cores. `--threads`
 * still takes what it is given.
 */
export function defaultThreads(): number {
  const cores = os.availableParallelism();
  const host = hostCpus();
  const busy = busyCores(readLoadavg(), cores, host);
  if (busy === 0) return cores;
  // The runnable count is the whole host's, this process's own threads too: V8's compiler and GC
  // threads at start-up were runnable beside this one often enough that a bench run right after
  // another took one thread in 4 of 5 starts (text -> MTTS of 1M atoms: 2.11 s, against 1.61 s on
  // two). Read again, with this process's threads running both just before and just after the
  // read counted out; a host that is busy both times keeps the back-off.
  const before = ownRunnableThreads();
  const again = readLoadavg();
  const own = Math.min(before, ownRunnableThreads());
  return Math.max(1, cores - Math.min(busy, busyCores(again, cores, host, own)));
}

/** This process's threads that are running or runnable now (state R in /proc/self/task), at least 1: this one. */
export function ownRunnableThreads(): number {
  let n = 0;
  try {
    for (const task of fs.readdirSync('/proc/self/task')) {
      const stat = fs.readFileSync(`/proc/self/task/${task}/stat`, 'latin1');
      // the state follows the name, which is in parentheses and may hold any byte
      if (stat[stat.lastIndexOf(')') + 2] === 'R') n++;
    }
  } catch {
    // no /proc (or a thread gone while it was listed): this thread alone
  }
  return Math.max(1, n);
}

/**
 * The processors of the host (all of them, not only this process's): what the load average is
 * spread over. From /sys, where `os.cpus()` reads every processor's times and speed, which grows
 * with the host: 0.4 ms of every command on 2 processors, more on the big hosts a run may share.
 */
function hostCpus(): number {
  try {
    return countCpuList(fs.readFileSync('/sys/devices/system/cpu/online', 'latin1')) ?? os.cpus().length;
  } catch {
    return os.cpus().length;
  }
}

/** The processors in a kernel CPU list (`0-3,8,10-11` → 7), or undefined when it is not one. */
export function countCpuList(list: string): number | undefined {
  let n = 0;
  for (const part of list.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (m === null) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return undefined;
    n += hi - lo + 1;
  }
  return n > 0 ? n : undefined;
}

/**
 * How many of `cores` other work keeps busy, from the text of /proc/loadavg (0 when it is absent):
 * the fewer of the tasks runnable now besides this process's `ownRunnable` and the 1-minute load,
 * so that neither a passing spike nor load this command's own earlier runs left in the average
 * counts; load spread over all `hostCpus` counts for this process's share of them.
 */
export function busyCores(loadavg: string | undefined, cores: number, hostCpus: number, ownRunnable = 1): number {
  const fields = loadavg?.trim().split(/\s+/);
  const sustained = Number(fields?.[0]);
  const runnable = Number(fields?.[3]?.split('/')[0]) - ownRunnable;
  if (!(sustained >= 0) || !(runnable >= 0)) return 0;
  const busy = Math.min(sustained, runnable) * (cores / Math.max(cores, hostCpus));
  return Math.min(cores, Math.floor(busy + 0.5));
}

function readLoadavg(): string | undefined {
  try {
    return fs.readFileSync('/proc/loadavg', 'latin1');
  } catch {
    return undefined;
  }
}

/** The most threads a run may ask for. */
export const MAX_THREADS = 256;

/** A fixed-size pool of worker threads; with one thread there is no pool and work stays on the caller's thread. */
export class WorkerPool {
  readonly threads: number;
  #pool: Piscina | undefined;
  #starting: Promise<Piscina> | undefined;
  #closed = false;
  #completed = 0;
  #startedAt = 0;

  constructor(threads: number) {
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
      throw new MorkspaceError(ErrorCode.Usage, `threads must be a whole number from 1 to ${MAX_THREADS}, got ${threads}`);
    }
    this.threads = threads;
  }

  /** True when work may go to worker threads (more than one thread). */
  get parallel(): boolean {
    return this.threads > 1;
  }

  #get(): Promise<Piscina> {
    if (this.#closed) return Promise.reject(new MorkspaceError(ErrorCode.Internal, 'the worker pool was used after its run ended'));
    this.#starting ??= import('piscina').then(({ Piscina: P }) => {
      const pool = withExecArgv(workerExecArgv(), (execArgv) =>
        new P({
          // '../pool/': the same file from dist/src/pool/ and from the CLI's bundle in dist/src/cli/
          filename: new URL('../pool/worker.js', import.meta.url).href,
          minThreads: this.threads,
          maxThreads: this.threads,
          // idle workers must not keep a library user's process alive
          idleTimeout: 1000,
          // A worker's work is in big external buffers (arenas, chunks), not in JS objects: V8's
          // default young generation (up to 16 MiB semi-spaces per isolate) only held garbage that
          // waited. 4 MiB: .paths -> MTTS on 2 threads 185 -> 163 MiB peak, text -> MTTS 222 -> 205,
          // text -> .paths 212 -> 204, wall 1.00-1.03x (interleaved A/B, 1M atoms); 8 MiB saved nothing.
          resourceLimits: { maxYoungGenerationSizeMb: 4 },
          execArgv,
        }),
      );
      if (this.#closed) {
        void pool.destroy();
        throw new MorkspaceError(ErrorCode.Internal, 'the worker pool was used after its run ended');
      }
      this.#pool = pool;
      this.#startedAt = performance.now();
      return pool;
    });
    return this.#starting;
  }

  /**
   * Start the workers now without waiting for them: a caller that knows a big input is coming
   * hides their start-up (about 90 ms here) behind its own reading.
   */
  warm(): void {
    if (this.parallel && !this.#closed) this.#get().catch(() => undefined);
  }

  /**
   * Run a named task, moving `transfer` buffers to the worker (the caller must own them alone: a
   * moved buffer is detached here). With `signal`, an abort rejects the task with the signal's reason.
   */
  async run<T, R>(name: PoolTask, task: T, transfer: ArrayBuffer[], signal?: AbortSignal): Promise<R> {
    signal?.throwIfAborted();
    // a started pool gets the task now, not a turn later: the caller may go on with a long piece
    // of synchronous work (walking the next batch) before this thread sees its next turn, and the
    // task would wait that long (text from ACT on 2 threads: each print waited 40-77 ms)
    const pool = this.#pool ?? (await this.#get());
    try {
      return (await pool.run(task, { name, transferList: transfer, ...(signal ? { signal } : {}) })) as R;
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      if (isMorkspaceError(e)) throw e;
      throw new MorkspaceError(ErrorCode.Internal, `worker task ${name} failed: ${e instanceof Error ? e.message : String(e)}`, {}, { cause: e });
    } finally {
      this.#completed++;
    }
  }

  /** Tasks run so far (settled, either way): for benches and tests. */
  get completed(): number {
    return this.#completed;
  }

  /**
   * The share of the workers' time spent running tasks since they started (0–1), or undefined
   * before they start: tasks run × their mean run time (piscina's histogram) over threads × time.
   * (piscina's own `utilization` divides milliseconds by 1,000 once too often: 0.001 for a full pool.)
   */
  get busyShare(): number | undefined {
    const mean = (this.#pool?.histogram as { runTime?: { mean?: number } } | undefined)?.runTime?.mean;
    if (this.#pool === undefined || mean === undefined || !Number.isFinite(mean)) return undefined;
    const capacity = this.threads * (performance.now() - this.#startedAt);
    return capacity > 0 ? Math.min(1, (mean * this.#completed) / capacity) : undefined;
  }

  /** True once workers were started. */
  get started(): boolean {
    return this.#pool !== undefined;
  }

  /** Stop the workers (idempotent); later tasks are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    const starting = this.#starting;
    this.#starting = undefined;
    this.#pool = undefined;
    if (starting !== undefined) await (await starting.catch(() => undefined))?.destroy();
  }
}

/**
 * Map `items` through `run`, at most `window` in flight, yielding results in input order: the oldest
 * task is awaited before another is submitted, which keeps order and caps memory. With `bytes`, the
 * tasks in flight also weigh at most `bytes.limit` together (one task always runs, however heavy):
 * a window of chunks is bounded in bytes, not in chunks, whatever their size and the thread count.
 */
export async function* mapOrdered<T, R>(items: AsyncIterable<T>, window: number, run: (item: T, index: number) => Promise<R>, bytes?: { of: (item: T) => number; limit: number }): AsyncGenerator<R> {
  const queue: { result: Promise<R>; weight: number }[] = [];
  let held = 0;
  let index = 0;
  try {
    for await (const item of items) {
      const weight = bytes?.of(item) ?? 0;
      while (queue.length > 0 && (queue.length >= window || (bytes !== undefined && held + weight > bytes.limit))) {
        const oldest = queue.shift()!;
        held -= oldest.weight;
        yield await oldest.result;
      }
      const result = run(item, index++);
      // a later task may fail while an earlier one is awaited: it is rethrown in its turn
      result.catch(() => undefined);
      queue.push({ result, weight });
      held += weight;
    }
    while (queue.length > 0) yield await queue.shift()!.result;
  } finally {
    // on an early exit, let tasks in flight settle so none rejects unobserved
    await Promise.allSettled(queue.map((q) => q.result));
  }
}

/**
 * `start(execArgv)`, and again without the flags Node refuses to a worker thread, as long as it
 * names some. A worker takes Node's own options (`--cpu-prof`, `--conditions`, `--require`), not
 * V8's or the process's (`--max-old-space-size`, `--expose-gc`, `--title`): the Worker constructor
 * throws ERR_WORKER_INVALID_EXEC_ARGV for those, and the parent's flags go to the workers by
 * default. So `node --max-old-space-size=8192 morkspace …`, a usual way to give a big run more
 * heap, failed every parallel run with an internal error. The refused flags stay with the process.
 */
export function withExecArgv<T>(execArgv: readonly string[], start: (execArgv: string[]) => T): T {
  let args = [...execArgv];
  for (;;) {
    try {
      return start(args);
    } catch (e) {
      const refused = (e as { code?: unknown }).code === 'ERR_WORKER_INVALID_EXEC_ARGV' ? refusedFlags((e as Error).message) : [];
      const kept = args.filter((a) => !refused.includes(a));
      if (kept.length === args.length) throw e;
      args = kept;
    }
  }
}

/** The flags an ERR_WORKER_INVALID_EXEC_ARGV message names ("…flags: --a=1, --b"). */
export function refusedFlags(message: string): string[] {
  const at = message.lastIndexOf(': ');
  return at < 0 ? [] : message.slice(at + 2).split(', ').map((f) => f.trim()).filter((f) => f !== '');
}

// piscina loads a worker's file with require() first, and Node 20.19+ require()s an ES module such as
// ours: when the run is stopped (Ctrl-C) while a worker is still loading it that way, V8 ends the
// whole process with "FATAL ERROR: v8::Module::IsGraphAsync ..." (seen here under SIGTERM in a test),
// and no exit handler removes the run's temporary files. With require(esm) off in the workers,
// piscina imports the file as on earlier Nodes. The parent's own flags (a --cpu-prof, say) still go
// to the workers, as they do by default. Asked when a pool starts: Node builds the set of its flags
// on first use, 0.6 ms of every command (bench case `inspect small`).
function workerExecArgv(): string[] {
  return process.allowedNodeEnvironmentFlags.has('--no-experimental-require-module') ? [...process.execArgv, '--no-experimental-require-module'] : process.execArgv;
}

/**
 * Bytes that chunks in flight (being coded, or coded and waiting their turn) may hold together:
 * 2 chunks a thread of the default 1 MiB up to 32 threads, and one at a time for 256 MiB chunks.
 */
export const IN_FLIGHT_BYTES = 64 << 20;

/** Stored or path bytes below which a stream is coded on the main thread (bench case `mtts-codecs`, threads 1 vs 2). */
export const POOL_MIN_BYTES = 1 << 20;

/**
 * Whether a stream is big enough for the pool: reads ahead until it has seen at least two items
 * and `POOL_MIN_BYTES`, or the end. `items` replays what was read ahead. Without a parallel `pool`
 * there is nothing to decide, and nothing is read ahead (a merge reads dozens of streams at once).
 */
export async function decidePool<T>(source: AsyncIterable<T>, size: (item: T) => number, pool: WorkerPool | undefined): Promise<{ large: boolean; items: AsyncIterable<T> }> {
  if (pool === undefined || !pool.parallel) return { large: false, items: source };
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
