/**
 * `--profile`: per-stage time, bytes and atoms, peak RSS and threads, as a table on stderr or one
 * JSON document; the stages add up to the run's total.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { RecordingProbe } from '../src/internals.js';
import { cli, tempDir } from './helpers/cli.js';
import { BIG_LOGIC_PATHS } from './helpers/fixtures.js';

interface Profile {
  totalMs: number;
  peakRssBytes: number;
  threads: number;
  poolTasks: number;
  workerUtilisation?: number;
  stages: { name: string; ms: number; bytes: number; atoms: number; parts?: { name: string; ms: number; bytes: number }[] }[];
}

describe('--profile', () => {
  const dir = tempDir();

  test('--profile=json: the documented keys, stages in pipeline order that add up to the total within 5%', () => {
    const r = cli(['convert', BIG_LOGIC_PATHS, '-o', path.join(dir, 'p.act'), '--profile=json', '--threads', '2']);
    assert.equal(r.status, 0, r.stderr);
    const p = JSON.parse(r.stdout.toString()) as Profile;
    assert.deepEqual(p.stages.map((s) => s.name), ['read', 'sort', 'write']);
    assert.equal(p.threads, 2);
    // the workers ran (deflate pieces, ACT has none): how busy they were, as a share of their time
    if (p.poolTasks > 0) assert.ok(typeof p.workerUtilisation === 'number' && p.workerUtilisation > 0 && p.workerUtilisation <= 1, String(p.workerUtilisation));
    assert.ok(p.peakRssBytes > 10 << 20 && p.peakRssBytes < 4 * 2 ** 30, String(p.peakRssBytes));
    const sum = p.stages.reduce((t, s) => t + s.ms, 0);
    assert.ok(Math.abs(sum - p.totalMs) <= 0.05 * p.totalMs + 0.5, `stages ${sum} ms, total ${p.totalMs} ms`);
    for (const s of p.stages) assert.equal(s.atoms, 91_692, s.name);
  });

  test('--pattern/--template: a transform stage of its own; the sort counts the input once, the transform the rewrites', () => {
    const r = cli(['convert', BIG_LOGIC_PATHS, '-o', path.join(dir, 't.paths'), '--profile=json', '--pattern', '(axiom (= (* $x $y) $z))', '--template', '(mul $x $y $z)']);
    assert.equal(r.status, 0, r.stderr);
    const p = JSON.parse(r.stdout.toString()) as Profile;
    assert.deepEqual(p.stages.map((s) => s.name), ['read', 'sort', 'transform', 'write']);
    const [read, sort, transform, write] = p.stages;
    assert.equal(sort!.atoms, read!.atoms);
    assert.ok(transform!.atoms > 0 && transform!.atoms < sort!.atoms, JSON.stringify(transform));
    assert.equal(write!.atoms, transform!.atoms);
  });

  test('--profile: a table on stderr, the output untouched on stdout; JSON goes to stderr when the output is stdout', () => {
    const table = cli(['deserialize', BIG_LOGIC_PATHS, '--profile']);
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stderr, /stage\s+ms\s+share\s+atoms\s+bytes\n\s+read\s/);
    assert.match(table.stderr, /profile: [\d,]+ ms in all, peak RSS [\d,]+ MiB, \d+ threads?/);
    assert.equal(table.stdout.toString().split('\n').length - 1, 91_692);
    const json = cli(['deserialize', BIG_LOGIC_PATHS, '--profile=json']);
    assert.equal(json.status, 0, json.stderr);
    const p = JSON.parse(json.stderr) as Profile;
    assert.equal(p.stages.length, 3);
    // a write in flight overlaps the printing of the next chunk: `output` counts only the wait for it
    const write = p.stages.find((s) => s.name === 'write')!;
    assert.ok((write.parts ?? []).reduce((t, x) => t + x.ms, 0) <= write.ms + 1, JSON.stringify(write));
  });

  test('a spilled sort shows its spill and merge parts under sort, and the writer its encoding and output I/O; parts stay within their stage', async () => {
    const text = path.join(dir, 'spill.metta');
    const { generateSpace } = await import('../src/synthetic.js');
    fs.writeFileSync(text, generateSpace(60_000));
    const r = cli(['convert', text, '-o', path.join(dir, 'spill.act'), '--profile=json', '--memory', '2M', '--threads', '1']);
    assert.equal(r.status, 0, r.stderr);
    const p = JSON.parse(r.stdout.toString()) as Profile;
    const sort = p.stages.find((s) => s.name === 'sort')!;
    assert.deepEqual(sort.parts?.map((x) => x.name), ['spill', 'merge']);
    assert.ok(sort.parts!.reduce((t, x) => t + x.ms, 0) <= sort.ms + 1, JSON.stringify(sort));
    const write = p.stages.find((s) => s.name === 'write')!;
    assert.deepEqual(write.parts?.map((x) => x.name), ['encode', 'output']);
    assert.equal(write.parts!.find((x) => x.name === 'output')!.bytes, fs.statSync(path.join(dir, 'spill.act')).size);
  });

  test('one thread: text parsing is a part of read, ACT and MTTS encoding (and MTTS hashing) parts of write', () => {
    const text = path.join(dir, 'parts.metta');
    fs.writeFileSync(text, '(a b)\n(c (d e))\n'.repeat(2000));
    for (const [to, parts] of [['act', ['encode', 'output']], ['mtts', ['encode', 'hash', 'output']]] as const) {
      const r = cli(['convert', text, '-o', path.join(dir, `parts.${to}`), '--profile=json', '--threads', '1']);
      assert.equal(r.status, 0, r.stderr);
      const p = JSON.parse(r.stdout.toString()) as Profile;
      const read = p.stages.find((s) => s.name === 'read')!;
      assert.deepEqual(read.parts?.map((x) => [x.name, x.bytes]), [['parse', fs.statSync(text).size]]);
      assert.deepEqual(p.stages.find((s) => s.name === 'write')!.parts?.map((x) => x.name), parts, to);
    }
  });

  test('.paths: waiting for inflate is part decompress of read, waiting for deflate part compress of write', () => {
    const back = path.join(dir, 'parts.paths');
    const r = cli(['convert', BIG_LOGIC_PATHS, '-o', back, '--profile=json']);
    assert.equal(r.status, 0, r.stderr);
    const p = JSON.parse(r.stdout.toString()) as Profile;
    assert.deepEqual(p.stages.find((s) => s.name === 'read')!.parts?.map((x) => [x.name, x.bytes]), [['decompress', 5_332_645]]);
    const write = p.stages.find((s) => s.name === 'write')!;
    assert.deepEqual(write.parts?.map((x) => x.name), ['compress', 'output']);
    // every deflated piece but the zlib header and trailer went through compress
    assert.equal(write.parts![0]!.bytes, fs.statSync(back).size - 2 - 6);
  });

  test('--profile=anything-else is a usage error', () => {
    assert.equal(cli(['deserialize', BIG_LOGIC_PATHS, '--profile=xml']).status, 2);
  });

  test('the probe: the writer\'s own time is what the run spent outside waiting for batches', () => {
    const probe = new RecordingProbe();
    probe.record('read', 30, 100, 10);
    probe.record('sort', 50, 100, 10);
    probe.record('write', 60, 100, 10);
    assert.deepEqual(probe.profile(100).map((s) => [s.name, s.ms]), [['read', 30], ['sort', 30], ['write', 40]]);
  });
});
