/**
 * Worker for the ACT corruption tests: decodes each candidate file fully (open, walk, stats, a few
 * lookups) and reports any failure that is not a MorkspaceError, and any file whose whole walk ends
 * otherwise than the walker's general loop. Run in a worker so that the test
 * can terminate it at a deadline: node:test timeouts cannot stop a synchronous loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isMorkspaceError } from '../../src/errors.js';
import { ActFile } from '../../src/formats/act/index.js';
import type { PathArena } from '../../src/path-arena.js';

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
// Every path (hex, the empty path left out) or the error a walk ends in.
function outcome(walk: () => Iterable<PathArena>): string {
  const out: string[] = [];
  try {
    for (const batch of walk()) {
      for (let k = 0; k < batch.count; k++) if (batch.length(k) > 0) out.push(Buffer.from(batch.viewPath(k)).toString('hex'));
    }
  } catch (e) {
    return isMorkspaceError(e) ? `${e.code} ${e.message} at ${e.where.offset}` : String(e);
  }
  return out.join(',');
}
// Every byte allowed at position 0: the walker's general loop, which a whole walk of a file in
// memory does not take (it has an inline parse of its own); both must end alike.
const ANY_FIRST_BYTE = { lo: Uint8Array.of(0), hi: Uint8Array.of(255) };
for (let i = 0; i < job.files.length; i++) {
  const whole = outcome(() => ActFile.fromBytes(job.files[i]!).paths());
  const general = outcome(() => ActFile.fromBytes(job.files[i]!).prefixPaths(ANY_FIRST_BYTE));
  if (whole !== general) failures.push(`${job.labels[i]}: the whole walk ended in ${whole.slice(0, 200)}, the general one in ${general.slice(0, 200)}`);
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
