/**
 * What `inspect` prints, for each format, as a user sees it: the summary, a walk with head symbols
 * and samples, the internals behind -v, and --json (also checked against docs/inspect.schema.json).
 * The expected output is in test/snapshots/inspect-FORMAT.txt; after a deliberate change, rewrite
 * them with `UPDATE_SNAPSHOTS=1 npm test` and read the diff.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { convertFile } from '../src/index.js';
import { cli, tempDir } from './helpers/cli.js';
import { BIG_LOGIC_PATHS, ROOT } from './helpers/fixtures.js';
import { schemaProblem } from './helpers/schema.js';

const SNAPSHOTS = path.join(ROOT, 'test/snapshots');
const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs/inspect.schema.json'), 'utf8')) as Record<string, unknown>;
const UPDATE = process.env['UPDATE_SNAPSHOTS'] === '1';

// The runs shown for each format (the file is named `s.<ext>` in a folder of its own).
// (-v names the run's threads, budget and folder: pinned, so that the snapshot is this host's and any other's)
const RUNS: readonly (readonly string[])[] = [[], ['--count', '--sample', '3'], ['-v', '--count', '--threads', '1', '--memory', '256M', '--tmp-dir', '.'], ['--json', '--count', '--sample', '2']];

describe('inspect output, as snapshots', () => {
  const dir = tempDir();
  const files: Record<string, string> = { text: 's.metta', paths: 's.paths', act: 's.act', mtts: 's.mtts' };
  const made = (async () => {
    fs.copyFileSync(BIG_LOGIC_PATHS, path.join(dir, files['paths']!));
    await convertFile(BIG_LOGIC_PATHS, path.join(dir, files['act']!), { threads: 1 });
    await convertFile(BIG_LOGIC_PATHS, path.join(dir, files['mtts']!), { threads: 1 });
    // text with what inspect reports of text: a duplicate, variables, a comment, nesting
    fs.writeFileSync(path.join(dir, files['text']!), '; family\n(parent Alice Bob)\n(parent Bob Carol)\n(parent Alice Bob)\n(= (grandparent $x $z) (, (parent $x $y) (parent $y $z)))\n(: parent (-> Person Person Type))\n');
  })();

  for (const [format, file] of Object.entries(files)) {
    test(`${format}: the summary, a walk, -v and --json read as test/snapshots/inspect-${format}.txt`, async () => {
      await made;
      let shown = '';
      for (const args of RUNS) {
        const r = cli(['inspect', ...args, file], { cwd: dir, env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } });
        assert.equal(r.status, 0, r.stderr);
        shown += `$ morkspace inspect ${[...args, file].join(' ')}\n${r.stdout.toString()}${r.stderr === '' ? '' : `[stderr]\n${r.stderr}`}\n`;
        if (args.includes('--json')) assert.equal(schemaProblem(schema, JSON.parse(r.stdout.toString())), undefined);
      }
      // whether ACT is mapped depends on the optional mmap addon being installed, not on the file
      shown = shown.replace(/^(mapped\s+)(?:true|false)$/gm, '$1(true with the mmap addon)').replace(/"mapped": (?:true|false)/g, '"mapped": "(true with the mmap addon)"');
      const snapshot = path.join(SNAPSHOTS, `inspect-${format}.txt`);
      if (UPDATE) {
        fs.mkdirSync(SNAPSHOTS, { recursive: true });
        fs.writeFileSync(snapshot, shown);
        return;
      }
      assert.ok(fs.existsSync(snapshot), `no snapshot ${snapshot}: make it with UPDATE_SNAPSHOTS=1 npm test`);
      assert.equal(shown, fs.readFileSync(snapshot, 'utf8'));
    });
  }
});

describe('inspect --plot', () => {
  const dir = tempDir();
  test('when --plot names an .svg file, then it holds one chart per histogram, the head symbols named', () => {
    const svg = path.join(dir, 'big_logic.svg');
    const r = cli(['inspect', BIG_LOGIC_PATHS, '--plot', svg]);
    assert.equal(r.status, 0, r.stderr);
    const picture = fs.readFileSync(svg, 'utf8');
    assert.match(picture, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    for (const title of ['big_logic.metta.paths: 91,692 atoms (paths)', 'head symbols (1 most frequent of 1): atoms', 'path length (bytes): atoms', 'arity: lists', '>axiom<', '>885,629<']) assert.ok(picture.includes(title), title);
    // one bar per bucket: 1 head, 5 path-length buckets, 3 arities
    assert.equal((picture.match(/<path [^>]*fill="#4c78a8"/g) ?? []).length, 1 + 5 + 3);
  });

  test('when the picture exists, then it is kept without --force (exit 2, before the walk) and replaced with it', () => {
    const svg = path.join(dir, 'kept.svg');
    fs.writeFileSync(svg, 'mine');
    const r = cli(['inspect', BIG_LOGIC_PATHS, '--plot', svg]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /kept.svg: output file exists \(use --force to replace it\)/);
    assert.equal(fs.readFileSync(svg, 'utf8'), 'mine');
    assert.equal(cli(['inspect', BIG_LOGIC_PATHS, '--plot', svg, '-f']).status, 0);
    assert.match(fs.readFileSync(svg, 'utf8'), /^<svg /);
  });

  test('when --plot names another kind of file or there are two inputs, then it is a usage error and nothing is written', () => {
    const png = path.join(dir, 'p.png');
    const r = cli(['inspect', BIG_LOGIC_PATHS, '--plot', png]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--plot writes SVG: name the file .svg, not 'p.png'/);
    assert.equal(fs.existsSync(png), false);
    assert.match(cli(['inspect', BIG_LOGIC_PATHS, BIG_LOGIC_PATHS, '--plot', path.join(dir, 'two.svg')]).stderr, /--plot draws one file: give one input/);
  });
});
