/** `node dist/bench/generate.js N out.metta [seed]`: a generated space (src/synthetic.ts) written to a file. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SEED, parseCount, writeSpace } from '../src/synthetic.js';

export * from '../src/synthetic.js';

function cli(argv: readonly string[]): number {
  const [count, out, seed] = argv;
  if (count === undefined || out === undefined) {
    process.stderr.write('usage: node dist/bench/generate.js N out.metta [seed]\n');
    return 2;
  }
  const atoms = parseCount(count);
  const s = seed === undefined ? DEFAULT_SEED : Number(seed);
  const started = performance.now();
  writeSpace(out, atoms, s);
  process.stderr.write(`generated ${atoms} atoms (seed ${s}) into ${out} in ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
  return 0;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = cli(process.argv.slice(2));
}
