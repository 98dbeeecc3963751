// The default thread count backs off the cores other work keeps busy (src/pool/pool.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { busyCores, countCpuList, defaultThreads, ownRunnableThreads, refusedFlags, withExecArgv } from '../src/pool/pool.js';
import { RunContext } from '../src/run/context.js';

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

test('this process\'s own runnable threads are not other work', () => {
  // a bench start: the 1-minute load of earlier runs, and two runnable tasks, both this process's
  // (this thread and a V8 compiler thread)
  assert.equal(busyCores('1.08 0.83 1.09 2/108 5165', 2, 2), 1);
  assert.equal(busyCores('1.08 0.83 1.09 2/108 5165', 2, 2, 2), 0);
  // another process spinning besides them still counts
  assert.equal(busyCores('1.08 0.83 1.09 3/108 5165', 2, 2, 2), 1);
  assert.ok(ownRunnableThreads() >= 1, 'this thread at least');
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

test('the host\'s processors are counted from the kernel\'s CPU list, as os.cpus() counts them', () => {
  assert.equal(countCpuList('0-3,8,10-11\n'), 7);
  assert.equal(countCpuList('0\n'), 1);
  assert.equal(countCpuList('0-191'), 192);
  for (const bad of ['', 'x', '3-1', '0-', '1,,2']) assert.equal(countCpuList(bad), undefined, bad);
  let online: string | undefined;
  try {
    online = fs.readFileSync('/sys/devices/system/cpu/online', 'latin1');
  } catch {
    // not Linux, or no /sys: os.cpus() is used instead
  }
  if (online !== undefined) assert.equal(countCpuList(online), os.cpus().length);
});

test('the default is at least one thread and at most the cores', () => {
  const threads = defaultThreads();
  assert.ok(threads >= 1 && threads <= os.availableParallelism(), `threads ${threads}`);
});

test('a default that backed off says so in the run\'s notes; a --threads given, or a full default, says nothing', async (t) => {
  // a 2-core host with one other process spinning for a minute
  const readFileSync = fs.readFileSync;
  let loadavg = '1.01 0.80 0.40 2/80 1600';
  t.mock.method(os, 'availableParallelism', () => 2);
  t.mock.method(os, 'cpus', () => [{}, {}]);
  // and none of this process's other threads running (as the real ones may be, now and then)
  t.mock.method(fs, 'readFileSync', ((file: fs.PathOrFileDescriptor, ...rest: unknown[]) =>
    file === '/proc/loadavg' ? loadavg : typeof file === 'string' && file.startsWith('/proc/self/task/') ? '1 (node) S 0' : (readFileSync as (...a: unknown[]) => unknown)(file, ...rest)) as typeof fs.readFileSync);
  const notes: string[] = [];
  const backedOff = new RunContext({ log: (m) => notes.push(m) });
  await backedOff.close();
  assert.equal(backedOff.threads, 1);
  assert.deepEqual(notes, ['1 of 2 threads: other work keeps 1 core busy (the load in /proc/loadavg); --threads 2 takes them all']);
  const given = new RunContext({ threads: 1, log: (m) => notes.push(m) });
  await given.close();
  assert.equal(notes.length, 1, 'an explicit thread count is not remarked on');
  loadavg = '0.02 0.01 0.04 1/77 1597';
  const idle = new RunContext({ log: (m) => notes.push(m) });
  assert.equal(idle.threads, 2);
  await idle.close();
  assert.equal(notes.length, 1, 'a default of every core is not remarked on');
});

test('a default does not back off for this process\'s own threads running beside it', (t) => {
  // a 2-core host, the minute's load of earlier runs, two tasks runnable: this thread and one more of this process's
  const readFileSync = fs.readFileSync;
  const readdirSync = fs.readdirSync;
  let loadavg = '1.01 0.80 0.40 2/80 1600';
  t.mock.method(os, 'availableParallelism', () => 2);
  t.mock.method(fs, 'readdirSync', ((dir: fs.PathLike, ...rest: unknown[]) => (dir === '/proc/self/task' ? ['101', '102', '103'] : (readdirSync as (...a: unknown[]) => unknown)(dir, ...rest))) as typeof fs.readdirSync);
  t.mock.method(fs, 'readFileSync', ((file: fs.PathOrFileDescriptor, ...rest: unknown[]) =>
    file === '/proc/loadavg' ? loadavg : file === '/proc/self/task/103/stat' ? '103 (node) S 0' : typeof file === 'string' && file.startsWith('/proc/self/task/') ? `1 (a) b) R 0` : (readFileSync as (...a: unknown[]) => unknown)(file, ...rest)) as typeof fs.readFileSync);
  assert.equal(ownRunnableThreads(), 2);
  assert.equal(defaultThreads(), 2);
  // a third runnable task is another process's: that core is busy
  loadavg = '1.01 0.80 0.40 3/80 1600';
  assert.equal(defaultThreads(), 1);
});

test('the flags Node refuses to a worker thread stay with the process; its own options still reach the workers', async () => {
  assert.deepEqual(refusedFlags('Initiated Worker with invalid execArgv flags: --max-old-space-size=100, --expose-gc'), ['--max-old-space-size=100', '--expose-gc']);
  const tried: string[][] = [];
  const started = withExecArgv(['--cpu-prof', '--max-old-space-size=100', '--expose-gc'], (argv) => {
    tried.push(argv);
    const refused = argv.filter((a) => a !== '--cpu-prof');
    if (refused.length > 0) throw Object.assign(new Error(`Initiated Worker with invalid execArgv flags: ${refused.join(', ')}`), { code: 'ERR_WORKER_INVALID_EXEC_ARGV' });
    return argv;
  });
  assert.deepEqual(started, ['--cpu-prof']);
  assert.equal(tried.length, 2);
  // any other failure, or one that names no flag it was given, is the caller's to see
  assert.throws(() => withExecArgv(['--x'], () => { throw Object.assign(new Error('Initiated Worker with invalid execArgv flags: --y'), { code: 'ERR_WORKER_INVALID_EXEC_ARGV' }); }), /--y/);
  assert.throws(() => withExecArgv([], () => { throw new Error('no'); }), /no/);

  // a real pool in a process started with V8 and process flags (a usual way to give a big run more heap)
  const pool = new URL('../src/pool/pool.js', import.meta.url).href;
  const script = `import { WorkerPool } from ${JSON.stringify(pool)};
const p = new WorkerPool(2);
const r = await p.run('printText', { bytes: new Uint8Array(0), ends: new Uint32Array(0), first: 0, out: new Uint8Array(16) }, []);
await p.close();
console.log(JSON.stringify({ ok: r.ok, completed: p.completed }));`;
  const run = spawnSync(process.execPath, ['--max-old-space-size=512', '--expose-gc', '--title=morkspace-test', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { ok: true, completed: 1 });
});
