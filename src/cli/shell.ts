/**
 * Shell completion (bash, zsh, fish) and the man page, generated from the one source of the CLI:
 * the commander program itself (its commands, options, arguments and the help examples), so neither
 * can drift from `--help`. `morkspace completion SHELL` prints a script; `morkspace manpage` prints
 * man/morkspace.1, which the package ships (a test keeps the committed page equal to the output).
 */
import type { Command, Option } from 'commander';
import { FORMATS } from '../formats/table.js';
import { examplesOf } from './examples.js';

/** The shells a completion script is written for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface OptionSpec {
  short?: string;
  long: string;
  description: string;
  /** What its value is: absent for a flag. */
  value?: 'format' | 'file' | 'other';
}

interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
}

// the formats that can be written (--to); --from takes those too, and MeTTaTron's snapshot is sniffed
const FORMAT_NAMES = FORMATS.filter((f) => f.writable).map((f) => f.name);
// Options whose value is a file or folder (completed with the shell's own file completion).
const FILE_VALUES = new Set(['--output', '--out-dir', '--tmp-dir', '--plot', '--symbols', '--symbols-out']);

function optionSpec(o: Option): OptionSpec | undefined {
  if (o.hidden || o.long === undefined) return undefined;
  // an optional value (--profile [json]) is completed as a flag: what follows may be an input
  const takes = o.required;
  const value = !takes ? undefined : o.long === '--to' || o.long === '--from' ? 'format' : FILE_VALUES.has(o.long) ? 'file' : 'other';
  return { ...(o.short !== undefined ? { short: o.short } : {}), long: o.long, description: o.description, ...(value !== undefined ? { value } : {}) };
}

function visible(cmd: Command): Command[] {
  return cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
}

function specs(program: Command): { global: OptionSpec[]; commands: CommandSpec[] } {
  const global = program.options.map(optionSpec).filter((o): o is OptionSpec => o !== undefined);
  const commands = visible(program).map((c) => ({
    name: c.name(),
    description: c.description(),
    options: [...c.options.map(optionSpec).filter((o): o is OptionSpec => o !== undefined), { short: '-h', long: '--help', description: 'display help for command' }],
  }));
  return { global, commands };
}

/** The completion script for `shell`. */
export function completionScript(program: Command, shell: Shell): string {
  const s = specs(program);
  return shell === 'bash' ? bash(s) : shell === 'zsh' ? zsh(s) : fish(s);
}

function flagsOf(o: OptionSpec): string[] {
  return o.short !== undefined ? [o.short, o.long] : [o.long];
}

function bash(s: { global: OptionSpec[]; commands: CommandSpec[] }): string {
  const all = [...s.global, ...s.commands.flatMap((c) => c.options)];
  const byValue = (v: OptionSpec['value']): string => [...new Set(all.filter((o) => o.value === v).flatMap(flagsOf))].join('|');
  const cases = s.commands.map((c) => `    ${c.name}) opts="${c.options.flatMap(flagsOf).join(' ')}" ;;`).join('\n');
  return `# bash completion for morkspace (generated: morkspace completion bash)
# Load it now with: source <(morkspace completion bash); for good, put that line in ~/.bashrc.
_morkspace() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd="" opts="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  case "$prev" in
    ${byValue('format')}) COMPREPLY=($(compgen -W "${FORMAT_NAMES.join(' ')}" -- "$cur")); return ;;
    ${byValue('file')}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    ${byValue('other')}) COMPREPLY=(); return ;;
  esac
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "${[...s.commands.map((c) => c.name), 'help', ...s.global.flatMap(flagsOf)].join(' ')}" -- "$cur"))
    return
  fi
  case "$cmd" in
${cases}
    help) COMPREPLY=($(compgen -W "${s.commands.map((c) => c.name).join(' ')}" -- "$cur")); return ;;
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts ${s.global.flatMap(flagsOf).join(' ')}" -- "$cur"))
  else COMPREPLY=($(compgen -f -- "$cur")); fi
}
complete -o filenames -o bashdefault -F _morkspace morkspace
`;
}

// Text inside a zsh _arguments spec: brackets and colons are syntax there.
function zq(text: string): string {
  return text.replace(/[[\]]/g, (c) => (c === '[' ? '(' : ')')).replace(/:/g, '\\:').replace(/'/g, "'\\''");
}

function zshOption(o: OptionSpec): string {
  const action = o.value === 'format' ? `:format:(${FORMAT_NAMES.join(' ')})` : o.value === 'file' ? ':file:_files' : o.value === 'other' ? ':value: ' : '';
  const names = flagsOf(o);
  const head = names.length > 1 ? `'(${names.join(' ')})'{${names.join(',')}}'` : `'${names[0]}`;
  return `${head}[${zq(o.description.split('\n')[0]!)}]${action}'`;
}

function zsh(s: { global: OptionSpec[]; commands: CommandSpec[] }): string {
  const commands = s.commands.map((c) => `    '${c.name}:${zq(c.description)}'`).join('\n');
  const cases = s.commands.map((c) => `        ${c.name}) _arguments ${[...c.options, ...s.global].map(zshOption).join(' ')} '*:file:_files' ;;`).join('\n');
  return `#compdef morkspace
# zsh completion for morkspace (generated: morkspace completion zsh)
# Load it now with: source <(morkspace completion zsh); for good, save it as _morkspace in a folder of $fpath.
_morkspace() {
  local -a commands
  commands=(
${commands}
    'help:display help for command'
  )
  local curcontext="$curcontext" state line
  _arguments -C ${s.global.map(zshOption).join(' ')} '1: :->command' '*:: :->args'
  case $state in
    command) _describe 'command' commands ;;
    args)
      case $words[1] in
${cases}
        help) _describe 'command' commands ;;
      esac ;;
  esac
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then _morkspace "$@"; else compdef _morkspace morkspace; fi
`;
}

// Text inside a single-quoted fish string.
function fq(text: string): string {
  return `'${text.split('\n')[0]!.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function fishOption(o: OptionSpec, condition: string): string {
  const names = `${o.short !== undefined ? ` -s ${o.short.slice(1)}` : ''} -l ${o.long.slice(2)}`;
  const value = o.value === 'format' ? ` -x -a ${fq(FORMAT_NAMES.join(' '))}` : o.value === 'file' ? ' -r -F' : o.value === 'other' ? ' -x' : '';
  return `complete -c morkspace ${condition}${names}${value} -d ${fq(o.description)}`;
}

function fish(s: { global: OptionSpec[]; commands: CommandSpec[] }): string {
  const lines = [
    '# fish completion for morkspace (generated: morkspace completion fish)',
    '# Load it now with: morkspace completion fish | source; for good, save it as ~/.config/fish/completions/morkspace.fish.',
    'complete -c morkspace -f',
    ...s.commands.map((c) => `complete -c morkspace -n '__fish_use_subcommand' -a ${c.name} -d ${fq(c.description)}`),
    `complete -c morkspace -n '__fish_use_subcommand' -a help -d 'display help for command'`,
    `complete -c morkspace -n '__fish_seen_subcommand_from help' -a ${fq(s.commands.map((c) => c.name).join(' '))}`,
    ...s.global.map((o) => fishOption(o, '')),
  ];
  for (const c of s.commands) {
    const when = `-n '__fish_seen_subcommand_from ${c.name}'`;
    lines.push(`complete -c morkspace ${when} -F`);
    for (const o of c.options) lines.push(fishOption(o, `${when} `));
  }
  return lines.join('\n') + '\n';
}

// Text for roff: backslashes and leading dots or quotes would be requests; arrows as groff's own.
function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/\u2192/g, '\\(->') // →
    .replace(/\u2026/g, '...') // …
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n');
}

/** The man page (roff, section 1) of the whole CLI. */
export function manPage(program: Command, version: string, date: string): string {
  const s = specs(program);
  const out: string[] = [
    `.TH MORKSPACE 1 "${date}" "morkspace ${version}" "User Commands"`,
    '.SH NAME',
    `morkspace \\- ${roff(program.description().replace(/^\w/, (c) => c.toLowerCase()))}`,
    '.SH SYNOPSIS',
    '.B morkspace',
    '[\\fB\\-v\\fR|\\fB\\-q\\fR] \\fICOMMAND\\fR [\\fIoptions\\fR] [\\fIinputs\\fR ...]',
    '.SH DESCRIPTION',
    roff(
      'morkspace reads and writes MORK atom spaces: MeTTa text, PathMap .paths (zlib records), PathMap ACT (ACTree03) and the MTTS container. ' +
        'Every conversion is a stream in bounded memory; - names stdin or stdout. Errors are one line naming the file and position, with a stable code.',
    ),
    '.SH GLOBAL OPTIONS',
    ...s.global.flatMap(optionLines),
    '.SH COMMANDS',
  ];
  for (const c of visible(program)) {
    const spec = s.commands.find((x) => x.name === c.name())!;
    const args = c.registeredArguments.map((a) => (a.required ? `\\fI${a.name()}\\fR` : `[\\fI${a.name()}\\fR${a.variadic ? ' ...' : ''}]`)).join(' ');
    out.push(`.SS "${c.name()}"`, `.B morkspace ${c.name()}`, `[\\fIoptions\\fR] ${args}`, '.PP', roff(c.description()));
    for (const a of c.registeredArguments) if (a.description) out.push('.TP', `.I ${a.name()}`, roff(a.description));
    out.push(...spec.options.flatMap(optionLines));
    const examples = examplesOf(c.name());
    if (examples.length > 0) out.push('.PP', 'Examples:', '.PP', '.RS', '.nf', ...examples.map(roff), '.fi', '.RE');
  }
  out.push(
    '.SH EXIT STATUS',
    '.TP', '0', 'success',
    '.TP', '1', 'the input was refused: a syntax error, corruption, a checksum, a limit',
    '.TP', '2', 'a usage error (an unknown option, options that do not apply, an output that exists without \\-\\-force)',
    '.TP', '3', 'an I/O error: a missing or unreadable file, a full disk',
    '.TP', '130, 143', 'interrupted by SIGINT or SIGTERM (no partial output is left)',
    '.SH SEE ALSO',
    roff('The documentation in the package: docs/errors.md (error codes), docs/format-mtts.md, docs/act.md, docs/upstream-differences.md, docs/architecture.md.'),
  );
  return out.join('\n') + '\n';
}

function optionLines(o: OptionSpec): string[] {
  const names = flagsOf(o).map((f) => `\\fB${roff(f)}\\fR`).join(', ');
  const value = o.value === undefined ? '' : o.value === 'format' ? ' \\fIformat\\fR' : o.value === 'file' ? ' \\fIpath\\fR' : ' \\fIvalue\\fR';
  return ['.TP', `${names}${value}`, roff(o.description)];
}
