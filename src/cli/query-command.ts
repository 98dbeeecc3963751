/** `query`: atoms matching a pattern and/or under a prefix, streamed as text, JSON or a count. */
import type { Command } from 'commander';
import { ByteWriter, expressionToText, printExpression } from '../expr/encoding.js';
import { writeStream } from '../io/output.js';
import type { PathArena } from '../path-arena.js';
import { queryInput, type QueryOptions } from '../query.js';
import { cliInput, note, type CliIo, type GlobalOptions } from './context.js';
import { formatOptions, intFlag, type FormatFlags } from './format-flags.js';

interface QueryFlags extends GlobalOptions, FormatFlags {
  from?: string;
  prefix?: string;
  count?: boolean;
  limit?: string;
}

export function addQueryCommand(program: Command, io: CliIo, setExit: (p: Promise<void>) => void): void {
  program
    .command('query')
    .description('print the atoms that match a pattern, e.g. query family.act "(parent $x Bob)"')
    .argument('<input>', 'space file, or - for stdin')
    .argument('[pattern]', 'MeTTa pattern: $variables match any sub-expression, a repeated one the same one')
    .option('--prefix <text>', "only atoms beginning with this text, e.g. '(parent Alice' (open lists take any arity)")
    .option('--from <format>', 'input format (default: detected)')
    .option('--limit <n>', 'stop after n matches')
    .option('--count', 'print only the number of matches')
    .option('--json', 'print one JSON document {"matches": [...], "count": n}')
    .option('-v, --verbose', 'print notes on stderr')
    .action((inputName: string, pattern: string | undefined, flags: QueryFlags) => setExit(run(io, inputName, pattern, flags)));
}

async function run(io: CliIo, inputName: string, pattern: string | undefined, flags: QueryFlags): Promise<void> {
  const options: QueryOptions = { ...formatOptions(flags) };
  if (pattern !== undefined) options.pattern = pattern;
  if (flags.prefix !== undefined) options.prefix = flags.prefix;
  if (flags.from !== undefined) options.from = flags.from;
  if (flags.limit !== undefined) options.limit = intFlag('limit', flags.limit, 0, Number.MAX_SAFE_INTEGER);
  if (flags.verbose) options.log = (m) => note(io, m);
  const matches = queryInput(cliInput(inputName, io), options);
  if (flags.count) {
    let n = 0;
    for await (const batch of matches) n += batch.count;
    io.stdout.write(flags.json ? `${JSON.stringify({ count: n })}\n` : `${n}\n`);
    return;
  }
  await writeStream(io.stdout, flags.json ? jsonChunks(matches) : textChunks(matches));
}

// One atom per line, as `deserialize` prints them.
async function* textChunks(matches: AsyncIterable<PathArena>): AsyncGenerator<Uint8Array> {
  const w = new ByteWriter(1 << 16);
  for await (const batch of matches) {
    for (let i = 0; i < batch.count; i++) {
      printExpression(batch.bytes, batch.start(i), batch.end(i), w);
      if (w.pos >= 1 << 16) yield w.take();
    }
    if (w.pos > 0) yield w.take();
  }
}

// One JSON document, streamed: the matches can be many more than fit a string comfortably.
async function* jsonChunks(matches: AsyncIterable<PathArena>): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder();
  let n = 0;
  let part = '{"matches":[';
  for await (const batch of matches) {
    for (let i = 0; i < batch.count; i++) {
      part += (n++ > 0 ? ',' : '') + JSON.stringify(expressionToText(batch.viewPath(i)));
      if (part.length >= 1 << 16) {
        yield enc.encode(part);
        part = '';
      }
    }
  }
  yield enc.encode(`${part}],"count":${n}}\n`);
}
