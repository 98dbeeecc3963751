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
import { printTextTask, type PrintTextTask } from '../expr/print-batch.js';
import { fullCollection } from '../run/gc-pacer.js';
import { gatherPart, sortPartOrder, type SortPartTask, type SortPartResult } from '../sort-parallel.js';

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

/** Print a batch as text (see `printTextTask` in print-batch.ts) into the lent buffer; the batch's buffers go back. */
export function printText(task: PrintTextTask): unknown {
  const r = printTextTask(task);
  return reply(r, r.ok ? [r.text] : [], [task.bytes, task.ends, task.out]);
}

/** Sort, de-duplicate and gather a part of a shared arena (`sortPartOrder`, `gatherPart` in sort-parallel.ts); the batches are moved out. */
export function sortPart(task: SortPartTask): unknown {
  const r = sortThenLetGo(task);
  collect();
  return move(new Moved(r, r.batches.flatMap((b) => [b.bytes.buffer as ArrayBuffer, b.ends.buffer as ArrayBuffer])) as never);
}

// A worker's heap is small, so V8 seldom collects it, and what it has not collected stays resident:
// - the sort's scratch (about 31 bytes a path, sort.ts) is garbage once the order is known, and the
//   batches gathered next are about as large: collected first, malloc gives its memory to them;
// - a SharedArrayBuffer is freed only when every thread that saw it has collected its handle: the
//   worker lets go of the arena's views when the part is gathered (the run lets go of its own when
//   every part is in, sortUniqueParallel), so the arena is not held while the batches are written.
// (text → .paths of 1M atoms on 2 threads, 7 interleaved runs: peak RSS median 257 → 222 MiB with
// both and the run's own release; the collection before the gather alone, 262 → 252.)
function sortThenLetGo(task: SortPartTask): SortPartResult {
  const order = sortPartOrder(task);
  collect();
  const r = gatherPart(task, order);
  const held = task as Partial<SortPartTask>;
  delete held.bytes;
  delete held.ends;
  return r;
}

function collect(): void {
  fullCollection()?.();
}
