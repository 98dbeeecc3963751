/**
 * The library's run: convertFile over every pair of formats and thread counts (the pool race it
 * would have caught), claimed order that proves false, the memory budget, cancellation, the pool's
 * error wrapping, and how formats are told apart.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  AbortedError, ErrorCode, FORMATS, RunContext, WorkerPool, bytesInput, convertBytes, convertFile, detectInputFormat, fileInput, isMorkspaceError,
  readSpace, streamInput, type MorkspaceError,
} from '../src/internals.js';
import { BIG_LOGIC_PATHS } from './helpers/fixtures.js';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'convert-test-'));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

const EXT: Record<string, string> = { text: 'metta', paths: 'paths', act: 'act', mtts: 'mtts' };

function records(paths: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const p of paths) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(p.length);
    parts.push(len, p);
  }
  return zlib.deflateSync(Buffer.concat(parts));
}

/** `(f x)`-shaped expression paths: arity 2, symbol `f`, a symbol of the given text. */
function atom(sym: string): Uint8Array {
  const s = Buffer.from(sym);
  return Uint8Array.from([0x02, 0xc1, 0x66, 0xc0 | s.length, ...s]);
}

describe('convertFile, every pair of formats, 1, 2 and 4 threads on this host', () => {
  // big_logic's text is over the parallel-parse threshold (4 MiB) and its MTTS chunks over the
  // pool's: every thread count below puts work on the pool, in the same process, one after another
  test('when each format pair is converted with 1, 2 and 4 threads, then every output is the same bytes, and reads back to the same space', async () => {
    const sources: Record<string, string> = { paths: BIG_LOGIC_PATHS };
    for (const to of ['text', 'act', 'mtts']) {
      sources[to] = path.join(TMP, `source.${EXT[to]}`);
      await convertFile(BIG_LOGIC_PATHS, sources[to]!, { threads: 1 });
    }
    const reference = await readSpace(fileInput(BIG_LOGIC_PATHS), { threads: 1 });
    const refAtoms = reference.batches.reduce((n, b) => n + b.count, 0);
    assert.equal(refAtoms, 91_692);
    for (const from of Object.keys(sources)) {
      for (const to of Object.keys(EXT)) {
        const outputs: Buffer[] = [];
        for (const threads of [1, 2, 4]) {
          const out = path.join(TMP, `${from}-${threads}.${EXT[to]}`);
          const report = await convertFile(sources[from]!, out, { threads, force: true });
          assert.equal(report.atoms, refAtoms, `${from} → ${to}, ${threads} threads`);
          outputs.push(fs.readFileSync(out));
        }
        assert.ok(outputs.every((o) => o.equals(outputs[0]!)), `${from} → ${to}: same bytes for 1, 2 and 4 threads`);
      }
    }
    // and what was written reads back as the same space
    const back = await readSpace(fileInput(path.join(TMP, 'mtts-4.act')), { threads: 4 });
    assert.deepEqual(back.batches.flatMap((b) => [...b].map((p) => Buffer.from(p).toString('hex'))), reference.batches.flatMap((b) => [...b].map((p) => Buffer.from(p).toString('hex'))));
  });

  test('when a run has one thread, then nothing starts a worker pool (MTTS chunks, parsing and sorting stay on the calling thread)', async () => {
    const ctx = new RunContext({ threads: 1 });
    try {
      await convertFile(path.join(TMP, 'source.metta'), path.join(TMP, 'one-thread.mtts'), { context: ctx, force: true });
      assert.equal(ctx.pool.started, false);
      assert.equal(ctx.pool.completed, 0);
    } finally {
      await ctx.close();
    }
  });

  test('when two conversions share one run with 4 threads at once, then both finish (one pool, never replaced)', async () => {
    const ctx = new RunContext({ threads: 4 });
    try {
      const text = path.join(TMP, 'source.metta');
      const [a, b] = await Promise.all([
        convertFile(text, path.join(TMP, 'both-a.mtts'), { context: ctx, force: true }),
        convertFile(BIG_LOGIC_PATHS, path.join(TMP, 'both-b.mtts'), { context: ctx, force: true, mtts: { compression: 'lz4' } }),
      ]);
      assert.equal(a.atoms, b.atoms);
      assert.ok(ctx.pool.started && ctx.pool.completed > 0, 'the work went through the one pool');
    } finally {
      await ctx.close();
    }
  });
});

describe('a .paths file claims sorted order; when it is not, the run sorts it all the same', () => {
  const paths = ['c', 'a', 'b', 'a', 'd'].map(atom);
  const file = path.join(TMP, 'unsorted.paths');
  fs.writeFileSync(file, records(paths));
  const expected = '(f a)\n(f b)\n(f c)\n(f d)\n';

  test('when an unsorted .paths file is converted to a file, then the run restarts once and the output is sorted and unique', async () => {
    const notes: string[] = [];
    const out = path.join(TMP, 'unsorted.metta');
    const report = await convertFile(file, out, { threads: 1, log: (m) => notes.push(m) });
    assert.equal(fs.readFileSync(out, 'utf8'), expected);
    assert.equal(report.atoms, 4);
    assert.ok(notes.some((m) => /out of order.*reading it again/.test(m)), notes.join('\n'));
  });
  test('when it is read from a stream or written to memory (nothing to restart), then it is sorted all the same', async () => {
    const viaStream = await convertBytes(streamInput('<stdin>', (async function* () {
      yield fs.readFileSync(file);
    })()), { to: 'text', threads: 1 });
    assert.equal(Buffer.from(viaStream.bytes).toString(), expected);
    const viaFile = await convertBytes(fileInput(file), { to: 'text', threads: 1 });
    assert.equal(Buffer.from(viaFile.bytes).toString(), expected);
  });
  test('when a sorted .paths file is converted, then it streams through without a restart', async () => {
    const notes: string[] = [];
    await convertFile(BIG_LOGIC_PATHS, path.join(TMP, 'sorted.act'), { threads: 1, force: true, log: (m) => notes.push(m) });
    assert.deepEqual(notes.filter((m) => /order/.test(m)), []);
  });
});

describe('limits, cancellation and faults are morkspace errors', () => {
  test('when an unsorted space needs more than the memory budget to sort, then it is sorted in spilled runs to the same bytes', async () => {
    const text = Buffer.from(Array.from({ length: 40_000 }, (_, i) => `(fact ${(i * 7919) % 40_000} padding-to-make-it-longer)`).join('\n'));
    const free = await convertBytes(bytesInput(text, 'big.metta'), { to: 'paths', threads: 1 });
    const tight = await convertBytes(bytesInput(text, 'big.metta'), { to: 'paths', threads: 1, memoryBytes: 1 << 20, tmpDir: TMP });
    assert.ok(Buffer.from(tight.bytes).equals(Buffer.from(free.bytes)));
    assert.equal(tight.report.atoms, 40_000);
  });
  test('when the signal is aborted mid-run, then the run stops with an AbortedError and leaves no output file', async () => {
    const controller = new AbortController();
    const out = path.join(TMP, 'aborted.act');
    const slow = streamInput('slow.metta', (async function* () {
      for (let i = 0; i < 1000; i++) {
        if (i === 5) controller.abort();
        yield Buffer.from(`(fact ${i})\n`);
        await new Promise((r) => setTimeout(r, 1));
      }
    })());
    const before = fs.readdirSync(TMP).length;
    const { openOutput, convert } = await import('../src/internals.js');
    const target = await openOutput(out, { force: false });
    await assert.rejects(
      (async () => {
        try {
          await convert(slow, target, { from: 'text', signal: controller.signal, threads: 1 });
          await target.commit();
        } finally {
          await target.discard();
        }
      })(),
      (e: unknown) => e instanceof AbortedError && (e as AbortedError).code === ErrorCode.Aborted,
    );
    assert.equal(fs.existsSync(out), false);
    assert.equal(fs.readdirSync(TMP).length, before, 'no temporary file left');
  });
  test('when a worker task fails in the pool itself, then the error is a morkspace error naming the task', async () => {
    const pool = new WorkerPool(2);
    try {
      await assert.rejects(pool.run('noSuchTask' as 'sortPart', {}, []), (e: unknown) => isMorkspaceError(e) && e.code === ErrorCode.Internal && /worker task noSuchTask failed/.test(e.message));
    } finally {
      await pool.close();
    }
    await assert.rejects(pool.run('sortPart', {}, []), (e: unknown) => isMorkspaceError(e) && e.code === ErrorCode.Internal);
  });
  test('when a run is given an impossible thread count, then it is a usage error', () => {
    assert.throws(() => new RunContext({ threads: 0 }), (e: unknown) => isMorkspaceError(e) && e.code === ErrorCode.Usage);
  });
});

describe('telling formats apart: specific evidence outranks weak', () => {
  const sniff = async (bytes: Uint8Array | string, name = '<stdin>'): Promise<string> => (await detectInputFormat(bytesInput(typeof bytes === 'string' ? Buffer.from(bytes) : bytes, name))).name;
  test('when MeTTa text starts with a two-byte prefix that passes the zlib header check, then it is still text', async () => {
    for (const t of ['(rule a b)\n', '(S x y z)\n', '(4 5)\n', 'hb c\n', 'x^\n']) assert.equal(await sniff(t), 'text', JSON.stringify(t));
  });
  test('when a real .paths stream comes without a name, then it is paths; ACT and MTTS by their magic whatever the name', async () => {
    assert.equal(await sniff(fs.readFileSync(BIG_LOGIC_PATHS)), 'paths');
    const { encodeAct, encodeMtts, PathArena } = await import('../src/internals.js');
    const space = PathArena.from([atom('a'), atom('b')]);
    assert.equal(await sniff(encodeAct(space), 'x.metta'), 'act');
    assert.equal(await sniff(await encodeMtts(space), 'x.paths'), 'mtts');
  });
  test("when a file starts with MTTS and zero version bytes (MeTTaTron's snapshot), then it is a snapshot, not our MTTS", async () => {
    const snapshot = Buffer.concat([Buffer.from('MTTS'), Buffer.alloc(16)]);
    assert.equal(await sniff(snapshot, 'x.mtts'), 'mettatron');
  });
  test('when binary data matches no format, then it is refused naming the first non-text byte, even with a .metta name', async () => {
    const junk = Uint8Array.from([0x28, 0x61, 0x00, 0x01, 0x02, 0x03]);
    await assert.rejects(sniff(junk, 'j.metta'), (e: MorkspaceError) => e.code === ErrorCode.BadMagic && e.where.offset === 2 && e.where.file === 'j.metta');
    assert.equal((await detectInputFormat(bytesInput(junk), 'text')).name, 'text', '--from text reads it anyway');
  });
  test('every format in the table declares its capabilities and flags', () => {
    assert.deepEqual(FORMATS.map((f) => f.name), ['text', 'paths', 'upaths', 'act', 'mtts', 'mettatron', 'json', 'jsonl', 'csv']);
    assert.deepEqual(FORMATS.filter((f) => !f.writable).map((f) => f.name), ['mettatron', 'json', 'jsonl', 'csv']);
    assert.deepEqual(FORMATS.filter((f) => f.unordered === true).map((f) => f.name), ['upaths']);
    assert.deepEqual(FORMATS.map((f) => f.capabilities.symbols), ['printed', 'sidecar', 'sidecar', 'sidecar', 'inside', 'inside', 'printed', 'printed', 'printed']);
    assert.deepEqual(FORMATS.filter((f) => f.capabilities.prefixLookup).map((f) => f.name), ['act']);
    for (const f of FORMATS) assert.ok(f.capabilities.verifies.length > 0 && Array.isArray(f.flags.read) && Array.isArray(f.flags.write), f.name);
  });
});
