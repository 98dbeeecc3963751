/**
 * A space as a value: its batches of paths plus what the source knows about them. Sources make
 * one, stages turn one into another, sinks consume one.
 */
import type { PathArena } from './path-arena.js';
import type { SymbolTable } from './symbols/table.js';

/**
 * What a source promises about the order of its batches:
 * - `sorted`: strictly ascending across the whole stream (a space: no duplicates), checked by the
 *   format itself (ACT is a trie; MTTS checks chunk order);
 * - `claimed`: sorted by the format's contract but not checked yet (`.paths`, which upstream writes
 *   sorted): the sort stage streams it in O(batch) memory and checks it as it goes;
 * - `unsorted`: any order, duplicates allowed (text): the sort stage sorts it.
 */
export type Order = 'sorted' | 'claimed' | 'unsorted';

/** What a source can tell of its size before reading (sizes buffers once; progress totals). */
export interface SizeHint {
  /** Bytes of the input as stored. */
  inputBytes?: number;
  /** About how many path bytes the batches hold in all. */
  pathBytes?: number;
}

/** A space: batches of paths, their order, and the source's facts (complete once the batches are consumed). */
export interface Space<F extends object = object> {
  readonly batches: AsyncIterable<PathArena>;
  readonly order: Order;
  readonly sizeHint: SizeHint;
  /** Typed facts of the format that read it, filled in while its batches are read. */
  readonly facts: F;
  /**
   * The symbol table of an interned space (MORK's interning build): every 8-byte symbol in the
   * batches is an id it holds. Set once the source has it (`--intern` reads its symbols first; MTTS
   * stores the table before its chunks); stages pass it on; text output prints through it.
   */
  readonly symbols?: SymbolTable;
  /**
   * True when the batches are the pipeline's own (a format's reader or a stage made them and
   * nothing else holds them): the last consumer may then hand each back for reuse once it is done
   * with it (`releaseConsumed` in pipeline.ts). A space made by library code leaves it unset.
   */
  readonly recycles?: boolean;
  /**
   * True when the batches are decoded from compressed bytes (`.paths`' zlib, gzip'd text): a few
   * input bytes can then stand for millions of repeated paths (a decompression bomb), and the sort
   * stage drops repeats as they arrive (recent-paths.ts). Plain text pays input bytes for every atom.
   */
  readonly expanded?: boolean;
}

/** `space` with other batches (and, when given, another order): what a stage returns. */
export function withBatches<F extends object>(space: Space<F>, batches: AsyncIterable<PathArena>, order: Order = space.order): Space<F> {
  return { ...space, batches, order };
}
