/**
 * What a format is to the rest of morkspace: one entry per format (in its own module), listed in
 * formats/table.ts. Capabilities are fields, so callers ask what a format can do instead of
 * switching on its name.
 */
import type { Input } from '../io/input.js';
import type { ByteSink } from '../io/sink.js';
import { giveBack } from '../buffers.js';
import type { RunContext } from '../run/context.js';
import { timedPart } from '../run/probe.js';
import type { Space } from '../space.js';
import type { SpaceStats } from '../stats.js';
import type { SymbolTable } from '../symbols/table.js';
import type { TextReadOptions } from './text.js';
import type { PathsOptions } from './paths.js';
import type { MttsOptions } from './mtts/options.js';
import type { CsvOptions } from './csv.js';
import type { PrefixPattern } from './act/walker.js';

/** Bytes read ahead for sniffing. */
export const SNIFF_BYTES = 4096;

export type FormatName = 'text' | 'paths' | 'upaths' | 'act' | 'mtts' | 'mettatron' | 'json' | 'jsonl' | 'csv';

/** How sure a sniff is that the first bytes are this format's. */
export const Evidence = {
  /** Not this format. */
  None: 0,
  /** Could be: a short or common pattern (a zlib header); the file extension outranks it. */
  Weak: 1,
  /** A magic number of its own: outranks the extension. */
  Strong: 2,
} as const;
export type Evidence = (typeof Evidence)[keyof typeof Evidence];

/** Options of the formats' readers and writers, by format; each module documents its own. */
export interface FormatOptions {
  text?: TextReadOptions;
  paths?: Partial<PathsOptions>;
  mtts?: Partial<MttsOptions>;
  csv?: Partial<CsvOptions>;
  /**
   * Only the paths that start in these byte ranges are wanted (a pattern's constant prefix): a
   * format with `prefixLookup` reads only that subtrie; the others read everything (the stage that
   * matches filters anyway).
   */
  walk?: PrefixPattern;
}

/** What a format can do, for callers that would otherwise switch on its name. */
export interface Capabilities {
  /** A query walks only the subtrie under its constant prefix, without reading the rest (ACT). */
  readonly prefixLookup: boolean;
  /** `inspect` answers from the header and index without reading every path. */
  readonly quickInspect: boolean;
  /** What reading the whole file proves (`verify`). */
  readonly verifies: string;
  /**
   * Where an interned space's symbol table goes: `inside` the file (MTTS), in a `sidecar` file
   * (`.paths`, ACT: MORK's archive, `--symbols`/`--symbols-out`), or `printed` as the symbols (text).
   */
  readonly symbols: 'inside' | 'sidecar' | 'printed';
}

/** One format's entry. `F` is the type of the facts its reader learns. */
export interface Format<F extends object = object> {
  readonly name: FormatName;
  readonly extensions: readonly string[];
  /** True for binary formats (not written to a terminal without --force). */
  readonly binary: boolean;
  /** False for a format morkspace reads but does not write (MeTTaTron's snapshot). */
  readonly writable: boolean;
  /**
   * True when the writer takes paths in any order, duplicates kept (`upaths`): a run writing it does
   * not sort (the output is the source's paths as they come).
   */
  readonly unordered?: boolean;
  readonly capabilities: Capabilities;
  /**
   * The format-specific CLI flags this format takes as an input (`read`) and as an output
   * (`write`); a format-specific flag that neither the input's nor the output's format takes is a
   * usage error, not silently ignored.
   */
  readonly flags: { readonly read: readonly string[]; readonly write: readonly string[] };
  /**
   * How specific the evidence is that `head` (the first bytes, up to `SNIFF_BYTES`) starts this
   * format; `whole` when `head` is the entire input.
   */
  sniff(head: Uint8Array, whole: boolean): Evidence;
  /** Open `input` as a space (batches nothing else holds: `recycles`). */
  open(input: Input, ctx: RunContext, options?: FormatOptions): Promise<Space<F>>;
  /**
   * Write a space (strictly ascending, unique batches) to `sink`. The writer is done with a batch
   * (keeps no view of it) once it asks for the next: the pipeline may reuse its buffers then.
   */
  write(space: Space, ctx: RunContext, sink: ByteSink, options?: FormatOptions): Promise<void>;
  /** The facts as `inspect` shows them: labelled values (numbers, strings, flat records, lists of records). */
  describe(facts: F): Record<string, unknown>;
  /**
   * Inspection without reading every path (`capabilities.quickInspect`): header facts, and space
   * statistics only when `count` asks for a full walk.
   */
  inspect?(input: Input, ctx: RunContext, options: FormatOptions & { count: boolean; sample?: number; symbols?: SymbolTable }): Promise<{ facts: Record<string, unknown>; stats?: SpaceStats }>;
}

/**
 * Write the chunks a byte-stream writer yields to `sink`. The writer hands each chunk over: once a
 * sink that `releasesChunks` has written it, its buffer goes back for reuse (buffers.ts ignores
 * buffers it did not hand out). One write is in flight while the writer makes the next chunk: a
 * file's writes run on libuv's threads, so printing or encoding overlaps them instead of waiting
 * (1M atoms ACT → text: the run's thread waited ~120 ms on its writes). Writes never overlap each
 * other, so a sink sees them in order, each after the one before has settled.
 */
export async function writeChunks(chunks: AsyncIterable<Uint8Array>, sink: ByteSink, ctx: RunContext): Promise<void> {
  const reuse = sink.releasesChunks === true;
  let inFlight: { done: Promise<void>; chunk: Uint8Array } | undefined;
  // the `output` part is the time the writer waits here, not the write's own time (which overlaps)
  const settle = async (): Promise<void> => {
    if (inFlight === undefined) return;
    const { done, chunk } = inFlight;
    inFlight = undefined;
    await timedPart(ctx.probe, 'output', chunk.length, () => done);
    if (reuse) giveBack(chunk);
  };
  try {
    for await (const c of chunks) {
      ctx.checkAborted();
      await settle();
      const done = sink.write(c);
      // a failure is thrown by the settle that awaits it; until then it is not unhandled
      done.catch(() => undefined);
      inFlight = { done, chunk: c };
    }
    await settle();
  } finally {
    // the writer failed (or the run stopped) with a write in flight: let it settle before the caller cleans up
    if (inFlight !== undefined) await inFlight.done.catch(() => undefined);
  }
}

/**
 * The first offending byte when `head` is plainly not text: a NUL, or more than 1 in 8 bytes that are
 * odd in text — control characters other than tab, line feed, form feed and carriage return, and
 * bytes of invalid UTF-8. MeTTa files have none; compressed or damaged binary data is full of them
 * (random bytes: about 11% controls, and most bytes over 0x7f start or break a bad sequence), while a
 * Latin-1 file's few accented letters stay well under the bar.
 */
export function binaryEvidence(head: Uint8Array): number | undefined {
  let odd = 0;
  let first: number | undefined;
  const n = head.length;
  for (let i = 0; i < n; i++) {
    const b = head[i]!;
    if (b === 0) return i;
    if (b < 0x80) {
      if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) {
        odd++;
        first ??= i;
      }
      continue;
    }
    // a UTF-8 sequence: lead byte, then its continuation bytes (a sequence cut by the end of `head` counts as good)
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    let k = 1;
    while (need > 0 && k <= need && i + k < n && (head[i + k]! & 0xc0) === 0x80) k++;
    if (need < 0 || (k <= need && i + k < n)) {
      odd++;
      first ??= i;
      continue;
    }
    i += k - 1;
  }
  return odd * 8 > n ? first : undefined;
}
