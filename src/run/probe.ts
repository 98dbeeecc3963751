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

/** The stages a run can report, in pipeline order. */
export const STAGES = ['read', 'sort', 'write'] as const;
export type StageName = (typeof STAGES)[number];

/** What one stage did. */
export interface StageFigures {
  name: StageName;
  /** Milliseconds spent in the stage itself (not waiting on the stage before it). */
  ms: number;
  /** Path bytes that came out of it. */
  bytes: number;
  /** Paths that came out of it. */
  atoms: number;
}

/** Receives stage figures as they grow. */
export interface Probe {
  /** `ms` inclusive of the stages before; `bytes`/`atoms` that left the stage in this step. */
  record(stage: StageName, inclusiveMs: number, bytes: number, atoms: number): void;
}

/** A probe that keeps the figures, for a profile at the end of the run. */
export class RecordingProbe implements Probe {
  readonly #inclusive = new Map<StageName, StageFigures>();

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
    out.push({ ...write, ms: Math.max(0, totalMs - (waited?.ms ?? 0)) });
    // what the stages before the writer did while the writer waited, beyond what they report
    const inStages = out.reduce((t, f) => t + f.ms, 0);
    if (inStages < totalMs && out.length > 1) out[out.length - 2]!.ms += totalMs - inStages;
    return out;
  }
}

/** `batches`, metered as `stage` when the run has a probe (else `batches` itself). */
export function metered(batches: AsyncIterable<PathArena>, stage: StageName, probe: Probe | undefined): AsyncIterable<PathArena> {
  if (probe === undefined) return batches;
  return {
    async *[Symbol.asyncIterator]() {
      const it = batches[Symbol.asyncIterator]();
      try {
        for (;;) {
          const t = performance.now();
          const r = await it.next();
          if (r.done) {
            probe.record(stage, performance.now() - t, 0, 0);
            return;
          }
          probe.record(stage, performance.now() - t, r.value.byteLength, r.value.count);
          yield r.value;
        }
      } finally {
        await it.return?.();
      }
    },
  };
}
