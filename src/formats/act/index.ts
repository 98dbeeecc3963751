/**
 * PathMap's ArenaCompactTree (`.act`, magic `ACTree03`): its entry in the format table, and the
 * module's public verbs. Byte layout: docs/act-format.md (shared), our choices: docs/act.md.
 */
import { Evidence, type Format } from '../format.js';
import type { Input } from '../../io/input.js';
import { spool } from '../../io/spool.js';
import type { RunContext } from '../../run/context.js';
import { PathArena } from '../../path-arena.js';
import { StatsCollector } from '../../stats.js';
import type { ActHeader } from './header.js';
import { ActFile, type ActReadOptions } from './reader.js';
import { writeActTo } from './writer.js';
import type { PrefixPattern } from './walker.js';

export { encodeAct, writeAct, writeActTo, DEFAULT_ACT_FLUSH_BYTES, type ActWriteOptions, type ActWriteResult, ActWriter, ACT_MAGIC, ACT_HEADER_BYTES, ACT_PADDING_BYTES } from './writer.js';
export { ActFile, DEFAULT_ACT_BATCH_PATHS, type ActReadOptions, type ActWalkStats } from './reader.js';
export { readActHeader, ACT_TRAILER_BYTES, ACT_MIN_BYTES, type ActHeader } from './header.js';
export type { PrefixPattern } from './walker.js';
export { encodeVarint, readVarint, varintSize, VARINT_LEN_BIAS, MAX_VARINT_BYTES } from './varint.js';

const SNIFF = 'ACTree';

/**
 * What the ACT writer's line index may hold of a run's memory budget: an eighth. It is the one part
 * of an ACT write that grows with the space (about 20 bytes per distinct line: 4.5 GiB at the
 * default budget of a 48 GiB host, some 200 million lines); past it the file is still written.
 */
export function lineIndexShare(memoryBytes: number): number {
  return Math.floor(memoryBytes / 8);
}

/** True when `head` starts with `ACTree` (any version: older ones are then reported as such). */
export function looksLikeAct(head: Uint8Array): boolean {
  if (head.length < SNIFF.length) return false;
  for (let k = 0; k < SNIFF.length; k++) if (head[k] !== SNIFF.charCodeAt(k)) return false;
  return true;
}

/**
 * Bytes of an ACT stream (stdin, a pipe) held in memory; a longer one is copied to the run's
 * temporary folder and opened there, mapped or in pages like a file, within the budget.
 */
export const ACT_STREAM_HELD_BYTES = 64 << 20;

/**
 * Open an input as an ACT file: mapped when it is a regular file (read in pages when it cannot be
 * mapped: see `ActFile.open`). A stream is read into memory up to `ACT_STREAM_HELD_BYTES`, else
 * copied to `ctx.tmpDir` (the copy is unlinked once open: the mapping or descriptor keeps it). The
 * caller closes it.
 * @throws FormatError / IoError naming the input.
 */
export async function openActInput(input: Input, ctx?: Pick<RunContext, 'log' | 'logging' | 'longestPath' | 'tmpDir' | 'checkAborted'>, heldBytes = ACT_STREAM_HELD_BYTES): Promise<ActFile> {
  const options: ActReadOptions = { ...(ctx !== undefined ? { maxPathBytes: ctx.longestPath() } : {}), ...(ctx?.logging ? { log: (m: string) => ctx.log(m) } : {}) };
  if (input.path !== undefined) return ActFile.open(input.path, options);
  const held: Uint8Array[] = [];
  let bytes = 0;
  const chunks = input.chunks()[Symbol.asyncIterator]();
  for (;;) {
    const r = await chunks.next();
    if (r.done === true) return ActFile.fromBytes(held.length === 1 ? held[0]! : Buffer.concat(held), { ...options, name: input.name });
    held.push(r.value);
    bytes += r.value.length;
    if (bytes > heldBytes && ctx !== undefined) break;
  }
  ctx.log(`${input.name}: an ACT stream of more than ${Math.round(heldBytes / 2 ** 20)} MiB: copied to ${ctx.tmpDir} to be read in place`);
  const copy = await spool(
    (async function* () {
      try {
        yield* held.splice(0);
        for (let r = await chunks.next(); r.done !== true; r = await chunks.next()) yield r.value;
      } finally {
        await chunks.return?.();
      }
    })(),
    ctx.tmpDir,
    () => ctx.checkAborted(),
  );
  try {
    return ActFile.open(copy.path, { ...options, name: input.name });
  } finally {
    copy.done();
  }
}

/** What an opened ACT file tells before any path is read. */
export interface ActFacts {
  magic: string;
  version: number;
  rootOffset: number;
  merged: boolean;
  mergeDepth: number;
  rootHistory: ActHeader['rootHistory'];
  /** True when the file is memory-mapped. */
  mapped: boolean;
  /** True when the file is read in pages as it is walked (it could not be mapped). */
  paged: boolean;
}

/** Header facts as `inspect` prints them. */
export function headerFacts(file: ActFile): ActFacts {
  const h: ActHeader = file.header;
  return {
    magic: h.magic,
    version: h.version,
    rootOffset: h.rootOffset,
    merged: h.merged,
    mergeDepth: h.mergeDepth,
    rootHistory: h.rootHistory,
    mapped: file.mapped,
    paged: file.paged,
  };
}

async function* asyncBatches(file: ActFile, walk?: PrefixPattern): AsyncGenerator<PathArena> {
  try {
    yield* walk !== undefined && walk.lo.length > 0 ? file.prefixPaths(walk) : file.paths();
  } finally {
    file.close();
  }
}

/**
 * Every path of an in-memory ACT file, in one arena (ascending).
 * @throws FormatError ERR_BAD_MAGIC / ERR_VERSION / ERR_TRUNCATED / ERR_CORRUPT with the byte offset.
 */
export function decodeAct(bytes: Uint8Array): PathArena {
  const all = new PathArena();
  for (const batch of ActFile.fromBytes(bytes).paths()) all.pushAll(batch);
  return all;
}

/** The `act` entry of the format table. */
export const actFormat: Format<ActFacts> = {
  name: 'act',
  extensions: ['.act'],
  binary: true,
  writable: true,
  capabilities: { prefixLookup: true, quickInspect: true, verifies: 'every node valid (ACT carries no checksums)', symbols: 'sidecar' },
  flags: { read: [], write: [] },
  sniff: (head) => (looksLikeAct(head) ? Evidence.Strong : Evidence.None),
  async open(input, ctx, options = {}) {
    const file = await openActInput(input, ctx);
    // a pattern's constant prefix: only its subtrie is read, in place
    return { batches: asyncBatches(file, options.walk), order: 'sorted' as const, recycles: true, sizeHint: input.size !== undefined ? { inputBytes: input.size } : {}, facts: headerFacts(file) };
  },
  write: async (space, ctx, sink) => {
    const lineIndexBytes = lineIndexShare(ctx.memoryBytes);
    const onLineIndexFull = ({ distinctLines }: { distinctLines: number }): void =>
      ctx.warn(`${sink.name}: the ACT line index reached its share of the memory budget (${lineIndexBytes >= 2 ** 20 ? `${Math.round(lineIndexBytes / 2 ** 20)} MiB` : `${Math.round(lineIndexBytes / 1024)} KiB`}, an eighth; ${distinctLines} distinct lines): later lines are stored unshared, so the file is valid but larger than PathMap's and not byte-identical to it (a larger --memory keeps sharing)`);
    await writeActTo(space.batches, sink, { tmpDir: ctx.tmpDir, signal: ctx.signal, probe: ctx.probe, lineIndexBytes, onLineIndexFull });
  },
  describe: (facts) => ({ ...facts }),
  async inspect(input, ctx, options) {
    const file = await openActInput(input, ctx);
    try {
      const facts = headerFacts(file);
      if (!options.count) return { facts: { ...facts } };
      const collector = new StatsCollector({ sample: options.sample ?? 0 });
      collector.symbols = options.symbols;
      for (const batch of file.paths()) collector.add(batch);
      return { facts: { ...facts, nodes: file.walkStats() }, stats: collector.result() };
    } finally {
      file.close();
    }
  },
};
