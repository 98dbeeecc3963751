/**
 * `inspect` and `verify` of several files, like `xz -l`: a row (or line) each, totals, every file
 * looked at even when one fails, and the first failure's exit code.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { convertFile } from '../src/internals.js';
import { cli, tempDir } from './helpers/cli.js';
import { schemaProblem } from './helpers/schema.js';
import { BIG_LOGIC_PATHS, ROOT } from './helpers/fixtures.js';

describe('inspect and verify of several files', () => {
  const dir = tempDir();
  const file = (name: string): string => path.join(dir, name);

  before(async () => {
    await convertFile(BIG_LOGIC_PATHS, file('a.mtts'), { threads: 1 });
    await convertFile(BIG_LOGIC_PATHS, file('b.act'), { threads: 1 });
    fs.writeFileSync(file('c.metta'), '(parent Alice Bob)\n(parent Alice Bob)\n(parent Bob Carol)\n');
    fs.writeFileSync(file('bad.mtts'), 'MTTS? no');
  });

  test('inspect: a row per file and a totals row; ACT gives its atoms with --count', () => {
    const r = cli(['inspect', file('a.mtts'), file('b.act'), file('c.metta'), '--count']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.toString().trim().split('\n');
    assert.match(lines[0]!, /^file\s+format\s+file bytes\s+atoms\s+path bytes\s+ratio$/);
    assert.match(lines[1]!, /a\.mtts\s+mtts\s+[\d,]+\s+91,692\s/);
    assert.match(lines[2]!, /b\.act\s+act\s+[\d,]+\s+91,692\s/);
    assert.match(lines[3]!, /c\.metta\s+text\s+\d+\s+2\s/);
    assert.match(lines[4]!, /^3 files\s+[\d,]+\s+183,386\s/);
    const json = JSON.parse(cli(['inspect', file('a.mtts'), file('c.metta'), '--json']).stdout.toString()) as { files: { format: string }[]; totals: { files: number; atoms: number } };
    assert.deepEqual(json.files.map((f) => f.format), ['mtts', 'text']);
    assert.deepEqual([json.totals.files, json.totals.atoms], [2, 91_694]);
  });

  test('inspect: a file that fails is reported and the rest still shown; exit 1', () => {
    const r = cli(['inspect', file('a.mtts'), file('bad.mtts'), file('c.metta')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\.mtts: .*\[ERR_/);
    assert.match(r.stderr, /1 of 3 files failed/);
    assert.match(r.stdout.toString(), /c\.metta\s+text/);
  });

  test('verify: a line per file, every file checked, the first failure\'s exit code; --json lists them all', () => {
    const r = cli(['verify', file('bad.mtts'), file('a.mtts'), file('b.act')]);
    assert.equal(r.status, 1);
    assert.match(r.stdout.toString(), /a\.mtts: OK: MTTS .*\n.*b\.act: OK: act/);
    const json = JSON.parse(cli(['verify', file('a.mtts'), file('b.act'), '--json']).stdout.toString()) as { ok: number; failed: number; files: { ok: boolean }[] };
    assert.deepEqual([json.ok, json.failed, json.files.length], [2, 0, 2]);
  });
});

describe('verify of a damaged MTTS file', () => {
  const dir = tempDir();
  const file = (name: string): string => path.join(dir, name);

  test('every damaged chunk is named, the exit code is 1; --salvage writes exactly the good chunks', async () => {
    const r0 = cli(['convert', BIG_LOGIC_PATHS, '-o', file('many.mtts'), '--chunk-size', '64k']);
    assert.equal(r0.status, 0, r0.stderr);
    const index = JSON.parse(cli(['inspect', file('many.mtts'), '--json']).stdout.toString()) as { chunks: { offset: number; storedBytes: number; paths: number }[] };
    const bytes = fs.readFileSync(file('many.mtts'));
    const damaged = [3, 17];
    // a byte in the middle of each chunk's payload (after its section and chunk headers)
    const headers = index.chunks[1]!.offset - index.chunks[0]!.offset - index.chunks[0]!.storedBytes;
    for (const k of damaged) bytes[index.chunks[k]!.offset + headers + (index.chunks[k]!.storedBytes >> 1)]! ^= 0x5a;
    fs.writeFileSync(file('bad.mtts'), bytes);

    const r = cli(['verify', file('bad.mtts')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\.mtts: chunk 3, byte \d+: .*\n.*bad\.mtts: chunk 17, byte \d+: /);
    const lost = damaged.reduce((t, k) => t + index.chunks[k]!.paths, 0);
    assert.match(r.stderr, new RegExp(`2 chunks of ${index.chunks.length} damaged \\(chunk 3, chunk 17\\): ${lost.toLocaleString('en-US')} atoms lost`));

    const s = cli(['verify', file('bad.mtts'), '--salvage', '-o', file('good.mtts')]);
    assert.equal(s.status, 1, s.stderr);
    assert.match(s.stderr, /were written to .*good\.mtts/);
    assert.equal(cli(['verify', file('good.mtts')]).status, 0);
    // exactly the paths of the undamaged chunks, in order
    const all = cli(['deserialize', file('many.mtts')]).stdout.toString().split('\n').filter(Boolean);
    let at = 0;
    const expected: string[] = [];
    index.chunks.forEach((c, k) => {
      if (!damaged.includes(k)) expected.push(...all.slice(at, at + c.paths));
      at += c.paths;
    });
    assert.deepEqual(cli(['deserialize', file('good.mtts')]).stdout.toString().split('\n').filter(Boolean), expected);
  });

  test('--salvage needs -o, and an MTTS input', () => {
    assert.equal(cli(['verify', BIG_LOGIC_PATHS, '--salvage']).status, 2);
    assert.equal(cli(['verify', BIG_LOGIC_PATHS, '--salvage', '-o', file('x.mtts')]).status, 2);
  });
});

describe('inspect: head symbols and sample atoms', () => {
  const dir = tempDir();
  const text = path.join(dir, 'family.metta');
  // `0` as a head: a number-like name must not jump the order (an object would put it first)
  fs.writeFileSync(text, ['(parent Alice Bob)', '(parent Bob Carol)', '(parent Carol Dan)', '(0 Alice 42)', '(= (grand $x $z) (, (parent $x $y) (parent $y $z)))', 'plain-symbol', '(parent Alice Bob)'].join('\n') + '\n');

  test('the most frequent heads with their atoms, and --sample N atoms of the space, the same ones each time', () => {
    const r = cli(['inspect', text, '--sample', '2']);
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout.toString();
    assert.match(out, /head symbols \(3 distinct: atoms\)\n  parent\s+3  #+\n  (0|=)\s+1  #+\n  (0|=)\s+1  #+\n/);
    const samples = out.slice(out.indexOf('sample atoms (2 at random)')).split('\n').slice(1, 3);
    assert.equal(samples.length, 2);
    const atoms = ['(parent Alice Bob)', '(parent Bob Carol)', '(parent Carol Dan)', '(0 Alice 42)', '(= (grand $a $b) (, (parent $a $c) (parent $c $b)))', 'plain-symbol'];
    for (const s of samples) assert.ok(atoms.includes(s.trim()), s);
    assert.equal(cli(['inspect', text, '--sample', '2']).stdout.toString(), out, 'the same sample each time');
    const json = JSON.parse(cli(['inspect', text, '--sample', '3', '--json']).stdout.toString()) as { space: { heads: { distinct: number; top: { head: string; atoms: number }[] }; samples: string[] } };
    assert.equal(json.space.heads.distinct, 3);
    assert.equal((json as unknown as { duplicatesDropped: number }).duplicatesDropped, 1);
    assert.match(out, /atoms\s+6 \(1 duplicate of the listed atoms dropped/);
    assert.deepEqual(json.space.heads.top[0], { head: 'parent', atoms: 3 });
    assert.equal(json.space.samples.length, 3);
  });
});

describe('inspect --json follows docs/inspect.schema.json', () => {
  const dir = tempDir();
  const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs/inspect.schema.json'), 'utf8')) as Record<string, unknown>;

  test('for every format, walked or not, and for several files', async () => {
    await convertFile(BIG_LOGIC_PATHS, path.join(dir, 's.act'), { threads: 1 });
    await convertFile(BIG_LOGIC_PATHS, path.join(dir, 's.mtts'), { threads: 1 });
    fs.writeFileSync(path.join(dir, 's.metta'), '(a b)\n(a b)\n(c d)\n');
    const runs = [
      [path.join(dir, 's.metta')],
      [BIG_LOGIC_PATHS],
      [path.join(dir, 's.act')],
      [path.join(dir, 's.act'), '--count', '--sample', '2'],
      [path.join(dir, 's.mtts')],
      [path.join(dir, 's.mtts'), '--count'],
      [path.join(dir, 's.mtts'), path.join(dir, 's.metta')],
    ];
    for (const args of runs) {
      const r = cli(['inspect', ...args, '--json']);
      assert.equal(r.status, 0, r.stderr);
      const doc = JSON.parse(r.stdout.toString()) as unknown;
      assert.equal(schemaProblem(schema, doc), undefined, args.join(' '));
    }
  });

  test('the check can fail: a document without its format, or with a wrong type, does not pass', () => {
    const doc = JSON.parse(cli(['inspect', BIG_LOGIC_PATHS, '--json']).stdout.toString()) as Record<string, unknown>;
    assert.notEqual(schemaProblem(schema, { ...doc, format: undefined }), undefined);
    assert.notEqual(schemaProblem(schema, { ...doc, records: '91692' }), undefined);
  });
});

describe('inspect: ACT node counts', () => {
  test('a table of their own with -v, one line that names them without', async () => {
    const dir = tempDir();
    const act = path.join(dir, 'n.act');
    await convertFile(BIG_LOGIC_PATHS, act, { threads: 1 });
    const plain = cli(['inspect', act, '--count']).stdout.toString();
    assert.doesNotMatch(plain, /branch nodes/);
    assert.match(plain, /\(nodes: -v lists them\)\n$/);
    const verbose = cli(['inspect', act, '--count', '-v']).stdout.toString();
    assert.match(verbose, /\nnodes\n  nodes\s+[\d,]+\n  branch nodes\s+[\d,]+\n/);
  });
});
