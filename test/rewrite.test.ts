/**
 * Pattern → template (#12): `query … --template`, `convert --pattern --template`, against a naive
 * reference computed in the test over random spaces; `query` as a filter (stdin, exit codes, a
 * space out in any format, JSON lines).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PathArena, bytesInput, convertBytes, encodeText, sortUnique, sortUniqueArena, parseText } from '../src/index.js';
import { compactToMetta, compileRewrite, matchStage, variableNames } from '../src/rewrite.js';
import { cli, tempDir } from './helpers/cli.js';
import { Rng, testSeed } from './helpers/random.js';
import { GOLDEN } from './helpers/fixtures.js';

const TMP = tempDir();
const file = (name: string): string => path.join(TMP, name);

/** A term of the test's own: a symbol or a list (the reference never sees the byte encoding). */
type Term = string | Term[];

function show(t: Term): string {
  return typeof t === 'string' ? t : `(${t.map(show).join(' ')})`;
}

function randomTerm(rng: Rng, depth: number): Term {
  if (depth === 0 || rng.chance(0.5)) return rng.pick(['a', 'b', 'c', 'Alice', 'Bob', '"x y"', '42']);
  return Array.from({ length: rng.int(1, 3) }, () => randomTerm(rng, depth - 1));
}

/** Naive matching of a pattern term (strings starting with `$` are variables) against a ground term. */
function match(p: Term, t: Term, env: Map<string, Term>): boolean {
  if (typeof p === 'string') {
    if (p.startsWith('$')) {
      const bound = env.get(p);
      if (bound === undefined) {
        env.set(p, t);
        return true;
      }
      return show(bound) === show(t);
    }
    return p === t;
  }
  if (typeof t === 'string' || t.length !== p.length) return false;
  return p.every((q, i) => match(q, t[i]!, env));
}

function substitute(t: Term, env: Map<string, Term>): Term {
  if (typeof t === 'string') return t.startsWith('$') ? env.get(t)! : t;
  return t.map((x) => substitute(x, env));
}

/** The space of `lines` as text, sorted and de-duplicated (how a space prints). */
function spaceText(lines: readonly string[]): string {
  if (lines.length === 0) return '';
  return new TextDecoder().decode(encodeText(sortUniqueArena(parseText(lines.join('\n')))));
}

describe('pattern → template', () => {
  test('against a naive reference over random spaces (repeated variables, nested terms)', async () => {
    const rng = new Rng(testSeed(21));
    const patterns: [Term, Term][] = [
      [['rel', '$x', '$y'], ['inv', '$y', '$x']],
      [['rel', '$x', '$x'], ['self', '$x']],
      [['rel', ['$x', '$y'], '$z'], ['flat', '$z', '$y', '$x', '$z']],
      [['rel', '$x', 'Bob'], ['knows', 'Bob', ['who', '$x']]],
    ];
    let matched = 0;
    for (let round = 0; round < 6; round++) {
      const atoms: Term[] = Array.from({ length: 300 }, () => ['rel', randomTerm(rng, 2), randomTerm(rng, 2)]);
      const text = atoms.map(show).join('\n') + '\n';
      for (const [p, t] of patterns) {
        const expected = spaceText(atoms.flatMap((a) => {
          const env = new Map<string, Term>();
          return match(p, a, env) ? [show(substitute(t, env))] : [];
        }));
        const got = await convertBytes(bytesInput(new TextEncoder().encode(text), 'random.metta'), { to: 'text', threads: 1, stages: [matchStage(show(p), undefined, show(t)), sortUnique] });
        if (expected !== '') matched++;
        assert.equal(new TextDecoder().decode(got.bytes), expected, `${show(p)} → ${show(t)}, round ${round}`);
      }
    }
    assert.ok(matched >= 18, `every pattern matched in most rounds (${matched} of 24)`);
  });

  test("the atom's own variables in a binding are renumbered in the result's order", () => {
    const rw = compileRewrite('(rule $a $b)', '(back $b $a $b)');
    const atom = parseText('(rule (f $x $y) (g $y))').copyPath(0);
    assert.ok(rw.query.matches(atom, 0, atom.length));
    const out = new PathArena();
    rw.write(atom, 0, atom.length, out);
    assert.equal(new TextDecoder().decode(encodeText(out)), '(back (g $a) (f $b $a) (g $a))\n');
  });

  test("mork convert's compact notation: [N] lists, $ new variables, _k references; the identity $ → _1", () => {
    // `[N]` is Arity(N): the next N items (expr/src/lib.rs `parse`); `[2] parent $ _1` is not one expression
    assert.equal(compactToMetta('[3] parent $ _1'), '(parent $v1 $v1)');
    assert.throws(() => compactToMetta('[2] parent $ _1'), /1 tokens after the expression/);
    assert.equal(compactToMetta('[3] parent $ [2] f $'), '(parent $v1 (f $v2))');
    assert.equal(compactToMetta('$'), '$v1');
    assert.equal(compactToMetta('_1'), '$v1');
    assert.equal(compactToMetta('(parent $x $y)'), undefined, 'MeTTa text is not compact');
    assert.throws(() => compactToMetta('[2] parent'), /ends before its last list is complete/);
    const r = cli(['query', '-', '[3] parent Alice $', '--template', '[2] kid _1'], { input: '(parent Alice Bob)\n(parent Carol Dan)\n' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString(), '(kid Bob)\n');
    const id = cli(['query', '-', '$', '--template', '_1'], { input: '(a b)\n(c)\n' });
    assert.equal(id.stdout.toString(), '(c)\n(a b)\n');
  });

  test('variable names in order of first appearance, strings and comments skipped', () => {
    assert.deepEqual(variableNames('(p $x "$not" ; $neither\n ($y $x) $z)'), ['$x', '$y', '$z']);
  });

  test('from the CLI: query --template, convert --pattern --template, and a template variable the pattern lacks', () => {
    fs.writeFileSync(file('fam.metta'), '(parent Alice Bob)\n(parent Bob Carol)\n(parent Alice Dan)\n(age Bob 3)\n');
    const q = cli(['query', file('fam.metta'), '(parent $x $y)', '--template', '(child $y $x)']);
    assert.equal(q.status, 0, q.stderr);
    assert.equal(q.stdout.toString(), '(child Bob Alice)\n(child Dan Alice)\n(child Carol Bob)\n');
    const c = cli(['convert', file('fam.metta'), '-o', file('kids.act'), '--pattern', '(parent $x $y)', '--template', '(child $y $x)']);
    assert.equal(c.status, 0, c.stderr);
    assert.equal(cli(['deserialize', file('kids.act')]).stdout.toString(), q.stdout.toString());
    const bad = cli(['query', file('fam.metta'), '(parent $x $y)', '--template', '(child $z)']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--template uses \$z, which the pattern does not bind \(its variables: \$x, \$y\) \[ERR_USAGE\]/);
  });
});

describe('convert --pattern on ACT', () => {
  test('reads only the subtrie under the constant prefix, with the same result as a full scan', () => {
    const act = path.join(GOLDEN, 'big_logic.act');
    const walked = cli(['convert', act, '--to', 'text', '--pattern', '(axiom (= (* $x $y) $z))', '--template', '(mul $x $y $z)', '--profile=json']);
    assert.equal(walked.status, 0, walked.stderr);
    // the read stage saw only the subtrie: fewer atoms than the file holds
    const read = (JSON.parse(walked.stderr.trim().split('\n').pop()!) as { stages: { name: string; atoms: number }[] }).stages.find((st) => st.name === 'read')!.atoms;
    const all = (JSON.parse(cli(['inspect', act, '--count', '--json']).stdout.toString()) as { space: { atoms: number } }).space.atoms;
    assert.ok(read > 0 && read < all / 2, `read ${read} of ${all}`);
    fs.writeFileSync(file('big.paths'), cli(['convert', act, '--to', 'paths']).stdout);
    const scanned = cli(['convert', file('big.paths'), '--to', 'text', '--pattern', '(axiom (= (* $x $y) $z))', '--template', '(mul $x $y $z)']);
    assert.equal(scanned.status, 0, scanned.stderr);
    assert.ok(walked.stdout.length > 0);
    assert.ok(walked.stdout.equals(scanned.stdout));
  });
});

describe('query as a filter', () => {
  const family = '(parent Alice Bob)\n(parent Bob Carol)\n(parent Alice Dan)\n';

  test('a pattern alone reads stdin, like grep; exit 1 and nothing printed when nothing matches', () => {
    const r = cli(['query', '(parent Alice $x)'], { input: family });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString(), '(parent Alice Bob)\n(parent Alice Dan)\n');
    const none = cli(['query', '(parent Zed $x)'], { input: family });
    assert.equal(none.status, 1);
    assert.equal(none.stdout.toString(), '');
    assert.equal(none.stderr, '');
    const counted = cli(['query', '(parent Zed $x)', '--count'], { input: family });
    assert.equal(counted.status, 1);
    assert.equal(counted.stdout.toString(), '0\n');
  });

  test('-o writes the matches as a space in any format; --json gives one object per line', () => {
    const r = cli(['query', '-', '(parent Alice $x)', '-o', file('alice.mtts')], { input: family });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(cli(['deserialize', file('alice.mtts')]).stdout.toString(), '(parent Alice Bob)\n(parent Alice Dan)\n');
    const j = cli(['query', '(parent $x Carol)', '--json'], { input: family });
    assert.deepEqual(j.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as unknown), [{ atom: '(parent Bob Carol)' }]);
  });
});
