/**
 * The streaming ACT writer (`writeActTo`) and its line index: the bytes equal `encodeAct` whatever the
 * flush size, the sink and the batching; line sharing is proven on the bytes, from memory or read back
 * from the sink; spools are removed on every path.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActFile, encodeAct } from '../src/formats/act/index.js';
import { writeActTo, type ActWriteOptions, type ActWriteResult } from '../src/formats/act/writer.js';
import { LineTable, NO_LINE, lastLineCheck, lineHash, type LineBytes } from '../src/formats/act/line-table.js';
import { decodePaths } from '../src/formats/paths.js';
import { FdSink, MemorySink, type ByteSink, type RandomAccess } from '../src/io/sink.js';
import { PathArena } from '../src/path-arena.js';
import { sortUniqueArena } from '../src/sort.js';
import { BIG_LOGIC_PATHS, GOLDEN, collectSync, goldenCases, hexList, mulberry32, randomBinarySpace, randomExpressionSpace, readRaw, testSeed } from './helpers/act-fixtures.js';

const golden = (name: string): Buffer => fs.readFileSync(path.join(GOLDEN, `${name}.act`));
const tmpRoot = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'morkspace-actw-'));

/** The paths of `space` in batches of the given sizes (cycled); `reuse` refills one arena, as readers may. */
async function* batchesOf(space: PathArena, sizes: number[] = [space.count], reuse = false): AsyncGenerator<PathArena> {
  const shared = new PathArena();
  let i = 0;
  for (let k = 0; i < space.count || k === 0; k++) {
    const n = sizes[k % sizes.length]!;
    const b = reuse ? shared : new PathArena();
    if (reuse) b.clear();
    for (const end = Math.min(space.count, i + n); i < end; i++) b.push(space.viewPath(i));
    yield b;
    if (reuse) b.bytes.fill(0xee); // what a reader refilling its buffer would do to the last batch
  }
}

/**
 * A file sink that checks the writer's manners: pieces of `flushBytes` (the last shorter), chunks
 * never changed after `write`, read-backs only of bytes already written.
 */
class CheckingSink implements ByteSink {
  readonly name: string;
  readonly random: RandomAccess;
  readonly #inner: FdSink;
  readonly chunks: { chunk: Uint8Array; copy: Uint8Array }[] = [];
  reads = 0;
  patches = 0;
  constructor(fd: number, name: string) {
    this.name = name;
    this.#inner = new FdSink(fd, name);
    const inner = this.#inner.random!;
    this.random = {
      patch: async (offset, bytes) => {
        this.patches++;
        await inner.patch(offset, bytes);
      },
      readSync: (offset, into) => {
        this.reads++;
        assert.ok(offset + into.length <= this.bytesWritten, `read-back of ${into.length} bytes at ${offset}: only ${this.bytesWritten} written`);
        return inner.readSync(offset, into);
      },
    };
  }
  get bytesWritten(): number {
    return this.#inner.bytesWritten;
  }
  async write(chunk: Uint8Array): Promise<void> {
    this.chunks.push({ chunk, copy: chunk.slice() });
    await this.#inner.write(chunk);
  }
  check(flushBytes: number): void {
    for (const [k, { chunk, copy }] of this.chunks.entries()) {
      assert.ok(Buffer.from(chunk).equals(copy), `chunk ${k} changed after it was written`);
      if (k < this.chunks.length - 1) assert.equal(chunk.length, flushBytes, `chunk ${k} is a whole piece`);
      else assert.ok(chunk.length >= 1 && chunk.length <= flushBytes);
    }
  }
}

/** Stream `space` through a CheckingSink over a temporary file; returns the file's bytes. */
async function streamToFile(space: PathArena, options: Omit<ActWriteOptions, 'tmpDir'>, sizes?: number[], reuse = false): Promise<{ bytes: Buffer; sink: CheckingSink; result: ActWriteResult }> {
  const dir = tmpRoot();
  const file = path.join(dir, 'out.act');
  const fd = fs.openSync(file, 'w+');
  try {
    const sink = new CheckingSink(fd, file);
    const result = await writeActTo(batchesOf(space, sizes, reuse), sink, { ...options, tmpDir: dir });
    sink.check(options.flushBytes ?? 1 << 20);
    assert.equal(sink.patches, 1, 'the root offset is patched once');
    const bytes = fs.readFileSync(file);
    assert.equal(result.bytes, bytes.length);
    assert.deepEqual(fs.readdirSync(dir), ['out.act'], 'no spool for a file sink');
    return { bytes, sink, result };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A sink without random access (a pipe, stdout): the writer must spool. */
class StreamLikeSink implements ByteSink {
  readonly name = '<pipe>';
  bytesWritten = 0;
  readonly parts: Buffer[] = [];
  async write(chunk: Uint8Array): Promise<void> {
    this.parts.push(Buffer.from(chunk));
    this.bytesWritten += chunk.length;
    await new Promise((r) => setImmediate(r));
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

describe('ACT streaming writer: the same bytes as encodeAct', () => {
  for (const name of goldenCases()) {
    const want = golden(name);
    // tiny pieces for small files; a file of 70 KB in 1-byte writes would only be slow
    const pieces = want.length <= 8192 ? [1, 7, 64, undefined] : [97, 1021, undefined];
    test(`when ${name} is streamed with flushBytes ${pieces.map((p) => p ?? 'default').join(', ')}, then the bytes equal ${name}.act`, async () => {
      const space = sortUniqueArena(readRaw(name));
      assert.ok(Buffer.from(encodeAct(space)).equals(want));
      for (const flushBytes of pieces) {
        for (const inlineLineBytes of [0, 16, 31]) {
          const { bytes } = await streamToFile(space, { flushBytes, inlineLineBytes }, [3, 1, 5]);
          assert.ok(bytes.equals(want), `flushBytes ${flushBytes}, inlineLineBytes ${inlineLineBytes}`);
        }
      }
    });
  }

  test('when big_logic is streamed in small pieces, then the bytes equal big_logic.act and shared lines were read back', async () => {
    const space = sortUniqueArena(decodePaths(fs.readFileSync(BIG_LOGIC_PATHS)));
    const want = golden('big_logic');
    for (const [flushBytes, inlineLineBytes] of [
      [509, 0],
      [4093, 16],
      [undefined, 16],
    ] as const) {
      const { bytes, sink, result } = await streamToFile(space, { flushBytes, inlineLineBytes }, [1000, 4096, 1]);
      assert.ok(bytes.equals(want), `flushBytes ${flushBytes}`);
      assert.equal(result.distinctLines, ActFile.fromBytes(want).walkStats().distinctLines);
      if (inlineLineBytes === 0) assert.ok(sink.reads > 1000, `every shared line is read back (${sink.reads} reads)`);
    }
  });

  test('when the output goes to a MemorySink that already holds bytes, then the file follows them', async () => {
    const space = randomExpressionSpace(mulberry32(11), 300);
    const sink = new MemorySink();
    await sink.write(Buffer.from('prefix'));
    const r = await writeActTo(batchesOf(space, [7]), sink, { tmpDir: os.tmpdir(), flushBytes: 5, inlineLineBytes: 0 });
    const got = Buffer.from(sink.bytes());
    assert.equal(got.subarray(0, 6).toString(), 'prefix');
    assert.ok(got.subarray(6).equals(Buffer.from(encodeAct(space))));
    assert.equal(r.bytes, got.length - 6);
  });

  test('when the space is empty (no batch, or one empty batch), then the file is empty_set.act', async () => {
    async function* none(): AsyncGenerator<PathArena> {}
    const a = new MemorySink();
    await writeActTo(none(), a, { tmpDir: os.tmpdir() });
    assert.ok(Buffer.from(a.bytes()).equals(golden('empty_set')));
    const { bytes } = await streamToFile(new PathArena(), { flushBytes: 1 });
    assert.ok(bytes.equals(golden('empty_set')));
  });

  for (const [kind, seed, make] of [
    ['binary', 0xa11ce1, randomBinarySpace],
    ['expression', 0xa11ce2, randomExpressionSpace],
  ] as const) {
    test(`when random ${kind} spaces are streamed in random batches and pieces, then the bytes equal encodeAct`, async () => {
      const base = testSeed(seed);
      for (let round = 0; round < 10; round++) {
        const s = base + round;
        const rand = mulberry32(s);
        const space = make(rand, 1 + Math.floor(rand() * 600));
        const want = Buffer.from(encodeAct(space));
        const flushBytes = [1, 7, 64, 1 + Math.floor(rand() * 5000)][round % 4]!;
        const inlineLineBytes = Math.floor(rand() * 32);
        const sizes = [1 + Math.floor(rand() * 50), Math.floor(rand() * 3), 1 + Math.floor(rand() * 200)];
        const { bytes } = await streamToFile(space, { flushBytes, inlineLineBytes }, sizes, round % 2 === 0);
        assert.ok(bytes.equals(want), `seed ${s} (replay with MORKSPACE_SEED=${s}): flushBytes ${flushBytes}, inline ${inlineLineBytes}, batches ${sizes}`);
      }
    });
  }
});

describe('ACT streaming writer: long lines', () => {
  // A 10,000-byte line and a 150,000-byte one (longer than one read-back) under many prefixes, plus
  // near misses: same length, one byte different (first, middle, last).
  function longLineSpace(): { space: PathArena; lines: Uint8Array[] } {
    const rand = mulberry32(99);
    const mk = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
    const a = mk(10_000);
    const b = mk(150_000);
    const variants = [a, b];
    for (const base of [a, b]) {
      for (const at of [0, base.length >> 1, base.length - 1]) {
        const v = base.slice();
        v[at] = (v[at]! + 1) & 0xff;
        variants.push(v);
      }
    }
    const paths: Uint8Array[] = [];
    for (let p = 0; p < 60; p++) {
      const line = variants[p % variants.length]!;
      // the prefix forks at its last byte; the line follows, then a fork into two leaves
      for (const tail of [0x01, 0x02]) paths.push(Uint8Array.from([p >> 4, 0x30 + (p & 15), ...line, tail]));
    }
    return { space: sortUniqueArena(PathArena.from(paths)), lines: variants };
  }

  test('when long lines repeat under many prefixes, then each is stored once, exactly as encodeAct does', async () => {
    const { space, lines } = longLineSpace();
    const want = Buffer.from(encodeAct(space));
    const stats = ActFile.fromBytes(want).walkStats();
    // every long variant stored once (plus the short lines of the prefixes), shared by every use
    const longData = lines.reduce((n, l) => n + l.length, 0);
    assert.ok(want.length < longData + 20_000, `${want.length} bytes: each long line once`);
    assert.ok(stats.lineBytesReferenced > 5 * longData, 'the long lines are referenced many times');
    for (const flushBytes of [1000, 4093, 65_536 + 3]) {
      const { bytes, sink, result } = await streamToFile(space, { flushBytes }, [5, 1, 17]);
      assert.ok(bytes.equals(want), `flushBytes ${flushBytes}`);
      assert.equal(result.distinctLines, stats.distinctLines);
      assert.ok(sink.reads > 0, 'long lines are compared by reading them back');
    }
  });
});

describe('ACT streaming writer: hash collisions', () => {
  // Pairs of different lines whose fingerprints (hash bits 5..31) and 16-bit checks are equal, found
  // by a birthday search over millions of candidates: the index finds the earlier line, and only the
  // byte comparison (in memory, from the buffer or read back) keeps them apart.
  const pairs: [string, string, string][] = [
    ['6 bytes', 'b10507000000', '180064000000'],
    ['20 bytes', '73616d652d6c656e6774682d6c696e653ce04e00', '73616d652d6c656e6774682d6c696e65c4fa6f00'],
    ['25 and 46 bytes', '6d697865642d6c656e6774682d6c696e6582855f007a7a7a7a', '6d697865642d6c656e6774682d6c696e65a4019f00' + '7a'.repeat(25)],
  ];
  const key = (b: Buffer): string => {
    const h = lineHash(b, 0, b.length);
    return `${h >>> 5}/${lastLineCheck() >>> 16}`;
  };

  test('when different lines share fingerprint and check, then each is stored once and never for the other', async () => {
    const paths: Uint8Array[] = [];
    for (const [g, [what, a, b]] of pairs.entries()) {
      const x = Buffer.from(a, 'hex');
      const y = Buffer.from(b, 'hex');
      assert.equal(key(x), key(y), `the ${what} pair still collides (if the hash changed, search a new pair)`);
      // alternating uses: each lookup after the first two meets the other line's slot first or second
      for (let k = 0; k < 12; k++) for (const tail of [1, 2]) paths.push(Uint8Array.from([g * 16 + k, ...(k % 2 === 0 ? x : y), tail]));
    }
    const space = sortUniqueArena(PathArena.from(paths));
    const want = Buffer.from(encodeAct(space));
    const file = ActFile.fromBytes(want);
    assert.deepEqual(hexList(collectSync(file.paths())), hexList(space), 'the in-memory file decodes to its paths');
    assert.equal(file.walkStats().distinctLines, 2 * pairs.length, 'both lines of every pair are stored');
    for (const flushBytes of [1, 7, 100, undefined]) {
      for (const inlineLineBytes of [0, 16]) {
        const { bytes } = await streamToFile(space, { flushBytes, inlineLineBytes }, [1, 3]);
        assert.ok(bytes.equals(want), `flushBytes ${flushBytes}, inlineLineBytes ${inlineLineBytes}`);
      }
    }
  });
});

describe('ACT streaming writer: spooling for sinks without random access', () => {
  test('when the sink is a stream, then the bytes are identical and the spool is gone afterwards', async () => {
    const dir = tmpRoot();
    try {
      const space = randomExpressionSpace(mulberry32(5), 500);
      const sink = new StreamLikeSink();
      let seenSpool: string[] = [];
      async function* watched(): AsyncGenerator<PathArena> {
        for await (const b of batchesOf(space, [50])) {
          yield b;
          seenSpool = fs.readdirSync(dir);
        }
      }
      const r = await writeActTo(watched(), sink, { tmpDir: dir, flushBytes: 100, inlineLineBytes: 0 });
      assert.equal(seenSpool.length, 1, 'a spool existed while writing');
      assert.match(seenSpool[0]!, /^morkspace-spool-/);
      assert.ok(sink.bytes().equals(Buffer.from(encodeAct(space))));
      assert.equal(r.bytes, sink.bytesWritten);
      assert.deepEqual(fs.readdirSync(dir), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('when the input throws midway, then the error comes out, nothing reaches the stream and the spool is gone', async () => {
    const dir = tmpRoot();
    try {
      const space = randomBinarySpace(mulberry32(6), 400);
      async function* failing(): AsyncGenerator<PathArena> {
        let n = 0;
        for await (const b of batchesOf(space, [40])) {
          if (n++ === 3) throw new Error('input broke');
          yield b;
        }
      }
      const sink = new StreamLikeSink();
      await assert.rejects(writeActTo(failing(), sink, { tmpDir: dir, flushBytes: 16 }), /input broke/);
      assert.equal(sink.bytesWritten, 0);
      assert.deepEqual(fs.readdirSync(dir), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('when the signal is aborted midway, then the writer stops with an AbortError and the spool is gone', async () => {
    const dir = tmpRoot();
    try {
      const space = randomBinarySpace(mulberry32(7), 400);
      const ac = new AbortController();
      let pulled = 0;
      async function* aborting(): AsyncGenerator<PathArena> {
        for await (const b of batchesOf(space, [40])) {
          if (++pulled === 3) ac.abort();
          yield b;
        }
      }
      const sink = new StreamLikeSink();
      await assert.rejects(writeActTo(aborting(), sink, { tmpDir: dir, signal: ac.signal, flushBytes: 16 }), (e: unknown) => e instanceof Error && e.name === 'AbortError');
      assert.equal(pulled, 3, 'no batch is pulled after the abort');
      assert.equal(sink.bytesWritten, 0);
      assert.deepEqual(fs.readdirSync(dir), []);
      // already aborted: nothing starts
      await assert.rejects(writeActTo(batchesOf(space), sink, { tmpDir: dir, signal: ac.signal }), (e: unknown) => e instanceof Error && e.name === 'AbortError');
      assert.deepEqual(fs.readdirSync(dir), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('when paths are not strictly ascending, then ERR_USAGE and the spool is gone', async () => {
    const dir = tmpRoot();
    try {
      const bad = PathArena.from([Buffer.from('b'), Buffer.from('a')]);
      await assert.rejects(writeActTo(batchesOf(bad), new StreamLikeSink(), { tmpDir: dir }), (e: unknown) => (e as { code?: string }).code === 'ERR_USAGE');
      assert.deepEqual(fs.readdirSync(dir), []);
      await assert.rejects(writeActTo(batchesOf(bad), new MemorySink(), { tmpDir: dir, flushBytes: 0 }), (e: unknown) => (e as { code?: string }).code === 'ERR_USAGE');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ACT line index', () => {
  // Line data as the writer lays it out ([length varint][bytes]) in a fake file, compared there.
  class FakeFile implements LineBytes {
    readonly data = new Map<number, Buffer>();
    compares = 0;
    lineEquals(offset: number, src: Uint8Array, s: number, e: number): boolean {
      this.compares++;
      const d = this.data.get(offset);
      return d !== undefined && d.equals(src.subarray(s, e));
    }
  }

  test('when many short and long lines are indexed at offsets past 4 GiB and across 16 MiB gaps, then each finds its own offset and new lines none', () => {
    const rand = mulberry32(testSeed(0x11e5));
    for (const inline of [0, 16, 31]) {
      const file = new FakeFile();
      const table = new LineTable(file, inline);
      const lines: Buffer[] = [];
      const offsets: number[] = [];
      const index = new Map<string, number>();
      let offset = 16;
      for (let i = 0; i < 60_000; i++) {
        const len = rand() < 0.5 ? 1 + Math.floor(rand() * 6) : 1 + Math.floor(rand() * 60);
        const line = Buffer.from(Uint8Array.from({ length: len }, () => Math.floor(rand() * 4)));
        const pad = Buffer.concat([Buffer.from([0xaa, 0xbb]), line]); // a line inside a larger buffer
        const found = table.find(pad, 2, pad.length);
        const k = index.get(line.toString('hex'));
        if (k !== undefined) {
          assert.equal(found, offsets[k]);
          continue;
        }
        assert.equal(found, NO_LINE);
        table.add(offset, pad, 2, pad.length);
        file.data.set(offset, line);
        index.set(line.toString('hex'), lines.length);
        lines.push(line);
        offsets.push(offset);
        offset += rand() < 0.001 ? 2 ** 24 + Math.floor(rand() * 2 ** 33) : 1 + len + Math.floor(rand() * 40);
      }
      assert.ok(offset > 2 ** 32, 'offsets passed 4 GiB');
      assert.equal(table.count, lines.length);
      for (let k = 0; k < lines.length; k++) assert.equal(table.find(lines[k]!, 0, lines[k]!.length), offsets[k], `line ${k}`);
    }
  });

  test('when 200,000 distinct lines are indexed, then the index holds well under 32 bytes per line', () => {
    const file = new FakeFile();
    const table = new LineTable(file);
    const rand = mulberry32(3);
    const buf = new Uint8Array(64);
    let offset = 16;
    for (let i = 0; i < 200_000; i++) {
      const len = 4 + Math.floor(rand() * 60);
      for (let k = 0; k < len; k++) buf[k] = Math.floor(rand() * 256);
      if (table.find(buf, 0, len) !== NO_LINE) continue;
      table.add(offset, buf, 0, len);
      offset += len + 10;
    }
    const perLine = table.memoryBytes() / table.count;
    assert.ok(perLine < 26, `${perLine.toFixed(1)} bytes per distinct line`);
  });

  test('when the index is given a limit, then it stays within it, refuses lines past it, and still finds the lines it holds', () => {
    const file = new FakeFile();
    const maxBytes = 256 << 10;
    const table = new LineTable(file, 16, maxBytes);
    const rand = mulberry32(testSeed(0x1d3));
    const held: [Uint8Array, number][] = [];
    const refused: Uint8Array[] = [];
    let offset = 16;
    for (let i = 0; i < 40_000; i++) {
      const len = 4 + Math.floor(rand() * 40);
      const line = Uint8Array.from({ length: len }, () => Math.floor(rand() * 256));
      assert.equal(table.find(line, 0, len), NO_LINE);
      file.data.set(offset, Buffer.from(line));
      if (table.add(offset, line, 0, len)) held.push([line, offset]);
      else refused.push(line);
      assert.ok(table.memoryBytes() <= maxBytes, `${table.memoryBytes()} bytes after ${i + 1} lines`);
      offset += len + 10;
    }
    assert.equal(table.full, true);
    assert.equal(table.count, held.length);
    assert.ok(held.length > 5_000 && refused.length > 20_000, `${held.length} held, ${refused.length} refused`);
    // once full, it stays full: every line after the first refusal is refused
    assert.equal(table.add(offset, refused[0]!, 0, refused[0]!.length), false);
    for (const [line, at] of held) assert.equal(table.find(line, 0, line.length), at);
    for (const line of refused.slice(0, 1000)) assert.equal(table.find(line, 0, line.length), NO_LINE);
  });

  test('when the hash is computed inside a larger buffer, then it depends on the line bytes only', () => {
    const line = Buffer.from('parent Alice');
    const big = Buffer.concat([Buffer.from('xyz'), line, Buffer.from('q')]);
    assert.equal(lineHash(big, 3, 3 + line.length), lineHash(line, 0, line.length));
    assert.notEqual(lineHash(line, 0, line.length), lineHash(line, 0, line.length - 1));
  });
});
