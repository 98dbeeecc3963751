/**
 * Child processes for the benchmarks: our cases run in `measure.js` (fresh heap, own peak RSS);
 * yardsticks are the gzip / lz4 / zstd CLIs with files on stdin and stdout, timed from outside.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Sample } from './measure.js';

/** A finished child: its sample (when it reported one), wall time and exit status. */
export interface ChildResult {
  sample?: Sample;
  /** From spawn to exit, including Node start-up and module loading. */
  wallSeconds: number;
  exitCode: number;
  /** The child's own stderr (crashes, warnings), cut to 4 KiB. */
  stderr: string;
}

const KEEP_CHARS = 4096;

/** Run `node measure.js …args` (with `env` added to ours) and read its JSON line from fd 3. */
export function runMeasured(measureScript: string, args: readonly string[], env?: Readonly<Record<string, string>>): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [measureScript, ...args], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], ...(env !== undefined ? { env: { ...process.env, ...env } } : {}) });
    let report = '';
    let stderr = '';
    child.stdio[3]!.on('data', (d: Buffer) => (report += d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < KEEP_CHARS) stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wallSeconds = (performance.now() - started) / 1000;
      const line = report.trim().split('\n').at(-1);
      let sample: Sample | undefined;
      if (line) {
        try {
          sample = JSON.parse(line) as Sample;
        } catch {
          sample = undefined; // a crash mid-line: reported through exitCode and stderr
        }
      }
      const result: ChildResult = { wallSeconds, exitCode: code ?? (signal ? 128 : 1), stderr: stderr.slice(0, KEEP_CHARS) };
      if (sample) result.sample = sample;
      resolve(result);
    });
  });
}

/** Run `cmd args` with stdin from `inputFile` and stdout into `outputFile`; returns wall seconds. */
export function runTool(cmd: string, args: readonly string[], inputFile: string, outputFile: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const inFd = openSync(inputFile, 'r');
    const outFd = openSync(outputFile, 'w');
    const started = performance.now();
    const child = spawn(cmd, args, { stdio: [inFd, outFd, 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < KEEP_CHARS) stderr += d.toString();
    });
    const close = (): void => {
      closeSync(inFd);
      closeSync(outFd);
    };
    child.on('error', (e) => {
      close();
      reject(e);
    });
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - started) / 1000;
      close();
      resolve({ wallSeconds, exitCode: code ?? 1, stderr });
    });
  });
}

/**
 * Run an upstream program as `bin op input output` (the contract of MORKSPACE_UPSTREAM_BIN, see
 * run.ts) under `/usr/bin/time`, for its wall time and the kernel's peak RSS of the child.
 */
export function runUpstream(bin: string, op: string, inputFile: string, outputFile: string): Promise<ChildResult & { maxRssKiB?: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', 'morkspace-bench %M', bin, op, inputFile, outputFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - started) / 1000;
      const rss = /morkspace-bench (\d+)\s*$/.exec(stderr);
      resolve({ wallSeconds, exitCode: code ?? 1, stderr: stderr.slice(0, KEEP_CHARS), ...(rss ? { maxRssKiB: Number(rss[1]) } : {}) });
    });
  });
}

/** Run a hook script (`node script …args`) that prints one JSON line on stdout; returns it parsed. */
export function runHook(script: string, args: readonly string[]): Promise<{ json?: unknown; exitCode: number; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < KEEP_CHARS) stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = stdout.trim().split('\n').filter((l) => l.trim().startsWith('{'));
      let json: unknown;
      try {
        json = lines.length > 0 ? JSON.parse(lines.at(-1)!) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ ...(json !== undefined ? { json } : {}), exitCode: code ?? 1, stderr, stdout: stdout.slice(0, KEEP_CHARS) });
    });
  });
}
