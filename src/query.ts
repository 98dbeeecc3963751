/**
 * Queries over a space: atoms matching a pattern, optionally under a text prefix.
 *
 * - A pattern is parsed like any atom. Its constant prefix (the bytes before its first variable)
 *   selects a subtrie; the rest is matched structurally: a pattern variable matches any
 *   sub-expression, a repeated one the same sub-expression (stored variables compared by identity
 *   within the atom), a constant only an identical constant.
 * - A prefix is the beginning of an expression: lists left open take any arity at least the items
 *   given (a byte range in the walk), complete tokens must match.
 * - On ACT the walk goes straight to the prefix in the mapped file; other formats are scanned.
 */
import { ErrorCode, FormatError, inFile } from './errors.js';
import { MAX_ARITY, MAX_VARIABLES, TAG_NEW_VAR, scanExpression } from './expr/encoding.js';
import { parseExpression } from './expr/parser.js';
import { openActInput } from './formats/act/index.js';
import type { PrefixPattern } from './formats/act/walker.js';
import type { Input } from './io/input.js';
import { PathArena } from './path-arena.js';
import { consumeSpace, resolveInput, type ConvertOptions } from './convert.js';
import { withRun } from './run/context.js';
import type { SymbolTable } from './symbols/table.js';

/** What to look for. */
export interface QueryOptions extends ConvertOptions {
  /** MeTTa pattern: `(parent $x Bob)`. Absent: every atom (under `prefix`). */
  pattern?: string;
  /** Beginning of an expression: `(parent Alice`. */
  prefix?: string;
  /** Stop after this many matches. Defaults to no limit. */
  limit?: number;
}

/** A compiled query: where to walk, and the test every walked atom must pass. */
export interface Query {
  /** Byte ranges every match starts with (empty: everything). */
  walkPrefix: PrefixPattern;
  /** True when the atom `bytes[s..e)` matches. */
  matches(bytes: Uint8Array, s: number, e: number): boolean;
  /** The pattern's matcher, whose bindings hold for the last atom that matched (absent without a pattern). */
  readonly matcher?: PatternMatcher;
}

const EMPTY_PREFIX: PrefixPattern = { lo: new Uint8Array(0), hi: new Uint8Array(0) };

function isVarTag(b: number): boolean {
  return b >= 0x80 && b <= TAG_NEW_VAR;
}

// Parse with positions relative to the user's text, naming which argument was wrong. With the
// space's symbol table, every symbol becomes its id (0, which no id is, when the table lacks it:
// then nothing matches).
export function parseArgument(text: string, what: string, symbols?: SymbolTable): Uint8Array {
  try {
    return parseExpression(text, symbols !== undefined ? { interner: { idOf: (b, s, e) => symbols.idOf(b.subarray(s, e)) ?? 0 } } : {});
  } catch (e) {
    throw inFile(e, what);
  }
}

/** The bytes of `pattern` before its first variable. */
export function constantPrefix(pattern: Uint8Array): Uint8Array {
  let p = 0;
  while (p < pattern.length) {
    const b = pattern[p]!;
    if (isVarTag(b)) break;
    p += b > TAG_NEW_VAR ? 1 + (b & 0x3f) : 1;
  }
  return pattern.subarray(0, Math.min(p, pattern.length));
}

/**
 * Compile the text of an expression's beginning into byte ranges: open lists become arity ranges.
 * @throws FormatError ERR_SYNTAX (`where.file` = `prefix`) for text that is not the start of one expression.
 */
export function parsePrefix(text: string, symbols?: SymbolTable): PrefixPattern {
  const open = openLists(text);
  // A line feed first: a trailing comment must not swallow the closing parentheses.
  const bytes = parseArgument(open.length > 0 ? `${text}\n${')'.repeat(open.length)}` : text, 'prefix', symbols);
  const lo = Uint8Array.from(bytes);
  const hi = Uint8Array.from(bytes);
  const openSet = new Set(open);
  let list = 0;
  for (let p = 0; p < bytes.length; ) {
    const b = bytes[p]!;
    if (b < 0x40) {
      if (openSet.has(list)) hi[p] = MAX_ARITY;
      list++;
      p++;
    } else {
      p += b > TAG_NEW_VAR ? 1 + (b & 0x3f) : 1;
    }
  }
  return { lo, hi };
}

// Ordinals (in text order) of the '(' still open at the end of `text`, following the parser's
// lexical rules (expr/parser.ts): quoted tokens, `;` comments where an item may start.
function openLists(text: string): number[] {
  const stack: number[] = [];
  let lists = 0;
  let p = 0;
  const n = text.length;
  const delimiter = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '(' || c === ')';
  while (p < n) {
    const c = text[p]!;
    if (c === ' ' || c === '\t' || c === '\n') p++;
    else if (c === ';') {
      const lf = text.indexOf('\n', p);
      p = lf < 0 ? n : lf + 1;
    } else if (c === '(') {
      stack.push(lists++);
      p++;
    } else if (c === ')') {
      if (stack.length === 0) throw new FormatError(ErrorCode.Syntax, "unexpected ')' with no list open", { file: 'prefix', offset: p, line: 1, column: p + 1 });
      stack.pop();
      p++;
    } else if (c === '"') {
      p++;
      while (p < n && text[p] !== '"') p += text[p] === '\\' ? 2 : 1;
      p++;
    } else {
      while (p < n && !delimiter(text[p]!)) p++;
    }
  }
  return stack;
}

/** The end of the expression starting at `bytes[p]`, or -1 when it runs past `e` or is malformed. */
export function skipExpression(bytes: Uint8Array, p: number, e: number): number {
  let pending = 1;
  while (pending > 0) {
    if (p >= e) return -1;
    const b = bytes[p]!;
    if (b < 0x40) {
      pending += b;
      p++;
    } else if (b < 0x80) {
      return -1;
    } else if (b <= TAG_NEW_VAR) {
      p++;
    } else {
      p += 1 + (b & 0x3f);
      if (p > e) return -1;
    }
    pending--;
  }
  return p;
}

/**
 * Structural matcher for one pattern. Keeps scratch between calls: one instance per query, one thread.
 * After a match, `bound(k)` is where the pattern's k-th variable matched, and `levels` (once
 * `computeLevels` ran) the atom's own variables, for a template to substitute (rewrite.ts).
 */
export class PatternMatcher {
  readonly #pattern: Uint8Array;
  // where each pattern variable matched (a pattern has at most MAX_VARIABLES), reused per atom
  readonly #boundStart = new Float64Array(MAX_VARIABLES);
  readonly #boundEnd = new Float64Array(MAX_VARIABLES);
  #bound = 0;
  #levels = new Int32Array(256);

  /** Where the pattern's variable `k` matched in the last matched atom: `[boundStart(k), boundEnd(k))`. */
  boundStart(k: number): number {
    return this.#boundStart[k]!;
  }
  boundEnd(k: number): number {
    return this.#boundEnd[k]!;
  }

  /** levels[p - s]: the atom's variable (De Bruijn level) at each of its variable tags. */
  levels(a: Uint8Array, s: number, e: number): Int32Array {
    this.#computeLevels(a, s, e);
    return this.#levels;
  }

  /** @throws FormatError ERR_NOT_EXPRESSION when `pattern` is no expression (or has more than MAX_VARIABLES variables). */
  constructor(pattern: Uint8Array) {
    scanExpression(pattern, 0, pattern.length);
    this.#pattern = pattern;
  }

  matches(a: Uint8Array, s: number, e: number): boolean {
    const pat = this.#pattern;
    this.#bound = 0;
    let levelsReady = false;
    let pi = 0;
    let ai = s;
    let pending = 1;
    while (pending > 0) {
      if (ai >= e) return false;
      const pb = pat[pi]!;
      if (pb === TAG_NEW_VAR) {
        const end = skipExpression(a, ai, e);
        if (end < 0) return false;
        this.#boundStart[this.#bound] = ai;
        this.#boundEnd[this.#bound++] = end;
        ai = end;
        pi++;
      } else if (pb >= 0x80 && pb < TAG_NEW_VAR) {
        const end = skipExpression(a, ai, e);
        if (end < 0) return false;
        if (!levelsReady) {
          this.#computeLevels(a, s, e);
          levelsReady = true;
        }
        const k = pb & 0x3f;
        if (!this.#same(a, s, this.#boundStart[k]!, this.#boundEnd[k]!, ai, end)) return false;
        ai = end;
        pi++;
      } else if (pb < 0x40) {
        if (a[ai] !== pb) return false;
        pending += pb;
        ai++;
        pi++;
      } else {
        if (a[ai] !== pb) return false;
        const n = pb & 0x3f;
        if (ai + 1 + n > e) return false;
        for (let k = 1; k <= n; k++) if (a[ai + k] !== pat[pi + k]) return false;
        ai += 1 + n;
        pi += 1 + n;
      }
      pending--;
    }
    return ai === e;
  }

  // levels[p - s]: the variable (De Bruijn level) at each variable tag of the atom.
  #computeLevels(a: Uint8Array, s: number, e: number): void {
    if (this.#levels.length < e - s) this.#levels = new Int32Array(2 * (e - s));
    const levels = this.#levels;
    let vars = 0;
    for (let p = s; p < e; ) {
      const b = a[p]!;
      if (b === TAG_NEW_VAR) levels[p - s] = vars++;
      else if (b >= 0x80 && b < TAG_NEW_VAR) levels[p - s] = b & 0x3f;
      p += b > TAG_NEW_VAR ? 1 + (b & 0x3f) : 1;
    }
  }

  // Two sub-expressions of one atom are the same: same tags and symbols, same variables.
  #same(a: Uint8Array, s: number, s1: number, e1: number, s2: number, e2: number): boolean {
    if (e1 - s1 !== e2 - s2) return false;
    const levels = this.#levels;
    for (let p = s1, q = s2; p < e1; ) {
      const b = a[p]!;
      const c = a[q]!;
      if (isVarTag(b)) {
        if (!isVarTag(c) || levels[p - s] !== levels[q - s]) return false;
        p++;
        q++;
        continue;
      }
      if (b !== c) return false;
      const n = b > TAG_NEW_VAR ? 1 + (b & 0x3f) : 1;
      for (let k = 1; k < n; k++) if (a[p + k] !== a[q + k]) return false;
      p += n;
      q += n;
    }
    return true;
  }
}

/**
 * Compile a pattern and/or a prefix into a query; over an interned space, through its `symbols`.
 * @throws FormatError ERR_SYNTAX / ERR_LIMIT with the position in the pattern or prefix text.
 */
export function compileQuery(pattern: string | undefined, prefix: string | undefined, symbols?: SymbolTable): Query {
  const pat = pattern !== undefined ? parseArgument(pattern, 'pattern', symbols) : undefined;
  const pre = prefix !== undefined ? parsePrefix(prefix, symbols) : undefined;
  const constant = pat !== undefined ? constantPrefix(pat) : new Uint8Array(0);
  // Walk by the longer of the two constraints; the other is still checked on every atom.
  const walkPrefix = pre !== undefined && pre.lo.length >= constant.length ? pre : pat !== undefined ? { lo: constant, hi: constant } : EMPTY_PREFIX;
  const matcher = pat !== undefined ? new PatternMatcher(pat) : undefined;
  return {
    walkPrefix,
    ...(matcher !== undefined ? { matcher } : {}),
    matches(bytes, s, e) {
      if (pre !== undefined && !inRanges(pre, bytes, s, e)) return false;
      return matcher === undefined || matcher.matches(bytes, s, e);
    },
  };
}

function inRanges(r: PrefixPattern, bytes: Uint8Array, s: number, e: number): boolean {
  const m = r.lo.length;
  if (e - s < m) return false;
  for (let k = 0; k < m; k++) {
    const b = bytes[s + k]!;
    if (b < r.lo[k]! || b > r.hi[k]!) return false;
  }
  return true;
}

/**
 * The atoms of `input` that match, in space order, handed to `each` batch by batch (the batch is
 * valid until `each` returns), with the space's symbol table when it is interned (its own, or
 * `options.symbols`): the pattern is compiled through it, and the matches print through it.
 * Formats with prefix lookups (ACT) read only the subtrie under the query's prefix. Returns the
 * number of matches.
 * @throws FormatError for a bad pattern (ERR_SYNTAX) or a malformed input.
 */
export async function queryInput(input: Input, options: QueryOptions, each: (matches: PathArena, symbols: SymbolTable | undefined) => Promise<void> | void): Promise<number> {
  // a bad pattern is reported before the input is opened
  compileQuery(options.pattern, options.prefix);
  const limit = options.limit ?? Infinity;
  return withRun(options.context, options, async (ctx) => {
    const { input: plain, format } = await resolveInput(input, options);
    let found = 0;
    // `release`: the batches are the run's own, handed back for reuse once scanned
    const scan = async (source: Iterable<PathArena> | AsyncIterable<PathArena>, release: boolean, query: Query, symbols: SymbolTable | undefined): Promise<void> => {
      for await (const batch of source) {
        ctx.checkAborted();
        const out = new PathArena(1 << 12, 64);
        const bytes = batch.bytes;
        for (let i = 0; i < batch.count && found < limit; i++) {
          const s = batch.start(i);
          const e = batch.end(i);
          if (query.matches(bytes, s, e)) {
            out.push(bytes, s, e);
            found++;
          }
        }
        if (release) batch.release();
        if (out.count > 0) await each(out, symbols);
        if (found >= limit) return;
      }
    };
    if (format.capabilities.prefixLookup) {
      const file = await openActInput(plain, ctx).catch((e: unknown) => {
        throw inFile(e, plain.name);
      });
      try {
        const query = compileQuery(options.pattern, options.prefix, options.symbols);
        await scan(file.prefixPaths(query.walkPrefix), true, query, options.symbols);
      } finally {
        file.close();
      }
    } else {
      // matches go out as they are found: the consumer cannot start over, so a claimed order is settled first
      await consumeSpace(plain, format, ctx, options, (space) => scan(space.batches, space.recycles === true, compileQuery(options.pattern, options.prefix, space.symbols), space.symbols));
    }
    return found;
  });
}
