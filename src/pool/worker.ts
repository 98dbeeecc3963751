/**
 * The pool's worker: each export is a task run by name. Results move their buffers back to the main
 * thread (no copy); faults come back as plain `{ ok: false, … }` data.
 *
 * Text parsing writes its result into buffers the main thread lent, and moves back the input and
 * the lent buffers it did not use (`back`), all reused there: results malloc'd on a worker's thread
 * and freed on the main one made a long parallel parse's RSS grow with its length (see `reclaim`
 * in buffers.ts). Chunk coding does not lend: measured, lending made MTTS→text's 3M-atom peak 22
 * MiB higher and .paths→MTTS's 10 MiB (its buffers are larger than the results they hold, and the
 * inputs it would return are not reused).
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

/**
 * `result` with `back`: those of the buffers `given` to go back that no result view lies in; the
 * result views' buffers and those move to the main thread.
 */
function reply(result: object, views: readonly (ArrayBufferView | undefined)[], given: readonly (ArrayBufferView | undefined)[]): unknown {
  const used = new Set(views.flatMap((v) => (v !== undefined ? [v.buffer] : [])));
  const back = given.filter((v): v is ArrayBufferView => v !== undefined && !used.has(v.buffer) && v.buffer instanceof ArrayBuffer && v.buffer.byteLength > 0);
  const transfer = [...new Set([...used, ...back.map((v) => v.buffer)])].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer && b.byteLength > 0);
  return move(new Moved({ ...result, back }, transfer) as never);
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

/** Parse a text chunk from its first line break (see `parseChunk` in parse-chunk.ts) into the lent buffers. */
export function parseTextChunk(task: ParseChunkTask): unknown {
  const r = parseChunk(task);
  return reply(r, r.ok ? [r.bytes, r.ends, r.symbols?.bytes, r.symbols?.starts, r.symbols?.hashes] : [], [task.bytes, task.out?.bytes, task.out?.ends]);
}

/** Sort, de-duplicate and gather a part of a shared arena (see `sortPart` in sort-parallel.ts); the batches are moved out. */
export function sortPart(task: SortPartTask): unknown {
  const r = sort(task);
  return move(new Moved(r, r.batches.flatMap((b) => [b.bytes.buffer as ArrayBuffer, b.ends.buffer as ArrayBuffer])) as never);
}
