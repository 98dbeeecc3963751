/**
 * Shards (`--shard K/N`, src/shard.ts): every shard a range of the space's order, sizes within one
 * path of each other, the shards in order concatenating to the space and converted together giving
 * it exactly, for N = 1, 2, 7 and random spaces in every input format.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MemorySink, PathArena, bytesInput, convert, convertBytes, fileInput, parseShard, readSpace, shardRange } from '../src/internals.js';
import { cli, tempDir } from './helpers/cli.js';
import { Rng, testSeed } from './helpers/random.js';
import { BIG_LOGIC_PATHS } from './helpers/fixtures.js';

const SEED = testSeed();

function hexes(batches: readonly PathArena[]): string[] {
  return batches.flatMap((b) => Array.from({ length: b.count }, (_, i) => Buffer.from(b.viewPath(i)).toString('hex')));
}

describe(`shards (seed ${SEED})`, () => {
  const dir = tempDir();

  test('the rule: shard ranges cover 0..n in order, sizes within one, empty shards when n < N', () => {
    for (const [n, N] of [[0, 3], [2, 7], [7, 7], [91_692, 7], [1_000_003, 16]] as const) {
      let at = 0;
      const sizes: number[] = [];
      for (let k = 1; k <= N; k++) {
        const { lo, hi } = shardRange({ index: k, count: N }, n);
        assert.equal(lo, at);
        sizes.push(hi - lo);
        at = hi;
      }
      assert.equal(at, n);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${n}/${N}: ${sizes.join(',')}`);
    }
    assert.deepEqual(parseShard('3/16'), { index: 3, count: 16 });
    for (const bad of ['0/4', '5/4', '1/0', 'a/b', '2', '-1/3']) assert.throws(() => parseShard(bad), /--shard takes K\/N/);
  });

  for (const from of ['paths', 'mtts', 'act', 'text'] as const) {
    test(`random spaces from ${from}: for N = 1, 2, 7 the shards concatenate to the space and their union is it`, async () => {
      const rng = new Rng(SEED + from.length);
      const atoms = Array.from({ length: rng.int(1, 3000) }, () => `(f ${rng.int(0, 2000)} ${rng.pick(['a', 'b', 'c'])})`);
      const text = Buffer.from(atoms.join('\n') + '\n');
      const file = path.join(dir, `space.${from === 'text' ? 'metta' : from}`);
      fs.writeFileSync(file, from === 'text' ? text : (await convertBytes(bytesInput(text, 'x.metta'), { to: from, threads: 1 })).bytes);
      const whole = (await readSpace(fileInput(file), { threads: 1 })).batches;
      for (const N of [1, 2, 7]) {
        const shards: Uint8Array[] = [];
        const order: string[] = [];
        for (let k = 1; k <= N; k++) {
          const sink = new MemorySink('<paths>');
          await convert(fileInput(file), sink, { to: 'paths', threads: 1, shard: { index: k, count: N } });
          shards.push(sink.bytes().slice());
          order.push(...hexes((await readSpace(bytesInput(sink.bytes().slice(), 'shard.paths'), { threads: 1 })).batches));
        }
        assert.deepEqual(order, hexes(whole), `N=${N}: the shards in order are the space`);
        const union = new MemorySink('<paths>');
        await convert(shards.map((b, i) => bytesInput(b, `shard-${i}.paths`)), union, { to: 'paths', threads: 1 });
        const direct = await convertBytes(fileInput(file), { to: 'paths', threads: 1 });
        assert.ok(Buffer.from(union.bytes()).equals(Buffer.from(direct.bytes)), `N=${N}: the union is the space`);
      }
    });
  }

  test('on the command line: shards of a file, merged back, give the file\'s space; stdin is refused', () => {
    const parts = [1, 2, 3].map((k) => path.join(dir, `part-${k}.mtts`));
    parts.forEach((p, i) => assert.equal(cli(['convert', BIG_LOGIC_PATHS, '--shard', `${i + 1}/3`, '-o', p]).status, 0));
    const merged = cli(['convert', ...parts, '-o', path.join(dir, 'merged.paths')]);
    assert.equal(merged.status, 0, merged.stderr);
    const whole = cli(['convert', BIG_LOGIC_PATHS, '-o', path.join(dir, 'whole.paths')]);
    assert.equal(whole.status, 0, whole.stderr);
    assert.ok(fs.readFileSync(path.join(dir, 'merged.paths')).equals(fs.readFileSync(path.join(dir, 'whole.paths'))));
    const stdin = cli(['convert', '-', '--shard', '1/2', '--to', 'act'], { input: fs.readFileSync(BIG_LOGIC_PATHS) });
    assert.equal(stdin.status, 2);
    assert.match(stdin.stderr, /is a stream; give a file/);
    assert.equal(cli(['convert', BIG_LOGIC_PATHS, '--shard', '4/3', '--to', 'act']).status, 2);
  });
});

