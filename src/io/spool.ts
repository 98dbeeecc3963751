/**
 * A copy of a stream in the run's temporary folder, for readers that need a file: a second pass
 * over the same bytes (`--intern`), or random access within a memory budget (ACT from stdin).
 */
import fs from 'node:fs';
import { ioError } from '../errors.js';
import { forgetTemp, trackTemp } from './temp-files.js';

/** A spooled copy: `path` to read; `done` removes it (it is also removed if the process is killed). */
export interface Spool {
  path: string;
  done: () => void;
}

/**
 * Copy `chunks` to a new file in `tmpDir`, stopping at `abort`'s signal. Nothing is left behind
 * when the copy fails.
 * @throws IoError naming the folder or the file.
 */
export async function spool(chunks: AsyncIterable<Uint8Array>, tmpDir: string, checkAborted: () => void): Promise<Spool> {
  const dir = await fs.promises.mkdtemp(`${tmpDir.replace(/\/$/, '')}/morkspace-spool-`).catch((e: unknown) => {
    throw ioError(e, tmpDir);
  });
  trackTemp(dir);
  const done = (): void => {
    fs.rmSync(dir, { recursive: true, force: true });
    forgetTemp(dir);
  };
  const file = `${dir}/input`;
  try {
    const out = await fs.promises.open(file, 'w').catch((e: unknown) => {
      throw ioError(e, file);
    });
    try {
      for await (const chunk of chunks) {
        checkAborted();
        await out.write(chunk).catch((e: unknown) => {
          throw ioError(e, file);
        });
      }
    } finally {
      await out.close();
    }
    return { path: file, done };
  } catch (e) {
    done();
    throw e;
  }
}
