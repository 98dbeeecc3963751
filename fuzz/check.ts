/**
 * What a case must do: end in a read or in a morkspace error (any other throw is a finding), and,
 * when it reads, give what the format promises: the same paths whatever the chunking, a space
 * that survives a round trip through its own writer, and no read at all of an MTTS file whose bytes
 * changed (every byte is under a digest). Hangs and memory are watched by the runner (run.ts).
 */
import { compareBytes } from '../src/bytes.js';
import {
  ActFile,
  PathArena,
  bytesInput,
  collect,
  convertBytes,
  decodeAct,
  decodePaths,
  encodeAct,
  encodePaths,
  encodeText,
  isMorkspaceError,
  isStrictlySorted,
  parseText,
  readMtts,
  readPaths,
  readText,
  sortUniqueArena,
  streamInput,
} from '../src/index.js';
import { readJson } from '../src/formats/json.js';
import type { FuzzCase, Target } from './cases.js';

/** How a case ended. */
export type Outcome = { kind: 'read'; paths: number } | { kind: 'refused'; code: string } | { kind: 'finding'; what: string; message: string };

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  if (size <= 0 || size >= bytes.length) {
    yield bytes;
    return;
  }
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

// The paths the target's reader gives for `bytes` fed in chunks of `size`.
async function read(target: Target, bytes: Uint8Array, size: number): Promise<PathArena> {
  switch (target) {
    case 'text':
      return collect(readText(chunks(bytes, size)));
    case 'paths':
      return collect(readPaths(chunks(bytes, size)));
    case 'mtts':
      return collect(readMtts(chunks(bytes, size)));
    case 'json':
      // a seed with several lines is JSONL; the rest one document each
      return collect(readJson(chunks(bytes, size), { lines: bytes.includes(0x0a), longSymbols: 'truncate' }));
    case 'act': {
      const file = ActFile.fromBytes(bytes);
      const all = new PathArena();
      for (const b of file.paths()) all.pushAll(b);
      file.walkStats();
      return all;
    }
    case 'sniff': {
      // as the CLI reads a stream: format detection, the sort stage, the text writer
      const input = size > 0 ? streamInput('<fuzz>', chunks(bytes, size)) : bytesInput(bytes, '<fuzz>');
      const { bytes: text } = await convertBytes(input, { to: 'text', threads: 1, memoryBytes: 256 << 20 });
      return PathArena.from([text]);
    }
  }
}

function same(a: PathArena, b: PathArena): boolean {
  if (a.count !== b.count || a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.count; i++) if (a.end(i) !== b.end(i)) return false;
  return compareBytes(a.bytes.subarray(0, a.byteLength), b.bytes.subarray(0, b.byteLength)) === 0;
}

/** Run one case and judge it. */
export async function check(target: Target, c: FuzzCase): Promise<Outcome> {
  let got: PathArena;
  try {
    got = await read(target, c.bytes, c.chunk);
  } catch (e) {
    if (isMorkspaceError(e)) return { kind: 'refused', code: e.code };
    return { kind: 'finding', what: 'crash', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  if (target === 'mtts' && c.mutated) return { kind: 'finding', what: 'accepted', message: 'a changed MTTS file was read without an error' };
  try {
    if (c.chunk !== 0 && !same(got, await read(target, c.bytes, 0))) return { kind: 'finding', what: 'chunking', message: `chunks of ${c.chunk} bytes read other paths than the whole input` };
    const space = target === 'sniff' ? got : sortUniqueArena(got);
    if (target === 'act' && !isStrictlySorted(got)) return { kind: 'finding', what: 'order', message: 'an ACT walk gave paths out of order' };
    if (target === 'text' && !same(space, sortUniqueArena(parseText(encodeText(space))))) return { kind: 'finding', what: 'round trip', message: 'the paths read do not survive printing and parsing again' };
    if (target === 'paths' && !same(space, sortUniqueArena(decodePaths(encodePaths(space))))) return { kind: 'finding', what: 'round trip', message: 'the paths read do not survive a .paths round trip' };
    if (target === 'act' && !same(space, decodeAct(encodeAct(space)))) return { kind: 'finding', what: 'round trip', message: 'the paths read do not survive an ACT round trip' };
  } catch (e) {
    // the paths read must be writable and readable again: an error here is a finding
    return { kind: 'finding', what: 'crash', message: `checking a read: ${e instanceof Error ? e.message : String(e)}` };
  }
  return { kind: 'read', paths: got.count };
}
