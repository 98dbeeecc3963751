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

export function addConvertCommands(program: Command, io: CliIo, setExit: (p: Promise<void>) => void): void {
  const common = (cmd: Command): Command =>
    cmd
      .option('-o, --output <file>', 'output file (default: stdout); written atomically')
      .option('-f, --force', 'replace an existing output file; write binary to a terminal')
      .option('--json', 'print a JSON report of the run (stdout when -o is a file, else stderr)')
      .option('-v, --verbose', 'print a summary and notes on stderr');

  common(
    program
      .command('serialize')
      .description('MeTTa text → a format (paths, act, mtts, text)')
      .argument('[input]', 'MeTTa text file, or - for stdin', '-')
      .option('-t, --to <format>', 'output format (default: from the output extension)'),
  )
    .option('--crlf', 'treat carriage returns as whitespace (upstream keeps them as symbol bytes)');
  program.commands.at(-1)!.action((input: string, flags: ConvertFlags) => setExit(run(io, input, { ...flags, from: 'text' })));

  common(
    program
      .command('deserialize')
      .description('a format → MeTTa text, one atom per line in space order (as upstream dumps it)')
      .argument('[input]', 'space file, or - for stdin', '-')
      .option('--from <format>', 'input format (default: detected from magic bytes or extension)'),
  );
  program.commands.at(-1)!.action((input: string, flags: ConvertFlags) => setExit(run(io, input, { ...flags, to: 'text' })));

  common(
    program
      .command('convert')
      .description('any format → any format')
      .argument('[input]', 'space file, or - for stdin', '-')
      .option('--from <format>', 'input format (default: detected)')
      .option('-t, --to <format>', 'output format (default: from the output extension)')
      .option('--crlf', 'text input: treat carriage returns as whitespace'),
  );
  program.commands.at(-1)!.action((input: string, flags: ConvertFlags) => setExit(run(io, input, flags)));

  for (const cmd of program.commands) {
    if (['serialize', 'convert'].includes(cmd.name())) addMttsWriteFlags(addFormatFlags(cmd));
    if (['serialize', 'deserialize', 'convert'].includes(cmd.name())) addMttsThreadFlags(cmd, cmd.name() !== 'serialize');
  }
}

/** Options that tune writers (the .paths level, later the container's codecs). */
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
  if (flags.json) {
    const doc = JSON.stringify({ input: input.name, output: flags.output ?? '<stdout>', ...report }) + '\n';
    (flags.output && flags.output !== '-' ? io.stdout : io.stderr).write(doc);
  } else if (flags.verbose) {
    const mb = report.rawBytes / 1e6;
    note(io, `${report.from} → ${report.to}: ${num(report.atoms)} atoms, ${num(report.rawBytes)} path bytes → ${num(report.outputBytes)} bytes in ${report.seconds.toFixed(3)} s (${num(Math.round(report.atoms / Math.max(report.seconds, 1e-9)))} atoms/s, ${(mb / Math.max(report.seconds, 1e-9)).toFixed(1)} MB/s)`);
  }
}
