/**
 * The native addons (BLAKE3, LZ4) and fflate's zip, loaded on first use rather than at start-up:
 * a command that needs none of them (`inspect x.paths`, `query x.act …`) does not pay for loading
 * them (about 30 ms each here), which matters in shell loops over many small files.
 */
import { createRequire } from 'node:module';
import type * as Blake from '@napi-rs/blake-hash';
import type * as Fflate from 'fflate';
import type * as Lz4 from 'lz4-napi';

const require = createRequire(import.meta.url);
let blake: typeof Blake | undefined;
let lz4: typeof Lz4 | undefined;
let fflate: typeof Fflate | undefined;

/** BLAKE3 of `bytes` (32 bytes). */
export function blake3(bytes: Uint8Array): Buffer {
  blake ??= require('@napi-rs/blake-hash') as typeof Blake;
  return blake.blake3(bytes);
}

/** An incremental BLAKE3 hasher. */
export function blake3Hasher(): Blake.Blake3Hasher {
  blake ??= require('@napi-rs/blake-hash') as typeof Blake;
  return new blake.Blake3Hasher();
}

/** LZ4 (block format, as lz4-napi frames it). */
export function lz4Compress(bytes: Buffer): Buffer {
  lz4 ??= require('lz4-napi') as typeof Lz4;
  return lz4.compressSync(bytes);
}

export function lz4Uncompress(bytes: Uint8Array): Buffer {
  lz4 ??= require('lz4-napi') as typeof Lz4;
  return lz4.uncompressSync(bytes as Buffer);
}

/** fflate's zip, for MORK's symbol-table archives. */
export function zip(): typeof Fflate {
  fflate ??= require('fflate') as typeof Fflate;
  return fflate;
}
