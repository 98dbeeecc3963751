/**
 * One run's context: made once per command (and once per job of a batch), passed to every source,
 * stage and sink. It holds what every run has and no format owns: the thread count and the one
 * worker pool, cancellation, the temporary folder and memory budget, the probe, and where warnings
 * and notes go. No module defaults any of these on its own.
 */
import { DEFAULT_MAX_PATH_BYTES } from '../path-arena.js';
import os from 'node:os';
import { AbortedError, ErrorCode, MorkspaceError, isMorkspaceError } from '../errors.js';
import { WorkerPool, defaultThreads } from '../pool/pool.js';
import { DEFAULT_GC_EVERY_BYTES, GcPacer } from './gc-pacer.js';
import type { Probe } from './probe.js';
import type { Progress } from './progress.js';

/** What a caller may set for a run; everything has a default. */
export interface RunOptions {
  /** Worker threads for parallel work (text parsing, sorting, MTTS chunks). Defaults to the cores other work does not keep busy now (`defaultThreads`). */
  threads?: number;
  /** Cancels the run: every stage and pool task stops with an `AbortedError` (or the signal's own reason). */
  signal?: AbortSignal;
  /** Folder for spools and (with the scale work) spilled runs. Defaults to `os.tmpdir()`. */
  tmpDir?: string;
  /**
   * Memory the run may hold, in bytes: an unsorted space larger than the sort's share of it is
   * sorted in runs spilled to `tmpDir` and merged. At least 1 MiB. Defaults to 3/4 of the memory
   * available when the run starts (at least 256 MiB).
   */
  memoryBytes?: number;
  /** Receives stage figures (`--profile`); absent, stages are not metered. */
  probe?: Probe;
  /** A progress line to keep up to date (the CLI's, on a terminal); absent, nothing is shown. */
  progress?: Progress;
  /** Called with each warning (also kept in `warnings`). */
  warn?: (message: string) => void;
  /** Called with notes for `--verbose`. */
  log?: (message: string) => void;
  /** A pool to share (jobs of a batch); the run then does not close it. */
  pool?: WorkerPool;
  /**
   * Bytes of batches between two full garbage collections the run asks V8 for (see gc-pacer.ts:
   * it keeps batch garbage from growing the peak); 0 turns pacing off, the scavenges between
   * collections too. Defaults to 1/512 of the memory budget, at least 16 MiB (`gcPaceFor`).
   */
  gcEveryBytes?: number;
}

/**
 * The pace of a run's collections by default: after every 1/512 of its memory budget has passed,
 * at least every 16 MiB. Collections cost time (MTTS→text: 10-16% at 16 MiB, against none; a few %
 * at 32 MiB) and save memory (.paths→ACT at 3M atoms: 162 MiB at 16 MiB, 171 at 32, 190 at 64,
 * 210 with none), so a run collects as often as its budget needs: 8 GiB or less every 16 MiB, the
 * default budget of this 24 GiB host every 36 MiB, a host of 256 GiB every 384 MiB.
 */
export function gcPaceFor(memoryBytes: number): number {
  return Math.max(DEFAULT_GC_EVERY_BYTES, Math.floor(memoryBytes / 512));
}

/** The smallest memory budget a run takes. */
export const MIN_MEMORY_BYTES = 1 << 20;

/** A run's memory budget when none is given: 3/4 of the memory available now, at least 256 MiB. */
export function defaultMemoryBytes(): number {
  return Math.max(256 << 20, Math.floor(os.freemem() * 0.75));
}

/** The context of one run. */
export class RunContext {
  readonly threads: number;
  readonly pool: WorkerPool;
  readonly signal: AbortSignal;
  readonly tmpDir: string;
  readonly memoryBytes: number;
  readonly probe: Probe | undefined;
  readonly progress: Progress | undefined;
  /** Paces full collections by the batch bytes read (`RunOptions.gcEveryBytes`). */
  readonly gc: GcPacer;
  /** Warnings of this run, in order. */
  readonly warnings: string[] = [];
  readonly #warn: ((m: string) => void) | undefined;
  readonly #log: ((m: string) => void) | undefined;
  readonly #ownsPool: boolean;

  constructor(options: RunOptions = {}) {
    this.pool = options.pool ?? new WorkerPool(options.threads ?? defaultThreads());
    if (options.pool !== undefined && options.threads !== undefined && options.threads !== options.pool.threads) {
      throw new MorkspaceError(ErrorCode.Usage, `threads ${options.threads} differs from the shared pool's ${options.pool.threads}`);
    }
    this.threads = this.pool.threads;
    this.#ownsPool = options.pool === undefined;
    this.signal = options.signal ?? new AbortController().signal;
    this.tmpDir = options.tmpDir ?? os.tmpdir();
    const memory = options.memoryBytes ?? defaultMemoryBytes();
    if (!Number.isFinite(memory) || memory < MIN_MEMORY_BYTES) throw new MorkspaceError(ErrorCode.Usage, `the memory budget must be at least 1 MiB, got ${memory}`);
    this.memoryBytes = memory;
    this.probe = options.probe;
    this.progress = options.progress;
    const every = options.gcEveryBytes ?? gcPaceFor(memory);
    if (!(every >= 0)) throw new MorkspaceError(ErrorCode.Usage, `gcEveryBytes must be 0 or more, got ${every}`);
    this.gc = new GcPacer(every);
    this.#warn = options.warn;
    this.#log = options.log;
    // a default that backed off says so (under --verbose): a user who sees one busy core knows why
    if (options.pool === undefined && options.threads === undefined && this.#log !== undefined) {
      const cores = os.availableParallelism();
      if (this.threads < cores) {
        this.#log(`${this.threads} of ${cores} threads: other work keeps ${cores - this.threads} core${cores - this.threads === 1 ? '' : 's'} busy (the load in /proc/loadavg); --threads ${cores} takes them all`);
      }
    }
  }

  /**
   * The longest path this run reads: `requested` (a reader's default when absent), and never more
   * than an eighth of the memory budget, so that one record cannot take the whole budget.
   */
  longestPath(requested: number = DEFAULT_MAX_PATH_BYTES): number {
    return Math.min(requested, Math.max(1 << 20, Math.floor(this.memoryBytes / 8)));
  }

  /** Record a warning and pass it on. */
  warn(message: string): void {
    this.warnings.push(message);
    this.#warn?.(message);
  }

  /** A note for `--verbose`. */
  log(message: string): void {
    this.#log?.(message);
  }

  /** True when notes go somewhere (skip building them otherwise). */
  get logging(): boolean {
    return this.#log !== undefined;
  }

  /** @throws the run's abort reason (an AbortedError) once the run is cancelled. */
  checkAborted(): void {
    if (this.signal.aborted) throw abortReason(this.signal);
  }

  /** Release what the run owns (its worker pool). */
  async close(): Promise<void> {
    if (this.#ownsPool) await this.pool.close();
  }
}

/** The error an aborted signal stands for: its reason when that is one of ours, else an AbortedError. */
export function abortReason(signal: AbortSignal): MorkspaceError {
  return isMorkspaceError(signal.reason) ? signal.reason : new AbortedError();
}

/**
 * Run `fn` with `context` when given, else with a context of its own made from `options` and
 * closed afterwards (library entry points: one call, one run).
 */
export async function withRun<T>(context: RunContext | undefined, options: RunOptions, fn: (ctx: RunContext) => Promise<T>): Promise<T> {
  if (context !== undefined) return fn(context);
  const ctx = new RunContext(options);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
