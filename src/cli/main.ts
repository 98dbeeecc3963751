/**
 * The morkspace command line: parses options and wires sources to sinks through the library.
 * `main` returns the exit code; only bin/morkspace.js calls process.exit.
 */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { AbortedError, ErrorCode, ExitCode, UsageError, exitCodeOf, ioError, isMorkspaceError } from '../errors.js';
import { removeTempFilesSync } from '../io/temp-files.js';
import { addBenchCommand } from './bench-command.js';
import { addExamples } from './examples.js';
import { CONVERT_COMMAND_NAMES, addConvertCommands } from './convert-commands.js';
import { addInspectCommand } from './inspect-command.js';
import { QuietExit, addQueryCommand } from './query-command.js';
import { addSymbolsCommand } from './symbols-command.js';
import { BatchFailed, type CliIo } from './context.js';
import { forLocale } from './render.js';
import { addVerifyCommand } from './verify-command.js';
import { SHELLS, completionScript, manPage, type Shell } from './shell.js';

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };

/**
 * Run the CLI with `argv` (without node and script); returns the process exit code. With the
 * process's own streams (the default), SIGINT and SIGTERM cancel the run: its stages stop, its
 * temporary files are removed, and the code is 130 or 143.
 */
export async function main(argv: readonly string[], io?: CliIo): Promise<number> {
  if (io !== undefined) return run(argv, io);
  const { io: pio, dispose } = processIo();
  try {
    return await run(argv, pio);
  } finally {
    dispose();
  }
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const program = new Command('morkspace');
  let pending: Promise<void> | undefined;
  const setExit = (p: Promise<void>): void => {
    pending = p;
  };
  const json = argv.includes('--json');
  let usageText: string | undefined;
  program
    .description('Serialize, deserialize, convert, inspect and query MORK atom spaces')
    .version(version)
    .option('-v, --verbose', 'notes and a summary on stderr (before or after the command)')
    .option('-q, --quiet', 'nothing on stderr but errors: no warnings, no notes')
    .showHelpAfterError('(run morkspace --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(forLocale(s)),
      // with --json a usage error is one JSON document too (written in the catch below)
      writeErr: (s) => (json ? undefined : io.stderr.write(forLocale(s))),
      outputError: (s, write) => {
        if (json) usageText ??= s.replace(/^error: /, '').trim();
        else write(s);
      },
    });
  addCommands(program, io, setExit, argv);
  try {
    checkHelpTopic(program, argv);
    await program.parseAsync(argv as string[], { from: 'user' });
    if (pending) await pending;
    return ExitCode.Ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.Ok;
      if (json) io.stderr.write(JSON.stringify({ error: { code: ErrorCode.Usage, message: usageText ?? e.message.replace(/^error: /, '') } }) + '\n');
      return ExitCode.Usage;
    }
    if (isEpipe(e)) return ExitCode.Ok; // the reader went away (`| head`): not our failure
    if (e instanceof QuietExit) return e.code;
    if (e instanceof BatchFailed) {
      if (!json) io.stderr.write(`morkspace: ${e.message}\n`);
      return exitCodeOf(e.first);
    }
    // once cancelled, whatever failed on the way out (a stream cut, a worker stopped) was the cancellation
    const err = io.signal?.aborted ? io.signal.reason : e;
    reportError(io, err, json);
    return exitCodeOf(err);
  }
}

type AddCommands = (program: Command, io: CliIo, setExit: (p: Promise<void>) => void) => void;

/**
 * The commands by the function that defines them. A command line that names one of them defines
 * only its group: defining every command, its options and examples took 2.3 ms of a small command
 * (`inspect` of a small file, bench case `inspect small`, with the bundle's code cache). Help,
 * completion, the man page and a name that is none of these define them all.
 */
export const COMMAND_GROUPS: readonly { names: readonly string[]; add: AddCommands }[] = [
  { names: CONVERT_COMMAND_NAMES, add: addConvertCommands },
  { names: ['inspect'], add: addInspectCommand },
  { names: ['query'], add: addQueryCommand },
  { names: ['symbols'], add: addSymbolsCommand },
  { names: ['verify'], add: addVerifyCommand },
  { names: ['bench'], add: addBenchCommand },
];

const QUIET_OR_VERBOSE: readonly string[] = ['-v', '--verbose', '-q', '--quiet'];

/** Define the commands `argv` may run on `program`: the named command's group, or every command. */
export function addCommands(program: Command, io: CliIo, setExit: (p: Promise<void>) => void, argv: readonly string[]): void {
  // the global options take no value: the first word that is not one names the command (after
  // another option, such as --help, all are defined: the general help lists them)
  const at = argv.findIndex((a) => !a.startsWith('-'));
  const name = at >= 0 && argv.slice(0, at).every((a) => QUIET_OR_VERBOSE.includes(a)) ? argv[at] : undefined;
  const named = COMMAND_GROUPS.find((g) => name !== undefined && g.names.includes(name));
  for (const g of named !== undefined ? [named] : COMMAND_GROUPS) g.add(program, io, setExit);
  if (named === undefined) addShellCommands(program, io, version);
  for (const c of program.commands) addExamples(c);
}

/** `completion SHELL` (a script for bash, zsh or fish) and the hidden `manpage` (man/morkspace.1). */
function addShellCommands(program: Command, io: CliIo, version: string): void {
  program
    .command('completion')
    .description(`print the shell completion script for ${SHELLS.join(', ')}`)
    .argument('<shell>', SHELLS.join(', '))
    .action((shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) throw new UsageError(ErrorCode.Usage, `no completion for '${shell}': the shells are ${SHELLS.join(', ')}`);
      io.stdout.write(completionScript(program, shell as Shell));
    });
  program
    .command('manpage', { hidden: true })
    .description('print the man page (roff), as shipped in man/morkspace.1')
    .option('--date <date>', 'the date on the page (default: today, YYYY-MM-DD)')
    .action((flags: { date?: string }) => {
      io.stdout.write(manPage(program, version, flags.date ?? new Date().toISOString().slice(0, 10)));
    });
}

// `help NAME` of a command that does not exist is a usage error (commander prints the general help, exit 0).
function checkHelpTopic(program: Command, argv: readonly string[]): void {
  const first = argv.findIndex((a) => !a.startsWith('-'));
  if (first < 0 || argv[first] !== 'help') return;
  const topic = argv[first + 1];
  if (topic === undefined || topic.startsWith('-')) return;
  if (!program.commands.some((c) => c.name() === topic || c.aliases().includes(topic))) {
    throw new UsageError(ErrorCode.Usage, `no command '${topic}': the commands are ${program.commands.map((c) => c.name()).join(', ')}`);
  }
}

function isEpipe(e: unknown): boolean {
  const cause = (e as { cause?: { code?: string } }).cause;
  return (e as { code?: string }).code === 'EPIPE' || cause?.code === 'EPIPE';
}

/**
 * The line (or JSON document) for a failed write to stdout that no sink reported: a report or a
 * listing written after the run, to a full disk or /dev/full (bin/morkspace.js prints it, exit 3).
 */
export function stdoutFailure(e: unknown, json: boolean): string {
  const err = ioError(e, '<stdout>');
  return json ? JSON.stringify({ error: err.toJSON() }) + '\n' : forLocale(`morkspace: ${err.render()}\n`);
}

function reportError(io: CliIo, e: unknown, json: boolean): void {
  if (process.env['MORKSPACE_DEBUG'] === '1' && e instanceof Error) io.stderr.write(`${e.stack}\n`);
  if (isMorkspaceError(e)) {
    io.stderr.write(json ? JSON.stringify({ error: e.toJSON() }) + '\n' : forLocale(`morkspace: ${e.render()}\n`));
  } else {
    const message = e instanceof Error ? e.message : String(e);
    io.stderr.write(json ? JSON.stringify({ error: { code: 'ERR_INTERNAL', message } }) + '\n' : `morkspace: internal error (a bug: please report it with the output of MORKSPACE_DEBUG=1): ${message}\n`);
  }
}

/** Seconds a cancelled run has to unwind before the process removes its temporary files and exits anyway. */
const UNWIND_SECONDS = 5;

/**
 * `it`, whose pending read rejects with the signal's reason once it aborts. A read of stdin waits
 * for its writer, which may not write again: on one thread nothing else noticed Ctrl-C, and the run
 * sat out the unwind timeout and exited without its message.
 */
function untilAborted<T>(it: AsyncIterator<T>, signal: AbortSignal): AsyncIterator<T> {
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => undefined);
  return {
    next: () => Promise.race([it.next(), aborted]),
    return: (value?: unknown) => it.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
  };
}

// The process's streams, and its signals wired to one AbortController.
function processIo(): { io: CliIo; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    const code = signal === 'SIGTERM' ? ExitCode.Terminated : ExitCode.Interrupted;
    if (controller.signal.aborted) {
      // a second signal: stop now
      removeTempFilesSync();
      process.exit(code);
    }
    controller.abort(new AbortedError(signal));
    setTimeout(() => {
      removeTempFilesSync();
      process.exit(code);
    }, UNWIND_SECONDS * 1000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // whatever ends the process (a crash included), its temporary files and spilled runs go with it
  process.on('exit', removeTempFilesSync);
  let stdinUsed = false;
  const dispose = (): void => {
    // a read left pending (a cancelled run) would keep the process alive until the writer closes
    if (stdinUsed) process.stdin.destroy();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', removeTempFilesSync);
  };
  // process.stdin is made on first use (for a pipe that loads node:net): only by a run that reads it
  const stdin: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => {
      stdinUsed = true;
      return untilAborted((process.stdin as AsyncIterable<Uint8Array>)[Symbol.asyncIterator](), controller.signal);
    },
  };
  return { io: { stdin, stdout: process.stdout, stderr: process.stderr, signal: controller.signal }, dispose };
}
