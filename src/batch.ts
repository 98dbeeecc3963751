/**
 * Many conversions in one command (`--out-dir`): each input converted on its own, a few at once,
 * all sharing one worker pool and splitting the memory budget. Every output is planned before any
 * work (an existing file without `force`, two inputs with one output name: nothing runs), each is
 * written through its own temporary file, so a failure leaves no partial output and the outputs
 * already made stay. Without `keepGoing` the first failure stops the jobs still running.
 */
import path from 'node:path';
import { convertFile, type ConvertOptions, type ConvertReport } from './convert.js';
import { AbortedError, ErrorCode, MorkspaceError, UsageError, isMorkspaceError } from './errors.js';
import type { Format } from './formats/format.js';
import { planOutput } from './io/output.js';
import { WorkerPool, defaultThreads } from './pool/pool.js';
import { RunContext, defaultMemoryBytes } from './run/context.js';
import type { Progress } from './run/progress.js';

/** One conversion of a batch. */
export interface BatchJob {
  input: string;
  output: string;
}

/** How one job ended: `stopped` when a failure elsewhere ended the batch first, `skipped` when it never started. */
export interface BatchResult extends BatchJob {
  status: 'ok' | 'failed' | 'stopped' | 'skipped';
  report?: ConvertReport;
  error?: MorkspaceError;
}

/** Options of a batch: a conversion's, and how many jobs run at once. */
export interface BatchOptions extends Omit<ConvertOptions, 'context' | 'pool'> {
  /** Jobs at once. Defaults to the threads divided by 2 (at least 1): each job parses, sorts and writes on its own. */
  jobs?: number;
  /** Convert the rest when one fails. Defaults to false: the first failure stops the batch. */
  keepGoing?: boolean;
  /** Called as each job ends, in the order they end. */
  onResult?: (result: BatchResult) => void;
  /** The progress display of a job while it runs (`ProgressBoard.row()` on a terminal); ended with `done()`. */
  progressFor?: (job: BatchJob) => Progress | undefined;
}

/**
 * The jobs for `inputs` written to `outDir` in format `to`: `dumps/x.paths` → `outDir/x.mtts`.
 * @throws UsageError when two inputs would write one output.
 */
export function batchJobs(inputs: readonly string[], outDir: string, to: Format): BatchJob[] {
  const seen = new Map<string, string>();
  return inputs.map((input) => {
    const base = path.basename(input);
    const stem = base.includes('.') ? base.slice(0, base.lastIndexOf('.')) : base;
    const output = path.join(outDir, `${stem}${to.extensions[0]}`);
    const other = seen.get(output);
    if (other !== undefined) throw new UsageError(ErrorCode.Usage, `${other} and ${input} would both be written to ${output}`);
    seen.set(output, input);
    return { input, output };
  });
}

/**
 * Run `jobs`, `options.jobs` at a time. Resolves with every job's result in the jobs' order (a
 * failed job is a result, not a rejection).
 * @throws IoError / UsageError before any work, when an output cannot be written (see `planOutput`).
 */
export async function convertBatch(jobs: readonly BatchJob[], options: BatchOptions = {}): Promise<BatchResult[]> {
  for (const j of jobs) planOutput(j.output, options.force ?? false);
  const threads = options.threads ?? defaultThreads();
  const width = Math.max(1, Math.min(jobs.length, options.jobs ?? Math.max(1, Math.floor(threads / 2))));
  if (!Number.isInteger(width)) throw new UsageError(ErrorCode.Usage, `jobs must be a whole number, got ${options.jobs}`);
  const pool = new WorkerPool(threads);
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const memoryBytes = Math.max(1 << 20, Math.floor((options.memoryBytes ?? defaultMemoryBytes()) / width));
  const results: BatchResult[] = jobs.map((j) => ({ ...j, status: 'skipped' }));
  let next = 0;
  const runner = async (): Promise<void> => {
    while (next < jobs.length && !signal.aborted) {
      const k = next++;
      const job = jobs[k]!;
      const { jobs: _j, keepGoing: _k, onResult: _o, progressFor: _p, ...convertOptions } = options;
      const progress = options.progressFor?.(job);
      const ctx = new RunContext({ ...convertOptions, pool, signal, memoryBytes, ...(progress ? { progress } : {}) });
      try {
        results[k] = { ...job, status: 'ok', report: await convertFile(job.input, job.output, { ...convertOptions, context: ctx }) };
      } catch (e) {
        const error = isMorkspaceError(e) ? e : new MorkspaceError(ErrorCode.Internal, e instanceof Error ? e.message : String(e), { file: job.input }, { cause: e });
        const stopped = error.code === ErrorCode.Aborted && stop.signal.aborted && options.signal?.aborted !== true;
        results[k] = { ...job, status: stopped ? 'stopped' : 'failed', error };
        if (!stopped && options.keepGoing !== true) stop.abort(new AbortedError());
      } finally {
        progress?.done();
        await ctx.close();
      }
      options.onResult?.(results[k]!);
    }
  };
  try {
    await Promise.all(Array.from({ length: width }, runner));
  } finally {
    await pool.close();
  }
  if (options.signal?.aborted) throw options.signal.reason instanceof MorkspaceError ? options.signal.reason : new AbortedError();
  return results;
}
