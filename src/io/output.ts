/**
 * Where bytes go: a file written atomically (a temporary file in the same folder, renamed into
 * place only when everything succeeded) or a stream such as stdout. An existing file is replaced
 * only with `force`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, IoError, ioError } from '../errors.js';
import { drained } from './drained.js';

/** Options of `writeFileAtomic`. */
export interface OutputOptions {
  /** Replace an existing file. Defaults to false. */
  force: boolean;
}

/** @throws IoError ERR_OUTPUT_EXISTS when `file` exists and `force` is off. */
export function checkOutputFree(file: string, force: boolean): void {
  if (!force && fs.existsSync(file)) {
    throw new IoError(ErrorCode.OutputExists, 'output file exists (use --force to replace it)', { file });
  }
}

/** Write `chunks` to `file` atomically; returns the bytes written. Nothing is left behind on failure. */
export async function writeFileAtomic(file: string, chunks: AsyncIterable<Uint8Array>, options: Partial<OutputOptions> = {}): Promise<number> {
  const force = options.force ?? false;
  checkOutputFree(file, force);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  let fd: fs.promises.FileHandle;
  try {
    fd = await fs.promises.open(tmp, 'wx');
  } catch (e) {
    throw ioError(e, file);
  }
  let written = 0;
  try {
    for await (const chunk of chunks) {
      let off = 0;
      while (off < chunk.length) {
        const { bytesWritten } = await fd.write(chunk, off, chunk.length - off).catch((e: unknown) => {
          throw ioError(e, file);
        });
        off += bytesWritten;
      }
      written += chunk.length;
    }
    await fd.close();
    if (force) {
      await fs.promises.rename(tmp, file);
    } else {
      // link() refuses to replace a file that appeared meanwhile; rename() would clobber it.
      await fs.promises.link(tmp, file).catch((e: unknown) => {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new IoError(ErrorCode.OutputExists, 'output file exists (use --force to replace it)', { file });
        throw ioError(e, file);
      });
      await fs.promises.unlink(tmp);
    }
  } catch (e) {
    await fd.close().catch(() => undefined);
    await fs.promises.unlink(tmp).catch(() => undefined);
    throw e;
  }
  return written;
}

/** Write `chunks` to a stream (stdout), honouring backpressure; returns the bytes written. */
export async function writeStream(stream: NodeJS.WritableStream, chunks: AsyncIterable<Uint8Array>): Promise<number> {
  let written = 0;
  let failed: unknown;
  const onError = (e: unknown): void => {
    failed = e;
  };
  stream.on('error', onError);
  try {
    for await (const chunk of chunks) {
      if (failed !== undefined) break;
      written += chunk.length;
      if (!stream.write(chunk) && failed === undefined) await drained(stream);
    }
  } finally {
    stream.off('error', onError);
  }
  if (failed !== undefined) throw ioError(failed, '<stdout>');
  return written;
}
