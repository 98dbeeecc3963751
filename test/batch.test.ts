/**
 * Many conversions in one command (`--out-dir`, src/batch.ts): outputs named after inputs, jobs at
 * once on one pool, a failure leaves no partial output and earlier outputs intact, `--keep-going`
 * converts the rest, and nothing runs when an output cannot be written.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { batchJobs, convertBatch, convertFile, formatByName } from '../src/internals.js';
import { cli, tempDir } from './helpers/cli.js';
import { BIG_LOGIC_PATHS } from './helpers/fixtures.js';

describe('batch conversion with --out-dir', () => {
  const dir = tempDir();
  const file = (name: string): string => path.join(dir, name);
  const inputs = ['one.paths', 'two.act', 'three.metta'].map(file);

  before(async () => {
    await convertFile(BIG_LOGIC_PATHS, file('one.paths'), { threads: 1 });
    await convertFile(BIG_LOGIC_PATHS, file('two.act'), { threads: 1 });
    fs.writeFileSync(file('three.metta'), '(parent Alice Bob)\n(parent Bob Carol)\n');
    fs.writeFileSync(file('bad.mtts'), 'not an mtts file at all');
  });

  test('each input becomes DIR/<name>.<to>, the same bytes as converting it alone; a table on stdout', async () => {
    const out = fs.mkdtempSync(file('out-'));
    const r = cli(['convert', ...inputs, '--to', 'mtts', '--out-dir', out, '--jobs', '2']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(out).sort(), ['one.mtts', 'three.mtts', 'two.mtts']);
    for (const name of ['one', 'two', 'three']) {
      const alone = file(`${name}-alone.mtts`);
      await convertFile(inputs.find((i) => path.basename(i).startsWith(name))!, alone, { threads: 1, force: true });
      assert.ok(fs.readFileSync(path.join(out, `${name}.mtts`)).equals(fs.readFileSync(alone)), name);
    }
    const lines = r.stdout.toString().trim().split('\n');
    assert.match(lines[0]!, /^input\s+status\s+atoms\s+in bytes\s+out bytes\s+seconds\s+output$/);
    assert.equal(lines.length, 4);
    assert.match(lines[3]!, /three\.metta\s+ok\s+2\s/);
  });

  test('without --keep-going, a bad input stops the batch: exit 1, its error on stderr, no partial output, earlier outputs kept', () => {
    const out = fs.mkdtempSync(file('out-'));
    const r = cli(['convert', inputs[0]!, file('bad.mtts'), inputs[1]!, '--to', 'paths', '--out-dir', out, '--jobs', '1', '--json']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /bad\.mtts: .*\[ERR_/);
    assert.deepEqual(fs.readdirSync(out), ['one.paths']);
    const jobs = (JSON.parse(r.stdout.toString()) as { jobs: { status: string; error?: { code: string } }[] }).jobs;
    assert.deepEqual(jobs.map((j) => j.status), ['ok', 'failed', 'skipped']);
    assert.match(jobs[1]!.error!.code, /^ERR_/);
  });

  test('with --keep-going, the rest are converted and the exit code is still the failure\'s', () => {
    const out = fs.mkdtempSync(file('out-'));
    const r = cli(['convert', file('bad.mtts'), ...inputs, '--to', 'act', '--out-dir', out, '--keep-going']);
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(fs.readdirSync(out).sort(), ['one.act', 'three.act', 'two.act']);
    assert.match(r.stderr, /1 of 4 conversions failed/);
  });

  test('nothing runs when an output exists (without --force) or two inputs share an output name', () => {
    const out = fs.mkdtempSync(file('out-'));
    fs.writeFileSync(path.join(out, 'two.paths'), 'mine');
    const exists = cli(['convert', ...inputs, '--to', 'paths', '--out-dir', out]);
    assert.equal(exists.status, 2);
    assert.match(exists.stderr, /two\.paths: output file exists/);
    assert.deepEqual(fs.readdirSync(out), ['two.paths']);
    assert.equal(fs.readFileSync(path.join(out, 'two.paths'), 'utf8'), 'mine');
    fs.copyFileSync(file('three.metta'), file('one.metta'));
    const twins = cli(['convert', inputs[0]!, file('one.metta'), '--to', 'act', '--out-dir', out]);
    assert.equal(twins.status, 2);
    assert.match(twins.stderr, /would both be written to .*one\.act/);
    assert.deepEqual(fs.readdirSync(out), ['two.paths']);
  });

  test('flags that need --out-dir, or contradict it, are usage errors', () => {
    assert.equal(cli(['convert', inputs[0]!, '--to', 'act', '--jobs', '2', '-o', file('x.act')]).status, 2);
    assert.equal(cli(['convert', inputs[0]!, '--to', 'act', '--out-dir', dir, '-o', file('x.act')]).status, 2);
    assert.equal(cli(['convert', inputs[0]!, '--out-dir', dir]).status, 2);
    assert.equal(cli(['convert', '-', '--to', 'act', '--out-dir', dir]).status, 2);
  });

  test('the library: jobs share one pool, results come back in the jobs\' order', async () => {
    const out = fs.mkdtempSync(file('out-'));
    const jobs = batchJobs(inputs, out, formatByName('text'));
    assert.deepEqual(jobs.map((j) => path.basename(j.output)), ['one.metta', 'two.metta', 'three.metta']);
    const ended: string[] = [];
    const results = await convertBatch(jobs, { to: 'text', threads: 2, jobs: 3, onResult: (r) => ended.push(r.status) });
    assert.deepEqual(results.map((r) => r.status), ['ok', 'ok', 'ok']);
    assert.equal(ended.length, 3);
    // in space order: a shorter symbol sorts first
    assert.equal(fs.readFileSync(path.join(out, 'three.metta'), 'utf8'), '(parent Bob Carol)\n(parent Alice Bob)\n');
  });
});
