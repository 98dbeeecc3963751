import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { isMorkspaceError, ErrorCode } from '../src/errors.js';
import { PathArena } from '../src/path-arena.js';
import { POOL_MIN_BYTES, WorkerPool } from '../src/pool/pool.js';
import { main } from '../src/cli/main.js';
import {
  decodeMtts, encodeMtts, inspectMtts, readMtts, writeMtts, newFacts, parseCompression, chunkSpace,
  SectionKind, SECTION_REQUIRED, HEADER_BYTES, frontCode, frontDecode, type MttsOptions,
} from '../src/formats/mtts/index.js';
import { SEED, batches, pathList, randomSpace } from './helpers/random-space.js';
import { headerWithVersion, joinSections, splitSections } from './helpers/mtts-surgery.js';
import { GOLDEN_DIR, GOLDENS } from './helpers/mtts-goldens.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/morkspace.js');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'mtts-test-'));

const pool2 = new WorkerPool(2);

after(async () => {
  await pool2.close();
  fs.rmSync(TMP, { recursive: true, force: true });
});

const seedNote = `(seed ${SEED}; replay with MORKSPACE_SEED=${SEED})`;

async function* from(list: PathArena[]): AsyncGenerator<PathArena> {
  yield* list;
}

async function concat(gen: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of gen) parts.push(p);
  return Buffer.concat(parts);
}

/** Decode, returning the error instead of throwing; any non-MorkspaceError fails the test. */
async function decodeOrError(bytes: Uint8Array, options: Partial<MttsOptions> = {}): Promise<PathArena | { code: string; where: Record<string, unknown>; message: string }> {
  try {
    return await decodeMtts(bytes, { ...options });
  } catch (e) {
    assert.ok(isMorkspaceError(e), `expected a MorkspaceError, got ${String(e)} ${(e as Error).stack ?? ''}`);
    return { code: e.code, where: { ...e.where }, message: e.message };
  }
}

const SETTINGS: Array<[string, Partial<MttsOptions>]> = [
  ['none', { compression: 'none' }],
  ['lz4', { compression: 'lz4' }],
  ['deflate:1', { compression: 'deflate', level: 1 }],
  ['deflate:9', { compression: 'deflate', level: 9 }],
  ['brotli:0', { compression: 'brotli', level: 0 }],
  ['brotli:11', { compression: 'brotli', level: 11 }],
  ['auto speed', { compression: 'auto', priority: 'speed' }],
  ['auto balanced', { compression: 'auto', priority: 'balanced' }],
  ['auto size', { compression: 'auto', priority: 'size' }],
];

describe('MTTS round trips', () => {
  const space = randomSpace(SEED, { paths: 3000, empty: true, longPaths: [4095, 4096, 4097, 70_000] });
  for (const [name, opts] of SETTINGS) {
    test(`when a space with the empty path and long paths is written with ${name} in small chunks, then reading gives the same paths`, async () => {
      const file = await encodeMtts(space, { ...opts, chunkBytes: 5000 });
      const back = await decodeMtts(file, {});
      assert.deepEqual(pathList(back), pathList(space), seedNote);
    });
  }

  test('when the input arrives in different batches or order, then the file is byte-identical', async () => {
    const a = await concat(writeMtts(from([space]), { chunkBytes: 3000 }));
    const b = await concat(writeMtts(from(batches(space, 7)), { chunkBytes: 3000 }));
    const shuffled = new PathArena();
    for (let i = space.count - 1; i >= 0; i--) shuffled.push(space.viewPath(i));
    const c = await encodeMtts(shuffled, { chunkBytes: 3000 });
    assert.ok(Buffer.compare(b, a) === 0, 'batching changed the bytes');
    assert.ok(Buffer.compare(c, a) === 0, 'input order changed the bytes');
  });

  test('when a chunk boundary falls anywhere, then chunks cut at the path that reaches chunkBytes', async () => {
    const sizes: number[] = [];
    for await (const c of chunkSpace(from(batches(space, 13)), 1000)) sizes.push(c.bytes.length);
    for (const s of sizes.slice(0, -1)) assert.ok(s >= 1000, `chunk of ${s} bytes`);
    assert.equal(sizes.reduce((x, y) => x + y, 0), space.byteLength);
  });

  test('when the space is empty, then the file round-trips to no paths', async () => {
    const file = await encodeMtts(new PathArena(), {});
    assert.equal((await decodeMtts(file)).count, 0);
    assert.equal((await inspectMtts(file)).chunks.length, 0);
  });

  test('when a space holds only the empty path, then it round-trips', async () => {
    const a = PathArena.from([new Uint8Array(0)]);
    assert.deepEqual(pathList(await decodeMtts(await encodeMtts(a))), ['']);
  });

  test('when the stream is fed in 1-byte, 2-byte and odd chunks, then the paths are the same', async () => {
    const part = randomSpace(SEED + 7, { paths: 300, empty: true, longPaths: [5000] });
    const file = await encodeMtts(part, { chunkBytes: 2_000 });
    for (const step of [1, 2, 333]) {
      async function* pieces(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < file.length; i += step) yield file.subarray(i, i + step);
      }
      const all = new PathArena();
      for await (const b of readMtts(pieces(), {})) all.pushAll(b);
      assert.deepEqual(pathList(all), pathList(part), `step ${step}`);
    }
  });

  test('when paths are not ascending, then the writer refuses with ERR_USAGE', async () => {
    const bad = PathArena.from([Uint8Array.of(2), Uint8Array.of(1)]);
    await assert.rejects(concat(writeMtts(from([bad]), {})), { code: ErrorCode.Usage });
    assert.equal((frontCode(bad.bytes.slice(0, 2), Uint32Array.of(1, 2)) as { ok: boolean }).ok, false);
  });

  test('when front-coded bytes are decoded, then the counts, lengths and order are all checked', () => {
    const ok = frontCode(Uint8Array.from([1, 2, 1, 3]), Uint32Array.of(2, 4)) as Uint8Array;
    // stream sizes 2 and 2, prefix lengths [0, 1], suffix lengths [2, 1], suffix bytes 1 2 | 3
    assert.deepEqual([...ok], [2, 2, 0, 1, 2, 1, 1, 2, 3]);
    assert.equal((frontDecode(ok, 2, 3) as { ok?: boolean }).ok, false, 'path bytes mismatch');
    assert.equal((frontDecode(ok, 3, 4) as { ok?: boolean }).ok, false, 'count mismatch');
    assert.equal((frontDecode(Uint8Array.from([2, 2, 0, 0, 1, 1, 5, 4]), 2, 2) as { ok?: boolean }).ok, false, 'descending');
    assert.deepEqual([...(frontDecode(Uint8Array.from([2, 2, 0, 0, 1, 1, 4, 5]), 2, 2) as { bytes: Uint8Array }).bytes], [4, 5], 'ascending');
    assert.equal((frontDecode(Uint8Array.from([9, 2, 0, 0, 1, 1, 4, 5]), 2, 2) as { ok?: boolean }).ok, false, 'stream sizes past the chunk');
  });
});

describe('MTTS parallel encoding', () => {
  const big = randomSpace(SEED + 1, { paths: 80_000 });
  test('when the same space is written with 1 and 2 threads, then the bytes are identical', async () => {
    assert.ok(big.byteLength > POOL_MIN_BYTES, 'large enough for the pool');
    for (const priority of ['speed', 'size'] as const) {
      const one = await encodeMtts(big, { chunkBytes: 256 << 10, priority });
      const before = pool2.completed;
      const two = await encodeMtts(big, { chunkBytes: 256 << 10, priority }, { pool: pool2 });
      assert.ok(pool2.completed > before, 'the chunks went through the pool');
      assert.ok(Buffer.compare(two, one) === 0, priority);
      assert.deepEqual(pathList(await decodeMtts(two, {}, { pool: pool2 })), pathList(big));
    }
  });
});

describe('MTTS integrity', () => {
  const small = randomSpace(SEED + 2, { paths: 24, empty: true });
  let file: Uint8Array;
  test('setup: a small file of several chunks', async () => {
    file = await encodeMtts(small, { chunkBytes: 150, compression: 'auto', priority: 'speed' });
    assert.ok((await inspectMtts(file)).chunks.length >= 3);
  });

  test('when any single bit of the file is flipped, then reading fails with a code and never returns paths', async () => {
    const { sections } = splitSections(file);
    const chunk1 = sections.find((s) => s.kind === SectionKind.Chunk && s !== sections[1])!;
    for (let bit = 0; bit < file.length * 8; bit++) {
      const bad = file.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      const r = await decodeOrError(bad);
      assert.ok(!(r instanceof PathArena), `flip of bit ${bit & 7} at byte ${bit >> 3} went undetected`);
      assert.ok([ErrorCode.Checksum, ErrorCode.Corrupt, ErrorCode.Truncated, ErrorCode.BadMagic, ErrorCode.Version, ErrorCode.Limit].includes(r.code as never), r.code);
      assert.ok(typeof r.where['offset'] === 'number' || typeof r.where['chunk'] === 'number', `no position for byte ${bit >> 3}: ${r.message}`);
      const byte = bit >> 3;
      // an lz4 payload has redundant encodings (a match offset into a run): such a flip decodes
      // intact and only the whole-file digest catches it
      if (byte >= chunk1.offset + 12 + 36 && byte < chunk1.offset + 12 + chunk1.body.length && r.where['chunk'] === undefined) {
        assert.equal(r.code, ErrorCode.Checksum, `payload flip at ${byte}: ${r.message}`);
      } else if (byte >= chunk1.offset + 12 + 36 && byte < chunk1.offset + 12 + chunk1.body.length) {
        assert.equal(r.where['chunk'], sections.filter((s) => s.kind === SectionKind.Chunk).indexOf(chunk1), `payload flip at ${byte} names its chunk`);
      }
    }
  });

  test('when any single bit of the header or index is flipped, then inspect fails with a code', async () => {
    const { sections } = splitSections(file);
    const index = sections.find((s) => s.kind === SectionKind.Index)!;
    // inspect does not read the whole file, so it cannot check the file digest (verify does)
    const digestAt = file.length - 36;
    const ranges = [[0, HEADER_BYTES], [index.offset, digestAt], [file.length - 4, file.length]] as const;
    for (const [from, to] of ranges) {
      for (let byte = from; byte < to; byte++) {
        for (let b = 0; b < 8; b++) {
          const bad = file.slice();
          bad[byte]! ^= 1 << b;
          await assert.rejects(inspectMtts(bad), (e: unknown) => isMorkspaceError(e), `byte ${byte}`);
        }
      }
    }
  });

  test('when the file is truncated at any length, then ERR_TRUNCATED at the end of what is there', async () => {
    for (let n = 0; n < file.length; n++) {
      const r = await decodeOrError(file.subarray(0, n));
      assert.ok(!(r instanceof PathArena), `truncation to ${n} bytes went undetected`);
      assert.equal(r.code, ErrorCode.Truncated, `truncated to ${n}: ${r.message}`);
      assert.ok(typeof r.where['offset'] === 'number' && r.where['offset'] <= n, `offset ${String(r.where['offset'])} within ${n}`);
    }
  });

  test('when the file is cut at each section boundary, then ERR_TRUNCATED names that offset', async () => {
    for (const s of splitSections(file).sections) {
      const r = await decodeOrError(file.subarray(0, s.offset));
      assert.ok(!(r instanceof PathArena));
      assert.equal(r.code, ErrorCode.Truncated);
      assert.equal(r.where['offset'], s.offset);
    }
  });

  test('when bytes follow the end section, then ERR_CORRUPT', async () => {
    const r = await decodeOrError(Buffer.concat([file, Uint8Array.of(0)]));
    assert.ok(!(r instanceof PathArena));
    assert.equal(r.code, ErrorCode.Corrupt);
  });

  test('when verify is off and random bytes are overwritten, then each read decodes or throws a MorkspaceError', async () => {
    const { mulberry32 } = await import('../src/prng.js');
    const rand = mulberry32(SEED + 99);
    for (let i = 0; i < 1500; i++) {
      const bad = file.slice();
      const hits = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < hits; k++) bad[Math.floor(rand() * bad.length)] = Math.floor(rand() * 256);
      const r = await decodeOrError(bad, { verify: false });
      if (r instanceof PathArena) {
        const list = pathList(r);
        assert.deepEqual([...list].sort((a, b) => Buffer.compare(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'))), list, 'decoded paths stay sorted');
      }
    }
  });

  test('when verify is off, then a bad file digest is not checked but the paths still are', async () => {
    const bad = file.slice();
    bad[bad.length - 10]! ^= 1;
    assert.equal(((await decodeOrError(bad)) as { code: string }).code, ErrorCode.Checksum);
    assert.deepEqual(pathList((await decodeOrError(bad, { verify: false })) as PathArena), pathList(small));
  });
});

describe('MTTS versioning', () => {
  const space = randomSpace(SEED + 3, { paths: 50 });
  test('when an unknown section is not required, then it is skipped', async () => {
    const file = await encodeMtts(space, { chunkBytes: 300 });
    const { header, sections } = splitSections(file);
    sections.splice(2, 0, { kind: 0x0100, flags: 0, body: Uint8Array.of(1, 2, 3), offset: 0 });
    const facts = newFacts();
    const all = new PathArena();
    for await (const b of readMtts(from2(joinSections(header, sections)), {}, facts)) all.pushAll(b);
    assert.deepEqual(pathList(all), pathList(space));
    assert.deepEqual(facts.skipped, [0x0100]);
  });

  test('when an unknown section is required, then ERR_VERSION', async () => {
    const file = await encodeMtts(space, {});
    const { header, sections } = splitSections(file);
    sections.splice(1, 0, { kind: 0x0003, flags: SECTION_REQUIRED, body: new Uint8Array(8), offset: 0 });
    const r = await decodeOrError(joinSections(header, sections));
    assert.ok(!(r instanceof PathArena));
    assert.equal(r.code, ErrorCode.Version);
  });

  test('when the file is a newer major version, then ERR_VERSION names both versions', async () => {
    const file = await encodeMtts(space, {});
    const { header, sections } = splitSections(file);
    const r = await decodeOrError(joinSections(headerWithVersion(header, 2, 3), sections));
    assert.ok(!(r instanceof PathArena));
    assert.equal(r.code, ErrorCode.Version);
    assert.match(r.message, /2\.3/);
    assert.match(r.message, /1\.x/);
  });

  test('when the file is a newer minor version, then it is read', async () => {
    const file = await encodeMtts(space, {});
    const { header, sections } = splitSections(file);
    const back = await decodeMtts(joinSections(headerWithVersion(header, 1, 7), sections));
    assert.equal(back.count, space.count);
  });
});

async function* from2(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

describe('MTTS compression', () => {
  test('when chunks are random bytes, then auto stores them raw, and a forced codec falls back to raw', async () => {
    const noise = randomSpace(SEED + 4, { paths: 2000, noise: true });
    for (const opts of [{ compression: 'auto' as const, priority: 'size' as const }, { compression: 'lz4' as const }, { compression: 'deflate' as const }]) {
      const file = await encodeMtts(noise, { ...opts, chunkBytes: 50_000 });
      const r = await inspectMtts(file);
      assert.ok(r.chunks.every((c) => c.codec === 'none'), JSON.stringify(r.chunks.map((c) => c.codec)));
      assert.deepEqual(pathList(await decodeMtts(file)), pathList(noise));
    }
  });

  test('when chunks are structured, then each priority picks its codec', async () => {
    const s = randomSpace(SEED + 5, { paths: 3000 });
    const codecs = async (priority: 'speed' | 'balanced' | 'size'): Promise<string[]> => (await inspectMtts(await encodeMtts(s, { priority, chunkBytes: 30_000 }))).chunks.map((c) => c.codec);
    assert.ok((await codecs('speed')).every((c) => c === 'lz4'));
    assert.ok((await codecs('balanced')).every((c) => c === 'brotli:5'));
    assert.ok((await codecs('size')).every((c) => c === 'brotli:9'));
  });

  test('when --compression is parsed, then deflate takes a level and the rest do not', () => {
    assert.deepEqual(parseCompression('deflate:9'), { compression: 'deflate', level: 9 });
    assert.deepEqual(parseCompression('brotli:11'), { compression: 'brotli', level: 11 });
    assert.throws(() => parseCompression('brotli:12'), /brotli\[:0-11\]/);
    assert.throws(() => parseCompression('lz4:3'));
    assert.deepEqual(parseCompression('lz4'), { compression: 'lz4' });
    assert.throws(() => parseCompression('lz4:3'), { code: ErrorCode.Usage });
    assert.throws(() => parseCompression('zstd'), { code: ErrorCode.Usage });
  });

  test('when metadata pairs are given, then they are stored sorted and no timestamp is added', async () => {
    const s = randomSpace(SEED + 6, { paths: 10 });
    const a = await encodeMtts(s, { meta: { b: '2', a: '1' } });
    const b = await encodeMtts(s, { meta: { a: '1', b: '2' } });
    assert.ok(Buffer.compare(a, b) === 0);
    assert.deepEqual((await inspectMtts(a)).meta, { a: '1', b: '2' });
  });
});

/** Run the CLI in-process with captured output. */
async function cli(argv: string[], stdin: Uint8Array = new Uint8Array(0)): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: Buffer[] = [];
  const errs: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  err.on('data', (c: Buffer) => errs.push(c));
  async function* input(): AsyncGenerator<Uint8Array> {
    yield stdin;
  }
  const code = await main(argv, { stdin: input(), stdout: out, stderr: err });
  return { code, stdout: Buffer.concat(chunks).toString('utf8'), stderr: Buffer.concat(errs).toString('utf8') };
}

describe('MTTS command line', () => {
  const metta = path.join(TMP, 'space.metta');
  const mtts = path.join(TMP, 'space.mtts');
  const text = Array.from({ length: 500 }, (_, i) => `(edge n${i % 37} (w ${i}) $x)`).join('\n') + '\n';

  test('when text is serialized to mtts and back, then the atoms are the same as through .paths', async () => {
    fs.writeFileSync(metta, text);
    for (const priority of ['speed', 'balanced', 'size']) {
      const r = await cli(['serialize', metta, '-o', mtts, '--priority', priority, '--chunk-size', '2k', '--force', '--meta', 'source=test']);
      assert.equal(r.code, 0, r.stderr);
      const back = await cli(['deserialize', mtts, '--threads', '2']);
      assert.equal(back.code, 0, back.stderr);
      const viaPaths = await cli(['serialize', metta, '-t', 'text']);
      assert.equal(back.stdout, viaPaths.stdout);
    }
  });

  test('when convert is given each --compression, then the result verifies', async () => {
    for (const c of ['none', 'lz4', 'deflate', 'deflate:3', 'brotli', 'brotli:4', 'auto']) {
      const out = path.join(TMP, `c-${c.replace(':', '')}.mtts`);
      const r = await cli(['convert', metta, '--from', 'text', '-o', out, '--compression', c]);
      assert.equal(r.code, 0, r.stderr);
      const v = await cli(['verify', out]);
      assert.equal(v.code, 0, v.stderr);
      assert.match(v.stdout, /OK/);
    }
  });

  test('when a bad flag value is given, then exit 2 naming the flag', async () => {
    const r = await cli(['serialize', metta, '-o', path.join(TMP, 'x.mtts'), '--compression', 'zstd']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--compression/);
  });

  test('when verify meets a flipped bit, then exit 1 and one line with the code; --json gives the error object', async () => {
    const bytes = fs.readFileSync(mtts);
    const bad = path.join(TMP, 'bad.mtts');
    const copy = Buffer.from(bytes);
    copy[copy.length - 100]! ^= 0x10;
    fs.writeFileSync(bad, copy);
    const r = await cli(['verify', bad]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /ERR_(CHECKSUM|CORRUPT)/);
    const j = await cli(['verify', bad, '--json']);
    assert.equal(j.code, 1);
    assert.ok((JSON.parse(j.stderr) as { error: { code: string } }).error.code.startsWith('ERR_'));
    const ok = await cli(['verify', mtts, '--json']);
    assert.equal(ok.code, 0);
    assert.equal((JSON.parse(ok.stdout) as { ok: boolean }).ok, true);
  });

  test('when --no-verify is given, then a bad file digest is ignored', async () => {
    const copy = Buffer.from(fs.readFileSync(mtts));
    copy[copy.length - 10]! ^= 0x01;
    const bad = path.join(TMP, 'digest.mtts');
    fs.writeFileSync(bad, copy);
    assert.equal((await cli(['deserialize', bad])).code, 1);
    const r = await cli(['deserialize', bad, '--no-verify']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, (await cli(['deserialize', mtts])).stdout);
  });

  test('when inspect --json reads an mtts file, then it lists the header, sections and every chunk', async () => {
    const r = await cli(['inspect', mtts, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { format: string; version: string; meta: Record<string, string>; sections: { section: string }[]; chunks: { codec: string; rawBytes: number; storedBytes: number; ratio: number; digest: string }[] };
    assert.equal(doc.format, 'mtts');
    assert.equal(doc.version, '1.0');
    assert.deepEqual(doc.meta, { source: 'test' });
    assert.deepEqual(doc.sections.map((s) => s.section.split(' ')[0]), ['header', 'chunks', 'index', 'metadata', 'end']);
    assert.ok(doc.chunks.length > 1);
    for (const c of doc.chunks) assert.match(c.digest, /^[0-9a-f]{32}$/);
    // format internals come last, with -v; without it, one line counts them
    const human = await cli(['inspect', mtts]);
    assert.doesNotMatch(human.stdout, /chunk\s+offset\s+codec/);
    assert.match(human.stdout, /\(5 sections, \d+ chunks: -v lists them\)\n$/);
    const verbose = await cli(['inspect', mtts, '-v']);
    assert.match(verbose.stdout, /chunks\n\s+chunk\s+offset\s+codec/);
    assert.ok(verbose.stdout.indexOf('sections\n') > verbose.stdout.indexOf('format'), 'the summary first');
    const counted = await cli(['inspect', mtts, '--count', '--json']);
    assert.equal((JSON.parse(counted.stdout) as { space: { atoms: number } }).space.atoms, 500);
  });

  test('when mtts is piped to deserialize -, then it streams the text (a spawned process)', () => {
    const bytes = fs.readFileSync(mtts);
    const r = spawnSync(process.execPath, [BIN, 'deserialize', '-'], { input: bytes, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split('\n').length, 501);
    const v = spawnSync(process.execPath, [BIN, 'verify', '-'], { input: bytes.subarray(0, bytes.length - 5), encoding: 'utf8', timeout: 20_000 });
    assert.equal(v.status, 1);
    assert.match(v.stderr, /<stdin>.*ERR_TRUNCATED/);
  });
});

describe('MTTS golden files', () => {
  for (const g of GOLDENS) {
    test(`when ${g.name}'s space is written again, then the bytes match the golden file`, async () => {
      const golden = fs.readFileSync(path.join(GOLDEN_DIR, g.name));
      const bytes = await encodeMtts(g.space(), g.options);
      assert.ok(Buffer.compare(bytes, golden) === 0, `${g.name} changed: regenerate with node dist/test/helpers/mtts-goldens.js --write only if the format changed on purpose`);
      assert.deepEqual(pathList(await decodeMtts(golden)), pathList(g.space()));
    });
  }
});
