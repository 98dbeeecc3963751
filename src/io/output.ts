/**
 * Where a run's bytes go. A regular file (new, or replaced under `force`) is written to a short
 * temporary file beside it and put in place only when the run succeeds; anything else that exists —
 * a character device (`/dev/null`), a FIFO, a socket, `/dev/fd/N` — is opened and written directly,
 * needs no `force` and is never replaced; a symlink is followed to what it names. On failure or
 * abort the temporary file is removed, and the process-wide list of temporary files (temp-files.ts)
 * lets a signal handler remove it even when the run cannot unwind in time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, IoError, ioError } from '../errors.js';
import { FdSink, StreamSink, type ByteSink } from './sink.js';
import { forgetTemp, trackTemp } from './temp-files.js';

/** An output opened for one run. */
export interface OutputTarget {
  readonly name: string;
  readonly sink: ByteSink;
  /** Present on temporary files: drop what was written and start again (a run that must restart). */
  readonly restart?: () => Promise<ByteSink>;
  /** Make the output final (the temporary file takes the output's name). */
  commit(): Promise<void>;
  /** Remove what was written, if it can be (temporary files); safe to call twice, or after commit. */
  discard(): Promise<void>;
}

/** How an output path will be written, decided before any work so a bad output fails fast. */
export type OutputPlan =
  | { kind: 'file'; file: string; replace: boolean }
  | { kind: 'direct'; file: string };

const DIRECT_NAMES = /^\/(?:dev\/(?:stdout|stderr|fd\/\d+)|proc\/(?:self|\d+)\/fd\/\d+)$/;

/** Follow symlinks from `file` to the path they finally name (which may not exist yet). */
function resolveLinks(file: string): string {
  let p = file;
  for (let hops = 0; hops < 40; hops++) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return p;
    }
    if (!st.isSymbolicLink()) return p;
    p = path.resolve(path.dirname(p), fs.readlinkSync(p));
  }
  throw new IoError(ErrorCode.Io, 'too many levels of symbolic links', { file });
}

/**
 * True when `file` is written as a stream, not a file: stdout's names, or an existing device, FIFO
 * or socket (through symlinks). Such a name says nothing of a format.
 */
export function isStreamOutput(file: string): boolean {
  try {
    return planOutput(file, true).kind === 'direct';
  } catch {
    return false; // (the write reports what is wrong with it)
  }
}

/**
 * Decide how `file` is written. @throws IoError ERR_OUTPUT_EXISTS (a regular file, no `force`),
 * ERR_IO (a directory, a missing folder).
 */
export function planOutput(file: string, force: boolean): OutputPlan {
  if (DIRECT_NAMES.test(file)) return { kind: 'direct', file };
  const target = resolveLinks(file);
  const shown = target === file ? {} : { hint: ` (${file} links to ${target})` };
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(e, file);
  }
  if (st === undefined) {
    const dir = path.dirname(target);
    let dst: fs.Stats;
    try {
      dst = fs.statSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new IoError(ErrorCode.Io, code === 'ENOENT' || code === 'ENOTDIR' ? `no such folder: ${dir}` : (ioError(e, dir).message), { file });
    }
    if (!dst.isDirectory()) throw new IoError(ErrorCode.Io, `not a folder: ${dir}`, { file });
    return { kind: 'file', file: target, replace: false };
  }
  if (st.isDirectory()) throw new IoError(ErrorCode.Io, `is a directory${shown.hint ?? ''}`, { file });
  if (!st.isFile()) return { kind: 'direct', file: target };
  if (!force) throw new IoError(ErrorCode.OutputExists, `output file exists${shown.hint ?? ''} (use --force to replace it)`, { file });
  return { kind: 'file', file: target, replace: true };
}

function tempName(file: string): string {
  // short: a valid long output name must not overflow NAME_MAX because of what we add
  return path.join(path.dirname(file), `.ms-${Math.random().toString(36).slice(2, 8)}.tmp`);
}

/** Open `file` for a run (see `planOutput`). `name` is what messages call it (the user's spelling). */
export async function openOutput(file: string, options: { force: boolean }): Promise<OutputTarget> {
  const plan = planOutput(file, options.force);
  if (plan.kind === 'direct') return openDirect(plan.file, file);
  return openTemp(plan.file, plan.replace, file);
}

async function openDirect(file: string, name: string): Promise<OutputTarget> {
  let fd: number;
  try {
    // append: a descriptor the shell opened for us (`>>`) keeps what it has
    fd = await new Promise<number>((resolve, reject) => fs.open(file, 'a', (e, f) => (e ? reject(e) : resolve(f))));
  } catch (e) {
    throw ioError(e, name);
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
  };
  return { name, sink: new FdSink(fd, name, false), commit: close, discard: close };
}

async function openTemp(file: string, replace: boolean, name: string): Promise<OutputTarget> {
  const tmp = tempName(file);
  let fd: number;
  try {
    fd = fs.openSync(tmp, 'wx+');
  } catch (e) {
    throw ioError(e, name);
  }
  trackTemp(tmp);
  let done = false;
  const closeFd = (): void => {
    if (fd >= 0) fs.closeSync(fd);
    fd = -1;
  };
  const target: OutputTarget = {
    name,
    sink: new FdSink(fd, name),
    async restart() {
      fs.ftruncateSync(fd, 0);
      return new FdSink(fd, name);
    },
    async commit() {
      if (done) return;
      closeFd();
      // synchronous, as the rest of this file: one metadata call each, and node:fs/promises would
      // load (1-3 ms) only for them
      try {
        if (replace) {
          fs.renameSync(tmp, file);
        } else {
          // link() refuses to replace a file that appeared meanwhile; rename() would clobber it
          try {
            fs.linkSync(tmp, file);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new IoError(ErrorCode.OutputExists, 'output file exists (use --force to replace it)', { file: name });
            throw ioError(e, name);
          }
          fs.unlinkSync(tmp);
        }
      } catch (e) {
        await target.discard();
        throw e;
      }
      done = true;
      forgetTemp(tmp);
    },
    async discard() {
      if (done) return;
      done = true;
      closeFd();
      try {
        fs.unlinkSync(tmp);
      } catch {
        // already gone: nothing is left behind either way
      }
      forgetTemp(tmp);
    },
  };
  return target;
}

/** An output over a stream (stdout): written as it goes; nothing to commit or discard. */
export function streamOutput(stream: NodeJS.WritableStream, name = '<stdout>'): OutputTarget {
  const sink = new StreamSink(stream, name);
  return {
    name,
    sink,
    async commit() {
      sink.release();
    },
    async discard() {
      sink.release();
    },
  };
}
