import type { ParseStats } from '../src/expr/parser.js';
import { test, describe, after } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { ErrorCode, WorkerPool, readText, parseChunk, type MorkspaceError, type PathArena } from '../src/internals.js';
import { Rng, testSeed } from './helpers/random.js';
import { randomExpression } from './helpers/expressions.js';

const pool2 = new WorkerPool(2);
after(() => pool2.close());

const hexAll = (batches: PathArena[]): string[] => batches.flatMap((b) => [...b].map((p) => Buffer.from(p).toString('hex')));
async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let p = 0; p < bytes.length; p += size) yield bytes.subarray(p, p + size);
}
async function parse(bytes: Uint8Array, size: number, threads: number): Promise<{ paths: string[]; stats: { topLevel: number; bytes: number } }> {
  const stats: { parse?: ParseStats } = {};
  const out: PathArena[] = [];
  for await (const b of readText(chunksOf(bytes, size), threads > 1 ? { pool: pool2 } : {}, stats)) out.push(b);
  return { paths: hexAll(out), stats: { topLevel: stats.parse!.topLevel, bytes: stats.parse!.bytes } };
}

describe('parallel text parsing gives exactly the sequential result', () => {
  const seed = testSeed();
  test(`random multi-line expressions, strings with line breaks and comments, any chunk size (seed ${seed})`, async () => {
    const rng = new Rng(seed);
    const parts: string[] = [];
    for (let i = 0; i < 1500; i++) {
      const r = rng.float();
      if (r < 0.05) parts.push('; a comment line (with parens) "and a quote\n');
      else if (r < 0.1) parts.push('(multi\n(looks like) (top level)\n "a string\n(with) a break" end)');
      else parts.push(randomExpression(rng).text);
    }
    const text = new TextEncoder().encode(parts.join(rng.pick(['\n', '\n\n', ' '])) + '\n');
    const sequential = await parse(text, 1 << 20, 1);
    for (const size of [61, 997, 4096, 65536]) {
      const before = pool2.completed;
      const parallel = await parse(text, size, 2);
      assert.ok(pool2.completed > before, 'workers parsed chunks');
      assert.deepEqual(parallel.paths, sequential.paths, `seed ${seed}, chunks of ${size}`);
      assert.deepEqual(parallel.stats, sequential.stats, `seed ${seed}, chunks of ${size}`);
    }
  });
  test('a syntax error in a chunk a worker parsed is reported at its true line and column', async () => {
    const lines = Array.from({ length: 4000 }, (_, i) => `(fact n${i} (value ${i}))`);
    lines[3000] = '(broken n3000 (value 3000)))';
    const text = new TextEncoder().encode(lines.join('\n') + '\n');
    for (const threads of [1, 2]) {
      await assert.rejects(parse(text, 4096, threads), (e: MorkspaceError) => e.code === ErrorCode.Syntax && e.where.line === 3001 && e.where.column === 28);
    }
  });
});

describe('parseChunk (the worker task)', () => {
  test('it parses from the first line break up to the last complete expression', () => {
    const bytes = new TextEncoder().encode('tail of something)\n(a b) (c\n d)\n(e f');
    const r = parseChunk({ bytes, crIsWhitespace: false, longSymbols: 'error' });
    assert.ok(r.ok);
    assert.equal(r.start, 19);
    assert.equal(r.count, 2);
    assert.equal(r.topLevel, 2);
    assert.equal(new TextDecoder().decode(bytes.subarray(r.stop)), '\n(e f');
  });
  test('it gives up when there is no line break or the guess does not parse', () => {
    assert.equal(parseChunk({ bytes: new TextEncoder().encode('(a b c'), crIsWhitespace: false, longSymbols: 'error' }).ok, false);
    assert.equal(parseChunk({ bytes: new TextEncoder().encode('x\n) (a)\n'), crIsWhitespace: false, longSymbols: 'error' }).ok, false);
  });
});

describe('parallel parsing moves no buffer (shared memory instead)', () => {
  // The first buffer a thread detaches (a transfer) makes V8 check every typed array access of
  // that thread for detached buffers from then on: its loops ran 10-18% slower (src/buffers.ts).
  test('neither this thread nor the workers detach a buffer while they parse, and the result is the one-thread parse', () => {
    const script = `
      const { readText, WorkerPool } = await import(${JSON.stringify(new URL('../src/internals.js', import.meta.url).href)});
      const lines = Array.from({ length: 60000 }, (_, i) => '(fact n' + i + ' (value ' + (i % 977) + ') "s ' + i + '")');
      const text = new TextEncoder().encode(lines.join('\\n') + '\\n');
      async function* chunks() { for (let p = 0; p < text.length; p += 65536) yield text.subarray(p, p + 65536); }
      const count = async (options) => { let n = 0, bytes = 0; for await (const b of readText(chunks(), options)) { n += b.count; bytes += b.byteLength; b.release(); } return n + '/' + bytes; };
      const one = await count({});
      const pool = new WorkerPool(2);
      const two = await count({ pool });
      process.stdout.write(JSON.stringify({ one, two, tasks: pool.completed }));
      await pool.close();
    `;
    const r = spawnSync(process.execPath, ['--trace-protector-invalidation', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.slice(r.stdout.lastIndexOf('{'))) as { one: string; two: string; tasks: number };
    assert.ok(out.tasks > 4, `${out.tasks} tasks on the workers`);
    assert.equal(out.two, out.one);
    assert.doesNotMatch(r.stdout + r.stderr, /ArrayBufferDetaching/);
  });
});
