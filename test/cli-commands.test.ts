// A command line that names a command defines only that command's group (src/cli/main.ts): each
// group must define exactly the names it claims, and a command's help must read the same either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { COMMAND_GROUPS, addCommands } from '../src/cli/main.js';
import { cli } from './helpers/cli.js';

const discard = (): Writable => new Writable({ write: (_chunk, _encoding, done) => done() });
const io = { stdin: (async function* () {})(), stdout: discard(), stderr: discard() };
const names = (program: Command): string[] => program.commands.map((c) => c.name()).sort();

test('each group of commands defines the names it is chosen by, and only those', () => {
  for (const g of COMMAND_GROUPS) {
    const program = new Command('morkspace');
    g.add(program, io, () => undefined);
    assert.deepEqual(names(program), [...g.names].sort());
  }
});

test('a command line naming a command defines its group; help, completion and anything else define every command', () => {
  const all = new Command('morkspace');
  addCommands(all, io, () => undefined, []);
  const every = names(all);
  assert.deepEqual(every, [...COMMAND_GROUPS.flatMap((g) => g.names), 'completion', 'manpage'].sort());
  for (const argv of [['help', 'inspect'], ['--help', 'inspect'], ['-h', 'query'], ['completion', 'bash'], ['inspec', 'x'], ['--version']]) {
    const program = new Command('morkspace');
    addCommands(program, io, () => undefined, argv);
    assert.deepEqual(names(program), every, argv.join(' '));
  }
  for (const argv of [['inspect', 'x.paths'], ['-q', 'inspect', '--json', 'x'], ['--verbose', 'convert', 'a', '-o', 'b']]) {
    const program = new Command('morkspace');
    addCommands(program, io, () => undefined, argv);
    const name = argv.find((a) => !a.startsWith('-'))!;
    assert.deepEqual(names(program), [...COMMAND_GROUPS.find((g) => g.names.includes(name))!.names].sort(), argv.join(' '));
  }
});

test('a command\'s help reads the same when only its group is defined', () => {
  for (const name of COMMAND_GROUPS.flatMap((g) => g.names)) {
    const alone = cli([name, '--help']);
    const among = cli(['help', name]);
    assert.equal(alone.status, 0, alone.stderr);
    assert.equal(alone.stdout.toString(), among.stdout.toString(), name);
  }
});
