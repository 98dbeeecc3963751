import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { isMorkspaceError } from '../src/errors.js';
import { expressionToText } from '../src/expr/encoding.js';
import { parseExpression, parseText } from '../src/expr/parser.js';
import { sortUniqueArena } from '../src/sort.js';
import { encodeAct } from '../src/formats/act/index.js';
import { encodeText } from '../src/formats/text.js';
import { bytesInput, type Input } from '../src/io/input.js';
import type { PathArena } from '../src/path-arena.js';
import { compileQuery, constantPrefix, parsePrefix, queryInput, type QueryOptions } from '../src/query.js';
import { CLI, GOLDEN, ROOT, mulberry32, randomExpressionSpace, testSeed } from './helpers/act-fixtures.js';

function matches(pattern: string, atom: string): boolean {
  const bytes = parseExpression(atom);
  return compileQuery(pattern, undefined).matches(bytes, 0, bytes.length);
}

async function texts(input: Input, options: QueryOptions): Promise<string[]> {
  const out: string[] = [];
  await queryInput(input, { threads: 1, ...options }, (b: PathArena) => {
    for (let i = 0; i < b.count; i++) out.push(expressionToText(b.viewPath(i)));
  });
  return out;
}

describe('pattern matching', () => {
  const table: [string, string, boolean][] = [
    ['(parent $x Bob)', '(parent Alice Bob)', true],
    ['(parent $x Bob)', '(parent Alice Carol)', false],
    ['(parent $x Bob)', '(parent Alice Bob Eve)', false],
    ['(parent $x $x)', '(parent Bob Bob)', true],
    ['(parent $x $x)', '(parent Alice Bob)', false],
    ['(same $a $a)', '(same (f a) (f a))', true],
    ['(same $a $a)', '(same (f a) (f b))', false],
    ['(same $a $a)', '(same $x $x)', true],
    ['(same $a $a)', '(same $x $y)', false],
    ['(same $a $a)', '(same (f $x) (f $x))', true],
    ['(same $a $a)', '(same (f $x $y) (f $y $x))', false],
    ['(same $a $b)', '(same $x $y)', true],
    ['(parent Alice Bob)', '(parent $x Bob)', false],
    ['$x', '(anything (at all))', true],
    ['(= (f $x) $y)', '(= (f 1) (g 2))', true],
    ['(= (f $x) $x)', '(= (f (h $q)) (h $q))', true],
  ];
  for (const [pattern, atom, expected] of table) {
    test(`when ${pattern} is matched against ${atom}, then ${expected ? 'it matches' : 'it does not'}`, () => {
      assert.equal(matches(pattern, atom), expected);
    });
  }
  test('when a pattern has variables, then its constant prefix stops at the first one', () => {
    assert.deepEqual(Buffer.from(constantPrefix(parseExpression('(parent $x Bob)'))), Buffer.from(parseExpression('(parent a b)').subarray(0, 8)));
    assert.equal(constantPrefix(parseExpression('$x')).length, 0);
  });
  test('when a pattern does not parse, then ERR_SYNTAX with its column', () => {
    assert.throws(
      () => compileQuery('(parent $x))', undefined),
      (e: unknown) => isMorkspaceError(e) && e.code === 'ERR_SYNTAX' && e.where.column === 12 && e.where.file === 'pattern',
    );
  });
});

describe('prefix text', () => {
  test('when a list is left open, then its arity byte becomes a range from the items given to 63', () => {
    const r = parsePrefix('(parent Alice');
    assert.equal(r.lo[0], 2);
    assert.equal(r.hi[0], 63);
    assert.deepEqual(Buffer.from(r.lo.subarray(1)), Buffer.from(r.hi.subarray(1)));
  });
  test('when nested lists are open, then each open arity is a range and closed ones stay exact', () => {
    const r = parsePrefix('(a (b c) (d ; comment');
    const bytes = parseExpression('(a (b c) (d))');
    assert.equal(r.lo.length, bytes.length);
    assert.deepEqual([r.lo[0], r.hi[0]], [3, 63]);
    assert.deepEqual([r.lo[3], r.hi[3]], [2, 2]);
    assert.deepEqual([r.lo[8], r.hi[8]], [1, 63]);
  });
  test('when the prefix closes a list that was never opened, then ERR_SYNTAX', () => {
    assert.throws(() => parsePrefix('(a))'), (e: unknown) => isMorkspaceError(e) && e.code === 'ERR_SYNTAX');
  });
});

describe('queries over a space', () => {
  const family = '(parent Bob Carol)\n(parent Alice Bob)\n(parent Alice Dan)\n(age Alice 42)\n(parent Alice Bob Eve)\n(same $x $x)\n';
  const familyArena = () => {
    const text = Buffer.from(family);
    return { text, act: encodeAct(sortedOf(text)) };
  };
  for (const [label, pattern, prefix, expected] of [
    ['a pattern', '(parent $x Bob)', undefined, ['(parent Alice Bob)']],
    ['a prefix', undefined, '(parent Alice', ['(parent Alice Bob)', '(parent Alice Dan)', '(parent Alice Bob Eve)']],
    ['both', '(parent $x $y)', '(parent Alice', ['(parent Alice Bob)', '(parent Alice Dan)']],
  ] as const) {
    test(`when ${label} is queried, then ACT and text inputs give the same atoms in space order`, async () => {
      const { text, act } = familyArena();
      const options = { ...(pattern !== undefined ? { pattern } : {}), ...(prefix !== undefined ? { prefix } : {}) };
      assert.deepEqual(await texts(bytesInput(act, 'f.act'), options), expected);
      assert.deepEqual(await texts(bytesInput(text, 'f.metta'), { ...options, from: 'text' }), expected);
    });
  }
  test('when a limit is given, then only that many atoms come back', async () => {
    const { act } = familyArena();
    assert.equal((await texts(bytesInput(act), { prefix: '(parent', limit: 2 })).length, 2);
  });
  test('when random patterns are run over random spaces, then the ACT prefix walk equals a full scan', async () => {
    const seed = testSeed(0x9e7);
    const rand = mulberry32(seed);
    const space = randomExpressionSpace(rand, 600);
    const act = encodeAct(space);
    const text = encodeText(space);
    const atoms = Buffer.from(text).toString().split('\n');
    let ran = 0;
    let matched = 0;
    for (let q = 0; q < 40; q++) {
      // a pattern from a stored atom, some tokens replaced by variables
      const words = atoms[Math.floor(rand() * (atoms.length - 1))]!.split(' ');
      const pattern = words.map((w) => (rand() < 0.3 && /^[^()$]+$/.test(w) ? (rand() < 0.5 ? '$p' : '$q') : w)).join(' ');
      const prefix = rand() < 0.3 ? words.slice(0, 1 + Math.floor(rand() * 2)).join(' ').replace(/\)+$/, '') : undefined;
      const options = { pattern, ...(prefix !== undefined ? { prefix } : {}) };
      let viaAct: string[];
      try {
        viaAct = await texts(bytesInput(act, 'r.act'), options);
      } catch (e) {
        if (isMorkspaceError(e) && e.code === 'ERR_SYNTAX') continue; // a generated prefix that is not an expression's start
        throw e;
      }
      const viaScan = await texts(bytesInput(text, 'r.metta'), { ...options, from: 'text' });
      assert.deepEqual(viaAct, viaScan, `seed ${seed}, pattern ${pattern}, prefix ${prefix}`);
      ran++;
      matched += viaAct.length;
    }
    assert.ok(ran >= 20 && matched >= ran, `seed ${seed}: ${ran} queries ran, ${matched} matches`);
  });
});

function sortedOf(text: Uint8Array): PathArena {
  return sortUniqueArena(parseText(text)); // what a sink receives
}

describe('query on the command line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'morkspace-query-'));
  const metta = path.join(dir, 'family.metta');
  fs.writeFileSync(metta, '(parent Bob Carol)\n(parent Alice Bob)\n(parent Alice Dan)\n(age Alice 42)\n');
  const act = path.join(dir, 'family.act');
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', input: '' });
  assert.equal(run('serialize', metta, '-o', act).status, 0);

  test('when a pattern is queried on an act file, then matching atoms print one per line', () => {
    const r = run('query', act, '(parent Alice $x)');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '(parent Alice Bob)\n(parent Alice Dan)\n');
  });
  test('when --prefix and --count are given, then only the number prints', () => {
    const r = run('query', act, '--prefix', '(parent', '--count');
    assert.equal(r.stdout, '3\n');
  });
  test('when --json is given, then stdout is one JSON object per match, a line each', () => {
    const r = run('query', metta, '(parent Alice $x)', '--json');
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown), [{ atom: '(parent Alice Bob)' }, { atom: '(parent Alice Dan)' }]);
  });
  test('when big_logic.act is queried by prefix, then the count equals a full scan of the same file', () => {
    const big = path.join(GOLDEN, 'big_logic.act');
    const viaPrefix = run('query', big, '--prefix', '(axiom (= (*', '--count');
    const viaPattern = run('query', big, '(axiom (= (* $a $b) $c))', '--count');
    assert.equal(viaPrefix.status, 0, viaPrefix.stderr);
    assert.ok(Number(viaPrefix.stdout) >= Number(viaPattern.stdout));
    assert.ok(Number(viaPattern.stdout) > 0);
  });
  test('when the pattern is malformed, then one stderr line with its position, exit code 1', () => {
    const r = run('query', act, '(parent $x');
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr.trim(), /^morkspace: pattern:1:\d+: .*\[ERR_SYNTAX\]$/);
  });
});
