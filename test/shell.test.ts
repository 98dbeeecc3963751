/** Shell completion and the man page: generated from the commands, and what a shell does with them. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cli } from './helpers/cli.js';
import { CLI, ROOT } from './helpers/fixtures.js';

const has = (program: string): boolean => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
const skipUnless = (program: string): string | false => (has(program) ? false : `${program} is not installed here`);

describe('shell completion', () => {
  test('bash: commands, options, format names after --to, files for inputs', { skip: skipUnless('bash') }, () => {
    const script = `source <(${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} completion bash)
t() { COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _morkspace; echo "\${COMPREPLY[*]}"; }
t morkspace con
t morkspace convert --t
t morkspace convert --to ''
t morkspace -v inspect --co
t morkspace help ver
t morkspace convert fixtures/upstream/big_logic.metta.pa`;
    const r = spawnSync('bash', ['-c', script], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['convert', '--to --template --threads --tmp-dir', 'text paths upaths act mtts', '--count', 'verify', 'fixtures/upstream/big_logic.metta.paths']);
  });

  test('zsh and fish: the scripts parse', () => {
    for (const shell of ['zsh', 'fish']) {
      if (!has(shell)) continue;
      const file = path.join(fs.mkdtempSync(path.join(ROOT, 'dist', 'completion-')), `morkspace.${shell}`);
      fs.writeFileSync(file, cli(['completion', shell]).stdout);
      const r = spawnSync(shell, ['-n', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${shell}: ${r.stderr}`);
      fs.rmSync(path.dirname(file), { recursive: true });
    }
  });

  test('fish: what it offers after `convert --to `', { skip: skipUnless('fish') }, () => {
    const r = spawnSync('fish', ['-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} completion fish | source; complete -C 'morkspace convert --to '`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.split('\t')[0]).sort(), ['act', 'mtts', 'paths', 'text', 'upaths']);
  });

  test('a shell without a script is a usage error naming the shells', () => {
    const r = cli(['completion', 'tcsh']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no completion for 'tcsh': the shells are bash, zsh, fish/);
  });
});

describe('the man page', () => {
  const shipped = fs.readFileSync(path.join(ROOT, 'man/morkspace.1'), 'utf8');
  test('man/morkspace.1 is what `morkspace manpage` prints (run `npm run man` after changing a command)', () => {
    const date = /^\.TH MORKSPACE 1 "([^"]+)"/.exec(shipped)?.[1];
    assert.ok(date, 'the page has a .TH line');
    assert.equal(cli(['manpage', '--date', date]).stdout.toString(), shipped);
  });

  test('every command and its options are on it, and groff reads it without a warning', () => {
    for (const c of ['serialize', 'deserialize', 'convert', 'inspect', 'query', 'verify', 'bench', 'completion']) assert.match(shipped, new RegExp(`^\\.SS "${c}"$`, 'm'));
    assert.match(shipped, /\\fB\\-\\-memory\\fR/);
    if (!has('groff')) return;
    const r = spawnSync('groff', ['-man', '-ww', '-z', path.join(ROOT, 'man/morkspace.1')], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    assert.equal(r.status, 0);
    assert.equal(r.stderr, '');
  });
});
