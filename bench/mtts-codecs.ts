/**
 * MTTS codec bench: given a `.paths` or `.metta` file, prints one JSON line with encode and decode
 * times (median of `--runs`, default 5) and sizes for every codec and priority, with 1 and 2
 * threads, plus the `lz4 -1` CLI on the raw path bytes when it is installed.
 *
 *   node dist/bench/mtts-codecs.js fixtures/upstream/big_logic.metta.paths [--runs 5]
 */
import { spread } from '../src/spread.js';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSpace } from '../src/convert.js';
import { fileInput } from '../src/io/input.js';
import { PathArena } from '../src/path-arena.js';
import { WorkerPool } from '../src/pool/pool.js';
import { decodeMtts, encodeMtts, inspectMtts, type MttsOptions } from '../src/formats/mtts/index.js';

const pool2 = new WorkerPool(2);

const SETTINGS: Array<[string, Partial<MttsOptions>]> = [
  ['none', { compression: 'none' }],
  ['lz4', { compression: 'lz4' }],
  ['deflate:1', { compression: 'deflate', level: 1 }],
  ['deflate:6', { compression: 'deflate', level: 6 }],
  ['brotli:5', { compression: 'brotli', level: 5 }],
  ['brotli:9', { compression: 'brotli', level: 9 }],
  ['auto:speed', { priority: 'speed' }],
  ['auto:balanced', { priority: 'balanced' }],
  ['auto:size', { priority: 'size' }],
];

function median(xs: number[]): number {
  return spread(xs).median;
}

async function time(runs: number, f: () => Promise<unknown>): Promise<{ ms: number; min: number; max: number }> {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await f();
    t.push(performance.now() - s);
  }
  return { ms: Math.round(median(t) * 10) / 10, min: Math.round(Math.min(...t) * 10) / 10, max: Math.round(Math.max(...t) * 10) / 10 };
}

function lz4Cli(space: PathArena, runs: number): { ms: number; bytes: number } | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtts-bench-'));
  try {
    const raw = path.join(dir, 'raw.bin');
    fs.writeFileSync(raw, space.bytes.subarray(0, space.byteLength));
    const t: number[] = [];
    let bytes = 0;
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      const r = spawnSync('lz4', ['-1', '-q', '-f', raw, `${raw}.lz4`]);
      if (r.error || r.status !== 0) return undefined;
      t.push(performance.now() - s);
      bytes = fs.statSync(`${raw}.lz4`).size;
    }
    return { ms: Math.round(median(t) * 10) / 10, bytes };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
  if (!file) {
    process.stderr.write('usage: mtts-codecs <file.paths|file.metta> [--runs N]\n');
    process.exitCode = 2;
    return;
  }
  const arena = new PathArena();
  for (const b of (await readSpace(fileInput(file))).batches) arena.pushAll(b);
  const result: Record<string, unknown> = { bench: 'mtts-codecs', file: path.basename(file), fileBytes: fs.statSync(file).size, atoms: arena.count, pathBytes: arena.byteLength, node: process.version, cpus: os.availableParallelism(), runs };
  const cases: Record<string, unknown>[] = [];
  for (const [name, opts] of SETTINGS) {
    for (const threads of [1, 2]) {
      const parallel = { pool: threads > 1 ? pool2 : undefined };
      let bytes: Uint8Array = new Uint8Array(0);
      const enc = await time(runs, async () => {
        bytes = await encodeMtts(arena, opts, parallel);
      });
      const dec = await time(runs, () => decodeMtts(bytes, {}, parallel));
      const codecs = Object.fromEntries(Object.entries((await inspectMtts(bytes)).codecs).filter(([, s]) => s.chunks > 0).map(([k, s]) => [k, s.chunks]));
      cases.push({ setting: name, threads, bytes: bytes.length, ratioToPathBytes: Math.round((bytes.length / arena.byteLength) * 1000) / 1000, encodeMs: enc.ms, encodeMinMax: [enc.min, enc.max], decodeMs: dec.ms, decodeMinMax: [dec.min, dec.max], codecs, poolTasks: pool2.completed });
    }
  }
  result['cases'] = cases;
  const lz4 = lz4Cli(arena, runs);
  if (lz4) result['lz4cli'] = { level: 1, ...lz4 };
  process.stdout.write(JSON.stringify(result) + '\n');
  await pool2.close();
}

await main();
