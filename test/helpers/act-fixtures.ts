/** Shared helpers for the ACT and query tests: golden files, seeded randomness, arena comparison. */
export { mulberry32, testSeed } from './random.js';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PathArena } from '../../src/path-arena.js';
import { sortUniqueArena } from '../../src/sort.js';
import { parseText } from '../../src/expr/parser.js';

/** The repository root (tests run from dist/test). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const GOLDEN = path.join(ROOT, 'fixtures/upstream/pathmap-golden');
export const BIG_LOGIC_PATHS = path.join(ROOT, 'fixtures/upstream/big_logic.metta.paths');
export const CLI = path.join(ROOT, 'bin/morkspace.js');

/** Names of the golden cases that have a `.raw` input. */
export function goldenCases(): string[] {
  return fs
    .readdirSync(GOLDEN)
    .filter((f) => f.endsWith('.raw'))
    .map((f) => f.slice(0, -4))
    .sort();
}

/** A golden `.raw` file (records `[u32 LE length][bytes]`) as an arena, in file order. */
export function readRaw(name: string): PathArena {
  const raw = fs.readFileSync(path.join(GOLDEN, `${name}.raw`));
  const arena = new PathArena();
  let p = 0;
  while (p < raw.length) {
    const n = raw.readUInt32LE(p);
    arena.push(raw, p + 4, p + 4 + n);
    p += 4 + n;
  }
  return arena;
}


/** A random set of binary paths, sorted and unique: empty path, shared prefixes, long runs. */
export function randomBinarySpace(rand: () => number, count: number): PathArena {
  const arena = new PathArena();
  const alphabet = 1 + Math.floor(rand() * 255);
  const pool: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    let p: Uint8Array;
    const r = rand();
    if (r < 0.02) p = new Uint8Array(0);
    else if (r < 0.5 && pool.length > 0) {
      // extend or cut a previous path: prefixes and shared runs
      const base = pool[Math.floor(rand() * pool.length)]!;
      const cut = Math.floor(rand() * (base.length + 1));
      const extra = Math.floor(rand() * 6);
      p = new Uint8Array(cut + extra);
      p.set(base.subarray(0, cut));
      for (let k = cut; k < p.length; k++) p[k] = Math.floor(rand() * alphabet);
    } else {
      const len = rand() < 0.03 ? 240 + Math.floor(rand() * 4200) : Math.floor(rand() * 12);
      p = new Uint8Array(len);
      for (let k = 0; k < len; k++) p[k] = rand() < 0.7 ? Math.floor(rand() * 4) : Math.floor(rand() * 256);
    }
    pool.push(p);
    arena.push(p);
  }
  return sortUniqueArena(arena);
}

/** A random set of MORK expressions (parsed from generated MeTTa text), sorted and unique. */
export function randomExpressionSpace(rand: () => number, count: number): PathArena {
  const symbols = ['a', 'b', 'parent', 'Alice', 'Bob', '=', 'f', 'g', 'axiom', 'λ'];
  const vars = ['$x', '$y', '$z'];
  const item = (depth: number): string => {
    const r = rand();
    if (depth < 3 && r < 0.35) {
      const n = Math.floor(rand() * 4);
      return `(${Array.from({ length: n }, () => item(depth + 1)).join(' ')})`;
    }
    if (r < 0.55) return vars[Math.floor(rand() * vars.length)]!;
    return symbols[Math.floor(rand() * symbols.length)]!;
  };
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(`(${item(0)} ${item(1)} ${item(1)})`);
  return sortUniqueArena(parseText(lines.join('\n')));
}

/** All batches of an iterable, in one arena. */
export function collectSync(batches: Iterable<PathArena>): PathArena {
  const all = new PathArena();
  for (const b of batches) all.pushAll(b);
  return all;
}

/** The paths of an arena as hex strings (for readable deep-equal failures). */
export function hexList(arena: PathArena): string[] {
  const out: string[] = [];
  for (let i = 0; i < arena.count; i++) out.push(Buffer.from(arena.viewPath(i)).toString('hex'));
  return out;
}
