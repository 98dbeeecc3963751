/**
 * JSON and JSONL input, mapped to atoms as MORK's `load_json` does (kernel/src/space.rs with
 * frontend/src/json_parser.rs; docs/import.md): one atom per leaf, a right-nested chain of its keys
 * `(k1 (k2 … leaf))`, array indices as decimal symbols, strings unquoted with their escapes
 * decoded, numbers as MORK spells them (`[-]mantissa[e exponent]`: 1.50 → 150e-2), `true`,
 * `false`, `null`, and `[]` / `{}` for empty containers. JSONL is one document per line, each the
 * element of a top-level array: `(n (k v))` for the n-th document (0-based, blank lines skipped).
 *
 * A streaming byte parser: the structure lives on a stack, only a token cut by a chunk boundary is
 * carried over, so a multi-GB document is never held whole.
 */
import { ErrorCode, FormatError, type Where } from '../errors.js';
import { MAX_SYMBOL_BYTES } from '../expr/encoding.js';
import { throwIfLong, type Interner, type LongSymbols } from '../expr/parser.js';
import type { Input } from '../io/input.js';
import { PathArena } from '../path-arena.js';
import { gatherSymbols } from '../symbols/gather.js';
import { ID_BYTES, TAG_ID, writeId } from '../symbols/table.js';
import type { RunContext } from '../run/context.js';
import { Evidence, type Format } from './format.js';

/** Nesting MORK's parser accepts (its `DEPTH_LIMIT`). */
export const JSON_DEPTH_LIMIT = 512;
/** MORK stops taking mantissa digits from here on, and counts the rest in the exponent. */
const MANTISSA_STOP = 576460752303423500n;

const enum Expect {
  Value,
  /** After `[`: `]` (an empty array) or the first element. */
  ElementOrEnd,
  KeyOrEnd,
  Key,
  Colon,
  CommaOrEnd,
  Done,
}

interface Frame {
  array: boolean;
  /** The next element's index (arrays). */
  index: number;
  /** Length of the path prefix before this container's member. */
  base: number;
}

/** What the JSON reader counts. */
export interface JsonStats {
  /** Leaves read (atoms before de-duplication). */
  leaves: number;
  /** Documents read (JSONL lines with a document; 1 for JSON). */
  documents: number;
  longSymbols: number;
  firstLong?: Where & { bytes: number };
}

const WS = new Uint8Array(256);
for (const b of [0x20, 0x09, 0x0a, 0x0d]) WS[b] = 1;

/**
 * A resumable JSON → paths parser: `push` chunks, then `end()`. `lines`: JSONL (a document per line,
 * numbered as array elements).
 */
export class JsonParser {
  readonly stats: JsonStats = { leaves: 0, documents: 0, longSymbols: 0 };
  readonly #lines: boolean;
  readonly #longSymbols: LongSymbols;
  readonly #maxToken: number;
  #prefix = new Uint8Array(1024);
  #prefixLen = 0;
  #stack: Frame[] = [];
  #expect = Expect.Value;
  #carry: Uint8Array = new Uint8Array(0);
  // position of the next byte, for messages
  #line = 1;
  #column = 1;
  #offset = 0;
  #started = false;
  // JSONL: documents so far, and whether the current line holds one
  #document = 0;

  readonly #interner: Interner | undefined;

  constructor(options: { lines?: boolean; longSymbols?: LongSymbols; maxTokenBytes?: number; interner?: Interner } = {}) {
    this.#lines = options.lines ?? false;
    this.#interner = options.interner;
    this.#longSymbols = options.longSymbols ?? 'error';
    this.#maxToken = options.maxTokenBytes ?? 256 << 20;
  }

  push(chunk: Uint8Array, out: PathArena): void {
    let buf = chunk;
    if (this.#carry.length > 0) {
      buf = new Uint8Array(this.#carry.length + chunk.length);
      buf.set(this.#carry);
      buf.set(chunk, this.#carry.length);
    }
    const used = this.#run(buf, false, out);
    this.#carry = buf.slice(used);
    if (this.#carry.length > this.#maxToken) throw this.#error(ErrorCode.Limit, `a token of more than ${this.#maxToken} bytes`, buf, used);
  }

  /** @throws FormatError at input that ends inside a document, or the first long symbol under `error`. */
  end(out: PathArena): void {
    const buf = this.#carry;
    this.#run(buf, true, out);
    this.#carry = new Uint8Array(0);
    if (this.#lines) {
      if (this.#expect !== Expect.Value && this.#expect !== Expect.Done) throw this.#error(ErrorCode.Syntax, 'input ends inside a document', buf, buf.length);
    } else if (this.#expect !== Expect.Done) {
      throw this.#error(ErrorCode.Syntax, this.#started ? 'input ends inside the document' : 'no JSON document in the input', buf, buf.length);
    }
    if (this.#longSymbols === 'error') throwIfLong(this.stats);
  }

  // the index in the buffer being parsed up to which the counters have advanced
  #pos = 0;

  #where(buf: Uint8Array, upTo: number): Where {
    // the counters moved on over buf[#pos..upTo) without consuming (for a message)
    let line = this.#line;
    let column = this.#column;
    for (let p = this.#pos; p < upTo; p++) {
      if (buf[p] === 0x0a) {
        line++;
        column = 1;
      } else column++;
    }
    return { line, column, offset: this.#offset + upTo - this.#pos };
  }

  #error(code: ErrorCode, message: string, buf: Uint8Array, at: number): FormatError {
    return new FormatError(code, message, this.#where(buf, at));
  }

  // Consume buf[0..to): positions move on.
  #advance(buf: Uint8Array, from: number, to: number): void {
    for (let p = from; p < to; p++) {
      if (buf[p] === 0x0a) {
        this.#line++;
        this.#column = 1;
      } else this.#column++;
    }
    this.#offset += to - from;
    this.#pos = to;
  }

  // Parse buf as far as whole tokens go; returns the bytes used (the rest is an unfinished token).
  #run(buf: Uint8Array, final: boolean, out: PathArena): number {
    let p = 0;
    this.#pos = 0;
    const n = buf.length;
    for (;;) {
      // whitespace (a line feed ends a JSONL document)
      let q = p;
      while (q < n && WS[buf[q]!] === 1) {
        if (buf[q] === 0x0a && this.#lines) {
          if (this.#expect === Expect.Done) this.#expect = Expect.Value;
          else if (this.#expect !== Expect.Value || this.#stack.length > 0) {
            throw this.#error(ErrorCode.Syntax, 'the line ends inside its document (JSONL holds one whole document per line)', buf, q);
          }
        }
        q++;
      }
      this.#advance(buf, p, q);
      p = q;
      if (p >= n) return p;
      const c = buf[p]!;
      switch (this.#expect) {
        case Expect.Done:
          throw this.#error(ErrorCode.Syntax, this.#lines ? 'a second document on one line (JSONL holds one per line)' : 'more after the end of the document (one JSON document per file; JSONL for one per line)', buf, p);
        case Expect.Colon:
          if (c !== 0x3a) throw this.#error(ErrorCode.Syntax, "expected ':' after an object key", buf, p);
          this.#advance(buf, p, p + 1);
          p++;
          this.#expect = Expect.Value;
          continue;
        case Expect.CommaOrEnd: {
          const top = this.#stack[this.#stack.length - 1]!;
          if (c === 0x2c) {
            this.#advance(buf, p, p + 1);
            p++;
            this.#prefixLen = top.base;
            if (top.array) this.#member(this.#indexBytes(top.index++), 0, -1);
            this.#expect = top.array ? Expect.Value : Expect.Key;
            continue;
          }
          if (c === (top.array ? 0x5d : 0x7d)) {
            this.#advance(buf, p, p + 1);
            p++;
            this.#close();
            continue;
          }
          throw this.#error(ErrorCode.Syntax, `expected ',' or '${top.array ? ']' : '}'}'`, buf, p);
        }
        case Expect.Key:
        case Expect.KeyOrEnd: {
          if (c === 0x7d && this.#expect === Expect.KeyOrEnd) {
            p = this.#empty(EMPTY_OBJECT, buf, p, out);
            continue;
          }
          if (c !== 0x22) throw this.#error(ErrorCode.Syntax, 'expected an object key (a string)', buf, p);
          const end = this.#string(buf, p, final);
          if (end < 0) return p;
          const top = this.#stack[this.#stack.length - 1]!;
          this.#prefixLen = top.base;
          this.#member(this.#scratch, 0, this.#scratchLen, buf, p);
          this.#advance(buf, p, end);
          p = end;
          this.#expect = Expect.Colon;
          continue;
        }
        case Expect.ElementOrEnd: {
          if (c === 0x5d) {
            p = this.#empty(EMPTY_ARRAY, buf, p, out);
            continue;
          }
          const top = this.#stack[this.#stack.length - 1]!;
          this.#member(this.#indexBytes(top.index++), 0, -1);
          this.#expect = Expect.Value;
          continue; // the same byte, as the element's first
        }
        case Expect.Value: {
          if (!this.#started || (this.#lines && this.#stack.length === 0)) this.#startDocument();
          if (c === 0x7b || c === 0x5b) {
            if (this.#stack.length >= JSON_DEPTH_LIMIT) throw this.#error(ErrorCode.Limit, `nesting deeper than ${JSON_DEPTH_LIMIT} (MORK's limit)`, buf, p);
            const array = c === 0x5b;
            this.#stack.push({ array, index: 0, base: this.#prefixLen });
            this.#advance(buf, p, p + 1);
            p++;
            this.#expect = array ? Expect.ElementOrEnd : Expect.KeyOrEnd;
            continue;
          }
          // a string or a number: decoded (or spelled as MORK spells it) into the scratch, then a leaf
          if (c === 0x22 || c === 0x2d || (c >= 0x30 && c <= 0x39)) {
            const end = c === 0x22 ? this.#string(buf, p, final) : this.#number(buf, p, final);
            if (end < 0) return p;
            this.#leaf(this.#scratch, this.#scratchLen, out, buf, p);
            this.#advance(buf, p, end);
            p = end;
            this.#afterValue();
            continue;
          }
          const word = c === 0x74 ? TRUE : c === 0x66 ? FALSE : c === 0x6e ? NULL : undefined;
          if (word !== undefined) {
            if (n - p < word.length && !final) return p;
            for (let k = 0; k < word.length; k++) if (buf[p + k] !== word[k]) throw this.#error(ErrorCode.Syntax, `expected ${new TextDecoder().decode(word)}`, buf, p);
            this.#leafText(word, out);
            this.#advance(buf, p, p + word.length);
            p += word.length;
            this.#afterValue();
            continue;
          }
          throw this.#error(ErrorCode.Syntax, c === 0x5d || c === 0x7d ? `unexpected '${String.fromCharCode(c)}'` : `expected a JSON value, found byte 0x${c.toString(16).padStart(2, '0')}`, buf, p);
        }
      }
    }
  }

  // `{}` or `[]` closed at buf[p]: the container is the leaf, its symbol at this position. Returns the offset after it.
  #empty(symbol: Uint8Array, buf: Uint8Array, p: number, out: PathArena): number {
    this.#advance(buf, p, p + 1);
    this.#stack.pop();
    this.#leafText(symbol, out);
    this.#afterValue();
    return p + 1;
  }

  #startDocument(): void {
    this.#started = true;
    this.stats.documents++;
    this.#prefixLen = 0;
    if (this.#lines) this.#member(this.#indexBytes(this.#document++), 0, -1);
  }

  #afterValue(): void {
    if (this.#stack.length === 0) {
      this.#expect = Expect.Done;
      return;
    }
    this.#expect = Expect.CommaOrEnd;
  }

  #close(): void {
    this.#prefixLen = this.#stack.pop()!.base;
    this.#afterValue();
  }

  // The decimal text of an array index, in the scratch.
  #indexBytes(i: number): Uint8Array {
    const s = String(i);
    const b = this.#ensureScratch(s.length);
    for (let k = 0; k < s.length; k++) b[k] = s.charCodeAt(k);
    this.#scratchLen = s.length;
    return b;
  }

  // Descend by member `key[from..to)` (to < 0: the scratch's length): `[2]` and the key symbol.
  #member(key: Uint8Array, from: number, to: number, buf?: Uint8Array, at?: number): void {
    const len = this.#symbolLength((to < 0 ? this.#scratchLen : to) - from, buf, at);
    this.#ensurePrefix(2 + Math.max(len, ID_BYTES));
    this.#prefix[this.#prefixLen++] = 0x02;
    this.#prefixLen = this.#symbol(key, from, len, this.#prefixLen);
  }

  // Write the symbol `bytes[from..from+len)` at #prefix[at] (room made): its tag and bytes, or with
  // an interner the tag of an 8-byte id and the id. Returns the end.
  #symbol(bytes: Uint8Array, from: number, len: number, at: number): number {
    if (this.#interner !== undefined) {
      this.#prefix[at] = TAG_ID;
      writeId(this.#interner.idOf(bytes, from, from + len), this.#prefix, at + 1);
      return at + 1 + ID_BYTES;
    }
    // MORK writes an empty string as SymbolSize(0), the byte 0xC0: which reads as a variable ($)
    this.#prefix[at] = 0xc0 | len;
    this.#prefix.set(bytes.subarray(from, from + len), at + 1);
    return at + 1 + len;
  }

  // A symbol's length after the long-symbol rule (a count, and the first one's place, when cut).
  #symbolLength(len: number, buf?: Uint8Array, at?: number): number {
    if (len <= MAX_SYMBOL_BYTES || this.#interner !== undefined) return len;
    if (this.stats.longSymbols++ === 0) this.stats.firstLong = { ...(buf ? this.#where(buf, at!) : { line: this.#line, column: this.#column, offset: this.#offset }), bytes: len };
    return MAX_SYMBOL_BYTES;
  }

  #leaf(sym: Uint8Array, len: number, out: PathArena, buf: Uint8Array, at: number): void {
    const cut = this.#symbolLength(len, buf, at);
    this.#emit(sym, cut, out);
  }

  #leafText(sym: Uint8Array, out: PathArena): void {
    this.#emit(sym, sym.length, out);
  }

  #emit(sym: Uint8Array, len: number, out: PathArena): void {
    this.#ensurePrefix(1 + Math.max(len, ID_BYTES));
    out.push(this.#prefix, 0, this.#symbol(sym, 0, len, this.#prefixLen));
    this.stats.leaves++;
  }

  #ensurePrefix(extra: number): void {
    if (this.#prefixLen + extra <= this.#prefix.length) return;
    const next = new Uint8Array(Math.max(2 * this.#prefix.length, this.#prefixLen + extra));
    next.set(this.#prefix.subarray(0, this.#prefixLen));
    this.#prefix = next;
  }

  #scratch = new Uint8Array(256);
  #scratchLen = 0;
  #ensureScratch(n: number): Uint8Array {
    if (n > this.#scratch.length) this.#scratch = new Uint8Array(Math.max(n, 2 * this.#scratch.length));
    return this.#scratch;
  }

  /**
   * The string starting at buf[p] (its opening quote), decoded into the scratch; returns the offset
   * after its closing quote, or -1 when the chunk ends first (and more may come).
   */
  #string(buf: Uint8Array, p: number, final: boolean): number {
    const n = buf.length;
    let w = 0;
    let out = this.#ensureScratch(64);
    for (let q = p + 1; ; ) {
      if (q >= n) {
        if (!final) return -1;
        throw this.#error(ErrorCode.Syntax, 'input ends inside a string', buf, p);
      }
      if (w + 4 > out.length) {
        const next = new Uint8Array(2 * out.length + 4);
        next.set(out.subarray(0, w));
        out = this.#scratch = next;
      }
      const c = buf[q]!;
      if (c === 0x22) {
        this.#scratchLen = w;
        return q + 1;
      }
      if (c < 0x20) throw this.#error(ErrorCode.Syntax, `a control byte 0x${c.toString(16).padStart(2, '0')} inside a string (JSON needs it escaped)`, buf, q);
      if (c !== 0x5c) {
        out[w++] = c;
        q++;
        continue;
      }
      if (q + 1 >= n) {
        if (!final) return -1;
        throw this.#error(ErrorCode.Syntax, 'input ends inside a string', buf, p);
      }
      const e = buf[q + 1]!;
      const simple = e === 0x22 ? 0x22 : e === 0x5c ? 0x5c : e === 0x2f ? 0x2f : e === 0x62 ? 0x08 : e === 0x66 ? 0x0c : e === 0x6e ? 0x0a : e === 0x72 ? 0x0d : e === 0x74 ? 0x09 : -1;
      if (simple >= 0) {
        out[w++] = simple;
        q += 2;
        continue;
      }
      if (e !== 0x75) throw this.#error(ErrorCode.Syntax, `unknown escape '\\${String.fromCharCode(e)}'`, buf, q);
      const hex = (at: number): number => {
        if (at + 4 > n) return -2;
        let v = 0;
        for (let k = 0; k < 4; k++) {
          const h = buf[at + k]!;
          const d = h >= 0x30 && h <= 0x39 ? h - 0x30 : h >= 0x41 && h <= 0x46 ? h - 0x37 : h >= 0x61 && h <= 0x66 ? h - 0x57 : -1;
          if (d < 0) return -1;
          v = v * 16 + d;
        }
        return v;
      };
      let cp = hex(q + 2);
      if (cp === -2) {
        if (!final) return -1;
        throw this.#error(ErrorCode.Syntax, 'input ends inside a \\u escape', buf, q);
      }
      if (cp < 0) throw this.#error(ErrorCode.Syntax, 'a \\u escape needs four hex digits', buf, q);
      let len = 6;
      if (cp >= 0xd800 && cp <= 0xdbff) {
        if (q + 12 > n && !final) return -1;
        const low = buf[q + 6] === 0x5c && buf[q + 7] === 0x75 ? hex(q + 8) : -1;
        if (low < 0xdc00 || low > 0xdfff) throw this.#error(ErrorCode.Syntax, 'a high surrogate \\u escape without its low half', buf, q);
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        len = 12;
      } else if (cp >= 0xdc00 && cp <= 0xdfff) throw this.#error(ErrorCode.Syntax, 'a low surrogate \\u escape without its high half', buf, q);
      if (cp < 0x80) out[w++] = cp;
      else if (cp < 0x800) {
        out[w++] = 0xc0 | (cp >> 6);
        out[w++] = 0x80 | (cp & 0x3f);
      } else if (cp < 0x10000) {
        out[w++] = 0xe0 | (cp >> 12);
        out[w++] = 0x80 | ((cp >> 6) & 0x3f);
        out[w++] = 0x80 | (cp & 0x3f);
      } else {
        out[w++] = 0xf0 | (cp >> 18);
        out[w++] = 0x80 | ((cp >> 12) & 0x3f);
        out[w++] = 0x80 | ((cp >> 6) & 0x3f);
        out[w++] = 0x80 | (cp & 0x3f);
      }
      q += len;
    }
  }

  /**
   * The number at buf[p], spelled as MORK spells it, into the scratch; returns the offset after it,
   * or -1 when the chunk ends inside it. Digits go into the mantissa (a fraction's each lowering the
   * exponent) until it reaches MANTISSA_STOP; later integer digits raise the exponent instead.
   */
  #number(buf: Uint8Array, p: number, final: boolean): number {
    const n = buf.length;
    let q = p;
    const negative = buf[q] === 0x2d;
    if (negative) q++;
    const digit = (at: number): boolean => at < n && buf[at]! >= 0x30 && buf[at]! <= 0x39;
    let mantissa = 0n;
    let exponent = 0;
    let full = false;
    const take = (d: number, fraction: boolean): void => {
      if (full) {
        if (!fraction) exponent++;
        return;
      }
      mantissa = mantissa * 10n + BigInt(d);
      if (fraction) exponent--;
      if (mantissa >= MANTISSA_STOP) full = true;
    };
    if (!digit(q)) {
      if (q >= n && !final) return -1;
      throw this.#error(ErrorCode.Syntax, "a '-' not followed by a digit", buf, p);
    }
    if (buf[q] === 0x30 && digit(q + 1)) throw this.#error(ErrorCode.Syntax, 'a number with a leading zero', buf, p);
    while (digit(q)) take(buf[q++]! - 0x30, false);
    if (q < n && buf[q] === 0x2e) {
      q++;
      if (!digit(q)) {
        if (q >= n && !final) return -1;
        throw this.#error(ErrorCode.Syntax, "a '.' not followed by a digit", buf, q);
      }
      while (digit(q)) take(buf[q++]! - 0x30, true);
    }
    if (q < n && (buf[q] === 0x65 || buf[q] === 0x45)) {
      q++;
      let sign = 1;
      if (q < n && (buf[q] === 0x2b || buf[q] === 0x2d)) sign = buf[q++] === 0x2d ? -1 : 1;
      if (!digit(q)) {
        if (q >= n && !final) return -1;
        throw this.#error(ErrorCode.Syntax, 'an exponent without digits', buf, q);
      }
      let e = 0;
      while (digit(q)) e = Math.min(1e6, e * 10 + (buf[q++]! - 0x30));
      exponent += sign * e;
    }
    if (q >= n && !final) return -1; // more digits may follow in the next chunk
    const text = `${negative ? '-' : ''}${mantissa}${exponent !== 0 ? `e${exponent}` : ''}`;
    const b = this.#ensureScratch(text.length);
    for (let k = 0; k < text.length; k++) b[k] = text.charCodeAt(k);
    this.#scratchLen = text.length;
    return q;
  }
}

const TRUE = new TextEncoder().encode('true');
const FALSE = new TextEncoder().encode('false');
const NULL = new TextEncoder().encode('null');
const EMPTY_ARRAY = new TextEncoder().encode('[]');
const EMPTY_OBJECT = new TextEncoder().encode('{}');

/** Stream JSON (or JSONL) into batches of paths, one per leaf, in document order. */
export async function* readJson(input: AsyncIterable<Uint8Array>, options: { lines?: boolean; longSymbols?: LongSymbols; maxTokenBytes?: number; interner?: Interner; signal?: AbortSignal } = {}, stats?: { json?: JsonStats }): AsyncGenerator<PathArena> {
  const parser = new JsonParser(options);
  if (stats) stats.json = parser.stats;
  for await (const chunk of input) {
    options.signal?.throwIfAborted();
    const arena = new PathArena(2 * chunk.length + 1024, 1024);
    parser.push(chunk, arena);
    if (arena.count > 0) yield arena;
    else arena.release();
  }
  const arena = new PathArena(1024, 16);
  parser.end(arena);
  if (arena.count > 0) yield arena;
}

/** What the JSON readers learn. */
export interface JsonFacts {
  leaves: number;
  documents: number;
  truncatedSymbols: number;
  /** Distinct symbols interned (`--intern`). */
  internedSymbols?: number;
}

function jsonFormat(name: 'json' | 'jsonl', extensions: string[], lines: boolean): Format<JsonFacts> {
  return {
    name,
    extensions,
    binary: false,
    writable: false,
    capabilities: { prefixLookup: false, quickInspect: false, verifies: lines ? 'every line is one JSON document' : 'the file is one JSON document', symbols: 'printed' },
    flags: { read: ['longSymbols', 'intern'], write: [] },
    // JSON has no magic, and `{`, `[` and `"` start MeTTa symbols too: the extension or --from decides
    sniff: () => Evidence.None,
    async open(input: Input, ctx: RunContext, options = {}) {
      const facts: JsonFacts = { leaves: 0, documents: 0, truncatedSymbols: 0 };
      const longSymbols = options.text?.longSymbols === 'truncate' ? ('truncate' as const) : undefined;
      const read = (source: Input, interner?: Interner, stats?: { json?: JsonStats }): AsyncGenerator<PathArena> =>
        readJson(source.chunks(), { lines, ...(longSymbols ? { longSymbols } : {}), ...(interner ? { interner } : {}), maxTokenBytes: ctx.longestPath(), signal: ctx.signal }, stats);
      const symbols = options.text?.intern === true ? await gatherSymbols(input, ctx, (source, collector) => read(source, collector.gathering())) : undefined;
      if (symbols) facts.internedSymbols = symbols.table.count;
      async function* batches(): AsyncGenerator<PathArena> {
        try {
          const stats: { json?: JsonStats } = {};
          yield* read(symbols?.input ?? input, symbols?.collector, stats);
          facts.leaves = stats.json!.leaves;
          facts.documents = stats.json!.documents;
          facts.truncatedSymbols = stats.json!.longSymbols;
          if (facts.truncatedSymbols > 0) {
            const first = stats.json!.firstLong!;
            ctx.warn(`${input.name}: ${facts.truncatedSymbols} ${facts.truncatedSymbols === 1 ? 'string, key or number' : 'strings, keys or numbers'} over 63 bytes cut to their first 63 bytes, as upstream's loader does (the first at ${first.line}:${first.column}, ${first.bytes} bytes); --intern keeps them whole`);
          }
        } finally {
          symbols?.done();
        }
      }
      return { batches: batches(), order: 'unsorted', recycles: true, sizeHint: input.size !== undefined ? { inputBytes: input.size, pathBytes: input.size } : {}, facts, ...(symbols ? { symbols: symbols.table } : {}) };
    },
    async write() {
      throw new FormatError(ErrorCode.Usage, `${name} is read, not written`, {});
    },
    describe: (f) => ({ documents: f.documents, leaves: f.leaves, ...(f.truncatedSymbols > 0 ? { truncatedSymbols: f.truncatedSymbols } : {}), ...(f.internedSymbols !== undefined ? { internedSymbols: f.internedSymbols } : {}) }),
  };
}

/** The `json` entry of the format table (read only): MORK's `load_json` mapping. */
export const jsonInputFormat = jsonFormat('json', ['.json'], false);
/** The `jsonl` entry: one document per line (`.jsonl`, `.ndjson`). */
export const jsonlFormat = jsonFormat('jsonl', ['.jsonl', '.ndjson'], true);
