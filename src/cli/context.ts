/** What a command needs from the process: streams and a TTY flag, so tests can run the CLI in-process. */
import { ErrorCode, UsageError } from '../errors.js';
import { fileInput, streamInput, type Input } from '../io/input.js';
import { checkOutputFree, writeFileAtomic, writeStream } from '../io/output.js';

export interface CliIo {
  stdin: AsyncIterable<Uint8Array>;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

/** Options every command takes. */
export interface GlobalOptions {
  json?: boolean;
  verbose?: boolean;
  force?: boolean;
}

/** The input named on the command line (`-` or nothing: stdin). */
export function cliInput(name: string | undefined, io: CliIo): Input {
  return name === undefined || name === '-' ? streamInput('<stdin>', io.stdin) : fileInput(name);
}

/** Fail early, before any work, when the output cannot be written. */
export function checkCliOutput(output: string | undefined, binary: boolean, io: CliIo, force: boolean): void {
  if (output !== undefined && output !== '-') {
    checkOutputFree(output, force);
  } else if (binary && io.stdout.isTTY && !force) {
    throw new UsageError(ErrorCode.Usage, 'refusing to write a binary format to a terminal: give -o FILE, redirect, or --force');
  }
}

/** Send bytes to the output file (atomically) or stdout; returns the bytes written. */
export async function sendOutput(output: string | undefined, bytes: AsyncIterable<Uint8Array>, io: CliIo, force: boolean): Promise<number> {
  if (output === undefined || output === '-') return writeStream(io.stdout, bytes);
  return writeFileAtomic(output, bytes, { force });
}

/** A note for the user on stderr (never stdout, which may carry data or JSON). */
export function note(io: CliIo, message: string): void {
  io.stderr.write(`morkspace: ${message}\n`);
}
