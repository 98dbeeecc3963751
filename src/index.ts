/**
 * morkspace: MORK atom spaces in MeTTa text, PathMap `.paths`, ACT and the MTTS container — what a
 * library user needs to do what the CLI does. Building blocks (codecs, the sort, worker tasks) are
 * in `morkspace/internals`.
 */

// errors
export { MorkspaceError, FormatError, UsageError, IoError, AbortedError, ErrorCode, ExitCode, isMorkspaceError, exitCodeOf, type Where } from './errors.js';

// paths and spaces
export { PathArena, MAX_ARENA_BYTES } from './path-arena.js';
export { withBatches, type Space, type Order, type SizeHint } from './space.js';
export { runStages, sortUnique, tally, collect, abortable, type Stage, type Tally } from './pipeline.js';
export { mergeSorted } from './spill.js';
export { parseShard, shardRange, shardStage, type ShardSpec } from './shard.js';
export { batchJobs, convertBatch, type BatchJob, type BatchResult, type BatchOptions } from './batch.js';
export { sortUniqueArena, isStrictlySorted } from './sort.js';

// symbols (MORK's interning)
export { SymbolTable, SymbolCollector, readId, writeId, idText, parseId, ID_BYTES, TAG_ID, type SymbolTableSummary } from './symbols/table.js';
export { readMorkTable, writeMorkTable, tableRecords, tableFromRecords } from './symbols/mork-zip.js';

// a run
export { RunContext, withRun, defaultMemoryBytes, gcPaceFor, type RunOptions } from './run/context.js';
export { RecordingProbe, STAGES, type Probe, type StageName, type StageFigures } from './run/probe.js';
export { WorkerPool, defaultThreads } from './pool/pool.js';

// inputs and outputs
export { fileInput, streamInput, bytesInput, unwrapCompressed, type Input } from './io/input.js';
export { openOutput, streamOutput, planOutput, type OutputTarget, type OutputPlan } from './io/output.js';
export { MemorySink, FdSink, StreamSink, withRandomAccess, type ByteSink, type RandomAccess } from './io/sink.js';

// formats
export { FORMATS, formatByName, formatByExtension, detectInputFormat, detectOutputFormat } from './formats/table.js';
export { Evidence, type Format, type FormatName, type FormatOptions, type Capabilities } from './formats/format.js';
export { parseText, parseExpression, type ParseOptions, type LongSymbols, type Interner } from './expr/parser.js';
export { expressionToText } from './expr/encoding.js';
export { readText, writeText, encodeText, textFormat, type ReadTextOptions, type TextReadOptions, type TextFacts } from './formats/text.js';
export { readPaths, writePaths, decodePaths, encodePaths, pathsFormat, type PathsOptions, type PathsFacts } from './formats/paths.js';
export { encodeAct, decodeAct, writeAct, ActFile, actFormat, type ActFacts, type ActReadOptions } from './formats/act/index.js';
export { readMtts, writeMtts, encodeMtts, decodeMtts, inspectMtts, mttsFormat, type MttsOptions, type MttsFacts, type MttsInspection } from './formats/mtts/index.js';

// what the commands do
export { convert, convertFile, convertBytes, readSpace, inspectSpace, consumeSpace, countSpace, openUnion, resolveInput, type ConvertOptions, type ConvertReport } from './convert.js';
export { queryInput, compileQuery, type QueryOptions, type Query } from './query.js';
export { spaceStats, StatsCollector, type SpaceStats } from './stats.js';
