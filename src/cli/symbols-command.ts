/** `symbols`: a MORK symbol table (its archive, or the table inside an MTTS file): summary, look-ups both ways, a listing. */
import type { Command } from 'commander';
import { resolveInput } from '../convert.js';
import { ErrorCode, MorkspaceError, UsageError } from '../errors.js';
import { withRun } from '../run/context.js';
import { loadMorkTable, looksLikeZip } from '../symbols/mork-zip.js';
import { idText, type SymbolTable } from '../symbols/table.js';
import { cliInput, type CliIo, type GlobalOptions, withGlobals } from './context.js';
import { num, table } from './render.js';

interface SymbolsFlags extends GlobalOptions {
  lookup?: string[];
  list?: boolean;
}

/** The table of `file`: a MORK archive, or the table an interned MTTS file or MeTTaTron snapshot holds. */
export async function loadTableOf(file: string, io: CliIo): Promise<SymbolTable> {
  const input = cliInput(file, io);
  if (looksLikeZip(await input.head(4))) return loadMorkTable(file);
  return withRun(undefined, { threads: 1 }, async (ctx) => {
    const { input: plain, format } = await resolveInput(input);
    const space = await format.open(plain, ctx);
    if (space.symbols === undefined) throw new MorkspaceError(ErrorCode.UnknownSymbol, `${format.name} file that holds no symbol table (its space is not interned)`, { file });
    return space.symbols;
  });
}

/** What `inspect` shows of a table. */
export function tableFacts(t: SymbolTable): Record<string, unknown> {
  const s = t.summary();
  return {
    symbols: s.symbols,
    symbolBytes: s.bytes,
    longest: s.longest,
    longSymbols: `${num(s.long)} over 63 bytes (the ones only interning keeps whole)`,
    shards: s.shards.join(', ') || '—',
    ...(s.firstId !== undefined ? { idRange: `${s.firstId} … ${s.lastId}` } : {}),
    ...(s.repeatedTexts > 0 ? { repeatedTexts: `${num(s.repeatedTexts)} (texts held under a second id: upstream's reader makes them after a restore)` } : {}),
  };
}

const UTF8 = new TextDecoder();

export function addSymbolsCommand(program: Command, io: CliIo, setExit: (p: Promise<void>) => void): void {
  const cmd = program
    .command('symbols')
    .description("a symbol table (MORK's archive, or the one inside an interned .mtts): summary, look-ups by id or text, a listing")
    .argument('<table>', 'a MORK symbol-table zip (SharedMapping_0xNN.binary_data entries), or an interned .mtts file')
    .option('--lookup <id-or-text>', 'an id (0x and hex digits, as inspect prints them) gives its text; anything else is a text and gives its id (repeatable; exit 1 when one is missing)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--list', 'every symbol, one per line: id, a tab, its text (in id order)')
    .option('--json', 'print one JSON document');
  cmd.action((file: string) => setExit(run(io, file, withGlobals<SymbolsFlags>(cmd))));
}

async function run(io: CliIo, file: string, flags: SymbolsFlags): Promise<void> {
  if (flags.list && flags.lookup) throw new UsageError(ErrorCode.Usage, '--list and --lookup: give one');
  const t = await loadTableOf(file, io);
  if (flags.lookup) {
    const found = flags.lookup.map((q) => {
      const asId = /^0x[0-9a-f]{1,16}$/i.test(q) ? Number.parseInt(q.slice(2), 16) : undefined;
      if (asId !== undefined) {
        const text = t.lookup(asId);
        return { query: q, id: idText(asId), ...(text !== undefined ? { text: UTF8.decode(text) } : {}), found: text !== undefined };
      }
      const id = t.idOf(new TextEncoder().encode(q));
      return { query: q, ...(id !== undefined ? { id: idText(id) } : {}), text: q, found: id !== undefined };
    });
    if (flags.json) io.stdout.write(JSON.stringify({ table: file, lookups: found }) + '\n');
    else for (const f of found) io.stdout.write(f.found ? `${f.id}\t${f.text}\n` : '');
    const missing = found.filter((f) => !f.found);
    if (missing.length > 0) throw new MorkspaceError(ErrorCode.UnknownSymbol, `${missing.length === 1 ? '' : `${missing.length} look-ups failed; the first: `}${missing[0]!.query.slice(0, 80)} is not in the table`, { file });
    return;
  }
  if (flags.list) {
    const lines: string[] = [];
    const flush = (): void => {
      io.stdout.write(lines.join(''));
      lines.length = 0;
    };
    for (let k = 0; k < t.count; k++) {
      lines.push(`${idText(t.ids[k]!)}\t${UTF8.decode(t.symbolAt(k))}\n`);
      if (lines.length >= 4096) flush();
    }
    flush();
    return;
  }
  const facts = tableFacts(t);
  if (flags.json) io.stdout.write(JSON.stringify({ file, format: 'mork-symbols', ...facts }, null, 2) + '\n');
  else io.stdout.write(table([['file', file], ['format', "MORK symbol table"], ...Object.entries(facts).map(([k, v]) => [k.replace(/([A-Z])/g, ' $1').toLowerCase(), typeof v === 'number' ? num(v) : String(v)] as [string, string])]));
}
