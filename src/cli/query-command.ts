/** `query`: atoms matching a pattern and/or under a prefix, streamed as text, JSON or a count. */
import type { Command } from 'commander';
import { ByteWriter, expressionToText, printExpression } from '../expr/encoding.js';
import { streamOutput } from '../io/output.js';
import type { PathArena } from '../path-arena.js';
import { queryInput, type QueryOptions } from '../query.js';
import { resolveInput } from '../convert.js';
import { textEncoder } from '../bytes.js';
import { loadMorkTable } from '../symbols/mork-zip.js';
import type { SymbolTable } from '../symbols/table.js';
import { cliInput, cliRun, type CliIo, type GlobalOptions, withGlobals } from './context.js';
import { addRunFlags, checkFlagsApply, formatOptions, intFlag, type FormatFlags } from './format-flags.js';

interface QueryFlags extends GlobalOptions, FormatFlags {
  from?: string;
  prefix?: string;
  count?: boolean;
  limit?: string;
  symbols?: string;
}

export function addQueryCommand(program: Command, io: CliIo, setExit: (p: Promise<void>) => void): void {
  const cmd = program
    .command('query')
    .description('print the atoms that match a pattern, e.g. query family.act "(parent $x Bob)"')
    .argument('<input>', 'space file, or - for stdin')
    .argument('[pattern]', 'MeTTa pattern: $variables match any sub-expression, a repeated one the same one')
    .option('--prefix <text>', "only atoms beginning with this text, e.g. '(parent Alice' (open lists take any arity)")
    .option('--from <format>', 'input format (default: detected)')
    .option('--limit <n>', 'stop after n matches')
    .option('--symbols <zip>', "the symbol table (MORK's archive) of an interned .paths or ACT input: the pattern and the matches go through it")
    .option('--count', 'print only the number of matches')
    .option('--json', 'print one JSON document {"matches": [...], "count": n}')
    .option('-v, --verbose', 'print notes on stderr')
    .option('--crlf', 'text input: treat carriage returns as whitespace')
    .option('--strip-bom', 'text input: drop a UTF-8 byte-order mark at the start');
  addRunFlags(cmd, true).action((inputName: string, pattern: string | undefined) => setExit(run(io, cmd, inputName, pattern, withGlobals<QueryFlags>(cmd))));
}

async function run(io: CliIo, cmd: Command, inputName: string, pattern: string | undefined, flags: QueryFlags): Promise<void> {
  const options: QueryOptions = { ...formatOptions(flags) };
  if (pattern !== undefined) options.pattern = pattern;
  if (flags.prefix !== undefined) options.prefix = flags.prefix;
  if (flags.limit !== undefined) options.limit = intFlag('limit', flags.limit, 0, Number.MAX_SAFE_INTEGER);
  if (flags.symbols !== undefined) options.symbols = loadMorkTable(flags.symbols);
  const ctx = cliRun(io, flags);
  try {
    const { input, format } = await resolveInput(cliInput(inputName, io), flags.from !== undefined ? { from: flags.from } : {});
    checkFlagsApply(cmd, format, undefined);
    const run = { ...options, from: format.name, context: ctx };
    if (flags.count) {
      const n = await queryInput(input, run, () => undefined);
      io.stdout.write(flags.json ? `${JSON.stringify({ count: n })}\n` : `${n}\n`);
      return;
    }
    const out = streamOutput(io.stdout);
    try {
      const print = flags.json ? jsonPrinter() : textPrinter();
      const n = await queryInput(input, run, async (batch, symbols) => {
        for (const chunk of print.batch(batch, symbols)) await out.sink.write(chunk);
      });
      for (const chunk of print.end(n)) await out.sink.write(chunk);
    } finally {
      await out.commit();
    }
  } finally {
    await ctx.close();
  }
}

/** Turns batches of matches into output bytes. */
interface Printer {
  batch(matches: PathArena, symbols: SymbolTable | undefined): Uint8Array[];
  end(count: number): Uint8Array[];
}

// One atom per line, as `deserialize` prints them.
function textPrinter(): Printer {
  return {
    batch(matches, symbols) {
      const out: Uint8Array[] = [];
      const w = new ByteWriter(1 << 16);
      for (let i = 0; i < matches.count; i++) {
        // (no pattern matches the empty path: every match is an expression)
        printExpression(matches.bytes, matches.start(i), matches.end(i), w, symbols);
        if (w.pos >= 1 << 16) out.push(w.take());
      }
      if (w.pos > 0) out.push(w.take());
      return out;
    },
    end: () => [],
  };
}

// One JSON document, streamed: the matches can be many more than fit a string comfortably.
function jsonPrinter(): Printer {
  let n = 0;
  return {
    batch(matches, symbols) {
      let part = n === 0 ? '{"matches":[' : '';
      for (let i = 0; i < matches.count; i++) part += (n++ > 0 ? ',' : '') + JSON.stringify(expressionToText(matches.viewPath(i), symbols));
      return [textEncoder.encode(part)];
    },
    end: (count) => [textEncoder.encode(`${n === 0 ? '{"matches":[' : ''}],"count":${count}}\n`)],
  };
}
