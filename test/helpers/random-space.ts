/** Seeded random path sets for round-trip tests (mulberry32, as protobuf-es's bench fixtures). */
import { mulberry32, testSeed } from './random.js';
import { PathArena } from '../../src/path-arena.js';
import { sortUniqueArena } from '../../src/sort.js';

/** The seed for this run: `MORKSPACE_SEED` replays one, else a fixed default. */
export const SEED = testSeed(0x5eed);


/** Options of `randomSpace`. */
export interface RandomSpaceOptions {
  paths: number;
  /** Include the empty path. */
  empty?: boolean;
  /** Lengths of extra long paths to include. */
  longPaths?: number[];
  /** Random bytes (incompressible) instead of structured, prefix-sharing paths. */
  noise?: boolean;
}

/** A space (sorted, unique) of random paths: shared prefixes, a small alphabet, some binary bytes. */
export function randomSpace(seed: number, o: RandomSpaceOptions): PathArena {
  const rand = mulberry32(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const a = new PathArena();
  const stems: Uint8Array[] = [];
  for (let i = 0; i < 16; i++) stems.push(Uint8Array.from({ length: 1 + int(24) }, () => (o.noise ? int(256) : 0x61 + int(6))));
  for (let i = 0; i < o.paths; i++) {
    if (o.noise) {
      a.push(Uint8Array.from({ length: 1 + int(200) }, () => int(256)));
      continue;
    }
    const parts: number[] = [];
    const n = 1 + int(4);
    for (let k = 0; k < n; k++) {
      parts.push(...stems[int(stems.length)]!);
      if (rand() < 0.3) parts.push(int(256));
    }
    a.push(Uint8Array.from(parts));
  }
  if (o.empty) a.push(new Uint8Array(0));
  for (const len of o.longPaths ?? []) a.push(Uint8Array.from({ length: len }, (_, k) => (k * 7 + len) & 0xff));
  return sortUniqueArena(a);
}

/** Every path of an arena as hex strings (for deepEqual with a readable diff). */
export function pathList(a: PathArena): string[] {
  const out: string[] = [];
  for (let i = 0; i < a.count; i++) out.push(Buffer.from(a.viewPath(i)).toString('hex'));
  return out;
}

/** Split an arena into batches of `n` paths (copies). */
export function batches(a: PathArena, n: number): PathArena[] {
  const out: PathArena[] = [];
  for (let i = 0; i < a.count; i += n) {
    const b = new PathArena();
    for (let k = i; k < Math.min(a.count, i + n); k++) b.push(a.viewPath(k));
    out.push(b);
  }
  return out;
}
