/**
 * The MTTS golden files: small spaces written with codecs whose bytes do not depend on the zlib
 * build (none, lz4). Run `node dist/test/helpers/mtts-goldens.js --write` to regenerate them after
 * a deliberate format change, and review the diff.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MttsOptions } from '../../src/formats/mtts/options.js';
import type { PathArena } from '../../src/path-arena.js';
import { randomSpace } from './random-space.js';

export const GOLDEN_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/mtts');

/** Golden name → the space and the options it was written with. */
export const GOLDENS: ReadonlyArray<{ name: string; space: () => PathArena; options: Partial<MttsOptions> }> = [
  { name: 'small-none.mtts', space: () => randomSpace(1, { paths: 60, empty: true }), options: { compression: 'none', chunkBytes: 400, meta: { golden: 'none' } } },
  { name: 'small-lz4.mtts', space: () => randomSpace(2, { paths: 120, longPaths: [300] }), options: { compression: 'lz4', chunkBytes: 1000 } },
];

if (process.argv.includes('--write')) {
  const { encodeMtts } = await import('../../src/formats/mtts/index.js');
  fs.mkdirSync(GOLDEN_DIR, { recursive: true });
  for (const g of GOLDENS) {
    fs.writeFileSync(path.join(GOLDEN_DIR, g.name), await encodeMtts(g.space(), g.options));
    process.stdout.write(`wrote ${g.name}\n`);
  }
}
