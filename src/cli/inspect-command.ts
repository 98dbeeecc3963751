/** `inspect`: what a file is and what its space holds. */
import path from 'node:path';
import type { Command } from 'commander';
import { inspectSpace, resolveInput } from '../convert.js';
import { ErrorCode, UsageError } from '../errors.js';
import { openOutput } from '../io/output.js';
import type { SpaceStats } from '../stats.js';
import { cliInput, cliRun, eachFile, note, throwIfFailed, type CliIo, type GlobalOptions, withGlobals } from './context.js';
import { addRunFlags, checkFlagsApply, formatOptions, intFlag, type FormatFlags } from './format-flags.js';
import { plotSvg } from './plot.js';
import { loadMorkTable, looksLikeZip } from '../symbols/mork-zip.js';
import { tableFacts } from './symbols-command.js';
import { count, histogram, num, recordTable, table } from './render.js';

interface InspectFlags extends GlobalOptions, FormatFlags {
  from?: string;
  count?: boolean;
  sample?: string;
  plot?: string;
  force?: boolean;
  symbols?: string;
}

export function addInspectCommand(program: Command, io: CliIo, setExit: (p: Promise<void>) => void): void {
  const cmd = program
    .command('inspect')
    .description('what a file is and holds: format, sizes, atoms, symbols, depth, histograms')
    .argument('[inputs...]', 'space files, or - for stdin; several: one row each, then totals')
    .option('--from <format>', 'input format (default: detected)')
    .option('--json', 'print one JSON document')
    .option('-v, --verbose', 'print notes on stderr (for example when a file cannot be memory-mapped)')
    .option('--count', 'walk the whole space for atom statistics (formats that answer from their header without it: act, mtts)')
    .option('--sample <n>', 'show n atoms drawn at random (the same file gives the same ones); walks the space, as --count')
    .option('--plot <file.svg>', 'draw the head symbols and histograms into an SVG file; walks the space, as --count (needs the optional vega)')
    .option('-f, --force', 'replace an existing --plot file')
    .option('--symbols <zip>', "the symbol table (MORK's archive) of an interned .paths or ACT input: head symbols and samples print through it")
    .option('--crlf', 'text input: treat carriage returns as whitespace')
    .option('--strip-bom', 'text input: drop a UTF-8 byte-order mark at the start');
  addRunFlags(cmd, true).action((inputs: string[]) => {
    const flags = withGlobals<InspectFlags>(cmd);
    if (flags.plot !== undefined) {
      if (inputs.length > 1) throw new UsageError(ErrorCode.Usage, '--plot draws one file: give one input');
      if (path.extname(flags.plot).toLowerCase() !== '.svg') throw new UsageError(ErrorCode.Usage, `--plot writes SVG: name the file .svg, not '${path.basename(flags.plot)}' (for PNG, convert the SVG: rsvg-convert, inkscape)`);
    }
    setExit(inputs.length > 1 ? runMany(io, cmd, inputs, flags) : run(io, cmd, inputs[0] ?? '-', flags));
  });
}

interface Inspected {
  report: Record<string, unknown> & { file: string; format: string };
  facts: Record<string, unknown>;
  stats: SpaceStats | undefined;
  fileBytes: number | undefined;
}

async function inspectOne(io: CliIo, cmd: Command, inputName: string, flags: InspectFlags): Promise<Inspected> {
  const given = cliInput(inputName, io);
  if (flags.from === undefined && given.path !== undefined && looksLikeZip(await given.head(4))) {
    // a symbol table: not a space, but inspect says what it holds
    const facts = tableFacts(loadMorkTable(given.path));
    const fileBytes = given.size;
    return { report: { file: given.name, format: 'mork-symbols', ...(fileBytes !== undefined ? { fileBytes } : {}), ...facts }, facts, stats: undefined, fileBytes };
  }
  const ctx = cliRun(io, flags);
  try {
    const resolved = await resolveInput(given, flags.from !== undefined ? { from: flags.from } : {});
    const input = resolved.input;
    checkFlagsApply(cmd, resolved.format, undefined);
    const sample = flags.sample !== undefined ? intFlag('sample', flags.sample, 0, 10_000) : 0;
    const { format, facts, stats } = await inspectSpace(input, { ...formatOptions(flags), ...(flags.symbols !== undefined ? { symbols: loadMorkTable(flags.symbols) } : {}), count: (flags.count ?? false) || sample > 0 || flags.plot !== undefined, sample, from: resolved.format.name, context: ctx });
    const fileBytes = input.size;
    // text holds every atom it lists; the space holds each once
    const listed = typeof facts['topLevel'] === 'number' ? facts['topLevel'] : undefined;
    const duplicates = listed !== undefined && stats ? { duplicatesDropped: Math.max(0, listed - stats.atoms) } : {};
    const report = { file: input.name, format, ...(fileBytes !== undefined ? { fileBytes } : {}), ...facts, ...duplicates, ...(fileBytes && stats ? { ratio: ratio(stats.rawBytes, fileBytes) } : {}), ...(stats ? { space: stats } : {}) };
    return { report, facts, stats, fileBytes };
  } finally {
    await ctx.close();
  }
}

/** Several files, like `xz -l`: a row each (atoms where the file says or the walk counted), then totals. */
async function runMany(io: CliIo, cmd: Command, inputNames: readonly string[], flags: InspectFlags): Promise<void> {
  const outcomes = await eachFile(io, inputNames, flags, (name) => inspectOne(io, cmd, name, flags));
  const rows = outcomes.map((o): Record<string, unknown> => {
    if (o.error) return { file: o.name, format: 'error', 'file bytes': '', atoms: '', 'path bytes': '', ratio: '' };
    const { report, stats } = o.value;
    const atoms = stats?.atoms ?? (typeof report['atoms'] === 'number' ? report['atoms'] : undefined);
    const pathBytes = stats?.rawBytes ?? (typeof report['pathBytes'] === 'number' ? report['pathBytes'] : undefined);
    const fileBytes = typeof report['fileBytes'] === 'number' ? report['fileBytes'] : undefined;
    return { file: report.file, format: report.format, 'file bytes': fileBytes ?? '', atoms: atoms ?? '', 'path bytes': pathBytes ?? '', ratio: fileBytes && pathBytes ? ratio(pathBytes, fileBytes) : '' };
  });
  const reports = outcomes.map((o) => (o.error ? { file: o.name, error: o.error.toJSON() } : o.value.report));
  const sum = (key: string): number | '' => (rows.every((r) => typeof r[key] === 'number') ? rows.reduce((t, r) => t + (r[key] as number), 0) : '');
  const totals = { file: `${num(rows.length)} files`, format: '', 'file bytes': sum('file bytes'), atoms: sum('atoms'), 'path bytes': sum('path bytes'), ratio: '' };
  if (flags.json) io.stdout.write(JSON.stringify({ files: reports, totals: { files: rows.length, fileBytes: totals['file bytes'], atoms: totals.atoms, pathBytes: totals['path bytes'] } }, null, 2) + '\n');
  else {
    io.stdout.write(recordTable([...rows, totals], ''));
    if (rows.some((r) => r['atoms'] === '' && r['format'] === 'act')) note(io, 'ACT files give their atom count with --count (a full walk)');
  }
  throwIfFailed(outcomes, 'files');
}

async function run(io: CliIo, cmd: Command, inputName: string, flags: InspectFlags): Promise<void> {
  // an existing picture is refused before the walk, not after it
  const plot = flags.plot !== undefined ? await openOutput(flags.plot, { force: flags.force ?? false }) : undefined;
  let inspected: Inspected;
  try {
    inspected = await inspectOne(io, cmd, inputName, flags);
    if (plot !== undefined) {
      const r = inspected.report;
      const svg = await plotSvg(`${path.basename(r.file)}: ${num(inspected.stats!.atoms)} atoms (${r.format})`, inspected.stats!);
      await plot.sink.write(new TextEncoder().encode(svg));
      await plot.commit();
    }
  } finally {
    await plot?.discard();
  }
  const { report, facts, stats, fileBytes } = inspected;
  const format = report.format;
  const input = { name: report.file };
  if (flags.json) {
    io.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  const rows: [string, string][] = [
    ['file', input.name],
    ['format', format],
  ];
  if (fileBytes !== undefined) rows.push(['file size', `${num(fileBytes)} bytes`]);
  // the summary first: atoms, path bytes and the one ratio, from the walk when there was one
  const summary = stats ? spaceRows(stats, typeof report['duplicatesDropped'] === 'number' ? report['duplicatesDropped'] : undefined) : [];
  const known = (k: string): number | undefined => (typeof facts[k] === 'number' ? (facts[k] as number) : undefined);
  if (stats) rows.push(...summary.slice(0, 2));
  else for (const [k, label] of [['atoms', 'atoms'], ['pathBytes', 'path bytes']] as const) if (known(k) !== undefined) rows.push([label, num(known(k)!)]);
  const pathBytes = stats?.rawBytes ?? known('pathBytes');
  if (fileBytes && pathBytes !== undefined) rows.push(['ratio', `${num(ratio(pathBytes, fileBytes))}x (path bytes / file size)`]);
  // facts the summary already gave are not repeated (MTTS's own atoms, path bytes and file bytes)
  const shown = new Set(['atoms', 'pathBytes', 'fileBytes']);
  // lists of records (format internals: MTTS sections and chunks) print as tables at the end, with -v;
  // without it, one line says how many there are
  const lists: string[] = [];
  const listed: string[] = [];
  for (const [k, v] of Object.entries(facts)) {
    if (v === undefined || (shown.has(k) && (k !== 'fileBytes' || v === fileBytes))) continue;
    if (Array.isArray(v) && v.every((x) => typeof x === 'object' && x !== null)) {
      // a long list (the chunks of a big dump) is cut: a terminal's worth, and where the rest is
      const shown = v.length > MAX_LIST_ROWS ? v.slice(0, MAX_LIST_ROWS - 1) : v;
      const more = v.length - shown.length;
      lists.push(`${k}\n${recordTable(shown as Record<string, unknown>[])}${more > 0 ? `  … and ${num(more)} more (--json lists every one)\n` : ''}`);
      listed.push(`${num(v.length)} ${words(k)}`);
    } else if (isCountTable(v)) {
      // a record of many counts (ACT node counts) reads as a table of its own, not one long row
      lists.push(`${words(k)}\n${table(Object.entries(v).map(([n, c]) => [`  ${words(n)}`, num(c)]))}`);
      listed.push(words(k));
    } else rows.push([words(k), show(v)]);
  }
  const internals = (): void => {
    if (flags.verbose) io.stdout.write(lists.join(''));
    else if (listed.length > 0) io.stdout.write(`(${listed.join(', ')}: -v lists them)\n`);
  };
  if (!stats) {
    io.stdout.write(table(rows));
    // a format that does not record its atom count (ACT): say how to get it
    if (known('atoms') === undefined && format !== 'mork-symbols') io.stdout.write('(atoms, head symbols and histograms: --count walks the file)\n');
    internals();
    return;
  }
  rows.push(...summary.slice(2));
  io.stdout.write(table(rows));
  if (stats.heads.distinct > 0) {
    const more = stats.heads.distinct > stats.heads.top.length ? `, the ${stats.heads.top.length} most frequent` : '';
    io.stdout.write([`head symbols (${num(stats.heads.distinct)} distinct${more}: atoms)`, ...histogram(stats.heads.top.map((h) => [h.head, h.atoms] as const), '  ', true), ''].join('\n'));
  }
  io.stdout.write(['path length histogram (bytes: atoms)', ...histogram(stats.pathBytes.histogram), ''].join('\n'));
  if (stats.expressions > 0) io.stdout.write(['arity histogram (arity: lists)', ...histogram(stats.arity), ''].join('\n'));
  if (stats.samples.length > 0) io.stdout.write([`sample atoms (${num(stats.samples.length)} at random)`, ...stats.samples.map((a) => `  ${a}`), ''].join('\n'));
  internals();
}

/** Rows of a list of records (MTTS chunks) printed with -v; --json has them all. */
const MAX_LIST_ROWS = 24;

// A flat record of more than four numbers.
function isCountTable(v: unknown): v is Record<string, number> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 4 && Object.values(v).every((x) => typeof x === 'number');
}

/** A fact's value for the human table: numbers grouped, flat records as `label n, …`. */
function show(v: unknown): string {
  if (typeof v === 'number') return num(v);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return typeof v === 'object' ? JSON.stringify(v) : String(v);
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return '—';
  if (entries.every(([, x]) => typeof x === 'number')) return entries.map(([k, n]) => `${words(k)} ${num(n as number)}`).join(', ');
  // records of records (MTTS codecs): the ones in use, each on its own terms
  const used = entries.filter(([, x]) => x === null || typeof x !== 'object' || Object.values(x).some((y) => y !== 0));
  return used.map(([k, x]) => `${k}: ${show(x)}`).join('; ');
}

/** `decompressedBytes` → `decompressed bytes`. */
function words(key: string): string {
  return key.replace(/([A-Z])/g, ' $1').toLowerCase();
}

function ratio(raw: number, file: number): number {
  return file > 0 ? Math.round((raw / file) * 100) / 100 : 0;
}

export function spaceRows(s: SpaceStats, duplicates?: number): [string, string][] {
  const rows: [string, string][] = [
    ['atoms', duplicates ? `${num(s.atoms)} (${count(duplicates, 'duplicate')} of the listed atoms dropped: a space holds each atom once)` : num(s.atoms)],
    ['path bytes', `${num(s.rawBytes)} (min ${num(s.pathBytes.min)}, mean ${num(s.pathBytes.mean)}, max ${num(s.pathBytes.max)} per atom)`],
  ];
  if (s.nonExpressions > 0) rows.push(['not expressions', `${num(s.nonExpressions)} paths are not MORK expressions (binary keys)`]);
  if (s.expressions > 0) {
    rows.push(['distinct symbols', num(s.distinctSymbols)]);
    rows.push(['depth', `max ${num(s.depth.max)}, mean ${num(s.depth.mean)}`]);
    rows.push(['variables', `${count(s.variables.atomsWithVariables, 'atom')} ${s.variables.atomsWithVariables === 1 ? 'has' : 'have'} variables; max ${num(s.variables.maxPerAtom)} per atom, ${num(s.variables.total)} in all`]);
  }
  return rows;
}
