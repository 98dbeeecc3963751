/**
 * Inputs of the cases, prepared once per run and size (untimed): the generated text is cached
 * across runs (it depends only on the generator); everything derived from it is rebuilt, since it
 * depends on the code under test.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { SIZES, type InputKind, type SizeName } from './cases.js';
import { runMeasured, runTool } from './child.js';
import { cachedCsv, cachedJsonl, cachedSpace, cachedUriSpace } from './generate.js';

/** A prepared input, or why it could not be made (a format not merged yet, a tool missing). */
export type Prepared = { file: string } | { skip: string };

/** Where the harness lives and writes. */
export interface BenchPaths {
  /** Scratch directory (gitignored): generated text, derived inputs, case outputs. */
  outDir: string;
  /** dist/bench/measure.js */
  measure: string;
}

/**
 * The first line of a child's complaint, for a skip note. When the child crashed before reporting
 * (e.g. a module that fails to link), Node starts with the source location; the `…Error: …` line
 * after it says what went wrong.
 */
export function firstLine(s: string): string {
  const lines = s.trim().split('\n');
  const crash = /^(file|node):\S*:\d+$/.test(lines[0] ?? '') ? lines.find((l) => /^[A-Z]\w*(Error|Exception)\b/.test(l)) : undefined;
  return (crash ?? lines[0] ?? '').replace(/^morkspace: /, '').slice(0, 160);
}

/** Reads a CLI `--json` error line or plain stderr into one short reason. */
export function cliReason(stderr: string): string {
  try {
    const doc = JSON.parse(firstLine(stderr)) as { error?: { message?: string } };
    if (doc.error?.message) return doc.error.message;
  } catch {
    // not JSON: commander's own messages ("error: unknown option '--priority'")
  }
  return firstLine(stderr);
}

/** Prepares inputs on demand and remembers them (and the atom count of each size). */
export class Inputs {
  readonly #paths: BenchPaths;
  readonly #log: (msg: string) => void;
  readonly #made = new Map<string, Promise<Prepared>>();
  readonly #atoms = new Map<SizeName, number>();

  constructor(paths: BenchPaths, log: (msg: string) => void) {
    this.#paths = paths;
    this.#log = log;
  }

  /** Distinct atoms of the generated space of `size` (known once its .paths is prepared). */
  atoms(size: SizeName): number | undefined {
    return this.#atoms.get(size);
  }

  /** The input `kind` for `size`, made if needed. */
  get(size: SizeName, kind: InputKind): Promise<Prepared> {
    const key = `${size}:${kind}`;
    let p = this.#made.get(key);
    if (!p) {
      p = this.#make(size, kind);
      this.#made.set(key, p);
    }
    return p;
  }

  #file(size: SizeName, ext: string): string {
    return path.join(this.#paths.outDir, `input-${size}.${ext}`);
  }

  async #make(size: SizeName, kind: InputKind): Promise<Prepared> {
    switch (kind) {
      case 'text': {
        this.#log(`preparing ${size} text (cached in ${path.relative(process.cwd(), this.#paths.outDir)}/ after the first run)`);
        return { file: cachedSpace(this.#paths.outDir, SIZES[size]) };
      }
      case 'uris': {
        this.#log(`preparing ${size} URI text (cached in ${path.relative(process.cwd(), this.#paths.outDir)}/ after the first run)`);
        return { file: cachedUriSpace(this.#paths.outDir, SIZES[size]) };
      }
      case 'jsonl':
        return { file: cachedJsonl(this.#paths.outDir, SIZES[size]) };
      case 'csv':
        return { file: cachedCsv(this.#paths.outDir, SIZES[size]) };
      case 'uris-mtts':
        return this.#convert(size, 'uris', 'uris.mtts', (i, o) => ['serialize', i, '-o', o, '--intern', '--force', '--json'], false);
      case 'paths':
        return this.#convert(size, 'text', 'paths', (i, o) => ['serialize', i, '-o', o, '--force', '--json'], true);
      case 'act':
        return this.#convert(size, 'paths', 'act', (i, o) => ['convert', i, '-o', o, '--to', 'act', '--force', '--json'], false);
      case 'mtts':
        return this.#convert(size, 'paths', 'mtts', (i, o) => ['convert', i, '-o', o, '--to', 'mtts', '--force', '--json'], false);
      case 'records': {
        const paths = await this.get(size, 'paths');
        if (!('file' in paths)) return paths;
        // The yardsticks compress what .paths compresses: the [u32 len][path] record stream.
        const file = this.#file(size, 'records');
        writeFileSync(file, inflateSync(readFileSync(paths.file)));
        return { file };
      }
      case 'gz':
        return this.#tool(size, 'gzip', ['-6', '-c'], 'gz');
      case 'lz4':
        return this.#tool(size, 'lz4', ['-1', '-c'], 'lz4');
      case 'zst':
        return this.#tool(size, 'zstd', ['-3', '-c', '-q'], 'zst');
    }
  }

  async #convert(size: SizeName, from: InputKind, ext: string, argv: (i: string, o: string) => string[], countAtoms: boolean): Promise<Prepared> {
    const input = await this.get(size, from);
    if (!('file' in input)) return input;
    const file = this.#file(size, ext);
    this.#log(`preparing ${size} .${ext}`);
    const r = await runMeasured(this.#paths.measure, ['cli', ...argv(input.file, file)]);
    const s = r.sample;
    if (!s || s.exitCode !== 0) return { skip: `CLI exit ${s?.exitCode ?? r.exitCode}: ${cliReason(s?.stderr || r.stderr)}` };
    if (countAtoms) {
      const report = JSON.parse(s.stdout) as { atoms: number };
      this.#atoms.set(size, report.atoms);
    }
    return { file };
  }

  async #tool(size: SizeName, cmd: string, args: readonly string[], ext: string): Promise<Prepared> {
    const records = await this.get(size, 'records');
    if (!('file' in records)) return records;
    const file = this.#file(size, ext);
    try {
      const r = await runTool(cmd, args, records.file, file);
      return r.exitCode === 0 ? { file } : { skip: `${cmd} exit ${r.exitCode}: ${firstLine(r.stderr)}` };
    } catch (e) {
      return { skip: `${cmd} not runnable: ${(e as Error).message}` };
    }
  }
}
