/** What a space holds: counts, sizes, histograms, gathered in one pass over its sorted paths. */
import { bytesKey } from './bytes.js';
import { ErrorCode, isMorkspaceError } from './errors.js';
import { expressionToText, scanExpression } from './expr/encoding.js';
import { ID_BYTES, readId, type SymbolTable } from './symbols/table.js';
import { mulberry32 } from './prng.js';
import type { PathArena } from './path-arena.js';

/** Statistics of a space (a set of paths). */
export interface SpaceStats {
  atoms: number;
  /** Sum of path lengths. */
  rawBytes: number;
  pathBytes: { min: number; max: number; mean: number; histogram: Record<string, number> };
  /** Paths that are valid MORK expressions; the fields below describe those only. */
  expressions: number;
  /** Paths that are not (binary keys carried by .paths or ACT). */
  nonExpressions: number;
  distinctSymbols: number;
  depth: { max: number; mean: number };
  /** Count of lists by arity. */
  arity: Record<string, number>;
  variables: { atomsWithVariables: number; maxPerAtom: number; total: number };
  /**
   * Head symbols (the first element of an expression, when it is a symbol: `parent` in
   * `(parent Alice Bob)`): how many distinct ones, and the most frequent with their atoms. Past
   * `MAX_HEADS` distinct heads, new ones are counted in `otherAtoms` only.
   */
  heads: { distinct: number; top: { head: string; atoms: number }[]; otherAtoms: number };
  /** A few atoms drawn evenly at random (a fixed seed: the same file gives the same sample), as text. */
  samples: string[];
}

/** Distinct head symbols counted one by one; past this, new heads are only counted together. */
export const MAX_HEADS = 100_000;
/** Head symbols listed by `result()`. */
export const TOP_HEADS = 10;

/** What to gather besides the counts. */
export interface StatsOptions {
  /** Atoms to sample (reservoir sampling). Defaults to 0. */
  sample?: number;
}

/** Accumulates `SpaceStats` batch by batch. */
export class StatsCollector {
  #atoms = 0;
  #raw = 0;
  #min = Infinity;
  #max = 0;
  #lenHist = new Map<number, number>();
  #expr = 0;
  #nonExpr = 0;
  #symbols = new Set<string>();
  #depthMax = 0;
  #depthSum = 0;
  #arity = new Map<number, number>();
  #withVars = 0;
  #varsMax = 0;
  #varsTotal = 0;
  readonly #heads = new Map<string, number>();
  #otherHeads = 0;
  readonly #sample: number;
  readonly #samples: Uint8Array[] = [];
  readonly #rand = mulberry32(0x73616d70); // "samp"

  /** The table an interned space's ids resolve through (head symbols, samples); set once the space is open. */
  symbols: SymbolTable | undefined;

  constructor(options: StatsOptions = {}) {
    this.#sample = Math.max(0, Math.floor(options.sample ?? 0));
  }

  add(batch: PathArena): void {
    const bytes = batch.bytes;
    const onSymbol = (s: number, e: number): void => {
      this.#symbols.add(bytesKey(bytes.subarray(s, e)));
    };
    const onArity = (a: number): void => {
      this.#arity.set(a, (this.#arity.get(a) ?? 0) + 1);
    };
    for (let i = 0; i < batch.count; i++) {
      const s = batch.start(i);
      const e = batch.end(i);
      const len = e - s;
      this.#atoms++;
      this.#raw += len;
      if (len < this.#min) this.#min = len;
      if (len > this.#max) this.#max = len;
      const bucket = len === 0 ? 0 : 2 ** Math.floor(Math.log2(len));
      this.#lenHist.set(bucket, (this.#lenHist.get(bucket) ?? 0) + 1);
      if (this.#sample > 0) this.#draw(batch, i);
      // a head symbol: an arity tag, then a symbol tag (0xc1-0xff: its length in the low 6 bits)
      if (len >= 3 && bytes[s]! > 0 && bytes[s]! < 0x40 && bytes[s + 1]! > 0xc0 && s + 2 + (bytes[s + 1]! & 0x3f) <= e) {
        const key = Buffer.from(bytes.buffer, bytes.byteOffset + s + 2, bytes[s + 1]! & 0x3f).toString('latin1');
        const n = this.#heads.get(key);
        if (n !== undefined) this.#heads.set(key, n + 1);
        else if (this.#heads.size < MAX_HEADS) this.#heads.set(key, 1);
        else this.#otherHeads++;
      }
      try {
        const shape = scanExpression(bytes, s, e, onSymbol, onArity);
        this.#expr++;
        this.#depthSum += shape.depth;
        if (shape.depth > this.#depthMax) this.#depthMax = shape.depth;
        if (shape.variables > 0) this.#withVars++;
        if (shape.variables > this.#varsMax) this.#varsMax = shape.variables;
        this.#varsTotal += shape.variables;
      } catch (e) {
        if (!isMorkspaceError(e) || e.code !== ErrorCode.NotExpression) throw e;
        this.#nonExpr++;
      }
    }
  }

  // Reservoir sampling (Algorithm R): atom k replaces a kept one with probability sample/k.
  #draw(batch: PathArena, i: number): void {
    if (this.#samples.length < this.#sample) {
      this.#samples.push(batch.copyPath(i));
      return;
    }
    const j = Math.floor(this.#rand() * this.#atoms);
    if (j < this.#sample) this.#samples[j] = batch.copyPath(i);
  }

  result(): SpaceStats {
    const hist = (m: Map<number, number>, label: (k: number) => string): Record<string, number> =>
      Object.fromEntries([...m.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => [label(k), v]));
    return {
      atoms: this.#atoms,
      rawBytes: this.#raw,
      pathBytes: {
        min: this.#atoms ? this.#min : 0,
        max: this.#max,
        mean: this.#atoms ? round(this.#raw / this.#atoms) : 0,
        histogram: hist(this.#lenHist, (k) => (k <= 1 ? String(k) : `${k}-${2 * k - 1}`)),
      },
      expressions: this.#expr,
      nonExpressions: this.#nonExpr,
      distinctSymbols: this.#symbols.size,
      depth: { max: this.#depthMax, mean: this.#expr ? round(this.#depthSum / this.#expr) : 0 },
      arity: hist(this.#arity, String),
      variables: { atomsWithVariables: this.#withVars, maxPerAtom: this.#varsMax, total: this.#varsTotal },
      heads: {
        distinct: this.#heads.size,
        top: [...this.#heads].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, TOP_HEADS).map(([k, atoms]) => ({ head: UTF8.decode(this.#headBytes(keyBytes(k))), atoms })),
        otherAtoms: this.#otherHeads,
      },
      samples: this.#samples.map((p) => sampleText(p, this.symbols)),
    };
  }

  // A head symbol's bytes: an interned space's 8-byte id through its table.
  #headBytes(key: Uint8Array): Uint8Array {
    if (this.symbols === undefined || key.length !== ID_BYTES) return key;
    const id = readId(key, 0);
    return (id > 0 ? this.symbols.lookup(id) : undefined) ?? key;
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

const UTF8 = new TextDecoder();

// The bytes of a head's key (Node's latin1: one char per byte, both ways).
function keyBytes(key: string): Uint8Array {
  return Buffer.from(key, 'latin1');
}

// An atom as text, or its bytes in hex when it is not an expression (a binary key).
function sampleText(path: Uint8Array, symbols: SymbolTable | undefined): string {
  try {
    return expressionToText(path, symbols);
  } catch (e) {
    if (!isMorkspaceError(e) || (e.code !== ErrorCode.NotExpression && e.code !== ErrorCode.UnknownSymbol)) throw e;
    return `0x${Buffer.from(path).toString('hex')}`;
  }
}

/** Statistics of a stream of sorted, unique batches. */
export async function spaceStats(batches: AsyncIterable<PathArena>, options: StatsOptions = {}): Promise<SpaceStats> {
  const c = new StatsCollector(options);
  for await (const b of batches) c.add(b);
  return c.result();
}
