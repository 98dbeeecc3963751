import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CASES, START_UP_SAMPLES, interleaveGroup } from '../bench/cases.js';
import { inTurn } from '../bench/in-turn.js';

describe('bench: cases set against each other take their samples in turn', () => {
  test('our 1- and 2-thread runs share a group with upstream\'s run of the same conversion, and a 2-thread run with its 1-thread one', () => {
    const g = interleaveGroup('act->text');
    assert.ok(g !== undefined);
    for (const name of ['act->text:threads=1', 'act->text:threads=2', 'upstream act->text']) assert.equal(interleaveGroup(name), g, name);
    assert.notEqual(interleaveGroup('paths->act'), g);
    assert.equal(interleaveGroup('text->mtts:threads=1'), interleaveGroup('text->mtts:threads=2'));
    assert.equal(interleaveGroup('inspect small'), interleaveGroup('node -e 0'));
    assert.equal(interleaveGroup('gzip -6'), undefined);
    assert.equal(interleaveGroup('text->act:memory=1/4'), undefined);
  });

  test('the cases of one group take as many samples as each other (the start-up pair: 21 each)', () => {
    const byGroup = new Map<string, Set<number | undefined>>();
    for (const c of CASES) {
      const g = interleaveGroup(c.name);
      if (g !== undefined) byGroup.set(g, (byGroup.get(g) ?? new Set()).add(c.samples));
    }
    for (const [g, counts] of byGroup) assert.equal(counts.size, 1, `${g}: ${[...counts].join(', ')}`);
    assert.deepEqual([...byGroup.get(interleaveGroup('inspect small')!)!], [START_UP_SAMPLES]);
  });

  test('the samples alternate, a case with fewer samples drops out, and each result comes back in its place', async () => {
    const order: string[] = [];
    async function* samples(name: string, n: number): AsyncGenerator<void, string> {
      for (let i = 0; i < n; i++) {
        order.push(`${name}${i}`);
        yield;
      }
      return `${name} done`;
    }
    const results = await inTurn([samples('a', 3), samples('b', 1), samples('c', 2)]);
    assert.deepEqual(order, ['a0', 'b0', 'c0', 'a1', 'c1', 'a2']);
    assert.deepEqual(results, ['a done', 'b done', 'c done']);
  });
});
