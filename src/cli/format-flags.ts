/** Command-line flags that tune formats, turned into the library's option bags. */
import { fail } from '../errors.js';
import type { FormatOptions } from '../formats/registry.js';

export interface FormatFlags {
  crlf?: boolean;
  level?: string;
}

/** Parse an integer flag within [min, max]. @throws UsageError naming the flag. */
export function intFlag(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw fail.usage(`--${name} takes a whole number from ${min} to ${max}, got '${value}'`);
  return n;
}

export function formatOptions(flags: FormatFlags): FormatOptions {
  const o: FormatOptions = {};
  if (flags.crlf) o.text = { crIsWhitespace: true };
  if (flags.level !== undefined) o.paths = { level: intFlag('level', flags.level, 0, 9) };
  return o;
}
