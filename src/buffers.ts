/**
 * A free list of the large byte buffers a conversion allocates once per batch (arenas, record
 * buffers, output chunks), so a long run reuses a few instead of leaving one behind per batch.
 *
 * Why: a freed ArrayBuffer's memory goes back only when V8 collects the object, and V8 lets
 * external (off-heap) garbage grow by tens of MiB before it does; glibc then serves the next
 * buffers of that size from its heap, not from fresh mappings. Measured (ACT→text, 1M vs 3M atoms):
 * peak RSS grew 126 → 159 MiB with the space, almost all of it batch buffers waiting to be
 * collected; with a collection forced every 20 ms it was 90 → 98. Reusing the buffers gets that
 * without forcing collections.
 *
 * Only buffers handed out here come back here, and only through an owner that knows nothing else
 * holds them (a sink done with a batch it was told it may release: `Space.recycles`). Buffers under
 * `MIN_BYTES` are left to malloc's own bins. The free list keeps at most `MAX_HELD_BYTES`.
 */

/** Smaller requests get a plain new buffer: malloc reuses small blocks well on its own. */
export const MIN_RECYCLED_BYTES = 1 << 16;
// A few buffers of a run's batch sizes are all that steady batches need; more would only be held.
const MAX_FREE = 4;
const MAX_HELD_BYTES = 16 << 20;

// Sizes are rounded up to four steps per power of two (2^k, 1.25·2^k, 1.5·2^k, 1.75·2^k): a
// buffer is at most 25% larger than asked for, and batches of about one size share buffers.
function classOf(bytes: number): number {
  const k = Math.max(16, 31 - Math.clz32(bytes - 1)); // 2^k < bytes ≤ 2^(k+1), or bytes ≤ 2^16
  const step = 2 ** (k - 2);
  return Math.min(2 ** (k + 1), Math.ceil(bytes / step) * step);
}

// Free buffers, smallest first.
const free: ArrayBuffer[] = [];
// Buffers this module handed out (so a foreign buffer is never taken in), and those now free
// (so a buffer given twice is not handed out twice).
const issued = new WeakSet<ArrayBuffer>();
const idle = new WeakSet<ArrayBuffer>();
let held = 0;

/** A byte buffer of at least `bytes` (its contents are not zeroed when it is reused). */
export function takeBytes(bytes: number): Uint8Array {
  return new Uint8Array(takeBuffer(bytes));
}

/** An ArrayBuffer of at least `bytes` (reused ones are not zeroed). */
export function takeBuffer(bytes: number): ArrayBuffer {
  if (bytes < MIN_RECYCLED_BYTES) return new ArrayBuffer(bytes);
  const size = classOf(bytes);
  // the smallest free buffer that fits, unless it is more than twice the size asked for
  for (let i = 0; i < free.length; i++) {
    const b = free[i]!;
    if (b.byteLength < size) continue;
    if (b.byteLength > 2 * size) break;
    free.splice(i, 1);
    idle.delete(b);
    held -= b.byteLength;
    return b;
  }
  const fresh = new ArrayBuffer(size);
  issued.add(fresh);
  return fresh;
}

/**
 * Hand back the buffer under `view` for reuse. The caller promises that nothing reads or writes it
 * afterwards. Buffers not from `takeBuffer`, shared, detached (transferred) or already free are
 * ignored; when the list is full, the smallest buffer is let go.
 */
export function giveBack(view: ArrayBufferView | undefined): void {
  if (view === undefined) return;
  const buf = view.buffer;
  if (!(buf instanceof ArrayBuffer) || !issued.has(buf) || idle.has(buf) || buf.byteLength === 0) return;
  const size = buf.byteLength;
  let i = 0;
  while (i < free.length && free[i]!.byteLength < size) i++;
  free.splice(i, 0, buf);
  idle.add(buf);
  held += size;
  while (free.length > MAX_FREE || held > MAX_HELD_BYTES) {
    const dropped = free.shift()!;
    idle.delete(dropped);
    held -= dropped.byteLength;
  }
}

/**
 * Take back as this module's own a buffer that was lent to a worker thread and has come back
 * (a transfer makes a new ArrayBuffer object over the same memory, which `issued` does not know).
 * The caller must be its only owner. Without this, every worker result is memory malloc'd on the
 * worker's thread and freed on this one: glibc keeps such memory in the worker's arena, and a
 * long parallel run's RSS grew by hundreds of MiB (text→.paths of 3M atoms on 2 threads: 70 → 372
 * MiB while parsing; flat on 1 thread).
 */
export function reclaim(view: ArrayBufferView): void {
  const buf = view.buffer;
  // only a size this module hands out: a buffer made elsewhere (a payload read from a file) is not one
  if (buf instanceof ArrayBuffer && buf.byteLength >= MIN_RECYCLED_BYTES && classOf(buf.byteLength) === buf.byteLength) issued.add(buf);
}

/** Buffers a worker task moved back (its inputs, lent buffers it did not use): this thread's again, free for reuse. */
export function takeBack(views: readonly ArrayBufferView[] | undefined): void {
  for (const v of views ?? []) {
    reclaim(v);
    giveBack(v);
  }
}

/** Bytes held free for reuse (for tests and `--profile`). */
export function heldBytes(): number {
  return held;
}
