/**
 * MeTTa text → MORK expression paths, as upstream's `Parser::sexpr` (frontend/src/bytestring_parser.rs)
 * with the kernel's tokenizer, parsed straight from the input bytes and fed in chunks of any size.
 *
 * Deliberate differences from upstream (docs/upstream-differences.md):
 * - a `;` comment right before `)` is accepted (upstream: UnexpectedRightBracket);
 * - end of input inside a list is always an error (upstream drops the atom silently after a comment);
 * - a quoted string still open at end of input is an error (upstream keeps it as a symbol);
 * - a symbol over 63 bytes is an error (upstream truncates silently) unless `longSymbols` is
 *   `truncate` (upstream's result, counted) or an `interner` gives every symbol an 8-byte id;
 * - a list of 64 or more elements is an error (upstream stores a reserved byte or panics).
 */
import { ErrorCode, FormatError, type Where } from '../errors.js';
import { PathArena } from '../path-arena.js';
import { ID_BYTES, TAG_ID, writeId } from '../symbols/table.js';
import { MAX_ARITY, MAX_SYMBOL_BYTES, MAX_VARIABLES, TAG_NEW_VAR } from './encoding.js';

/** Options of the text parser. */
export interface ParseOptions {
  /**
   * Treat carriage return as whitespace. Upstream does not: a CRLF file gains `\r` symbols there.
   * Defaults to false (upstream's behaviour).
   */
  crIsWhitespace: boolean;
  /**
   * What a symbol over 63 bytes becomes when there is no interner: `error` (default) reads on, then
   * fails at the end naming the first one and counting the rest; `truncate` keeps its first 63
   * bytes, as upstream's default build does, and counts it (`stats.longSymbols`); `throw` fails at
   * once (a worker's speculative parse: the run's thread then parses the chunk itself).
   */
  longSymbols: LongSymbols | 'throw';
  /**
   * Gives every symbol, short or long, its id (MORK's interning build): the path then holds `C8`
   * and the id's 8 bytes (symbols/table.ts). Absent: symbols are inline.
   */
  interner?: Interner;
}
export const DEFAULT_PARSE_OPTIONS: ParseOptions = { crIsWhitespace: false, longSymbols: 'error' };

/** What to do with a symbol over 63 bytes that is not interned. */
export type LongSymbols = 'error' | 'truncate';

/** Maps a symbol's bytes `buf[s..e)` to its id (a number below 2⁴⁷, not 0). */
export interface Interner {
  idOf(buf: Uint8Array, s: number, e: number): number;
}

const LF = 0x0a;
const CR = 0x0d;
const SEMI = 0x3b;
const LPAREN = 0x28;
const RPAREN = 0x29;
const DOLLAR = 0x24;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

// 1 = whitespace, 2 = ends a plain token (whitespace and parentheses).
function classTable(cr: boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (const b of [0x20, 0x09, LF, ...(cr ? [CR] : [])]) t[b] = 3;
  t[LPAREN] = 2;
  t[RPAREN] = 2;
  return t;
}
const CLASS_UPSTREAM = classTable(false);
const CLASS_CR = classTable(true);

/** Counts gathered while parsing. */
export interface ParseStats {
  /** Top-level expressions read (duplicates included). */
  topLevel: number;
  /** Input bytes consumed. */
  bytes: number;
  /** Carriage returns in the input when they are not whitespace (upstream makes them symbol bytes). */
  carriageReturns: number;
  /** Symbols over 63 bytes met without an interner (truncated, or to be reported). */
  longSymbols: number;
  /** Where the first of them starts, and its length. */
  /** Where the first was: a position, or (CSV, whose records may span lines) its record. */
  firstLong?: Where & { bytes: number; record?: number };
}

const INCOMPLETE = -1;
const FINISHED = -2;
// An incomplete expression this large is retried only once the input buffered doubles (avoids
// quadratic re-parsing); smaller remainders are retried at every push.
const RETRY_DOUBLING_BYTES = 1 << 16;

/**
 * A resumable parser: `push` chunks, then `end()`. Each complete top-level expression is appended
 * to the arena given to `push`/`end`, as one path.
 */
export class TextParser {
  readonly stats: ParseStats = { topLevel: 0, bytes: 0, carriageReturns: 0, longSymbols: 0 };
  readonly #cls: Uint8Array;
  // Unconsumed input: bytes of an expression split across chunks.
  #carry: Uint8Array = new Uint8Array(0);
  #carryLen = 0;
  // Retry an incomplete expression only once this much input is buffered (avoids quadratic re-parsing).
  #retryAt = 0;
  // Position bookkeeping for error messages: lines and bytes before the current buffer.
  #lineBase = 1;
  #lineStartBase = 0; // stream offset of the first byte of the current line
  #offsetBase = 0; // stream offset of buffer byte 0
  // Scratch for the expression being built, and the variable names of the current expression.
  #out: Uint8Array = new Uint8Array(4096);
  readonly #varStart = new Int32Array(MAX_VARIABLES);
  readonly #varLen = new Int32Array(MAX_VARIABLES);
  // Open lists: scratch position of the arity byte and stream offset of the '('.
  // (typed stacks with a depth, not JS arrays pushed and popped per list; grown by doubling)
  #openArity: Int32Array<ArrayBuffer> = new Int32Array(64);
  #openAt: Int32Array<ArrayBuffer> = new Int32Array(64);

  readonly #crIsWhitespace: boolean;
  readonly #longSymbols: LongSymbols | 'throw';
  readonly #interner: Interner | undefined;

  constructor(options: Partial<ParseOptions> = {}) {
    this.#crIsWhitespace = options.crIsWhitespace ?? false;
    this.#longSymbols = options.longSymbols ?? 'error';
    this.#interner = options.interner;
    this.#cls = this.#crIsWhitespace ? CLASS_CR : CLASS_UPSTREAM;
  }

  /** Parse every complete expression in the input so far into `arena`. */
  push(chunk: Uint8Array, arena: PathArena): void {
    this.stats.bytes += chunk.length;
    if (!this.#crIsWhitespace) this.stats.carriageReturns += countByte(chunk, CR);
    let buf: Uint8Array;
    let n: number;
    if (this.#carryLen === 0) {
      buf = chunk;
      n = chunk.length;
    } else {
      this.#appendCarry(chunk);
      if (this.#carryLen < this.#retryAt) return;
      buf = this.#carry;
      n = this.#carryLen;
    }
    const used = this.#run(buf, n, false, arena);
    this.#keep(buf, used, n);
  }

  /**
   * Finish: parse what is left; the input must end between expressions.
   * @throws FormatError ERR_LIMIT at the first symbol over 63 bytes under `longSymbols: 'error'`.
   */
  end(arena: PathArena): void {
    const used = this.#run(this.#carry, this.#carryLen, true, arena);
    this.#keep(this.#carry, used, this.#carryLen);
    if (this.#longSymbols === 'error') throwIfLong(this.stats);
  }

  #appendCarry(chunk: Uint8Array): void {
    const need = this.#carryLen + chunk.length;
    if (need > this.#carry.length) {
      const next = new Uint8Array(Math.max(need, this.#carry.length * 2));
      next.set(this.#carry.subarray(0, this.#carryLen));
      this.#carry = next;
    }
    this.#carry.set(chunk, this.#carryLen);
    this.#carryLen = need;
  }

  // Drop buf[0..used) (counting its lines for positions), keep buf[used..n) for the next push.
  #keep(buf: Uint8Array, used: number, n: number): void {
    const head = buf.subarray(0, used);
    const last = head.lastIndexOf(LF);
    if (last >= 0) {
      this.#lineBase += countByte(head, LF);
      this.#lineStartBase = this.#offsetBase + last + 1;
    }
    this.#offsetBase += used;
    const rest = n - used;
    if (rest > this.#carry.length) this.#carry = new Uint8Array(Math.max(rest * 2, 4096));
    // copyWithin handles the overlap when buf is the carry itself
    if (buf === this.#carry) this.#carry.copyWithin(0, used, n);
    else this.#carry.set(buf.subarray(used, n), 0);
    this.#carryLen = rest;
    this.#retryAt = rest > RETRY_DOUBLING_BYTES ? rest * 2 : 0;
  }

  /** Bytes fully parsed so far (pushed bytes minus the unconsumed remainder). */
  get consumed(): number {
    return this.stats.bytes - this.#carryLen;
  }

  /**
   * True when the parser stands between top-level expressions: what it holds unconsumed is only
   * whitespace and complete comments. Then the rest of the input parses the same from here on
   * whoever parses it (the parallel reader relies on this).
   */
  atTopLevel(): boolean {
    const buf = this.#carry;
    for (let p = 0; p < this.#carryLen; ) {
      const c = buf[p]!;
      if (this.#cls[c] === 3) p++;
      else if (c === SEMI) {
        const lf = buf.indexOf(LF, p);
        if (lf < 0 || lf >= this.#carryLen) return false;
        p = lf + 1;
      } else return false;
    }
    return true;
  }

  /**
   * Account for `region`, parsed elsewhere into `topLevel` expressions, as the next input. Only valid
   * when `atTopLevel()`; the whitespace held so far is dropped.
   */
  skipAhead(region: Uint8Array, topLevel: number, longSymbols = 0): void {
    this.#keep(this.#carry, this.#carryLen, this.#carryLen);
    this.stats.bytes += region.length;
    this.stats.topLevel += topLevel;
    this.stats.longSymbols += longSymbols;
    if (!this.#crIsWhitespace) this.stats.carriageReturns += countByte(region, CR);
    this.#keep(region, region.length, region.length);
  }

  #where(buf: Uint8Array, pos: number): Where {
    let line = this.#lineBase;
    let lineStart = this.#lineStartBase;
    for (let p = 0; p < pos; p++) {
      if (buf[p] === LF) {
        line++;
        lineStart = this.#offsetBase + p + 1;
      }
    }
    const offset = this.#offsetBase + pos;
    return { line, column: offset - lineStart + 1, offset };
  }

  #error(code: ErrorCode, message: string, buf: Uint8Array, pos: number): FormatError {
    return new FormatError(code, message, this.#where(buf, pos));
  }

  // Parse expressions from buf[0..n) into the arena; returns how many bytes were consumed.
  #run(buf: Uint8Array, n: number, final: boolean, arena: PathArena): number {
    let p = 0;
    for (;;) {
      const next = this.#expression(buf, p, n, final);
      if (next === INCOMPLETE || next === FINISHED) return next === FINISHED ? n : p;
      arena.push(this.#out, 0, this.#outLen);
      this.stats.topLevel++;
      p = next;
    }
  }

  #outLen = 0;

  // Read one top-level expression starting at buf[start]; leave its bytes in #out[0..#outLen).
  // Returns the position after it, INCOMPLETE (more input needed) or FINISHED (only space/comments left).
  #expression(buf: Uint8Array, start: number, n: number, final: boolean): number {
    const cls = this.#cls;
    let openArity = this.#openArity;
    let openAt = this.#openAt;
    let depth = 0;
    let out = this.#out;
    let w = 0;
    let vars = 0;
    let p = start;
    for (;;) {
      // Whitespace and comments. Skipping them before every item (also before ')') is what makes
      // a comment right before ')' legal here.
      while (p < n) {
        const c = buf[p]!;
        if (cls[c] === 3) {
          p++;
        } else if (c === SEMI) {
          const lf = buf.indexOf(LF, p);
          if (lf < 0 || lf >= n) {
            if (!final) return INCOMPLETE;
            p = n;
          } else {
            p = lf + 1;
          }
        } else {
          break;
        }
      }
      if (p >= n) {
        if (!final) return INCOMPLETE;
        if (depth === 0) return FINISHED;
        throw this.#error(ErrorCode.Syntax, `unclosed '(': input ends inside a list opened at ${this.#describe(buf, openAt[depth - 1]!)}`, buf, p);
      }
      if (out.length - w < 4 + MAX_SYMBOL_BYTES) out = this.#growOut(w);
      const c = buf[p]!;
      if (c === RPAREN) {
        if (depth === 0) throw this.#error(ErrorCode.Syntax, "unexpected ')' with no list open", buf, p);
        depth--;
        p++;
      } else {
        // a new item: count it in its list
        const top = depth - 1;
        if (top >= 0) {
          const at = openArity[top]!;
          if (out[at] === MAX_ARITY) throw this.#error(ErrorCode.Limit, `list has more than ${MAX_ARITY} elements (MORK's limit)`, buf, p);
          out[at]!++;
        }
        if (c === LPAREN) {
          if (depth === openArity.length) {
            [openArity, openAt] = this.#growOpen(depth);
          }
          openArity[depth] = w;
          openAt[depth++] = p;
          out[w++] = 0;
          p++;
          continue; // the item completes at its ')'
        }
        if (c === DOLLAR) {
          let e = p + 1;
          while (e < n && (cls[buf[e]!]! & 2) === 0) e++;
          if (e >= n && !final) return INCOMPLETE;
          const len = e - p;
          let k = 0;
          for (; k < vars; k++) {
            if (this.#varLen[k] === len && sameBytes(buf, this.#varStart[k]!, p, len)) break;
          }
          if (k < vars) {
            out[w++] = 0x80 | k;
          } else {
            if (vars === MAX_VARIABLES) throw this.#error(ErrorCode.Limit, `more than ${MAX_VARIABLES} variables in one expression (MORK's limit)`, buf, p);
            this.#varStart[vars] = p;
            this.#varLen[vars] = len;
            vars++;
            out[w++] = TAG_NEW_VAR;
          }
          p = e;
        } else {
          let e: number;
          if (c === QUOTE) {
            e = p + 1;
            for (;;) {
              if (e >= n) {
                if (!final) return INCOMPLETE;
                throw this.#error(ErrorCode.Syntax, 'unterminated string: input ends before its closing \'"\'', buf, p);
              }
              const d = buf[e]!;
              if (d === BACKSLASH) {
                if (e + 1 >= n) {
                  if (!final) return INCOMPLETE;
                  throw this.#error(ErrorCode.Syntax, 'unfinished escape sequence at end of input', buf, e);
                }
                e += 2;
              } else {
                e++;
                if (d === QUOTE) break;
              }
            }
          } else {
            e = p + 1;
            while (e < n && (cls[buf[e]!]! & 2) === 0) e++;
            if (e >= n && !final) return INCOMPLETE;
          }
          if (this.#interner !== undefined) {
            out[w++] = TAG_ID;
            writeId(this.#interner.idOf(buf, p, e), out, w);
            w += ID_BYTES;
          } else {
            let len = e - p;
            if (len > MAX_SYMBOL_BYTES) {
              if (this.#longSymbols === 'throw') throw this.#error(ErrorCode.Limit, `symbol of ${len} bytes is longer than ${MAX_SYMBOL_BYTES}`, buf, p);
              if (this.stats.longSymbols++ === 0) this.stats.firstLong = { ...this.#where(buf, p), bytes: len };
              len = MAX_SYMBOL_BYTES;
            }
            out[w++] = 0xc0 | len;
            for (let k = p; k < p + len; k++) out[w++] = buf[k]!;
          }
          p = e;
        }
      }
      if (depth === 0) {
        this.#outLen = w;
        return p;
      }
    }
  }

  #describe(buf: Uint8Array, pos: number): string {
    const w = this.#where(buf, pos);
    return `${w.line}:${w.column}`;
  }

  // Twice the room for open lists (the first `depth` entries kept); returns the new stacks.
  #growOpen(depth: number): [Int32Array<ArrayBuffer>, Int32Array<ArrayBuffer>] {
    const arity = new Int32Array(2 * this.#openArity.length);
    const at = new Int32Array(2 * this.#openAt.length);
    arity.set(this.#openArity.subarray(0, depth));
    at.set(this.#openAt.subarray(0, depth));
    this.#openArity = arity;
    this.#openAt = at;
    return [arity, at];
  }

  #growOut(w: number): Uint8Array {
    const next = new Uint8Array(this.#out.length * 2);
    next.set(this.#out.subarray(0, w));
    this.#out = next;
    return next;
  }
}

/**
 * Under `--long-symbols error`: the error for the first symbol over 63 bytes that `stats` met
 * (its position, and how many more), once the whole input is read. Shared by the text and JSON readers.
 * @throws FormatError ERR_LIMIT
 */
export function throwIfLong(stats: Pick<ParseStats, 'longSymbols' | 'firstLong'>): void {
  const first = stats.firstLong;
  if (first === undefined) return;
  const more = stats.longSymbols - 1;
  const { bytes, record, ...where } = first;
  throw new FormatError(ErrorCode.Limit, `${record !== undefined ? `record ${record}: ` : ''}symbol of ${bytes} bytes is longer than ${MAX_SYMBOL_BYTES}${more > 0 ? ` (and ${more} more in the input)` : ''}: --intern keeps such symbols whole (as 8-byte ids and a symbol table); --long-symbols truncate keeps their first ${MAX_SYMBOL_BYTES} bytes, as upstream's default build does`, where);
}

/** How many times `byte` occurs in `bytes` (native memchr steps: far faster than a byte loop). */
function countByte(bytes: Uint8Array, byte: number): number {
  let n = 0;
  for (let p = bytes.indexOf(byte); p >= 0; p = bytes.indexOf(byte, p + 1)) n++;
  return n;
}

function sameBytes(buf: Uint8Array, a: number, b: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (buf[a + k] !== buf[b + k]) return false;
  return true;
}

/** Parse a whole text into a new arena (duplicates kept, input order). */
export function parseText(text: Uint8Array | string, options: Partial<ParseOptions> = {}): PathArena {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const parser = new TextParser(options);
  const arena = new PathArena(bytes.length + 16, 1024);
  parser.push(bytes, arena);
  parser.end(arena);
  return arena;
}

/** Parse exactly one expression (a query pattern, say) into its path. */
export function parseExpression(text: string, options: Partial<ParseOptions> = {}): Uint8Array {
  const arena = parseText(text, options);
  if (arena.count !== 1) throw new FormatError(ErrorCode.Syntax, `expected one expression, found ${arena.count}`, { offset: 0 });
  return arena.copyPath(0);
}
