/** What a space holds: counts, sizes, histograms, gathered in one pass over its sorted paths. */
import { bytesKey } from './bytes.js';
import { ErrorCode, isMorkspaceError } from './errors.js';
import { scanExpression } from './expr/encoding.js';
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
    };
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Statistics of a stream of sorted, unique batches. */
export async function spaceStats(batches: AsyncIterable<PathArena>): Promise<SpaceStats> {
  const c = new StatsCollector();
  for await (const b of batches) c.add(b);
  return c.result();
}
