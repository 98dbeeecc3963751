// Reading a file input (src/io/input.ts): a small file in synchronous reads, a large one streamed;
// either way every byte, in order, to the file's end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SMALL_FILE_BYTES, fileInput } from '../src/io/input.js';
import { tempDir } from './helpers/cli.js';

const TMP = tempDir();

async function chunksOf(file: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of fileInput(file).chunks()) out.push(c);
  return out;
}

test('a small file and a large one are read whole, in order (one read of the small one, chunks of the large)', async () => {
  for (const size of [0, 1, 29, SMALL_FILE_BYTES, SMALL_FILE_BYTES + 1, 3 << 20]) {
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 131 + (i >> 9)) & 0xff;
    const file = path.join(TMP, `f-${size}`);
    fs.writeFileSync(file, bytes);
    const chunks = await chunksOf(file);
    assert.ok(Buffer.concat(chunks).equals(bytes), `${size} bytes`);
    if (size > 0 && size <= SMALL_FILE_BYTES) assert.equal(chunks.length, 1, `${size} bytes in one chunk`);
    if (size > 1 << 20) assert.ok(chunks.length > 1, `${size} bytes in chunks`);
  }
});

test('a file whose size reads 0 (/proc) is read to its end', async (t) => {
  const file = '/proc/self/status';
  if (!fs.existsSync(file) || fs.statSync(file).size !== 0) return t.skip('no /proc here');
  const text = Buffer.concat(await chunksOf(file)).toString('latin1');
  assert.match(text, /^Name:/);
  assert.match(text, /\nVmHWM:/);
  assert.ok(text.endsWith('\n'));
});
