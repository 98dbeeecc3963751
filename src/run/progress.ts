/**
 * A one-line progress display for long runs on a terminal: bytes read of the input's size (when it
 * is known), atoms written, rate, time left, and the stage the run is in. It redraws at most every
 * `intervalMs` and only after the run has taken `delayMs`, so short runs never show it, and its cost
 * is a clock read per batch. Small enough to own: the progress libraries on npm bring a dependency
 * tree, a renderer loop or ANSI handling larger than these lines, for one line on stderr.
 */
import { grouped } from '../digits.js';

/** Where the line goes: a stream on a terminal (its width, when known, keeps the line on one row). */
export interface ProgressStream {
  write(s: string): unknown;
  columns?: number;
}

export interface ProgressOptions {
  /** What is being done, shown first (`paths → act`). */
  label: string;
  /** Bytes the input holds, when known: the line then shows a share and time left. */
  totalBytes?: number;
  /** No line before the run has taken this long (ms). Defaults to 1000. */
  delayMs?: number;
  /** Least time between two redraws (ms). Defaults to 200. */
  intervalMs?: number;
  /** The clock (ms); tests pass their own. */
  now?: () => number;
}

/** The progress of one run. */
export class Progress {
  readonly #out: ProgressStream;
  readonly #label: string;
  readonly #total: number | undefined;
  readonly #delay: number;
  readonly #interval: number;
  readonly #now: () => number;
  readonly #started: number;
  #last = -Infinity;
  #bytes = 0;
  #atoms = 0;
  #stage = 'read, write';
  #shown = false;

  constructor(out: ProgressStream, options: ProgressOptions) {
    this.#out = out;
    this.#label = options.label;
    this.#total = options.totalBytes !== undefined && options.totalBytes > 0 ? options.totalBytes : undefined;
    this.#delay = options.delayMs ?? 1000;
    this.#interval = options.intervalMs ?? 200;
    this.#now = options.now ?? (() => performance.now());
    this.#started = this.#now();
  }

  /** `n` more input bytes were read. */
  read(n: number): void {
    this.#bytes += n;
    this.#tick();
  }

  /** `n` more atoms were handed to the writer. */
  wrote(n: number): void {
    this.#atoms += n;
    this.#tick();
  }

  /** The run is now in `stage`. */
  stage(name: string): void {
    this.#stage = name;
    this.#tick();
  }

  /** Clear the line (the run is over, or a message is about to be printed). */
  done(): void {
    if (this.#shown) this.#out.write('\r\x1b[2K');
    this.#shown = false;
  }

  /** The line as it would be drawn now. */
  line(): string {
    const secs = Math.max(1e-3, (this.#now() - this.#started) / 1000);
    const parts = [this.#label];
    if (this.#total !== undefined) {
      const share = Math.min(1, this.#bytes / this.#total);
      parts.push(`${(100 * share).toFixed(0).padStart(3)}%`, `${mb(this.#bytes)}/${mb(this.#total)} MB`);
      const rate = this.#bytes / secs;
      if (share > 0 && share < 1 && rate > 0) parts.push(`ETA ${duration((this.#total - this.#bytes) / rate)}`);
    } else if (this.#bytes > 0) {
      parts.push(`${mb(this.#bytes)} MB read`);
    }
    parts.push(`${grouped(this.#atoms)} atoms`);
    // while bytes are read, their rate; once read (or never read as bytes: a mapped ACT), the atoms'
    const reading = this.#bytes > 0 && (this.#total === undefined || this.#bytes < this.#total);
    parts.push(reading ? `${mb(this.#bytes / secs)} MB/s` : `${grouped(Math.round(this.#atoms / secs))} atoms/s`, `[${this.#stage}]`);
    const text = parts.join('  ');
    const width = this.#out.columns;
    return width !== undefined && width > 10 && text.length >= width ? text.slice(0, width - 1) : text;
  }

  #tick(): void {
    const t = this.#now();
    if (t - this.#started < this.#delay || t - this.#last < this.#interval) return;
    this.#last = t;
    this.#shown = true;
    this.#out.write(`\r\x1b[2K${this.line()}`);
  }
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(bytes < 10e6 ? 1 : 0);
}

function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * The progress of a batch (`--out-dir`): one line per job running, kept together at the bottom of the
 * terminal. Each job's `Progress` draws into its own row (`row()`); the board redraws the block in
 * place (cursor up, each row cleared and written), and `done()` takes it away before a message is
 * printed above it (as `Progress.done()` does for one line). A job that ends gives its row up.
 */
export class ProgressBoard {
  readonly #out: ProgressStream;
  readonly #rows: { text: string }[] = [];
  #drawn = 0;

  constructor(out: ProgressStream) {
    this.#out = out;
  }

  /** A stream for one job's `Progress`: what it draws becomes that job's row; its `done()` removes it. */
  row(): ProgressStream {
    const row = { text: '' };
    this.#rows.push(row);
    const board = this;
    const columns = this.#out.columns;
    return {
      ...(columns !== undefined ? { columns } : {}),
      write(s: string): void {
        // Progress writes `\r\x1b[2K` then its line, or only that to clear itself
        const text = s.replace(/^\r\x1b\[2K/, '');
        if (text === '') board.#remove(row);
        else {
          row.text = text;
          board.#draw();
        }
      },
    };
  }

  /** Take the block off the screen (a message follows; the next update draws it again). */
  done(): void {
    if (this.#drawn === 0) return;
    this.#out.write(`\x1b[${this.#drawn}F\x1b[J`);
    this.#drawn = 0;
  }

  #remove(row: { text: string }): void {
    const k = this.#rows.indexOf(row);
    if (k >= 0) this.#rows.splice(k, 1);
    this.#draw();
  }

  #draw(): void {
    const shown = this.#rows.filter((r) => r.text !== '');
    let s = this.#drawn > 0 ? `\x1b[${this.#drawn}F` : '';
    for (const r of shown) s += `\x1b[2K${r.text}\n`;
    // rows that went away since the last draw
    if (shown.length < this.#drawn) s += '\x1b[J';
    this.#drawn = shown.length;
    if (s !== '') this.#out.write(s);
  }
}
