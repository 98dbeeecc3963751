/**
 * Stage timings for `--profile` and progress: a closed list of stage names, and a probe that
 * records what went through each. A run without a probe pays nothing (the stages are not wrapped).
 *
 * Each stage boundary is metered inclusively (the time spent inside the stage's `next()`, which
 * includes waiting on the stages before it); a stage's own time is its inclusive time minus that of
 * the stage it reads from. The writer works between its `next()` calls, so its own time is the
 * run's minus the time it waited for batches (`profile`), and the stages add up to the run.
 */
import type { PathArena } from '../path-arena.js';

/**
 * The stages a run can report, in pipeline order. `symbols` is `--intern`'s symbol pass, a read of
 * the whole input before the batches flow: not upstream of `read` in the pull chain, so its time
 * is its own (`record` it with its whole time) and nothing is netted against it. `transform` is
 * `--pattern`/`--template`: the match, the rewrite and the rewrite's own sort (its spill and merge
 * parts are counted with the sort's).
 */
export const STAGES = ['symbols', 'read', 'sort', 'transform', 'write'] as const;
export type StageName = (typeof STAGES)[number];

/**
 * Parts of a stage's own time that are measured apart, on the run's own thread (work done on the
 * pool's workers is not in them): decompressing (MTTS chunks decoded on this thread; the wait for
 * zlib's inflate of `.paths`), parsing text, the sort's spilling of sorted runs and its merging of
 * them, the writer's encoding (ACT nodes, MTTS chunks coded on this thread, text printed), compressing (the wait
 * for `.paths`' deflate pieces), hashing (MTTS's BLAKE3) and output I/O (the wait on the sink).
 */
export const PARTS = { decompress: 'read', parse: 'read', spill: 'sort', merge: 'sort', encode: 'write', compress: 'write', hash: 'write', output: 'write' } as const satisfies Record<string, StageName>;
export type PartName = keyof typeof PARTS;

/** A part of a stage's time (`PARTS`): what it took, and the bytes through it (path bytes, or bytes written). */
export interface PartFigures {
  name: PartName;
  ms: number;
  bytes: number;
}

/** What one stage did. */
export interface StageFigures {
  name: StageName;
  /** Milliseconds spent in the stage itself (not waiting on the stage before it). */
  ms: number;
  /** Path bytes that came out of it. */
  bytes: number;
  /** Paths that came out of it. */
  atoms: number;
  /** Parts of `ms` measured apart, when the stage had any. */
  parts?: PartFigures[];
}

/** Receives stage figures as they grow. */
export interface Probe {
  /** `ms` inclusive of the stages before; `bytes`/`atoms` that left the stage in this step. */
  record(stage: StageName, inclusiveMs: number, bytes: number, atoms: number): void;
  /** `ms` more of part `name` of a stage's own time, `bytes` through it. */
  part?(name: PartName, ms: number, bytes: number): void;
}

/** Time the synchronous `work` as part `name` on `probe` (a clock read twice with one, nothing without). */
export function timedPartSync<T>(probe: Probe | undefined, name: PartName, bytes: number, work: () => T): T {
  if (probe?.part === undefined) return work();
  const t = performance.now();
  try {
    return work();
  } finally {
    probe.part(name, performance.now() - t, bytes);
  }
}

/** Time `work` as part `name` on `probe` (nothing to pay without one). */
export async function timedPart<T>(probe: Probe | undefined, name: PartName, bytes: number, work: () => Promise<T>): Promise<T> {
  if (probe?.part === undefined) return work();
  const t = performance.now();
  try {
    return await work();
  } finally {
    probe.part(name, performance.now() - t, bytes);
  }
}

/** A probe that keeps the figures, for a profile at the end of the run. */
export class RecordingProbe implements Probe {
  readonly #inclusive = new Map<StageName, StageFigures>();
  readonly #parts = new Map<PartName, PartFigures>();

  part(name: PartName, ms: number, bytes: number): void {
    let f = this.#parts.get(name);
    if (f === undefined) this.#parts.set(name, (f = { name, ms: 0, bytes: 0 }));
    f.ms += ms;
    f.bytes += bytes;
  }

  record(stage: StageName, inclusiveMs: number, bytes: number, atoms: number): void {
    let f = this.#inclusive.get(stage);
    if (f === undefined) this.#inclusive.set(stage, (f = { name: stage, ms: 0, bytes: 0, atoms: 0 }));
    f.ms += inclusiveMs;
    f.bytes += bytes;
    f.atoms += atoms;
  }

  /** Per-stage figures in pipeline order, each stage's time net of the stage before it. */
  stages(): StageFigures[] {
    const out: StageFigures[] = [];
    let before = 0;
    for (const name of STAGES) {
      const f = this.#inclusive.get(name);
      if (f === undefined) continue;
      if (name === 'symbols') {
        out.push({ ...f });
        continue;
      }
      out.push({ ...f, ms: Math.max(0, f.ms - before) });
      before = f.ms;
    }
    return out;
  }

  /**
   * The run's profile once it took `totalMs`: read and sort as `stages` has them, and the writer's
   * own time (encoding, compressing, writing: whatever it did while not waiting for a batch) as the
   * rest, so the stages add up to the total.
   */
  profile(totalMs: number): StageFigures[] {
    const out = this.stages().filter((f) => f.name !== 'write');
    const waited = this.#inclusive.get('write');
    const write = waited ?? { name: 'write' as const, ms: 0, bytes: 0, atoms: 0 };
    // the writer did not wait through a symbol pass: it ran before the writer asked for anything
    const before = this.#inclusive.get('symbols')?.ms ?? 0;
    out.push({ ...write, ms: Math.max(0, totalMs - (waited?.ms ?? 0) - before) });
    // what the stages before the writer did while the writer waited, beyond what they report
    const inStages = out.reduce((t, f) => t + f.ms, 0);
    if (inStages < totalMs && out.length > 1) out[out.length - 2]!.ms += totalMs - inStages;
    return out.map((f) => {
      const parts = (Object.keys(PARTS) as PartName[]).filter((n) => PARTS[n] === f.name && this.#parts.has(n)).map((n) => this.#parts.get(n)!);
      return parts.length > 0 ? { ...f, parts } : f;
    });
  }
}

/** `batches`, metered as `stage` when the run has a probe (else `batches` itself). */
export function metered(batches: AsyncIterable<PathArena>, stage: StageName, probe: Probe | undefined): AsyncIterable<PathArena> {
  if (probe === undefined) return batches;
  return timed(batches, (ms, b) => probe.record(stage, ms, b?.byteLength ?? 0, b?.count ?? 0));
}

/** `batches`, the time spent getting each counted as part `name` when the run's probe takes parts. */
export function meteredPart(batches: AsyncIterable<PathArena>, name: PartName, probe: Probe | undefined): AsyncIterable<PathArena> {
  if (probe?.part === undefined) return batches;
  return timed(batches, (ms, b) => probe.part!(name, ms, b?.byteLength ?? 0));
}

/** `items`, with the time of each `next()` handed to `step` (with the item, or undefined at the end). */
export function timed<T>(items: AsyncIterable<T>, step: (ms: number, item: T | undefined) => void): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      const it = items[Symbol.asyncIterator]();
      try {
        for (;;) {
          const t = performance.now();
          const r = await it.next();
          step(performance.now() - t, r.done === true ? undefined : r.value);
          if (r.done === true) return;
          yield r.value;
        }
      } finally {
        await it.return?.();
      }
    },
  };
}
