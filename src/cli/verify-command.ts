/** `verify`: read a whole file and check everything its format can check; exit 0 with a one-line summary, or the error. */
import type { Command } from 'commander';
import { ErrorCode, FormatError, UsageError, inFile, type MorkspaceError } from '../errors.js';
import { writeChunks } from '../formats/format.js';
import { writeMtts } from '../formats/mtts/writer.js';
import { openOutput, planOutput } from '../io/output.js';
import { resolveInput } from '../convert.js';
import type { MttsFacts } from '../formats/mtts/reader.js';
import { cliInput, cliRun, eachFile, note, throwIfFailed, type CliIo, type GlobalOptions, withGlobals } from './context.js';
import { addRunFlags, checkFlagsApply, formatOptions, type FormatFlags } from './format-flags.js';
import { count, num } from './render.js';
import { hex } from '../bytes.js';

interface VerifyFlags extends GlobalOptions, FormatFlags {
  from?: string;
  salvage?: boolean;
  output?: string;
}

/** Register `verify [input]`: exit 0 with a one-line OK (or `--json`), else the error with exit 1. */
export function addVerifyCommand(program: Command, io: CliIo, setExit: (p: Promise<void>) => void): void {
  const cmd = program
    .command('verify')
    .description('check every checksum of a file (MTTS: header, sections, every chunk, the whole file); exit 0 when all match')
    .argument('[inputs...]', 'space files, or - for stdin; several: a line each, every file checked')
    .option('--from <format>', 'input format (default: detected)')
    .option('--json', 'print one JSON document')
    .option('--salvage', 'mtts: read past damaged chunks and write what checks out to -o (exit 1 while anything was lost)')
    .option('-o, --output <file>', 'with --salvage: the MTTS file to write')
    .option('-f, --force', 'with --salvage: replace an existing output file');
  addRunFlags(cmd, false).action((inputs: string[]) => setExit(run(io, cmd, inputs.length > 0 ? inputs : ['-'], withGlobals<VerifyFlags>(cmd))));
}

/** One file: its line (or JSON); several: a line each, every file checked, the first failure's exit code at the end. */
async function run(io: CliIo, cmd: Command, inputNames: readonly string[], flags: VerifyFlags): Promise<void> {
  if (inputNames.length === 1) {
    const report = await verifyOne(io, cmd, inputNames[0]!, flags);
    if (flags.json) io.stdout.write(JSON.stringify(report) + '\n');
    return;
  }
  const outcomes = await eachFile(io, inputNames, flags, (name) => verifyOne(io, cmd, name, flags));
  const reports = outcomes.map((o) => (o.error ? { file: o.name, ok: false, error: o.error.toJSON() } : o.value));
  const failed = outcomes.filter((o) => o.error).length;
  if (flags.json) io.stdout.write(JSON.stringify({ files: reports, ok: reports.length - failed, failed }) + '\n');
  throwIfFailed(outcomes, 'files');
}

async function verifyOne(io: CliIo, cmd: Command, inputName: string, flags: VerifyFlags): Promise<Record<string, unknown>> {
  const ctx = cliRun(io, flags);
  try {
    const { input, format } = await resolveInput(cliInput(inputName, io), flags.from !== undefined ? { from: flags.from } : {});
    checkFlagsApply(cmd, format, undefined);
    const options = formatOptions(flags);
    if ((flags.salvage === true) !== (flags.output !== undefined)) throw new UsageError(ErrorCode.Usage, '--salvage and -o go together: verify --salvage -o good.mtts damaged.mtts');
    if (flags.salvage && format.name !== 'mtts') throw new UsageError(ErrorCode.Usage, `--salvage reads past damaged MTTS chunks; ${format.name} has no chunks to skip`);
    if (flags.output !== undefined) planOutput(flags.output, flags.force ?? false);
    const started = performance.now();
    let atoms = 0;
    let pathBytes = 0;
    // every damaged chunk is reported, and reading goes on past it (MTTS: each chunk has its own digest)
    const faults: MorkspaceError[] = [];
    const onChunkFault = (e: MorkspaceError): void => {
      faults.push(e);
      if (!flags.json) note(io, (inFile(e, input.name) as MorkspaceError).render());
    };
    // reading every path runs every check the format has (digests, Adler-32, node structure, syntax);
    // no sorting: verify proves the file, not the space
    const space = await format.open(input, ctx, { ...options, mtts: { ...options.mtts, verify: true, onChunkFault } });
    const counted = (async function* () {
      for await (const b of space.batches) {
        ctx.checkAborted();
        atoms += b.count;
        pathBytes += b.byteLength;
        yield b;
      }
    })();
    const target = flags.output !== undefined ? await openOutput(flags.output, { force: flags.force ?? false }) : undefined;
    try {
      if (target) {
        await writeChunks(writeMtts(counted, {}, ctx), target.sink, ctx);
        await target.commit();
      } else {
        // done with each batch at once: a chunk of 256 MiB is not kept while the next decodes
        for await (const b of counted) b.release();
      }
    } catch (e) {
      throw inFile(e, input.name);
    } finally {
      await target?.discard();
    }
    if (faults.length > 0) {
      const chunks = (space.facts as MttsFacts).chunks;
      const bad = faults.map((f) => f.where.chunk ?? -1);
      const lost = bad.reduce((t, k) => t + (chunks[k]?.count ?? 0), 0);
      const kept = target ? `; the other ${num(atoms)} atoms were written to ${target.name}` : '';
      throw new FormatError(faults[0]!.code, `${count(faults.length, 'chunk')} of ${num(chunks.length)} damaged (${bad.map((k) => `chunk ${k}`).join(', ')}): ${count(lost, 'atom')} lost${kept}`, { file: input.name });
    }
    const report: Record<string, unknown> = { file: input.name, format: format.name, ok: true };
    if (format.name === 'mtts') {
      const facts = space.facts as MttsFacts;
      Object.assign(report, { version: `${facts.header?.major}.${facts.header?.minor}`, chunks: facts.chunks.length, atoms, pathBytes, fileBytes: facts.fileBytes, fileDigest: hex(facts.fileDigest ?? new Uint8Array(0), 64).replaceAll(' ', '') });
    } else {
      Object.assign(report, { atoms, pathBytes });
    }
    report['seconds'] = Math.round(performance.now() - started) / 1000;
    if (!flags.json) {
      const what = format.name === 'mtts' ? `MTTS ${String(report['version'])}, ${num(report['chunks'] as number)} chunks, ` : `${format.name}, `;
      io.stdout.write(`${input.name}: OK: ${what}${num(atoms)} ${format.name === 'text' ? 'expressions' : 'paths'}, ${num(pathBytes)} path bytes, ${format.capabilities.verifies}\n`);
    }
    return report;
  } finally {
    await ctx.close();
  }
}
