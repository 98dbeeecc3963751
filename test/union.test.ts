/**
 * Several inputs in one command are one space, their union (`openUnion` in src/convert.ts): inputs
 * in any formats and orders, overlapping, give exactly what converting the whole space gives.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { ErrorCode, MemorySink, convert, convertBytes, convertFile, fileInput, type MorkspaceError } from '../src/internals.js';
import { cli, tempDir } from './helpers/cli.js';
import { BIG_LOGIC_PATHS } from './helpers/fixtures.js';

describe('the union of several inputs', () => {
  const dir = tempDir();
  const file = (name: string): string => path.join(dir, name);
  let whole: Uint8Array;

  before(async () => {
    // big_logic cut in overlapping parts, each written in another format
    await convertFile(BIG_LOGIC_PATHS, file('all.metta'), { threads: 1 });
    const lines = fs.readFileSync(file('all.metta'), 'utf8').split('\n').filter((l) => l.length > 0);
    const part = (from: number, to: number): string => lines.slice(from, to).join('\n') + '\n';
    const third = Math.floor(lines.length / 3);
    fs.writeFileSync(file('a.metta'), part(0, third + 500));
    fs.writeFileSync(file('b.metta'), part(third, 2 * third + 500));
    fs.writeFileSync(file('c.metta'), part(2 * third, lines.length));
    await convertFile(file('b.metta'), file('b.act'), { threads: 1 });
    await convertFile(file('c.metta'), file('c.mtts'), { threads: 1 });
    whole = (await convertBytes(fileInput(BIG_LOGIC_PATHS), { to: 'paths', threads: 1 })).bytes;
  });

  test('text, ACT and MTTS parts that overlap give the whole space, byte for byte', async () => {
    const sink = new MemorySink('<paths>');
    const report = await convert([fileInput(file('a.metta')), fileInput(file('b.act')), fileInput(file('c.mtts'))], sink, { to: 'paths', threads: 2 });
    assert.ok(Buffer.from(sink.bytes()).equals(Buffer.from(whole)));
    assert.equal(report.from, 'text+act+mtts');
  });

  test('a .paths part whose records are out of order is checked first and sorted; the union is still exact', async () => {
    // the records of b's space, reversed: valid .paths, not in the order upstream writes
    const b = (await convertBytes(fileInput(file('b.act')), { to: 'paths', threads: 1 })).bytes;
    const raw = zlib.inflateSync(b);
    const recs: Buffer[] = [];
    for (let p = 0; p < raw.length; ) {
      const n = raw.readUInt32LE(p);
      recs.push(raw.subarray(p, p + 4 + n));
      p += 4 + n;
    }
    fs.writeFileSync(file('b-reversed.paths'), zlib.deflateSync(Buffer.concat(recs.reverse())));
    const notes: string[] = [];
    const sink = new MemorySink('<paths>');
    await convert([fileInput(file('a.metta')), fileInput(file('b-reversed.paths')), fileInput(file('c.mtts'))], sink, { to: 'paths', threads: 1, log: (m) => notes.push(m) });
    assert.ok(Buffer.from(sink.bytes()).equals(Buffer.from(whole)));
    assert.ok(notes.some((m) => /b-reversed\.paths: records are not in order/.test(m)), notes.join('\n'));
  });

  test('a damaged input fails the union naming that input', async () => {
    const bytes = fs.readFileSync(file('c.mtts'));
    bytes[bytes.length >> 1]! ^= 0x10;
    fs.writeFileSync(file('c-damaged.mtts'), bytes);
    await assert.rejects(convert([fileInput(file('a.metta')), fileInput(file('c-damaged.mtts'))], new MemorySink(), { to: 'paths', threads: 1 }), (e: MorkspaceError) => {
      assert.equal(e.where.file, file('c-damaged.mtts'));
      assert.ok(e.code === ErrorCode.Checksum || e.code === ErrorCode.Corrupt, e.code);
      return true;
    });
  });

  test('on the command line: several inputs to one output, their names in the --json report', () => {
    const r = cli(['convert', file('a.metta'), file('b.act'), file('c.mtts'), '-o', file('union.paths'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.readFileSync(file('union.paths')).equals(Buffer.from(whole)));
    const report = JSON.parse(r.stdout.toString()) as { input: string[]; atoms: number };
    assert.deepEqual(report.input, [file('a.metta'), file('b.act'), file('c.mtts')]);
    const text = cli(['deserialize', file('b.act'), file('c.mtts'), file('a.metta')]);
    assert.equal(text.status, 0, text.stderr);
    assert.equal(text.stdout.toString(), fs.readFileSync(file('all.metta'), 'utf8'));
  });

  test('on the command line: stdin twice is a usage error, a missing input fails before any output', () => {
    const twice = cli(['convert', '-', '-', '-o', file('twice.paths')]);
    assert.equal(twice.status, 2);
    assert.match(twice.stderr, /stdin \(-\) can be given once/);
    const missing = cli(['convert', file('a.metta'), file('nope.paths'), '-o', file('missing.paths')]);
    assert.equal(missing.status, 3);
    assert.match(missing.stderr, /nope\.paths: no such file/);
    assert.equal(fs.existsSync(file('missing.paths')), false);
  });
});
