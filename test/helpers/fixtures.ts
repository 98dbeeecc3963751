/** Locations of fixtures: ours and the copied upstream ones in the repo, the shared ones beside it. */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PathArena } from '../../src/index.js';

/** The repository root (tests run from dist/test). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const GOLDEN = `${ROOT}fixtures/upstream/pathmap-golden/`;
export const BIG_LOGIC_PATHS = `${ROOT}fixtures/upstream/big_logic.metta.paths`;
/** MORK programs: unclear licence, used in place from ../shared; absent on some clones. */
export const SHARED_MORK = fileURLToPath(new URL('../../../../shared/fixtures/upstream/mork/', import.meta.url));
export const CLI = `${ROOT}bin/morkspace.js`;
/** 1,719 real MeTTa files with their expected verdicts (varied licences): used in place from ../shared. */
export const SHARED_REALWORLD = fileURLToPath(new URL('../../../../shared/fixtures/realworld/', import.meta.url));

export const GOLDEN_CASES = ['a_ab', 'ace5', 'dups_unsorted', 'empty_path', 'empty_set', 'fanout_31_32_33', 'fanout_root_31', 'fanout_root_32', 'fanout_root_33', 'line_reuse', 'long_lines', 'random40'];

/** Parse the uncompressed record stream of a golden `.raw` file. */
export function readRaw(file: string): PathArena {
  const b = fs.readFileSync(file);
  const a = new PathArena();
  for (let p = 0; p < b.length; ) {
    const len = b.readUInt32LE(p);
    a.push(b, p + 4, p + 4 + len);
    p += 4 + len;
  }
  return a;
}

/** `skip` option for tests that need ../shared. */
export function sharedSkip(): string | false {
  return fs.existsSync(SHARED_MORK) ? false : `needs ${SHARED_MORK} (the shared fixtures beside the clone)`;
}
