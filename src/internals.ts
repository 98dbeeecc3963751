/**
 * `morkspace/internals`: the building blocks behind the curated `morkspace` entry point — codecs,
 * the sort, worker tasks, the CLI's `main` — for the benchmarks and for callers who need one piece
 * on its own. Less stable than `morkspace`.
 */
export * from './index.js';
export * from './bytes.js';
export * from './expr/encoding.js';
export * from './expr/parser.js';
export { parseChunk, type ParseChunkTask, type ParseChunkResult } from './expr/parse-chunk.js';
export { printPaths, printTextTask, type PrintTextTask, type PrintTextResult } from './expr/print-batch.js';
export * from './formats/paths.js';
export { parallelZlib, Adler32, zlibHeader } from './formats/zlib-parallel.js';
export * from './formats/act/index.js';
export * from './formats/mtts/index.js';
export { sortedOrder, sortedUniqueOrder, gatherPaths } from './sort.js';
export { sortUniqueParallel, PARALLEL_SORT_MIN_PATHS } from './sort-parallel.js';
export { mapOrdered, decidePool, IN_FLIGHT_BYTES, POOL_MIN_BYTES, MAX_THREADS, type Parallel, type PoolTask } from './pool/pool.js';
export { coalesced, COALESCE_BYTES } from './io/coalesce.js';
export { RecentPaths } from './recent-paths.js';
export { OrderViolation, checkedAscending, releaseConsumed, splitBatches, sortBudget, SORTED_BATCH_PATHS } from './pipeline.js';
export { SpillFolder, MERGE_FAN_IN, RUN_CHUNK_BYTES, mergeFanIn } from './spill.js';
export { MIN_RECYCLED_BYTES, giveBack, heldBytes, reclaim, takeBack, takeBuffer, takeBytes, takeSharedBuffer } from './buffers.js';
export { GcPacer, fullCollection } from './run/gc-pacer.js';
export { metered } from './run/probe.js';
export { removeTempFilesSync } from './io/temp-files.js';
export { main } from './cli/main.js';
