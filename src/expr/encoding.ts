/**
 * MORK's expression byte encoding (expr/src/lib.rs): one tag byte per item, prefix order.
 *   00..3F Arity(n)  · 40..7F reserved · 80..BF VarRef(i) · C0 NewVar · C1..FF SymbolSize(n) + n bytes
 */
import { takeBytes } from '../buffers.js';
import { ErrorCode, FormatError } from '../errors.js';
import { ID_BYTES, TAG_ID, idText, readId, type SymbolTable } from '../symbols/table.js';

export const MAX_ARITY = 63;
export const MAX_VARIABLES = 64;
export const MAX_SYMBOL_BYTES = 63;
export const TAG_NEW_VAR = 0xc0;

/** Kinds of tag byte. */
export const enum TagKind {
  Arity = 0,
  Reserved = 1,
  VarRef = 2,
  NewVar = 3,
  Symbol = 4,
}

export function tagKind(b: number): TagKind {
  if (b < 0x40) return TagKind.Arity;
  if (b < 0x80) return TagKind.Reserved;
  if (b < 0xc0) return TagKind.VarRef;
  return b === TAG_NEW_VAR ? TagKind.NewVar : TagKind.Symbol;
}

/** Upstream's `Expr::VARNAMES`: `$a`..`$j`, then `$x10`..`$x63`. */
export const VARNAMES: readonly string[] = Array.from({ length: MAX_VARIABLES }, (_, k) => (k < 10 ? `$${String.fromCharCode(97 + k)}` : `$x${k}`));
// The names past `$j` ("$x10".."$x63"), 4 bytes each at 4 * (k - 10): the printer writes `$a`..`$j`
// as two bytes of its own, and the rest from here with no array of arrays to go through.
const LONG_VARNAMES = new TextEncoder().encode(VARNAMES.slice(10).join(''));
const DOLLAR = 0x24;
const LETTER_A = 0x61;

/** Shape of one valid expression, as found by `scanExpression`. */
export interface ExpressionShape {
  /** Maximum list nesting (a bare symbol or variable has depth 0). */
  depth: number;
  /** Number of NewVar items. */
  variables: number;
  /** Number of items (tags). */
  items: number;
}

function notExpression(message: string, offset: number): FormatError {
  return new FormatError(ErrorCode.NotExpression, message, { offset, offsetOf: 'path byte' });
}

/**
 * Check that `bytes[start..end)` holds exactly one expression, strictly: no reserved tags, no
 * reference to a variable not yet introduced, no more than 64 variables, nothing after the end.
 * Calls `onSymbol(start, end)` for every symbol's bytes when given.
 * @throws FormatError ERR_NOT_EXPRESSION with `offset` relative to `start`.
 */
export function scanExpression(bytes: Uint8Array, start: number, end: number, onSymbol?: (s: number, e: number) => void, onArity?: (arity: number) => void): ExpressionShape {
  // remaining[k]: items still to read in the k-th open list (at most one list per byte). The
  // module's stack is reused unless a callback scans again while this scan is running.
  const remaining = scanning === 0 && end - start <= SCAN_LISTS.length ? SCAN_LISTS : new Uint8Array(Math.max(1, end - start));
  scanning++;
  try {
    return scanWith(remaining, bytes, start, end, onSymbol, onArity);
  } finally {
    scanning--;
  }
}

let scanning = 0;
const SCAN_LISTS = new Uint8Array(4096);

function scanWith(remaining: Uint8Array, bytes: Uint8Array, start: number, end: number, onSymbol?: (s: number, e: number) => void, onArity?: (arity: number) => void): ExpressionShape {
  let p = start;
  let maxDepth = 0;
  let vars = 0;
  let items = 0;
  let top = -1;
  for (;;) {
    if (p >= end) throw notExpression(p === start ? 'empty path is not an expression' : 'path ends inside an expression', p - start);
    const b = bytes[p]!;
    items++;
    switch (tagKind(b)) {
      case TagKind.Arity:
        onArity?.(b);
        p++;
        if (top + 2 > maxDepth) maxDepth = top + 2;
        if (b > 0) {
          remaining[++top] = b;
          continue; // the list is complete after its children
        }
        break;
      case TagKind.Reserved:
        throw notExpression(`reserved tag byte 0x${b.toString(16)}`, p - start);
      case TagKind.VarRef:
        if ((b & 0x3f) >= vars) throw notExpression(`variable reference ${b & 0x3f} before that variable is introduced`, p - start);
        p++;
        break;
      case TagKind.NewVar:
        if (vars === MAX_VARIABLES) throw notExpression('more than 64 variables', p - start);
        vars++;
        p++;
        break;
      case TagKind.Symbol: {
        const n = b & 0x3f;
        if (p + 1 + n > end) throw notExpression(`symbol of ${n} bytes runs past the end of the path`, p - start);
        onSymbol?.(p + 1, p + 1 + n);
        p += 1 + n;
        break;
      }
    }
    // an item is complete: close every list whose last item it was
    for (;;) {
      if (top < 0) {
        if (p !== end) throw notExpression(`${end - p} bytes after the end of the expression`, p - start);
        return { depth: maxDepth, variables: vars, items };
      }
      const r = remaining[top]! - 1;
      if (r > 0) {
        remaining[top] = r;
        break;
      }
      top--;
    }
  }
}

/** A growable output byte buffer. */
export class ByteWriter {
  buf: Uint8Array;
  pos = 0;
  /** With `buf`, the writer writes into that buffer (a lent one) until it must grow. */
  constructor(capacity = 1 << 16, buf?: Uint8Array) {
    this.buf = buf ?? takeBytes(capacity);
  }
  ensure(extra: number): Uint8Array {
    const need = this.pos + extra;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.pos));
      this.buf = next;
    }
    return this.buf;
  }
  /** The written bytes, as a fresh array; resets the writer. */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    this.pos = 0;
    return out;
  }
  /**
   * The written bytes in the writer's own buffer, which passes to the caller (to give back once
   * written: `writeChunks`); the writer goes on in a buffer of the same size from buffers.ts.
   */
  handOver(): Uint8Array {
    const out = this.buf.subarray(0, this.pos);
    this.buf = takeBytes(this.buf.length);
    this.pos = 0;
    return out;
  }
}

const SPACE = 0x20;
// the printer's stack of open lists, reused (a path longer than this gets one of its own)
const OPEN_LISTS = new Uint8Array(4096);
const LPAREN = 0x28;
const RPAREN = 0x29;
const LF = 0x0a;

/**
 * Append the text of the expression `bytes[start..end)` and a line feed to `out`, exactly as
 * upstream's `dump_all_sexpr` prints it: symbols verbatim, one space between list items,
 * variables renamed `$a`..`$j`, `$x10`..`$x63` in order of introduction. With `symbols`, every
 * 8-byte symbol is an id and prints as the text the table gives it (MORK's interning build).
 * @throws FormatError ERR_NOT_EXPRESSION where the path is not one valid expression;
 * ERR_UNKNOWN_SYMBOL for an id the table lacks.
 */
export function printExpression(bytes: Uint8Array, start: number, end: number, out: ByteWriter, symbols?: SymbolTable): void {
  // Per tag byte at most 5 bytes of text ("$x63" and a space), plus the LF.
  let buf = out.ensure(5 * (end - start) + 2);
  let o = out.pos;
  let p = start;
  let vars = 0;
  // items left in each open list, innermost last: at most one list per byte of the path
  const remaining = end - start <= OPEN_LISTS.length ? OPEN_LISTS : new Uint8Array(end - start);
  let top = -1;
  for (;;) {
    if (p >= end) throw notExpression(p === start ? 'empty path is not an expression' : 'path ends inside an expression', p - start);
    const b = bytes[p++]!;
    if (b < 0x40) {
      buf[o++] = LPAREN;
      if (b > 0) {
        remaining[++top] = b;
        continue;
      }
      buf[o++] = RPAREN;
    } else if (b >= 0xc0) {
      if (b === TAG_NEW_VAR) {
        if (vars === MAX_VARIABLES) throw notExpression('more than 64 variables', p - 1 - start);
        o = writeVarName(buf, o, vars++);
      } else {
        const n = b & 0x3f;
        if (p + n > end) throw notExpression(`symbol of ${n} bytes runs past the end of the path`, p - 1 - start);
        if (b === TAG_ID && symbols !== undefined) {
          const id = readId(bytes, p);
          const text = id < 0 ? undefined : symbols.lookup(id);
          if (text === undefined) throw new FormatError(ErrorCode.UnknownSymbol, `symbol id ${idText(id < 0 ? readIdLoose(bytes, p) : id)} is not in the symbol table`, { offset: p - start, offsetOf: 'path byte' });
          out.pos = o;
          buf = out.ensure(text.length + 5 * (end - p) + 2);
          buf.set(text, o);
          o += text.length;
          p += ID_BYTES;
        } else {
          for (let k = 0; k < n; k++) buf[o++] = bytes[p + k]!;
          p += n;
        }
      }
    } else if (b >= 0x80) {
      const i = b & 0x3f;
      if (i >= vars) throw notExpression(`variable reference ${i} before that variable is introduced`, p - 1 - start);
      o = writeVarName(buf, o, i);
    } else {
      throw notExpression(`reserved tag byte 0x${b.toString(16)}`, p - 1 - start);
    }
    // an item is complete: close finished lists, or separate from the next sibling
    for (;;) {
      if (top < 0) {
        if (p !== end) throw notExpression(`${end - p} bytes after the end of the expression`, p - start);
        buf[o++] = LF;
        out.pos = o;
        return;
      }
      const r = remaining[top]! - 1;
      if (r > 0) {
        remaining[top] = r;
        buf[o++] = SPACE;
        break;
      }
      top--;
      buf[o++] = RPAREN;
    }
  }
}

// Write variable `i`'s name (VARNAMES) at `buf[o]`; returns the position after it.
function writeVarName(buf: Uint8Array, o: number, i: number): number {
  buf[o] = DOLLAR;
  if (i < 10) {
    buf[o + 1] = LETTER_A + i;
    return o + 2;
  }
  const at = 4 * (i - 10);
  buf[o + 1] = LONG_VARNAMES[at + 1]!;
  buf[o + 2] = LONG_VARNAMES[at + 2]!;
  buf[o + 3] = LONG_VARNAMES[at + 3]!;
  return o + 4;
}

// The 8 bytes at `p` as a number for a message, when their top bytes are not zero (not a MORK id).
function readIdLoose(bytes: Uint8Array, p: number): number {
  let v = 0;
  for (let k = 0; k < ID_BYTES; k++) v = v * 256 + bytes[p + k]!;
  return v;
}

/** The text of one expression (no line feed), for messages and the library; ids through `symbols`. */
export function expressionToText(path: Uint8Array, symbols?: SymbolTable): string {
  const w = new ByteWriter(5 * path.length + 2);
  printExpression(path, 0, path.length, w, symbols);
  return new TextDecoder().decode(w.buf.subarray(0, w.pos - 1));
}
