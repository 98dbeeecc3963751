/**
 * PathMap's ArenaCompactTree (`.act`, magic `ACTree03`): registration in the format table, and the
 * module's public verbs. Byte layout: docs/act-format.md (shared), our choices: docs/act.md.
 */
import { registerFormat, type Format, type FormatOptions } from '../registry.js';
import type { Input } from '../../io/input.js';
import { PathArena } from '../../path-arena.js';
import { StatsCollector } from '../../stats.js';
import type { ActHeader } from './header.js';
import { ActFile } from './reader.js';
import { writeAct } from './writer.js';

export { encodeAct, writeAct, ActWriter, ACT_MAGIC, ACT_HEADER_BYTES, ACT_PADDING_BYTES } from './writer.js';
export { ActFile, DEFAULT_ACT_BATCH_PATHS, type ActReadOptions, type ActWalkStats } from './reader.js';
export { readActHeader, ACT_TRAILER_BYTES, ACT_MIN_BYTES, type ActHeader } from './header.js';
export type { PrefixPattern } from './walker.js';
export { encodeVarint, readVarint, varintSize, VARINT_LEN_BIAS, MAX_VARINT_BYTES } from './varint.js';

const SNIFF = 'ACTree';

/** True when `head` starts with `ACTree` (any version: older ones are then reported as such). */
export function looksLikeAct(head: Uint8Array): boolean {
  if (head.length < SNIFF.length) return false;
  for (let k = 0; k < SNIFF.length; k++) if (head[k] !== SNIFF.charCodeAt(k)) return false;
  return true;
}

/**
 * Open an input as an ACT file: mapped when it is a regular file, else read whole.
 * @throws FormatError / IoError naming the input.
 */
export async function openActInput(input: Input, options: FormatOptions = {}): Promise<ActFile> {
  const log = options.log;
  if (input.path !== undefined) return ActFile.open(input.path, log ? { log } : {});
  return ActFile.fromBytes(await input.readAll(), { name: input.name });
}

/** Header facts as `inspect` prints them. */
export function headerFacts(file: ActFile): Record<string, unknown> {
  const h: ActHeader = file.header;
  return {
    magic: h.magic,
    version: h.version,
    rootOffset: h.rootOffset,
    merged: h.merged,
    mergeDepth: h.mergeDepth,
    rootHistory: h.rootHistory,
    mapped: file.mapped,
  };
}

async function* asyncBatches(file: ActFile): AsyncGenerator<PathArena> {
  yield* file.paths();
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

/**
 * Stream the paths of an ACT file given as chunks. ACT is random access (the root is at the end), so
 * the chunks are gathered first; open files with `ActFile.open` to map them instead.
 */
export async function* readAct(source: AsyncIterable<Uint8Array>): AsyncGenerator<PathArena> {
  const parts: Uint8Array[] = [];
  for await (const chunk of source) parts.push(chunk);
  yield* ActFile.fromBytes(Buffer.concat(parts)).paths();
}

/** Header facts of an in-memory ACT file (O(1): header, trailers and root node only). */
export function inspectAct(bytes: Uint8Array): Record<string, unknown> {
  return headerFacts(ActFile.fromBytes(bytes));
}

/** The `act` entry of the format table. */
export const actFormat: Format = {
  name: 'act',
  extensions: ['.act'],
  binary: true,
  sniff: looksLikeAct,
  async open(input, options) {
    const file = await openActInput(input, options);
    return { batches: asyncBatches(file), sorted: true, facts: () => headerFacts(file) };
  },
  write: (space) => writeAct(space),
  async inspect(input, options) {
    const file = await openActInput(input, options);
    const facts = headerFacts(file);
    if (!options.count) return { facts };
    const collector = new StatsCollector();
    for (const batch of file.paths()) collector.add(batch);
    return { facts: { ...facts, nodes: file.walkStats() }, stats: collector.result() };
  },
};

registerFormat(actFormat);
