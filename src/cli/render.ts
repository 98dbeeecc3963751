/** Human-readable tables for `inspect` and reports. */
import { grouped } from '../digits.js';

/** 1234567 → "1,234,567". */
export const num = grouped;

/** A count and its noun, plural-aware: "1 atom", "2 atoms", "1,000 paths". */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${num(n)} ${n === 1 ? noun : plural}`;
}

/** A two-column table: labels padded to one width. */
export function table(rows: ReadonlyArray<readonly [string, string]>): string {
  const w = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n';
}

/**
 * A histogram as indented rows with bars; labels right-aligned (numbers) unless `left` (names).
 * Give entries in order as pairs where order matters: an object puts integer-like keys first.
 */
export function histogram(h: Record<string, number> | readonly (readonly [string, number])[], indent = '  ', left = false): string[] {
  const entries = Array.isArray(h) ? h : Object.entries(h);
  const max = Math.max(1, ...entries.map(([, v]) => v));
  const w = Math.max(0, ...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${indent}${left ? k.padEnd(w) : k.padStart(w)}  ${num(v).padStart(12)}  ${'#'.repeat(Math.max(v > 0 ? 1 : 0, Math.round((30 * v) / max)))}`);
}

/** Records as a table with one column per key: numbers right-aligned, a header row. */
export function recordTable(records: ReadonlyArray<Record<string, unknown>>, indent = '  '): string {
  if (records.length === 0) return `${indent}(none)\n`;
  const keys = Object.keys(records[0]!);
  const cells = records.map((r) => keys.map((k) => (typeof r[k] === 'number' ? num(r[k] as number) : String(r[k] ?? ''))));
  const widths = keys.map((k, i) => Math.max(k.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[], numeric: boolean[]): string => indent + c.map((x, i) => (numeric[i] ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join('  ').trimEnd();
  const numeric = keys.map((k) => typeof records[0]![k] === 'number');
  return [line(keys, numeric), ...cells.map((c) => line(c, numeric))].join('\n') + '\n';
}

/** True when the terminal's locale is UTF-8 (`LC_ALL`, else `LC_CTYPE`, else `LANG`, as the C library decides). */
export function utf8Locale(env: NodeJS.ProcessEnv = process.env): boolean {
  const locale = env['LC_ALL'] || env['LC_CTYPE'] || env['LANG'] || '';
  return /utf-?8/i.test(locale);
}

/** Text for people (notes, help) in the locale's characters: `→` and `…` spelled in ASCII outside UTF-8. */
export function forLocale(text: string, utf8 = utf8Locale()): string {
  return utf8 ? text : text.replaceAll('→', '->').replaceAll('…', '...').replaceAll('≤', '<=');
}
