import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { scanExpression } from '../src/expr/encoding.js';
import { parseText } from '../src/expr/parser.js';
import { PathArena } from '../src/path-arena.js';
import { sortUniqueArena } from '../src/sort.js';
import { StatsCollector } from '../src/stats.js';
import { mulberry32, testSeed } from './helpers/act-fixtures.js';

// A space whose atoms share long prefixes and symbols (few heads, a vocabulary of a few hundred).
function space(rand: () => number, count: number): PathArena {
  const vocabulary = Array.from({ length: 300 }, (_, k) => `s${k.toString(36)}${'x'.repeat(k % 7)}`);
  const pick = (): string => vocabulary[Math.floor(rand() ** 2 * vocabulary.length)]!;
  const item = (depth: number): string => (depth < 2 && rand() < 0.3 ? `(${pick()} ${item(depth + 1)} ${item(depth + 1)})` : rand() < 0.15 ? '$x' : pick());
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(`(${['isa', 'parent', 'edge', pick()][Math.floor(rand() * 4)]} ${item(1)} ${item(1)})`);
  return sortUniqueArena(parseText(lines.join('\n')));
}

// The same figures the slow way: a string per symbol, every symbol of every atom.
function naive(a: PathArena): { symbols: number; heads: Map<string, number>; arity: Map<number, number> } {
  const symbols = new Set<string>();
  const heads = new Map<string, number>();
  const arity = new Map<number, number>();
  for (let i = 0; i < a.count; i++) {
    const s = a.start(i);
    const e = a.end(i);
    const b = a.bytes;
    scanExpression(b, s, e, (x, y) => symbols.add(Buffer.from(b.subarray(x, y)).toString('latin1')), (n) => arity.set(n, (arity.get(n) ?? 0) + 1));
    if (b[s + 1]! > 0xc0) {
      const head = Buffer.from(b.subarray(s + 2, s + 2 + (b[s + 1]! & 0x3f))).toString('utf8');
      heads.set(head, (heads.get(head) ?? 0) + 1);
    }
  }
  return { symbols: symbols.size, heads, arity };
}

// `a` cut into batches at random points (a batch boundary loses the shared prefix).
function batches(a: PathArena, rand: () => number): PathArena[] {
  const out: PathArena[] = [];
  for (let i = 0; i < a.count; ) {
    const n = Math.min(a.count - i, 1 + Math.floor(rand() * 300));
    const b = new PathArena();
    for (let k = i; k < i + n; k++) b.push(a.bytes, a.start(k), a.end(k));
    out.push(b);
    i += n;
  }
  return out;
}

describe('space statistics', () => {
  test('when a sorted space is read in batches of any size, then its symbols, heads and arities are counted as one string per symbol would count them', () => {
    const rand = mulberry32(testSeed(0x57a7));
    for (let round = 0; round < 4; round++) {
      const a = space(rand, 3000);
      const want = naive(a);
      const c = new StatsCollector();
      for (const b of batches(a, rand)) c.add(b);
      const got = c.result();
      assert.equal(got.atoms, a.count);
      assert.equal(got.distinctSymbols, want.symbols);
      assert.equal(got.heads.distinct, want.heads.size);
      const top = [...want.heads].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, 10);
      assert.deepEqual(got.heads.top, top.map(([head, atoms]) => ({ head, atoms })));
      assert.deepEqual(got.arity, Object.fromEntries([...want.arity].sort((x, y) => x[0] - y[0]).map(([k, v]) => [String(k), v])));
    }
  });

  test('when the space is not sorted, then every symbol is still counted once', () => {
    const rand = mulberry32(testSeed(0x57a8));
    const a = space(rand, 2000);
    // reversed: shared prefixes still occur, but nothing relies on order
    const r = new PathArena();
    for (let i = a.count - 1; i >= 0; i--) r.push(a.bytes, a.start(i), a.end(i));
    const c = new StatsCollector();
    c.add(r);
    assert.equal(c.result().distinctSymbols, naive(a).symbols);
  });
});
