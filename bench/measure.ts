/**
 * Runs one benchmark sample inside a fresh process and reports it as one JSON line on fd 3 (or on
 * stderr when fd 3 is not open), so the parent sees this child's own peak RSS, not its own.
 *
 *   node dist/bench/measure.js cli <morkspace args…>   the CLI's `main(argv)`, in-process
 *   node dist/bench/measure.js sort FILE.metta         `sortUniqueArena` on the parsed file
 */
import { readFileSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { CliIo } from '../src/cli/context.js';

/** What a sample reports to the parent. */
export interface Sample {
  /** CLI exit code (0 for micro-cases that finished). */
  exitCode: number;
  /** Wall-clock seconds of the measured work only (no Node start-up, no module loading). */
  seconds: number;
  /** Peak resident set size of this process, KiB (see `peakRssKiB`). */
  maxRssKiB: number;
  /** What the CLI wrote to stdout (the `--json` report), cut to 4 KiB. */
  stdout: string;
  /** What the CLI wrote to stderr, cut to 4 KiB. */
  stderr: string;
  /** Micro-case facts (e.g. paths sorted). */
  extra?: Record<string, number>;
}

const KEEP_CHARS = 4096;

/**
 * This process's own peak RSS in KiB: Linux's `VmHWM`, which starts afresh at exec. The rusage
 * figure (`process.resourceUsage().maxRSS`) survives exec, so a child spawned by a big parent (the
 * harness after generating a 3M space) reports at least the parent's size at fork time.
 */
function peakRssKiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

/** A Writable that keeps the first few KiB written to it. */
function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      if (text.length < KEEP_CHARS) text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text.slice(0, KEEP_CHARS) };
}

// The CLI as bin/morkspace.js loads it: its bundle with the code cache when the build made one (so
// "wall s" is what a user waits for), else the compiled modules. Loaded only for `cli`: the sort case
// needs the library.
async function cliMain(): Promise<(argv: readonly string[], io: CliIo) => Promise<number>> {
  type Main = (argv: readonly string[], io: CliIo) => Promise<number>;
  const loader = (await import(new URL('../../bin/cli-bundle.js', import.meta.url).href)) as { loadBundle: () => { cli: { main: Main } } | undefined };
  return loader.loadBundle()?.cli.main ?? ((await import(new URL('../src/cli/main.js', import.meta.url).href)) as { main: Main }).main;
}

async function runCli(argv: readonly string[]): Promise<Sample> {
  const main = await cliMain();
  const out = capture();
  const err = capture();
  const started = performance.now();
  const exitCode = await main(argv, { stdin: process.stdin, stdout: out.stream, stderr: err.stream });
  const seconds = (performance.now() - started) / 1000;
  return { exitCode, seconds, maxRssKiB: peakRssKiB(), stdout: out.text(), stderr: err.text() };
}

async function runSort(file: string): Promise<Sample> {
  const { collect, fileInput, readText, sortUniqueArena } = await import('../src/internals.js');
  // Parse first (not timed): the text's order is the generator's, i.e. unsorted with duplicates.
  const arena = await collect(readText(fileInput(file).chunks()));
  const started = performance.now();
  const sorted = sortUniqueArena(arena);
  const seconds = (performance.now() - started) / 1000;
  return { exitCode: 0, seconds, maxRssKiB: peakRssKiB(), stdout: '', stderr: '', extra: { paths: arena.count, unique: sorted.count, pathBytes: arena.byteLength } };
}

function report(sample: Sample): void {
  const line = JSON.stringify(sample) + '\n';
  try {
    writeSync(3, line);
  } catch {
    process.stderr.write(line); // run by hand: fd 3 is not open
  }
}

async function measure(argv: readonly string[]): Promise<Sample> {
  const [mode, ...rest] = argv;
  if (mode === 'cli') return runCli(rest);
  if (mode === 'sort' && rest[0] !== undefined) return runSort(rest[0]);
  return { exitCode: 2, seconds: 0, maxRssKiB: 0, stdout: '', stderr: 'usage: measure.js cli <args…> | sort FILE.metta' };
}

const sample = await measure(process.argv.slice(2));
report(sample);
process.exitCode = sample.exitCode;
