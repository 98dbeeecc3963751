/**
 * `npm run fuzz`: every reader on mutated files (fuzz/cases.ts), for a bounded time, seeded.
 *
 *   npm run fuzz -- [--seconds 60] [--seed N] [--target text,paths,act,mtts,sniff] [--deadline-ms 5000]
 *   npm run fuzz -- --replay TARGET SEED INDEX      (one case again, with its bytes saved)
 *
 * Cases run on a worker thread that the main thread watches: a case still running after its
 * deadline is a hang (the worker is stopped and a new one goes on after it), and a case after which
 * the process holds more than 1 GiB is a memory finding. Each finding is written to
 * fuzz/findings/ (the bytes, and a line naming target, seed, index and mutation). Exit 1 on any.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { caseAt, seedFiles, TARGETS, type Target } from './cases.js';
import { check, type Outcome } from './check.js';

const MEMORY_LIMIT = 1 << 30;

interface Job {
  target: Target;
  seed: number;
  from: number;
  until: number; // Date.now() after which no new case starts
}
type Report = { type: 'start'; index: number } | { type: 'done'; index: number; outcome: Outcome; rss: number } | { type: 'end' };

if (!isMainThread) {
  const job = workerData as Job;
  const files = (await seedFiles())[job.target];
  for (let index = job.from; Date.now() < job.until; index++) {
    parentPort!.postMessage({ type: 'start', index } satisfies Report);
    const outcome = await check(job.target, caseAt(files, job.seed, index));
    parentPort!.postMessage({ type: 'done', index, outcome, rss: process.memoryUsage.rss() } satisfies Report);
  }
  parentPort!.postMessage({ type: 'end' } satisfies Report);
} else {
  await main(process.argv.slice(2));
}

interface Tally {
  cases: number;
  reads: number;
  refused: Map<string, number>;
  findings: string[];
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const replay = argv.indexOf('--replay');
  if (replay >= 0) {
    const [target, seed, index] = [argv[replay + 1] as Target, Number(argv[replay + 2]), Number(argv[replay + 3])];
    const c = caseAt((await seedFiles())[target], seed, index);
    const file = saveCase(target, seed, index, c.bytes);
    console.log(`${target} seed ${seed} case ${index}: ${c.seedFile}, ${c.mutation}, chunks of ${c.chunk || 'all'} bytes (saved to ${file})`);
    console.log(JSON.stringify(await check(target, c)));
    return;
  }
  const seconds = Number(arg('--seconds') ?? 60);
  const seed = Number(arg('--seed') ?? 0x6d6f726b);
  const deadline = Number(arg('--deadline-ms') ?? 5000);
  const targets = (arg('--target')?.split(',') ?? [...TARGETS]) as Target[];
  for (const t of targets) if (!TARGETS.includes(t)) throw new Error(`unknown target ${t}: one of ${TARGETS.join(', ')}`);
  console.log(`fuzz: seed ${seed}, ${seconds} s over ${targets.join(', ')}, a case may take ${deadline} ms`);
  const tallies = new Map<Target, Tally>();
  for (const target of targets) {
    const tally: Tally = { cases: 0, reads: 0, refused: new Map(), findings: [] };
    tallies.set(target, tally);
    const until = Date.now() + (seconds * 1000) / targets.length;
    let from = 0;
    while (Date.now() < until) from = await runWorker({ target, seed, from, until }, deadline, tally);
  }
  console.log('\ntarget  cases   read  refused (by code)                                   findings');
  let findings = 0;
  for (const [target, t] of tallies) {
    const codes = [...t.refused].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c.replace('ERR_', '')} ${n}`).join(', ');
    console.log(`${target.padEnd(7)} ${String(t.cases).padStart(5)} ${String(t.reads).padStart(6)}  ${codes.padEnd(50).slice(0, 50)}  ${t.findings.length}`);
    findings += t.findings.length;
  }
  for (const [, t] of tallies) for (const f of t.findings) console.log(`finding: ${f}`);
  if (findings > 0) process.exitCode = 1;
}

// Run cases from `job.from` on a worker until the time is up or a case hangs; returns the next index.
function runWorker(job: Job, deadline: number, tally: Tally): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: job });
    let current = job.from;
    let timer: NodeJS.Timeout | undefined;
    let stopping = false;
    const saved: Promise<void>[] = [];
    const finding = (index: number, what: string, message: string): void => {
      saved.push(
        seedFiles().then((files) => {
          const c = caseAt(files[job.target], job.seed, index);
          const file = saveCase(job.target, job.seed, index, c.bytes);
          tally.findings.push(`${job.target} ${what}: ${message} (seed ${job.seed} case ${index}: ${c.seedFile}, ${c.mutation}, chunks of ${c.chunk || 'all'} bytes; ${file}; replay: npm run fuzz -- --replay ${job.target} ${job.seed} ${index})`);
        }),
      );
    };
    // stop the worker, wait for the findings to be saved, go on from `next`
    const stop = (next: number): void => {
      if (stopping) return;
      stopping = true;
      clearTimeout(timer);
      void worker.terminate().then(() => Promise.all(saved)).then(() => resolve(next), reject);
    };
    worker.on('message', (m: Report) => {
      if (stopping) return;
      if (m.type === 'start') {
        current = m.index;
        timer = setTimeout(() => {
          finding(current, 'hang', `still running after ${deadline} ms`);
          stop(current + 1);
        }, deadline);
        return;
      }
      clearTimeout(timer);
      if (m.type === 'end') return stop(current + 1);
      tally.cases++;
      const o = m.outcome;
      if (o.kind === 'read') tally.reads++;
      else if (o.kind === 'refused') tally.refused.set(o.code, (tally.refused.get(o.code) ?? 0) + 1);
      else finding(m.index, o.what, o.message);
      if (m.rss > MEMORY_LIMIT) {
        finding(m.index, 'memory', `the process held ${Math.round(m.rss / 2 ** 20)} MiB after it`);
        stop(m.index + 1);
      }
    });
    worker.on('error', reject);
  });
}

function saveCase(target: Target, seed: number, index: number, bytes: Uint8Array): string {
  const dir = fileURLToPath(new URL('../../fuzz/findings/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${target}-${seed}-${index}.bin`;
  writeFileSync(file, bytes);
  return file;
}
