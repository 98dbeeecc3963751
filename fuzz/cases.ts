/**
 * The fuzz cases: for each target (a reader), seed files written by our writers and by upstream
 * (the shipped fixtures), and a case for each index, derived from (seed, index) alone: a mutation
 * of one seed file and the chunk size it is fed in. The same (target, seed, index) is the same case
 * on every host, so a finding is replayed by its three numbers (`npm run fuzz -- --replay …`).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compareBytes, concatBytes } from '../src/bytes.js';
import { mulberry32 } from '../src/prng.js';
import { generateJsonlChunks, generateSpace } from '../src/synthetic.js';
import { encodeAct, encodeMtts, encodePaths, parseText, sortUniqueArena, type PathArena } from '../src/index.js';

/** The readers the harness drives. `sniff` reads through format detection, as the CLI does. */
export const TARGETS = ['text', 'paths', 'act', 'mtts', 'json', 'sniff'] as const;
export type Target = (typeof TARGETS)[number];

/** One case: the bytes, how they are fed, and what was done to them. */
export interface FuzzCase {
  bytes: Uint8Array;
  /** Bytes per chunk fed to a streaming reader (0: the whole input at once). */
  chunk: number;
  /** The seed file it came from. */
  seedFile: string;
  /** What was done to the seed file (`none`: the seed as it is). */
  mutation: string;
  /** True when `bytes` differ from the seed file. */
  mutated: boolean;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// Text a generated space does not have: nesting, strings with escapes, variables, comments, CRs.
const HANDWRITTEN = [
  '(= (fact $n) (if (== $n 0) 1 (* $n (fact (- $n 1)))))\n; a comment\n(isa "a \\"quoted\\" string" thing)\n',
  '((((((((a))))))))\n(x $y $y $z)\n(: Nat Type)\r\n(unit)\n()\n',
  '(rule (edge $a $b) (edge $b $c) (path $a $c))\n(edge n1 n2)\n(edge n2 n3)\n',
];

type SeedFiles = Record<Target, { name: string; bytes: Uint8Array }[]>;
let made: Promise<SeedFiles> | undefined;

/** The seed files of each target, in a fixed order (made once per thread). */
export function seedFiles(): Promise<SeedFiles> {
  made ??= makeSeedFiles();
  return made;
}

async function makeSeedFiles(): Promise<SeedFiles> {
  const text = [generateSpace(200, 1), generateSpace(60, 2), ...HANDWRITTEN].map((t, i) => ({ name: `text-${i}`, bytes: new TextEncoder().encode(t) }));
  const spaces: { name: string; arena: PathArena }[] = text.map((t) => ({ name: t.name, arena: sortUniqueArena(parseText(t.bytes)) }));
  const bigLogic = readFileSync(`${ROOT}fixtures/upstream/big_logic.metta.paths`);
  const golden = `${ROOT}fixtures/upstream/pathmap-golden/`;
  const goldenAct = readdirSync(golden).filter((f) => f.endsWith('.act')).sort().map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(golden + f)) }));
  const goldenPaths = readdirSync(golden).filter((f) => f.endsWith('.paths')).sort().map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(golden + f)) }));
  const ours = `${ROOT}fixtures/mtts/`;
  const mtts: { name: string; bytes: Uint8Array }[] = readdirSync(ours).sort().map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(ours + f)) }));
  for (const [k, compression] of (['lz4', 'deflate', 'none', 'brotli'] as const).entries()) {
    const s = spaces[k % spaces.length]!;
    mtts.push({ name: `${s.name}.${compression}.mtts`, bytes: await encodeMtts(s.arena, { compression, chunkBytes: 2048, meta: { seed: s.name } }) });
  }
  const paths = [{ name: 'big_logic.metta.paths', bytes: new Uint8Array(bigLogic) }, ...goldenPaths, ...spaces.map((s) => ({ name: `${s.name}.paths`, bytes: encodePaths(s.arena) }))];
  const act = [...goldenAct, ...spaces.map((s) => ({ name: `${s.name}.act`, bytes: encodeAct(s.arena) }))];
  const json = [
    '{"name": "New York", "pop": 8.3e6, "tags": ["a", "b"], "nested": {"deep": [[1, 2.50, -0], {}, []]}}',
    '[true, false, null, "esc \\" \\\\ \\/ \\b \\f \\n \\r \\t", "\\u00e9\\ud83d\\ude00", 18446744073709551616, 1e-7, ""]',
    [...generateJsonlChunks(40, 3)].join(''),
  ].map((t, i) => ({ name: `json-${i}`, bytes: new TextEncoder().encode(t) }));
  return { text, paths, act, mtts, json, sniff: [...text, ...paths.slice(0, 3), ...act.slice(0, 3), ...mtts.slice(0, 3)] };
}

const INTERESTING = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x28, 0x29, 0x24, 0x22, 0x0a];
const CHUNKS = [0, 0, 1, 7, 4096];

/** Case `index` of `seed` over `files` (one target's seed files). */
export function caseAt(files: readonly { name: string; bytes: Uint8Array }[], seed: number, index: number): FuzzCase {
  const rand = mulberry32((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const int = (n: number): number => Math.floor(rand() * n);
  const seedFile = files[int(files.length)]!;
  const src = seedFile.bytes;
  const chunkPick = int(CHUNKS.length + 1);
  const chunk = chunkPick < CHUNKS.length ? CHUNKS[chunkPick]! : 1 + int(65536);
  const n = src.length;
  let bytes: Uint8Array;
  let mutation: string;
  switch (int(8)) {
    case 0: {
      const at = int(n + 1);
      bytes = src.slice(0, at);
      mutation = `cut at ${at}`;
      break;
    }
    case 1: {
      bytes = src.slice();
      const flips = 1 + int(4);
      const at: number[] = [];
      for (let k = 0; k < flips && n > 0; k++) {
        const p = int(n);
        bytes[p] = int(256);
        at.push(p);
      }
      mutation = `bytes at ${at.join(', ')} changed`;
      break;
    }
    case 2: {
      bytes = src.slice();
      const p = int(Math.max(1, n));
      if (n > 0) bytes[p] = INTERESTING[int(INTERESTING.length)]!;
      mutation = `byte ${p} set to 0x${(bytes[p] ?? 0).toString(16)}`;
      break;
    }
    case 3: {
      const p = int(n + 1);
      const extra = Uint8Array.from({ length: 1 + int(16) }, () => int(256));
      bytes = concatBytes([src.subarray(0, p), extra, src.subarray(p)]);
      mutation = `${extra.length} bytes inserted at ${p}`;
      break;
    }
    case 4: {
      const p = int(n + 1);
      const len = int(Math.min(64, n - p) + 1);
      bytes = concatBytes([src.subarray(0, p), src.subarray(p + len)]);
      mutation = `${len} bytes removed at ${p}`;
      break;
    }
    case 5: {
      const from = int(n + 1);
      const len = int(Math.min(256, n - from) + 1);
      const to = int(n + 1);
      bytes = concatBytes([src.subarray(0, to), src.subarray(from, from + len), src.subarray(to)]);
      mutation = `${len} bytes from ${from} repeated at ${to}`;
      break;
    }
    case 6: {
      // a length or offset field made huge: a u32 or u64 of all ones, or 2^63
      bytes = src.slice();
      const width = int(2) === 0 ? 4 : 8;
      const p = int(Math.max(1, n - width + 1));
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (p + width <= n) {
        if (width === 4) v.setUint32(p, 0xffffffff, true);
        else v.setBigUint64(p, int(2) === 0 ? 0xffffffffffffffffn : 1n << 63n, true);
      }
      mutation = `u${width * 8} at ${p} set huge`;
      break;
    }
    default:
      bytes = src.slice();
      mutation = 'none';
  }
  return { bytes, chunk, seedFile: seedFile.name, mutation, mutated: compareBytes(bytes, src) !== 0 };
}
