/**
 * JSON and JSONL input (#12): the atoms MORK's `load_json` makes (expected atoms derived from
 * upstream's frontend/src/json_parser.rs and checked against it run on the same documents; see
 * docs/import.md), the same paths whatever the chunking, and errors with line and column.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { PathArena, bytesInput, convertBytes, encodeText } from '../src/index.js';
import { JsonParser } from '../src/formats/json.js';
import { cli, tempDir } from './helpers/cli.js';
import { Rng, testSeed } from './helpers/random.js';

const TMP = tempDir();
const file = (name: string): string => path.join(TMP, name);
const enc = new TextEncoder();

/** The atoms of `json` in document order, as text (one per line). */
function atoms(json: string, options: { lines?: boolean; longSymbols?: 'error' | 'truncate' } = {}, chunk = Infinity): string[] {
  const parser = new JsonParser(options);
  const out = new PathArena();
  const bytes = enc.encode(json);
  for (let p = 0; p < bytes.length; p += chunk) parser.push(bytes.subarray(p, Math.min(bytes.length, p + chunk)), out);
  parser.end(out);
  return new TextDecoder().decode(encodeText(out)).split('\n').filter(Boolean);
}

describe('JSON → atoms, as MORK maps it', () => {
  test('objects, arrays, strings, numbers as MORK spells them, literals, empty containers', () => {
    assert.deepEqual(atoms('{"name": "New York", "pop": 8.3e6, "tags": ["a", "b"]}'), ['(name New York)', '(pop 83e5)', '(tags (0 a))', '(tags (1 b))']);
    assert.deepEqual(atoms('{"a": {"b": [true, null, -0.50]}, "e": [], "o": {}, "s": ""}'), ['(a (b (0 true)))', '(a (b (1 null)))', '(a (b (2 -50e-2)))', '(e [])', '(o {})', '(s $a)']);
    assert.deepEqual(atoms('[[1,2],{"k":"v"}]'), ['(0 (0 1))', '(0 (1 2))', '(1 (k v))']);
    assert.deepEqual(atoms('"top"'), ['top']);
    assert.deepEqual(atoms(' 42 '), ['42']);
    assert.deepEqual(atoms('[]'), ['[]']);
    assert.deepEqual(atoms('{}'), ['{}']);
  });

  test('numbers: mantissa and exponent as MORK writes them (signs, fractions, exponents, overflow)', () => {
    const cases: [string, string][] = [['1.50', '150e-2'], ['-0.5', '-5e-1'], ['1e+100', '1e100'], ['1.5e1', '15'], ['0.0', '0e-1'], ['-0', '-0'], ['12E-3', '12e-3'], ['18446744073709551616', '1844674407370955161e1'], ['3.1415926', '31415926e-7'], ['0', '0'], ['100', '100']];
    for (const [json, mork] of cases) assert.deepEqual(atoms(`[${json}]`), [`(0 ${mork})`], json);
  });

  test('string escapes decoded, \\u with surrogate pairs, bytes passed through', () => {
    assert.deepEqual(atoms('["a\\"b\\\\c\\/d", "tab\\there", "\\u00e9\\u4e2d\\ud83d\\ude00", "é"]'), ['(0 a"b\\c/d)', '(1 tab\there)', '(2 é中😀)', '(3 é)']);
  });

  test('the same paths whatever the chunking (1 byte, 7 bytes, random documents)', () => {
    const rng = new Rng(testSeed(31));
    const value = (depth: number): unknown => {
      const r = rng.int(0, depth > 3 ? 3 : 6);
      if (r === 0) return rng.pick(['x', 'with space', 'é"q', '', 'a\\b']);
      if (r === 1) return rng.pick([0, -1, 1.25, 1e21, -3.5e-7, 123456789012]);
      if (r === 2) return rng.pick([true, false, null]);
      if (r === 3) return rng.pick([[], {}]);
      if (r <= 4) return Array.from({ length: rng.int(1, 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: rng.int(1, 4) }, (_, i) => [`k${i}${rng.pick(['', ' x', 'ü'])}`, value(depth + 1)]));
    };
    for (let round = 0; round < 20; round++) {
      const doc = JSON.stringify(value(0), null, rng.chance(0.5) ? 2 : undefined);
      const whole = atoms(doc);
      assert.deepEqual(atoms(doc, {}, 1), whole, doc);
      assert.deepEqual(atoms(doc, {}, 7), whole, doc);
    }
  });

  test('long strings follow --long-symbols: the first named at the end, or cut to 63 bytes with a count', () => {
    const long = 'u'.repeat(70);
    assert.throws(() => atoms(`{"k": "${long}", "m": "${long}"}`), (e: Error & { code?: string }) => e.code === 'ERR_LIMIT' && /^symbol of 70 bytes is longer than 63 \(and 1 more in the input\)/.test(e.message));
    const parser = new JsonParser({ longSymbols: 'truncate' });
    const out = new PathArena();
    parser.push(enc.encode(`{"k": "${long}"}`), out);
    parser.end(out);
    assert.equal(new TextDecoder().decode(encodeText(out)), `(k ${'u'.repeat(63)})\n`);
    assert.equal(parser.stats.longSymbols, 1);
  });

  test('bad JSON: the position and what was expected', () => {
    const bad: [string, RegExp][] = [
      ['{"a": [1, 2,\n 3}', /^expected ',' or '\]'$/],
      ['{"a" 1}', /^expected ':' after an object key$/],
      ['[007]', /leading zero/],
      ['[1.]', /'\.' not followed by a digit/],
      ['["a\u0001"]', /control byte 0x01/],
      ['{"a": 1} {"b": 2}', /more after the end of the document/],
      ['{"a": ', /input ends inside the document/],
      ['', /no JSON document/],
      ['["\\ud800"]', /high surrogate/],
      ['[tru]', /expected true/],
    ];
    for (const [json, message] of bad) assert.throws(() => atoms(json), (e: Error & { code?: string }) => e.code === 'ERR_SYNTAX' && message.test(e.message), json);
    assert.throws(() => atoms('{"a": [1, 2,\n 3}'), (e: Error & { where?: { line: number; column: number } }) => e.where?.line === 2 && e.where.column === 3);
    assert.throws(() => atoms('['.repeat(513) + ']'.repeat(513)), (e: Error & { code?: string }) => e.code === 'ERR_LIMIT');
  });
});

describe('JSONL', () => {
  test('a document per line, each an element: (n …), blank lines skipped', () => {
    assert.deepEqual(atoms('{"x":1}\n\n{"x":2,"y":[true]}\r\n"bare"\n', { lines: true }), ['(0 (x 1))', '(1 (x 2))', '(1 (y (0 true)))', '(2 bare)']);
  });

  test('a document that spans lines, or two on one line, is an error naming the line', () => {
    assert.throws(() => atoms('{"x":\n1}\n', { lines: true }), (e: Error & { where?: { line: number } }) => /line ends inside its document/.test(e.message) && e.where?.line === 1);
    assert.throws(() => atoms('{"x":1} {"y":2}\n', { lines: true }), /a second document on one line/);
  });
});

describe('JSON from the CLI', () => {
  test('convert data.json and events.jsonl to any format; bad JSON is one line, exit 1, nothing written', async () => {
    fs.writeFileSync(file('data.json'), '{"name": "New York", "tags": ["a", "b"]}');
    const r = cli(['convert', file('data.json'), '-o', file('data.act')]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(cli(['deserialize', file('data.act')]).stdout.toString(), '(name New York)\n(tags (0 a))\n(tags (1 b))\n');
    fs.writeFileSync(file('events.jsonl'), '{"e":1}\n{"e":2}\n');
    assert.equal(cli(['convert', file('events.jsonl'), '--to', 'text']).stdout.toString(), '(0 (e 1))\n(1 (e 2))\n');
    fs.writeFileSync(file('bad.json'), '{"a": [1,\n 2}');
    const bad = cli(['convert', file('bad.json'), '-o', file('bad.paths')]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /bad\.json:2:3: expected ',' or '\]' \[ERR_SYNTAX\]\n$/);
    assert.ok(!fs.existsSync(file('bad.paths')));
    // the library reads it as a stream of any chunking
    const got = await convertBytes(bytesInput(enc.encode('{"a":[1,2]}'), 'x.json'), { from: 'json', to: 'text', threads: 1 });
    assert.equal(new TextDecoder().decode(got.bytes), '(a (0 1))\n(a (1 2))\n');
  });

  test('--intern: every key, string, number and index an id; long strings whole; a stream spooled for the second pass', () => {
    const long = 'w'.repeat(70);
    fs.writeFileSync(file('long.json'), `{"k": ["${long}", 2.5, true], "m": {}}`);
    const plain = cli(['convert', file('long.json'), '--to', 'text', '--long-symbols', 'truncate']);
    assert.equal(plain.status, 0, plain.stderr);
    assert.match(plain.stderr, /1 string, key or number over 63 bytes cut .*--intern keeps them whole/);
    const r = cli(['convert', file('long.json'), '--intern', '-o', file('long.mtts')]);
    assert.equal(r.status, 0, r.stderr);
    const back = cli(['deserialize', file('long.mtts')]);
    assert.equal(back.stdout.toString(), `(k (0 ${long}))\n(k (1 25e-1))\n(k (2 true))\n(m {})\n`);
    // ids are ranked as inline symbols sort, so the order is the uncut one's; every symbol is in the table
    const info = JSON.parse(cli(['inspect', file('long.mtts'), '--json']).stdout.toString()) as { symbols?: number };
    assert.equal(info.symbols, 9, 'k 0 1 2 w… 25e-1 true m {}');
    // JSONL on stdin: read twice through a spool in --tmp-dir, which is gone after the run
    const spool = file('spool');
    fs.mkdirSync(spool);
    const s = cli(['convert', '-', '--from', 'jsonl', '--intern', '--tmp-dir', spool, '-o', file('ev.paths'), '--symbols-out', file('ev.zip')], { input: `{"e":"${long}"}\n{"e":2}\n` });
    assert.equal(s.status, 0, s.stderr);
    assert.deepEqual(fs.readdirSync(spool), []);
    assert.equal(cli(['deserialize', file('ev.paths'), '--symbols', file('ev.zip')]).stdout.toString(), `(0 (e ${long}))\n(1 (e 2))\n`);
  });
});

describe('JSON, JSONL and CSV in batch mode, inspect and verify', () => {
  test('--out-dir converts each (the folder made when missing); inspect has a row each; verify names the bad one', () => {
    const dir = file('batch-in');
    fs.mkdirSync(dir);
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.jsonl');
    const c = path.join(dir, 'c.csv');
    fs.writeFileSync(a, '{"a":[1,2]}');
    fs.writeFileSync(b, '{"e":1}\n{"e":2}\n');
    fs.writeFileSync(c, 'x,y\nz,w\n');
    const out = file('batch-out/nested');
    const r = cli(['convert', a, b, c, '--out-dir', out, '--to', 'text']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(out), ['a.metta', 'b.metta', 'c.metta']);
    assert.equal(fs.readFileSync(path.join(out, 'c.metta'), 'utf8'), '(0 x y)\n(1 z w)\n');
    const rows = cli(['inspect', a, b, c]).stdout.toString().split('\n');
    assert.match(rows[1]!, /^\S*a\.json\s+json\s+11\s+2\s/);
    assert.match(rows[3]!, /^\S*c\.csv\s+csv\s+8\s+2\s/);
    assert.match(rows[4]!, /^3 files\s+35\s+6\s/);
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"a":\n');
    const v = cli(['verify', a, bad]);
    assert.equal(v.status, 1);
    assert.match(v.stderr, /bad\.json:2:1: input ends inside the document \[ERR_SYNTAX\]/);
    // every job failed: the folder it made is gone again
    const none = cli(['convert', bad, '--out-dir', file('never/made'), '--to', 'paths']);
    assert.equal(none.status, 1);
    assert.ok(!fs.existsSync(file('never')));
  });
});

describe("mork convert's names: metta, upaths; --to against the extension", () => {
  test('upaths is written in input order with duplicates kept, and read back sorted and unique', () => {
    fs.writeFileSync(file('u.metta'), '(b)\n(a)\n(b)\n');
    assert.equal(cli(['convert', file('u.metta'), '-o', file('u.upaths')]).status, 0);
    const records: string[] = [];
    const raw = zlib.inflateSync(fs.readFileSync(file('u.upaths')));
    for (let p = 0; p < raw.length; ) {
      const n = raw.readUInt32LE(p);
      records.push(new TextDecoder().decode(encodeText(PathArena.from([raw.subarray(p + 4, p + 4 + n)]))).trim());
      p += 4 + n;
    }
    assert.deepEqual(records, ['(b)', '(a)', '(b)']);
    assert.equal(cli(['deserialize', file('u.upaths')]).stdout.toString(), '(a)\n(b)\n');
    assert.equal(cli(['convert', file('u.upaths'), '--to', 'metta']).stdout.toString(), '(a)\n(b)\n');
  });

  test('--to that disagrees with the output extension writes --to, with a warning', () => {
    const r = cli(['convert', file('u.metta'), '--to', 'mtts', '-o', file('odd.paths')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /warning: writing mtts \(--to\) to odd\.paths, whose extension says paths/);
    assert.equal(fs.readFileSync(file('odd.paths')).subarray(0, 4).toString(), 'MTTS');
  });
});

describe('CSV, as MORK imports it', () => {
  test("MORK's own example: a row per atom, (i c1 c2 …), every cell a symbol", () => {
    fs.writeFileSync(file('t.csv'), '10,123,foo\n11,321,bar\n');
    const r = cli(['convert', file('t.csv'), '--to', 'text']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString(), '(0 10 123 foo)\n(1 11 321 bar)\n');
  });

  test('quoting, doubled quotes, line breaks in a field, CRLF, an empty cell; --csv-header skips the first row', () => {
    fs.writeFileSync(file('q.csv'), 'name,city\r\n"Smith, J.","New\nYork"\r\n"say ""hi""",x\r\n,empty\r\n');
    const r = cli(['convert', file('q.csv'), '--to', 'text', '--csv-header']);
    assert.equal(r.status, 0, r.stderr);
    // an empty cell is MORK's 0-byte symbol (the byte C0), which prints as a variable
    assert.equal(r.stdout.toString(), '(0 Smith, J. New\nYork)\n(1 say "hi" x)\n(2 $a empty)\n');
    assert.equal(cli(['convert', file('q.csv'), '--to', 'text']).stdout.toString().split('\n')[0], '(0 name city)');
    // a header is a record, not a line: one with a quoted line break is skipped whole
    fs.writeFileSync(file('h.csv'), '"first\nheader",b\nx,y\n');
    assert.equal(cli(['convert', file('h.csv'), '--to', 'text', '--csv-header']).stdout.toString(), '(0 x y)\n');
    fs.writeFileSync(file('t.tsv'), 'a\tb c\n');
    assert.equal(cli(['convert', file('t.tsv'), '--to', 'text']).stdout.toString(), '(0 a b c)\n');
    assert.equal(cli(['convert', file('t.csv'), '--to', 'text', '--csv-delimiter', ';']).stdout.toString(), '(0 10,123,foo)\n(1 11,321,bar)\n');
  });

  test('--intern: every cell and row number an id, long cells whole', () => {
    const long = 'c'.repeat(80);
    fs.writeFileSync(file('long.csv'), `a,${long}\nb,x\n`);
    const cut = cli(['convert', file('long.csv'), '--to', 'text']);
    assert.equal(cut.status, 1);
    assert.match(cut.stderr, /symbol of 80 bytes is longer than 63.*--intern/);
    const r = cli(['convert', file('long.csv'), '--intern', '-o', file('long-csv.act'), '--symbols-out', file('long-csv.zip')]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(cli(['deserialize', file('long-csv.act'), '--symbols', file('long-csv.zip')]).stdout.toString(), `(0 a ${long})\n(1 b x)\n`);
  });

  test('an unclosed quote is one line with its line, exit 1, nothing written; a row over 62 cells is refused', () => {
    fs.writeFileSync(file('bad.csv'), 'a,b\nc,"d\n');
    const r = cli(['convert', file('bad.csv'), '-o', file('bad-csv.paths')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\.csv:\d+(:\d+)?: Quote Not Closed.* \[ERR_SYNTAX\]\n$/);
    assert.ok(!fs.existsSync(file('bad-csv.paths')));
    fs.writeFileSync(file('wide.csv'), Array.from({ length: 63 }, (_, i) => `c${i}`).join(',') + '\n');
    const w = cli(['convert', file('wide.csv'), '--to', 'text']);
    assert.equal(w.status, 1);
    assert.match(w.stderr, /a row of 63 cells: an atom holds at most 62/);
  });
});
