/**
 * ACT lookup benchmark, one case for the bench harness:
 *   node dist/bench/act-lookup.js FILE.act [LOOKUPS=10000] [--seed N]
 * Prints ONE JSON line: open time (median of repeated opens), point lookups (existing and absent
 * paths; p50/p90/p99 µs), prefix walks (p50/p90/p99 µs, paths returned) and peak RSS.
 */
import { mulberry32 } from '../src/prng.js';
import { ActFile } from '../src/formats/act/index.js';
import type { PathArena } from '../src/path-arena.js';

const OPEN_REPEATS = 31;
// One lookup in ABSENT_EVERY is for a path that is not in the file (a mutated existing path).
const ABSENT_EVERY = 10;


function percentiles(samples: number[]): { p50: number; p90: number; p99: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => round(s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(s[s.length - 1] ?? 0) };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function micros(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1000;
}

function main(argv: string[]): void {
  const file = argv[0];
  if (file === undefined) {
    process.stderr.write('usage: act-lookup FILE.act [LOOKUPS=10000] [--seed N]\n');
    process.exitCode = 2;
    return;
  }
  const lookups = Number(argv[1] ?? 10000);
  const seedAt = argv.indexOf('--seed');
  const seed = seedAt >= 0 ? Number(argv[seedAt + 1]) : 42;
  const rand = mulberry32(seed);

  const openTimes: number[] = [];
  let act = ActFile.open(file);
  for (let i = 0; i < OPEN_REPEATS; i++) {
    const t = process.hrtime.bigint();
    act = ActFile.open(file);
    openTimes.push(micros(t));
  }

  // Sample existing paths (not timed): every path, kept as views of their batch arenas.
  const batches: PathArena[] = [];
  let atoms = 0;
  for (const b of act.paths()) {
    batches.push(b);
    atoms += b.count;
  }
  const pick = (): Uint8Array => {
    let k = Math.floor(rand() * atoms);
    for (const b of batches) {
      if (k < b.count) return b.viewPath(k);
      k -= b.count;
    }
    return new Uint8Array(0);
  };
  const probes: Uint8Array[] = [];
  for (let i = 0; i < lookups; i++) {
    const p = pick();
    if (i % ABSENT_EVERY === ABSENT_EVERY - 1) {
      const q = new Uint8Array(p.length + 1);
      q.set(p);
      q[p.length] = Math.floor(rand() * 256);
      probes.push(q);
    } else {
      probes.push(p);
    }
  }

  const lookupTimes: number[] = [];
  let found = 0;
  for (const p of probes) {
    const t = process.hrtime.bigint();
    if (act.has(p)) found++;
    lookupTimes.push(micros(t));
  }

  const prefixCount = Math.max(100, Math.floor(lookups / 10));
  const prefixTimes: number[] = [];
  const returned: number[] = [];
  for (let i = 0; i < prefixCount; i++) {
    const p = pick();
    // the back half of a path: selective prefixes, as queries use them
    const prefix = p.subarray(0, Math.ceil(p.length * (0.5 + rand() * 0.5)));
    const t = process.hrtime.bigint();
    let n = 0;
    for (const b of act.prefixPaths(prefix)) n += b.count;
    prefixTimes.push(micros(t));
    returned.push(n);
  }

  const report = {
    case: 'act-lookup',
    file,
    fileBytes: act.header.fileBytes,
    mapped: act.mapped,
    atoms,
    seed,
    openMicros: { median: percentiles(openTimes).p50, min: round(Math.min(...openTimes)), repeats: OPEN_REPEATS },
    lookups: { count: probes.length, found, micros: percentiles(lookupTimes) },
    prefix: { count: prefixCount, micros: percentiles(prefixTimes), pathsReturned: { total: returned.reduce((a, b) => a + b, 0), ...percentiles(returned) } },
    maxRssKiB: process.resourceUsage().maxRSS,
  };
  process.stdout.write(JSON.stringify(report) + '\n');
}

main(process.argv.slice(2));
