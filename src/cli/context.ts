/** What a command needs from the process (streams, a TTY flag, signals), and the run each command makes. */
import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, IoError, UsageError, ioError, isMorkspaceError, type MorkspaceError } from '../errors.js';
import type { Format } from '../formats/format.js';
import { fileInput, streamInput, type Input } from '../io/input.js';
import { openOutput, planOutput, streamOutput, type OutputTarget } from '../io/output.js';
import { MIN_MEMORY_BYTES, RunContext, type RunOptions } from '../run/context.js';
import type { Probe } from '../run/probe.js';
import { Progress, ProgressBoard } from '../run/progress.js';
import { intFlag, sizeFlag } from './format-flags.js';
import { count, forLocale, num } from './render.js';

export interface CliIo {
  stdin: AsyncIterable<Uint8Array>;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  /** Cancels the command (the process's SIGINT/SIGTERM); absent in-process. */
  signal?: AbortSignal;
}

/** Options every command takes. */
export interface GlobalOptions {
  json?: boolean;
  verbose?: boolean;
  /** Only errors on stderr: no warnings, no notes (a `--json` report asked for is still written). */
  quiet?: boolean;
  force?: boolean;
  threads?: string;
  memory?: string;
  tmpDir?: string;
}

/** A command's flags with the program's own (`-v`, `-q` given before the command's name). */
export function withGlobals<T extends GlobalOptions>(cmd: Command): T {
  const all = cmd.optsWithGlobals<T>();
  if (all.verbose && all.quiet) throw new UsageError(ErrorCode.Usage, '-v and -q contradict each other: give one');
  return all;
}

/** The input named on the command line (`-` or nothing: stdin). */
export function cliInput(name: string | undefined, io: CliIo): Input {
  return name === undefined || name === '-' ? streamInput('<stdin>', io.stdin) : fileInput(name);
}

/**
 * The run options of one command: `--threads`, `--memory`, `--tmp-dir`, warnings on stderr, notes
 * under `-v`, the process's signals. `display` (the progress line by default) is cleared before each.
 * @throws UsageError for a bad flag, IoError for a `--tmp-dir` that is not a folder.
 */
export function runOptions(io: CliIo, flags: GlobalOptions, progress?: Progress, display: { done(): void } | undefined = progress): RunOptions {
  if (flags.tmpDir !== undefined) checkFolder(flags.tmpDir);
  // a note or warning first clears the progress line (or a batch's board), which redraws on its next tick
  const say = (m: string): void => {
    display?.done();
    note(io, m);
  };
  return {
    ...(progress ? { progress } : {}),
    ...(flags.threads !== undefined ? { threads: intFlag('threads', flags.threads, 1, 256) } : {}),
    ...(flags.memory !== undefined ? { memoryBytes: sizeFlag('memory', flags.memory, MIN_MEMORY_BYTES, Number.MAX_SAFE_INTEGER) } : {}),
    ...(flags.tmpDir !== undefined ? { tmpDir: flags.tmpDir } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
    warn: (m) => {
      if (!flags.quiet) say(`warning: ${m}`);
    },
    ...(flags.verbose ? { log: say } : {}),
  };
}

/**
 * A progress line for a run over `inputs` when stderr is a terminal and nothing else asked for
 * stderr (`-q`, `--json`): none otherwise.
 */
export function cliProgress(io: CliIo, flags: GlobalOptions, inputs: readonly Input[]): Progress | undefined {
  const err = progressStream(io, flags);
  if (err === undefined) return undefined;
  const sizes = inputs.map((i) => i.size);
  const first = inputs[0] ? path.basename(inputs[0].name) : 'run';
  return new Progress(err, {
    label: inputs.length > 1 ? `${first} +${inputs.length - 1}` : first,
    ...progressDelay(),
    ...(sizes.every((n) => n !== undefined) ? { totalBytes: sizes.reduce((a: number, b) => a + b!, 0) } : {}),
  });
}

/**
 * A batch's progress on a terminal (nothing otherwise, as `cliProgress`): one row per running job,
 * `x.paths → x.mtts` and how far it is.
 */
export function cliBoard(io: CliIo, flags: GlobalOptions): { board: ProgressBoard; progressFor: (job: { input: string; output: string }) => Progress } | undefined {
  const err = progressStream(io, flags);
  if (err === undefined) return undefined;
  const board = new ProgressBoard(err);
  const progressFor = (job: { input: string; output: string }): Progress => {
    const size = fs.statSync(job.input, { throwIfNoEntry: false })?.size;
    return new Progress(board.row(), { label: `${path.basename(job.input)} → ${path.basename(job.output)}`, ...progressDelay(), ...(size !== undefined ? { totalBytes: size } : {}) });
  };
  return { board, progressFor };
}

// stderr when progress may be drawn there: a terminal, and nothing else asked for stderr (-q, --json)
function progressStream(io: CliIo, flags: GlobalOptions): (NodeJS.WritableStream & { columns?: number }) | undefined {
  const err = io.stderr as NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  return err.isTTY !== true || flags.quiet || flags.json ? undefined : err;
}

// MORKSPACE_PROGRESS_DELAY_MS: how long a run goes before its line shows (default 1000; tests use 0)
function progressDelay(): { delayMs?: number } {
  const delay = Number(process.env['MORKSPACE_PROGRESS_DELAY_MS']);
  return Number.isFinite(delay) && delay >= 0 ? { delayMs: delay } : {};
}

/** The run of one command (`runOptions`, and `probe` for `--profile`); under `-v` its first note says what the run may use. */
export function cliRun(io: CliIo, flags: GlobalOptions, probe?: Probe, progress?: Progress): RunContext {
  const ctx = new RunContext({ ...runOptions(io, flags, progress), ...(probe ? { probe } : {}) });
  ctx.log(`run: ${count(ctx.threads, 'thread')}, memory budget ${mib(ctx.memoryBytes)} (sorting larger spaces spills to ${ctx.tmpDir})`);
  return ctx;
}

/** @throws UsageError when stdin (`-`) is named more than once: it can be read only once. */
export function checkOneStdin(names: readonly string[]): void {
  if (names.filter((n) => n === '-').length > 1) throw new UsageError(ErrorCode.Usage, 'stdin (-) can be given once');
}

/** What one of several files gave, or why it failed. */
export type FileOutcome<T> = { name: string; value: T; error?: undefined } | { name: string; error: MorkspaceError };

/**
 * `each` over several files, each on its own: a file that fails is reported (one line on stderr,
 * unless `--json`) and the rest still run; a usage error or an abort stops them all.
 * `throwIfFailed` then ends the command with the first failure's exit code.
 */
export async function eachFile<T>(io: CliIo, names: readonly string[], flags: GlobalOptions, each: (name: string) => Promise<T>): Promise<FileOutcome<T>[]> {
  checkOneStdin(names);
  const outcomes: FileOutcome<T>[] = [];
  for (const name of names) {
    try {
      outcomes.push({ name, value: await each(name) });
    } catch (e) {
      if (!isMorkspaceError(e) || e.code === ErrorCode.Usage || e.code === ErrorCode.Aborted) throw e;
      if (!flags.json) note(io, e.render());
      outcomes.push({ name, error: e });
    }
  }
  return outcomes;
}

/** @throws BatchFailed (the first failure's exit code) when any of `outcomes` failed. */
export function throwIfFailed(outcomes: readonly FileOutcome<unknown>[], what: string): void {
  const failed = outcomes.filter((o) => o.error !== undefined);
  if (failed.length > 0) throw new BatchFailed(failed[0]!.error!, failed.length, outcomes.length, what);
}

/**
 * Some jobs of a batch failed; each was reported as it ended. The command exits with the first
 * failure's code, and says nothing more.
 */
export class BatchFailed extends Error {
  readonly first: MorkspaceError;
  constructor(first: MorkspaceError, failed: number, total: number, what = 'conversions') {
    super(`${failed} of ${total} ${what} failed`);
    this.first = first;
  }
}

function mib(bytes: number): string {
  return `${num(Math.round(bytes / 2 ** 20))} MiB`;
}

function checkFolder(dir: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    throw ioError(e, dir);
  }
  if (!st.isDirectory()) throw new IoError(ErrorCode.Io, 'not a folder (--tmp-dir)', { file: dir });
}

/** Fail early, before any work, when the output cannot be written (exists, no folder, a directory, a terminal). */
export function checkCliOutput(output: string | undefined, format: Format, io: CliIo, force: boolean): void {
  if (output !== undefined && output !== '-') {
    planOutput(output, force);
  } else if (format.binary && io.stdout.isTTY && !force) {
    throw new UsageError(ErrorCode.Usage, 'refusing to write a binary format to a terminal: give -o FILE, redirect, or --force');
  }
}

/** The output named on the command line: a file (see io/output.ts) or stdout. */
export async function cliOutput(output: string | undefined, io: CliIo, force: boolean): Promise<OutputTarget> {
  if (output === undefined || output === '-' || output === '/dev/stdout') return streamOutput(io.stdout);
  return openOutput(output, { force });
}

/** A note for the user on stderr (never stdout, which may carry data or JSON), in the locale's characters. */
export function note(io: CliIo, message: string): void {
  io.stderr.write(forLocale(`morkspace: ${message}\n`));
}
