/**
 * Hostile input and faults (one describe per item of the fuzzing report): decompression bombs,
 * MTTS chunks bounded in bytes, damaged binary input on stdin, write errors on stdout, the empty
 * path, trickling input, u64 fields in messages. Zlib headers in text, outputs that are folders and
 * long output names are in cli-run.test.ts; `npm run fuzz` drives every reader for longer.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import { PathArena, encodeAct, encodeMtts, readText } from '../src/index.js';
import { COALESCE_BYTES, HEADER_BYTES, SECTION_HEADER_BYTES, chunkSpace, mapOrdered } from '../src/internals.js';
import { cli } from './helpers/cli.js';
import { BIG_LOGIC_PATHS, ROOT } from './helpers/fixtures.js';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-test-'));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

const MAIN = pathToFileURL(path.join(ROOT, 'dist/src/cli/main.js')).href;

/** The CLI run in a child process that reports its peak RSS (bytes) on its last stderr line. */
function cliPeak(args: string[]): { status: number | null; stderr: string; peakBytes: number } {
  const script = `const { main } = await import(${JSON.stringify(MAIN)}); const code = await main(process.argv.slice(1)); process.stderr.write('peak ' + process.resourceUsage().maxRSS * 1024 + '\\n'); process.exitCode = code;`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, ...args], { encoding: 'utf8' });
  const peak = /peak (\d+)\n$/.exec(r.stderr);
  assert.ok(peak, r.stderr);
  return { status: r.status, stderr: r.stderr.slice(0, peak.index), peakBytes: Number(peak[1]) };
}

/** A `.paths` file whose record stream is `piece` repeated until `bytes` (decompressed). */
async function deflatedRepeats(file: string, piece: Uint8Array, bytes: number): Promise<void> {
  const d = zlib.createDeflate({ level: 1 });
  const out = fs.createWriteStream(file);
  const closed = new Promise<void>((resolve) => out.on('close', () => resolve()));
  d.pipe(out);
  const block = Buffer.alloc(Math.floor((1 << 20) / piece.length) * piece.length);
  for (let o = 0; o < block.length; o += piece.length) block.set(piece, o);
  for (let done = 0; done < bytes; done += block.length) if (!d.write(block)) await new Promise<void>((r) => d.once('drain', () => r()));
  d.end();
  await closed;
}

const record = (path: number[]): number[] => [path.length, 0, 0, 0, ...path];
const SYMBOL_A = [0xc1, 0x61];
const SYMBOL_B = [0xc1, 0x62];
const MB = 1 << 20;

describe('1. decompression bombs: memory does not grow with records the output drops', () => {
  test('when a sorted .paths holds 128 MiB of one repeated record, then it streams (no re-read) to one atom under 400 MB', async () => {
    const file = path.join(TMP, 'repeat.paths');
    await deflatedRepeats(file, Uint8Array.from(record(SYMBOL_A)), 128 * MB);
    assert.ok(fs.statSync(file).size < 2 * MB);
    const out = path.join(TMP, 'repeat.metta');
    const r = cliPeak(['convert', '-v', file, '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(out, 'utf8'), 'a\n');
    assert.doesNotMatch(r.stderr, /reading it again/);
    assert.ok(r.peakBytes < 400e6, `peak ${r.peakBytes} bytes`);
  });

  test('when an unsorted .paths repeats two records for 128 MiB, then the repeats are dropped as they arrive: two atoms, nothing spilled, under 400 MB', async () => {
    const file = path.join(TMP, 'alternate.paths');
    await deflatedRepeats(file, Uint8Array.from([...record(SYMBOL_B), ...record(SYMBOL_A)]), 128 * MB);
    const out = path.join(TMP, 'alternate.act');
    // a budget the 22 million records would overflow many times over if they were kept
    const r = cliPeak(['convert', '-v', '--memory', '64M', file, '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /repeats of paths read just before were dropped/);
    assert.doesNotMatch(r.stderr, /sorted runs/);
    assert.equal(cli(['convert', out, '--to', 'text']).stdout.toString(), 'a\nb\n');
    assert.ok(r.peakBytes < 400e6, `peak ${r.peakBytes} bytes`);
  });

  test('when an unsorted .paths cycles through 5,000 records for 64 MiB, then every repeat is dropped as it arrives (none reaches the sort)', async () => {
    // 5,000 distinct 2-byte paths in a scrambled order: a cycle of 30,000 bytes, inside deflate's window
    const cycle = 5000;
    const piece = new Uint8Array(6 * cycle);
    for (let k = 0; k < cycle; k++) {
      const v = (k * 7919) % cycle;
      piece.set([...record([0x41 + (v >> 8), v & 0xff])], 6 * k);
    }
    const file = path.join(TMP, 'cycle.paths');
    await deflatedRepeats(file, piece, 64 * MB);
    const records = Math.floor((1 << 20) / piece.length) * cycle * Math.ceil((64 * MB) / (Math.floor((1 << 20) / piece.length) * piece.length));
    const r = cliPeak(['convert', '-v', '--memory', '64M', file, '--to', 'act', '-o', path.join(TMP, 'cycle.act')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`sort: ${records - cycle} repeats of paths read just before were dropped`));
    assert.match(r.stderr, /paths → act: 5,000 atoms/);
    assert.ok(r.peakBytes < 400e6, `peak ${r.peakBytes} bytes`);
  });

  test('when gzip\'d text repeats two atoms for 64 MiB, then its repeats are dropped as they arrive too (plain text pays input bytes for each atom, and is not filtered)', async () => {
    const file = path.join(TMP, 'repeat.metta.gz');
    const block = Buffer.from('(b a)\n(a b)\n'.repeat(1 << 16));
    const gz = zlib.createGzip({ level: 1 });
    const out = fs.createWriteStream(file);
    const closed = new Promise<void>((resolve) => out.on('close', () => resolve()));
    gz.pipe(out);
    for (let done = 0; done < 64 * MB; done += block.length) if (!gz.write(block)) await new Promise<void>((r) => gz.once('drain', () => r()));
    gz.end();
    await closed;
    const r = cliPeak(['convert', '-v', '--memory', '64M', file, '--to', 'text', '-o', path.join(TMP, 'repeat-gz.metta')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /repeats of paths read just before were dropped/);
    assert.doesNotMatch(r.stderr, /sorted runs/);
    assert.equal(fs.readFileSync(path.join(TMP, 'repeat-gz.metta'), 'utf8'), '(a b)\n(b a)\n');
    // the same atoms as plain text: no filter (nothing to gain), sorted within the budget all the same
    const plain = path.join(TMP, 'repeat.metta');
    fs.writeFileSync(plain, block.subarray(0, 6 * 4096));
    const p = cli(['convert', '-v', plain, '--to', 'text']);
    assert.equal(p.stdout.toString(), '(a b)\n(b a)\n');
    assert.doesNotMatch(p.stderr, /repeats of paths read just before/);
  });

  test('when one record is longer than an eighth of the memory budget, then it is refused (ERR_LIMIT, naming --memory) and nothing is written', async () => {
    const file = path.join(TMP, 'long-record.paths');
    const long = new Uint8Array(4 + 16 * MB).fill(0x61);
    new DataView(long.buffer).setUint32(0, 16 * MB, true);
    fs.writeFileSync(file, zlib.deflateSync(long, { level: 1 }));
    const out = path.join(TMP, 'long-record.act');
    const r = cli(['convert', '--memory', '64M', file, '-o', out]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /record of 16777216 bytes exceeds the limit of 8388608 bytes .*--memory.*\[ERR_LIMIT\]/);
    assert.equal(fs.existsSync(out), false);
  });
});

describe('2. MTTS: what a reader holds is bounded in bytes, not in chunks', () => {
  test('when a chunk header declares more path bytes than a writer ever writes, then it is refused at that chunk before decoding (ERR_LIMIT)', async () => {
    const bytes = await encodeMtts(PathArena.from([Uint8Array.from(SYMBOL_A), Uint8Array.from(SYMBOL_B)]));
    // the first chunk's header follows the file header and its section header; path bytes at +12
    const forged = Buffer.from(bytes);
    forged.writeUInt32LE(1 << 30, HEADER_BYTES + SECTION_HEADER_BYTES + 12);
    const file = path.join(TMP, 'forged.mtts');
    fs.writeFileSync(file, forged);
    const r = cli(['verify', file]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /chunk 0.*chunk of 1073741824 path bytes exceeds the limit of 268435456 .*\[ERR_LIMIT\]/);
  });

  test('when tasks in flight would weigh more than the window, then the oldest is awaited first (one task always runs)', async () => {
    const weights = [40, 40, 10, 10, 10, 100, 5, 5];
    const inFlight: number[] = [];
    let heaviest = 0;
    async function* items(): AsyncGenerator<number> {
      yield* weights;
    }
    const run = async (w: number): Promise<number> => {
      inFlight.push(w);
      // the 100 runs alone; together, the others never pass the limit of 64
      const sum = inFlight.reduce((a, b) => a + b, 0);
      heaviest = Math.max(heaviest, inFlight.includes(100) ? (inFlight.length === 1 ? 0 : Infinity) : sum);
      await new Promise((r) => setImmediate(r));
      inFlight.splice(inFlight.indexOf(w), 1);
      return w;
    };
    const out: number[] = [];
    for await (const w of mapOrdered(items(), 8, run, { of: (w) => w, limit: 64 })) out.push(w);
    assert.deepEqual(out, weights);
    assert.ok(heaviest <= 64, `tasks weighing ${heaviest} ran at once`);
  });

  test('when a path would take a chunk past the readers\' limit, then the writer starts the next chunk before it, and refuses a path longer than a chunk', async () => {
    const paths = [10, 10, 10, 30, 10].map((n, i) => new Uint8Array(n).fill(0x41 + i));
    async function* one(): AsyncGenerator<PathArena> {
      yield PathArena.from(paths);
    }
    const sizes: number[] = [];
    // chunks of 40 path bytes at most 45: 10+10+10+30 would be 60, so the 30-byte path opens a chunk
    for await (const c of chunkSpace(one(), 40, 45)) sizes.push(c.bytes.length);
    assert.deepEqual(sizes, [30, 40]);
    await assert.rejects(async () => {
      for await (const c of chunkSpace(one(), 20, 25)) void c;
    }, /a path of 30 bytes is longer than an MTTS chunk holds \(25 bytes\)/);
  });
});

describe('4. damaged binary input is not taken for text', () => {
  for (const n of [3, 40, 200]) {
    test(`when a .paths file cut after ${n} bytes comes on stdin, then it is a truncated zlib stream (exit 1, no output)`, () => {
      const r = cli(['convert', '--to', 'text', '-'], { input: fs.readFileSync(BIG_LOGIC_PATHS).subarray(0, n) });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /zlib stream is truncated.*\[ERR_TRUNCATED\]/);
      assert.equal(r.stdout.length, 0);
    });
  }

  test('when bytes of deflate data without a header come on stdin, then they are refused as binary, not printed as a symbol', () => {
    const r = cli(['convert', '--to', 'text', '-'], { input: zlib.deflateRawSync(fs.readFileSync(BIG_LOGIC_PATHS)).subarray(0, 300) });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /binary data that is none of the known formats.*\[ERR_BAD_MAGIC\]/);
    assert.equal(r.stdout.length, 0);
  });

  test("when stdin holds 'x' or 'x^' (a zlib header byte or two, and MeTTa symbols), then they are text", () => {
    for (const t of ['x', 'x^']) {
      const r = cli(['convert', '--to', 'text', '-'], { input: t });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.toString(), `${t}\n`);
    }
  });
});

describe('5. write errors on stdout', { skip: fs.existsSync('/dev/full') ? false : 'no /dev/full here' }, () => {
  for (const args of [['convert', '--to', 'text', BIG_LOGIC_PATHS], ['convert', '--to', 'act', BIG_LOGIC_PATHS], ['inspect', BIG_LOGIC_PATHS], ['--help']]) {
    test(`when stdout is /dev/full, then ${args.slice(0, 2).join(' ')} fails with one line, exit 3`, () => {
      const fd = fs.openSync('/dev/full', 'w');
      try {
        const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/morkspace.js'), ...args], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
        assert.equal(r.status, 3, r.stderr);
        assert.equal(r.stderr, 'morkspace: <stdout>: no space left on the device [ERR_IO]\n');
      } finally {
        fs.closeSync(fd);
      }
    });
  }
});

describe('8. the empty path', () => {
  const space = PathArena.from([new Uint8Array(0), Uint8Array.from(SYMBOL_A)]);
  const files: [string, () => Promise<Uint8Array> | Uint8Array][] = [
    ['.paths', () => zlib.deflateSync(Uint8Array.from([0, 0, 0, 0, ...record(SYMBOL_A)]))],
    ['.act', () => encodeAct(space)],
    ['.mtts', () => encodeMtts(space)],
  ];
  for (const [ext, make] of files) {
    test(`when a ${ext} file holds the empty path, then deserialize prints the rest and a warning says it was left out`, async () => {
      const file = path.join(TMP, `empty-path${ext}`);
      fs.writeFileSync(file, await make());
      const r = cli(['deserialize', file]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.toString(), 'a\n');
      assert.match(r.stderr, /warning: the empty path \(a value at the root of the trie\) was left out/);
    });
  }
});

describe('9. trickling input costs per byte, not per chunk', () => {
  const text = Buffer.from(Array.from({ length: 5_000 }, (_, i) => `(edge n${i} n${i + 1})\n`).join(''));
  async function* trickle(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }
  test('when text comes in 1-byte chunks, then the parser gets it in chunks as large as from a file (as many batches)', async () => {
    const batches = async (size: number): Promise<number[]> => {
      const counts: number[] = [];
      for await (const b of readText(trickle(text, size))) counts.push(b.count);
      return counts;
    };
    const big = await batches(COALESCE_BYTES);
    const tiny = await batches(1);
    assert.equal(tiny.reduce((a, b) => a + b, 0), 5_000);
    assert.ok(tiny.length <= big.length + 1, `${tiny.length} batches from 1-byte chunks, ${big.length} from ${COALESCE_BYTES}-byte ones`);
  });

  test('when a slow producer sends a line and waits, then the line is parsed before the next is sent', async () => {
    let release: () => void = () => undefined;
    async function* slow(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 3; i++) {
        yield Buffer.from(`(line ${i})\n`);
        // the next line only once the consumer has had this one
        await new Promise<void>((r) => (release = r));
      }
    }
    const got: number[] = [];
    const watchdog = setTimeout(() => release(), 5000);
    for await (const b of readText(slow())) {
      got.push(b.count);
      release();
    }
    clearTimeout(watchdog);
    assert.deepEqual(got, [1, 1, 1]);
  });
});

describe('10. u64 fields are printed exactly in messages', () => {
  test('when an ACT line length is 2^63, then the message says 9223372036854775808', () => {
    // header, root offset; line data at 16 with a 9-byte length varint; at 25 a line node with a value
    const bytes = Buffer.from([...Buffer.from('ACTree03'), 25, 0, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x80, 0xc0, 0x00, 9, 0, 0, 0, 0, 0, 0, 0, 0]);
    const file = path.join(TMP, 'u64.act');
    fs.writeFileSync(file, bytes);
    const r = cli(['deserialize', file]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /line data of 9223372036854775808 bytes/);
  });
});
