import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { compareBytes } from '../src/bytes.js';
import { isMorkspaceError } from '../src/errors.js';
import { ActFile, ActWriter, encodeAct, encodeVarint, readVarint, varintSize, writeAct } from '../src/formats/act/index.js';
import { TrieWalker, WINDOW_BYTES } from '../src/formats/act/walker.js';
import { ActBytes } from '../src/formats/act/file-bytes.js';
import { tempDir } from './helpers/cli.js';
import { residentFileBytes } from '../src/io/resident-pages.js';
import { decodePaths } from '../src/formats/paths.js';
import { PathArena } from '../src/path-arena.js';
import { sortUniqueArena } from '../src/sort.js';
import { BIG_LOGIC_PATHS, CLI, GOLDEN, ROOT, collectSync, goldenCases, hexList, mulberry32, randomBinarySpace, randomExpressionSpace, readRaw, testSeed } from './helpers/act-fixtures.js';

const golden = (name: string): Buffer => fs.readFileSync(path.join(GOLDEN, `${name}.act`));
const hexBytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const latin = (...paths: string[]): PathArena => sortUniqueArena(PathArena.from(paths.map((p) => Buffer.from(p, 'latin1'))));

function assertCode(f: () => unknown, code: string, offset?: number): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(isMorkspaceError(e), `expected a MorkspaceError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (offset !== undefined) assert.equal(e.where.offset, offset);
    return true;
  });
}

describe('ACT varint (ACTree03 biased length prefix)', () => {
  const table: [number, string][] = [
    [0, '00'],
    [247, 'f7'],
    [248, 'f8f8'],
    [255, 'f8ff'],
    [256, 'f90001'],
    [1000, 'f9e803'],
    [65535, 'f9ffff'],
    [65536, 'fa000001'],
    [2 ** 24 - 1, 'faffffff'],
    [2 ** 24, 'fb00000001'],
    [2 ** 32 - 1, 'fbffffffff'],
    [2 ** 32, 'fc0000000001'],
  ];
  for (const [value, hex] of table) {
    test(`when ${value} is encoded, then the bytes are ${hex} and decode back`, () => {
      const out = new Uint8Array(9);
      const end = encodeVarint(out, 0, value);
      assert.equal(Buffer.from(out.subarray(0, end)).toString('hex'), hex);
      assert.equal(varintSize(value), end);
      const c = { value: 0, end: 0 };
      readVarint(out, 0, end, c, 'v');
      assert.deepEqual(c, { value, end });
    });
  }
  test('when a varint runs past the end of the file, then ERR_TRUNCATED at its first byte', () => {
    assertCode(() => readVarint(hexBytes('00f9e8'), 1, 3, { value: 0, end: 0 }, 'v'), 'ERR_TRUNCATED', 1);
  });
  test('when a varint read in a window of the file runs past its object or the file, then the error names file offsets', () => {
    // the window starts at file offset 5000: position 1 is byte 5001
    assertCode(() => readVarint(hexBytes('00f9e80300'), 1, 3, { value: 0, end: 0 }, 'v', 5000), 'ERR_CORRUPT', 5001);
    assert.throws(() => readVarint(hexBytes('00f9e80300'), 1, 3, { value: 0, end: 0 }, 'v', 5000), /ends after byte 5003/);
    assertCode(() => readVarint(hexBytes('00f9e8'), 1, 3, { value: 0, end: 0 }, 'v', 5000), 'ERR_TRUNCATED', 5001);
  });
});

describe('ACT writer reproduces upstream byte for byte', () => {
  for (const name of goldenCases()) {
    test(`when ${name}.raw is sorted, deduplicated and written, then the bytes equal ${name}.act`, () => {
      assert.deepEqual(Buffer.from(encodeAct(sortUniqueArena(readRaw(name)))), golden(name));
    });
  }
  test('when big_logic (91,692 paths) is written, then the bytes equal big_logic.act', () => {
    const space = sortUniqueArena(decodePaths(fs.readFileSync(BIG_LOGIC_PATHS)));
    assert.equal(space.count, 91692);
    assert.ok(Buffer.from(encodeAct(space)).equals(golden('big_logic')));
  });
  const vectors: [string[], string][] = [
    [['xab', 'yab'], '19 00 00 00 00 00 00 00  02 61 62  c0 00 03  c0 00 06  02 06 78 79'],
    [['xa', 'xb'], '1a 00 00 00 00 00 00 00  40 00  40 00  01 78  02 06 61 62  81 04 06'],
    [['ab', 'abcd', 'x'], '20 00 00 00 00 00 00 00  01 64  c0 00 02  01 62  41 00 05 63  81 04 06  40 00  02 05 61 78'],
    [['', 'a'], '12 00 00 00 00 00 00 00  40 00  41 00 02 61'],
  ];
  for (const [paths, hex] of vectors) {
    test(`when {${paths.map((p) => JSON.stringify(p)).join(',')}} is written, then the file is act-format.md §11's bytes`, () => {
      const want = Buffer.concat([Buffer.from('ACTree03'), hexBytes(hex), Buffer.alloc(8)]);
      assert.deepEqual(Buffer.from(encodeAct(latin(...paths))), want);
    });
  }
  test('when paths arrive in several batches, then the file equals the one-batch file', async () => {
    const space = randomBinarySpace(mulberry32(7), 500);
    async function* batches(): AsyncGenerator<PathArena> {
      for (let i = 0; i < space.count; i += 37) {
        const b = new PathArena();
        for (let k = i; k < Math.min(space.count, i + 37); k++) b.push(space.viewPath(k));
        yield b;
      }
    }
    const chunks: Uint8Array[] = [];
    for await (const c of writeAct(batches())) chunks.push(c);
    assert.deepEqual(Buffer.concat(chunks), Buffer.from(encodeAct(space)));
  });
  test('when paths are not strictly ascending, then the writer refuses with ERR_USAGE', () => {
    const w = new ActWriter();
    w.add(Buffer.from('b'), 0, 1);
    assertCode(() => w.add(Buffer.from('a'), 0, 1), 'ERR_USAGE');
    const w2 = new ActWriter();
    w2.add(Buffer.from('ab'), 0, 2);
    assertCode(() => w2.add(Buffer.from('ab'), 0, 2), 'ERR_USAGE');
  });
});

describe('ACT reader', () => {
  test('when lines of every length from 1 to 130 bytes are walked, then every path comes back exactly (lines are copied 4 bytes a step)', () => {
    // each path a line of its own below a branching byte, then a second path sharing the line as a prefix
    const paths: Uint8Array[] = [];
    for (let len = 1; len <= 130; len++) {
      const line = Uint8Array.from({ length: len }, (_, k) => (len * 37 + k * 11 + 1) & 0xff);
      paths.push(Uint8Array.of(len, ...line), Uint8Array.of(len, ...line, 0x40, ...line.subarray(0, len % 9)));
    }
    const want = sortUniqueArena(PathArena.from(paths));
    const got = collectSync(ActFile.fromBytes(encodeAct(want)).paths());
    assert.deepEqual(hexList(got), hexList(want));
  });
  for (const name of goldenCases()) {
    test(`when ${name}.act is read, then it holds the sorted set of ${name}.raw and finds each path`, () => {
      const want = sortUniqueArena(readRaw(name));
      const file = ActFile.fromBytes(golden(name));
      assert.deepEqual(hexList(collectSync(file.paths())), hexList(want));
      for (let i = 0; i < want.count; i++) {
        assert.ok(file.has(want.copyPath(i)));
        assert.equal(file.get(want.copyPath(i)), 0n);
      }
    });
  }
  test('when big_logic.act is mapped, then it reads the same 91,692 paths as big_logic.metta.paths', () => {
    const want = sortUniqueArena(decodePaths(fs.readFileSync(BIG_LOGIC_PATHS)));
    const file = ActFile.open(path.join(GOLDEN, 'big_logic.act'));
    assert.equal(file.mapped, true);
    const got = collectSync(file.paths());
    assert.equal(got.count, 91692);
    for (let i = 0; i < got.count; i++) if (compareBytes(got.viewPath(i), want.viewPath(i)) !== 0) assert.fail(`path ${i} differs`);
    const stats = file.walkStats();
    assert.equal(stats.valueNodes, 91692);
    assert.ok(stats.lineReferences > stats.distinctLines, 'line data is shared');
  });
  test('when a walk has a window budget, then it stops once it has read that many 64 KiB windows and resumes where it stopped', () => {
    const bytes = golden('big_logic');
    assert.ok(bytes.length > 8 * WINDOW_BYTES, 'the file spans many windows');
    const file = ActFile.fromBytes(bytes);
    const { rootOffset, tailOffset } = file.header;
    const limits = { maxVisits: bytes.length, maxPathBytes: 1 << 20 };
    const walker = new TrieWalker(ActBytes.of(bytes), rootOffset, tailOffset, limits, undefined, 2);
    const arena = new PathArena(1 << 16, 1024);
    let stops = 0;
    while (!walker.run(arena, Infinity, Infinity)) {
      assert.ok(walker.windowsFull, 'run stops early only on the budget here');
      stops++;
      walker.startWindows();
      assert.equal(walker.windowsFull, false);
    }
    // two windows at a time cannot cover a file of 42: the walk stopped many times, and lost nothing
    assert.ok(stops > 10, `${stops} stops`);
    assert.deepEqual(hexList(arena), hexList(collectSync(file.paths())));
  });
  test('when a mapped file is walked with a resident budget of 1 byte, then its pages go mid-batch and the batches are the same', () => {
    const file = path.join(GOLDEN, 'big_logic.act');
    const sizes = (f: ActFile): number[] => [...f.paths()].map((a) => a.count);
    const budgeted = ActFile.open(file, { residentBytes: 1 });
    assert.equal(budgeted.mapped, true);
    const plain = ActFile.open(file);
    assert.deepEqual(sizes(budgeted), sizes(plain));
    assert.deepEqual(hexList(collectSync(budgeted.paths())), hexList(collectSync(plain.paths())));
  });
  test('when a mapped file is read through, then what is resident grows by its size, and a walk stopped early lets its pages go', (t) => {
    if (residentFileBytes() < 0) return t.skip('no /proc/self/statm here: what is resident cannot be measured');
    const name = path.join(GOLDEN, 'big_logic.act');
    const file = ActFile.open(name);
    assert.equal(file.mapped, true);
    const bytes = file.bytes!;
    // a walk lets its pages go first: none of the file is resident after a walk of one batch
    for (const _ of file.paths()) break;
    const before = residentFileBytes();
    let sum = 0;
    for (let i = 0; i < bytes.length; i += 4096) sum += bytes[i]!;
    assert.ok(sum >= 0);
    const read = residentFileBytes() - before;
    assert.ok(read >= 0.9 * bytes.length, `${read} bytes resident after reading ${bytes.length}`);
    const walk = ActFile.open(name, { batchPaths: 100 });
    for (let i = 0; i < bytes.length; i += 4096) sum += walk.bytes![i]!;
    const held = residentFileBytes();
    let batches = 0;
    for (const _ of walk.paths()) if (++batches === 3) break;
    // the other mapping of the same file still holds its pages; this walk's are gone
    assert.ok(held - residentFileBytes() >= 0.9 * bytes.length, `${held - residentFileBytes()} bytes let go`);
  });
  test('when the node facts of a mapped file are counted, then the pages that walk read are let go after it', (t) => {
    if (residentFileBytes() < 0) return t.skip('no /proc/self/statm here: what is resident cannot be measured');
    const file = ActFile.open(path.join(GOLDEN, 'big_logic.act'));
    const before = residentFileBytes();
    const stats = file.walkStats();
    assert.equal(stats.valueNodes, 91692);
    const held = residentFileBytes() - before;
    assert.ok(held < 0.25 * file.bytes!.length, `${held} of ${file.bytes!.length} bytes still resident`);
  });
  test('when the header is read, then a base file reports no merges and its root', () => {
    const h = ActFile.fromBytes(golden('ace5')).header;
    assert.deepEqual({ magic: h.magic, root: h.rootOffset, merged: h.merged, history: h.rootHistory, depth: h.mergeDepth }, { magic: 'ACTree03', root: 42, merged: false, history: [42], depth: 0 });
  });

  for (const [kind, seed, make] of [
    ['binary', 0x5eed01, randomBinarySpace],
    ['expression', 0x5eed02, randomExpressionSpace],
  ] as const) {
    test(`when random ${kind} path sets are written and read, then lookups and prefix walks agree with a sorted array`, () => {
      const base = testSeed(seed);
      for (let round = 0; round < 12; round++) {
        const s = base + round;
        const rand = mulberry32(s);
        const space = make(rand, 1 + Math.floor(rand() * 400));
        try {
          const file = ActFile.fromBytes(encodeAct(space), { batchPaths: 50 });
          const all = hexList(space);
          assert.deepEqual(hexList(collectSync(file.paths())), all);
          for (let q = 0; q < 60; q++) {
            const probe = q % 2 === 0 && space.count > 0 ? space.copyPath(Math.floor(rand() * space.count)) : mutate(rand, space.count > 0 ? space.copyPath(Math.floor(rand() * space.count)) : new Uint8Array(0));
            const hex = Buffer.from(probe).toString('hex');
            assert.equal(file.has(probe), all.includes(hex), `has ${hex}`);
            const prefix = probe.subarray(0, Math.floor(rand() * (probe.length + 1)));
            const ph = Buffer.from(prefix).toString('hex');
            assert.deepEqual(hexList(collectSync(file.prefixPaths(prefix))), all.filter((p) => p.startsWith(ph) && p.length >= ph.length && (p.length - ph.length) % 2 === 0), `prefix ${ph}`);
          }
        } catch (e) {
          throw new Error(`seed ${s} (replay with MORKSPACE_SEED=${s}): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        }
      }
    });
  }
  test('when a byte-range prefix is walked, then only paths whose bytes fall in each range come back, in order', () => {
    const space = latin('a1x', 'a2x', 'a2y', 'a3', 'b2x', 'c2x');
    const file = ActFile.fromBytes(encodeAct(space));
    const got = collectSync(file.prefixPaths({ lo: Buffer.from('a2x'), hi: Buffer.from('b3x') }));
    assert.deepEqual(hexList(got), ['a2x', 'b2x'].map((p) => Buffer.from(p).toString('hex')));
  });
});

function mutate(rand: () => number, p: Uint8Array): Uint8Array {
  const q = new Uint8Array(p.length + 1);
  q.set(p);
  q[p.length] = Math.floor(rand() * 256);
  return rand() < 0.5 ? q : q.subarray(0, Math.max(0, p.length - 1));
}

describe('ACT validation', () => {
  test('when the magic is ACTree01 or ACTree02, then ERR_VERSION at byte 0', () => {
    for (const v of ['01', '02']) {
      const bytes = Buffer.from(golden('ace5'));
      bytes.write(`ACTree${v}`, 0, 'latin1');
      assertCode(() => ActFile.fromBytes(bytes), 'ERR_VERSION', 0);
    }
  });
  test('when the file does not start with ACTree, then ERR_BAD_MAGIC', () => {
    assertCode(() => ActFile.fromBytes(Buffer.from('hello world, not an act file at all')), 'ERR_BAD_MAGIC', 0);
  });
  test('when the root offset points past the tail, then ERR_CORRUPT at byte 8', () => {
    const bytes = Buffer.from(golden('ace5'));
    bytes.writeUInt32LE(1000, 8);
    assertCode(() => ActFile.fromBytes(bytes), 'ERR_CORRUPT', 8);
  });
  test('when a first-child distance makes the sibling run overlap its parent, then ERR_CORRUPT at that node', () => {
    // ace5 root @42 = 02 07 61 62 (first child 35): distance 2 puts the run at 40, over the root itself.
    const bytes = Buffer.from(golden('ace5'));
    bytes[43] = 2;
    const file = ActFile.fromBytes(bytes);
    assertCode(() => collectSync(file.paths()), 'ERR_CORRUPT');
  });
  test('when merge trailers are appended, then the current root is read and the history walked back', () => {
    // Two append-merges of ace5 as merge_zipper_into_file lays them out: a new root copying the old
    // one (relative offsets recomputed), a trailer [previous trailer | 0, previous root].
    const base = golden('ace5'); // root 42 = 02 07 61 62, first child 35
    const merge1 = Buffer.concat([base, Buffer.from([0x02, 54 - 35, 0x61, 0x62]), u64pair(0, 42)]);
    merge1.writeUInt32LE(54, 8);
    const merge2 = Buffer.concat([merge1, Buffer.from([0x02, 74 - 35, 0x61, 0x62]), u64pair(58, 54)]);
    merge2.writeUInt32LE(74, 8);
    for (const [bytes, history] of [
      [merge1, [54, 42]],
      [merge2, [74, 54, 42]],
    ] as const) {
      const file = ActFile.fromBytes(bytes);
      assert.deepEqual(file.header.rootHistory, history);
      assert.equal(file.header.merged, true);
      assert.deepEqual(hexList(collectSync(file.paths())), hexList(sortUniqueArena(readRaw('ace5'))));
    }
    const loop = Buffer.from(merge2);
    loop.writeUInt32LE(78, 78); // a trailer naming itself as its predecessor
    assertCode(() => ActFile.fromBytes(loop), 'ERR_CORRUPT', 78);
  });
  test('when a crafted DAG encodes 2^20 paths in 230 bytes, then the walk stops with ERR_CORRUPT', () => {
    // Level k: a branch with children 'a','b', both line nodes pointing to the same level k-1 node.
    const parts: number[] = [...Buffer.from('ACTree03'), 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x78, 0x40, 0x00];
    let below = 18; // level 0: a leaf "40 00"
    const line = 16; // line data "x"
    for (let k = 0; k < 20; k++) {
      const l1 = parts.length;
      parts.push(0x81, l1 - below, l1 - line);
      const l2 = parts.length;
      parts.push(0x81, l2 - below, l2 - line);
      const b = parts.length;
      parts.push(0x02, b - l1, 0x61, 0x62);
      below = b;
    }
    const bytes = Buffer.from([...parts, 0, 0, 0, 0, 0, 0, 0, 0]);
    bytes.writeUInt32LE(below, 8);
    const file = ActFile.fromBytes(bytes);
    assertCode(() => collectSync(file.paths()), 'ERR_CORRUPT');
    assertCode(() => file.walkStats(), 'ERR_CORRUPT');
  });

  test('when every truncation and 3,000 random byte flips are decoded, then each ends in a MorkspaceError or a valid read, within the deadline', async () => {
    const seed = testSeed(0xbadf11e);
    const rand = mulberry32(seed);
    const files: Uint8Array[] = [];
    const labels: string[] = [];
    for (const name of ['ace5', 'a_ab', 'fanout_31_32_33', 'line_reuse', 'empty_set', 'long_lines']) {
      const g = golden(name);
      const step = g.length > 5000 ? 97 : 1;
      for (let n = 0; n < g.length; n += step) {
        files.push(Uint8Array.from(g.subarray(0, n)));
        labels.push(`${name} cut at ${n}`);
      }
    }
    for (const name of ['random40', 'fanout_31_32_33', 'ace5', 'line_reuse']) {
      const g = golden(name);
      for (let k = 0; k < 750; k++) {
        const c = Uint8Array.from(g);
        const flips = 1 + Math.floor(rand() * 3);
        for (let f = 0; f < flips; f++) c[Math.floor(rand() * c.length)] = Math.floor(rand() * 256);
        files.push(c);
        labels.push(`${name} flip #${k} (seed ${seed})`);
      }
    }
    const probes = [...hexList(sortUniqueArena(readRaw('random40'))).slice(0, 5), '616365', ''].map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
    const worker = new Worker(new URL('./helpers/act-corruption-worker.js', import.meta.url), { workerData: { files, labels, probes } });
    const result = await new Promise<{ failures: string[]; rejected: number; accepted: number }>((resolve, reject) => {
      const timer = setTimeout(() => {
        void worker.terminate();
        reject(new Error(`corrupt-file decodes did not finish within 20 s (seed ${seed}): a hang`));
      }, 20_000);
      worker.once('message', (m: { failures: string[]; rejected: number; accepted: number }) => {
        clearTimeout(timer);
        resolve(m);
      });
      worker.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    await worker.terminate();
    assert.deepEqual(result.failures.slice(0, 5), [], `seed ${seed}`);
    assert.ok(result.rejected > files.length / 3, `most corruptions are rejected (${result.rejected}/${files.length})`);
  });
});

function u64pair(a: number, b: number): Buffer {
  const t = Buffer.alloc(16);
  t.writeBigUInt64LE(BigInt(a), 0);
  t.writeBigUInt64LE(BigInt(b), 8);
  return t;
}

describe('ACT on the command line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'morkspace-act-'));
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', input: '' });

  test('when text is serialized to act and deserialized, then the atoms come back in space order', () => {
    const text = path.join(dir, 'family.metta');
    fs.writeFileSync(text, '(parent Bob Carol)\n(parent Alice Bob)\n(age Alice 42)\n(parent Alice Bob)\n');
    const act = path.join(dir, 'family.act');
    const r = run('serialize', text, '-o', act);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(act).subarray(0, 8).toString(), 'ACTree03');
    const d = run('deserialize', act);
    assert.equal(d.status, 0, d.stderr);
    assert.equal(d.stdout, '(age Alice 42)\n(parent Bob Carol)\n(parent Alice Bob)\n');
  });
  test('when .paths is converted to act and back, then the act equals upstream and the paths are the same', () => {
    const act = path.join(dir, 'big.act');
    const back = path.join(dir, 'big.paths');
    assert.equal(run('convert', BIG_LOGIC_PATHS, '-o', act).status, 0);
    assert.ok(fs.readFileSync(act).equals(golden('big_logic')));
    assert.equal(run('convert', act, '-o', back).status, 0);
    const a = decodePaths(fs.readFileSync(back));
    assert.equal(a.count, 91692);
    assert.deepEqual(Buffer.from(a.bytes.subarray(0, a.byteLength)), Buffer.from(decodePaths(fs.readFileSync(BIG_LOGIC_PATHS)).bytes.subarray(0, a.byteLength)));
  });
  test('when an act file is inspected, then the header facts come without a walk, and --count adds atoms and nodes', () => {
    const act = path.join(GOLDEN, 'big_logic.act');
    const quick = JSON.parse(run('inspect', '--json', act).stdout) as Record<string, unknown>;
    assert.equal(quick['format'], 'act');
    assert.equal(quick['magic'], 'ACTree03');
    assert.equal(quick['rootOffset'], 2745321);
    assert.equal(quick['mergeDepth'], 0);
    assert.equal(quick['space'], undefined);
    const full = JSON.parse(run('inspect', '--json', '--count', act).stdout) as { space: { atoms: number }; nodes: { valueNodes: number } };
    assert.equal(full.space.atoms, 91692);
    assert.equal(full.nodes.valueNodes, 91692);
  });
  test('when a corrupt act file is converted, then one stderr line names the byte offset, exit code 1, and no output file', () => {
    const bad = path.join(dir, 'bad.act');
    const bytes = Buffer.from(golden('ace5'));
    bytes[43] = 2;
    fs.writeFileSync(bad, bytes);
    const out = path.join(dir, 'bad-out.paths');
    const r = run('convert', bad, '-o', out);
    assert.equal(r.status, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /bad\.act: byte \d+: .*\[ERR_CORRUPT\]/);
    assert.equal(fs.existsSync(out), false);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('tmp-')), []);
  });
});

describe('ACT files read in pages', () => {
  // The golden file's arena moved to file offset `base`, after a hole: every reference is a
  // backward distance, so the moved trie is the same trie, and a 5 GiB file takes a few MiB of disk.
  function movedAct(file: string, base: number): void {
    const bytes = golden('big_logic');
    const root = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(8, true));
    const head = new Uint8Array(16);
    head.set(bytes.subarray(0, 8));
    new DataView(head.buffer).setBigUint64(8, BigInt(root - 16 + base), true);
    const fd = fs.openSync(file, 'w');
    try {
      fs.writeSync(fd, head, 0, 16, 0);
      fs.writeSync(fd, bytes, 16, bytes.length - 16, base);
    } finally {
      fs.closeSync(fd);
    }
  }

  test('when a file is read in tiny pages, then walks, prefix walks, lookups and node facts are those of the mapped file', () => {
    const name = path.join(GOLDEN, 'big_logic.act');
    const mapped = ActFile.open(name);
    // 4 KiB pages with the least overlap: nodes and lines cross page edges, long lines get reads of their own
    const paged = ActFile.open(name, { paging: { always: true, pageBytes: 4096, overlapBytes: 64 }, residentBytes: 64 * 1024 });
    try {
      assert.equal(paged.paged, true);
      assert.equal(paged.mapped, false);
      assert.equal(paged.bytes, undefined);
      const all = collectSync(mapped.paths());
      assert.deepEqual(hexList(collectSync(paged.paths())), hexList(all));
      assert.deepEqual(paged.walkStats(), mapped.walkStats());
      for (let i = 0; i < all.count; i += 1999) {
        const p = all.viewPath(i);
        assert.equal(paged.has(p), true);
        assert.equal(paged.get(p), mapped.get(p));
        // a long prefix mostly (a short one is most of the space: a few of those)
        const prefix = p.subarray(0, i % 9 === 0 ? 8 : p.length - 2);
        assert.deepEqual(hexList(collectSync(paged.prefixPaths(prefix))), hexList(collectSync(mapped.prefixPaths(prefix))));
      }
      const absent = new Uint8Array([0xff, 0xfe, 0xfd]);
      assert.equal(paged.has(absent), mapped.has(absent));
    } finally {
      paged.close();
    }
    assert.throws(() => [...paged.paths()], (e: unknown) => isMorkspaceError(e) && e.code === 'ERR_USAGE' && /closed/.test(e.message));
  });

  test('when a file with damaged bytes is read in tiny pages, then every walk ends as it does in memory: the same paths, or the same error at the same offset', () => {
    // masks (fanout), shared lines, a random trie, and lines longer than a page's overlap
    const goods = ['ace5', 'fanout_31_32_33', 'line_reuse', 'random40', 'long_lines'].map((n) => golden(n));
    const dir = tempDir();
    const file = path.join(dir, 'damaged.act');
    const rand = mulberry32(testSeed(0xda3a6e));
    const outcome = (act: ActFile): string => {
      try {
        return `paths ${hexList(collectSync(act.paths())).join(',')} stats ${JSON.stringify(act.walkStats())}`;
      } catch (e) {
        return isMorkspaceError(e) ? `${e.code} at ${e.where.offset}: ${e.message}` : `other: ${String(e)}`;
      }
    };
    const open = (f: () => ActFile): string => {
      try {
        const act = f();
        try {
          return outcome(act);
        } finally {
          act.close();
        }
      } catch (e) {
        return isMorkspaceError(e) ? `open ${e.code} at ${e.where.offset}: ${e.message}` : `other: ${String(e)}`;
      }
    };
    const kinds = new Set<string>();
    for (let round = 0; round < 300; round++) {
      const bytes = Buffer.from(goods[round % goods.length]!);
      for (let m = 1 + Math.floor(rand() * 3); m > 0; m--) bytes[16 + Math.floor(rand() * (bytes.length - 24))] = Math.floor(rand() * 256);
      fs.writeFileSync(file, bytes);
      const inMemory = open(() => ActFile.fromBytes(bytes, { name: file }));
      // pages of 16 bytes with the least overlap: every node and line crosses a page edge somewhere
      const paged = open(() => ActFile.open(file, { paging: { always: true, pageBytes: 16, overlapBytes: 64 }, residentBytes: 1024 }));
      assert.equal(paged, inMemory, `round ${round}`);
      kinds.add(inMemory.split(' ')[0]!);
    }
    assert.ok(kinds.size >= 3, `outcomes seen: ${[...kinds].join(', ')}`);
  });

  test('when ranges are asked of a file read in pages, then each reads as the file has it, across page edges and past the overlap, and at most the budget of pages is kept', () => {
    const name = path.join(GOLDEN, 'big_logic.act');
    const want = fs.readFileSync(name);
    const fd = fs.openSync(name, 'r');
    const src = ActBytes.paged(fd, want.length, name, { pageBytes: 4096, overlapBytes: 64, budgetBytes: 8 * (4096 + 64) });
    try {
      const rand = mulberry32(testSeed(0x9a6e5));
      for (let k = 0; k < 2000; k++) {
        // mostly near a page edge; some longer than the overlap (a read of their own)
        const edge = 4096 * (1 + Math.floor(rand() * (want.length / 4096 - 1)));
        const off = k % 3 === 0 ? Math.floor(rand() * want.length) : edge - Math.floor(rand() * 64);
        const len = Math.min(k % 10 === 0 ? 65 + Math.floor(rand() * 9000) : 1 + Math.floor(rand() * 64), want.length - off);
        src.window(off, len);
        assert.ok(off >= src.base && off + len <= src.end, `[${off}, ${off + len}) in the window [${src.base}, ${src.end})`);
        assert.ok(Buffer.from(src.buf.subarray(off - src.base, off + len - src.base)).equals(want.subarray(off, off + len)), `bytes at ${off}`);
        assert.ok(src.heldBytes <= 8 * (4096 + 64), `${src.heldBytes} bytes of pages held`);
      }
      assert.ok(src.reads > 100, `${src.reads} reads`);
    } finally {
      src.close();
    }
    assert.throws(() => fs.fstatSync(fd), /EBADF/, 'close closed the descriptor');
  });

  test('when a file read in pages is cut while it is walked, then the walk fails with ERR_TRUNCATED and reads no zeros for the missing bytes', () => {
    const dir = tempDir();
    const file = path.join(dir, 'cut.act');
    fs.copyFileSync(path.join(GOLDEN, 'big_logic.act'), file);
    const act = ActFile.open(file, { paging: { always: true, pageBytes: 4096, overlapBytes: 64 }, residentBytes: 64 * 1024 });
    try {
      fs.truncateSync(file, 1 << 20);
      assert.throws(() => [...act.paths()], (e: unknown) => isMorkspaceError(e) && e.code === 'ERR_TRUNCATED' && /cut while being read/.test(e.message) && e.where.file === file);
    } finally {
      act.close();
    }
  });

  test('when a mapped ACT file is over 96 MiB, then whole walks read pages of their own and lookups the mapping, with the answers of the small file', () => {
    const dir = tempDir();
    const big = path.join(dir, 'over.act');
    movedAct(big, 100 * 2 ** 20); // a hole, then the trie: 103 MB on disk in a few MiB
    const small = ActFile.open(path.join(GOLDEN, 'big_logic.act'));
    const act = ActFile.open(big);
    try {
      assert.equal(act.mapped, true);
      assert.equal(act.paged, false);
      const all = collectSync(small.paths());
      assert.deepEqual(hexList(collectSync(act.paths())), hexList(all));
      assert.deepEqual(act.walkStats(), small.walkStats());
      assert.equal(act.has(all.viewPath(1234)), true);
      const prefix = all.viewPath(777).subarray(0, 12);
      assert.deepEqual(hexList(collectSync(act.prefixPaths(prefix))), hexList(collectSync(small.prefixPaths(prefix))));
    } finally {
      act.close();
    }
    // closed: the kept descriptor is gone; the mapping still answers, as a mapped file's does
    assert.equal(collectSync(act.paths()).count, 91692);
  });

  test('when an ACT stream is longer than what is held in memory, then it is copied to --tmp-dir, read in place, and the copy is gone after', () => {
    const dir = tempDir();
    const big = path.join(dir, 'moved.act');
    movedAct(big, 80 * 2 ** 20); // 83 MB, past the 64 MiB held
    const tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
    const out = path.join(dir, 'out.paths');
    const r = spawnSync(process.execPath, [CLI, 'convert', '-', '-o', out, '--tmp-dir', tmp, '-v'], { cwd: ROOT, encoding: 'utf8', input: fs.readFileSync(big), maxBuffer: 1 << 26 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /an ACT stream of more than 64 MiB: copied to .*tmp to be read in place/);
    assert.deepEqual(hexList(decodePaths(fs.readFileSync(out))), hexList(sortUniqueArena(decodePaths(fs.readFileSync(BIG_LOGIC_PATHS)))));
    assert.deepEqual(fs.readdirSync(tmp), [], 'the copy is removed');
  });

  test('when an ACT file is larger than 4 GiB, then inspect, convert and query read it in pages, as the same trie held small', () => {
    const dir = tempDir();
    const big = path.join(dir, 'big.act');
    movedAct(big, 5 * 2 ** 30);
    assert.ok(fs.statSync(big).size > 5 * 2 ** 30);
    const run = (...argv: string[]) => spawnSync(process.execPath, [CLI, ...argv], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
    const i = run('inspect', big, '--json', '--verbose');
    assert.equal(i.status, 0, i.stderr);
    const facts = JSON.parse(i.stdout) as { paged: boolean; mapped: boolean; rootOffset: number };
    assert.equal(facts.paged, true);
    assert.equal(facts.mapped, false);
    assert.ok(facts.rootOffset > 5 * 2 ** 30);
    assert.match(i.stderr, /no mapping \(the mmap addon maps at most 2 GiB\); reading .*big\.act \(5,37\d,\d{3},\d{3} bytes\) in pages of 64 KiB/);
    // node facts too: the bitmap of lines seen is made only where the lines are (past the hole)
    const counted = (f: string): unknown => {
      const r = run('inspect', f, '--count', '--json');
      assert.equal(r.status, 0, r.stderr);
      const j = JSON.parse(r.stdout) as { nodes: Record<string, number>; space: { atoms: number; distinctSymbols: number } };
      assert.equal(j.space.atoms, 91692);
      return { nodes: j.nodes, atoms: j.space.atoms, symbols: j.space.distinctSymbols };
    };
    assert.deepEqual(counted(big), counted(path.join(GOLDEN, 'big_logic.act')));
    const out = path.join(dir, 'out.paths');
    const c = run('convert', big, '-o', out);
    assert.equal(c.status, 0, c.stderr);
    assert.deepEqual(hexList(decodePaths(fs.readFileSync(out))), hexList(sortUniqueArena(decodePaths(fs.readFileSync(BIG_LOGIC_PATHS)))));
    const q1 = run('query', big, '(axiom (= (* $a $b) $c))');
    const q2 = run('query', path.join(GOLDEN, 'big_logic.act'), '(axiom (= (* $a $b) $c))');
    assert.equal(q1.status, 0, q1.stderr);
    assert.ok(q2.stdout.split('\n').length > 100, 'the pattern matches');
    assert.equal(q1.stdout, q2.stdout);
  });
});

describe('ACT line index within the memory budget', () => {
  test('when the line index would pass its eighth of --memory, then one warning says so, and the file is valid, larger, and holds the same paths', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'act-budget-'));
    try {
      const shared = path.join(dir, 'shared.act');
      const small = path.join(dir, 'small.act');
      const a = spawnSync(process.execPath, [CLI, 'convert', BIG_LOGIC_PATHS, '-o', shared], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(a.status, 0, a.stderr);
      assert.equal(a.stderr, '');
      const b = spawnSync(process.execPath, [CLI, 'convert', BIG_LOGIC_PATHS, '-o', small, '--memory', '1M'], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(b.status, 0, b.stderr);
      const lines = b.stderr.trim().split('\n');
      assert.equal(lines.length, 1, b.stderr);
      assert.match(lines[0]!, /small\.act: the ACT line index reached its share of the memory budget \(128 KiB, an eighth; \d+ distinct lines\): later lines are stored unshared/);
      assert.ok(fs.statSync(small).size > fs.statSync(shared).size, 'unshared lines make the file larger');
      const back = (f: string): Buffer => {
        const r = spawnSync(process.execPath, [CLI, 'convert', f, '-o', '-', '--to', 'paths'], { cwd: ROOT, maxBuffer: 1 << 28 });
        assert.equal(r.status, 0, r.stderr.toString());
        return r.stdout;
      };
      assert.ok(back(small).equals(back(shared)), 'both files hold the same space');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ACT without mmap', () => {
  test('when mapping is unavailable, then the file is read into memory, said under --verbose, with the same answers', () => {
    const file = path.join(GOLDEN, 'big_logic.act');
    const env = { ...process.env, MORKSPACE_NO_MMAP: '1' };
    const r = spawnSync(process.execPath, [CLI, 'inspect', file, '-v', '--json'], { cwd: ROOT, encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /mmap unavailable \(disabled by MORKSPACE_NO_MMAP=1\); reading .*big_logic\.act into memory/);
    assert.equal((JSON.parse(r.stdout) as { mapped: boolean }).mapped, false);
    const q = spawnSync(process.execPath, [CLI, 'query', file, '(axiom (= (* $x $x) $y))', '--count'], { cwd: ROOT, encoding: 'utf8', env });
    const mapped = spawnSync(process.execPath, [CLI, 'query', file, '(axiom (= (* $x $x) $y))', '--count'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(q.stdout, mapped.stdout);
    assert.match(mapped.stdout, /^\d+\n$/);
  });
});
