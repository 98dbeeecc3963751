/**
 * Shards: one host's share of a space, so that N hosts convert a space together without talking to
 * each other (docs/shards.md). Shard K of N (1-based) holds the paths ranked
 * [⌊(K−1)·n/N⌋, ⌊K·n/N⌋) in the space's order, n its distinct paths: the boundaries depend on the
 * space's bytes alone, every shard is a range of the order (the shards in order concatenate to the
 * space), and their sizes differ by at most one path. Knowing n takes one pass over the space
 * (MTTS says it in its metadata), so a sharded run reads its input twice.
 */
import { ErrorCode, UsageError } from './errors.js';
import { PathArena } from './path-arena.js';
import type { Stage } from './pipeline.js';
import { withBatches } from './space.js';

/** Shard `index` (1-based) of `count`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** Parse `K/N` (1 ≤ K ≤ N). @throws UsageError. */
export function parseShard(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(count) && index >= 1 && index <= count)) {
    throw new UsageError(ErrorCode.Usage, `--shard takes K/N with 1 ≤ K ≤ N (shard K of N), got '${text}'`);
  }
  return { index, count };
}

/** The ranks `[lo, hi)` of shard `spec` in a space of `n` paths. */
export function shardRange(spec: ShardSpec, n: number): { lo: number; hi: number } {
  // exact in floating point up to 2^53 / N paths: far past any space
  return { lo: Math.floor(((spec.index - 1) * n) / spec.count), hi: Math.floor((spec.index * n) / spec.count) };
}

/** A stage that keeps the paths ranked `[lo, hi)` of a sorted, unique space, and stops reading at `hi`. */
export function shardStage(lo: number, hi: number): Stage {
  return (space) =>
    withBatches(
      space,
      (async function* () {
        let base = 0;
        for await (const b of space.batches) {
          const from = Math.max(lo, base) - base;
          const to = Math.min(hi, base + b.count) - base;
          base += b.count;
          if (from <= 0 && to >= b.count) yield b;
          else if (from < to) yield slice(b, from, to);
          if (base >= hi) return;
        }
      })(),
    );
}

function slice(b: PathArena, from: number, to: number): PathArena {
  const s = b.start(from);
  const out = new PathArena(b.end(to - 1) - s + 1, to - from);
  for (let i = from; i < to; i++) out.push(b.bytes, b.start(i), b.end(i));
  return out;
}
