/**
 * `morkspace bench`: this host's own figures, so hosts can be compared. A generated space
 * (src/synthetic.ts) is written in every format, then each conversion runs as a whole process, as a
 * user runs it, for each thread count: wall time (median of `--runs`), atoms/s, MB/s of path bytes,
 * and the process's peak RSS (its own `--profile=json`). The project's fuller benchmarks, with the
 * gzip/lz4/zstd yardsticks, are `npm run bench` in a clone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ErrorCode, MorkspaceError, UsageError } from '../errors.js';
import { forgetTemp, trackTemp } from '../io/temp-files.js';
import { spread } from '../spread.js';
import { parseCount, writeSpace } from '../synthetic.js';
import { note, type CliIo, type GlobalOptions, withGlobals } from './context.js';
import { intFlag } from './format-flags.js';
import { num, recordTable } from './render.js';

interface BenchFlags extends GlobalOptions {
  atoms?: string;
  runs?: string;
  tmpDir?: string;
}

const BIN = new URL('../../../bin/morkspace.js', import.meta.url);

/** The conversions, in the order a space goes round: `[name, input format, output format]`. */
const CASES: readonly (readonly [string, string, string])[] = [
  ['text->paths', 'metta', 'paths'],
  ['paths->text', 'paths', 'metta'],
  ['paths->act', 'paths', 'act'],
  ['act->text', 'act', 'metta'],
  ['text->mtts', 'metta', 'mtts'],
  ['mtts->text', 'mtts', 'metta'],
];

export function addBenchCommand(program: Command, io: CliIo, setExit: (p: Promise<void>) => void): void {
  const cmd = program
    .command('bench')
    .description("this host's figures: each conversion of a generated space, per thread count (wall, atoms/s, MB/s, peak RSS)")
    .option('--atoms <n>', 'atoms of the generated space: 100K, 1M, … (default 100K)')
    .option('--threads <list>', 'thread counts to run, comma-separated (default: 1 and the available cores)')
    .option('--runs <n>', 'runs per case; the median is reported (default 3)')
    .option('--tmp-dir <dir>', 'folder for the generated files (default: the system temporary folder)')
    .option('--json', 'print one JSON document');
  cmd.action(() => setExit(run(io, withGlobals<BenchFlags>(cmd))));
}

interface Figures {
  name: string;
  threads: number;
  seconds: number;
  minSeconds: number;
  maxSeconds: number;
  atomsPerSecond: number;
  pathMBPerSecond: number;
  peakRssBytes: number;
}

async function run(io: CliIo, flags: BenchFlags): Promise<void> {
  const atoms = flags.atoms !== undefined ? count(flags.atoms) : 100_000;
  const runs = flags.runs !== undefined ? intFlag('runs', flags.runs, 1, 100) : 3;
  const threads = flags.threads !== undefined ? flags.threads.split(',').map((t) => intFlag('threads', t.trim(), 1, 256)) : [...new Set([1, os.availableParallelism()])];
  const dir = fs.mkdtempSync(path.join(flags.tmpDir ?? os.tmpdir(), 'morkspace-bench-'));
  trackTemp(dir);
  try {
    const file = (ext: string): string => path.join(dir, `space.${ext}`);
    if (!flags.quiet && !flags.json) note(io, `bench: generating ${num(atoms)} atoms and writing them in every format under ${dir}`);
    writeSpace(file('metta'), atoms);
    for (const ext of ['paths', 'act', 'mtts']) await child(['convert', file('metta'), '-o', file(ext), '--to', ext, '-f'], io.signal);
    const space = JSON.parse((await child(['inspect', file('mtts'), '--json'], io.signal)).stdout) as { atoms: number; pathBytes: number };
    const figures: Figures[] = [];
    for (const t of threads) {
      for (const [name, from, to] of CASES) {
        const walls: number[] = [];
        let peak = 0;
        for (let r = 0; r < runs; r++) {
          const started = performance.now();
          const { stdout } = await child(['convert', file(from), '-o', path.join(dir, `out.${to}`), '--to', to, '-f', '--threads', String(t), '--profile=json'], io.signal);
          walls.push((performance.now() - started) / 1000);
          peak = Math.max(peak, (JSON.parse(stdout) as { peakRssBytes: number }).peakRssBytes);
        }
        const { median, min, max } = spread(walls);
        figures.push({ name, threads: t, seconds: round(median), minSeconds: round(min), maxSeconds: round(max), atomsPerSecond: Math.round(space.atoms / median), pathMBPerSecond: round(space.pathBytes / 1e6 / median), peakRssBytes: peak });
        if (!flags.quiet && !flags.json) note(io, `bench: ${name}, ${t} thread${t === 1 ? '' : 's'}: ${median.toFixed(3)} s`);
      }
    }
    const host = { cpus: os.availableParallelism(), cpuModel: os.cpus()[0]?.model ?? 'unknown', totalMemoryBytes: os.totalmem(), node: process.version, platform: `${os.platform()} ${os.release()}` };
    if (flags.json) {
      io.stdout.write(JSON.stringify({ host, atoms: space.atoms, pathBytes: space.pathBytes, runs, cases: figures }) + '\n');
      return;
    }
    io.stdout.write(`${host.cpuModel}, ${host.cpus} cores, ${num(Math.round(host.totalMemoryBytes / 2 ** 30))} GiB, Node ${host.node}; ${num(space.atoms)} atoms, ${num(space.pathBytes)} path bytes; median of ${runs} run${runs === 1 ? '' : 's'}, whole process\n`);
    io.stdout.write(recordTable(figures.map((f) => ({ case: f.name, threads: f.threads, seconds: f.seconds, 'atoms/s': f.atomsPerSecond, 'MB/s': f.pathMBPerSecond, 'peak RSS MiB': Math.round(f.peakRssBytes / 2 ** 20) })), ''));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    forgetTemp(dir);
  }
}

function count(value: string): number {
  let n: number;
  try {
    n = parseCount(value);
  } catch {
    n = Number.NaN;
  }
  if (!Number.isSafeInteger(n) || n < 1 || n > 100_000_000) throw new UsageError(ErrorCode.Usage, `--atoms takes a count from 1 to 100M (suffixes K, M), got '${value}'`);
  return n;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

// Run the CLI as a child process; a failure is this command's failure, with the child's message.
// node:child_process (with net, dgram, tty) loads here, not when every other command starts.
async function child(args: string[], signal: AbortSignal | undefined): Promise<{ stdout: string }> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [fileURLToPath(BIN), ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve({ stdout }) : reject(new MorkspaceError(ErrorCode.Internal, `bench: morkspace ${args.slice(0, 2).join(' ')} failed (exit ${code}): ${stderr.trim()}`))));
  });
}
