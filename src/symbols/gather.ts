/**
 * `--intern`'s first pass, for every reader that emits symbols (text, JSON, CSV): the input's
 * distinct symbols are gathered into a `SymbolCollector` and numbered, then a second pass over the
 * same bytes writes each symbol as its id. A stream cannot be read twice, so it is spooled to the
 * run's temporary folder first.
 */
import { fileInput, type Input } from '../io/input.js';
import { spool } from '../io/spool.js';
import type { PathArena } from '../path-arena.js';
import type { RunContext } from '../run/context.js';
import { SymbolCollector, type SharedSymbols, type SymbolTable } from './table.js';

/** What the symbol pass leaves for the path pass. */
export interface GatheredSymbols {
  /** The ids, by symbol bytes: the path pass's `Interner` (`idOf`). */
  collector: SymbolCollector;
  table: SymbolTable;
  /** The input to read again (a spooled copy of a stream). */
  input: Input;
  /** Removes the spool, if any; also removed if the process is killed. Call when the path pass ends. */
  done: () => void;
  /** The index in shared memory, when the pool's threads look ids up too. */
  shared?: SharedSymbols;
}

/**
 * An input that can be read twice: `input` itself when it is a file, else a copy of its bytes in the
 * run's temporary folder (`done` removes it).
 */
async function rereadable(input: Input, ctx: RunContext): Promise<{ input: Input; done: () => void }> {
  if (input.reopenable) return { input, done: () => undefined };
  const copy = await spool(input.chunks(), ctx.tmpDir, () => ctx.checkAborted());
  return { input: { ...fileInput(copy.path), name: input.name }, done: copy.done };
}

/**
 * The symbol pass: `pass` reads `source` once with `collector` gathering (a reader given
 * `collector.gathering()` as its interner, or the pool's own gathering), its batches are dropped, and
 * the symbols are numbered. `shared()`, asked once the pass is over: whether the pool's threads look
 * ids up too (the index is then put in shared memory). Recorded as the run's `symbols` stage.
 */
export async function gatherSymbols(input: Input, ctx: RunContext, pass: (source: Input, collector: SymbolCollector) => AsyncIterable<PathArena>, shared: () => boolean = () => false): Promise<GatheredSymbols> {
  const { input: source, done } = await rereadable(input, ctx);
  try {
    const collector = new SymbolCollector();
    const started = performance.now();
    for await (const batch of pass(source, collector)) batch.release();
    const table = collector.assign();
    ctx.probe?.record('symbols', performance.now() - started, source.size ?? 0, 0);
    // with the pool, the threads and this one look ids up in shared memory: the gathering
    // collector (its buffers grown by doubling) is let go; on one thread nothing needs sharing
    const sharing = shared() ? collector.share() : undefined;
    const index = sharing ? SymbolCollector.fromShared(sharing) : collector;
    ctx.log(`${input.name}: ${table.count} distinct symbols interned (${table.bytes.length} bytes of text; the table and its index take about ${Math.ceil((index.memoryBytes + table.bytes.length + 16 * table.count) / 2 ** 20)} MiB)`);
    return { collector: index, table, input: source, done, ...(sharing ? { shared: sharing } : {}) };
  } catch (e) {
    done();
    throw e;
  }
}
