import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PathArena, compareBytes, isStrictlySorted, sortUniqueArena, sortedOrder } from '../src/index.js';
import { Rng, randomPaths, testSeed } from './helpers/random.js';

test('sorting puts paths in unsigned byte order, shorter prefix first, and is stable', () => {
  const seed = testSeed();
  const rng = new Rng(seed);
  for (let round = 0; round < 30; round++) {
    const paths = randomPaths(rng, rng.int(0, 2000));
    // long shared prefixes exercise the one-bucket fast path
    if (rng.chance(0.3)) for (let i = 0; i < 50; i++) paths.push(new Uint8Array([...new Uint8Array(300).fill(9), ...rng.bytes(rng.int(0, 3))]));
    const arena = PathArena.from(paths);
    const order = sortedOrder(arena);
    const want = paths.map((p, i) => [p, i] as const).sort((a, b) => compareBytes(a[0], b[0]) || a[1] - b[1]).map(([, i]) => i);
    assert.deepEqual([...order], want, `seed ${seed} round ${round}`);
    const unique = sortUniqueArena(arena);
    assert.ok(isStrictlySorted(unique));
    assert.equal(unique.count, new Set(paths.map((p) => Buffer.from(p).toString('hex'))).size);
  }
});
