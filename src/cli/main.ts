/**
 * The morkspace command line: parses options and wires sources to sinks through the library.
 * `main` returns the exit code; only bin/morkspace.js calls process.exit.
 */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { ExitCode, exitCodeOf, isMorkspaceError } from '../errors.js';
import { addConvertCommands } from './convert-commands.js';
import { addInspectCommand } from './inspect-command.js';
import { addQueryCommand } from './query-command.js';
// Formats beyond text and paths register themselves when imported.
import '../formats/act/index.js';
import type { CliIo } from './context.js';
import { addVerifyCommand } from './verify-command.js';
import { closePool } from '../pool/pool.js';
// registers the MTTS format with the format table
import '../formats/mtts/index.js';

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };

/** Run the CLI with `argv` (without node and script); returns the process exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = new Command('morkspace');
  let pending: Promise<void> | undefined;
  const setExit = (p: Promise<void>): void => {
    pending = p;
  };
  const json = argv.includes('--json');
  program
    .description('Serialize, deserialize, convert, inspect and query MORK atom spaces')
    .version(version)
    .showHelpAfterError('(run morkspace --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  addConvertCommands(program, io, setExit);
  addInspectCommand(program, io, setExit);
  addQueryCommand(program, io, setExit);
  addVerifyCommand(program, io, setExit);
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    if (pending) await pending;
    return ExitCode.Ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.Ok;
      return ExitCode.Usage;
    }
    if (isEpipe(e)) return ExitCode.Ok; // the reader went away (`| head`): not our failure
    reportError(io, e, json);
    return exitCodeOf(e);
  } finally {
    // worker threads would keep the process alive after the command
    await closePool();
  }
}

function isEpipe(e: unknown): boolean {
  const cause = (e as { cause?: { code?: string } }).cause;
  return (e as { code?: string }).code === 'EPIPE' || cause?.code === 'EPIPE';
}

function reportError(io: CliIo, e: unknown, json: boolean): void {
  if (process.env['MORKSPACE_DEBUG'] === '1' && e instanceof Error) io.stderr.write(`${e.stack}\n`);
  if (isMorkspaceError(e)) {
    io.stderr.write(json ? JSON.stringify({ error: e.toJSON() }) + '\n' : `morkspace: ${e.render()}\n`);
  } else {
    const message = e instanceof Error ? e.message : String(e);
    io.stderr.write(json ? JSON.stringify({ error: { code: 'ERR_INTERNAL', message } }) + '\n' : `morkspace: internal error: ${message} (set MORKSPACE_DEBUG=1 for a stack trace)\n`);
  }
}

function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}
