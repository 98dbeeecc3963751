// The default thread count backs off the cores other work keeps busy (src/pool/pool.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { busyCores, defaultThreads } from '../src/pool/pool.js';

test('an idle host keeps every core; a sustained load takes the cores it holds', () => {
  assert.equal(busyCores('0.02 0.01 0.04 1/77 1597', 2, 2), 0);
  // one other process spinning for a minute: the load is ~1 and two tasks are runnable, this one and it
  assert.equal(busyCores('1.01 0.80 0.40 2/80 1600', 2, 2), 1);
  assert.equal(busyCores('3.20 3.00 2.00 5/90 1700', 2, 2), 2);
  assert.equal(busyCores('7.9 7.0 6.0 9/300 1', 16, 16), 8);
});

test('a passing spike or load this command left behind does not count', () => {
  // many runnable now, but the minute's average is low: a spike
  assert.equal(busyCores('0.10 0.05 0.01 6/90 1600', 2, 2), 0);
  // a high average (earlier runs of this command), but nothing else runnable now
  assert.equal(busyCores('1.90 1.20 0.50 1/90 1600', 2, 2), 0);
});

test('load spread over a larger host counts for this process\'s share of it', () => {
  // 4 of 64 host CPUs are this process's: 32 busy tasks over 64 CPUs keep 2 of its 4 busy
  assert.equal(busyCores('32.0 30.0 30.0 33/900 1', 4, 64), 2);
});

test('no /proc/loadavg, or text it cannot read, backs off nothing', () => {
  assert.equal(busyCores(undefined, 2, 2), 0);
  assert.equal(busyCores('', 2, 2), 0);
  assert.equal(busyCores('garbage', 2, 2), 0);
});

test('the default is at least one thread and at most the cores', () => {
  const threads = defaultThreads();
  assert.ok(threads >= 1 && threads <= os.availableParallelism(), `threads ${threads}`);
});
