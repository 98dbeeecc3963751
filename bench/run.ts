/**
 * `npm run bench [-- <regex>] [--runs N] [--write-docs]`: runs the selected cases (by `name/size`),
 * each sample in a fresh child process, and prints a table. docs/benchmarks.md is rewritten only
 * with `--write-docs`, so a quick sub-selection or a run on a busy machine never replaces the
 * published full run by accident.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASELINE, CASES, DEFAULT_RUNS, SLOW_RUNS, SLOW_SAMPLE_SECONDS, START_UP_SAMPLES, bySize, defaultRuns, interleaveGroup, type BenchCase, type SizeName } from './cases.js';
import { runHook, runMeasured, runTool, runUpstream } from './child.js';
import { inTurn } from './in-turn.js';
import { Inputs, cliReason, firstLine, type BenchPaths } from './prepare.js';
import { renderMarkdown, renderText, type CaseResult, type RunInfo } from './report.js';
import { secs } from './numbers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BENCH_DIST = path.join(ROOT, 'dist', 'bench');

/** Exit code with which the CLI rejects usage, including an unknown format or option (docs: exit codes). */
const EXIT_USAGE = 2;

/**
 * A program running upstream's own code for the `upstream …` cases: `$MORKSPACE_UPSTREAM_BIN OP IN OUT`
 * with OP one of text2paths, paths2text, paths2act, act2text (cases.ts `UpstreamOp`), writing OUT
 * from IN as MORK and PathMap do it. Not shipped: build it yourself from upstream's sources.
 */
const UPSTREAM_ENV = 'MORKSPACE_UPSTREAM_BIN';

interface Args {
  pattern: RegExp;
  runs?: number;
  writeDoc: boolean;
  raw: string[];
}

const USAGE = [
  'usage: npm run bench [-- <regex>] [--runs N] [--write-docs]',
  '  <regex>       run the cases whose name/size matches (e.g. text->paths/1M); writers and',
  '                readers bring their gzip baseline of the same size along',
  `  --runs N      N samples per case (default ${DEFAULT_RUNS}; ${SLOW_RUNS} for a case of 1M atoms or more whose first sample takes over ${SLOW_SAMPLE_SECONDS} s; ${START_UP_SAMPLES} for the start-up cases)`,
  '  --write-docs  also rewrite docs/benchmarks.md (off by default; --no-doc is accepted and does nothing)',
  'environment:',
  `  ${UPSTREAM_ENV}  a program running upstream's code as \`OP IN OUT\` (OP: text2paths, paths2text,`,
  '                 paths2act, act2text): the upstream cases run it, and the targets set our cases against it',
  'cases:',
];

function parseArgs(argv: readonly string[]): Args {
  let pattern = /./;
  let runs: number | undefined;
  let writeDoc = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runs') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error('--runs takes a whole number ≥ 1');
      runs = n;
    } else if (a === '--write-docs') writeDoc = true;
    else if (a === '--no-doc') {
      // the old opt-out, now the default: kept so existing scripts do not break
    } else if (a === '--help' || a === '-h') {
      process.stdout.write([...USAGE, ...CASES.map((c) => `  ${c.name}  (${c.sizes.join(', ')})`)].join('\n') + '\n');
      process.exit(0);
    } else if (a.startsWith('--')) {
      // a mistyped option would otherwise become the regex and match nothing, or the wrong cases
      throw new Error(`unknown option ${a}; see --help`);
    } else pattern = new RegExp(a);
  }
  return { pattern, writeDoc, raw: [...argv], ...(runs !== undefined ? { runs } : {}) };
}

function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${sha} (uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

/**
 * The selected (case, size) pairs, plus the gzip baselines our writers and readers are divided by,
 * at the same sizes, also where the baseline's own list stops (the 3M growth cases).
 */
function select(pattern: RegExp): { jobs: Array<{ c: BenchCase; size: SizeName }>; added: string[] } {
  const jobs: Array<{ c: BenchCase; size: SizeName }> = [];
  // upstream's cases only when a program for them is given
  const runnable = (c: BenchCase): boolean => (c.explicit !== true || pattern.source !== '.') && (c.run !== 'upstream' || process.env[UPSTREAM_ENV] !== undefined);
  for (const c of CASES) for (const size of c.sizes) if (runnable(c) && pattern.test(`${c.name}/${size}`)) jobs.push({ c, size });
  const added: string[] = [];
  for (const { c, size } of [...jobs]) {
    const base = BASELINE[c.role];
    if (!base || jobs.some((j) => j.c.name === base && j.size === size)) continue;
    const baseCase = CASES.find((x) => x.name === base)!;
    jobs.push({ c: baseCase, size });
    added.push(`${base}/${size}`);
  }
  // Smallest sizes first: quick feedback, and a broken case shows up before the long runs.
  jobs.sort((a, b) => bySize(a.size, b.size) || CASES.indexOf(a.c) - CASES.indexOf(b.c));
  return { jobs, added };
}

function fileSize(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}

/** Samples to take: `--runs` when given, else decided after the first sample (see defaultRuns). */
type RunCount = (firstWallSeconds: number) => number;

/**
 * One case's samples, a step per sample (so that cases compared with each other can take turns:
 * `inTurn`); returns the case's result. A step that prepares an input does so before its sample.
 */
async function* caseSamples(c: BenchCase, size: SizeName, runCount: RunCount, inputs: Inputs, paths: BenchPaths): AsyncGenerator<void, CaseResult> {
  let runs = 1;
  const result: CaseResult = { name: c.name, size, role: c.role, status: 'ok', samples: [], wallSamples: [] };
  const input = await inputs.get(size, c.input);
  if (!('file' in input)) return { ...result, status: 'skipped', note: `needs .${c.input}: ${input.skip}` };
  const atoms = inputs.atoms(size);
  if (atoms !== undefined) result.atoms = atoms;
  const inputBytes = fileSize(input.file);
  if (inputBytes !== undefined) result.inputBytes = inputBytes;
  if (c.role === 'writer' || c.role === 'yardstick-writer') {
    const records = await inputs.get(size, 'records');
    const recordBytes = 'file' in records ? fileSize(records.file) : undefined;
    if (recordBytes !== undefined) result.recordBytes = recordBytes;
  }
  const output = path.join(paths.outDir, `case-${c.name.replace(/[^A-Za-z0-9=.-]+/g, '_')}-${size}.${c.outExt}`);
  try {
    switch (c.run) {
      case 'cli':
        for (let i = 0; i < runs; i++) {
          const r = await runMeasured(paths.measure, ['cli', ...c.argv(input.file, output)], c.env);
          const s = r.sample;
          if (!s) return { ...result, status: 'failed', note: `child exit ${r.exitCode}: ${firstLine(r.stderr)}` };
          if (s.exitCode === EXIT_USAGE) return { ...result, status: 'skipped', note: `CLI rejects it (exit 2): ${cliReason(s.stderr)}` };
          if (s.exitCode !== 0) return { ...result, status: 'failed', note: `CLI exit ${s.exitCode}: ${cliReason(s.stderr)}` };
          result.samples.push(s.seconds);
          result.wallSamples.push(r.wallSeconds);
          if (i === 0) runs = runCount(r.wallSeconds);
          result.maxRssKiB = Math.max(result.maxRssKiB ?? 0, s.maxRssKiB);
          const report = JSON.parse(s.stdout) as { atoms?: number; outputBytes?: number };
          if (report.atoms !== undefined) result.atoms = report.atoms;
          yield;
        }
        break;
      case 'tool':
        // a micro-case's command does not read the prepared space: no atoms/s or MB/s for it
        if (c.role === 'micro') {
          delete result.atoms;
          delete result.inputBytes;
        }
        for (let i = 0; i < runs; i++) {
          const r = await runTool(c.cmd, c.args, input.file, output);
          if (r.exitCode !== 0) return { ...result, status: 'failed', note: `${c.cmd} exit ${r.exitCode}: ${firstLine(r.stderr)}` };
          result.samples.push(r.wallSeconds);
          if (i === 0) runs = runCount(r.wallSeconds);
          yield;
        }
        break;
      case 'sort':
        for (let i = 0; i < runs; i++) {
          const r = await runMeasured(paths.measure, ['sort', input.file]);
          if (!r.sample || r.sample.exitCode !== 0) return { ...result, status: 'failed', note: `child exit ${r.exitCode}: ${firstLine(r.sample?.stderr || r.stderr)}` };
          result.samples.push(r.sample.seconds);
          if (i === 0) runs = runCount(r.wallSeconds);
          result.maxRssKiB = Math.max(result.maxRssKiB ?? 0, r.sample.maxRssKiB);
          if (r.sample.extra) result.details = r.sample.extra;
          if (r.sample.extra?.['paths'] !== undefined) result.atoms = r.sample.extra['paths'];
          yield;
        }
        delete result.inputBytes; // the parse is not timed
        return result;
      case 'upstream': {
        // (selected only when the variable is set: see select)
        const bin = process.env[UPSTREAM_ENV]!;
        for (let i = 0; i < runs; i++) {
          const r = await runUpstream(bin, c.op, input.file, output);
          if (r.exitCode !== 0) return { ...result, status: 'failed', note: `upstream ${c.op} exit ${r.exitCode}: ${firstLine(r.stderr)}` };
          result.samples.push(r.wallSeconds);
          result.wallSamples.push(r.wallSeconds);
          if (r.maxRssKiB !== undefined) result.maxRssKiB = Math.max(result.maxRssKiB ?? 0, r.maxRssKiB);
          if (i === 0) runs = runCount(r.wallSeconds);
          yield;
        }
        break;
      }
      case 'hook': {
        const script = path.join(BENCH_DIST, c.script);
        if (!existsSync(script)) return { ...result, status: 'skipped', note: `no dist/bench/${c.script} yet (a colleague's hook)` };
        const r = await runHook(script, c.args(input.file));
        if (r.exitCode !== 0 || r.json === undefined) return { ...result, status: 'failed', note: `hook exit ${r.exitCode}: ${firstLine(r.stderr || r.stdout)}` };
        return { ...result, details: r.json, samples: [], wallSamples: [] };
      }
    }
    const outputBytes = fileSize(output);
    if (outputBytes !== undefined) result.outputBytes = outputBytes;
    return result;
  } finally {
    rmSync(output, { force: true });
  }
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    log((e as Error).message); // a usage mistake, not a crash: no stack trace
    process.exitCode = 2;
    return;
  }
  const paths: BenchPaths = { outDir: path.join(ROOT, 'bench', 'out'), measure: path.join(BENCH_DIST, 'measure.js') };
  mkdirSync(paths.outDir, { recursive: true });
  const { jobs, added } = select(args.pattern);
  if (jobs.length === 0) {
    log(`no case matches ${args.pattern}; see --help`);
    process.exitCode = 2;
    return;
  }
  const inputs = new Inputs(paths, log);
  const started = performance.now();
  const fixed = args.runs;
  const samples = ({ c, size }: { c: BenchCase; size: SizeName }): AsyncGenerator<void, CaseResult> =>
    caseSamples(c, size, (wall) => fixed ?? c.samples ?? defaultRuns(size, wall), inputs, paths);
  // a group of cases compared with each other runs in turn where its first member comes
  const group = ({ c, size }: { c: BenchCase; size: SizeName }): string | undefined => {
    const g = interleaveGroup(c.name);
    return g !== undefined ? `${g}/${size}` : undefined;
  };
  const done = new Map<number, CaseResult>();
  for (let j = 0; j < jobs.length; j++) {
    if (done.has(j)) continue;
    const key = group(jobs[j]!);
    const members = key === undefined ? [j] : jobs.flatMap((job, k) => (group(job) === key ? [k] : []));
    const got = await inTurn(members.map((k) => samples(jobs[k]!)));
    members.forEach((k, i) => {
      const r = got[i]!;
      done.set(k, r);
      const summary = r.status === 'ok' ? (r.samples.length > 0 ? `median ${secs([...r.samples].sort((a, b) => a - b)[r.samples.length >> 1]!)} s of ${r.samples.length}` : 'done') : `${r.status}: ${r.note}`;
      log(`${jobs[k]!.c.name}/${jobs[k]!.size}: ${summary}${members.length > 1 ? ' (in turn with its group)' : ''}`);
    });
  }
  const results = jobs.map((_, j) => done.get(j)!);
  const cpus = os.cpus();
  const info: RunInfo = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    command: `npm run bench${args.raw.length > 0 ? ` -- ${args.raw.join(' ')}` : ''}`,
    runsNote:
      args.runs !== undefined
        ? `${args.runs} run(s) per case (--runs).`
        : `Runs per case: ${DEFAULT_RUNS}; a case of 1M atoms or more whose first sample takes over ${SLOW_SAMPLE_SECONDS} s wall runs ${SLOW_RUNS} times instead, to keep a full run (all formats) near 25 minutes on 2 cores; hooks run once. The runs column shows what each case got.`,
    notes: [
      '"seconds" for our cases is `main(argv)` measured inside a fresh child process (`bench/measure.ts`); "wall s" adds Node start-up and module loading. Yardsticks are wall time of the CLI tool, files on stdin/stdout.',
      '"atoms/s" counts distinct atoms of the space (the generated text repeats ~2.5% of its atoms). "MB/s in/out" are input/output file bytes per second. "ratio" = decompressed `.paths` record-stream bytes / output bytes (writers only).',
      '"vs gzip": our median ÷ the median of `gzip -6` (writers) or `gzip -d` (readers) on the record stream of the same space, same run. Below 1.00x is faster than gzip.',
      `"upstream …" cases run upstream's own code (\`$${UPSTREAM_ENV}\`, when set): wall time and the kernel's peak RSS of the process; the targets set our whole-process wall time (Node's start included) against it, same run.`,
      '"peak RSS" is the highest peak RSS of the child over the samples (`VmHWM` from /proc/self/status, which starts afresh at exec; `maxRSS` from rusage would include the harness\'s own size at fork).',
      'Cases set against each other (our 1- and 2-thread runs and upstream\'s on the same input; a 2-thread run and its 1-thread one; `inspect small` and `node -e 0`) take their samples in turn, A B C A B C …, so a busy spell of the machine falls on all of them alike.',
      ...(added.length > 0 ? [`Baselines added to the selection: ${added.join(', ')}.`] : []),
      `Total harness time: ${secs((performance.now() - started) / 1000)} s.`,
    ],
  };
  process.stdout.write(renderText(info, results));
  if (args.writeDoc) {
    const doc = path.join(ROOT, 'docs', 'benchmarks.md');
    mkdirSync(path.dirname(doc), { recursive: true });
    writeFileSync(doc, renderMarkdown(info, results));
    log(`wrote ${path.relative(process.cwd(), doc)}`);
  } else log('docs/benchmarks.md left as it is (--write-docs to rewrite it)');
  if (results.some((r) => r.status === 'failed')) process.exitCode = 1;
}

await main();
