/**
 * Pattern → template (`--pattern P --template T`, as `mork convert` rewrites while it converts): the
 * atoms that match P become T with each of T's variables replaced by what P's variable of the same
 * name matched. A bound sub-expression may hold the atom's own variables: they are renumbered in the
 * order the result introduces them, so the result is a well-formed atom (De Bruijn levels from 0).
 */
import { ErrorCode, MorkspaceError } from './errors.js';
import { MAX_VARIABLES, TAG_NEW_VAR } from './expr/encoding.js';
import { PathArena } from './path-arena.js';
import { sortedUnique, type Stage } from './pipeline.js';
import { metered } from './run/probe.js';
import type { Space } from './space.js';
import { compileQuery, parseArgument, type Query } from './query.js';
import type { SymbolTable } from './symbols/table.js';

// The tokens of MeTTa `text` in order (symbols, quoted strings with their quotes, variables),
// skipping comments and whitespace as the parser does.
function tokens(text: string): string[] {
  const out: string[] = [];
  const ends = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '(' || c === ')';
  for (let p = 0; p < text.length; ) {
    const c = text[p]!;
    if (c === ';') {
      const lf = text.indexOf('\n', p);
      p = lf < 0 ? text.length : lf + 1;
    } else if (ends(c)) p++;
    else {
      let e = p + 1;
      if (c === '"') {
        while (e < text.length && text[e] !== '"') e += text[e] === '\\' ? 2 : 1;
        e++;
      } else while (e < text.length && !ends(text[e]!)) e++;
      out.push(text.slice(p, e));
      p = e;
    }
  }
  return out;
}

/** The names of the variables of MeTTa `text`, in the order they first appear (the order the parser numbers them). */
export function variableNames(text: string): string[] {
  return [...new Set(tokens(text).filter((t) => t.startsWith('$')))];
}

// The symbols of MeTTa `text` (tokens that are not variables), skipping comments as the parser does.
function templateSymbols(text: string): string[] {
  return tokens(text).filter((t) => !t.startsWith('$'));
}

/** A compiled rewrite: the query that finds the atoms, and the template written for each. */
export interface Rewrite {
  readonly query: Query;
  /** Append T for the atom `bytes[s..e)`, which `query.matches` has just accepted, to `out`. */
  write(bytes: Uint8Array, s: number, e: number, out: PathArena): void;
}

/**
 * Compile `pattern` and `template` (MeTTa text) over a space with `symbols` (interned) or none.
 * @throws UsageError naming a template variable the pattern lacks; FormatError for bad text.
 */
export function compileRewrite(pattern: string, template: string, symbols?: SymbolTable, prefix?: string): Rewrite {
  const query = compileQuery(pattern, prefix, symbols);
  const tpl = parseArgument(template, 'template', symbols);
  // an interned space's table is fixed: a symbol the template brings must be in it already
  const unknown = symbols !== undefined ? templateSymbols(template).find((t) => symbols.idOf(new TextEncoder().encode(t)) === undefined) : undefined;
  if (unknown !== undefined) throw new MorkspaceError(ErrorCode.Usage, `--template: the symbol ${unknown.slice(0, 80)} is not in the space's symbol table (an interned space's table is fixed); --resolve the space first`);
  const from = variableNames(pattern);
  const to = variableNames(template);
  const missing = to.filter((v) => !from.includes(v));
  if (missing.length > 0) throw new MorkspaceError(ErrorCode.Usage, `--template uses ${missing.join(', ')}, which the pattern does not bind (its variables: ${from.join(', ') || 'none'})`);
  // template variable j (in introduction order) is pattern variable source[j]
  const source = to.map((v) => from.indexOf(v));
  const matcher = query.matcher!;
  const outLevel = new Int32Array(MAX_VARIABLES);
  let buf = new Uint8Array(256);
  return {
    query,
    write(bytes, s, e, out) {
      const levels = matcher.levels(bytes, s, e);
      outLevel.fill(-1);
      let vars = 0;
      let w = 0;
      let templateVars = 0;
      if (tpl.length > buf.length) buf = grown(buf, 0, tpl.length);
      for (let p = 0; p < tpl.length; ) {
        const b = tpl[p]!;
        if (b >= 0x80 && b <= TAG_NEW_VAR) {
          // a template variable: what its pattern variable matched, the atom's variables renumbered
          const j = b === TAG_NEW_VAR ? templateVars++ : b & 0x3f;
          const bs = matcher.boundStart(source[j]!);
          const be = matcher.boundEnd(source[j]!);
          // the binding, then at most the template's rest
          if (w + (be - bs) + (tpl.length - p) > buf.length) buf = grown(buf, w, (be - bs) + (tpl.length - p));
          for (let q = bs; q < be; ) {
            const c = bytes[q]!;
            if (c >= 0x80 && c <= TAG_NEW_VAR) {
              const level = levels[q - s]!;
              if (outLevel[level]! < 0) {
                outLevel[level] = vars++;
                buf[w++] = TAG_NEW_VAR;
              } else buf[w++] = 0x80 | outLevel[level]!;
              q++;
            } else {
              const n = c > TAG_NEW_VAR ? 1 + (c & 0x3f) : 1;
              for (let k = 0; k < n; k++) buf[w++] = bytes[q + k]!;
              q += n;
            }
          }
          if (vars > MAX_VARIABLES) throw new MorkspaceError(ErrorCode.Limit, `a rewrite holds more than ${MAX_VARIABLES} variables (MORK's limit)`);
          p++;
        } else {
          const n = b > TAG_NEW_VAR ? 1 + (b & 0x3f) : 1;
          for (let k = 0; k < n; k++) buf[w++] = tpl[p + k]!;
          p += n;
        }
      }
      out.push(buf, 0, w);
    },
  };
}

// `buf` with room for `n` more bytes after its first `w` (those kept).
function grown(buf: Uint8Array, w: number, n: number): Uint8Array<ArrayBuffer> {
  const next = new Uint8Array(Math.max(2 * buf.length, w + n));
  next.set(buf.subarray(0, w));
  return next;
}

/**
 * The stage that keeps the atoms matching `pattern` (under `prefix`), written as `template` when
 * one is given. Without a template the order is kept; with one the rewrites are sorted and
 * de-duplicated again, within the run's budget. The space's symbol table, if any, compiles the
 * texts. Metered as the `transform` stage.
 */
export function matchStage(pattern: string | undefined, prefix: string | undefined, template: string | undefined): Stage {
  return (space, ctx) => {
    const rewrite = template !== undefined && pattern !== undefined ? compileRewrite(pattern, template, space.symbols, prefix) : undefined;
    const query = rewrite?.query ?? compileQuery(pattern, prefix, space.symbols);
    async function* batches(): AsyncGenerator<PathArena> {
      for await (const batch of space.batches) {
        ctx.checkAborted();
        const out = new PathArena(rewrite ? batch.byteLength + 1024 : Math.min(batch.byteLength + 64, 1 << 20), 1024);
        const bytes = batch.bytes;
        for (let i = 0; i < batch.count; i++) {
          const s = batch.start(i);
          const e = batch.end(i);
          if (!query.matches(bytes, s, e)) continue;
          if (rewrite) rewrite.write(bytes, s, e, out);
          else out.push(bytes, s, e);
        }
        if (space.recycles === true) batch.release();
        if (out.count > 0) yield out;
        else out.release();
      }
    }
    const matched: Space = { ...space, batches: batches(), order: rewrite ? 'unsorted' : space.order, recycles: true };
    const out = rewrite ? sortedUnique(matched, ctx, undefined) : matched;
    return { ...out, batches: metered(out.batches, 'transform', ctx.probe) };
  };
}

/**
 * `mork convert`'s compact prefix notation (MORK's expr/src/lib.rs), as MeTTa text: tokens split by
 * spaces; `[N]` opens a list of the next N items (no closing bracket), `$` introduces a variable,
 * `_k` refers back to the k-th (1-based), anything else is a symbol. `[3] parent $ _1` is
 * `(parent $v1 $v1)` (`[N]` is Arity(N), so the N items include the head); the identity pair is
 * `$` → `_1`. Returns undefined for text that is not in
 * that notation (MeTTa, which a pattern is otherwise).
 * @throws UsageError for notation that is cut short or names a variable not yet introduced.
 */
export function compactToMetta(text: string): string | undefined {
  const tokens = text.trim().split(/ +/);
  if (!/^\[\d+\]$/.test(tokens[0] ?? '') && !(tokens.length === 1 && /^(\$|_\d+)$/.test(tokens[0]!))) return undefined;
  let p = 0;
  let vars = 0;
  const item = (): string => {
    const t = tokens[p++];
    if (t === undefined) throw new MorkspaceError(ErrorCode.Usage, `compact notation '${text}' ends before its last list is complete`);
    const arity = /^\[(\d+)\]$/.exec(t);
    if (arity) return `(${Array.from({ length: Number(arity[1]) }, item).join(' ')})`;
    if (t === '$') return `$v${++vars}`;
    const ref = /^_(\d+)$/.exec(t);
    if (ref) {
      const k = Math.max(1, Number(ref[1]));
      // a template's `_k` names the pattern's k-th variable: it need not be introduced in the template itself
      return `$v${k}`;
    }
    if (/[()"]/.test(t)) throw new MorkspaceError(ErrorCode.Usage, `compact notation: the symbol ${t} holds a parenthesis or quote; write the pattern in MeTTa text`);
    return t;
  };
  const out = item();
  if (p !== tokens.length) throw new MorkspaceError(ErrorCode.Usage, `compact notation '${text}': ${tokens.length - p} tokens after the expression ([N] takes the next N items, the head included)`);
  return out;
}

/** A pattern or template as the user gave it: MeTTa text, or `mork convert`'s compact notation. */
export function patternText(text: string): string {
  return compactToMetta(text) ?? text;
}
