/**
 * Random MeTTa expressions for property tests, produced both as text (with random layout) and as
 * the bytes MORK encodes them to — by an encoder written here independently of src/.
 */
import type { Rng } from './random.js';

const enc = new TextEncoder();
// Plain-token bytes: anything but whitespace, parentheses; ';', '$' and '"' only after the first byte.
const PLAIN_FIRST = [...'abcxyzABC019_-+*/=<>!?.:λ∀→'].join('');
const PLAIN_REST = PLAIN_FIRST + ';$"\'';

export interface GenExpr {
  text: string;
  bytes: number[];
}

interface Ctx {
  rng: Rng;
  vars: string[];
  maxVars: number;
}

function utf8Len(s: string): number {
  return enc.encode(s).length;
}

function symbol(rng: Rng): string {
  const kind = rng.float();
  if (kind < 0.15) {
    // quoted string: spaces, parens, ';' and escapes kept verbatim
    let s = '"';
    const n = rng.int(0, 12);
    for (let i = 0; i < n; i++) s += rng.pick(['a', ' ', '(', ')', ';', '\\"', '\\\\', '\\n', 'é', '\t']);
    s += '"';
    return utf8Len(s) <= 63 ? s : '"x"';
  }
  if (kind < 0.2) {
    // exactly 63 bytes
    return 'm'.repeat(63);
  }
  let s = rng.pick([...PLAIN_FIRST]);
  const n = rng.int(0, 10);
  for (let i = 0; i < n; i++) s += rng.pick([...PLAIN_REST]);
  while (utf8Len(s) > 63) s = s.slice(0, -1);
  return s;
}

function expr(ctx: Ctx, depth: number, out: number[]): string {
  const { rng } = ctx;
  const r = rng.float();
  if (depth > 0 && r < 0.35) {
    const arity = rng.chance(0.05) ? 63 : rng.chance(0.1) ? 0 : rng.int(1, 5);
    out.push(arity);
    const parts: string[] = [];
    for (let i = 0; i < arity; i++) parts.push(expr(ctx, depth - 1, out));
    return `(${parts.join(rng.pick([' ', '  ', '\n', '\t ', ' ; note\n ']))}${rng.chance(0.2) ? ' ; closing comment\n' : ''})`;
  }
  if (r < 0.6 && ctx.maxVars > 0) {
    const reuse = ctx.vars.length > 0 && (ctx.vars.length >= ctx.maxVars || rng.chance(0.4));
    if (reuse) {
      const k = rng.int(0, ctx.vars.length - 1);
      out.push(0x80 | k);
      return ctx.vars[k]!;
    }
    const name = `$v${ctx.vars.length}${rng.pick(['', 'x', ';y', '"q'])}`;
    ctx.vars.push(name);
    out.push(0xc0);
    return name;
  }
  const s = symbol(rng);
  const b = enc.encode(s);
  out.push(0xc0 | b.length, ...b);
  return s;
}

/** One random top-level expression, its text and its expected encoding. */
export function randomExpression(rng: Rng, maxDepth = 5): GenExpr {
  const bytes: number[] = [];
  const maxVars = rng.chance(0.05) ? 64 : 12;
  const ctx: Ctx = { rng, vars: [], maxVars };
  if (maxVars === 64) {
    // exactly 64 distinct variables, each used twice
    const names = Array.from({ length: 64 }, (_, k) => `$w${k}`);
    bytes.push(63);
    const parts: string[] = [];
    for (let k = 0; k < 63; k++) {
      if (k < 32) {
        parts.push(`(${names[2 * k]} ${names[2 * k + 1]} ${names[2 * k]})`);
        bytes.push(3, 0xc0, 0xc0, 0x80 | (2 * k));
      } else {
        parts.push(names[(k - 32) * 2 + 1]!);
        bytes.push(0x80 | ((k - 32) * 2 + 1));
      }
    }
    return { text: `(${parts.join(' ')})`, bytes };
  }
  const text = expr(ctx, rng.int(0, maxDepth), bytes);
  return { text, bytes };
}
