/**
 * The CLI as a user runs it, for what a run owns: signals at several moments leave nothing behind,
 * outputs that are devices, FIFOs, links or descriptors are written, not replaced; binary input to
 * `serialize`, byte-order marks, compressed input, options that do not apply to the formats in use.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { generateSpace } from '../bench/generate.js';
import { cli } from './helpers/cli.js';
import { BIG_LOGIC_PATHS, CLI, GOLDEN } from './helpers/fixtures.js';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-run-test-'));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('close', (code) => resolve(code)));
}

/** Entries of `dir` (hidden ones too: temporary outputs start with a dot). */
const listing = (dir: string): string[] => fs.readdirSync(dir).sort();

/** True once bytes are landing in a temporary output in `dir`. */
function writing(dir: string): boolean {
  const tmp = listing(dir).find((f) => f.endsWith('.tmp'));
  return tmp !== undefined && (fs.statSync(path.join(dir, tmp), { throwIfNoEntry: false })?.size ?? 0) > 0;
}

/** Run the CLI with `args` (and `stdin`, left open), send `signal` once `ready()` holds, and return how it exited. */
async function interrupted(args: string[], signal: NodeJS.Signals, ready: () => boolean, stdin?: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = exited(child);
  let finished = false;
  void done.then(() => (finished = true));
  if (stdin !== undefined) {
    // what is still buffered for the child's stdin when it stops is refused (EPIPE): expected here
    child.stdin!.on('error', () => undefined);
    child.stdin!.write(stdin);
  }
  try {
    for (let waited = 0; !ready(); waited += 2) {
      assert.equal(finished, false, `the run ended before it could be interrupted: ${stderr}`);
      assert.ok(waited < 20_000, `not at the moment to interrupt after 20 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    child.kill(signal);
  }
  return { code: await done, stderr };
}

describe('Ctrl-C and SIGTERM stop a run cleanly: exit 130 / 143 and no file left', () => {
  let big: string;
  before(() => {
    // a space whose text → .paths takes most of a second, and whose .paths → text streams for as long
    const text = path.join(TMP, 'big.metta');
    fs.writeFileSync(text, generateSpace(300_000));
    big = path.join(TMP, 'big.paths');
    const r = cli(['serialize', text, '-o', big]);
    assert.equal(r.status, 0, r.stderr);
  });

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    // on one thread nothing but the stdin read itself can notice the signal (it once sat out the 5 s unwind, silent)
    for (const threads of ['1', '2']) test(`when ${signal} comes while stdin is still being read on ${threads} thread(s), then the exit code is ${code} at once and the output folder stays empty`, async () => {
      const dir = fs.mkdtempSync(path.join(TMP, 'sig-'));
      const child = spawn(process.execPath, [CLI, 'serialize', '-', '-o', path.join(dir, 'out.paths'), '--threads', threads], { stdio: ['pipe', 'ignore', 'pipe'] });
      const done = exited(child);
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      // what is still buffered for the child's stdin when it stops is refused (EPIPE): expected here
      child.stdin!.on('error', () => undefined);
      try {
        child.stdin!.write(generateSpace(20_000));
        // the run is under way once its temporary output exists; stdin stays open, so it waits for more
        for (let waited = 0; listing(dir).length === 0; waited += 5) {
          assert.ok(waited < 20_000, `no temporary output after 20 s: ${stderr}`);
          await new Promise((r) => setTimeout(r, 5));
        }
        await new Promise((r) => setTimeout(r, 100));
      } finally {
        child.kill(signal);
      }
      const killed = performance.now();
      assert.equal(await done, code, stderr);
      assert.ok(performance.now() - killed < 4000, 'the run waited for the unwind timeout');
      assert.match(stderr, new RegExp(`interrupted by ${signal}`));
      assert.deepEqual(listing(dir), []);
    });

    test(`when ${signal} comes while sorted runs are being spilled, then the exit code is ${code} and neither the output nor a run is left`, async () => {
      const dir = fs.mkdtempSync(path.join(TMP, 'sig-'));
      const runs = fs.mkdtempSync(path.join(TMP, 'runs-'));
      // stdin stays open: the run waits for more with its first runs on disk
      const r = await interrupted(['serialize', '-', '-o', path.join(dir, 'out.paths'), '--memory', '1M', '--tmp-dir', runs, '--threads', '1'], signal, () => listing(runs).some((d) => listing(path.join(runs, d)).length > 0), generateSpace(60_000));
      assert.equal(r.code, code, r.stderr);
      assert.deepEqual(listing(runs), []);
      assert.deepEqual(listing(dir), []);
    });

    test(`when ${signal} comes while spilled runs are being merged, then the exit code is ${code} and neither the output nor a run is left`, async () => {
      const dir = fs.mkdtempSync(path.join(TMP, 'sig-'));
      const runs = fs.mkdtempSync(path.join(TMP, 'runs-'));
      // an unsorted input's output starts only once its runs are merging
      const r = await interrupted(['serialize', path.join(TMP, 'big.metta'), '-o', path.join(dir, 'out.paths'), '--memory', '4M', '--tmp-dir', runs, '--threads', '1'], signal, () => writing(dir) && listing(runs).length > 0);
      assert.equal(r.code, code, r.stderr);
      assert.deepEqual(listing(runs), []);
      assert.deepEqual(listing(dir), []);
    });

    test(`when ${signal} comes while the output is being written, then the exit code is ${code} and the partial output is removed`, async () => {
      const dir = fs.mkdtempSync(path.join(TMP, 'sig-'));
      const r = await interrupted(['deserialize', big, '-o', path.join(dir, 'out.metta'), '--threads', '1'], signal, () => writing(dir));
      assert.equal(r.code, code, r.stderr);
      assert.deepEqual(listing(dir), []);
    });
  }
});

describe('a reader of stderr that goes away', () => {
  test('costs the notes, not the run: exit 0, the output in place, no temporary file or spilled run left', async () => {
    const dir = fs.mkdtempSync(path.join(TMP, 'stderr-'));
    const runs = fs.mkdtempSync(path.join(TMP, 'runs-'));
    const text = path.join(dir, 'space.metta');
    fs.writeFileSync(text, generateSpace(60_000));
    const child = spawn(process.execPath, [CLI, 'serialize', text, '-o', path.join(dir, 'out.paths'), '-v', '--memory', '1M', '--tmp-dir', runs, '--threads', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.destroy(); // every note from here on meets a closed pipe (EPIPE)
    assert.equal(await exited(child), 0);
    assert.deepEqual(listing(dir), ['out.paths', 'space.metta']);
    assert.deepEqual(listing(runs), []);
  });
});

describe('outputs that are not regular files are written, never replaced', () => {
  const expected = cli(['deserialize', BIG_LOGIC_PATHS]).stdout;

  test('when the output is /dev/null, then the run succeeds without --force and /dev/null stays a device', () => {
    const r = cli(['convert', BIG_LOGIC_PATHS, '-o', '/dev/null', '--to', 'act']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.statSync('/dev/null').isCharacterDevice());
  });
  test('when query writes to /dev/stdout or /dev/null without --to, then its matches are text, as on stdout; a name without a format is still refused', () => {
    const q = ['query', BIG_LOGIC_PATHS, '(axiom $x)'];
    const onStdout = cli(q);
    assert.equal(onStdout.status, 0, onStdout.stderr);
    const dev = cli([...q, '-o', '/dev/stdout']);
    assert.equal(dev.status, 0, dev.stderr);
    assert.ok(dev.stdout.equals(onStdout.stdout));
    const none = cli([...q, '-o', '/dev/null']);
    assert.equal(none.status, 0, none.stderr);
    const plain = cli([...q, '-o', path.join(TMP, 'matches')]);
    assert.equal(plain.status, 2);
    assert.match(plain.stderr, /cannot tell the output format from 'matches': give --to/);
  });
  test('when the output is /dev/stdout, then the bytes go to stdout', () => {
    const r = cli(['deserialize', BIG_LOGIC_PATHS, '-o', '/dev/stdout']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.equals(expected));
  });
  test('when the output is a FIFO, then its reader gets the bytes and the FIFO stays a FIFO', async () => {
    const fifo = path.join(TMP, 'out.fifo');
    spawnSync('mkfifo', [fifo]);
    const chunks: Buffer[] = [];
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    const read = exited(reader);
    reader.stdout!.on('data', (d: Buffer) => chunks.push(d));
    // both ends asynchronous: a blocked event loop would stop draining the reader, and the writer with it
    const writer = spawn(process.execPath, [CLI, 'deserialize', BIG_LOGIC_PATHS, '-o', fifo], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    writer.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    assert.equal(await exited(writer), 0, stderr);
    await read;
    assert.ok(Buffer.concat(chunks).equals(expected));
    assert.ok(fs.statSync(fifo).isFIFO());
  });
  test('when the output is /dev/fd/N of a pipe (a shell process substitution), then the pipe gets the bytes', () => {
    const out = path.join(TMP, 'substituted.metta');
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" deserialize "${BIG_LOGIC_PATHS}" -o >(cat > "${out}"); wait $!`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.readFileSync(out).equals(expected));
  });
  test('when the output is a symlink, then it is followed: the target is replaced only with --force, and the link stays a link', () => {
    const target = path.join(TMP, 'target.metta');
    const link = path.join(TMP, 'link.metta');
    fs.writeFileSync(target, 'old\n');
    fs.symlinkSync(target, link);
    const refused = cli(['deserialize', BIG_LOGIC_PATHS, '-o', link]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /output file exists \(.*links to .*target\.metta\)/);
    const r = cli(['deserialize', BIG_LOGIC_PATHS, '-o', link, '-f']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.ok(fs.readFileSync(target).equals(expected));
  });
  test('when the output is a directory or in a missing folder, then the run fails before any work with a one-line error, exit 3', () => {
    const d = cli(['convert', BIG_LOGIC_PATHS, '-o', TMP, '--to', 'act', '-f']);
    assert.equal(d.status, 3);
    assert.match(d.stderr, /is a directory \[ERR_IO\]\n$/);
    const m = cli(['convert', BIG_LOGIC_PATHS, '-o', path.join(TMP, 'no', 'such', 'x.act')]);
    assert.equal(m.status, 3);
    assert.match(m.stderr, /no such folder: .*no\/such \[ERR_IO\]\n$/);
  });
  test('when the output name is long (250 bytes), then the temporary name still fits', () => {
    const name = path.join(TMP, `${'n'.repeat(244)}.paths`);
    const r = cli(['convert', `${GOLDEN}random40.paths`, '-o', name]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.existsSync(name));
  });
});

describe('input that is not what the command reads is refused with what it is', () => {
  test('when serialize is given ACT or .paths data, then it exits 2 saying to use convert, and writes nothing', () => {
    for (const input of [`${GOLDEN}big_logic.act`, BIG_LOGIC_PATHS]) {
      const out = path.join(TMP, 'never.paths');
      const r = cli(['serialize', input, '-o', out]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /holds (act|paths) data, not MeTTa text: use 'morkspace convert'/);
      assert.equal(fs.existsSync(out), false);
    }
  });
  test('when serialize gets binary data that is no format on stdin, then it exits 1 naming the byte', () => {
    const r = cli(['serialize', '-', '--to', 'text'], { input: Buffer.from([0x28, 0x61, 0x00, 0xff, 0x01]) });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /<stdin>: byte 2: binary data .* \[ERR_BAD_MAGIC\]/);
  });
  test('when text starts with a UTF-8 byte-order mark, then a warning names the file, and --strip-bom drops the mark', () => {
    const file = path.join(TMP, 'bom.metta');
    fs.writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('(a b)\n')]));
    const kept = cli(['serialize', file, '--to', 'text']);
    assert.equal(kept.status, 0);
    assert.match(kept.stderr, /warning: .*bom\.metta: starts with a UTF-8 byte-order mark/);
    assert.equal(kept.stdout.toString(), '(a b)\n\u{feff}\n');
    const stripped = cli(['serialize', file, '--to', 'text', '--strip-bom']);
    assert.equal(stripped.stderr, '');
    assert.equal(stripped.stdout.toString(), '(a b)\n');
  });
  test('when the input is gzip-compressed, then it is read through; zstd and xz are refused with the command that reads them', () => {
    const gz = path.join(TMP, 'space.metta.gz');
    fs.writeFileSync(gz, zlib.gzipSync('(b)\n(a)\n'));
    const r = cli(['serialize', gz, '--to', 'text']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString(), '(a)\n(b)\n');
    const viaStdin = cli(['convert', '-', '--to', 'act'], { input: zlib.gzipSync(fs.readFileSync(`${GOLDEN}random40.paths`)) });
    assert.equal(viaStdin.status, 0, viaStdin.stderr);
    assert.ok(viaStdin.stdout.equals(fs.readFileSync(`${GOLDEN}random40.act`)), 'a gzipped .paths on stdin is sniffed inside the gzip layer');
    const zst = cli(['convert', '-', '--to', 'text'], { input: Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0]) });
    assert.equal(zst.status, 1);
    assert.match(zst.stderr, /zstd-compressed data: decompress it first, e\.g\. zstd -dc/);
  });
  test("when MeTTa text on stdin starts with '(r' (a valid zlib header), then it is read as text", () => {
    const r = cli(['convert', '-', '--to', 'text'], { input: '(rule a b)\n' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString(), '(rule a b)\n');
  });
});

describe('options that do not apply to the formats in use are usage errors', () => {
  for (const [args, flag] of [
    [['--to', 'paths', '--meta', 'a=1'], '--meta'],
    [['--to', 'act', '--level', '9'], '--level'],
    [['--to', 'text', '--compression', 'lz4'], '--compression'],
    [['--to', 'act', '--no-verify'], '--no-verify'],
  ] as const) {
    test(`when ${args.join(' ')} is given to a .paths input, then it exits 2 naming ${flag}`, () => {
      const out = path.join(TMP, 'never-written');
      const r = cli(['convert', BIG_LOGIC_PATHS, '-o', out, ...args]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${flag} applies to .*, not to paths input`));
      assert.equal(fs.existsSync(out), false);
    });
  }
  test('when --crlf is given for text input, then it is accepted', () => {
    const r = cli(['serialize', '-', '--to', 'text', '--crlf'], { input: '(a)\r\n' });
    assert.equal(r.status, 0, r.stderr);
  });
});
