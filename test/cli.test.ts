import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { BIG_LOGIC_PATHS, CLI, ROOT, SHARED_MORK, sharedSkip } from './helpers/fixtures.js';
import { cli, tempDir } from './helpers/cli.js';

const dir = tempDir();
const SAMPLE = '(parent Alice Bob)\n(= (f $x) $x)\n(parent Alice Bob)\n; a comment\n(label "hi (there)")\n';
const SAMPLE_DUMP = '(label "hi (there)")\n(= (f $a) $a)\n(parent Alice Bob)\n';
fs.writeFileSync(path.join(dir, 'sample.metta'), SAMPLE);

/** The one-line error contract: exit code, one stderr line naming the file, no output left behind. */
function assertFails(r: ReturnType<typeof cli>, status: number, pattern: RegExp): void {
  assert.equal(r.status, status, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0]!, pattern);
}
function leftovers(d: string): string[] {
  return fs.readdirSync(d).filter((f) => f.includes('.tmp-'));
}

describe('serialize / deserialize / convert', () => {
  test('text → .paths → text gives the upstream dump: sorted, deduplicated, variables renamed', () => {
    const out = path.join(dir, 'sample.paths');
    assert.equal(cli(['serialize', path.join(dir, 'sample.metta'), '-o', out, '--level', '7']).status, 0);
    assert.deepEqual([...fs.readFileSync(out).subarray(0, 2)], [0x78, 0xda]);
    const r = cli(['deserialize', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString(), SAMPLE_DUMP);
  });
  test('stdin to stdout: `cat x.metta | morkspace serialize --to paths -`', () => {
    const r = cli(['serialize', '--to', 'paths', '-'], { input: SAMPLE });
    assert.equal(r.status, 0, r.stderr);
    const back = cli(['deserialize', '-'], { input: r.stdout });
    assert.equal(back.stdout.toString(), SAMPLE_DUMP);
  });
  test('convert .paths → .paths keeps the records of big_logic', () => {
    const out = path.join(dir, 'copy.paths');
    const r = cli(['convert', BIG_LOGIC_PATHS, '-o', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout.toString()) as { atoms: number; from: string; to: string };
    assert.deepEqual([report.atoms, report.from, report.to], [91692, 'paths', 'paths']);
    assert.deepEqual(zlib.inflateSync(fs.readFileSync(out)), zlib.inflateSync(fs.readFileSync(BIG_LOGIC_PATHS)));
  });
  test('text → text canonicalizes', () => {
    const r = cli(['convert', path.join(dir, 'sample.metta'), '--to', 'text']);
    assert.equal(r.stdout.toString(), SAMPLE_DUMP);
  });
  test('CRLF text: kept as upstream does, with a warning; --crlf treats CR as whitespace', () => {
    const crlf = SAMPLE.replaceAll('\n', '\r\n');
    const lenient = cli(['convert', '-', '--to', 'text', '--crlf'], { input: crlf });
    assert.equal(lenient.stdout.toString(), SAMPLE_DUMP);
    assert.equal(lenient.stderr, '');
    const upstream = cli(['convert', '-', '--to', 'text'], { input: crlf });
    assert.notEqual(upstream.stdout.toString(), SAMPLE_DUMP);
    assert.equal(upstream.status, 0);
    assert.match(upstream.stderr, /^morkspace: warning: <stdin>: 5 carriage return bytes were kept as symbol bytes.*--crlf/);
  });
  test('when a reader stops early (`| head -1`), then the command ends quietly', () => {
    const r = spawnSync('sh', ['-c', `node ${CLI} deserialize ${BIG_LOGIC_PATHS} | head -1`], { encoding: 'utf8' });
    assert.equal(r.stdout.split('\n').length, 2);
    assert.equal(r.stderr, '');
  });
});

describe('inspect', () => {
  test('--json reports format, sizes, atoms and histograms of big_logic', () => {
    const r = cli(['inspect', BIG_LOGIC_PATHS, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout.toString()) as Record<string, any>;
    assert.equal(j['format'], 'paths');
    assert.equal(j['fileBytes'], 803836);
    assert.equal(j['records'], 91692);
    assert.equal(j['decompressedBytes'], 5332645);
    assert.equal(j['space'].atoms, 91692);
    assert.equal(j['space'].rawBytes, 5332645 - 4 * 91692);
    assert.equal(j['space'].variables.atomsWithVariables, 91692);
    assert.ok(j['space'].variables.maxPerAtom <= 10);
    assert.equal(j['space'].pathBytes.min, 16);
    assert.equal(j['space'].pathBytes.max, 267);
    assert.ok(Object.keys(j['space'].arity).every((a) => Number(a) <= 4));
  });
  test('the human table names the format and the atom count', () => {
    const r = cli(['inspect', path.join(dir, 'sample.metta')]);
    assert.match(r.stdout.toString(), /format\s+text/);
    assert.match(r.stdout.toString(), /atoms\s+3 \(1 duplicate of the listed atoms dropped: a space holds each atom once\)\n/);
    assert.match(r.stdout.toString(), /top level\s+4/);
  });
});

describe('bad input and outputs: one line, exit code, nothing left behind', () => {
  const bad: [string, string, RegExp][] = [
    ['stray )', '(a b))\n', /bad\.metta:1:6: unexpected '\)'.*\[ERR_SYNTAX\]$/],
    ['unbalanced (', '(a b\n(c d)\n', /bad\.metta:3:1: unclosed '\('.*\[ERR_SYNTAX\]$/],
    ['65 variables', `(f (${Array.from({ length: 32 }, (_, k) => `$a${k}`).join(' ')}) (${Array.from({ length: 32 }, (_, k) => `$b${k}`).join(' ')}) $c)`, /bad\.metta:1:\d+: more than 64 variables.*\[ERR_LIMIT\]$/],
    ['arity 64', `(${Array(64).fill('x').join(' ')})`, /bad\.metta:1:128: list has more than 63 elements.*\[ERR_LIMIT\]$/],
    ['a 64-byte symbol', `(s ${'y'.repeat(64)})`, /bad\.metta:1:4: symbol of 64 bytes is longer than 63.*\[ERR_LIMIT\]$/],
  ];
  for (const [name, text, pattern] of bad) {
    test(`text with ${name}`, () => {
      const file = path.join(dir, 'bad.metta');
      fs.writeFileSync(file, text);
      const out = path.join(dir, `bad-${name.length}.paths`);
      assertFails(cli(['serialize', file, '-o', out]), 1, pattern);
      assert.equal(fs.existsSync(out), false);
      assert.deepEqual(leftovers(dir), []);
    });
  }
  test('a truncated .paths file', () => {
    const file = path.join(dir, 'cut.paths');
    fs.writeFileSync(file, fs.readFileSync(BIG_LOGIC_PATHS).subarray(0, 400000));
    assertFails(cli(['deserialize', file, '-o', path.join(dir, 'cut.metta')]), 1, /cut\.paths: byte \d+: zlib stream is truncated.*\[ERR_TRUNCATED\]$/);
    assert.equal(fs.existsSync(path.join(dir, 'cut.metta')), false);
    assert.deepEqual(leftovers(dir), []);
  });
  test('invalid zlib data', () => {
    const file = path.join(dir, 'notzlib.paths');
    fs.writeFileSync(file, 'hello world');
    assertFails(cli(['deserialize', file]), 1, /notzlib\.paths: byte 0: not a zlib stream.*\[ERR_CORRUPT\]$/);
  });
  test('a record cut short inside a valid zlib stream', () => {
    const file = path.join(dir, 'cutrec.paths');
    fs.writeFileSync(file, zlib.deflateSync(Buffer.from([5, 0, 0, 0, 0xc1, 0x61])));
    assertFails(cli(['deserialize', file]), 1, /cutrec\.paths: decompressed byte 0: stream ends inside a record.*\[ERR_TRUNCATED\]$/);
  });
  test('a damaged record length is corruption, not a limit', () => {
    const file = path.join(dir, 'flipped.paths');
    fs.writeFileSync(file, zlib.deflateSync(Buffer.from([3, 0, 0, 0, 0xc1, 0x61, 0x62, 3, 0, 0x69, 0x69, 0xc1, 0x61])));
    assertFails(cli(['deserialize', file]), 1, /flipped\.paths: decompressed byte 7: record length field says 1768488963 bytes, but the stream ends 2 bytes later.*\[ERR_CORRUPT\]$/);
  });
  test('binary paths cannot be printed as text, and say which path', () => {
    const file = path.join(dir, 'binary.paths');
    fs.writeFileSync(file, zlib.deflateSync(Buffer.from([2, 0, 0, 0, 0x02, 0x40])));
    assertFails(cli(['deserialize', file]), 1, /binary\.paths: path 0: cannot be printed as text: reserved tag byte 0x40.*\[ERR_NOT_EXPRESSION\]$/);
  });
  test('an existing output is kept without --force and replaced with it', () => {
    const out = path.join(dir, 'exists.paths');
    fs.writeFileSync(out, 'precious');
    assertFails(cli(['serialize', path.join(dir, 'sample.metta'), '-o', out]), 2, /exists\.paths: output file exists \(use --force to replace it\) \[ERR_OUTPUT_EXISTS\]$/);
    assert.equal(fs.readFileSync(out, 'utf8'), 'precious');
    assert.equal(cli(['serialize', path.join(dir, 'sample.metta'), '-o', out, '--force']).status, 0);
    assert.deepEqual([...fs.readFileSync(out).subarray(0, 2)], [0x78, 0x5e]);
  });
  test('a failed run with --force leaves the old output in place', () => {
    const out = path.join(dir, 'kept.paths');
    fs.writeFileSync(out, 'old');
    fs.writeFileSync(path.join(dir, 'bad2.metta'), '(a b');
    assert.equal(cli(['serialize', path.join(dir, 'bad2.metta'), '-o', out, '--force']).status, 1);
    assert.equal(fs.readFileSync(out, 'utf8'), 'old');
    assert.deepEqual(leftovers(dir), []);
  });
  test('usage errors exit 2; a missing input exits 3', () => {
    assertFails(cli(['convert', path.join(dir, 'sample.metta'), '--to', 'nope']), 2, /unknown format 'nope'.*\[ERR_USAGE\]$/);
    assertFails(cli(['serialize', path.join(dir, 'sample.metta')]), 2, /give --to FORMAT \[ERR_USAGE\]$/);
    assertFails(cli(['deserialize', path.join(dir, 'missing.paths')]), 3, /missing\.paths: no such file \[ERR_IO\]$/);
    assert.equal(cli(['serialize', '--bogus']).status, 2);
  });
  test('--json puts the error on stderr as one JSON document', () => {
    const r = cli(['serialize', '-', '--to', 'paths', '--json'], { input: '(a\n)) ' });
    assert.equal(r.status, 1);
    const j = JSON.parse(r.stderr) as { error: Record<string, unknown> };
    assert.deepEqual([j.error['code'], j.error['file'], j.error['line'], j.error['column']], ['ERR_SYNTAX', '<stdin>', 2, 2]);
  });
});

describe('verify on formats without checksums of their own', () => {
  test('.paths: a full read checks the zlib stream; a cut file fails with one line', () => {
    const ok = cli(['verify', BIG_LOGIC_PATHS]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout.toString(), /OK: paths, 91,692 paths, .*Adler-32 intact/);
    const cut = path.join(dir, 'cut-verify.paths');
    fs.writeFileSync(cut, fs.readFileSync(BIG_LOGIC_PATHS).subarray(0, 1000));
    assertFails(cli(['verify', cut]), 1, /cut-verify\.paths: byte \d+: zlib stream is truncated.*\[ERR_TRUNCATED\]$/);
  });
  test('ACT: a full walk validates every node and says there is no checksum', () => {
    const ok = cli(['verify', path.join(ROOT, 'fixtures/upstream/pathmap-golden/big_logic.act')]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout.toString(), /OK: act, 91,692 paths, .*ACT carries no checksums/);
  });
});

describe('README', () => {
  test('the commands on the README first screen run and succeed', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const firstBlock = /```(?:sh|bash)?\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    assert.match(firstBlock, /^npm install$/m);
    assert.match(firstBlock, /^npm test$/m);
    const commands = firstBlock.split('\n').filter((l) => l.startsWith('node bin/morkspace.js'));
    assert.ok(commands.length > 0, 'the first screen shows a real command');
    for (const c of commands) {
      const r = spawnSync('sh', ['-c', c], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(r.status, 0, `${c}: ${r.stderr}`);
      assert.ok(r.stdout.length > 0);
    }
  });
});

describe('upstream MORK programs (shared fixtures, used in place)', { skip: sharedSkip() }, () => {
  const counts: Record<string, number> = {
    'ancestor.mm2': 38, 'counter_machine_5.mm2': 43, 'decision_tree_learning.mm2': 73, 'grounding.mm2': 15, 'ip_sudoku.mm2': 27,
    'odd_even_sort.mm2': 29, 'std.mm2': 253, 'string_convert.mm2': 4, 'transitive.mm2': 5, 'zip_add.mm2': 0, 'out.metta': 399,
  };
  for (const [file, atoms] of Object.entries(counts)) {
    test(`${file}: ${atoms} atoms, and its dump parses back to the same space`, () => {
      const r = cli(['inspect', path.join(SHARED_MORK, file), '--json']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout.toString()) as { space: { atoms: number } }).space.atoms, atoms);
      const dump = cli(['deserialize', path.join(SHARED_MORK, file)]).stdout;
      assert.equal(dump.toString().split('\n').length - 1, atoms);
      const again = cli(['convert', '-', '--to', 'text'], { input: dump }).stdout;
      assert.deepEqual(again, dump);
    });
  }
});

describe('-v and -q, help topics, counts', () => {
  const bom = path.join(dir, 'bom.metta');
  fs.writeFileSync(bom, '\ufeff(a)\n');
  const one = path.join(dir, 'one.metta');
  fs.writeFileSync(one, '(a)\n');
  test('-v works before the command and after it, and counts read as words ("1 atom")', () => {
    for (const argv of [['-v', 'serialize', one, '-o', path.join(dir, 'v1.paths')], ['serialize', one, '-o', path.join(dir, 'v2.paths'), '-v']]) {
      const r = cli(argv, { env: { ...process.env, LC_ALL: 'C.UTF-8' } });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /text → paths: 1 atom, 3 path bytes → 21 bytes in/);
    }
  });

  test('outside a UTF-8 locale, notes and help spell → as ->', () => {
    const env = { ...process.env, LC_ALL: 'C', LC_CTYPE: '', LANG: '' };
    const r = cli(['serialize', one, '-o', path.join(dir, 'c.paths'), '-v'], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /text -> paths: 1 atom, 3 path bytes -> 21 bytes in/);
    assert.doesNotMatch(r.stderr, /→/);
    assert.doesNotMatch(cli(['--help'], { env }).stdout.toString(), /→/);
  });
  test('-q leaves only errors on stderr, before the command or after it', () => {
    assert.match(cli(['serialize', bom, '-o', path.join(dir, 'q0.paths')]).stderr, /warning: .*byte-order mark/);
    for (const argv of [['-q', 'serialize', bom, '-o', path.join(dir, 'q1.paths')], ['serialize', bom, '-o', path.join(dir, 'q2.paths'), '-q']]) {
      const r = cli(argv);
      assert.equal(r.status, 0);
      assert.equal(r.stderr, '');
    }
    assertFails(cli(['-q', 'deserialize', path.join(dir, 'missing.paths')]), 3, /missing\.paths/);
  });
  test('-v with -q is a usage error', () => {
    assertFails(cli(['-v', '-q', 'serialize', one, '-o', path.join(dir, 'vq.paths')]), 2, /-v and -q/);
    assert.equal(fs.existsSync(path.join(dir, 'vq.paths')), false);
  });
  test('help of a command that does not exist exits 2 and names the commands', () => {
    assertFails(cli(['help', 'serialise']), 2, /no command 'serialise': the commands are serialize, deserialize, convert/);
    const r = cli(['help', 'convert']);
    assert.equal(r.status, 0);
    assert.match(r.stdout.toString(), /Usage: morkspace convert/);
  });
});

describe('--help', () => {
  test('every command\'s help ends with examples that name the command', () => {
    for (const name of ['serialize', 'deserialize', 'convert', 'inspect', 'query', 'verify', 'bench']) {
      const r = cli([name, '--help']);
      assert.equal(r.status, 0, r.stderr);
      const help = r.stdout.toString();
      const examples = help.slice(help.indexOf('\nExamples:\n'));
      assert.ok(help.includes('\nExamples:\n'), `${name}: no examples`);
      assert.ok(examples.split('\n').filter((l) => l.startsWith(`  morkspace ${name} `) || l.includes(`| morkspace ${name} `)).length >= 2, `${name}: ${examples}`);
    }
  });
});

describe('--json and usage errors', () => {
  test('an unknown option or command under --json is one JSON document on stderr, exit 2', () => {
    for (const argv of [['convert', '--bogus', '--json'], ['frob', '--json']]) {
      const r = cli(argv);
      assert.equal(r.status, 2);
      assert.equal(r.stdout.length, 0);
      const doc = JSON.parse(r.stderr) as { error: { code: string; message: string } };
      assert.equal(doc.error.code, 'ERR_USAGE');
      assert.match(doc.error.message, /unknown (option '--bogus'|command 'frob')/);
    }
  });
});
