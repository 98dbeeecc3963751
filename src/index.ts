/** morkspace: MORK atom spaces in MeTTa text, PathMap .paths, ACT and the MTTS container. */
export * from './errors.js';
export * from './bytes.js';
export { PathArena } from './path-arena.js';
export { sortedOrder, sortUniqueArena, isStrictlySorted } from './sort.js';
export * from './expr/encoding.js';
export * from './expr/parser.js';
export * from './formats/text.js';
export * from './formats/paths.js';
export { parallelZlib, Adler32, zlibHeader } from './formats/zlib-parallel.js';
export * from './formats/registry.js';
export * from './formats/mtts/index.js';
export { closePool, defaultThreads, mapOrdered, poolStats, POOL_MIN_BYTES } from './pool/pool.js';
export * from './io/input.js';
export * from './io/output.js';
export * from './pipeline.js';
export * from './stats.js';
export * from './convert.js';
export { main } from './cli/main.js';
