/** `serialize`, `deserialize` and `convert`: one pipeline, three defaults for the formats. */
import fs from 'node:fs';
import path from 'node:path';
import { loadMorkTable } from '../symbols/mork-zip.js';
import type { Stage } from '../pipeline.js';
import { compileQuery } from '../query.js';
import { compileRewrite, matchStage, patternText } from '../rewrite.js';
import type { Command } from 'commander';
import { batchJobs, convertBatch } from '../batch.js';
import { convert, resolveInput, type ConvertOptions, type ConvertReport } from '../convert.js';
import { RecordingProbe } from '../run/probe.js';
import { parseShard } from '../shard.js';
import type { RunContext } from '../run/context.js';
import { fileInput } from '../io/input.js';
import { detectOutputFormat, formatByExtension } from '../formats/table.js';
import { BatchFailed, checkCliOutput, checkOneStdin, cliBoard, cliInput, cliOutput, cliProgress, cliRun, note, runOptions, type CliIo, type GlobalOptions, withGlobals } from './context.js';
import { count, num, recordTable } from './render.js';
import { ErrorCode, IoError, UsageError, ioError } from '../errors.js';
import { addMttsWriteFlags, addRunFlags, checkFlagsApply, formatOptions, intFlag, type FormatFlags } from './format-flags.js';

interface ConvertFlags extends GlobalOptions, FormatFlags {
  output?: string;
  from?: string;
  to?: string;
  outDir?: string;
  jobs?: string;
  keepGoing?: boolean;
  /** `--profile` (true: a table on stderr) or `--profile=json`. */
  profile?: boolean | string;
  shard?: string;
  symbols?: string;
  symbolsOut?: string;
  resolve?: boolean;
  pattern?: string;
  template?: string;
}

/** The three commands differ only in which formats they fix and which flags they take. */
const COMMANDS: readonly {
  name: string;
  description: string;
  input: string;
  /** `text`: the input must be MeTTa text (serialize); `to`: the output format it fixes (deserialize). */
  textOnly: boolean;
  to?: string;
  /** Whether it reads binary formats (MTTS digests: `--no-verify`) and writes them (codec flags). */
  reads: boolean;
  writes: boolean;
}[] = [
  { name: 'serialize', description: 'MeTTa text → a format (paths, act, mtts, text); several inputs: their union', input: 'MeTTa text files, or - for stdin', textOnly: true, reads: false, writes: true },
  { name: 'deserialize', description: 'a format → MeTTa text, one atom per line in space order (as upstream dumps it); several inputs: their union', input: 'space files, or - for stdin', textOnly: false, to: 'text', reads: true, writes: false },
  { name: 'convert', description: 'any format → any format; several inputs (any formats): their union', input: 'space files, or - for stdin', textOnly: false, reads: true, writes: true },
];

/** The names of the commands `addConvertCommands` defines. */
export const CONVERT_COMMAND_NAMES: readonly string[] = COMMANDS.map((c) => c.name);

export function addConvertCommands(program: Command, io: CliIo, setExit: (p: Promise<void>) => void): void {
  for (const spec of COMMANDS) {
    const cmd = program.command(spec.name).description(spec.description).argument('[inputs...]', spec.input);
    if (!spec.textOnly) {
      cmd.option('--from <format>', 'input format (default: detected from magic bytes or extension)');
      cmd.option('--csv-delimiter <c>', 'csv input: the field separator, one character (\\t for a tab; default , and a tab for .tsv)');
      cmd.option('--csv-header', 'csv input: the first row is a header: skip it (MORK reads it as a row)');
    }
    if (spec.to === undefined) cmd.option('-t, --to <format>', 'output format (default: from the output extension)');
    cmd
      .option('--crlf', 'text input: treat carriage returns as whitespace (upstream keeps them as symbol bytes)')
      .option('--strip-bom', 'text input: drop a UTF-8 byte-order mark at the start (upstream reads it as symbol bytes)')
      .option('--long-symbols <mode>', 'text input: a symbol over 63 bytes is an error (default: the first named, the rest counted) or is cut to 63 bytes, as upstream\'s default build does (truncate)');
    if (spec.name !== 'deserialize') cmd.option('--intern', 'text, JSON or CSV input: every symbol becomes an 8-byte id, as MORK\'s interning build does; the table goes inside MTTS or to --symbols-out');
    if (spec.textOnly) cmd.option('--symbols <zip>', 'with --intern: write the symbol table here (MORK\'s archive), beside a .paths or ACT output');
    else cmd.option('--symbols <zip>', 'the symbol table (MORK\'s archive) of an interned .paths or ACT input');
    if (spec.name !== 'deserialize') cmd.option('--symbols-out <zip>', 'write the space\'s symbol table here (MORK\'s archive of Stored entries)');
    if (spec.name === 'convert') {
      cmd.option('--resolve', 'turn interned ids back into inline symbols (each must be 63 bytes or less); the output needs no table');
      cmd.option('--pattern <text>', 'keep only the atoms that match this MeTTa pattern, e.g. (parent $x $y)');
      cmd.option('--template <text>', 'with --pattern: write each match as this atom, its variables bound by the pattern, e.g. (child $y $x)');
    }
    cmd
      .option('-o, --output <file>', 'output file (default: stdout); a new or replaced file is written atomically, a device or FIFO directly')
      .option('--out-dir <dir>', 'convert each input on its own into DIR (x.paths → DIR/x.<to>), a summary table on stdout')
      .option('--jobs <n>', 'with --out-dir: conversions at once, sharing the worker pool (default: threads / 2, at least 1)')
      .option('--keep-going', 'with --out-dir: convert the rest when one fails (exit code of the first failure)')
      .option('--shard <K/N>', 'keep shard K of N (1-based): the K-th of N equal ranges of the space in order; the N outputs converted together give the whole (docs/shards.md)')
      .option('--profile [json]', 'time per stage (symbols with --intern, read, sort, transform with --pattern, write), peak RSS, threads: a table on stderr, or --profile=json on stdout (stderr when the output is stdout)')
      .option('-f, --force', 'replace an existing output file; write binary to a terminal')
      .option('--json', 'print a JSON report of the run (stdout when -o is a file, else stderr)')
      .option('-v, --verbose', 'print a summary and notes on stderr');
    if (spec.writes) addMttsWriteFlags(cmd.option('--level <n>', '.paths: deflate level 0-9 (default 5; upstream writes 7: 2% smaller, twice the time)'));
    addRunFlags(cmd, spec.reads);
    cmd.action((inputs: string[]) => setExit(run(io, cmd, inputs.length > 0 ? inputs : ['-'], { ...withGlobals<ConvertFlags>(cmd), ...(spec.to ? { to: spec.to } : {}) }, spec.textOnly)));
  }
}

async function run(io: CliIo, cmd: Command, inputNames: readonly string[], flags: ConvertFlags, textOnly: boolean): Promise<void> {
  if (flags.outDir !== undefined) return runBatch(io, cmd, inputNames, flags, textOnly);
  if (flags.jobs !== undefined || flags.keepGoing) throw new UsageError(ErrorCode.Usage, '--jobs and --keep-going apply with --out-dir');
  const shard = flags.shard !== undefined ? { shard: parseShard(flags.shard) } : {};
  const force = flags.force ?? false;
  const to = detectOutputFormat(flags.output, flags.to);
  // --to wins over the extension, as in mork convert, which warns too
  const byExtension = flags.to !== undefined && flags.output !== undefined && flags.output !== '-' ? formatByExtension(flags.output) : undefined;
  if (byExtension !== undefined && byExtension !== to && !flags.quiet) note(io, `warning: writing ${to.name} (--to) to ${path.basename(flags.output!)}, whose extension says ${byExtension.name}`);
  checkCliOutput(flags.output, to, io, force);
  checkOneStdin(inputNames);
  if (flags.profile !== undefined && flags.profile !== true && flags.profile !== 'json') throw new UsageError(ErrorCode.Usage, `--profile takes nothing or =json, got '${String(flags.profile)}'`);
  const probe = flags.profile !== undefined ? new RecordingProbe() : undefined;
  const named = inputNames.map((n) => cliInput(n, io));
  const progress = cliProgress(io, flags, named);
  const ctx = cliRun(io, flags, probe, progress);
  try {
    const inputs = [];
    const formats = new Set<string>();
    for (const given of named) {
      const { input, format } = await resolveInput(given, { textOnly, ...(flags.from !== undefined ? { from: flags.from } : {}) });
      checkFlagsApply(cmd, format, to);
      inputs.push(input);
      formats.add(format.name);
    }
    // one format for every input: said once, not detected again
    const from = formats.size === 1 ? [...formats][0]! : flags.from;
    const symbols = symbolOptions(flags, textOnly);
    const stages = matchStages(flags);
    // an ACT input reads only the pattern's subtrie (its constant prefix, through an interned space's
    // table); not with --shard, whose ranks count the whole space
    const walk = flags.pattern !== undefined && flags.shard === undefined ? compileQuery(patternText(flags.pattern), undefined, symbols.symbols).walkPrefix : undefined;
    const target = await cliOutput(flags.output, io, force);
    let report;
    try {
      report = await convert(inputs.length === 1 ? inputs[0]! : inputs, target, { ...formatOptions(flags), context: ctx, ...(from !== undefined ? { from } : {}), to: to.name, textOnly, ...shard, ...symbols, force, ...(stages ? { stages } : {}), ...(walk !== undefined && walk.lo.length > 0 ? { walk } : {}) });
      await target.commit();
    } finally {
      progress?.done();
      await target.discard();
    }
    const input = inputs.length === 1 ? inputs[0]!.name : inputs.map((i) => i.name);
    const toStdout = flags.output === undefined || flags.output === '-';
    if (probe) printProfile(io, probe, report, ctx, flags.profile === 'json' ? (toStdout ? io.stderr : io.stdout) : undefined);
    if (flags.json) {
      const doc = JSON.stringify({ input, output: target.name, ...report, seconds: Math.round(report.seconds * 1000) / 1000 }) + '\n';
      (flags.output && flags.output !== '-' ? io.stdout : io.stderr).write(doc);
    } else if (flags.verbose) {
      const mb = report.pathBytes / 1e6;
      note(io, `${report.from} → ${report.to}: ${count(report.atoms, 'atom')}, ${count(report.pathBytes, 'path byte')} → ${count(report.outputBytes, 'byte')} in ${report.seconds.toFixed(3)} s (${num(Math.round(report.atoms / Math.max(report.seconds, 1e-9)))} atoms/s, ${(mb / Math.max(report.seconds, 1e-9)).toFixed(1)} MB/s)`);
    }
  } finally {
    await ctx.close();
  }
}

/** `--pattern`/`--template` as the stage after the sort (the rewrite's result sorted again), checked before any work. */
function matchStages(flags: ConvertFlags): Stage[] | undefined {
  if (flags.template !== undefined && flags.pattern === undefined) throw new UsageError(ErrorCode.Usage, '--template needs --pattern: its variables come from the pattern');
  if (flags.pattern === undefined) return undefined;
  // MeTTa text, or mork convert's compact notation ([2] parent $ _1)
  const pattern = patternText(flags.pattern);
  const template = flags.template !== undefined ? patternText(flags.template) : undefined;
  if (template !== undefined) compileRewrite(pattern, template);
  else compileQuery(pattern, undefined);
  return [matchStage(pattern, undefined, template)];
}

/** The symbol flags as convert options: `serialize --symbols` names the table to write, elsewhere the table to read. */
function symbolOptions(flags: ConvertFlags, textOnly: boolean): Pick<ConvertOptions, 'symbols' | 'symbolsOut' | 'resolve'> {
  const out = flags.symbolsOut ?? (textOnly ? flags.symbols : undefined);
  if (textOnly && flags.symbols !== undefined && flags.symbolsOut !== undefined) throw new UsageError(ErrorCode.Usage, 'serialize: --symbols and --symbols-out both name the table to write: give one');
  if (out !== undefined && flags.output !== undefined && path.resolve(out) === path.resolve(flags.output)) throw new UsageError(ErrorCode.Usage, `the symbol table and the output are the same file (${out})`);
  return {
    ...(!textOnly && flags.symbols !== undefined ? { symbols: loadMorkTable(flags.symbols) } : {}),
    ...(out !== undefined ? { symbolsOut: out } : {}),
    ...(flags.resolve ? { resolve: true } : {}),
  };
}

/** `--out-dir`: each input on its own (src/batch.ts), one line per failure on stderr, a summary on stdout. */
async function runBatch(io: CliIo, cmd: Command, inputNames: readonly string[], flags: ConvertFlags, textOnly: boolean): Promise<void> {
  const outDir = flags.outDir!;
  if (flags.output !== undefined) throw new UsageError(ErrorCode.Usage, '-o and --out-dir: give one');
  if (inputNames.includes('-')) throw new UsageError(ErrorCode.Usage, '--out-dir converts files: stdin (-) has no name to write under');
  if (flags.to === undefined) throw new UsageError(ErrorCode.Usage, '--out-dir needs --to FORMAT (the outputs are named after the inputs)');
  const to = detectOutputFormat(undefined, flags.to);
  // one table for every input may be given; a table to write would be one per output
  if (flags.symbolsOut !== undefined || (textOnly && flags.symbols !== undefined)) throw new UsageError(ErrorCode.Usage, '--out-dir writes one output per input: a symbol table to write (--symbols-out) would be one per output too; write mtts, which holds its table');
  if (flags.intern && to.capabilities.symbols === 'sidecar') throw new UsageError(ErrorCode.Usage, `--intern with --out-dir: ${to.name} keeps no symbol table; write mtts, which holds it`);
  const jobs = flags.jobs !== undefined ? intFlag('jobs', flags.jobs, 1, 256) : undefined;
  // every input's format checked, and every output planned, before any work
  for (const name of inputNames) {
    const { format } = await resolveInput(fileInput(name), { textOnly, ...(flags.from !== undefined ? { from: flags.from } : {}) });
    checkFlagsApply(cmd, format, to);
  }
  const planned = batchJobs(inputNames, outDir, to);
  // the folder is made when missing (as `mkdir -p`), and removed again if no job wrote into it
  const created = makeFolder(outDir);
  const shard = flags.shard !== undefined ? { shard: parseShard(flags.shard) } : {};
  // on a terminal, a row per running job, and a line as each job ends (the summary table follows on stdout)
  const shown = cliBoard(io, flags);
  const run = runOptions(io, flags, undefined, shown?.board);
  let ended = 0;
  const results = await convertBatch(planned, {
    ...formatOptions(flags),
    ...symbolOptions(flags, textOnly),
    ...run,
    ...(flags.from !== undefined ? { from: flags.from } : {}),
    to: to.name,
    textOnly,
    force: flags.force ?? false,
    ...(jobs !== undefined ? { jobs } : {}),
    keepGoing: flags.keepGoing ?? false,
    ...shard,
    ...(shown ? { progressFor: shown.progressFor } : {}),
    onResult: (r) => {
      ended++;
      shown?.board.done();
      if (r.status === 'failed' && r.error) note(io, r.error.render());
      else if (shown && r.report) note(io, `[${ended}/${planned.length}] ${r.input} → ${r.output}: ${count(r.report.atoms, 'atom')} in ${r.report.seconds.toFixed(2)} s`);
    },
  });
  shown?.board.done();
  const rows = results.map((r) => ({
    input: r.input,
    status: r.status,
    atoms: r.report?.atoms ?? 0,
    'in bytes': fileBytes(r.input),
    'out bytes': r.report?.outputBytes ?? 0,
    seconds: r.report ? Math.round(r.report.seconds * 1000) / 1000 : 0,
    output: r.output,
  }));
  if (flags.json) io.stdout.write(JSON.stringify({ jobs: rows.map((row, i) => ({ ...row, ...(results[i]!.error ? { error: results[i]!.error!.toJSON() } : {}) })) }) + '\n');
  else io.stdout.write(recordTable(rows, ''));
  const failed = results.find((r) => r.status === 'failed');
  if (created !== undefined && results.every((r) => r.status === 'failed')) fs.rmSync(created, { recursive: true, force: true });
  if (failed?.error) throw new BatchFailed(failed.error, results.filter((r) => r.status === 'failed').length, results.length);
}

// `dir` and its missing parents; the first one made (undefined when it existed).
function makeFolder(dir: string): string | undefined {
  try {
    return fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw code === 'EEXIST' || code === 'ENOTDIR' ? new IoError(ErrorCode.Io, `--out-dir: not a folder: ${dir}`, { file: dir }) : ioError(e, dir);
  }
}

function fileBytes(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** The `--profile` report: a table on stderr, or one JSON document on `json`. */
function printProfile(io: CliIo, probe: RecordingProbe, report: ConvertReport, ctx: RunContext, json: NodeJS.WritableStream | undefined): void {
  const totalMs = report.seconds * 1000;
  const tenth = (ms: number): number => Math.round(ms * 10) / 10;
  const stages = probe.profile(totalMs).map((f) => ({ ...f, ms: tenth(f.ms), ...(f.parts ? { parts: f.parts.map((p) => ({ ...p, ms: tenth(p.ms) })) } : {}) }));
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  if (json) {
    const busy = ctx.pool.busyShare;
    json.write(JSON.stringify({ totalMs: tenth(totalMs), peakRssBytes, threads: ctx.threads, poolTasks: ctx.pool.completed, ...(busy !== undefined ? { workerUtilisation: Math.round(busy * 1000) / 1000 } : {}), stages }) + '\n');
    return;
  }
  const share = (ms: number): string => `${((100 * ms) / Math.max(totalMs, 1e-9)).toFixed(1)}%`;
  // a stage's parts under it, indented (their bytes: path bytes, or bytes written for `output`)
  const rows = stages.flatMap((f) => [
    { stage: f.name, ms: f.ms, share: share(f.ms), atoms: f.atoms, bytes: f.bytes },
    ...(f.parts ?? []).map((p) => ({ stage: `  ${p.name}`, ms: p.ms, share: share(p.ms), atoms: '', bytes: p.bytes })),
  ]);
  io.stderr.write(recordTable(rows, '  '));
  const busy = ctx.pool.busyShare;
  note(io, `profile: ${num(Math.round(totalMs))} ms in all, peak RSS ${num(Math.round(peakRssBytes / 2 ** 20))} MiB, ${count(ctx.threads, 'thread')}, ${count(ctx.pool.completed, 'pool task')}${busy !== undefined ? ` (workers busy ${(100 * busy).toFixed(0)}% of their time)` : ''}`);
}
