/**
 * Where a format writer's bytes go. A writer appends; a writer that must fix a field after the
 * fact (ACT's root offset in its header) or read back what it wrote (ACT's line sharing) asks for
 * `random`, which sinks over a file have and streams do not: such a writer spools to a temporary
 * file when `random` is absent (see `withRandomAccess`).
 */
import fs from 'node:fs';
import { ioError } from '../errors.js';
import { drained } from './drained.js';
import { forgetTemp, trackTemp } from './temp-files.js';

/** Random access to the bytes a sink holds: sinks over a file (outputs, spools) and memory. */
export interface RandomAccess {
  /** Overwrite `bytes` at `offset`, inside what was written already. */
  patch(offset: number, bytes: Uint8Array): Promise<void>;
  /**
   * Read back bytes written at `offset` into `into` (synchronous: hot loops call it); returns the
   * count read. Only bytes whose `write` has settled can be read.
   */
  readSync(offset: number, into: Uint8Array): number;
}

/** An append-only byte target. */
export interface ByteSink {
  /** The name in messages: the output file, `<stdout>`, … */
  readonly name: string;
  /** Bytes appended so far. */
  readonly bytesWritten: number;
  /** Append `chunk`; settles when the sink took it (backpressure). The sink may keep `chunk`: never change it afterwards. */
  write(chunk: Uint8Array): Promise<void>;
  /** Present when the sink is a file or memory. */
  readonly random?: RandomAccess;
  /**
   * True when `write` is done with a chunk once it settles (written to a descriptor, or copied), so
   * the caller may reuse its buffer then; a stream sink keeps chunks queued and does not say so.
   */
  readonly releasesChunks?: boolean;
}

/** Append every chunk of `chunks` to `sink`. */
export async function pipeTo(chunks: AsyncIterable<Uint8Array>, sink: ByteSink): Promise<void> {
  for await (const c of chunks) await sink.write(c);
}

/**
 * A sink over an open file descriptor. `positional` (regular files, written from their start): writes
 * go to explicit offsets and `random` works. Otherwise (a device, a FIFO, a terminal) bytes are
 * appended where the descriptor stands, and there is no random access.
 */
export class FdSink implements ByteSink {
  readonly name: string;
  readonly releasesChunks = true;
  readonly #fd: number;
  readonly #positional: boolean;
  #written = 0;
  readonly random?: RandomAccess;

  constructor(fd: number, name: string, positional = true) {
    this.#fd = fd;
    this.name = name;
    this.#positional = positional;
    if (positional) {
      this.random = {
        patch: async (offset, bytes) => {
          await writeAll(this.#fd, bytes, offset, this.name);
        },
        readSync: (offset, into) => {
          try {
            return fs.readSync(this.#fd, into, 0, into.length, offset);
          } catch (e) {
            throw ioError(e, this.name);
          }
        },
      };
    }
  }

  get bytesWritten(): number {
    return this.#written;
  }

  async write(chunk: Uint8Array): Promise<void> {
    await writeAll(this.#fd, chunk, this.#positional ? this.#written : null, this.name);
    this.#written += chunk.length;
  }
}

// Write all of `bytes` at `position` (null: where the descriptor stands), through short writes.
async function writeAll(fd: number, bytes: Uint8Array, position: number | null, name: string): Promise<void> {
  let off = 0;
  while (off < bytes.length) {
    const n = await new Promise<number>((resolve, reject) => {
      fs.write(fd, bytes, off, bytes.length - off, position === null ? null : position + off, (e, written) => (e ? reject(ioError(e, name)) : resolve(written)));
    });
    off += n;
  }
}

/** A sink over a writable stream (stdout, a pipe, a device): append only. */
export class StreamSink implements ByteSink {
  readonly name: string;
  readonly #stream: NodeJS.WritableStream;
  #written = 0;
  #failed: unknown;
  readonly #onError = (e: unknown): void => {
    this.#failed ??= e;
  };

  constructor(stream: NodeJS.WritableStream, name: string) {
    this.#stream = stream;
    this.name = name;
    stream.on('error', this.#onError);
  }

  get bytesWritten(): number {
    return this.#written;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.#failed !== undefined) throw ioError(this.#failed, this.name);
    this.#written += chunk.length;
    if (!this.#stream.write(chunk) && this.#failed === undefined) await drained(this.#stream);
    if (this.#failed !== undefined) throw ioError(this.#failed, this.name);
  }

  /** Stop listening for errors (the stream outlives the sink: stdout). */
  release(): void {
    this.#stream.off('error', this.#onError);
  }
}

/** A sink that keeps every byte in memory (library use, tests): `bytes()` returns them. */
export class MemorySink implements ByteSink {
  readonly name: string;
  readonly releasesChunks = true;
  #buf = new Uint8Array(1 << 16);
  #len = 0;
  readonly random: RandomAccess;

  constructor(name = '<memory>') {
    this.name = name;
    this.random = {
      patch: async (offset, bytes) => {
        this.#buf.set(bytes, offset);
      },
      readSync: (offset, into) => {
        const n = Math.max(0, Math.min(into.length, this.#len - offset));
        into.set(this.#buf.subarray(offset, offset + n));
        return n;
      },
    };
  }

  get bytesWritten(): number {
    return this.#len;
  }

  async write(chunk: Uint8Array): Promise<void> {
    const need = this.#len + chunk.length;
    if (need > this.#buf.length) {
      let cap = this.#buf.length * 2;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.#buf.subarray(0, this.#len));
      this.#buf = next;
    }
    this.#buf.set(chunk, this.#len);
    this.#len = need;
  }

  /** The bytes written, as one array (a view: valid until the next write). */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }
}

/** Bytes copied per read when a spool is replayed into its sink. */
const SPOOL_COPY_BYTES = 1 << 20;

/**
 * Run `write` against a sink with random access: `sink` itself when it has it, else a spool file
 * in `tmpDir` whose bytes are copied to `sink` afterwards. The spool is removed on every path
 * (success, error, abort).
 */
export async function withRandomAccess<T>(sink: ByteSink, tmpDir: string, write: (target: ByteSink & { random: RandomAccess }) => Promise<T>): Promise<T> {
  if (sink.random !== undefined) return write(sink as ByteSink & { random: RandomAccess });
  const dir = await fs.promises.mkdtemp(`${tmpDir.replace(/\/$/, '')}/morkspace-spool-`).catch((e: unknown) => {
    throw ioError(e, tmpDir);
  });
  trackTemp(dir);
  const file = `${dir}/spool`;
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'w+');
    const spool = new FdSink(fd, sink.name) as FdSink & { random: RandomAccess };
    const result = await write(spool);
    const buf = new Uint8Array(SPOOL_COPY_BYTES);
    for (let at = 0; at < spool.bytesWritten; ) {
      const n = spool.random.readSync(at, buf.subarray(0, Math.min(buf.length, spool.bytesWritten - at)));
      if (n <= 0) break;
      // a fresh copy: a stream sink may keep the chunk until it flushes
      await sink.write(buf.slice(0, n));
      at += n;
    }
    return result;
  } catch (e) {
    throw fd === undefined ? ioError(e, file) : e;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
    forgetTemp(dir);
  }
}
