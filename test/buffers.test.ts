/**
 * Reuse of batch buffers (src/buffers.ts, `PathArena.release`, `releaseConsumed`) and paced
 * collections (src/run/gc-pacer.ts): a buffer comes back only from its last owner, never twice,
 * never a foreign one, and a space the caller made keeps its batches.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import {
  FORMATS, GcPacer, MIN_RECYCLED_BYTES, gcPaceFor, MemorySink, PathArena, RunContext, fullCollection, giveBack, reclaim, releaseConsumed, takeBack, takeBuffer, takeBytes, takeSharedBuffer, type Space,
} from '../src/internals.js';

const BIG = 3 * MIN_RECYCLED_BYTES;

describe('buffer reuse', () => {
  test('a buffer handed back is handed out again for a request of its size', () => {
    const a = takeBuffer(BIG);
    assert.ok(a.byteLength >= BIG && a.byteLength <= 1.25 * BIG);
    giveBack(new Uint8Array(a));
    assert.equal(takeBuffer(BIG), a);
  });

  test('a shared buffer handed back is handed out again as shared, never as a plain one', () => {
    const a = takeSharedBuffer(BIG);
    assert.ok(a instanceof SharedArrayBuffer && a.byteLength >= BIG);
    giveBack(new Uint8Array(a));
    assert.notEqual(takeBuffer(BIG) as unknown, a);
    assert.equal(takeSharedBuffer(BIG), a);
  });

  test('a shared buffer that came back from another thread is another object: not taken in', async () => {
    const a = takeSharedBuffer(BIG);
    const { port1, port2 } = new MessageChannel();
    const back = await new Promise<SharedArrayBuffer>((resolve) => {
      port2.once('message', (m: SharedArrayBuffer) => resolve(m));
      port1.postMessage(a);
    });
    port1.close();
    assert.notEqual(back, a);
    giveBack(new Uint8Array(back));
    assert.notEqual(takeSharedBuffer(BIG), back);
  });

  test('small requests are exact and never kept', () => {
    const small = takeBytes(100);
    assert.equal(small.length, 100);
    giveBack(small);
    assert.notEqual(takeBytes(100).buffer, small.buffer);
  });

  test('a buffer given back twice is handed out once', () => {
    const a = takeBuffer(BIG);
    giveBack(new Uint8Array(a));
    giveBack(new Uint8Array(a));
    const first = takeBuffer(BIG);
    const second = takeBuffer(BIG);
    assert.equal(first, a);
    assert.notEqual(second, a);
  });

  test('foreign and transferred buffers are not taken in', () => {
    const foreign = new Uint8Array(BIG);
    giveBack(foreign);
    assert.notEqual(takeBuffer(BIG), foreign.buffer);
    const mine = takeBuffer(BIG);
    const view = new Uint8Array(mine);
    structuredClone(mine, { transfer: [mine] }); // detaches it, as a move to a worker does
    giveBack(view);
    assert.notEqual(takeBuffer(BIG).byteLength, 0);
  });

  test('a buffer lent to a worker comes back as a new object over the same memory: reclaimed, it is reused; one of a size never handed out is not', async () => {
    const lent = takeBuffer(BIG);
    const { port1, port2 } = new MessageChannel();
    const back = new Promise<ArrayBuffer>((resolve) => port2.once('message', resolve));
    port1.postMessage(lent, [lent]); // detached here, as a task's buffer is
    const returned = await back;
    port1.close();
    assert.notEqual(returned, lent);
    giveBack(new Uint8Array(returned));
    assert.notEqual(takeBuffer(BIG), returned, 'an unknown buffer is not taken in');
    takeBack([new Uint8Array(returned)]);
    assert.equal(takeBuffer(BIG), returned);
    const odd = new ArrayBuffer(BIG + 3);
    reclaim(new Uint8Array(odd));
    giveBack(new Uint8Array(odd));
    assert.notEqual(takeBuffer(BIG + 3), odd, 'a buffer of a size never handed out (a payload read from a file) is not kept');
  });

  test('a released arena is empty, and its buffers serve the next arena', () => {
    const a = new PathArena(BIG, 16);
    a.push(Uint8Array.of(1, 2, 3));
    const buffer = a.bytes.buffer;
    a.release();
    assert.equal(a.count, 0);
    assert.equal(a.byteLength, 0);
    const b = new PathArena(BIG, 16);
    assert.equal(b.bytes.buffer, buffer);
    a.push(Uint8Array.of(9)); // still usable after release, on buffers of its own
    assert.deepEqual([...a.viewPath(0)], [9]);
    assert.notEqual(a.bytes.buffer, buffer);
  });

  test('releaseConsumed hands a batch back when the next is asked for, and only for the pipeline\'s own batches', async () => {
    const make = (): PathArena[] => [0, 1, 2].map((k) => {
      const a = new PathArena(BIG, 4);
      a.push(Uint8Array.of(0x03, k));
      return a;
    });
    const space = (batches: PathArena[], recycles?: boolean): Space => ({
      batches: (async function* () { yield* batches; })(), order: 'sorted', sizeHint: {}, facts: {}, ...(recycles ? { recycles } : {}),
    });
    const own = make();
    const seen: number[] = [];
    for await (const b of releaseConsumed(space(own, true))) seen.push(b.count);
    assert.deepEqual(seen, [1, 1, 1]);
    assert.deepEqual(own.map((b) => b.count), [0, 0, 0]);
    const users = make();
    for await (const b of releaseConsumed(space(users))) void b;
    assert.deepEqual(users.map((b) => b.count), [1, 1, 1]);
  });

  test('a format writer given the caller\'s batches leaves them intact', async () => {
    const text = FORMATS.find((f) => f.name === 'text')!;
    const a = PathArena.from([Uint8Array.of(0xc1, 0x61)]); // the symbol `a`
    const ctx = new RunContext({ threads: 1 });
    try {
      const sink = new MemorySink('<text>');
      await text.write({ batches: (async function* () { yield a; })(), order: 'sorted', sizeHint: {}, facts: {} }, ctx, sink);
      assert.equal(new TextDecoder().decode(sink.bytes()), 'a\n');
      assert.equal(a.count, 1);
    } finally {
      await ctx.close();
    }
  });
});

describe('paced collections', () => {
  test('a collection runs each time the pace is passed, and none when pacing is off', () => {
    if (fullCollection() === null) return; // not every engine lets a program ask for one
    const pacer = new GcPacer(1000);
    pacer.passed(600);
    assert.equal(pacer.collections, 0);
    pacer.passed(600);
    assert.equal(pacer.collections, 1);
    pacer.passed(2500);
    assert.equal(pacer.collections, 2);
    const off = new GcPacer(0);
    off.passed(1e9);
    assert.equal(off.collections, 0);
  });

  test('between full collections, a scavenge runs each time the minor pace is passed; a full one resets both', () => {
    if (fullCollection() === null) return;
    const pacer = new GcPacer(1000, 100);
    pacer.passed(150);
    assert.deepEqual([pacer.minorCollections, pacer.collections], [1, 0]);
    pacer.passed(50);
    assert.deepEqual([pacer.minorCollections, pacer.collections], [1, 0]);
    pacer.passed(800); // 1000 in all: the full collection, not a scavenge as well
    assert.deepEqual([pacer.minorCollections, pacer.collections], [1, 1]);
    pacer.passed(99);
    assert.equal(pacer.minorCollections, 1, 'counted afresh after the full collection');
    const off = new GcPacer(0, 100);
    off.passed(1e9);
    assert.deepEqual([off.minorCollections, off.collections], [0, 0]);
    // a minor pace not below the full one adds nothing
    const same = new GcPacer(100, 100);
    same.passed(150);
    assert.deepEqual([same.minorCollections, same.collections], [0, 1]);
  });

  test('the run context refuses a negative pace', () => {
    assert.throws(() => new RunContext({ gcEveryBytes: -1 }), /gcEveryBytes/);
  });

  test('by default a run collects after every 1/512 of its memory budget, at least every 16 MiB', () => {
    assert.equal(gcPaceFor(256 << 20), 16 << 20);
    assert.equal(gcPaceFor(2 ** 38), 2 ** 29);
  });

  test('asking for collections leaves the global gc as it was', () => {
    fullCollection();
    assert.equal((globalThis as { gc?: unknown }).gc, undefined);
  });
});
