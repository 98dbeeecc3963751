/** `serialize`, `deserialize` and `convert`: one pipeline, three defaults for the formats. */
import type { Command } from 'commander';
import { convertStream, type ConvertOptions } from '../convert.js';
import { detectOutputFormat } from '../formats/registry.js';
import { checkCliOutput, cliInput, note, sendOutput, type CliIo, type GlobalOptions } from './context.js';
import { num } from './render.js';
import { addMttsThreadFlags, addMttsWriteFlags, formatOptions, type FormatFlags } from './format-flags.js';

interface ConvertFlags extends GlobalOptions, FormatFlags {
  output?: string;
  from?: string;
  to?: string;
}

/** The three commands differ only in which formats they fix and which flags they take. */
const COMMANDS: readonly {
  name: string;
  description: string;
  input: string;
  /** Flag values the command fixes (`from: 'text'` for serialize). */
  fixed: { from?: string; to?: string };
  /** Whether it reads binary formats (MTTS digests: `--no-verify`) and writes them (codec flags). */
  reads: boolean;
  writes: boolean;
}[] = [
  { name: 'serialize', description: 'MeTTa text → a format (paths, act, mtts, text)', input: 'MeTTa text file, or - for stdin', fixed: { from: 'text' }, reads: false, writes: true },
  { name: 'deserialize', description: 'a format → MeTTa text, one atom per line in space order (as upstream dumps it)', input: 'space file, or - for stdin', fixed: { to: 'text' }, reads: true, writes: false },
  { name: 'convert', description: 'any format → any format', input: 'space file, or - for stdin', fixed: {}, reads: true, writes: true },
];

export function addConvertCommands(program: Command, io: CliIo, setExit: (p: Promise<void>) => void): void {
  for (const spec of COMMANDS) {
    const cmd = program.command(spec.name).description(spec.description).argument('[input]', spec.input, '-');
    if (spec.fixed.from === undefined) cmd.option('--from <format>', 'input format (default: detected from magic bytes or extension)');
    if (spec.fixed.to === undefined) cmd.option('-t, --to <format>', 'output format (default: from the output extension)');
    if (spec.fixed.from === undefined || spec.fixed.from === 'text') cmd.option('--crlf', 'text input: treat carriage returns as whitespace (upstream keeps them as symbol bytes)');
    cmd
      .option('-o, --output <file>', 'output file (default: stdout); written atomically')
      .option('-f, --force', 'replace an existing output file; write binary to a terminal')
      .option('--json', 'print a JSON report of the run (stdout when -o is a file, else stderr)')
      .option('-v, --verbose', 'print a summary and notes on stderr');
    if (spec.writes) addMttsWriteFlags(addFormatFlags(cmd));
    addMttsThreadFlags(cmd, spec.reads);
    cmd.action((input: string, flags: ConvertFlags) => setExit(run(io, input, { ...flags, ...spec.fixed })));
  }
}

/** The `.paths` writer's flag (the container's are in format-flags.ts). */
function addFormatFlags(cmd: Command): Command {
  return cmd.option('--level <n>', '.paths: deflate level 0-9 (default 5; upstream writes 7: 2% smaller, twice the time)');
}

async function run(io: CliIo, inputName: string, flags: ConvertFlags): Promise<void> {
  const force = flags.force ?? false;
  const options: ConvertOptions = { ...formatOptions(flags), force };
  if (flags.from !== undefined) options.from = flags.from;
  if (flags.to !== undefined) options.to = flags.to;
  if (flags.verbose) options.log = (m) => note(io, m);
  const to = detectOutputFormat(flags.output, flags.to);
  checkCliOutput(flags.output, to.binary, io, force);
  const input = cliInput(inputName, io);
  const { bytes, report } = await convertStream(input, flags.output, options);
  await sendOutput(flags.output, bytes, io, force);
  for (const w of report.warnings) note(io, `warning: ${w}`);
  if (flags.json) {
    const doc = JSON.stringify({ input: input.name, output: flags.output ?? '<stdout>', ...report }) + '\n';
    (flags.output && flags.output !== '-' ? io.stdout : io.stderr).write(doc);
  } else if (flags.verbose) {
    const mb = report.rawBytes / 1e6;
    note(io, `${report.from} → ${report.to}: ${num(report.atoms)} atoms, ${num(report.rawBytes)} path bytes → ${num(report.outputBytes)} bytes in ${report.seconds.toFixed(3)} s (${num(Math.round(report.atoms / Math.max(report.seconds, 1e-9)))} atoms/s, ${(mb / Math.max(report.seconds, 1e-9)).toFixed(1)} MB/s)`);
  }
}
