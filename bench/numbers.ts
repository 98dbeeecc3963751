/** Summary statistics and number formatting for the benchmark tables. */

export { spread, type Spread } from '../src/spread.js';
import type { Spread } from '../src/spread.js';

/** Seconds with three significant digits: 0.0123, 1.23, 12.3. */
export function secs(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** "1.23 (1.20–1.31)". */
export function secsSpread(s: Spread): string {
  return `${secs(s.median)} (${secs(s.min)}–${secs(s.max)})`;
}

/** A rate per second with a unit suffix: 1.2M, 345K, 12. */
export function rate(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (x >= 1e6) return `${(x / 1e6).toFixed(x >= 1e7 ? 0 : 1)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(x >= 1e4 ? 0 : 1)}K`;
  return x.toFixed(0);
}

/** Megabytes (10^6 bytes) with one decimal, or kB for small values. */
export function bytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

/** KiB (as maxRSS reports them) as whole MiB: "112 MiB". */
export function mib(kib: number): string {
  return Number.isFinite(kib) ? `${(kib / 1024).toFixed(0)} MiB` : '—';
}

/** A signed change as whole percent: 0.052 → "+5%", -0.1 → "-10%". */
export function percent(x: number): string {
  if (!Number.isFinite(x)) return '—';
  const p = Math.round(x * 100);
  return `${p > 0 ? '+' : ''}${p}%`;
}

/** MB/s from bytes and seconds. */
export function mbps(byteCount: number, seconds: number): string {
  if (!Number.isFinite(byteCount) || !(seconds > 0)) return '—';
  const v = byteCount / 1e6 / seconds;
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

/** A ratio like "2.85x". */
export function times(x: number): string {
  return Number.isFinite(x) && x > 0 ? `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}x` : '—';
}

/** A plain-text table with right-aligned numeric columns (all but the first two). */
export function textTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

/** A Markdown table; numeric columns (all but the first two) right-aligned. */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const head = `| ${header.map(esc).join(' | ')} |`;
  const rule = `|${header.map((_, c) => (c < 2 ? ' --- ' : ' ---: ')).join('|')}|`;
  return [head, rule, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n') + '\n';
}
