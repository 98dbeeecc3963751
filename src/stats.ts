/** What a space holds: counts, sizes, histograms, gathered in one pass over its sorted paths. */
import { compareBytes } from './bytes.js';
import { ErrorCode, isMorkspaceError } from './errors.js';
import { expressionToText, scanExpression } from './expr/encoding.js';
import { ID_BYTES, SymbolCollector, readId, type SymbolTable } from './symbols/table.js';
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
  readonly #lenHist = new Float64Array(34);
  #expr = 0;
  #nonExpr = 0;
  // Distinct symbols and head symbols as byte-keyed hash sets: a string per symbol seen made
  // `inspect` of 1M atoms take 6.4 s, five times a conversion of the same file.
  readonly #symbols = new SymbolCollector();
  #depthMax = 0;
  #depthSum = 0;
  // lists by arity (an arity tag holds 0-63)
  readonly #arity = new Float64Array(64);
  #withVars = 0;
  #varsMax = 0;
  #varsTotal = 0;
  readonly #heads = new SymbolCollector();
  #headAtoms = new Float64Array(1024); // by the head's entry in #heads
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
    const symbols = this.#symbols;
    const arity = this.#arity;
    // A symbol inside the prefix this path shares with the one before was added with that one (the
    // same bytes parse the same): only the rest is looked up. Sorted spaces share long prefixes.
    let shared = 0;
    const onSymbol = (s: number, e: number): void => {
      if (e > shared) symbols.add(bytes, s, e);
    };
    const onArity = (a: number): void => {
      arity[a]!++;
    };
    let ps = 0;
    let pe = 0;
    let prevHead = -1;
    for (let i = 0; i < batch.count; i++) {
      const s = batch.start(i);
      const e = batch.end(i);
      const len = e - s;
      let c = 0;
      const most = Math.min(len, pe - ps);
      while (c < most && bytes[s + c] === bytes[ps + c]) c++;
      shared = s + c;
      ps = s;
      pe = e;
      this.#atoms++;
      this.#raw += len;
      if (len < this.#min) this.#min = len;
      if (len > this.#max) this.#max = len;
      // by the power of two at or below the length (0 for none): 1 + its exponent
      this.#lenHist[len === 0 ? 0 : 32 - Math.clz32(len)]!++;
      if (this.#sample > 0) this.#draw(batch, i);
      // a head symbol: an arity tag, then a symbol tag (0xc1-0xff: its length in the low 6 bits)
      if (len >= 3 && bytes[s]! > 0 && bytes[s]! < 0x40 && bytes[s + 1]! > 0xc0 && s + 2 + (bytes[s + 1]! & 0x3f) <= e) {
        const he = s + 2 + (bytes[s + 1]! & 0x3f);
        prevHead = this.#head(bytes, s + 2, he, he <= shared ? prevHead : -1);
      } else prevHead = -1;
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

  // Count an atom of head `bytes[s..e)` (entry `known`, when the atom before had this head); returns
  // its entry, or -1 when it is counted with the others.
  #head(bytes: Uint8Array, s: number, e: number, known: number): number {
    let k = known >= 0 ? known : this.#heads.entryOf(bytes, s, e);
    if (k < 0) {
      if (this.#heads.count >= MAX_HEADS) {
        this.#otherHeads++;
        return -1;
      }
      k = this.#heads.add(bytes, s, e);
      if (k === this.#headAtoms.length) {
        const next = new Float64Array(2 * k);
        next.set(this.#headAtoms);
        this.#headAtoms = next;
      }
    }
    this.#headAtoms[k]!++;
    return k;
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
    const arity = new Map<number, number>();
    this.#arity.forEach((n, a) => n > 0 && arity.set(a, n));
    const lengths = new Map<number, number>();
    this.#lenHist.forEach((n, b) => n > 0 && lengths.set(b === 0 ? 0 : 2 ** (b - 1), n));
    const heads = this.#heads;
    const top = Array.from({ length: heads.count }, (_, k) => k)
      .sort((a, b) => this.#headAtoms[b]! - this.#headAtoms[a]! || compareBytes(heads.entryBytes(a), heads.entryBytes(b)))
      .slice(0, TOP_HEADS);
    return {
      atoms: this.#atoms,
      rawBytes: this.#raw,
      pathBytes: {
        min: this.#atoms ? this.#min : 0,
        max: this.#max,
        mean: this.#atoms ? round(this.#raw / this.#atoms) : 0,
        histogram: hist(lengths, (k) => (k <= 1 ? String(k) : `${k}-${2 * k - 1}`)),
      },
      expressions: this.#expr,
      nonExpressions: this.#nonExpr,
      distinctSymbols: this.#symbols.count,
      depth: { max: this.#depthMax, mean: this.#expr ? round(this.#depthSum / this.#expr) : 0 },
      arity: hist(arity, String),
      variables: { atomsWithVariables: this.#withVars, maxPerAtom: this.#varsMax, total: this.#varsTotal },
      heads: {
        distinct: heads.count,
        top: top.map((k) => ({ head: UTF8.decode(this.#headBytes(heads.entryBytes(k))), atoms: this.#headAtoms[k]! })),
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
