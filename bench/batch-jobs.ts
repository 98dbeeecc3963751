/**
 * Batch bench: 20 files converted in one command with `--out-dir`, `--jobs 1` against `--jobs 2`,
 * interleaved; prints one JSON line (median wall seconds of each, and their ratio).
 *
 *   node dist/bench/batch-jobs.js bench/out/input-100K.paths [--runs 3]
 */
import { spread } from '../src/spread.js';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FILES = 20;
const CLI = fileURLToPath(new URL('../../bin/morkspace.js', import.meta.url));

function median(xs: number[]): number {
  return spread(xs).median;
}

function main(argv: readonly string[]): number {
  const input = argv[0];
  const runs = argv[1] === '--runs' ? Number(argv[2]) : 3;
  if (input === undefined || !Number.isInteger(runs) || runs < 1) {
    process.stderr.write('usage: node dist/bench/batch-jobs.js FILE.paths [--runs N]\n');
    return 2;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'morkspace-batch-bench-'));
  try {
    const ext = path.extname(input);
    const inputs = Array.from({ length: FILES }, (_, i) => {
      const f = path.join(dir, `part-${String(i).padStart(2, '0')}${ext}`);
      fs.symlinkSync(path.resolve(input), f);
      return f;
    });
    const seconds: Record<'1' | '2', number[]> = { '1': [], '2': [] };
    for (let r = 0; r < runs; r++) {
      for (const jobs of ['1', '2'] as const) {
        const out = fs.mkdtempSync(path.join(dir, 'out-'));
        const started = performance.now();
        const p = spawnSync(process.execPath, [CLI, 'convert', ...inputs, '--to', 'mtts', '--out-dir', out, '--jobs', jobs, '--threads', '2'], { encoding: 'utf8' });
        if (p.status !== 0) throw new Error(`--jobs ${jobs}: exit ${p.status}: ${p.stderr}`);
        seconds[jobs].push((performance.now() - started) / 1000);
        fs.rmSync(out, { recursive: true, force: true });
      }
    }
    const j1 = median(seconds['1']);
    const j2 = median(seconds['2']);
    process.stdout.write(JSON.stringify({ bench: 'batch-jobs', files: FILES, input: path.basename(input), runs, jobs1Seconds: Math.round(j1 * 1000) / 1000, jobs2Seconds: Math.round(j2 * 1000) / 1000, jobs2OverJobs1: Math.round((j2 / j1) * 1000) / 1000 }) + '\n');
    return 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = main(process.argv.slice(2));
