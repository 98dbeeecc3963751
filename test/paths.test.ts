import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { ErrorCode, PathArena, RecordSplitter, decodePaths, encodePaths, readPaths, writePaths, sortUniqueArena, recordsOf, Adler32, parallelZlib, takeBytes, type MorkspaceError } from '../src/internals.js';
import { BIG_LOGIC_PATHS, GOLDEN, GOLDEN_CASES, readRaw } from './helpers/fixtures.js';
import { Rng, randomPaths, testSeed } from './helpers/random.js';

const hexAll = (a: PathArena): string[] => [...a].map((p) => Buffer.from(p).toString('hex'));

async function* chunksOf(bytes: Uint8Array, size: () => number): AsyncGenerator<Uint8Array> {
  for (let p = 0; p < bytes.length; ) {
    const n = size();
    yield bytes.subarray(p, p + n);
    p += n;
  }
}
async function* one<T>(x: T): AsyncGenerator<T> {
  yield x;
}
async function* many<T>(xs: readonly T[]): AsyncGenerator<T> {
  yield* xs;
}
async function gather(batches: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const b of batches) parts.push(b);
  return Buffer.concat(parts);
}
async function readAllPaths(bytes: Uint8Array, size = () => 1 << 16): Promise<PathArena> {
  const all = new PathArena();
  for await (const b of readPaths(chunksOf(bytes, size))) all.pushAll(b);
  return all;
}
/** The set upstream stores: sorted, unique, empty path dropped. */
function upstreamSet(a: PathArena): PathArena {
  const s = sortUniqueArena(a);
  return PathArena.from([...s].filter((p) => p.length > 0));
}

describe('.paths: upstream golden files', () => {
  for (const name of GOLDEN_CASES) {
    test(`when ${name}.paths is read, then it holds the sorted, unique, non-empty paths of ${name}.raw`, async () => {
      const want = hexAll(upstreamSet(readRaw(`${GOLDEN}${name}.raw`)));
      const file = fs.readFileSync(`${GOLDEN}${name}.paths`);
      assert.deepEqual(hexAll(decodePaths(file)), want);
      assert.deepEqual(hexAll(await readAllPaths(file, () => 3)), want);
    });
    test(`when ${name}.raw is written, then the decompressed records equal upstream's`, async () => {
      const space = sortUniqueArena(readRaw(`${GOLDEN}${name}.raw`));
      const ours = await gather(writePaths(one(space)));
      const theirs = fs.readFileSync(`${GOLDEN}${name}.paths`);
      assert.deepEqual(zlib.inflateSync(ours), zlib.inflateSync(theirs));
      assert.deepEqual(zlib.inflateSync(encodePaths(space)), zlib.inflateSync(theirs));
    });
  }
  test('the empty set is written exactly as upstream writes it (78 DA 03 00 00 00 00 01)', async () => {
    assert.equal(Buffer.from(await gather(writePaths(one(new PathArena()), { level: 7 }))).toString('hex'), '78da030000000001');
  });
  test('big_logic.metta.paths: 91,692 sorted unique paths that re-serialize to the same records', async () => {
    const file = fs.readFileSync(BIG_LOGIC_PATHS);
    const a = await readAllPaths(file);
    assert.equal(a.count, 91692);
    assert.equal(sortUniqueArena(a).count, 91692);
    const again = await gather(writePaths(one(a), { pieceBytes: 1 << 18 }));
    assert.deepEqual(zlib.inflateSync(again), zlib.inflateSync(file));
  });
});

describe('.paths: property round trips', () => {
  const seed = testSeed();
  test(`random path sets survive write → read at several piece sizes (seed ${seed})`, async () => {
    const rng = new Rng(seed);
    for (let round = 0; round < 20; round++) {
      const space = upstreamSet(PathArena.from(randomPaths(rng, rng.int(0, 400))));
      const pieceBytes = rng.pick([64, 4095, 4096, 4097, 1 << 20]);
      const level = rng.int(0, 9);
      const bytes = await gather(writePaths(one(space), { pieceBytes, level }));
      assert.deepEqual(hexAll(await readAllPaths(bytes, () => rng.int(1, 300))), hexAll(space), `seed ${seed} round ${round}`);
      // deflated on this thread (one thread) or on libuv's (several): the same bytes
      const threads = rng.pick([1, 3]);
      assert.deepEqual(await gather(writePaths(one(space), { pieceBytes, level }, undefined, threads)), bytes, `seed ${seed} round ${round}, ${threads} threads`);
    }
  });
  test(`batches are cut into pieces at the same bytes as one records buffer, long records across several (seed ${seed})`, async () => {
    const rng = new Rng(seed ^ 0x5eed);
    for (let round = 0; round < 12; round++) {
      const paths = randomPaths(rng, rng.int(1, 300));
      for (let k = rng.int(0, 3); k > 0; k--) paths.push(new Uint8Array(rng.int(100, 5000)).fill(rng.int(0, 255)));
      const space = upstreamSet(PathArena.from(paths));
      // the same space as 1-4 batches, cut anywhere
      const cuts = [0, ...Array.from({ length: rng.int(0, 3) }, () => rng.int(0, space.count)).sort((a, b) => a - b), space.count];
      const batches = cuts.slice(1).map((to, i) => PathArena.from([...space].slice(cuts[i], to)));
      const pieceBytes = rng.pick([1, 5, 64, 333, 4096]);
      const level = rng.int(0, 9);
      const got = await gather(writePaths(many(batches), { pieceBytes, level }, undefined, rng.pick([1, 2])));
      const want = await gather(parallelZlib(one(recordsOf(space)), level, pieceBytes));
      assert.deepEqual(got, want, `seed ${seed} round ${round}, pieces of ${pieceBytes}`);
    }
  });
  test('a piece size that could never fill is refused before anything is written', async () => {
    for (const pieceBytes of [0, -1, 1.5, Number.NaN]) {
      await assert.rejects(gather(writePaths(one(PathArena.from([new Uint8Array([1])])), { pieceBytes })), (e: MorkspaceError) => e.code === ErrorCode.Usage && /piece bytes/.test(e.message), String(pieceBytes));
    }
  });
  test('written pieces go back for reuse: the next buffer of their size holds record bytes, not zeros', async () => {
    const pieceBytes = 5 << 14; // a size class nothing else in this file takes (80 KiB)
    const space = upstreamSet(PathArena.from(randomPaths(new Rng(11), 20000)));
    const records = recordsOf(space);
    assert.ok(records.length > 2 * pieceBytes, 'several pieces');
    await gather(writePaths(one(space), { pieceBytes, level: 1 }, undefined, 2));
    const reused = takeBytes(pieceBytes);
    const starts = Array.from({ length: Math.ceil(records.length / pieceBytes) }, (_, i) => i * pieceBytes);
    assert.ok(starts.some((at) => Buffer.from(reused.subarray(0, 4096)).equals(records.subarray(at, at + 4096))), 'holds the start of one of the pieces');
  });
  test('with one thread the pieces are deflated on this thread; with more, on libuv\'s', async () => {
    const space = upstreamSet(PathArena.from(randomPaths(new Rng(7), 300)));
    for (const threads of [1, 2]) {
      const it = writePaths(one(space), { pieceBytes: 64, level: 6 }, undefined, threads)[Symbol.asyncIterator]();
      await it.next(); // the zlib header
      // A deflate on libuv's threads completes in a later turn of the event loop, after this
      // immediate; one on this thread completes before it, within the same turn.
      let turned = false;
      setImmediate(() => (turned = true));
      const first = await it.next();
      assert.equal(first.done, false);
      assert.equal(turned, threads > 1, `${threads} threads`);
      await it.return(undefined);
    }
  });
  test('Adler-32 matches zlib on data crossing the 5552-byte block', () => {
    const data = new Uint8Array(20000).map((_, i) => (i * 7919) & 0xff);
    const a = new Adler32();
    a.update(data.subarray(0, 5553));
    a.update(data.subarray(5553));
    const z = zlib.deflateSync(data);
    assert.equal(a.digest(), z.readUInt32BE(z.length - 4));
  });
  test('Adler-32 matches zlib on all-0xff data (the largest sums) fed in pieces of every size modulo 8', () => {
    const data = new Uint8Array(100_003).fill(0xff);
    for (let k = 0; k < 3000; k += 997) data[k] = k & 0xff;
    const z = zlib.deflateSync(data);
    for (const step of [1, 3, 7, 8, 9, 5551, 5552, 5553, 40_000]) {
      const a = new Adler32();
      for (let at = 0; at < data.length; at += step) a.update(data.subarray(at, Math.min(data.length, at + step)));
      assert.equal(a.digest(), z.readUInt32BE(z.length - 4), `pieces of ${step}`);
    }
  });
});

describe('.paths: splitting records', () => {
  // every length 0..70: the short copy's word steps and each tail of 0-3 bytes, and the long copy
  const paths = Array.from({ length: 71 }, (_, len) => Uint8Array.from({ length: len }, (_, k) => (len * 31 + k * 7) & 0xff));
  const records = recordsOf(PathArena.from(paths));
  const split = (pieces: Uint8Array[]): string[] => {
    const s = new RecordSplitter(1 << 20, new PathArena(64, 1));
    for (const p of pieces) s.push(p);
    s.end();
    return hexAll(s.take());
  };
  test('cut at every byte, the records give the same paths as in one piece', () => {
    const whole = split([records]);
    // recordsOf leaves out the empty path, as upstream does
    assert.deepEqual(whole, paths.slice(1).map((p) => Buffer.from(p).toString('hex')));
    for (let at = 0; at <= records.length; at++) assert.deepEqual(split([records.subarray(0, at), records.subarray(at)]), whole, `cut at ${at}`);
  });
  test('many records in one piece grow the batch past the room it had for ends', () => {
    const many = recordsOf(PathArena.from(Array.from({ length: 40_000 }, (_, i) => new Uint8Array([i & 0xff, i >> 8, 7]))));
    const s = new RecordSplitter(1 << 20, new PathArena(16, 1));
    s.push(many);
    s.end();
    const a = s.take();
    assert.equal(a.count, 40_000);
    assert.equal(s.records, 40_000);
    assert.deepEqual([...a.viewPath(39_999)], [39_999 & 0xff, 39_999 >> 8, 7]);
    assert.equal(a.byteLength, 3 * 40_000);
  });
  test('an arena refuses to close paths past the room reserved for them', () => {
    const a = new PathArena(16, 2);
    const ends = a.reserveEnds(3);
    assert.ok(ends.length >= 3);
    a.reserveBytes(8);
    ends[0] = 4;
    ends[1] = 8;
    a.commitWritten(2);
    assert.equal(a.count, 2);
    assert.equal(a.byteLength, 8);
    ends[2] = 1 << 20;
    assert.throws(() => a.commitWritten(3), (e: MorkspaceError) => e.code === ErrorCode.Internal);
    assert.equal(a.count, 2);
  });
});

describe('PathArena.push', () => {
  test('copies every length and offset exactly, from one source rewritten between pushes and from others, as the arena grows', () => {
    // a tiny arena, so its buffer is replaced many times under the cached view of it
    const a = new PathArena(16, 2);
    const scratch = new Uint8Array(400);
    const other = Uint8Array.from({ length: 300 }, (_, i) => (i * 7 + 3) & 0xff);
    const expected: number[][] = [];
    let step = 0;
    for (let len = 0; len <= 300; len++) {
      for (const at of [0, 1, 2, 3, 5]) {
        // the same source object with new contents each time (as the ACT walk's path buffer)
        for (let k = 0; k < len; k++) scratch[at + k] = (len + k * 31 + at + step) & 0xff;
        step++;
        a.push(scratch, at, at + len);
        expected.push([...scratch.subarray(at, at + len)]);
        // and a second source in between (a Node Buffer: a view at an offset into a larger slab)
        const b = Buffer.from(other.subarray(at, at + (len % 40)));
        a.push(b);
        expected.push([...b]);
      }
    }
    assert.equal(a.count, expected.length);
    for (let i = 0; i < a.count; i++) assert.deepEqual([...a.viewPath(i)], expected[i], `path ${i}`);
    // released and pushed into again: a new buffer, not the one the view was of
    a.release();
    a.push(other, 1, 41);
    assert.deepEqual([...a.viewPath(0)], [...other.subarray(1, 41)]);
  });
});

describe('.paths: a small input in one piece', () => {
  // 2.4 MB of records that deflate to a few KiB: several of the inflater's 512 KiB pieces
  const paths = Array.from({ length: 6000 }, (_, i) => new Uint8Array(400).fill(i % 251));
  const records = recordsOf(PathArena.from(paths));
  const deflated = zlib.deflateSync(records);
  const decompressCalls = async (chunks: AsyncIterable<Uint8Array>): Promise<{ calls: number; bytes: number; paths: string[] }> => {
    const parts: { ms: number; bytes: number }[] = [];
    const probe = { part: (_name: string, ms: number, bytes: number) => void parts.push({ ms, bytes }) } as unknown as Parameters<typeof readPaths>[2];
    const all = new PathArena();
    for await (const b of readPaths(chunks, {}, probe)) all.pushAll(b);
    return { calls: parts.length, bytes: parts.reduce((n, p) => n + p.bytes, 0), paths: hexAll(all) };
  };
  test('is inflated at once, with the paths, batches and figures the stream gives', async () => {
    assert.ok(deflated.length < 64 << 10, `${deflated.length} bytes`);
    const whole = await decompressCalls(one(deflated));
    const streamed = await decompressCalls(chunksOf(deflated, () => 1000));
    assert.equal(whole.calls, 1, 'one inflate');
    assert.ok(streamed.calls >= 3, `${streamed.calls} stream pieces`);
    assert.equal(whole.bytes, records.length);
    assert.equal(streamed.bytes, records.length);
    assert.deepEqual(whole.paths, streamed.paths);
    assert.equal(whole.paths.length, paths.length);
    const batchSizes = async (chunks: AsyncIterable<Uint8Array>): Promise<number[]> => {
      const sizes: number[] = [];
      for await (const b of readPaths(chunks, { batchPaths: 1000 })) sizes.push(b.count);
      return sizes;
    };
    assert.deepEqual(await batchSizes(one(deflated)), await batchSizes(chunksOf(deflated, () => 1000)));
  });
  test('that inflates to more than 16 MiB streams, in batches, as a large one does', async () => {
    const big = recordsOf(PathArena.from(Array.from({ length: 180_000 }, () => new Uint8Array(96).fill(5))));
    assert.ok(big.length > 16 << 20);
    const bomb = zlib.deflateSync(big);
    assert.ok(bomb.length < 256 << 10, `${bomb.length} bytes`);
    const r = await decompressCalls(one(bomb));
    assert.ok(r.calls > 1, `${r.calls} pieces`);
    assert.equal(r.bytes, big.length);
    assert.equal(r.paths.length, 180_000);
  });
});

describe('.paths: bad input', () => {
  const good = zlib.deflateSync(recordsOf(PathArena.from([new Uint8Array([1, 2, 3]), new Uint8Array(300).fill(7)])));
  const expectError = async (bytes: Uint8Array, code: ErrorCode, check?: (e: MorkspaceError) => void): Promise<void> => {
    // whole, in pieces (the stream), and in one piece (inflated at once, or by the stream when it fails)
    for (const read of [async () => decodePaths(bytes), async () => readAllPaths(bytes, () => 5), async () => readAllPaths(bytes, () => Math.max(1, bytes.length))]) {
      await assert.rejects(read, (e: MorkspaceError) => {
        assert.equal(e.code, code, e.message);
        check?.(e);
        return true;
      });
    }
  };
  test('when the data is not zlib, then ERR_CORRUPT at byte 0', () => expectError(new TextEncoder().encode('(a b)\n'), ErrorCode.Corrupt, (e) => assert.equal(e.where.offset, 0)));
  test('when the zlib stream is cut, then ERR_TRUNCATED', async () => {
    for (const cut of [1, 2, 10, good.length - 1]) await expectError(good.subarray(0, cut), ErrorCode.Truncated);
  });
  test('when deflate data is corrupt, then an error, never garbage', async () => {
    const bad = Buffer.from(good);
    bad[bad.length - 2]! ^= 0xff; // inside the Adler-32
    await expectError(bad, ErrorCode.Corrupt);
  });
  test('when bytes follow the zlib stream, then ERR_CORRUPT at the first of them', () =>
    expectError(Buffer.concat([good, Buffer.from('xx')]), ErrorCode.Corrupt, (e) => assert.equal(e.where.offset, good.length)));
  test('when a record is cut short, then ERR_TRUNCATED at its decompressed offset', () => {
    const records = recordsOf(PathArena.from([new Uint8Array([1, 2, 3]), new Uint8Array(300).fill(7)]));
    return expectError(zlib.deflateSync(records.subarray(0, records.length - 10)), ErrorCode.Truncated, (e) => {
      assert.equal(e.where.offset, 7);
      assert.equal(e.where.offsetOf, 'decompressed byte');
    });
  });
  test('when a length field is cut short, then ERR_TRUNCATED', () => expectError(zlib.deflateSync(new Uint8Array([3, 0, 0, 0, 1, 2, 3, 9, 0])), ErrorCode.Truncated));
  // one flipped byte in a length field: a record "longer" than the limit that the stream cannot hold
  const damaged = new Uint8Array([3, 0, 0, 0, 1, 2, 3, 3, 0, 0x69, 0x69, 4, 5, 6, 2, 0, 0, 0, 7, 8]);
  test('when a length field is damaged (beyond the limit and beyond the stream), then ERR_CORRUPT at the field, not a limit', async () => {
    for (const size of [1, 3, 7, 1 << 16]) {
      await assert.rejects(async () => {
        for await (const _ of readPaths(chunksOf(zlib.deflateSync(damaged), () => size), { maxPathBytes: 1000 })) void _;
      }, (e: MorkspaceError) => e.code === ErrorCode.Corrupt && e.where.offset === 7 && e.where.offsetOf === 'decompressed byte' && /length field says 1768488963 bytes, but the stream ends 9 bytes later/.test(e.message));
    }
    await expectError(zlib.deflateSync(damaged), ErrorCode.Corrupt);
  });
  test('when a whole record is longer than maxPathBytes, then ERR_LIMIT at it, once its bytes are in', async () => {
    const records = recordsOf(PathArena.from([new Uint8Array([1, 2, 3]), new Uint8Array(3000).fill(7), new Uint8Array([9])]));
    for (const size of [1, 100, 1 << 16]) {
      await assert.rejects(async () => {
        for await (const _ of readPaths(chunksOf(zlib.deflateSync(records), () => size), { maxPathBytes: 1000 })) void _;
      }, (e: MorkspaceError) => e.code === ErrorCode.Limit && e.where.offset === 7 && /record of 3000 bytes exceeds the limit of 1000/.test(e.message));
    }
  });
});
