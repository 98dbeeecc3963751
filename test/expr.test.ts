import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, PathArena, TextParser, encodeText, expressionToText, isMorkspaceError, parseExpression, parseText, printExpression, ByteWriter, scanExpression, type MorkspaceError } from '../src/internals.js';
import { Rng, testSeed } from './helpers/random.js';
import { randomExpression } from './helpers/expressions.js';

const hex = (u8: Uint8Array): string => Buffer.from(u8).toString('hex').toUpperCase().replace(/(..)(?!$)/g, '$1 ');
const paths = (text: string | Uint8Array, opts = {}): string[] => {
  const a = parseText(text, opts);
  return [...a].map(hex);
};

describe('expression encoding (mork-formats.md §1.1 worked examples)', () => {
  const cases: [string, string][] = [
    ['(parent Alice Bob)', '03 C6 70 61 72 65 6E 74 C5 41 6C 69 63 65 C3 42 6F 62'],
    ['(= (f $x) $x)', '03 C1 3D 02 C1 66 C0 80'],
    ['$x', 'C0'],
    ['()', '00'],
    ['sym', 'C3 73 79 6D'],
    ['(a (b (c)) d)', '03 C1 61 02 C1 62 01 C1 63 C1 64'],
    ['(edge $from $to $from $to)', '05 C4 65 64 67 65 C0 C0 80 81'],
    ['(f $x (g $y $x) $y)', '04 C1 66 C0 03 C1 67 C0 80 81'],
    ['(λ ∀x)', '02 C2 CE BB C4 E2 88 80 78'],
    ['(label "hi (there)\\" x")', '02 C5 6C 61 62 65 6C D0 22 68 69 20 28 74 68 65 72 65 29 5C 22 20 78 22'],
  ];
  for (const [text, bytes] of cases) {
    test(`when ${text} is parsed, then it encodes as ${bytes}`, () => {
      assert.deepEqual(paths(text), [bytes]);
    });
  }
  test('when an atom has 12 variables, then references use their introduction index', () => {
    const names = Array.from({ length: 12 }, (_, k) => `$p${k}`);
    const [p] = paths(`(v ${names.join(' ')} $p11 $p0)`);
    assert.equal(p, hex(new Uint8Array([0x0f, 0xc1, 0x76, ...Array(12).fill(0xc0), 0x8b, 0x80])));
  });
});

describe('lexical edge cases (mork-formats.md §2.8)', () => {
  test('when lines end in CRLF, then CR is a symbol byte, as upstream', () => {
    assert.deepEqual(paths('(a b)\r\n(c d)\r\n'), ['02 C1 61 C1 62', 'C1 0D', '02 C1 63 C1 64', 'C1 0D']);
    assert.deepEqual(paths('(a\r\n b)'), ['02 C2 61 0D C1 62']);
  });
  test('when crIsWhitespace is set, then CRLF files parse as a user expects', () => {
    assert.deepEqual(paths('(a b)\r\n(c d)\r\n', { crIsWhitespace: true }), ['02 C1 61 C1 62', '02 C1 63 C1 64']);
  });
  test('a BOM is a symbol, quoted tokens end at the closing quote, $ alone is a variable', () => {
    assert.deepEqual(paths(new Uint8Array([0xef, 0xbb, 0xbf, 0x28, 0x61, 0x29])), ['C3 EF BB BF', '01 C1 61']);
    assert.deepEqual(paths('("a"b)'), ['02 C3 22 61 22 C1 62']);
    assert.deepEqual(paths('($ $)'), ['02 C0 80']);
  });
  test('variable numbering restarts with every top-level expression', () => {
    assert.deepEqual(paths('(foo $x)\n(bar $x)'), ['02 C3 66 6F 6F C0', '02 C3 62 61 72 C0']);
  });
  test('comments: between elements, only a comment, inside tokens', () => {
    assert.deepEqual(paths('; only a comment'), []);
    assert.deepEqual(paths('(a ; note\n b)'), ['02 C1 61 C1 62']);
    assert.deepEqual(paths('(a;b $x;y)'), ['02 C3 61 3B 62 C0']);
  });
  test('when a comment stands right before ")", then we accept it (upstream rejects it)', () => {
    assert.deepEqual(paths('(a b ; note\n)'), ['02 C1 61 C1 62']);
  });
  test('a 63-byte symbol, a 63-element list and 64 variables are within the limits', () => {
    assert.equal(paths(`(s ${'a'.repeat(63)})`)[0], hex(new Uint8Array([2, 0xc1, 0x73, 0xff, ...Array(63).fill(0x61)])));
    assert.equal(parseText(`(${Array(63).fill('x').join(' ')})`).viewPath(0)[0], 63);
    const vars = Array.from({ length: 64 }, (_, k) => `$v${k}`);
    assert.equal(parseText(`(f (${vars.slice(0, 32).join(' ')}) (${vars.slice(32).join(' ')}))`).viewPath(0).filter((b) => b === 0xc0).length, 64);
  });
});

const VARS = Array.from({ length: 65 }, (_, k) => `$v${k}`);
const SIXTY_FIVE_VARS = `(f (${VARS.slice(0, 32).join(' ')}) (${VARS.slice(32, 64).join(' ')}) ${VARS[64]})`;

describe('bad input: one error with code and position', () => {
  const bad: [string, string, ErrorCode, number, number][] = [
    ['stray )', '(a)\n  )', ErrorCode.Syntax, 2, 3],
    ['unclosed list', '(a\n (b c)', ErrorCode.Syntax, 2, 7],
    ['unclosed list ending in a comment (upstream drops it silently)', '(a b ; note', ErrorCode.Syntax, 1, 12],
    ['unterminated string', '(s "abc def)', ErrorCode.Syntax, 1, 4],
    ['unterminated string at top level', '"abc', ErrorCode.Syntax, 1, 1],
    ['backslash at end of input', '"abc\\', ErrorCode.Syntax, 1, 5],
    ['symbol of 64 bytes (upstream truncates)', `(s\n ${'a'.repeat(64)})`, ErrorCode.Limit, 2, 2],
    ['list of 64 elements (upstream stores a reserved byte)', `(${Array(64).fill('x').join(' ')})`, ErrorCode.Limit, 1, 128],
    ['65 variables', SIXTY_FIVE_VARS, ErrorCode.Limit, 1, SIXTY_FIVE_VARS.indexOf('$v64') + 1],
  ];
  for (const [name, text, code, line, column] of bad) {
    test(`when the input has ${name}, then ${code} at ${line}:${column}`, () => {
      assert.throws(
        () => parseText(text),
        (e: unknown) => {
          assert.ok(isMorkspaceError(e));
          assert.equal(e.code, code);
          assert.equal(e.where.line, line, `line, message: ${e.message}`);
          assert.equal(e.where.column, column, `column, message: ${e.message}`);
          return true;
        },
      );
    });
  }
});

describe('printing (upstream dump_all_sexpr)', () => {
  test('the §3.4 example prints byte for byte', () => {
    const text = '(parent Alice Bob)\n(= (f $x) $x)\n$x\n()\n(a (b (c)) d)\n(label "hi (there)\\" x")\n(edge $from $to $from $to)\nsym\n';
    const arena = parseText(text);
    const order = [...arena].map((p) => Buffer.from(p)).sort(Buffer.compare);
    const out = new TextDecoder().decode(encodeText(PathArena.from(order)));
    assert.equal(out, '()\n(label "hi (there)\\" x")\n(= (f $a) $a)\n(a (b (c)) d)\n(parent Alice Bob)\n(edge $a $b $a $b)\n$a\nsym\n');
  });
  test('variables past the tenth print as $x10..$x63', () => {
    const names = Array.from({ length: 12 }, (_, k) => `$p${k}`);
    assert.equal(expressionToText(parseExpression(`(v ${names.join(' ')} $p11 $p0)`)), '(v $a $b $c $d $e $f $g $h $i $j $x10 $x11 $x11 $a)');
  });
  const notExpr: [string, number[], number][] = [
    ['a reserved tag', [0x02, 0x40], 1],
    ['a reference to an unintroduced variable', [0x02, 0xc0, 0x81], 2],
    ['a symbol running past the end', [0xc5, 0x61], 0],
    ['trailing bytes', [0xc1, 0x61, 0x00], 2],
    ['the empty path', [], 0],
    ['a list cut short', [0x03, 0xc1, 0x61], 3],
  ];
  for (const [name, bytes, offset] of notExpr) {
    test(`when a path has ${name}, then printing fails with ERR_NOT_EXPRESSION at byte ${offset}`, () => {
      const p = new Uint8Array(bytes);
      for (const f of [() => printExpression(p, 0, p.length, new ByteWriter(16)), () => scanExpression(p, 0, p.length)]) {
        assert.throws(f, (e: MorkspaceError) => e.code === ErrorCode.NotExpression && e.where.offset === offset);
      }
    });
  }
});

test('scanExpression reports depth, variables and items', () => {
  const shape = (t: string) => {
    const p = parseExpression(t);
    return scanExpression(p, 0, p.length);
  };
  assert.deepEqual(shape('sym'), { depth: 0, variables: 0, items: 1 });
  assert.deepEqual(shape('()'), { depth: 1, variables: 0, items: 1 });
  assert.deepEqual(shape('(a (b (c)) d)'), { depth: 3, variables: 0, items: 7 });
  assert.deepEqual(shape('(f $x (g $y $x) $y)'), { depth: 2, variables: 2, items: 8 });
});

test('deep nesting (100,000 levels) parses, prints and re-parses without recursion', () => {
  const depth = 100000;
  const text = `${'(f '.repeat(depth)}x${')'.repeat(depth)}`;
  const p = parseExpression(text);
  assert.equal(p.length, depth * 3 + 2);
  assert.equal(scanExpression(p, 0, p.length).depth, depth);
  assert.equal(expressionToText(p), text);
});

describe('property: random expressions', () => {
  const seed = testSeed();
  test(`parse(text) = independent encoding, and print → parse is the identity (seed ${seed})`, () => {
    const rng = new Rng(seed);
    for (let i = 0; i < 3000; i++) {
      const g = randomExpression(rng);
      let got: Uint8Array;
      try {
        got = parseExpression(g.text);
      } catch (e) {
        assert.fail(`seed ${seed}, case ${i}: ${JSON.stringify(g.text)}: ${(e as Error).message}`);
      }
      assert.equal(hex(got), hex(new Uint8Array(g.bytes)), `seed ${seed}, case ${i}: ${JSON.stringify(g.text)}`);
      const printed = expressionToText(got);
      assert.equal(hex(parseExpression(printed)), hex(got), `seed ${seed}, case ${i}: printed ${JSON.stringify(printed)}`);
      scanExpression(got, 0, got.length);
    }
  });
  test(`feeding the same text in 1-byte, 2-byte and random chunks gives the same paths (seed ${seed})`, () => {
    const rng = new Rng(seed ^ 0x5555);
    const text = new TextEncoder().encode(Array.from({ length: 300 }, () => randomExpression(rng).text).join(rng.pick(['\n', ' ', '\n; comment\n'])));
    const whole = [...parseText(text)].map(hex);
    for (const cut of [() => 1, () => 2, () => rng.int(1, 200)]) {
      const parser = new TextParser();
      const arena = new PathArena();
      for (let p = 0; p < text.length; ) {
        const n = cut();
        parser.push(text.slice(p, p + n), arena);
        p += n;
      }
      parser.end(arena);
      assert.deepEqual([...arena].map(hex), whole);
    }
  });
  test('errors report the same line and column whatever the chunking', () => {
    const text = new TextEncoder().encode('(a b)\n(c d)\n\n   (e ) )\n');
    for (const size of [1, 3, 7, 100]) {
      const parser = new TextParser();
      const arena = new PathArena();
      assert.throws(
        () => {
          for (let p = 0; p < text.length; p += size) parser.push(text.slice(p, p + size), arena);
          parser.end(arena);
        },
        (e: MorkspaceError) => e.code === ErrorCode.Syntax && e.where.line === 4 && e.where.column === 9 && e.where.offset === 21,
      );
    }
  });
});
