/** Where a space comes from: a file (which random-access formats may map) or a stream such as stdin. */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { ErrorCode, FormatError, ioError } from '../errors.js';
import { drained } from './drained.js';

/** Bytes read per chunk from files (bench case `text->paths`). */
export const READ_CHUNK_BYTES = 1 << 20;
/**
 * Files up to this size are read in one synchronous call: the first asynchronous read starts libuv's
 * threads, about 3 ms of a small command (`inspect` of a small file, bench case `inspect small`),
 * for what is one read of a few pages. Larger files stream, so a big read never blocks the thread.
 */
export const SMALL_FILE_BYTES = 256 << 10;

/** A readable input. Chunks can be taken once; `head()` does not consume them. */
export interface Input {
  /** Name used in messages: the file path, or `<stdin>`. */
  readonly name: string;
  /** The file path when the input is a regular file, for formats that map or seek. */
  readonly path: string | undefined;
  /** Size in bytes when known (regular files). */
  readonly size: number | undefined;
  /** True when `chunks()` can be taken again from the start (files, bytes; not stdin). */
  readonly reopenable: boolean;
  /** True when `chunks()` are inflated from compressed bytes (a gzip layer taken off). */
  readonly decompressed?: boolean;
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
    reopenable: true,
    // a few KiB, read at once: node:fs/promises would load (readline, watchers, file handles: 1-3 ms of
    // every command) only to sniff a format
    async head(n) {
      let fd: number;
      try {
        fd = fs.openSync(path, 'r');
      } catch (e) {
        throw ioError(e, path);
      }
      try {
        const buf = new Uint8Array(Math.min(n, size));
        return buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0));
      } catch (e) {
        throw ioError(e, path);
      } finally {
        fs.closeSync(fd);
      }
    },
    chunks() {
      // a small file in one read (and one more that finds its end), at least 64 KiB each
      return guardIo(size <= SMALL_FILE_BYTES ? fileChunks(path, Math.max(size + 1, 1 << 16), true) : fileChunks(path, READ_CHUNK_BYTES), path);
    },
    readAll() {
      return new Promise((resolve, reject) => fs.readFile(path, (e, bytes) => (e ? reject(ioError(e, path)) : resolve(bytes))));
    },
  };
}

/**
 * The bytes of the file at `path` in chunks of `chunkBytes` (the last one shorter), each a buffer of
 * its own. Not fs.createReadStream: a read stream loads Node's file streams and, through them,
 * node:fs/promises, readline and the file watchers (2-3 ms of every command that reads a file),
 * for what is one read call per chunk here. `sync` reads with synchronous calls (a small file): read
 * to the end all the same, should the file have grown or be one whose size reads 0 (/proc).
 */
export async function* fileChunks(path: string, chunkBytes: number, sync = false): AsyncGenerator<Uint8Array> {
  const fd = sync ? fs.openSync(path, 'r') : await new Promise<number>((resolve, reject) => fs.open(path, 'r', (e, fd) => (e ? reject(e) : resolve(fd))));
  try {
    for (;;) {
      const buf = Buffer.allocUnsafeSlow(chunkBytes);
      const n = sync ? fs.readSync(fd, buf, 0, chunkBytes, null) : await new Promise<number>((resolve, reject) => fs.read(fd, buf, 0, chunkBytes, null, (e, n) => (e ? reject(e) : resolve(n))));
      if (n === 0) return;
      yield n === chunkBytes ? buf : buf.subarray(0, n);
    }
  } finally {
    fs.closeSync(fd);
  }
}

async function* guardIo(stream: AsyncIterable<Uint8Array>, name: string): AsyncGenerator<Uint8Array> {
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
    reopenable: false,
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
    reopenable: true,
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

/** Compressors whose output a user may hand us, by magic number, with what to do about each. */
const WRAPPERS: readonly { name: string; magic: readonly number[]; tool: string }[] = [
  { name: 'gzip', magic: [0x1f, 0x8b], tool: 'zcat' },
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd], tool: 'zstd -dc' },
  { name: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], tool: 'xz -dc' },
  { name: 'bzip2', magic: [0x42, 0x5a, 0x68], tool: 'bzip2 -dc' },
];

function startsWith(head: Uint8Array, magic: readonly number[]): boolean {
  return head.length >= magic.length && magic.every((b, i) => head[i] === b);
}

/**
 * `input` with a compression layer taken off: gzip is read through `node:zlib` (the space's own
 * format is then sniffed inside); zstd, xz and bzip2 are refused with the command that would read
 * them. Anything else is returned as it is.
 * @throws FormatError ERR_BAD_MAGIC for zstd, xz and bzip2 data.
 */
export async function unwrapCompressed(input: Input): Promise<Input> {
  const head = await input.head(6);
  const w = WRAPPERS.find((x) => startsWith(head, x.magic));
  if (w === undefined) return input;
  // 'BZh' is also three letters a text file may start with: bzip2 needs a block size digit after it
  if (w.name === 'bzip2' && !(head[3]! >= 0x31 && head[3]! <= 0x39 && head[4] === 0x31 && head[5] === 0x41)) return input;
  if (w.name !== 'gzip') {
    throw new FormatError(ErrorCode.BadMagic, `${w.name}-compressed data: decompress it first, e.g. ${w.tool} ${input.path ?? 'FILE'} | morkspace … -`, { file: input.name, offset: 0 });
  }
  return gunzipped(input);
}

function gunzipped(input: Input): Input {
  async function* inflate(): AsyncGenerator<Uint8Array> {
    const gunzip = zlib.createGunzip();
    const feeding = (async () => {
      try {
        for await (const c of input.chunks()) if (!gunzip.write(c)) await drained(gunzip);
        gunzip.end();
      } catch (e) {
        gunzip.destroy(e as Error);
      }
    })();
    try {
      for await (const c of gunzip) yield c as Buffer;
    } catch (e) {
      throw (e as { code?: string }).code?.startsWith('Z_') ? new FormatError(ErrorCode.Corrupt, `gzip data is damaged (${(e as Error).message})`, { file: input.name }, { cause: e }) : e;
    } finally {
      gunzip.destroy();
    }
    await feeding;
  }
  if (!input.reopenable) return { ...streamInput(input.name, inflate()), decompressed: true };
  // a file can be read again: every reading after the first inflates it afresh
  let current = streamInput(input.name, inflate());
  let fresh = true;
  const reading = (): Input => {
    if (!fresh) current = streamInput(input.name, inflate());
    fresh = false;
    return current;
  };
  return { name: input.name, path: undefined, size: undefined, reopenable: true, decompressed: true, head: (n) => current.head(n), chunks: () => reading().chunks(), readAll: () => reading().readAll() };
}

/** `input` with every byte read from it counted by `onBytes` (progress). */
export function countedInput(input: Input, onBytes: (n: number) => void): Input {
  return {
    name: input.name,
    path: input.path,
    size: input.size,
    reopenable: input.reopenable,
    ...(input.decompressed === true ? { decompressed: true } : {}),
    head: (n) => input.head(n),
    chunks: () =>
      (async function* () {
        for await (const c of input.chunks()) {
          onBytes(c.length);
          yield c;
        }
      })(),
    async readAll() {
      const all = await input.readAll();
      onBytes(all.length);
      return all;
    },
  };
}
