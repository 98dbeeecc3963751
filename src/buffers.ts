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

/** Buffers of one kind free for reuse, smallest first, with those it handed out and those now free. */
class FreeList<B extends ArrayBuffer | SharedArrayBuffer> {
  readonly #free: B[] = [];
  // handed out here (so a foreign buffer is never taken in), and free now (so a buffer given
  // twice is not handed out twice)
  readonly issued = new WeakSet<B>();
  readonly #idle = new WeakSet<B>();
  held = 0;
  constructor(
    readonly make: (size: number) => B,
    readonly maxFree: number,
    readonly maxHeld: number,
  ) {}

  take(bytes: number): B {
    if (bytes < MIN_RECYCLED_BYTES) return this.make(bytes);
    const size = classOf(bytes);
    // the smallest free buffer that fits, unless it is more than twice the size asked for
    for (let i = 0; i < this.#free.length; i++) {
      const b = this.#free[i]!;
      if (b.byteLength < size) continue;
      if (b.byteLength > 2 * size) break;
      this.#free.splice(i, 1);
      this.#idle.delete(b);
      this.held -= b.byteLength;
      return b;
    }
    const fresh = this.make(size);
    this.issued.add(fresh);
    return fresh;
  }

  /** Let every free buffer go. */
  drop(): void {
    for (const b of this.#free.splice(0)) this.#idle.delete(b);
    this.held = 0;
  }

  give(buf: B): void {
    if (!this.issued.has(buf) || this.#idle.has(buf) || buf.byteLength === 0) return;
    const size = buf.byteLength;
    let i = 0;
    while (i < this.#free.length && this.#free[i]!.byteLength < size) i++;
    this.#free.splice(i, 0, buf);
    this.#idle.add(buf);
    this.held += size;
    while (this.#free.length > this.maxFree || this.held > this.maxHeld) {
      const dropped = this.#free.shift()!;
      this.#idle.delete(dropped);
      this.held -= dropped.byteLength;
    }
  }
}

const plain = new FreeList<ArrayBuffer>((n) => new ArrayBuffer(n), MAX_FREE, MAX_HELD_BYTES);
/**
 * Buffers lent to worker threads without a transfer. A transfer detaches the buffer on the thread
 * that sends it, and V8 then checks for detached buffers in every typed array access of that
 * thread from then on (its "array buffer detaching" protector, invalidated for good): the printer
 * ran 1.10x, the ACT encoder 1.10x and the sort 1.18x slower in the same process after one
 * detach. Shared memory crosses without one; it is freed only once every thread that saw it has
 * collected its handle (workers seldom collect), so it is reused here, not let go: a list of its
 * own, with room for the buffers of the tasks in flight (a parse has 2 a thread out, each with 3
 * buffers of about its chunk's size), let go when that work ends (`dropSharedBuffers`).
 */
const shared = new FreeList<SharedArrayBuffer>((n) => new SharedArrayBuffer(n), 16, 32 << 20);

/** A byte buffer of at least `bytes` (its contents are not zeroed when it is reused). */
export function takeBytes(bytes: number): Uint8Array {
  return new Uint8Array(takeBuffer(bytes));
}

/** An ArrayBuffer of at least `bytes` (reused ones are not zeroed). */
export function takeBuffer(bytes: number): ArrayBuffer {
  return plain.take(bytes);
}

/** A SharedArrayBuffer of at least `bytes`, to lend to a worker without a transfer (see `shared`); `giveBack` takes it back. */
export function takeSharedBuffer(bytes: number): SharedArrayBuffer {
  return shared.take(bytes);
}

/** Let the free shared buffers go, once the work that lent them is over (they are of no use to the rest of a run). */
export function dropSharedBuffers(): void {
  shared.drop();
}

/**
 * Hand back the buffer under `view` for reuse. The caller promises that nothing reads or writes it
 * afterwards (no worker either). Buffers not from `takeBuffer` or `takeSharedBuffer` (a shared
 * buffer that came back from a worker is a new object over the same memory, not one of these),
 * detached (transferred) or already free are ignored; when the list is full, the smallest buffer
 * is let go.
 */
export function giveBack(view: ArrayBufferView | undefined): void {
  if (view === undefined) return;
  const buf = view.buffer;
  if (buf instanceof ArrayBuffer) plain.give(buf);
  else if (buf instanceof SharedArrayBuffer) shared.give(buf);
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
  if (buf instanceof ArrayBuffer && buf.byteLength >= MIN_RECYCLED_BYTES && classOf(buf.byteLength) === buf.byteLength) plain.issued.add(buf);
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
  return plain.held + shared.held;
}
