/** Where a space comes from: a file (which random-access formats may map) or a stream such as stdin. */
import fs from 'node:fs';
import { ioError } from '../errors.js';

/** Bytes read per chunk from files (bench case `text->paths`). */
export const READ_CHUNK_BYTES = 1 << 20;

/** A readable input. Chunks can be taken once; `head()` does not consume them. */
export interface Input {
  /** Name used in messages: the file path, or `<stdin>`. */
  readonly name: string;
  /** The file path when the input is a regular file, for formats that map or seek. */
  readonly path: string | undefined;
  /** Size in bytes when known (regular files). */
  readonly size: number | undefined;
  /** Up to `n` first bytes, without consuming them. */
  head(n: number): Promise<Uint8Array>;
  /** The bytes, in chunks. */
  chunks(): AsyncIterable<Uint8Array>;
  /** The whole input in one array. */
  readAll(): Promise<Uint8Array>;
}

/** An input over a regular file. @throws IoError when it cannot be opened. */
export function fileInput(path: string): Input {
  let size: number;
  try {
    const st = fs.statSync(path);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    size = st.isFile() ? st.size : Number.NaN;
  } catch (e) {
    throw ioError(e, path);
  }
  const isFile = !Number.isNaN(size);
  if (!isFile) return streamInput(path, fs.createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }));
  return {
    name: path,
    path,
    size,
    async head(n) {
      const fd = await fs.promises.open(path, 'r').catch((e: unknown) => {
        throw ioError(e, path);
      });
      try {
        const buf = new Uint8Array(Math.min(n, size));
        const { bytesRead } = await fd.read(buf, 0, buf.length, 0);
        return buf.subarray(0, bytesRead);
      } finally {
        await fd.close();
      }
    },
    chunks() {
      return guardIo(fs.createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }), path);
    },
    async readAll() {
      return fs.promises.readFile(path).catch((e: unknown) => {
        throw ioError(e, path);
      });
    },
  };
}

async function* guardIo(stream: AsyncIterable<Buffer>, name: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk;
  } catch (e) {
    throw ioError(e, name);
  }
}

/** An input over a stream read once (stdin, a pipe); `head()` buffers what it peeks. */
export function streamInput(name: string, stream: AsyncIterable<Uint8Array>): Input {
  const it = stream[Symbol.asyncIterator]();
  const peeked: Uint8Array[] = [];
  let peekedBytes = 0;
  let done = false;
  let taken = false;
  const input: Input = {
    name,
    path: undefined,
    size: undefined,
    async head(n) {
      while (peekedBytes < n && !done) {
        const r = await it.next().catch((e: unknown) => {
          throw ioError(e, name);
        });
        if (r.done) done = true;
        else {
          peeked.push(r.value);
          peekedBytes += r.value.length;
        }
      }
      const all = Buffer.concat(peeked);
      return all.subarray(0, Math.min(n, all.length));
    },
    async *chunks() {
      if (taken) throw new Error(`${name} can be read only once`);
      taken = true;
      for (const c of peeked.splice(0)) yield c;
      if (done) return;
      try {
        for (;;) {
          const r = await it.next();
          if (r.done) return;
          yield r.value;
        }
      } catch (e) {
        throw ioError(e, name);
      }
    },
    async readAll() {
      const parts: Uint8Array[] = [];
      for await (const c of input.chunks()) parts.push(c);
      return Buffer.concat(parts);
    },
  };
  return input;
}

/** An input over bytes already in memory (library use, tests). */
export function bytesInput(bytes: Uint8Array, name = '<bytes>'): Input {
  return {
    name,
    path: undefined,
    size: bytes.length,
    async head(n) {
      return bytes.subarray(0, n);
    },
    async *chunks() {
      yield bytes;
    },
    async readAll() {
      return bytes;
    },
  };
}
