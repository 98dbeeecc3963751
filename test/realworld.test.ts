/**
 * Real MeTTa files (../shared/fixtures/realworld, used in place: their licences vary) against their
 * expected verdicts, and interning against them: every accepted file dumps the same bytes interned
 * as inline, and the files refused for symbols over 63 bytes read whole with `--intern`. A sample
 * of the 1,719 (every file refused for a long symbol, every eighth of the rest) keeps it quick.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { bytesInput, convertBytes, isMorkspaceError } from '../src/index.js';
import { SHARED_REALWORLD } from './helpers/fixtures.js';

const TSV = `${SHARED_REALWORLD}expected.tsv`;
const skip = fs.existsSync(TSV) ? false : `needs ${SHARED_REALWORLD} (the shared fixtures beside the clone)`;

async function dump(bytes: Uint8Array, name: string, intern: boolean): Promise<Uint8Array> {
  if (!intern) return (await convertBytes(bytesInput(bytes, name), { from: 'text', to: 'text', threads: 1 })).bytes;
  const mtts = (await convertBytes(bytesInput(bytes, name), { from: 'text', to: 'mtts', threads: 1, text: { intern: true } })).bytes;
  return (await convertBytes(bytesInput(mtts, `${name}.mtts`), { to: 'text', threads: 1 })).bytes;
}

test('real files: the expected verdicts, and interning changes no dump and reads the long symbols', { skip }, async () => {
  const rows = fs.readFileSync(TSV, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
  let compared = 0;
  let long = 0;
  for (const [i, row] of rows.entries()) {
    const [file, , , , , , verdict, atoms, code] = row as [string, string, string, string, string, string, string, string, string];
    // the sample: every refusal for a limit (a long symbol is one), every eighth of the rest
    if (code !== 'ERR_LIMIT' && i % 8 !== 0) continue;
    const bytes = fs.readFileSync(`${SHARED_REALWORLD}${file}`);
    let inline: Uint8Array | undefined;
    let error: unknown;
    try {
      inline = await dump(bytes, file, false);
    } catch (e) {
      error = e;
    }
    const longSymbol = isMorkspaceError(error) && /^symbol of \d+ bytes is longer than 63/.test(error.message);
    if (!longSymbol && i % 8 !== 0) continue;
    if (verdict === 'accept') {
      assert.ok(inline, `${file}: accepted (${atoms} atoms) — ${String(error)}`);
      assert.ok(Buffer.from(await dump(bytes, file, true)).equals(Buffer.from(inline)), `${file}: the interned dump differs`);
      compared++;
    } else {
      assert.ok(isMorkspaceError(error) && error.code === code, `${file}: ${code} expected, got ${String(error)}`);
      if (longSymbol) {
        const whole = await dump(bytes, file, true);
        assert.ok(Buffer.from(await dump(whole, `${file} (dump)`, true)).equals(Buffer.from(whole)), `${file}: the interned dump reads back to itself`);
        long++;
      }
    }
  }
  assert.ok(compared > 150, `compared ${compared}`);
  assert.ok(long >= 90, `files with long symbols read with --intern: ${long}`);
});
