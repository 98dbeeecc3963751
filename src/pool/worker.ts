/**
 * The pool's worker: each export is a task run by name. Results move their buffers back to the main
 * thread (no copy); faults come back as plain `{ ok: false, … }` data.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { decodeChunk as decode, encodeChunk as encode, type DecodeChunkTask, type EncodeChunkTask } from '../formats/mtts/chunk-codec.js';
import { parseChunk, type ParseChunkTask } from '../expr/parse-chunk.js';
import { sortPart as sort, type SortPartTask } from '../sort-parallel.js';

/** A result whose buffers piscina transfers instead of cloning: `Piscina.move` of a value with several buffers. */
class Moved<T> {
  readonly #value: T;
  readonly #transfer: ArrayBuffer[];
  constructor(value: T, transfer: ArrayBuffer[]) {
    this.#value = value;
    this.#transfer = transfer;
  }
  get [transferableSymbol](): ArrayBuffer[] {
    return this.#transfer;
  }
  get [valueSymbol](): T {
    return this.#value;
  }
}

/** Encode a chunk (see `encodeChunk` in chunk-codec.ts); the payload buffer is moved out. */
export function encodeChunk(task: EncodeChunkTask): unknown {
  const r = encode(task);
  return r.ok ? move(new Moved(r, [r.stored.buffer as ArrayBuffer, r.digest.buffer as ArrayBuffer]) as never) : r;
}

/** Decode a chunk (see `decodeChunk` in chunk-codec.ts); the path buffers are moved out. */
export function decodeChunk(task: DecodeChunkTask): unknown {
  const r = decode(task);
  return r.ok ? move(new Moved(r, [r.bytes.buffer as ArrayBuffer, r.ends.buffer as ArrayBuffer]) as never) : r;
}

/** Parse a text chunk from its first line break (see `parseChunk` in parse-chunk.ts); the arena buffers are moved out. */
export function parseTextChunk(task: ParseChunkTask): unknown {
  const r = parseChunk(task);
  return r.ok ? move(new Moved(r, [r.bytes.buffer as ArrayBuffer, r.ends.buffer as ArrayBuffer]) as never) : r;
}

/** Sort, de-duplicate and gather a part of a shared arena (see `sortPart` in sort-parallel.ts); the batches are moved out. */
export function sortPart(task: SortPartTask): unknown {
  const r = sort(task);
  return move(new Moved(r, r.batches.flatMap((b) => [b.bytes.buffer as ArrayBuffer, b.ends.buffer as ArrayBuffer])) as never);
}
