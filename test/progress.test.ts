/**
 * The progress line (src/run/progress.ts): shown only on a terminal, only after a second, redrawn
 * at most every 200 ms, gone at the end; what it says with and without a known input size.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Progress, ProgressBoard } from '../src/run/progress.js';
import { cli } from './helpers/cli.js';
import { BIG_LOGIC_PATHS, CLI } from './helpers/fixtures.js';

function fake(columns?: number): { out: { write(s: string): void; columns?: number }; written: string[] } {
  const written: string[] = [];
  return { out: { write: (s: string) => void written.push(s), ...(columns !== undefined ? { columns } : {}) }, written };
}

describe('the progress line', () => {
  test('nothing in the first second; then at most one redraw per interval; done() clears it', () => {
    let now = 0;
    const { out, written } = fake();
    const p = new Progress(out, { label: 'x.paths', totalBytes: 1000, now: () => now });
    p.read(100);
    now = 900;
    p.read(100);
    assert.deepEqual(written, []);
    now = 1000;
    p.read(100);
    now = 1100;
    p.read(100); // within 200 ms of the last redraw
    assert.equal(written.length, 1);
    assert.match(written[0]!, /^\r\x1b\[2Kx\.paths\s+30%\s+0\.0\/0\.0 MB\s+ETA 3s\s+0 atoms\s+0\.0 MB\/s\s+\[read, write\]$/);
    now = 1300;
    p.stage('merge, write');
    assert.match(written[1]!, /40%.*\[merge, write\]$/);
    p.done();
    assert.equal(written[2], '\r\x1b[2K');
  });

  test('without a size (a mapped ACT, a pipe): atoms and their rate; long lines are cut to the terminal', () => {
    let now = 0;
    const { out } = fake(40);
    const p = new Progress(out, { label: 'space.act', now: () => now });
    now = 2000;
    p.wrote(10_000);
    assert.match(new Progress(fake().out, { label: 'space.act', now: () => 2000 }).line(), /space\.act\s+0 atoms/);
    const line = p.line();
    assert.ok(line.length < 40, line);
    const wide = new Progress(fake().out, { label: 'space.act', now: () => now });
    now = 4000;
    wide.wrote(10_000);
    assert.match(wide.line(), /space\.act\s+10,000 atoms\s+5,000 atoms\/s\s+\[read, write\]/);
  });

  test('the CLI draws it only on a terminal: a pipe never sees it', () => {
    const r = cli(['deserialize', BIG_LOGIC_PATHS, '-o', '/dev/null']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
  });

  test('on a terminal (through script(1), where it exists), the line is drawn and cleared at the end', (t) => {
    const probe = spawnSync('script', ['--version'], { encoding: 'utf8' });
    if (probe.error !== undefined) {
      t.skip('script(1) is not installed: no terminal to test on');
      return;
    }
    const cmd = `MORKSPACE_PROGRESS_DELAY_MS=0 ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} deserialize ${JSON.stringify(BIG_LOGIC_PATHS)} -o /dev/null`;
    const r = spawnSync('script', ['-q', '-e', '-c', cmd, '/dev/null'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /\x1b\[2Kbig_logic\.metta\.paths\s+\d+%.*atoms/);
    assert.ok(r.stdout.trimEnd().endsWith('\x1b[2K'), 'the line is cleared at the end');
  });
});

/** What a terminal shows after `written`: the escapes the progress display uses (CR, LF, ESC[nF, ESC[2K, ESC[J). */
function screen(written: readonly string[]): string[] {
  const lines: string[] = [''];
  let row = 0;
  let col = 0;
  const text = written.join('');
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\x1b') {
      const m = /^\x1b\[(\d*)([FKJ])/.exec(text.slice(i))!;
      if (m[2] === 'F') row = Math.max(0, row - Number(m[1] || 1));
      if (m[2] === 'F') col = 0;
      if (m[2] === 'K') lines[row] = '';
      if (m[2] === 'J') lines.splice(row + 1), (lines[row] = lines[row]!.slice(0, col));
      i += m[0].length - 1;
    } else if (c === '\r') col = 0;
    else if (c === '\n') {
      row++;
      col = 0;
      lines[row] ??= '';
    } else {
      const l = lines[row]!.padEnd(col);
      lines[row] = l.slice(0, col) + c + l.slice(col + 1);
      col++;
    }
  }
  return lines.filter((l, k) => l !== '' || k < row);
}

describe('the progress of a batch: a row per running job', () => {
  test('each job draws its own row, a job that ends gives its row up, and done() clears the block for a message', () => {
    let now = 0;
    const { out, written } = fake(80);
    const board = new ProgressBoard(out);
    const options = { delayMs: 0, intervalMs: 0, now: () => now };
    const a = new Progress(board.row(), { label: 'a.paths → a.mtts', totalBytes: 1000, ...options });
    const b = new Progress(board.row(), { label: 'b.paths → b.mtts', totalBytes: 1000, ...options });
    // each row as label and share (the rest of the line is rates and times)
    const rows = (): string[] => screen(written).map((l) => l.split(/ {2,}/).slice(0, 2).join(' '));
    now = 1000;
    a.read(500);
    b.read(250);
    assert.deepEqual(rows(), ['a.paths → a.mtts 50%', 'b.paths → b.mtts 25%']);
    a.read(100);
    assert.deepEqual(rows(), ['a.paths → a.mtts 60%', 'b.paths → b.mtts 25%']);
    a.done();
    assert.deepEqual(rows(), ['b.paths → b.mtts 25%']);
    board.done();
    out.write('morkspace: [1/2] a.paths → a.mtts: 10 atoms in 1.00 s\n');
    b.read(750);
    assert.deepEqual(rows(), ['morkspace: [1/2] a.paths → a.mtts: 10 atoms in 1.00 s', 'b.paths → b.mtts 100%']);
    b.done();
    assert.deepEqual(rows(), ['morkspace: [1/2] a.paths → a.mtts: 10 atoms in 1.00 s']);
  });
});
