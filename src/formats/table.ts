/**
 * The format table: one explicit list (each entry lives in its format's module), and how an input's
 * or output's format is chosen from it: a name given, else the most specific evidence in the
 * input's first bytes (a magic number outranks the extension, the extension outranks a weak
 * sniff), else text — unless the bytes are plainly binary.
 */
import path from 'node:path';
import { ErrorCode, FormatError, MorkspaceError, UsageError, fail } from '../errors.js';
import type { Input } from '../io/input.js';
import { actFormat } from './act/index.js';
import { Evidence, SNIFF_BYTES, binaryEvidence, type Format, type FormatName } from './format.js';
import { mttsFormat } from './mtts/index.js';
import { csvFormat } from './csv.js';
import { jsonInputFormat, jsonlFormat } from './json.js';
import { snapshotFormat } from './mettatron.js';
import { pathsFormat, upathsFormat } from './paths.js';
import { textFormat } from './text.js';

/** Every format, text first (the fallback). MeTTaTron's snapshot, JSON, JSONL and CSV are read only. */
export const FORMATS: readonly Format[] = [textFormat, pathsFormat, upathsFormat, actFormat, mttsFormat, snapshotFormat, jsonInputFormat, jsonlFormat, csvFormat];

/** Other names users type for a format (`mork convert` calls text `metta`). */
const ALIASES: Readonly<Record<string, FormatName>> = { metta: 'text' };

/** The format called `name`. @throws UsageError for an unknown name. */
export function formatByName(name: string): Format {
  const want = ALIASES[name] ?? name;
  const f = FORMATS.find((x) => x.name === want);
  if (!f) throw fail.usage(`unknown format '${name}' (known: ${FORMATS.map((x) => x.name).join(', ')})`);
  return f;
}

/** The format a file name's extension names (a trailing `.gz` is looked through), if any. */
export function formatByExtension(file: string): Format | undefined {
  const base = file.toLowerCase().replace(/\.gz$/, '');
  const ext = path.extname(base);
  return FORMATS.find((f) => f.extensions.includes(ext));
}

/**
 * The format of an input: `explicit` if given; else the format with the most specific evidence
 * (a magic number; then the extension; then a weak sniff); else text.
 * @throws UsageError for an unknown explicit name; FormatError ERR_BAD_MAGIC for binary data no
 * format claims.
 */
export async function detectInputFormat(input: Input, explicit?: string): Promise<Format> {
  if (explicit) return formatByName(explicit);
  const head = await input.head(SNIFF_BYTES);
  const whole = input.size !== undefined ? head.length >= input.size : head.length < SNIFF_BYTES;
  let weak: Format | undefined;
  for (const f of FORMATS) {
    const e = f.sniff(head, whole);
    if (e === Evidence.Strong) return f;
    if (e === Evidence.Weak) weak ??= f;
  }
  const byExt = formatByExtension(input.path ?? input.name);
  const chosen = byExt ?? weak ?? textFormat;
  if (chosen === textFormat) {
    const at = binaryEvidence(head);
    if (at !== undefined) {
      throw new FormatError(ErrorCode.BadMagic, `binary data that is none of the known formats (byte 0x${head[at]!.toString(16).padStart(2, '0')} at offset ${at} is not text); give --from FORMAT to read it as one`, { file: input.name, offset: at });
    }
  }
  return chosen;
}

/**
 * For `serialize`: the input must be MeTTa text. @throws UsageError naming what it is instead
 * (`use morkspace convert`), FormatError for binary data.
 */
export async function expectText(input: Input): Promise<Format> {
  const f = await detectInputFormat(input);
  if (f !== textFormat) throw new UsageError(ErrorCode.Usage, `${input.name} holds ${f.name} data, not MeTTa text: use 'morkspace convert' (serialize reads text)`);
  return f;
}

/** The format to write: `explicit` if given, else the output file's extension. */
export function detectOutputFormat(output: string | undefined, explicit?: string): Format {
  if (explicit) {
    const f = formatByName(explicit);
    if (!f.writable) throw fail.usage(`${f.name} is read, not written (write one of ${FORMATS.filter((x) => x.writable).map((x) => x.name).join(', ')})`);
    return f;
  }
  const byExt = output !== undefined && output !== '-' ? formatByExtension(output) : undefined;
  if (byExt) return byExt;
  throw new MorkspaceError(ErrorCode.Usage, output && output !== '-' ? `cannot tell the output format from '${path.basename(output)}': give --to` : 'writing to stdout: give --to FORMAT');
}
