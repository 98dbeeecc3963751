/**
 * The worker half of parallel text parsing: parse a chunk from its first line break, assuming an
 * expression may start there. The main thread accepts the result only if its own parse reaches that
 * line break between expressions (`TextParser.atTopLevel`); otherwise it parses the chunk itself.
 */
import { PathArena } from '../path-arena.js';
import { SymbolCollector, type SharedSymbols } from '../symbols/table.js';
import { TextParser, type Interner, type LongSymbols } from './parser.js';

const LF = 0x0a;

/** A chunk to parse speculatively: `bytes` owns its buffer (it is moved to the worker). */
export interface ParseChunkTask {
  bytes: Uint8Array;
  crIsWhitespace: boolean;
  /** The run's rule for symbols over 63 bytes: under `error` the worker gives up at one (the run's thread reports it). */
  longSymbols: LongSymbols;
  /**
   * `--intern`: `collect` gathers the chunk's distinct symbols instead of its paths (the symbol
   * pass); `index` gives every symbol the id the run assigned (the path pass), looked up in memory
   * shared with the run's thread.
   */
  intern?: { collect: true } | { index: SharedSymbols };
  /**
   * Buffers lent for the result (shared, or moved to the worker with the task and back in the
   * result): the paths are written there, into new buffers only when they do not fit (`inLent`
   * says which; see `reclaim` in buffers.ts).
   */
  out?: { bytes: Uint8Array; ends: Uint32Array };
}

/** Expressions found in `bytes[start..stop)`: `start` follows the first line break, `stop` ends the last complete one. */
export type ParseChunkResult =
  | { ok: true; start: number; stop: number; count: number; topLevel: number; longSymbols: number; bytes: Uint8Array; ends: Uint32Array; symbols?: { bytes: Uint8Array; starts: Float64Array; hashes: Uint32Array }; inLent?: { bytes: boolean; ends: boolean } }
  | { ok: false };

/** Parse `task.bytes` from its first line break; `{ ok: false }` when there is none or the parse fails. */
export function parseChunk(task: ParseChunkTask): ParseChunkResult {
  const input = task.bytes;
  const lf = input.indexOf(LF);
  if (lf < 0) return { ok: false };
  const start = lf + 1;
  const collector = task.intern !== undefined && 'collect' in task.intern ? new SymbolCollector() : undefined;
  const interner: Interner | undefined = collector ? collector.gathering() : task.intern && 'index' in task.intern ? indexed(task.intern.index) : undefined;
  const parser = new TextParser({ crIsWhitespace: task.crIsWhitespace, longSymbols: task.longSymbols === 'truncate' ? 'truncate' : 'throw', ...(interner ? { interner } : {}) });
  // lent buffers that are too small give way to plain ones (a shared buffer made here would stay
  // until this thread collects its handle)
  const arena = task.out ? PathArena.adopt(task.out.bytes, task.out.ends, 0, false) : new PathArena(input.length - start + 64, 4096);
  try {
    parser.push(input.subarray(start), arena);
  } catch {
    return { ok: false }; // maybe a wrong guess (the line break was inside an expression): the main thread decides
  }
  const stop = start + parser.consumed;
  const counts = { start, stop, topLevel: parser.stats.topLevel, longSymbols: parser.stats.longSymbols };
  // the symbol pass wants the symbols, not the paths
  if (collector) return { ok: true, ...counts, count: 0, bytes: new Uint8Array(0), ends: new Uint32Array(0), symbols: collector.distinct() };
  // which of the lent buffers hold the paths (a lent shared buffer comes back as another object)
  const inLent = task.out ? { bytes: arena.bytes === task.out.bytes, ends: arena.ends === task.out.ends } : undefined;
  return { ok: true, ...counts, count: arena.count, bytes: arena.bytes, ends: arena.ends, ...(inLent ? { inLent } : {}) };
}

// The interner over a run's shared index, made once per index on this thread.
let cached: { key: number; interner: Interner } | undefined;
function indexed(shared: SharedSymbols): Interner {
  if (cached?.key !== shared.key) {
    cached = { key: shared.key, interner: SymbolCollector.fromShared(shared) };
  }
  return cached.interner;
}
