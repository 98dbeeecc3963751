/** Library entry points that do what the CLI commands do: any format in, any format out. */
import { inFile } from './errors.js';
import { detectInputFormat, detectOutputFormat, type Format, type FormatOptions } from './formats/registry.js';
import { fileInput, type Input } from './io/input.js';
import { writeFileAtomic } from './io/output.js';
import type { PathArena } from './path-arena.js';
import { counted, toSortedUnique } from './pipeline.js';
import { defaultThreads } from './pool/pool.js';
import { spaceStats, type SpaceStats } from './stats.js';

/** What a conversion did. */
export interface ConvertReport {
  from: string;
  to: string;
  atoms: number;
  rawBytes: number;
  outputBytes: number;
  seconds: number;
  /** Things the user should know that did not stop the run (CR bytes kept as symbol bytes, say). */
  warnings: string[];
}

/** Options of `convertFile` / `convertStream`. */
export interface ConvertOptions extends FormatOptions {
  /** Input format; detected from magic bytes or the extension when absent. */
  from?: string;
  /** Output format; taken from the output file's extension when absent. */
  to?: string;
  /** Replace an existing output file. Defaults to false. */
  force?: boolean;
}

/** Rethrow errors from reading `input` with its name as `where.file`. */
export async function* namedErrors<T>(items: AsyncIterable<T>, file: string): AsyncGenerator<T> {
  try {
    yield* items;
  } catch (e) {
    throw inFile(e, file);
  }
}

/** Open `input` as a space: sorted, unique batches, errors naming the input. */
export async function openSpace(input: Input, options: ConvertOptions = {}): Promise<{ format: Format; space: AsyncIterable<PathArena>; facts: () => Record<string, unknown> }> {
  const format = await detectInputFormat(input, options.from);
  const source = await format.open(input, options);
  return { format, space: namedErrors(toSortedUnique(source, options.threads ?? defaultThreads()), input.name), facts: () => source.facts() };
}

/** Convert `input` and stream the output bytes; `report` is complete when the stream ends. */
export async function convertStream(input: Input, output: string | undefined, options: ConvertOptions = {}): Promise<{ to: Format; bytes: AsyncIterable<Uint8Array>; report: ConvertReport }> {
  const started = performance.now();
  const to = detectOutputFormat(output, options.to);
  const { format, space, facts } = await openSpace(input, options);
  const report: ConvertReport = { from: format.name, to: to.name, atoms: 0, rawBytes: 0, outputBytes: 0, seconds: 0, warnings: [] };
  const bytes = namedErrors(to.write(counted(space, report), options), input.name);
  async function* measured(): AsyncGenerator<Uint8Array> {
    for await (const b of bytes) {
      report.outputBytes += b.length;
      yield b;
    }
    report.seconds = (performance.now() - started) / 1000;
    const cr = facts()['carriageReturns'];
    if (typeof cr === 'number' && cr > 0) {
      report.warnings.push(`${input.name}: ${cr} carriage return bytes were kept as symbol bytes, as upstream's parser does (CRLF text?); --crlf treats them as whitespace`);
    }
  }
  return { to, bytes: measured(), report };
}

/** Convert the file `inputPath` into `outputPath` (written atomically). */
export async function convertFile(inputPath: string, outputPath: string, options: ConvertOptions = {}): Promise<ConvertReport> {
  const { bytes, report } = await convertStream(fileInput(inputPath), outputPath, options);
  await writeFileAtomic(outputPath, bytes, { force: options.force ?? false });
  return report;
}

/** Statistics of the space in `input`, with the facts its format learnt while reading. */
export async function inspectSpace(input: Input, options: ConvertOptions & { count?: boolean } = {}): Promise<{ format: string; facts: Record<string, unknown>; stats?: SpaceStats }> {
  const detected = await detectInputFormat(input, options.from);
  if (detected.inspect) {
    const r = await detected.inspect(input, { ...options, count: options.count ?? false }).catch((e: unknown) => {
      throw inFile(e, input.name);
    });
    return { format: detected.name, ...r };
  }
  const { format, space, facts } = await openSpace(input, { ...options, from: detected.name });
  const stats = await spaceStats(space);
  return { format: format.name, facts: facts(), stats };
}
