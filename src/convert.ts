/**
 * Library entry points that do what the CLI commands do. A conversion is one run: open the input as
 * a space, put it through the stages, write it to the output's sink. Every entry point takes a
 * `RunContext` (`context`) or makes one of its own from the run options and closes it afterwards.
 */
import { ErrorCode, MorkspaceError, inFile } from './errors.js';
import { detectInputFormat, detectOutputFormat, expectText, formatByName } from './formats/table.js';
import type { Format, FormatOptions } from './formats/format.js';
import { countedInput, fileInput, unwrapCompressed, type Input } from './io/input.js';
import { openOutput, type OutputTarget } from './io/output.js';
import { MemorySink, type ByteSink } from './io/sink.js';
import { OrderViolation, SORTED_BATCH_PATHS, abortable, checkedAscending, paced, releaseConsumed, runStages, sortUnique, tally, type Stage } from './pipeline.js';
import { mergeSorted } from './spill.js';
import { shardRange, shardStage, type ShardSpec } from './shard.js';
import { RunContext, abortReason, withRun, type RunOptions } from './run/context.js';
import { metered } from './run/probe.js';
import type { Progress } from './run/progress.js';
import type { Space } from './space.js';
import type { PathArena } from './path-arena.js';
import { StatsCollector, type SpaceStats } from './stats.js';
import { writeMorkTable } from './symbols/mork-zip.js';
import { checkIdsStage, resolveStage } from './symbols/resolve.js';
import type { SymbolTable } from './symbols/table.js';

/** What a conversion did. */
export interface ConvertReport {
  from: string;
  to: string;
  atoms: number;
  /** Bytes of the space's paths. */
  pathBytes: number;
  outputBytes: number;
  seconds: number;
  /** Things the user should know that did not stop the run (CR bytes kept as symbol bytes, say). */
  warnings: string[];
}

/** Options of the entry points: the run's, the formats', and which formats. */
export interface ConvertOptions extends FormatOptions, RunOptions {
  /** Input format; detected from magic bytes or the extension when absent. */
  from?: string;
  /** Output format; taken from the output file's extension when absent. */
  to?: string;
  /** Only MeTTa text is accepted as input (`serialize`): anything else is refused, naming what it is. */
  textOnly?: boolean;
  /** Replace an existing output file. Defaults to false. */
  force?: boolean;
  /** The run to work in; absent, the call makes (and closes) a run of its own from the options above. */
  context?: RunContext;
  /** Stages to apply after sorting (transforms: a later issue); none by default. */
  stages?: readonly Stage[];
  /** Keep one shard of the space (src/shard.ts): its input is read twice, so it must be a file. */
  shard?: ShardSpec;
  /**
   * The symbol table of inputs that do not carry one (`.paths` and ACT of an interned space are
   * paired with MORK's table: `--symbols`); an input with a table of its own (MTTS) refuses it.
   */
  symbols?: SymbolTable;
  /** Write the space's symbol table here as MORK's archive (`--symbols-out`), atomically, as the output. */
  symbolsOut?: string;
  /** Turn ids back into inline symbols (`--resolve`): the result has no table; a symbol over 63 bytes is an error. */
  resolve?: boolean;
}

// The stages that settle a space's symbols before it is sorted: the table given for it, then `resolve`.
function symbolStages(options: ConvertOptions): Stage[] {
  const stages: Stage[] = [];
  const given = options.symbols;
  if (given !== undefined) {
    stages.push((space) => {
      if (space.symbols !== undefined) throw new MorkspaceError(ErrorCode.Usage, '--symbols: this input carries its own symbol table (MTTS)');
      return { ...space, symbols: given };
    });
  }
  // ids given with a table of another source are checked as they pass (resolving checks them anyway)
  if (options.resolve === true) stages.push(resolveStage);
  else if (given !== undefined) stages.push(checkIdsStage);
  return stages;
}

/** The one table of several spaces (all without, or all the same), else a usage error: their ids would clash. */
function commonTable(spaces: readonly Space[]): SymbolTable | undefined {
  const tables = new Set(spaces.map((s) => s.symbols));
  if (tables.size === 1) return [...tables][0];
  throw new MorkspaceError(ErrorCode.Usage, 'these inputs hold interned symbols with different tables (or some with none): their ids cannot be united; --resolve turns each back into inline symbols first');
}

/** An input with its compression layer off and its format decided. */
export async function resolveInput(input: Input, options: Pick<ConvertOptions, 'from' | 'textOnly'> = {}): Promise<{ input: Input; format: Format }> {
  const plain = await unwrapCompressed(input);
  const format = options.textOnly ? await expectText(plain) : await detectInputFormat(plain, options.from);
  return { input: plain, format };
}

/**
 * Read `input` as a space (sorted, unique) and hand it to `consume`. A `claimed` order is streamed
 * and checked; if it proves false, the run starts over with the input read as unsorted — which needs
 * an input that can be read again and a consumer that can start again (`restart`). Where either is
 * missing, the order is settled first: a file is pre-read for its order, a stream is sorted.
 * `claimHeld` says how a claimed order turned out (absent: the format claimed none, or a stream could
 * not be checked). Errors name the input.
 */
export async function consumeSpace<T>(input: Input, format: Format, ctx: RunContext, options: ConvertOptions, consume: (space: Space) => Promise<T>, restart?: () => Promise<void>): Promise<{ result: T; claimHeld?: boolean }> {
  let unsorted = false;
  let claimHeld: boolean | undefined;
  for (;;) {
    try {
      const opened = await openSettled(input, format, ctx, options, { unsorted, restartable: restart !== undefined });
      if (opened.claimHeld !== undefined) claimHeld = opened.claimHeld;
      const result = await consume(sortedSpace(opened.space, ctx, options));
      return claimHeld === undefined ? { result } : { result, claimHeld };
    } catch (e) {
      if (e instanceof OrderViolation && !unsorted && restart !== undefined) {
        ctx.log(`${input.name}: path ${e.index} is out of order, so the file is not sorted as upstream writes it; reading it again to sort it`);
        await restart();
        unsorted = true;
        claimHeld = false;
        continue;
      }
      // once cancelled, whatever failed on the way out (a stream cut, a task stopped) is the cancellation
      if (ctx.signal.aborted) throw abortReason(ctx.signal);
      throw inFile(e, input.name);
    }
  }
}

/**
 * Open `input` in an order the sort stage can take: `unsorted` forces it; a `claimed` order is kept
 * when the run can restart (`restartable`) and the input can be read again, else settled now (a
 * file is pre-read for its order, a stream is sorted).
 */
async function openSettled(input: Input, format: Format, ctx: RunContext, options: ConvertOptions, how: { unsorted: boolean; restartable: boolean }): Promise<{ space: Space; claimHeld?: boolean }> {
  const space = await format.open(input, ctx, options);
  if (how.unsorted) return { space: { ...space, order: 'unsorted' } };
  if (space.order !== 'claimed') return { space };
  if (input.reopenable && how.restartable) return { space, claimHeld: true }; // unless the run restarts
  if (!input.reopenable) {
    ctx.log(`${input.name}: a stream cannot be checked for order ahead of the run; sorting it in memory`);
    return { space: { ...space, order: 'unsorted' } };
  }
  // read it once for its order (decompression only), then again for the run
  const sorted = await isAscending(space);
  if (!sorted) ctx.log(`${input.name}: records are not in order, as upstream writes them; sorting them in memory`);
  return { space: { ...(await format.open(input, ctx, options)), order: sorted ? 'sorted' : 'unsorted' }, claimHeld: sorted };
}

// The run's stages over a space as read: cancellation, paced collections, the sort, the caller's transforms.
function sortedSpace(space: Space, ctx: RunContext, options: ConvertOptions): Space {
  // an unordered output (upaths) takes the paths as they come: no sort, duplicates kept
  const sort = options.to !== undefined && formatByName(options.to).unordered === true ? [] : [sortUnique];
  return runStages({ ...space, batches: metered(space.batches, 'read', ctx.probe) }, [abortable, paced, ...symbolStages(options), ...sort, ...(options.stages ?? [])], ctx);
}

/**
 * The union of several inputs as one sorted, unique space: each sorted input is merged as it streams
 * (a claimed order is checked first, by reading the file once), and the unsorted ones are sorted
 * together in one sort stage, so they share the run's memory budget. Errors name their input.
 */
export async function openUnion(inputs: readonly { input: Input; format: Format }[], ctx: RunContext, options: ConvertOptions): Promise<Space> {
  const sorted: AsyncIterable<PathArena>[] = [];
  const unsorted: Space[] = [];
  const settled: Space[] = [];
  let inputBytes = 0;
  let recycles = true;
  let expanded = false;
  for (const { input, format } of inputs) {
    const { space } = await openSettled(input, format, ctx, options, { unsorted: false, restartable: false }).catch((e: unknown) => {
      throw inFile(e, input.name);
    });
    inputBytes += space.sizeHint.inputBytes ?? 0;
    recycles &&= space.recycles === true;
    if (space.order === 'unsorted') expanded ||= space.expanded === true;
    const named = runStages({ ...space, batches: naming(space.batches, input.name) }, symbolStages(options), ctx);
    settled.push(named);
    if (named.order === 'unsorted') unsorted.push(named);
    else sorted.push(runStages({ ...named, batches: metered(named.batches, 'read', ctx.probe) }, [abortable, paced, sortUnique], ctx).batches);
  }
  const symbols = commonTable(settled);
  if (unsorted.length > 0) {
    const together: Space = { batches: chained(unsorted), order: 'unsorted', sizeHint: {}, facts: {}, recycles, expanded };
    sorted.push(runStages({ ...together, batches: metered(together.batches, 'read', ctx.probe) }, [abortable, paced, sortUnique], ctx).batches);
  }
  const union: Space = { batches: sorted.length === 1 ? sorted[0]! : mergeSorted(sorted, SORTED_BATCH_PATHS, { release: recycles }), order: 'sorted', sizeHint: { inputBytes }, facts: {}, recycles: true, ...(symbols !== undefined ? { symbols } : {}) };
  return runStages(union, options.stages ?? [], ctx);
}

async function* naming(batches: AsyncIterable<PathArena>, name: string): AsyncGenerator<PathArena> {
  try {
    yield* batches;
  } catch (e) {
    throw inFile(e, name);
  }
}

async function* chained(spaces: readonly Space[]): AsyncGenerator<PathArena> {
  for (const s of spaces) yield* s.batches;
}

async function isAscending(space: Space): Promise<boolean> {
  try {
    for await (const b of checkedAscending(releaseConsumed(space))) void b;
    return true;
  } catch (e) {
    if (e instanceof OrderViolation) return false;
    throw e;
  }
}

/**
 * Convert `input` into `output` in one run: the output target's sink receives the bytes; a target
 * with `restart` (a temporary file) lets a claimed-but-unsorted input be re-read. The caller
 * commits or discards the target.
 */
export async function convert(input: Input | readonly Input[], output: OutputTarget | ByteSink, options: ConvertOptions = {}): Promise<ConvertReport> {
  return withRun(options.context, options, async (ctx) => {
    const started = performance.now();
    const target: OutputTarget = 'sink' in output ? output : { name: output.name, sink: output, commit: async () => undefined, discard: async () => undefined };
    const to = detectOutputFormat(target.name, options.to);
    const inputs = Array.isArray(input) ? (input as readonly Input[]) : [input as Input];
    if (inputs.length === 0) throw new MorkspaceError(ErrorCode.Usage, 'no input to convert');
    const resolved: { input: Input; format: Format }[] = [];
    const progress = ctx.progress;
    for (const i of inputs) resolved.push(await resolveInput(progress ? countedInput(i, (n) => progress.read(n)) : i, options));
    if (options.shard !== undefined) options = await sharded(resolved, ctx, options, options.shard);
    const counts = { atoms: 0, pathBytes: 0 };
    let sink = target.sink;
    // text to be interned into a format with no room for the table, and nowhere else to put it: before any work
    if (options.text?.intern === true && to.capabilities.symbols === 'sidecar' && options.symbolsOut === undefined && options.resolve !== true) {
      throw new MorkspaceError(ErrorCode.Usage, `--intern: ${to.name} keeps no symbol table: give --symbols-out FILE (serialize: --symbols FILE) for MORK's table beside the output, or write mtts, which holds it`);
    }
    // the table's own file, planned now so that an existing one stops the run before any work
    const sidecar = options.symbolsOut !== undefined ? await openOutput(options.symbolsOut, { force: options.force ?? false }) : undefined;
    let table: SymbolTable | undefined;
    const write = async (space: Space): Promise<void> => {
      counts.atoms = 0;
      counts.pathBytes = 0;
      checkSymbolsKept(space, to, options);
      table = space.symbols;
      const counted = tally(counts)(space, ctx);
      const batches = metered(releaseConsumed(counted), 'write', ctx.probe);
      await to.write({ ...counted, batches: progress ? reported(batches, progress) : batches }, ctx, pacedSink(sink, ctx), options);
    };
    try {
      if (resolved.length > 1) {
        await write(await openUnion(resolved, ctx, options));
      } else {
        const { input: plain, format } = resolved[0]!;
        const restart = target.restart;
        await consumeSpace(plain, format, ctx, options, write, restart && (async () => {
          sink = await restart();
        }));
      }
      if (sidecar !== undefined && table !== undefined) {
        await sidecar.sink.write(writeMorkTable(table));
        await sidecar.commit();
      }
    } finally {
      await sidecar?.discard();
    }
    const from = [...new Set(resolved.map((r) => r.format.name))].join('+');
    return { from, to: to.name, ...counts, outputBytes: sink.bytesWritten, seconds: (performance.now() - started) / 1000, warnings: [...ctx.warnings] };
  });
}

/**
 * @throws UsageError when the space's symbol table would be lost: an interned space written to a
 * format that keeps its table beside it (`.paths`, ACT) without `symbolsOut`; or `symbolsOut` for
 * a space that has no table.
 */
function checkSymbolsKept(space: Space, to: Format, options: ConvertOptions): void {
  if (space.symbols !== undefined && to.capabilities.symbols === 'sidecar' && options.symbolsOut === undefined) {
    throw new MorkspaceError(ErrorCode.Usage, `the space holds interned symbols (${space.symbols.count} in its table) and ${to.name} keeps no table: give --symbols-out FILE (serialize: --symbols FILE) to write MORK's table beside it, or --resolve to turn the ids back into inline symbols`);
  }
  if (space.symbols === undefined && options.symbolsOut !== undefined) {
    throw new MorkspaceError(ErrorCode.Usage, `--symbols-out: the space has no symbol table (it is not interned; --intern interns text)`);
  }
}

// `options` with the shard's stage first: the space is counted first (one pass; MTTS says its count).
async function sharded(inputs: readonly { input: Input; format: Format }[], ctx: RunContext, options: ConvertOptions, spec: ShardSpec): Promise<ConvertOptions> {
  const stream = inputs.find((i) => !i.input.reopenable);
  if (stream) throw new MorkspaceError(ErrorCode.Usage, `--shard reads its input twice (to count the space, then for its share): ${stream.input.name} is a stream; give a file`);
  ctx.progress?.stage('count');
  const n = await countSpace(inputs, ctx, { ...options, stages: [] });
  const { lo, hi } = shardRange(spec, n);
  ctx.log(`shard ${spec.index}/${spec.count}: paths ${lo} to ${hi} (not included) of ${n}`);
  return { ...options, stages: [shardStage(lo, hi), ...(options.stages ?? [])] };
}

/** The distinct paths of the union of `inputs` (one pass; an MTTS file's metadata when it is the one input). */
export async function countSpace(inputs: readonly { input: Input; format: Format }[], ctx: RunContext, options: ConvertOptions): Promise<number> {
  const only = inputs.length === 1 ? inputs[0]! : undefined;
  if (only?.format.name === 'mtts' && only.format.inspect && (options.stages ?? []).length === 0) {
    const { facts } = await only.format.inspect(only.input, ctx, { ...options, count: false });
    if (typeof facts['atoms'] === 'number') return facts['atoms'];
  }
  let n = 0;
  const count = async (space: Space): Promise<void> => {
    n = 0;
    for await (const b of releaseConsumed(space)) n += b.count;
  };
  if (only) await consumeSpace(only.input, only.format, ctx, options, count, async () => undefined);
  else await count(await openUnion(inputs, ctx, options));
  return n;
}

async function* reported(batches: AsyncIterable<PathArena>, progress: Progress): AsyncGenerator<PathArena> {
  for await (const b of batches) {
    progress.wrote(b.count);
    yield b;
  }
}

// The sink as the writer sees it, its bytes counted for the run's paced collections (a writer's own
// garbage, as ACT's line index growing, is paced by what it writes).
function pacedSink(sink: ByteSink, ctx: RunContext): ByteSink {
  return {
    name: sink.name,
    get bytesWritten() {
      return sink.bytesWritten;
    },
    ...(sink.random !== undefined ? { random: sink.random } : {}),
    ...(sink.releasesChunks === true ? { releasesChunks: true } : {}),
    write: (chunk) => {
      ctx.gc.passed(chunk.length);
      return sink.write(chunk);
    },
  };
}

/** Convert the file `inputPath` into `outputPath` (written atomically; an existing file only with `force`). */
export async function convertFile(inputPath: string, outputPath: string, options: ConvertOptions = {}): Promise<ConvertReport> {
  const to = detectOutputFormat(outputPath, options.to);
  const input = fileInput(inputPath);
  const target = await openOutput(outputPath, { force: options.force ?? false });
  try {
    const report = await convert(input, target, { ...options, to: to.name });
    await target.commit();
    return report;
  } finally {
    await target.discard();
  }
}

/** Convert `input` into bytes in memory (library use, tests): the output format is `options.to`. */
export async function convertBytes(input: Input, options: ConvertOptions & { to: string }): Promise<{ bytes: Uint8Array; report: ConvertReport }> {
  const sink = new MemorySink(`<${options.to}>`);
  const report = await convert(input, sink, options);
  return { bytes: sink.bytes(), report };
}

/** Open `input` as a space in `ctx` and collect it (sorted, unique) into batches: a library convenience for small spaces. */
export async function readSpace(input: Input, options: ConvertOptions = {}): Promise<{ format: string; batches: PathArena[] }> {
  return withRun(options.context, options, async (ctx) => {
    const { input: plain, format } = await resolveInput(input, options);
    const batches: PathArena[] = [];
    await consumeSpace(plain, format, ctx, options, async (space) => {
      batches.length = 0;
      for await (const b of space.batches) batches.push(b);
    }, async () => undefined);
    return { format: format.name, batches };
  });
}

/** Statistics of the space in `input`, with the facts its format learnt while reading. */
export async function inspectSpace(input: Input, options: ConvertOptions & { count?: boolean; sample?: number } = {}): Promise<{ format: string; facts: Record<string, unknown>; stats?: SpaceStats }> {
  return withRun(options.context, options, async (ctx) => {
    const { input: plain, format } = await resolveInput(input, options);
    if (format.inspect) {
      const r = await format.inspect(plain, ctx, { ...options, count: options.count ?? false, sample: options.sample ?? 0 }).catch((e: unknown) => {
        throw inFile(e, plain.name);
      });
      return { format: format.name, ...r };
    }
    let facts: object = {};
    const statsOptions = { sample: options.sample ?? 0 };
    let collector = new StatsCollector(statsOptions);
    const { claimHeld } = await consumeSpace(plain, format, ctx, options, async (space) => {
      facts = space.facts;
      collector.symbols = space.symbols;
      for await (const b of releaseConsumed(space)) collector.add(b);
    }, async () => {
      collector = new StatsCollector(statsOptions);
    });
    const order = claimHeld === undefined ? {} : { sortedInFile: claimHeld ? 'yes' : 'no' };
    return { format: format.name, facts: { ...format.describe(facts), ...order }, stats: collector.result() };
  });
}
