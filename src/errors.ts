/**
 * One error family for the whole toolkit: a stable string `code`, and the position of the fault as
 * fields (`where`), so callers and tests can act on them and the CLI can render one line.
 */

/** Stable error codes. A shipped code never changes; `docs/errors.md` lists them. */
export const ErrorCode = {
  /** Input ended inside a structure (record, list, chunk, node). */
  Truncated: 'ERR_TRUNCATED',
  /** The file does not start with the magic bytes of the format it was read as. */
  BadMagic: 'ERR_BAD_MAGIC',
  /** A stored digest does not match the bytes. */
  Checksum: 'ERR_CHECKSUM',
  /** MeTTa text that cannot be parsed. */
  Syntax: 'ERR_SYNTAX',
  /** Input that is well formed but exceeds a limit of the encoding (symbol length, arity, variables). */
  Limit: 'ERR_LIMIT',
  /** A binary structure that is inconsistent: bad deflate data, an offset out of range, a bad count. */
  Corrupt: 'ERR_CORRUPT',
  /** A path that is not a valid MORK expression where one is needed (text output, queries). */
  NotExpression: 'ERR_NOT_EXPRESSION',
  /** A format version this build cannot read. */
  Version: 'ERR_VERSION',
  /** An interned symbol's id that its symbol table does not hold (or no table where one is needed). */
  UnknownSymbol: 'ERR_UNKNOWN_SYMBOL',
  /** Bad command-line or option usage. */
  Usage: 'ERR_USAGE',
  /** The output file exists and `--force` was not given. */
  OutputExists: 'ERR_OUTPUT_EXISTS',
  /** A file-system or stream failure. */
  Io: 'ERR_IO',
  /** The run was cancelled (Ctrl-C, SIGTERM, or a library caller's AbortSignal). */
  Aborted: 'ERR_ABORTED',
  /** A fault of morkspace itself (a worker thread died, an invariant broke): a bug to report. */
  Internal: 'ERR_INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** Where a fault is. `offset` is 0-based, counted in the stream `offsetOf` names; line/column are 1-based. */
export interface Where {
  file?: string;
  /** Byte offset of the fault. */
  offset?: number;
  /** What `offset` counts: `byte` (the file as stored, default), `decompressed byte`, … */
  offsetOf?: string;
  line?: number;
  column?: number;
  /** Index of the chunk (MTTS) or record the fault is in. */
  chunk?: number;
}

/** The base class of every error morkspace throws on purpose. */
export class MorkspaceError extends Error {
  readonly code: ErrorCode;
  readonly where: Where;
  constructor(code: ErrorCode, message: string, where: Where = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.where = where;
  }

  /** A copy with more position fields; the fields this error already has win (the opener adds `file`). */
  withWhere(extra: Where): MorkspaceError {
    return new (this.constructor as typeof MorkspaceError)(this.code, this.message, { ...extra, ...this.where }, { cause: this.cause });
  }

  /** One line: `in.metta:12:7: unbalanced ')' [ERR_SYNTAX]`. */
  render(): string {
    return `${renderWhere(this.where)}${this.message} [${this.code}]`;
  }

  /** The JSON shape printed on stderr under `--json`. */
  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.where };
  }
}

function renderWhere(w: Where): string {
  let s = w.file ?? '';
  if (w.line !== undefined) {
    s += `${s ? ':' : ''}${w.line}:${w.column ?? 1}`;
  } else if (w.offset !== undefined) {
    s += `${s ? ': ' : ''}${w.chunk !== undefined ? `chunk ${w.chunk}, ` : ''}${w.offsetOf ?? 'byte'} ${w.offset}`;
  } else if (w.chunk !== undefined) {
    s += `${s ? ': ' : ''}chunk ${w.chunk}`;
  }
  return s ? `${s}: ` : '';
}

/** Input that a parser or decoder rejects (syntax, structure, limits, checksums). */
export class FormatError extends MorkspaceError {}
/** Misuse of the CLI or of an option. */
export class UsageError extends MorkspaceError {}
/** File-system and stream failures. */
export class IoError extends MorkspaceError {}

/** True for any error carrying one of our codes, even one rebuilt across a worker boundary. */
export function isMorkspaceError(e: unknown): e is MorkspaceError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && KNOWN_CODES.has((e as unknown as { code: string }).code) && 'where' in e;
}

/** The run was cancelled; `signal` names the signal that did it, when one did. */
export class AbortedError extends MorkspaceError {
  readonly signal: NodeJS.Signals | undefined;
  constructor(signal?: NodeJS.Signals) {
    super(ErrorCode.Aborted, signal ? `interrupted by ${signal}` : 'cancelled');
    this.signal = signal;
  }
}

/** Shorthand for the usage errors the CLI and option checks raise. */
export const fail = {
  usage: (message: string): UsageError => new UsageError(ErrorCode.Usage, message),
};

/** Process exit codes: one table, mirrored in docs/errors.md. */
export const ExitCode = { Ok: 0, Rejected: 1, Usage: 2, Io: 3, Interrupted: 130, Terminated: 143 } as const;

/** The exit code an error maps to. */
export function exitCodeOf(e: unknown): number {
  if (!isMorkspaceError(e)) return ExitCode.Io;
  switch (e.code) {
    case ErrorCode.Aborted:
      return (e as AbortedError).signal === 'SIGTERM' ? ExitCode.Terminated : ExitCode.Interrupted;
    case ErrorCode.Internal:
      return ExitCode.Io;
    case ErrorCode.Usage:
    case ErrorCode.OutputExists:
      return ExitCode.Usage;
    case ErrorCode.Io:
      return ExitCode.Io;
    default:
      return ExitCode.Rejected;
  }
}

/** `e` with `file` in its position when it is one of ours and names no file yet; anything else as it is. */
export function inFile(e: unknown, file: string): unknown {
  return isMorkspaceError(e) && e.where.file === undefined ? e.withWhere({ file }) : e;
}

// What a person needs to read for the errno codes a run can meet (the rest keep Node's message).
const ERRNO_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a folder',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EFBIG: 'file too large for the file system',
  EIO: 'input/output error',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
};

/** Wrap a Node file-system error in an IoError naming the file. */
export function ioError(e: unknown, file: string): MorkspaceError {
  if (isMorkspaceError(e)) return inFile(e, file) as MorkspaceError;
  const err = e as NodeJS.ErrnoException;
  const reason = (err.code !== undefined ? ERRNO_REASONS[err.code] : undefined) ?? err.message ?? String(e);
  return new IoError(ErrorCode.Io, reason, { file }, { cause: e });
}
