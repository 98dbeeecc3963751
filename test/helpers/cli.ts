/** Run the real CLI in a child process, as a user would. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, ROOT } from './fixtures.js';

export interface CliResult {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

export function cli(args: string[], options: { input?: Uint8Array | string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { input: options.input ?? '', cwd: options.cwd ?? ROOT, maxBuffer: 1 << 28, ...(options.env ? { env: options.env } : {}) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** A fresh temporary folder, removed at exit. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'morkspace-test-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
