/** Command-line flags that tune formats, turned into the library's option bags, and checked against the formats in use. */
import type { Command } from 'commander';
import { fail } from '../errors.js';
import type { LongSymbols } from '../expr/parser.js';
import type { Format, FormatOptions } from '../formats/format.js';
import { FORMATS } from '../formats/table.js';
import { parseCompression, type MttsOptions, type MttsPriority } from '../formats/mtts/options.js';

export interface FormatFlags {
  crlf?: boolean;
  stripBom?: boolean;
  intern?: boolean;
  longSymbols?: string;
  csvDelimiter?: string;
  csvHeader?: boolean;
  level?: string;
  compression?: string;
  priority?: string;
  chunkSize?: string;
  meta?: string[];
  /** False under `--no-verify`. */
  verify?: boolean;
}

/** How each format-specific flag is spelled on the command line (the keys are the formats' `flags`). */
const SPELLING: Readonly<Record<string, string>> = {
  crlf: '--crlf',
  stripBom: '--strip-bom',
  intern: '--intern',
  longSymbols: '--long-symbols',
  csvDelimiter: '--csv-delimiter',
  csvHeader: '--csv-header',
  level: '--level',
  compression: '--compression',
  priority: '--priority',
  chunkSize: '--chunk-size',
  meta: '--meta',
  verify: '--no-verify',
};

/** Parse an integer flag within [min, max]. @throws UsageError naming the flag. */
export function intFlag(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw fail.usage(`--${name} takes a whole number from ${min} to ${max}, got '${value}'`);
  return n;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** Parse a byte size: `65536`, `64k`, `64KiB`, `1m`, `1MiB`, `2G`, `2GiB` (binary units). @throws UsageError naming the flag. */
export function sizeFlag(name: string, value: string, min: number, max: number): number {
  const m = /^(\d+)\s*(?:([kmgt])(?:i?b)?)?$/i.exec(value);
  const n = m ? Number(m[1]) * (m[2] === undefined ? 1 : SIZE_UNITS[m[2].toLowerCase()]!) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw fail.usage(`--${name} takes a byte count from ${min} to ${max} (suffixes k, m, g, t), got '${value}'`);
  return n;
}

/** Add the MTTS writer flags to a command. */
export function addMttsWriteFlags(cmd: Command): Command {
  return cmd
    .option('--compression <codec>', 'mtts: none, lz4, deflate[:1-9], brotli[:0-11] or auto (default auto)')
    .option('--priority <p>', 'mtts auto compression: speed, balanced or size (default balanced)')
    .option('--chunk-size <bytes>', 'mtts: path bytes per chunk, suffixes k/m (default 1m)')
    .option('--meta <key=value>', 'mtts: store a key/value pair in the metadata (repeatable)', (v: string, prev: string[] = []) => [...prev, v]);
}

/** Add the run's flags (`--threads`, `--memory`, `--tmp-dir`), and for commands that read binary formats `--no-verify`. */
export function addRunFlags(cmd: Command, reads: boolean): Command {
  cmd
    .option('--threads <n>', 'threads for parsing, sorting, mtts chunk coding and .paths deflate (default: the cores other work does not keep busy; 1: all on this thread)')
    .option('--memory <size>', 'memory the run may use, suffixes k/m/g; a larger unsorted space is sorted in runs spilled to --tmp-dir (default: 3/4 of available memory)')
    .option('--tmp-dir <dir>', 'folder for sorted runs and spools (default: the system temporary folder)');
  if (reads) cmd.option('--no-verify', 'mtts: skip digest checks when reading');
  return cmd;
}

/**
 * @throws UsageError naming the first format-specific flag given on the command line that neither
 * the input's format (`from`) nor the output's (`to`) takes: `--level` with `--to act`, say.
 */
export function checkFlagsApply(cmd: Command, from: Format | undefined, to: Format | undefined): void {
  for (const [key, spelled] of Object.entries(SPELLING)) {
    if (cmd.getOptionValueSource(key) !== 'cli') continue;
    if (from?.flags.read.includes(key) || to?.flags.write.includes(key)) continue;
    const owner = FORMATS.flatMap((f) => [...(f.flags.read.includes(key) ? [`${f.name} input`] : []), ...(f.flags.write.includes(key) ? [`${f.name} output`] : [])]).join(' or ');
    const have = [from ? `${from.name} input` : undefined, to ? `${to.name} output` : undefined].filter(Boolean).join(' and ');
    throw fail.usage(`${spelled} applies to ${owner}, not to ${have}`);
  }
}

function mttsFlags(flags: FormatFlags): Partial<MttsOptions> | undefined {
  const o: Partial<MttsOptions> = {};
  if (flags.compression !== undefined) Object.assign(o, parseCompression(flags.compression));
  if (flags.priority !== undefined) {
    if (!['speed', 'balanced', 'size'].includes(flags.priority)) throw fail.usage(`--priority takes speed, balanced or size, got '${flags.priority}'`);
    o.priority = flags.priority as MttsPriority;
  }
  if (flags.chunkSize !== undefined) o.chunkBytes = sizeFlag('chunk-size', flags.chunkSize, 1, 256 << 20);
  if (flags.verify === false) o.verify = false;
  if (flags.meta !== undefined) {
    const meta: Record<string, string> = {};
    for (const kv of flags.meta) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw fail.usage(`--meta takes key=value, got '${kv}'`);
      const key = kv.slice(0, eq);
      if (key in meta) throw fail.usage(`--meta key '${key}' given twice`);
      meta[key] = kv.slice(eq + 1);
    }
    o.meta = meta;
  }
  return Object.keys(o).length > 0 ? o : undefined;
}

/** The formats' option bags from the flags. */
export function formatOptions(flags: FormatFlags): FormatOptions {
  const o: FormatOptions = {};
  if (flags.longSymbols !== undefined && flags.longSymbols !== 'error' && flags.longSymbols !== 'truncate') throw fail.usage(`--long-symbols takes error or truncate, got '${flags.longSymbols}'`);
  if (flags.intern && flags.longSymbols !== undefined) throw fail.usage('--long-symbols and --intern: with --intern no symbol is too long (give one)');
  if (flags.crlf || flags.stripBom || flags.intern || flags.longSymbols !== undefined) {
    o.text = { ...(flags.crlf ? { crIsWhitespace: true } : {}), ...(flags.stripBom ? { stripBom: true } : {}), ...(flags.intern ? { intern: true } : {}), ...(flags.longSymbols !== undefined ? { longSymbols: flags.longSymbols as LongSymbols } : {}) };
  }
  if (flags.level !== undefined) o.paths = { level: intFlag('level', flags.level, 0, 9) };
  if (flags.csvDelimiter !== undefined || flags.csvHeader) {
    const d = flags.csvDelimiter === '\\t' ? '\t' : flags.csvDelimiter;
    if (d !== undefined && [...d].length !== 1) throw fail.usage(`--csv-delimiter takes one character (\\t for a tab), got '${flags.csvDelimiter}'`);
    o.csv = { ...(d !== undefined ? { delimiter: d } : {}), ...(flags.csvHeader ? { header: true } : {}) };
  }
  const mtts = mttsFlags(flags);
  if (mtts !== undefined) o.mtts = mtts;
  return o;
}
