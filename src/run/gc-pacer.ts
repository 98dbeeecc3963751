/**
 * Collections paced by the bytes a run moves. V8 frees an ArrayBuffer's memory only when it
 * collects the object, and it lets such off-heap garbage grow by tens of MiB before it does: a
 * run that makes a few MiB of buffers per batch (arenas, records, compressed pieces, output chunks,
 * many made inside Node's zlib, beyond our reach) peaks at its live memory plus that slack, and a
 * longer run comes closer to the full slack. Measured at 1M vs 3M atoms, peak RSS: ACT→.paths 142 →
 * 161 MiB, .paths→ACT 139 → 183, .paths→text 115 → 138; with a full collection every 100 ms, 108 →
 * 120 and 110 → 135 (the rest is ACT's line index, which grows with the distinct lines by design).
 *
 * So a run asks V8 for a full collection after every `everyBytes` of batches read and bytes written
 * (by default 1/512 of the run's memory budget, at least 16 MiB: `gcPaceFor` in context.ts). Collections cost more than their pause suggests (caches and optimized code are
 * lost): MTTS→text at 1M atoms, against no pacing, was 17% slower at 8 MiB with the pool's workers
 * paced too, 9% at 8 MiB on the main thread only, 7% at 16 MiB (peak 184 → 156 MiB), 3% at 32 MiB
 * (→ 163 MiB, and the 3M peaks grew back). Workers are not paced. Less garbage, not more
 * collections, is the lasting fix (buffers.ts). The collector comes from a fresh V8 context with `--expose-gc` set, so the process's
 * own global `gc` is left as it was.
 *
 * Between two full collections, a minor one (a scavenge of the young generation) runs after every
 * `minorEveryBytes`, 8 MiB by default. Why: our loops allocate almost no JS objects (batches, not an
 * object per atom), so V8's young generation fills, and is scavenged, rarely; a buffer made and let
 * go meanwhile (Node's zlib makes its inflated and deflated chunks, 38 MB of them for a 1M-atom
 * .paths read) waits for that scavenge or for a full collection, and glibc's heap holds it. A
 * scavenge frees the young ones in about a millisecond. Measured (smaps sampled every 10 ms), peak
 * RSS of .paths → text on one thread 92 → 85 MiB at 1M atoms and 113 → 91 at 3M, .paths → MTTS
 * 178 → 166 and 194 → 189; interleaved whole runs at 1M 1.01x the time for .paths → text and 1.00x
 * for MTTS → text. Every 4 MiB saved a little more and cost 1.05x; every 16 MiB saved nothing.
 */
import { createRequire } from 'node:module';

/** The shortest default pace (bytes of batches between two collections): a budget of 8 GiB or less. */
export const DEFAULT_GC_EVERY_BYTES = 16 << 20;
/** Bytes between two minor collections (scavenges) by default (see the module comment). */
export const DEFAULT_MINOR_GC_EVERY_BYTES = 8 << 20;

let collector: (() => void) | null | undefined;

/** V8's full collection, or null where it cannot be had (it is then simply not paced). */
export function fullCollection(): (() => void) | null {
  if (collector !== undefined) return collector;
  collector = null;
  try {
    const own = (globalThis as { gc?: unknown }).gc;
    if (typeof own === 'function') collector = own as () => void;
    else {
      // node:v8 and node:vm load here, on the first paced run, not when every command starts
      const require = createRequire(import.meta.url);
      const v8 = require('node:v8') as typeof import('node:v8');
      const vm = require('node:vm') as typeof import('node:vm');
      v8.setFlagsFromString('--expose-gc');
      const gc: unknown = vm.runInNewContext('gc');
      if (typeof gc === 'function') collector = gc as () => void;
    }
  } catch {
    collector = null;
  }
  return collector;
}

/** Counts bytes and collects each time `everyBytes` more have passed (scavenges each `minorEveryBytes`). */
export class GcPacer {
  readonly #every: number;
  readonly #minorEvery: number;
  readonly #paced: boolean;
  #since = 0;
  #sinceMinor = 0;
  /** Collections made. */
  collections = 0;
  /** Minor collections (scavenges) made. */
  minorCollections = 0;

  /** `everyBytes` 0 (or not finite) turns pacing off, minor collections too. */
  constructor(everyBytes: number, minorEveryBytes = DEFAULT_MINOR_GC_EVERY_BYTES) {
    this.#every = everyBytes;
    this.#paced = everyBytes > 0 && Number.isFinite(everyBytes);
    this.#minorEvery = this.#paced && minorEveryBytes > 0 && minorEveryBytes < everyBytes ? minorEveryBytes : Infinity;
  }

  /** `bytes` more have passed. */
  passed(bytes: number): void {
    if (!this.#paced) return;
    this.#since += bytes;
    if (this.#since >= this.#every) {
      this.collect();
      return;
    }
    this.#sinceMinor += bytes;
    if (this.#sinceMinor >= this.#minorEvery) this.#scavenge();
  }

  /** Collect now (a large buffer was just let go), and count afresh. */
  collect(): void {
    // the collector is fetched at the first collection, not when the run starts: making its V8
    // context was 2.3 ms of a small `inspect`'s profile, a command that never collects
    const gc = this.#paced ? fullCollection() : null;
    if (gc === null) return;
    this.#since = 0;
    this.#sinceMinor = 0;
    this.collections++;
    gc();
  }

  #scavenge(): void {
    const gc = fullCollection();
    if (gc === null) return;
    this.#sinceMinor = 0;
    this.minorCollections++;
    (gc as (options: { type: 'minor' }) => void)({ type: 'minor' });
  }
}
