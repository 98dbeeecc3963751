/** The examples every command's `--help` ends with: what a new user types first. */
import type { Command } from 'commander';

const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  serialize: [
    'morkspace serialize space.metta -o space.paths           # MeTTa text → .paths (format from the extension)',
    'cat space.metta | morkspace serialize --to act - > space.act',
    'morkspace serialize huge.metta -o huge.mtts --memory 2G  # larger than memory: sorted runs spilled, merged',
  ],
  deserialize: [
    'morkspace deserialize space.paths -o space.metta         # exactly as MORK dumps it',
    'morkspace deserialize space.act | head                   # the first atoms, in space order',
  ],
  convert: [
    'morkspace convert space.paths -o space.act',
    'morkspace convert a.paths b.act c.metta -o all.mtts       # several inputs: their union',
    'morkspace convert dumps/*.paths --to mtts --out-dir converted/ --keep-going',
  ],
  inspect: [
    'morkspace inspect space.mtts                             # header, index and metadata: no full read',
    'morkspace inspect space.act --count --sample 5           # walk it: head symbols, histograms, 5 atoms',
    'morkspace inspect dumps/*.paths --json                   # a row per file, then totals',
    'morkspace inspect space.paths --plot space.svg           # the histograms as a picture',
  ],
  query: [
    "morkspace query family.act '(parent $x Bob)'            # atoms matching a pattern",
    "morkspace query family.act --prefix '(parent Alice' --count",
    "cat family.metta | morkspace query - '(parent Alice $x)' --limit 10",
  ],
  verify: [
    'morkspace verify space.mtts                              # every checksum; exit 0 or a precise error',
    'morkspace verify parts/*.mtts --json                     # several files, every one checked',
    'morkspace verify damaged.mtts --salvage -o good.mtts     # every bad chunk named; keep what checks out',
  ],
  completion: [
    'source <(morkspace completion bash)                      # now; put the line in ~/.bashrc to keep it',
    'morkspace completion fish > ~/.config/fish/completions/morkspace.fish',
  ],
  bench: [
    "morkspace bench                                          # 100K atoms, 1 thread and all cores",
    'morkspace bench --atoms 1M --threads 1,2 --json          # to compare hosts',
  ],
};

/** The examples of command `name` (none for a command without). */
export function examplesOf(name: string): readonly string[] {
  return EXAMPLES[name] ?? [];
}

/** End `cmd`'s help with its examples. */
export function addExamples(cmd: Command): Command {
  const lines = EXAMPLES[cmd.name()];
  if (lines === undefined) return cmd;
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
}

/** Every command's name that has examples (for tests). */
export const COMMANDS_WITH_EXAMPLES: readonly string[] = Object.keys(EXAMPLES);
