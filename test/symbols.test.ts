/**
 * Symbols (#10): interning (`--intern`), long symbols without it (`--long-symbols`), MORK's table
 * archive read and written, the table inside MTTS and beside `.paths`/ACT, `--resolve`, the
 * `symbols` command, and MeTTaTron's snapshots — from the CLI, as users run them, and the library.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { readMorkTable, writeMorkTable, SymbolTable, SymbolCollector, parseText, tableRecords, tableFromRecords, ErrorCode, isMorkspaceError, expressionToText } from '../src/index.js';
import { cli, tempDir } from './helpers/cli.js';
import { Rng, testSeed } from './helpers/random.js';

const TMP = tempDir();
const file = (name: string): string => path.join(TMP, name);
const enc = new TextEncoder();

/** A table from [id, text] pairs. */
function tableOf(entries: readonly (readonly [number, string | Uint8Array])[]): SymbolTable {
  const ids = Float64Array.from(entries.map(([id]) => id));
  const bytes = entries.map(([, t]) => (typeof t === 'string' ? enc.encode(t) : t));
  const starts = new Float64Array(entries.length + 1);
  bytes.forEach((b, k) => (starts[k + 1] = starts[k]! + b.length));
  const all = new Uint8Array(starts[entries.length]!);
  bytes.forEach((b, k) => all.set(b, starts[k]!));
  return SymbolTable.fromEntries(ids, starts, all);
}

/** Symbols of 1 to 100,000 bytes: UTF-8, quoted strings with spaces and parentheses, URIs. */
function longSymbolText(rng: Rng): string {
  const lines: string[] = [];
  for (const n of [1, 2, 62, 63, 64, 65, 127, 128, 129, 200, 1000, 70_000, 100_000]) {
    lines.push(`(sym ${'s'.repeat(n)})`);
    lines.push(`(str "${'q ('.repeat(Math.ceil(n / 3)).slice(0, Math.max(0, n - 2))}")`);
  }
  for (let i = 0; i < 200; i++) lines.push(`(link "http://example.org/${'é'.repeat(rng.int(1, 60))}/${i}" node${rng.int(0, 50)} (nested λ${i} $a $a))`);
  lines.push('(parent Alice Bob)', '(n 42)', 'bare', '($a)');
  return lines.join('\n') + '\n';
}

/** The dump's lines as a sorted list (interned spaces with long symbols list in id order). */
const sortedLines = (text: string): string[] => [...new Set(text.split("\n").filter(Boolean))].sort();

describe('MORK symbol-table archive', () => {
  test('the worked example: records, lengths, FileSizes.meta, Stored entries, DOS timestamps', () => {
    const t = tableOf([[1, 'parent'], [2, 'Alice'], [3, 'Bob'], [4, 'x'.repeat(200)]]);
    const zip = writeMorkTable(t);
    const entries = listZip(zip);
    assert.deepEqual(entries.map((e) => [e.name, e.method]), [['SharedMapping_0x00.binary_data', 0], ['FileSizes.meta', 0]]);
    const shard = entries[0]!.data;
    assert.equal(Buffer.from(shard.subarray(0, 35)).toString('hex'), '000000000001f9706172656e74' + '000000000002fa416c696365' + '000000000003fc426f62');
    assert.equal(Buffer.from(shard.subarray(35, 49)).toString('hex'), '000000000004' + '00000000000000c8');
    assert.equal(shard.length, 35 + 14 + 200);
    assert.equal(Buffer.from(entries[1]!.data).toString('hex'), '0000000000000000' + (shard.length).toString(16).padStart(16, '0'));
    assert.ok(entries.every((e) => e.dosDate === 0x21 && e.dosTime === 0), 'timestamps are 1980-01-01 00:00');
  });

  test('write → read is the identity: several shards, empty and 100,000-byte symbols, any bytes', () => {
    const rng = new Rng(testSeed(7));
    const pairs: [number, Uint8Array][] = [];
    for (const shard of [0, 1, 5, 127]) {
      for (let c = shard === 0 ? 1 : 0; c < 40; c++) {
        const len = c === 3 ? 0 : c === 4 ? 100_000 : c === 5 ? 127 : c === 6 ? 128 : rng.int(1, 300);
        pairs.push([shard * 2 ** 40 + c + (shard === 0 ? 0 : 1), Uint8Array.from({ length: len }, () => rng.int(0, 255))]);
      }
    }
    const t = tableOf(rng.shuffle(pairs));
    const back = readMorkTable(writeMorkTable(t));
    assert.deepEqual([...back.ids], [...t.ids]);
    assert.deepEqual([...back.starts], [...t.starts]);
    assert.ok(Buffer.from(back.bytes).equals(Buffer.from(t.bytes)));
    assert.deepEqual(listZip(writeMorkTable(t)).map((e) => e.name), ['SharedMapping_0x00.binary_data', 'SharedMapping_0x01.binary_data', 'SharedMapping_0x05.binary_data', 'SharedMapping_0x7F.binary_data', 'FileSizes.meta']);
    assert.ok(Buffer.from(tableFromRecords(tableRecords(t), { entry: 'records' }).bytes).equals(Buffer.from(t.bytes)));
  });

  test('an independent reader that follows only the documented layout (Python zipfile) reads our table', (t) => {
    const py = spawnSync('python3', ['--version']);
    if (py.status !== 0) return t.skip('python3 is not on this machine');
    const table = tableOf([[1, 'parent'], [2, 'Alice'], [3, 'é'.repeat(100)], [2 ** 40 + 1, '"a (b) c"']]);
    fs.writeFileSync(file('py.zip'), writeMorkTable(table));
    const script = `
import sys, zipfile, struct
z = zipfile.ZipFile(sys.argv[1])
meta = z.read('FileSizes.meta'); assert len(meta) % 16 == 0
sizes = {struct.unpack('>Q', meta[i:i+8])[0]: struct.unpack('>Q', meta[i+8:i+16])[0] for i in range(0, len(meta), 16)}
out = []
for info in z.infolist():
    assert info.compress_type == 0, info.filename
    if info.filename == 'FileSizes.meta': continue
    k = int(info.filename[len('SharedMapping_0x'):len('SharedMapping_0x')+2], 16)
    data = z.read(info); assert sizes[k] == len(data)
    p = 0
    while p < len(data):
        ident = int.from_bytes(b'\\0\\0' + data[p:p+6], 'big'); p += 6
        if data[p] & 0x80: n = 0xff - data[p]; p += 1
        else: n = int.from_bytes(data[p:p+8], 'big'); p += 8
        out.append('%016x %s' % (ident, data[p:p+n].decode('utf-8'))); p += n
print('\\n'.join(out))
`;
    const r = spawnSync('python3', ['-c', script, file('py.zip')]);
    assert.equal(r.status, 0, r.stderr.toString());
    assert.deepEqual(r.stdout.toString().trim().split('\n'), ['0000000000000001 parent', '0000000000000002 Alice', `0000000000000003 ${'é'.repeat(100)}`, '0000010000000001 "a (b) c"']);
  });

  test('bad archives: each a one-line error naming the entry, exit 1, no output', () => {
    const good = listZip(writeMorkTable(tableOf([[1, 'a'], [2, 'bb']])));
    const shard = good[0]!.data;
    const meta = good[1]!.data;
    const cases: [string, Uint8Array, RegExp][] = [
      ['deflated', zipSync({ 'SharedMapping_0x00.binary_data': [shard, { level: 6 }], 'FileSizes.meta': [meta, { level: 0 }] }), /compressed \(method 8\)/],
      ['bad name', zipSync({ 'SharedMapping_0x00.binary_data': [shard, { level: 0 }], '../evil': [new Uint8Array(1), { level: 0 }], 'FileSizes.meta': [meta, { level: 0 }] }), /entry '\.\.\/evil' is not part of MORK's table layout/],
      ['lowercase hex', zipSync({ 'SharedMapping_0x0a.binary_data': [shard, { level: 0 }], 'FileSizes.meta': [meta, { level: 0 }] }), /not part of MORK's table layout/],
      ['meta disagrees', zipSync({ 'SharedMapping_0x00.binary_data': [shard, { level: 0 }], 'FileSizes.meta': [metaFor(0, shard.length - 1), { level: 0 }] }), /FileSizes\.meta gives \d+ bytes for SharedMapping_0x00\.binary_data, which holds \d+/],
      ['no meta', zipSync({ 'SharedMapping_0x00.binary_data': [shard, { level: 0 }] }), /no FileSizes\.meta entry/],
      ['meta not pairs', zipSync({ 'SharedMapping_0x00.binary_data': [shard, { level: 0 }], 'FileSizes.meta': [new Uint8Array(15), { level: 0 }] }), /not a whole number of 16-byte pairs/],
      ['cut record', zipSync({ 'SharedMapping_0x00.binary_data': [shard.subarray(0, shard.length - 1), { level: 0 }], 'FileSizes.meta': [metaFor(0, shard.length - 1), { level: 0 }] }), /run past the end of the entry/],
      ['duplicate id, other bytes', zipSync({ 'SharedMapping_0x00.binary_data': [concat(shard, shard.subarray(0, 6), Uint8Array.of(0xff - 1), enc.encode('z')), { level: 0 }], 'FileSizes.meta': [metaFor(0, shard.length + 8), { level: 0 }] }), /id 0x0000000000000001 is given twice, with different symbols/],
      ['wrong shard', zipSync({ 'SharedMapping_0x01.binary_data': [shard, { level: 0 }], 'FileSizes.meta': [metaFor(1, shard.length), { level: 0 }] }), /belongs to shard 0, not to this entry's/],
      ['not a zip', enc.encode('PK\x03\x04 and then nothing'), /not a readable zip archive/],
    ];
    fs.writeFileSync(file('bad.paths'), cli(['serialize', '--intern', '--symbols', file('bad-ok.zip'), '-o', '-', '--to', 'paths'], { input: '(a bb)\n' }).stdout);
    for (const [name, zip, message] of cases) {
      assert.throws(() => readMorkTable(zip, 't.zip'), (e: unknown) => isMorkspaceError(e) && e.code === ErrorCode.Corrupt && message.test(e.message), name);
      // from the CLI, three of them (each a process start: the suite's time)
      if (!['deflated', 'bad name', 'meta disagrees'].includes(name)) continue;
      fs.writeFileSync(file('bad.zip'), zip);
      const r = cli(['deserialize', file('bad.paths'), '--symbols', file('bad.zip'), '-o', file('bad.metta')]);
      assert.equal(r.status, 1, `${name}: ${r.stderr}`);
      assert.match(r.stderr.trim(), message, name);
      assert.equal(r.stderr.trim().split('\n').length, 1, name);
      assert.ok(!fs.existsSync(file('bad.metta')), `${name}: no output`);
    }
  });

  test('the same text under two ids is reported, not refused (upstream\'s reader makes them)', () => {
    fs.writeFileSync(file('twice.zip'), writeMorkTable(tableOf([[1, 'a'], [2, 'a'], [3, 'b']])));
    const r = cli(['inspect', file('twice.zip'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout.toString());
    assert.equal(doc.format, 'mork-symbols');
    assert.equal(doc.symbols, 3);
    assert.match(doc.repeatedTexts, /^1 /);
  });
});

describe('--intern', () => {
  const rng = new Rng(testSeed(11));
  const text = longSymbolText(rng);
  fs.writeFileSync(file('long.metta'), text);

  test('symbols of 1 to 100,000 bytes come back byte for byte through every format', () => {
    const expected = sortedLines(text);
    const runs: [string, string[], string[]][] = [
      ['paths', ['-o', file('i.paths'), '--symbols', file('i.paths.zip')], [file('i.paths'), '--symbols', file('i.paths.zip')]],
      ['act', ['-o', file('i.act'), '--symbols', file('i.act.zip')], [file('i.act'), '--symbols', file('i.act.zip')]],
      ['mtts', ['-o', file('i.mtts')], [file('i.mtts')]],
    ];
    for (const [name, write, read] of runs) {
      const w = cli(['serialize', file('long.metta'), '--intern', ...write]);
      assert.equal(w.status, 0, `${name}: ${w.stderr}`);
      const r = cli(['deserialize', ...read]);
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      assert.deepEqual(sortedLines(r.stdout.toString()), expected, name);
    }
    // the table beside .paths and the one beside ACT are the same table
    assert.ok(fs.readFileSync(file('i.paths.zip')).equals(fs.readFileSync(file('i.act.zip'))));
    // paths ↔ MTTS keep the ids as they are: the table travels inside, and comes out again
    assert.equal(cli(['convert', file('i.paths'), '--symbols', file('i.paths.zip'), '-o', file('i2.mtts')]).status, 0);
    assert.ok(fs.readFileSync(file('i2.mtts')).equals(fs.readFileSync(file('i.mtts'))), 'the same MTTS bytes by both routes');
    assert.equal(cli(['convert', file('i.mtts'), '-o', file('i2.paths'), '--symbols-out', file('i2.zip')]).status, 0);
    assert.ok(fs.readFileSync(file('i2.paths')).equals(fs.readFileSync(file('i.paths'))));
    assert.ok(fs.readFileSync(file('i2.zip')).equals(fs.readFileSync(file('i.paths.zip'))));
  });

  test('a space of symbols ≤ 63 bytes lists in the same order interned as inline', () => {
    const short = '(parent Alice Bob)\n(n 42)\n(parent Carol Alice)\n(likes Bob "ice cream")\nbare\n(λ é)\n';
    const inline = cli(['serialize', '--to', 'text'], { input: short });
    const interned = cli(['serialize', '--intern', '--to', 'mtts', '-o', file('short.mtts')], { input: short });
    assert.equal(interned.status, 0, interned.stderr);
    assert.equal(cli(['deserialize', file('short.mtts')]).stdout.toString(), inline.stdout.toString());
  });

  test('ids depend on the space only: input order, threads, memory budget, stdin', () => {
    const lines = text.split('\n').filter(Boolean);
    fs.writeFileSync(file('shuffled.metta'), rng.shuffle([...lines]).join('\n') + '\n');
    const outputs: Buffer[] = [];
    const tables: Buffer[] = [];
    const variants: [string, string[], string?][] = [
      ['long.metta', ['--threads', '1']],
      ['shuffled.metta', ['--threads', '2']],
      ['shuffled.metta', ['--threads', '2', '--memory', '1m']],
      ['-', ['--threads', '1'], text],
    ];
    for (const [k, [input, flags, stdin]] of variants.entries()) {
      const r = cli(['serialize', input === '-' ? '-' : file(input), '--intern', '-o', file(`d${k}.paths`), '--symbols', file(`d${k}.zip`), ...flags], stdin !== undefined ? { input: stdin } : {});
      assert.equal(r.status, 0, r.stderr);
      outputs.push(fs.readFileSync(file(`d${k}.paths`)));
      tables.push(fs.readFileSync(file(`d${k}.zip`)));
    }
    for (let k = 1; k < outputs.length; k++) {
      assert.ok(outputs[k]!.equals(outputs[0]!), `paths of variant ${k}`);
      assert.ok(tables[k]!.equals(tables[0]!), `table of variant ${k}`);
    }
    // stdin was spooled for the second pass, and the spool is gone
    assert.ok(!fs.readdirSync(TMP).some((f) => f.startsWith('morkspace-spool-')));
  });

  test('ids are 1, 2, 3, … in shard 0 in (length, bytes) order; every symbol is an id, short ones too', () => {
    const c = new SymbolCollector();
    for (const s of ['parent', 'Alice', 'Bob', 'Alice']) c.add(enc.encode(s), 0, s.length);
    const t = c.assign();
    assert.deepEqual([...t.ids], [1, 2, 3]);
    assert.deepEqual([0, 1, 2].map((k) => new TextDecoder().decode(t.symbolAt(k))), ['Bob', 'Alice', 'parent']);
    const path = parseText('(parent Alice Bob)', { interner: { idOf: (b, s, e) => c.idOf(b, s, e) } }).copyPath(0);
    assert.equal(Buffer.from(path).toString('hex'), '03' + 'c80000000000000003' + 'c80000000000000002' + 'c80000000000000001');
    assert.equal(expressionToText(path, t), '(parent Alice Bob)');
  });

  test('the collector against a Set: 60,000 symbols past every growth step, merged as the symbol pass merges', () => {
    const rng = new Rng(testSeed(13));
    const words = Array.from({ length: 60_000 }, (_, i) => `${'u'.repeat(rng.int(0, 90))}${i.toString(36)}`);
    const c = new SymbolCollector();
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) {
      const w = enc.encode(rng.pick(words));
      c.add(w, 0, w.length);
      seen.add(new TextDecoder().decode(w));
    }
    // a second collector merged in with the first one's hashes, as the run's thread merges a worker's
    const d = new SymbolCollector();
    const { bytes, starts, hashes } = c.distinct();
    for (let k = 0; k + 1 < starts.length; k++) d.add(bytes, starts[k]!, starts[k + 1]!, hashes[k]!);
    assert.equal(c.count, seen.size);
    assert.equal(d.count, seen.size);
    const t = d.assign();
    const texts = [...seen].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
    assert.deepEqual(Array.from({ length: t.count }, (_, k) => new TextDecoder().decode(t.symbolAt(k))), texts);
    for (const w of texts.slice(0, 500)) assert.equal(d.idOf(enc.encode(w), 0, enc.encode(w).length), texts.indexOf(w) + 1);
  });

  test('a .paths or ACT output without a place for the table is a usage error before any work', () => {
    const r = cli(['serialize', file('long.metta'), '--intern', '-o', file('nowhere.paths')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--intern: paths keeps no symbol table: give --symbols-out FILE \(serialize: --symbols FILE\)/);
    assert.ok(!fs.existsSync(file('nowhere.paths')));
    const c = cli(['convert', file('i.mtts'), '-o', file('nowhere.act')]);
    assert.equal(c.status, 2);
    assert.match(c.stderr, /holds interned symbols .* --symbols-out FILE/);
    assert.ok(!fs.existsSync(file('nowhere.act')));
  });

  test('--out-dir: interned inputs convert each with its own table; a table to write per output is a usage error', () => {
    fs.mkdirSync(file('batch-out'), { recursive: true });
    const r = cli(['convert', file('i.mtts'), file('short.mtts'), '--out-dir', file('batch-out'), '--to', 'text']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(sortedLines(fs.readFileSync(file('batch-out/i.metta'), 'utf8')), sortedLines(text));
    const u = cli(['convert', file('i.mtts'), '--out-dir', file('batch-out'), '--to', 'paths', '--symbols-out', file('x.zip')]);
    assert.equal(u.status, 2);
    assert.match(u.stderr, /--out-dir writes one output per input/);
  });

  test('an existing table file is not replaced without --force', () => {
    fs.writeFileSync(file('keep.zip'), 'mine');
    const r = cli(['serialize', file('long.metta'), '--intern', '-o', file('keep.paths'), '--symbols', file('keep.zip')]);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(fs.readFileSync(file('keep.zip'), 'utf8'), 'mine');
    assert.ok(!fs.existsSync(file('keep.paths')));
  });

  test('a table for another space: converting with it stops at the first id it lacks, exit 1, no output', () => {
    assert.equal(cli(['serialize', '--intern', '--to', 'paths', '-o', file('other.paths'), '--symbols', file('other.zip')], { input: '(a b)\n(c d)\n(e f)\n' }).status, 0);
    fs.writeFileSync(file('other-small.zip'), writeMorkTable(tableOf([[1, 'a'], [2, 'b']])));
    const r = cli(['convert', file('other.paths'), '--symbols', file('other-small.zip'), '-o', file('other.mtts')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /symbol id 0x000000000000000[3-6] is not in the symbol table \(a table for another space\?\) \[ERR_UNKNOWN_SYMBOL\]/);
    assert.ok(!fs.existsSync(file('other.mtts')));
  });

  test('an id missing from the table: a one-line error naming the id, exit 1, no output', () => {
    const r0 = cli(['serialize', '--intern', '--to', 'paths', '-o', file('m.paths'), '--symbols', file('m.zip')], { input: '(a b)\n(c d)\n' });
    assert.equal(r0.status, 0, r0.stderr);
    fs.writeFileSync(file('small.zip'), writeMorkTable(tableOf([[1, 'a'], [2, 'b']])));
    const r = cli(['deserialize', file('m.paths'), '--symbols', file('small.zip'), '-o', file('m.metta')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /m\.paths: path 1: symbol id 0x0000000000000003 is not in the symbol table \(a table for another space\?\) \[ERR_UNKNOWN_SYMBOL\]\n$/);
    assert.ok(!fs.existsSync(file('m.metta')));
  });
});

describe('--long-symbols', () => {
  const text = '(a short)\n(b ' + 'x'.repeat(70) + ')\n(c "' + 'é'.repeat(40) + '")\n(d ' + 'y'.repeat(64) + ')\n';

  test('error (the default): the first one by line and column, how many more, and what to do; no output', () => {
    const r = cli(['serialize', '-', '-o', file('long-err.paths')], { input: text });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^morkspace: <stdin>:2:4: symbol of 70 bytes is longer than 63 \(and 2 more in the input\): --intern keeps such symbols whole .* --long-symbols truncate .* \[ERR_LIMIT\]\n$/);
    assert.ok(!fs.existsSync(file('long-err.paths')));
  });

  test('truncate: exactly the first 63 bytes, as upstream\'s default build loads them, with a warning that counts them', () => {
    const r = cli(['serialize', '-', '--long-symbols', 'truncate', '--to', 'paths', '-o', file('long-cut.paths')], { input: text });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /warning: <stdin>: 3 symbols over 63 bytes cut to their first 63 bytes/);
    // the 63-byte cut by hand, byte for byte: it drops the closing quote of the third, as upstream's does
    const cut = (t: string): Buffer => enc.encode(t).subarray(0, 63) as Buffer;
    const expected = Buffer.concat([enc.encode('(a short)\n(b '), cut('x'.repeat(70)), enc.encode(')\n(c '), cut('"' + 'é'.repeat(40) + '"'), enc.encode(')\n(d '), cut('y'.repeat(64)), enc.encode(')\n')]);
    const back = cli(['deserialize', file('long-cut.paths')]);
    assert.equal(back.status, 0, back.stderr);
    assert.ok(back.stdout.equals(expected), back.stdout.toString());
  });

  test('--long-symbols with --intern, or an unknown mode, is a usage error', () => {
    assert.equal(cli(['serialize', '-', '--intern', '--long-symbols', 'truncate', '--to', 'mtts'], { input: '(a)' }).status, 2);
    assert.match(cli(['serialize', '-', '--long-symbols', 'drop', '--to', 'paths'], { input: '(a)' }).stderr, /--long-symbols takes error or truncate, got 'drop'/);
  });
});

describe('--resolve and the symbols command', () => {
  test('--resolve turns ids back into inline symbols: the same bytes as never interned', () => {
    const text = '(parent Alice Bob)\n(n 42)\n(λ "é é")\n';
    assert.equal(cli(['serialize', '--intern', '--to', 'mtts', '-o', file('r.mtts')], { input: text }).status, 0);
    const r = cli(['convert', file('r.mtts'), '--resolve', '-o', file('r.paths')]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.readFileSync(file('r.paths')).equals(cli(['serialize', '--to', 'paths'], { input: text }).stdout));
  });

  test('--resolve names a symbol too long to be inline', () => {
    assert.equal(cli(['serialize', '--intern', '--to', 'mtts', '-o', file('rl.mtts')], { input: `(a ${'z'.repeat(80)})\n` }).status, 0);
    const r = cli(['convert', file('rl.mtts'), '--resolve', '-o', file('rl.paths')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /symbol 0x0000000000000002 \('z{48}…', 80 bytes\) is longer than 63/);
    assert.ok(!fs.existsSync(file('rl.paths')));
  });

  test('query over an interned space: the pattern and the matches go through its table (MTTS inside, ACT beside)', () => {
    const text = `(parent Alice Bob)\n(parent Alice "${'w'.repeat(90)}")\n(parent Carol Alice)\n`;
    assert.equal(cli(['serialize', '--intern', '--to', 'mtts', '-o', file('q.mtts')], { input: text }).status, 0);
    assert.equal(cli(['convert', file('q.mtts'), '-o', file('q.act'), '--symbols-out', file('q.zip')]).status, 0);
    const expected = `(parent Alice Bob)\n(parent Alice "${'w'.repeat(90)}")\n`;
    const m = cli(['query', file('q.mtts'), '(parent Alice $x)']);
    assert.equal(m.status, 0, m.stderr);
    assert.equal(m.stdout.toString(), expected);
    const a = cli(['query', file('q.act'), '(parent Alice $x)', '--symbols', file('q.zip')]);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(a.stdout.toString(), expected);
    assert.equal(cli(['query', file('q.act'), '--prefix', '(parent Carol', '--symbols', file('q.zip'), '--count']).stdout.toString(), '1\n');
    assert.equal(cli(['query', file('q.mtts'), '(parent Nobody $x)', '--count']).stdout.toString(), '0\n');
  });

  test('symbols: summary, look-ups both ways (exit 1 when missing), a listing', () => {
    fs.writeFileSync(file('s.zip'), writeMorkTable(tableOf([[1, 'parent'], [2, 'Alice'], [2 ** 40 + 7, 'http://x.org/a b']])));
    const look = cli(['symbols', file('s.zip'), '--lookup', 'Alice', '--lookup', '0x0000010000000007']);
    assert.equal(look.status, 0, look.stderr);
    assert.equal(look.stdout.toString(), '0x0000000000000002\tAlice\n0x0000010000000007\thttp://x.org/a b\n');
    const miss = cli(['symbols', file('s.zip'), '--lookup', 'Bob']);
    assert.equal(miss.status, 1);
    assert.match(miss.stderr, /Bob is not in the table \[ERR_UNKNOWN_SYMBOL\]/);
    assert.equal(cli(['symbols', file('s.zip'), '--list']).stdout.toString().split('\n').length, 4);
    const sum = JSON.parse(cli(['symbols', file('s.zip'), '--json']).stdout.toString());
    assert.equal(sum.symbols, 3);
    assert.equal(sum.shards, '0, 1');
    assert.equal(sum.idRange, '0x0000000000000001 … 0x0000010000000007');
  });
});

describe('MeTTaTron snapshots', () => {
  /** A snapshot as MeTTaTron's `environment_to_par` lays it out: MTTS, u64 BE table length, table, u64 BE count, [u32 BE length][path]. */
  function snapshot(table: Uint8Array, paths: readonly Uint8Array[]): Uint8Array {
    const parts: Uint8Array[] = [enc.encode('MTTS'), u64be(table.length), table, u64be(paths.length)];
    for (const p of paths) parts.push(u32be(p.length), p);
    return concat(...parts);
  }

  test('reads back through deserialize, convert and inspect', () => {
    const c = new SymbolCollector();
    const text = '(parent Alice Bob)\n(parent Bob Carol)\n(name "Alice Liddell")\n';
    const gather = { idOf: (b: Uint8Array, s: number, e: number) => (c.add(b, s, e), 1) };
    parseText(text, { interner: gather });
    const t = c.assign();
    const arena = parseText(text, { interner: { idOf: (b, s, e) => c.idOf(b, s, e) } });
    const paths = [...arena].map((p) => Uint8Array.from(p)).sort((a, b) => Buffer.compare(a, b));
    fs.writeFileSync(file('space.snapshot'), snapshot(writeMorkTable(t), paths));
    const d = cli(['deserialize', file('space.snapshot')]);
    assert.equal(d.status, 0, d.stderr);
    assert.deepEqual(sortedLines(d.stdout.toString()), sortedLines(text));
    const m = cli(['convert', file('space.snapshot'), '-o', file('snap.mtts')]);
    assert.equal(m.status, 0, m.stderr);
    assert.deepEqual(sortedLines(cli(['deserialize', file('snap.mtts')]).stdout.toString()), sortedLines(text));
    const i = JSON.parse(cli(['inspect', file('space.snapshot'), '--json']).stdout.toString());
    assert.equal(i.format, 'mettatron');
    assert.equal(i.symbols, t.count);
    assert.equal(i.space.atoms, 3);
  });

  test('a cut snapshot, a count it does not hold, and writing one: one-line errors', () => {
    const table = writeMorkTable(tableOf([[1, 'a']]));
    const path1 = Uint8Array.of(0x01, 0xc8, 0, 0, 0, 0, 0, 0, 0, 1);
    fs.writeFileSync(file('cut.snapshot'), snapshot(table, [path1]).subarray(0, -3));
    const cut = cli(['deserialize', file('cut.snapshot'), '-o', file('cut.metta')]);
    assert.equal(cut.status, 1);
    assert.match(cut.stderr, /byte \d+: file ends inside path 0: 10 bytes needed, 7 left \[ERR_TRUNCATED\]/);
    assert.ok(!fs.existsSync(file('cut.metta')));
    const big = snapshot(table, [path1]);
    new DataView(big.buffer).setBigUint64(12 + table.length, 5n);
    fs.writeFileSync(file('short.snapshot'), big);
    assert.match(cli(['deserialize', file('short.snapshot')]).stderr, /the length of path 1 \(the snapshot states 5\)/);
    const w = cli(['convert', file('cut.snapshot'), '--to', 'mettatron']);
    assert.equal(w.status, 2);
    assert.match(w.stderr, /mettatron is read, not written/);
  });

  test('a damaged symbols section in MTTS: one line, exit 1, no output', () => {
    assert.equal(cli(['serialize', '--intern', '--to', 'mtts', '-o', file('dmg.mtts')], { input: '(parent Alice Bob)\n(x "' + 'q'.repeat(300) + '")\n' }).status, 0);
    const bytes = fs.readFileSync(file('dmg.mtts'));
    assert.equal(bytes.readUInt16LE(8), 1, 'minor version 1: the file has a symbols section');
    assert.equal(bytes.readUInt16LE(16), 0x0002, 'right after the header');
    bytes[16 + 12 + 36 + 3]! ^= 0x10;
    fs.writeFileSync(file('dmg2.mtts'), bytes);
    const r = cli(['deserialize', file('dmg2.mtts'), '-o', file('dmg.metta')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^morkspace: .*dmg2\.mtts: .*symbols section.*\[ERR_(CHECKSUM|CORRUPT)\]\n$/);
    assert.ok(!fs.existsSync(file('dmg.metta')));
  });

  test('our own MTTS is never taken for a snapshot, nor the reverse', () => {
    assert.equal(cli(['serialize', '--to', 'mtts', '-o', file('own.mtts')], { input: '(a)' }).status, 0);
    assert.equal(JSON.parse(cli(['inspect', file('own.mtts'), '--json']).stdout.toString()).format, 'mtts');
  });
});

// --- small helpers: a minimal zip directory walk (the test's own reader of what fflate wrote) ---

interface ZipEntry {
  name: string;
  method: number;
  dosTime: number;
  dosDate: number;
  data: Uint8Array;
}

/** Entries of a zip in central-directory order (Stored data only; sizes from the local headers). */
function listZip(zip: Uint8Array): ZipEntry[] {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = zip.length - 22;
  while (eocd >= 0 && v.getUint32(eocd, true) !== 0x06054b50) eocd--;
  const n = v.getUint16(eocd + 10, true);
  let p = v.getUint32(eocd + 16, true);
  const out: ZipEntry[] = [];
  for (let i = 0; i < n; i++) {
    assert.equal(v.getUint32(p, true), 0x02014b50);
    const method = v.getUint16(p + 10, true);
    const dosTime = v.getUint16(p + 12, true);
    const dosDate = v.getUint16(p + 14, true);
    const size = v.getUint32(p + 20, true);
    const nameLen = v.getUint16(p + 28, true);
    const extra = v.getUint16(p + 30, true);
    const comment = v.getUint16(p + 32, true);
    const local = v.getUint32(p + 42, true);
    const name = new TextDecoder().decode(zip.subarray(p + 46, p + 46 + nameLen));
    const dataAt = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
    out.push({ name, method, dosTime, dosDate, data: zip.subarray(dataAt, dataAt + size) });
    p += 46 + nameLen + extra + comment;
  }
  return out;
}

function metaFor(shard: number, size: number): Uint8Array {
  return concat(u64be(shard), u64be(size));
}

function u64be(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}

function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}
