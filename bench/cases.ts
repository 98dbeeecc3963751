/**
 * The benchmark cases, as one data table: adding a case is adding one line. A case names the
 * prepared input it reads (see prepare.ts), the extension of what it writes, and its command.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Input sizes, in top-level atoms of generated MeTTa text. */
export const SIZES = { '10K': 10_000, '100K': 100_000, '1M': 1_000_000, '3M': 3_000_000, '10M': 10_000_000, '50M': 50_000_000 } as const;
export type SizeName = keyof typeof SIZES;
const ALL: readonly SizeName[] = ['10K', '100K', '1M'];
const BIG: readonly SizeName[] = ['1M'];
// 3M and 10M only for the conversions whose peak RSS should not grow with the input (a target,
// report.ts): nothing else runs at 3M, and only these and the spill and printing cases at 10M.
const GROWTH: readonly SizeName[] = [...ALL, '3M', '10M'];
// The growth cases fix their thread count. By default a run takes fewer threads when other work
// keeps cores busy (this bench's own previous run, for one), and a pool of two workers costs more
// than any growth measured: paths->mtts at 1M peaked at 124 MiB with 1 thread, 178 MiB with 2.
const GROWTH_THREADS = ['--threads', '2'];
// Sorting beyond memory (spilled runs): a budget of a quarter of the text, at 1M and 10M atoms.
const SPILL: readonly SizeName[] = ['1M', '10M'];
// Text output goes to the pool past 64 MiB of paths (PRINT_HERE_BYTES, formats/text.ts): one
// thread against two at 10M as well.
const PRINTED: readonly SizeName[] = ['1M', '10M'];

/** Smallest first, by atoms (not by name: '100K' < '10K' < '1M' < '3M' as strings). */
export function bySize(a: SizeName, b: SizeName): number {
  return SIZES[a] - SIZES[b];
}

/** Files prepared once per size: generated text, then derived from it with our CLI and the tools. */
export type InputKind = 'text' | 'paths' | 'records' | 'act' | 'mtts' | 'gz' | 'lz4' | 'zst' | 'uris' | 'uris-mtts' | 'jsonl' | 'csv';

/**
 * `writer` cases are compared with `gzip -6` on the same size, `reader` cases with `gzip -d`.
 * `yardstick` marks the gzip / lz4 / zstd CLIs.
 */
export type Role = 'writer' | 'reader' | 'yardstick-writer' | 'yardstick-reader' | 'micro' | 'hook' | 'upstream';

/** One case. `run` says how: our CLI in measure.js, an external tool, a micro-case, or a hook script. */
export type BenchCase = CaseShape & {
  /** Run only when a selection names it (`npm run bench -- jsonl->paths:1GB`): too long for a full run. */
  explicit?: true;
  /** Samples to take when `--runs` is not given, instead of `defaultRuns`. */
  samples?: number;
};
type CaseShape =
  | { name: string; role: Role; sizes: readonly SizeName[]; input: InputKind; outExt: string; run: 'cli'; argv: (input: string, output: string) => string[]; env?: Readonly<Record<string, string>> }
  | { name: string; role: Role; sizes: readonly SizeName[]; input: InputKind; outExt: string; run: 'tool'; cmd: string; args: readonly string[] }
  | { name: string; role: Role; sizes: readonly SizeName[]; input: InputKind; outExt: string; run: 'sort' }
  | { name: string; role: Role; sizes: readonly SizeName[]; input: InputKind; outExt: string; run: 'hook'; script: string; args: (input: string) => string[] }
  // upstream's own code, when MORKSPACE_UPSTREAM_BIN names a program taking `op input output` (run.ts)
  | { name: string; role: Role; sizes: readonly SizeName[]; input: InputKind; outExt: string; run: 'upstream'; op: UpstreamOp };

/** What an upstream program given to the bench must do: upstream's own code for each conversion. */
export type UpstreamOp = 'text2paths' | 'paths2text' | 'paths2act' | 'act2text';

/** Our case each upstream case is set against (same input, same output format). */
export const UPSTREAM_PAIRS: readonly { ours: string; upstream: string }[] = [
  { ours: 'text->paths', upstream: 'upstream text->paths' },
  { ours: 'paths->text', upstream: 'upstream paths->text' },
  { ours: 'paths->act', upstream: 'upstream paths->act' },
  { ours: 'act->text', upstream: 'upstream act->text' },
];

/**
 * The group of cases whose figures are set against each other, if any: our 1- and 2-thread runs and
 * upstream's on the same input, a 2-thread run and its 1-thread one, a paged ACT read and its
 * mapped one, a small command and Node's own start. run.ts takes a group's samples in turn (A B C A B C …), so that a busy spell of this shared
 * machine falls on all of them alike instead of on one side of a ratio.
 */
export function interleaveGroup(name: string): string | undefined {
  if (name === 'inspect small' || name === 'node -e 0') return 'start-up';
  const pair = UPSTREAM_PAIRS.find((p) => p.upstream === name || p.ours === name);
  if (pair) return pair.ours;
  const base = name.replace(/:(threads=\d+|paged)$/, '');
  return base !== name ? base : undefined;
}

// `--to` is always explicit for act and mtts: until those formats are registered the CLI cannot
// infer them from the extension, and an explicit name gives the clear "unknown format" (exit 2).
const convert = (to: string, ...more: string[]) => (i: string, o: string): string[] => ['convert', i, '-o', o, '--to', to, '--force', '--json', ...more];
const serialize = (i: string, o: string): string[] => ['serialize', i, '-o', o, '--force', '--json'];
const deserialize = (i: string, o: string): string[] => ['deserialize', i, '-o', o, '--force', '--json'];
// `--memory` at a quarter of the input's size: the sort spills sorted runs and merges them
const quarterMemory = (i: string): string[] => ['--memory', String(Math.max(1 << 20, Math.floor(fs.statSync(i).size / 4)))];

/** Samples of each start-up case (`inspect small`, `node -e 0`). */
export const START_UP_SAMPLES = 21;

/** Every case; `npm run bench -- <regex>` selects by `name/size` (e.g. `text->paths/1M`). */
export const CASES: readonly BenchCase[] = [
  { name: 'text->paths', role: 'writer', sizes: ALL, input: 'text', outExt: 'paths', run: 'cli', argv: serialize },
  { name: 'paths->text', role: 'reader', sizes: ALL, input: 'paths', outExt: 'metta', run: 'cli', argv: deserialize },
  { name: 'text->paths:threads=1', role: 'writer', sizes: BIG, input: 'text', outExt: 'paths', run: 'cli', argv: (i, o) => [...serialize(i, o), '--threads', '1'] },
  { name: 'text->paths:level=7', role: 'writer', sizes: BIG, input: 'text', outExt: 'paths', run: 'cli', argv: (i, o) => [...serialize(i, o), '--level', '7'] },
  { name: 'text->act', role: 'writer', sizes: ALL, input: 'text', outExt: 'act', run: 'cli', argv: convert('act') },
  { name: 'text->act:memory=1/4', role: 'writer', sizes: SPILL, input: 'text', outExt: 'act', run: 'cli', argv: (i, o) => [...convert('act')(i, o), ...quarterMemory(i)] },
  { name: 'text->mtts:memory=1/4', role: 'writer', sizes: SPILL, input: 'text', outExt: 'mtts', run: 'cli', argv: (i, o) => [...convert('mtts')(i, o), ...quarterMemory(i)] },
  { name: 'paths->act', role: 'writer', sizes: GROWTH, input: 'paths', outExt: 'act', run: 'cli', argv: convert('act', ...GROWTH_THREADS) },
  // #8: the line index held to an eighth of a 128 MiB budget (16 MiB), so peak memory stops growing with the space
  { name: 'paths->act:memory=128M', role: 'writer', sizes: GROWTH, input: 'paths', outExt: 'act', run: 'cli', argv: convert('act', '--memory', '128M', ...GROWTH_THREADS) },
  // a writer: what it spends is mostly deflating the record stream, like gzip -6
  { name: 'act->paths', role: 'writer', sizes: GROWTH, input: 'act', outExt: 'paths', run: 'cli', argv: convert('paths', ...GROWTH_THREADS) },
  { name: 'act->text', role: 'reader', sizes: ALL, input: 'act', outExt: 'metta', run: 'cli', argv: deserialize },
  // an ACT file read in 64 KiB pages, as one of 2 GiB or more is (mapping off: the bench files are smaller)
  { name: 'act->text:paged', role: 'reader', sizes: BIG, input: 'act', outExt: 'metta', run: 'cli', argv: deserialize, env: { MORKSPACE_NO_MMAP: '1' } },
  // whole command: Node start-up and module loading dominate; the open itself is in act-lookup
  { name: 'act inspect', role: 'micro', sizes: BIG, input: 'act', outExt: 'json', run: 'cli', argv: (i) => ['inspect', i, '--json'] },
  // every atom read and described: symbols, heads, depth, histograms
  { name: 'paths inspect', role: 'micro', sizes: BIG, input: 'paths', outExt: 'json', run: 'cli', argv: (i) => ['inspect', i, '--json'] },
  { name: 'text->mtts:speed', role: 'writer', sizes: ALL, input: 'text', outExt: 'mtts', run: 'cli', argv: convert('mtts', '--priority', 'speed') },
  { name: 'text->mtts:balanced', role: 'writer', sizes: ALL, input: 'text', outExt: 'mtts', run: 'cli', argv: convert('mtts', '--priority', 'balanced') },
  { name: 'text->mtts:size', role: 'writer', sizes: ALL, input: 'text', outExt: 'mtts', run: 'cli', argv: convert('mtts', '--priority', 'size') },
  { name: 'paths->mtts', role: 'writer', sizes: GROWTH, input: 'paths', outExt: 'mtts', run: 'cli', argv: convert('mtts', ...GROWTH_THREADS) },
  { name: 'mtts->text', role: 'reader', sizes: ALL, input: 'mtts', outExt: 'metta', run: 'cli', argv: deserialize },
  { name: 'text->mtts:threads=1', role: 'writer', sizes: BIG, input: 'text', outExt: 'mtts', run: 'cli', argv: convert('mtts', '--threads', '1') },
  { name: 'text->mtts:threads=2', role: 'writer', sizes: BIG, input: 'text', outExt: 'mtts', run: 'cli', argv: convert('mtts', '--threads', '2') },
  { name: 'mtts->text:threads=1', role: 'reader', sizes: BIG, input: 'mtts', outExt: 'metta', run: 'cli', argv: (i, o) => [...deserialize(i, o), '--threads', '1'] },
  { name: 'mtts->text:threads=2', role: 'reader', sizes: BIG, input: 'mtts', outExt: 'metta', run: 'cli', argv: (i, o) => [...deserialize(i, o), '--threads', '2'] },
  // interning (#10): triples of 20–200-byte URIs; `truncate` is the run without interning (most symbols are over 63 bytes)
  { name: 'uris->paths:intern', role: 'writer', sizes: BIG, input: 'uris', outExt: 'paths', run: 'cli', argv: (i, o) => [...serialize(i, o), '--intern', '--symbols', `${o}.zip`] },
  { name: 'uris->paths:truncate', role: 'writer', sizes: BIG, input: 'uris', outExt: 'paths', run: 'cli', argv: (i, o) => [...serialize(i, o), '--long-symbols', 'truncate'] },
  { name: 'uris->mtts:intern', role: 'writer', sizes: BIG, input: 'uris', outExt: 'mtts', run: 'cli', argv: (i, o) => [...convert('mtts')(i, o), '--intern'] },
  { name: 'uris->mtts:truncate', role: 'writer', sizes: BIG, input: 'uris', outExt: 'mtts', run: 'cli', argv: (i, o) => [...convert('mtts')(i, o), '--long-symbols', 'truncate'] },
  { name: 'uris-mtts->text', role: 'reader', sizes: BIG, input: 'uris-mtts', outExt: 'metta', run: 'cli', argv: deserialize },
  // import and transform (#12): 1M JSONL leaves (and interned), 1M CSV rows; a pattern → template over the 1M-atom space
  { name: 'jsonl->paths', role: 'writer', sizes: BIG, input: 'jsonl', outExt: 'paths', run: 'cli', argv: convert('paths') },
  // #12: a 1 GB JSONL (50M leaves) streams in bounded memory: a budget far below its size
  { name: 'jsonl->paths:1GB', role: 'micro', sizes: ['50M'], input: 'jsonl', outExt: 'paths', run: 'cli', explicit: true, argv: (i, o) => [...convert('paths')(i, o), '--memory', '256M'] },
  { name: 'csv->paths', role: 'writer', sizes: BIG, input: 'csv', outExt: 'paths', run: 'cli', argv: (i, o) => [...convert('paths')(i, o), '--csv-header'] },
  { name: 'jsonl->mtts:intern', role: 'writer', sizes: BIG, input: 'jsonl', outExt: 'mtts', run: 'cli', argv: (i, o) => [...convert('mtts')(i, o), '--intern'] },
  { name: 'paths->paths:template', role: 'writer', sizes: BIG, input: 'paths', outExt: 'paths', run: 'cli', argv: (i, o) => [...convert('paths')(i, o), '--pattern', '($p $x $y)', '--template', '(rev $p $y $x)'] },
  { name: 'sort', role: 'micro', sizes: BIG, input: 'text', outExt: '', run: 'sort' },
  { name: 'gzip -6', role: 'yardstick-writer', sizes: ALL, input: 'records', outExt: 'gz', run: 'tool', cmd: 'gzip', args: ['-6', '-c'] },
  { name: 'gzip -d', role: 'yardstick-reader', sizes: ALL, input: 'gz', outExt: 'records', run: 'tool', cmd: 'gzip', args: ['-d', '-c'] },
  { name: 'lz4 -1', role: 'yardstick-writer', sizes: ALL, input: 'records', outExt: 'lz4', run: 'tool', cmd: 'lz4', args: ['-1', '-c'] },
  { name: 'lz4 -d', role: 'yardstick-reader', sizes: ALL, input: 'lz4', outExt: 'records', run: 'tool', cmd: 'lz4', args: ['-d', '-c'] },
  { name: 'zstd -3', role: 'yardstick-writer', sizes: ALL, input: 'records', outExt: 'zst', run: 'tool', cmd: 'zstd', args: ['-3', '-c', '-q'] },
  { name: 'zstd -d', role: 'yardstick-reader', sizes: ALL, input: 'zst', outExt: 'records', run: 'tool', cmd: 'zstd', args: ['-d', '-c', '-q'] },
  { name: 'act-lookup', role: 'hook', sizes: BIG, input: 'act', outExt: '', run: 'hook', script: 'act-lookup.js', args: (i) => [i, '10000'] },
  { name: 'mtts-codecs', role: 'hook', sizes: BIG, input: 'paths', outExt: '', run: 'hook', script: 'mtts-codecs.js', args: (i) => [i] },
  // #14's aims: one and two threads of each conversion upstream is measured on, and start-up
  { name: 'paths->text:threads=1', role: 'reader', sizes: PRINTED, input: 'paths', outExt: 'metta', run: 'cli', argv: (i, o) => [...deserialize(i, o), '--threads', '1'] },
  { name: 'paths->text:threads=2', role: 'reader', sizes: PRINTED, input: 'paths', outExt: 'metta', run: 'cli', argv: (i, o) => [...deserialize(i, o), '--threads', '2'] },
  { name: 'paths->act:threads=1', role: 'writer', sizes: BIG, input: 'paths', outExt: 'act', run: 'cli', argv: (i, o) => [...convert('act')(i, o), '--threads', '1'] },
  { name: 'paths->act:threads=2', role: 'writer', sizes: BIG, input: 'paths', outExt: 'act', run: 'cli', argv: (i, o) => [...convert('act')(i, o), '--threads', '2'] },
  { name: 'act->text:threads=1', role: 'reader', sizes: PRINTED, input: 'act', outExt: 'metta', run: 'cli', argv: (i, o) => [...deserialize(i, o), '--threads', '1'] },
  { name: 'act->text:threads=2', role: 'reader', sizes: PRINTED, input: 'act', outExt: 'metta', run: 'cli', argv: (i, o) => [...deserialize(i, o), '--threads', '2'] },
  { name: 'text->paths:threads=2', role: 'writer', sizes: BIG, input: 'text', outExt: 'paths', run: 'cli', argv: (i, o) => [...serialize(i, o), '--threads', '2'] },
  { name: 'text->act:threads=1', role: 'writer', sizes: BIG, input: 'text', outExt: 'act', run: 'cli', argv: (i, o) => [...convert('act')(i, o), '--threads', '1'] },
  { name: 'text->act:threads=2', role: 'writer', sizes: BIG, input: 'text', outExt: 'act', run: 'cli', argv: (i, o) => [...convert('act')(i, o), '--threads', '2'] },
  // the whole command as a user runs it (bin/morkspace.js: the bundled CLI) on a small shipped file
  // (a PathMap golden of 5 paths; the prepared input is only its stdin, unread), against `node -e 0`
  // (21 samples each, in turn: a median within a few ms of an 80 ms target, where one sample in
  // five here is 20-40 ms off; 2 s a case)
  { name: 'inspect small', role: 'micro', sizes: ['10K'], input: 'paths', outExt: 'json', run: 'tool', cmd: process.execPath, args: [fileURLToPath(new URL('../../bin/morkspace.js', import.meta.url)), 'inspect', '--json', fileURLToPath(new URL('../../fixtures/upstream/pathmap-golden/ace5.paths', import.meta.url))], samples: START_UP_SAMPLES },
  { name: 'node -e 0', role: 'micro', sizes: ['10K'], input: 'paths', outExt: 'txt', run: 'tool', cmd: process.execPath, args: ['-e', '0'], samples: START_UP_SAMPLES },
  { name: 'upstream text->paths', role: 'upstream', sizes: BIG, input: 'text', outExt: 'paths', run: 'upstream', op: 'text2paths' },
  { name: 'upstream paths->text', role: 'upstream', sizes: BIG, input: 'paths', outExt: 'metta', run: 'upstream', op: 'paths2text' },
  { name: 'upstream paths->act', role: 'upstream', sizes: BIG, input: 'paths', outExt: 'act', run: 'upstream', op: 'paths2act' },
  { name: 'upstream act->text', role: 'upstream', sizes: BIG, input: 'act', outExt: 'metta', run: 'upstream', op: 'act2text' },
  // 20 files in one command (--out-dir), --jobs 1 against --jobs 2
  { name: 'batch-jobs', role: 'hook', sizes: ['100K'], input: 'paths', outExt: '', run: 'hook', script: 'batch-jobs.js', args: (i) => [i] },
];

/** The yardstick our writers and readers are divided by. */
export const BASELINE: Partial<Record<Role, string>> = { writer: 'gzip -6', reader: 'gzip -d' };

/** Default samples per case. */
export const DEFAULT_RUNS = 5;

/** Fewer samples for slow big cases, so that a full run (every format merged) stays near 25 minutes on 2 cores, most of it the 10M cases. */
export const SLOW_RUNS = 3;

/** A case of 1M atoms or more whose first sample takes longer than this gets SLOW_RUNS samples. */
export const SLOW_SAMPLE_SECONDS = 2;

/** Samples for a case at `size`, given its first sample's wall seconds. */
export function defaultRuns(size: SizeName, firstWallSeconds: number): number {
  return SIZES[size] >= SIZES['1M'] && firstWallSeconds > SLOW_SAMPLE_SECONDS ? SLOW_RUNS : DEFAULT_RUNS;
}
