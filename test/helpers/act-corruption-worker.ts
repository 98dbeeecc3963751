/**
 * Worker for the ACT corruption tests: decodes each candidate file fully (open, walk, stats, a few
 * lookups) and reports any failure that is not a MorkspaceError. Run in a worker so that the test
 * can terminate it at a deadline: node:test timeouts cannot stop a synchronous loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isMorkspaceError } from '../../src/errors.js';
import { ActFile } from '../../src/formats/act/index.js';

interface Job {
  /** Candidate files. */
  files: Uint8Array[];
  /** Labels for messages. */
  labels: string[];
  /** Paths to look up in each candidate. */
  probes: Uint8Array[];
}

const job = workerData as Job;
const failures: string[] = [];
let rejected = 0;
let accepted = 0;
for (let i = 0; i < job.files.length; i++) {
  try {
    const file = ActFile.fromBytes(job.files[i]!);
    for (const batch of file.paths()) void batch.count;
    file.walkStats();
    for (const p of job.probes) {
      file.has(p);
      for (const b of file.prefixPaths(p.subarray(0, Math.min(2, p.length)))) void b.count;
    }
    accepted++;
  } catch (e) {
    if (isMorkspaceError(e) && e.code.startsWith('ERR_') && (e.code !== 'ERR_CORRUPT' || e.where.offset !== undefined)) rejected++;
    else failures.push(`${job.labels[i]}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}
parentPort!.postMessage({ failures, rejected, accepted });
