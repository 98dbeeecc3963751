/** `query`: atoms matching a pattern and/or under a prefix, streamed as text, JSON or a count. */
import fs from 'node:fs';
import type { Command } from 'commander';
import { convert } from '../convert.js';
import { ErrorCode, UsageError } from '../errors.js';
import { detectOutputFormat, formatByExtension } from '../formats/table.js';
import type { Input } from '../io/input.js';
import { compileQuery } from '../query.js';
import { compileRewrite, matchStage, patternText } from '../rewrite.js';
import type { RunContext } from '../run/context.js';
import { ByteWriter, expressionToText, printExpression } from '../expr/encoding.js';
import { isStreamOutput, streamOutput } from '../io/output.js';
import type { PathArena } from '../path-arena.js';
import { queryInput, type QueryOptions } from '../query.js';
import { resolveInput } from '../convert.js';
import { textEncoder } from '../bytes.js';
import { loadMorkTable } from '../symbols/mork-zip.js';
import type { SymbolTable } from '../symbols/table.js';
import { checkCliOutput, cliInput, cliOutput, cliRun, type CliIo, type GlobalOptions, withGlobals } from './context.js';
import { addRunFlags, checkFlagsApply, formatOptions, intFlag, type FormatFlags } from './format-flags.js';

interface QueryFlags extends GlobalOptions, FormatFlags {
  from?: string;
  to?: string;
  output?: string;
  force?: boolean;
  prefix?: string;
  template?: string;
  count?: boolean;
  limit?: string;
  symbols?: string;
}

/** Ends the run with `code` and nothing on stderr: `query` that matched nothing (exit 1, like grep). */
export class QuietExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export function addQueryCommand(program: Command, io: CliIo, setExit: (p: Promise<void>) => void): void {
  const cmd = program
    .command('query')
    .description('the atoms that match a pattern, e.g. query family.act "(parent $x Bob)"; exit 1 when none does, like grep')
    .argument('[input]', 'space file, or - for stdin; with only a pattern given, stdin is read')
    .argument('[pattern]', 'MeTTa pattern: $variables match any sub-expression, a repeated one the same one')
    .option('--prefix <text>', "only atoms beginning with this text, e.g. '(parent Alice' (open lists take any arity)")
    .option('--template <text>', 'write each match as this atom, its variables replaced by what the pattern\'s matched: (child $y $x); the result is a space (sorted, de-duplicated)')
    .option('--from <format>', 'input format (default: detected)')
    .option('-t, --to <format>', 'write the matches as a space in this format (default text; from -o\'s extension)')
    .option('-o, --output <file>', 'write the matches as a space to this file (atomically; an existing one only with -f), in the format of its extension; text to a device or FIFO')
    .option('-f, --force', 'replace an existing output file; write binary to a terminal')
    .option('--limit <n>', 'stop after n matches')
    .option('--symbols <zip>', "the symbol table (MORK's archive) of an interned .paths or ACT input: the pattern and the matches go through it")
    .option('--count', 'print only the number of matches')
    .option('--json', 'print one JSON object per line: {"atom": …} per match, or {"count": n}')
    .option('-v, --verbose', 'print notes on stderr')
    .option('--crlf', 'text input: treat carriage returns as whitespace')
    .option('--strip-bom', 'text input: drop a UTF-8 byte-order mark at the start');
  addRunFlags(cmd, true).action((first: string | undefined, second: string | undefined) => {
    // `query PATTERN` with no input file reads stdin (a filter, like grep); a file of that name wins
    const [inputName, pattern] = second === undefined && first !== undefined && first !== '-' && !fs.existsSync(first) ? ['-', first] : [first ?? '-', second];
    setExit(run(io, cmd, inputName, pattern, withGlobals<QueryFlags>(cmd)));
  });
}

async function run(io: CliIo, cmd: Command, inputName: string, pattern: string | undefined, flags: QueryFlags): Promise<void> {
  const options: QueryOptions = { ...formatOptions(flags) };
  // MeTTa text, or mork convert's compact notation ([2] parent $ _1)
  if (pattern !== undefined) options.pattern = pattern = patternText(pattern);
  if (flags.template !== undefined) flags.template = patternText(flags.template);
  if (flags.prefix !== undefined) options.prefix = flags.prefix;
  if (flags.limit !== undefined) options.limit = intFlag('limit', flags.limit, 0, Number.MAX_SAFE_INTEGER);
  if (flags.symbols !== undefined) options.symbols = loadMorkTable(flags.symbols);
  if (flags.template !== undefined && pattern === undefined) throw new UsageError(ErrorCode.Usage, '--template needs a pattern: its variables come from the pattern');
  // a pattern that cannot parse is reported before any input is read
  compileQuery(options.pattern, options.prefix);
  if (flags.template !== undefined) compileRewrite(pattern!, flags.template);
  const asSpace = flags.output !== undefined || flags.to !== undefined || flags.template !== undefined;
  if (asSpace && flags.limit !== undefined) throw new UsageError(ErrorCode.Usage, '--limit stops a listing; with -o, --to or --template the matches are a space: leave it out');
  const ctx = cliRun(io, flags);
  try {
    const { input, format } = await resolveInput(cliInput(inputName, io), flags.from !== undefined ? { from: flags.from } : {});
    checkFlagsApply(cmd, format, undefined);
    const n = asSpace ? await writeSpace(io, input, format.name, options, flags, ctx) : await list(io, input, { ...options, from: format.name, context: ctx }, flags);
    if (n === 0) throw new QuietExit(1);
  } finally {
    await ctx.close();
  }
}

// The matches printed as they are found (text, JSON lines or a count); returns how many.
async function list(io: CliIo, input: Input, run: QueryOptions, flags: QueryFlags): Promise<number> {
  if (flags.count) {
    const n = await queryInput(input, run, () => undefined);
    io.stdout.write(flags.json ? `${JSON.stringify({ count: n })}\n` : `${n}\n`);
    return n;
  }
  const out = streamOutput(io.stdout);
  try {
    const print = flags.json ? jsonPrinter() : textPrinter();
    return await queryInput(input, run, async (batch, symbols) => {
      for (const chunk of print(batch, symbols)) await out.sink.write(chunk);
    });
  } finally {
    await out.commit();
  }
}

// The matches (rewritten by the template) as a space, in any format, to -o or stdout; returns its atoms.
async function writeSpace(io: CliIo, input: Input, from: string, options: QueryOptions, flags: QueryFlags, ctx: RunContext): Promise<number> {
  // text where stdout gets it: stdout, and a device or FIFO whose name has no format's extension (-o /dev/null)
  const o = flags.output;
  const streamed = o === undefined || o === '-' || (formatByExtension(o) === undefined && isStreamOutput(o));
  const to = detectOutputFormat(o, flags.to ?? (streamed ? 'text' : undefined));
  const force = flags.force ?? false;
  checkCliOutput(flags.output, to, io, force);
  const stages = [matchStage(options.pattern, options.prefix, flags.template)];
  const target = await cliOutput(flags.output, io, force);
  try {
    const report = await convert(input, target, { ...options, context: ctx, from, to: to.name, stages, force });
    await target.commit();
    if (flags.count) io.stdout.write(flags.json ? `${JSON.stringify({ count: report.atoms })}\n` : `${report.atoms}\n`);
    return report.atoms;
  } finally {
    await target.discard();
  }
}

/** Turns a batch of matches into output bytes. */
type Printer = (matches: PathArena, symbols: SymbolTable | undefined) => Uint8Array[];

// One atom per line, as `deserialize` prints them.
function textPrinter(): Printer {
  return (matches, symbols) => {
    const out: Uint8Array[] = [];
    const w = new ByteWriter(1 << 16);
    for (let i = 0; i < matches.count; i++) {
      // (no pattern matches the empty path: every match is an expression)
      printExpression(matches.bytes, matches.start(i), matches.end(i), w, symbols);
      if (w.pos >= 1 << 16) out.push(w.take());
    }
    if (w.pos > 0) out.push(w.take());
    return out;
  };
}

// One JSON object per line (`{"atom": …}`): a consumer reads them as they come, like `jq -c`.
function jsonPrinter(): Printer {
  return (matches, symbols) => {
    let part = '';
    for (let i = 0; i < matches.count; i++) part += JSON.stringify({ atom: expressionToText(matches.viewPath(i), symbols) }) + '\n';
    return [textEncoder.encode(part)];
  };
}
