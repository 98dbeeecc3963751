// The CLI's start-up: the bundle the build makes, and V8's code cache beside it (bin/cli-bundle.js).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, test } from 'node:test';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ROOT } from './helpers/fixtures.js';
import { tempDir } from './helpers/cli.js';

interface Loaded {
  cli: { main: (argv: readonly string[], io?: unknown) => Promise<number> };
  cacheUsed: boolean;
}
type LoadBundle = (dir?: URL) => Loaded | undefined;
const { loadBundle, CLI_DIR } = (await import(pathToFileURL(path.join(ROOT, 'bin/cli-bundle.js')).href)) as { loadBundle: LoadBundle; CLI_DIR: URL };
const BUNDLE = new URL('main.bundle.cjs', CLI_DIR);

// A copy of the built CLI folder laid out as in the project (the bundle finds package.json from its
// own place), whose bundle and cache a test may change.
function copyOfCli(): { dir: URL; bundle: string; cache: string } {
  const root = tempDir();
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(root, 'package.json'));
  const cliDir = path.join(root, 'dist/src/cli');
  fs.mkdirSync(cliDir, { recursive: true });
  fs.writeFileSync(path.join(cliDir, 'main.js'), '');
  // the stand-in main.js must not look newer than the bundle
  fs.utimesSync(path.join(cliDir, 'main.js'), new Date(0), new Date(0));
  for (const name of ['main.bundle.cjs', 'main.bundle.cjs.cache']) fs.copyFileSync(new URL(name, CLI_DIR), path.join(cliDir, name));
  return { dir: pathToFileURL(cliDir + '/'), bundle: path.join(cliDir, 'main.bundle.cjs'), cache: path.join(cliDir, 'main.bundle.cjs.cache') };
}

async function version(loaded: Loaded): Promise<string> {
  let out = '';
  const sink = { write: (s: string | Uint8Array) => ((out += String(s)), true) };
  const code = await loaded.cli.main(['--version'], { stdin: (async function* () {})(), stdout: sink, stderr: sink });
  assert.equal(code, 0);
  return out.trim();
}

const PACKAGE_VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const bundleSkip = !fs.existsSync(BUNDLE)
  ? 'the build made no bundle (esbuild missing): the CLI runs unbundled'
  : typeof zlib.crc32 !== 'function'
    ? `Node ${process.version} has no zlib.crc32 (20.15 and later): the CLI starts without a code cache`
    : false;

describe('the CLI bundle and its code cache', { skip: bundleSkip }, () => {
  test('the build leaves a bundle whose code cache V8 accepts', async () => {
    const loaded = loadBundle();
    assert.ok(loaded, 'a bundle at least as new as main.js');
    assert.equal(loaded.cacheUsed, true);
    assert.equal(await version(loaded), PACKAGE_VERSION);
  });

  test('a cache made for other source of the same length is not used, and the CLI still runs', async () => {
    const copy = copyOfCli();
    assert.equal(loadBundle(copy.dir)?.cacheUsed, true);
    // the same length, another program: V8 alone would take the cache (it checks only the length)
    const source = fs.readFileSync(copy.bundle, 'latin1');
    const at = source.indexOf('Serialize, deserialize');
    assert.ok(at > 0);
    fs.writeFileSync(copy.bundle, source.slice(0, at) + 's' + source.slice(at + 1), 'latin1');
    const edited = loadBundle(copy.dir);
    assert.equal(edited?.cacheUsed, false);
    assert.equal(await version(edited), PACKAGE_VERSION);
  });

  test('a cut or missing cache is not used, and the CLI still runs', async () => {
    const copy = copyOfCli();
    fs.truncateSync(copy.cache, 100);
    const cut = loadBundle(copy.dir);
    assert.equal(cut?.cacheUsed, false);
    assert.equal(await version(cut), PACKAGE_VERSION);
    fs.rmSync(copy.cache);
    const none = loadBundle(copy.dir);
    assert.equal(none?.cacheUsed, false);
    assert.equal(await version(none), PACKAGE_VERSION);
  });

  test('a bundle older than main.js is not loaded (a tsc run alone never runs stale code)', () => {
    const copy = copyOfCli();
    fs.utimesSync(copy.bundle, new Date(0), new Date(0));
    fs.utimesSync(new URL('main.js', copy.dir), new Date(), new Date());
    assert.equal(loadBundle(copy.dir), undefined);
  });

  test('without a build, bin/ says so in one line and exits 3', () => {
    const root = tempDir();
    fs.cpSync(path.join(ROOT, 'bin'), path.join(root, 'bin'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(root, 'package.json'));
    const r = spawnSync(process.execPath, [path.join(root, 'bin/morkspace.js'), '--version'], { encoding: 'utf8' });
    assert.equal(r.status, 3);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `morkspace: not built yet: run npm run build (or npm test) in ${root}\n`);
  });

  test('through bin/: reads stdin only when asked, and loads no child_process for other commands', () => {
    const bin = path.join(ROOT, 'bin/morkspace.js');
    const piped = spawnSync(process.execPath, [bin, 'inspect', '-', '--json'], { input: '(a b)\n(c d)\n', encoding: 'utf8' });
    assert.equal(piped.status, 0, piped.stderr);
    assert.equal((JSON.parse(piped.stdout) as { space: { atoms: number } }).space.atoms, 2);
    // the loaded built-in modules of a small command, printed as it exits
    const probe = ['--import', `data:text/javascript,${encodeURIComponent(`process.on('exit', () => process.stderr.write('\\nLOADED ' + process.moduleLoadList.join(',')));`)}`];
    const loadedBy = (...args: string[]): string[] => {
      const r = spawnSync(process.execPath, [...probe, ...args], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stderr.slice(r.stderr.indexOf('LOADED ') + 7).split(',');
    };
    const loaded = loadedBy(bin, 'inspect', path.join(ROOT, 'fixtures/upstream/big_logic.metta.paths'));
    // against what Node loads for an empty script, so that another Node's own start does not count
    const node = new Set(loadedBy('-e', '0'));
    assert.ok(loaded.includes('NativeModule zlib'), 'the probe sees the modules the run loaded');
    // fs.promises loads internal/fs/promises (and readline, watchers: 1-3 ms), not the public fs/promises
    const lazy = ['NativeModule child_process', 'NativeModule v8', 'NativeModule fs/promises', 'NativeModule internal/fs/promises'];
    for (const name of lazy) assert.ok(node.has(name) || !loaded.includes(name), `${name} loaded by inspect`);
    // and a conversion, which sniffs its input and renames its temporary file into place
    const out = path.join(tempDir(), 'out.act');
    const converted = loadedBy(bin, 'convert', path.join(ROOT, 'fixtures/upstream/big_logic.metta.paths'), '-o', out);
    assert.ok(fs.statSync(out).size > 0);
    for (const name of lazy.slice(2)) assert.ok(node.has(name) || !converted.includes(name), `${name} loaded by convert`);
  });
});

// the addon is an optional dependency: an install without a C++ toolchain reads ACT files into memory
const mmapInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('@riaskov/mmap-io');
    return true;
  } catch {
    return false;
  }
})();

describe('start-up of ACT commands', { skip: mmapInstalled ? false : '@riaskov/mmap-io is not installed (optional): ACT files are read into memory' }, () => {
  test('an ACT file is mapped without loading the addon\'s node-pre-gyp (40 ms of every ACT command)', () => {
    const bin = path.join(ROOT, 'bin/morkspace.js');
    // the package modules loaded by the run, printed as it exits
    const probe = `import { createRequire } from 'node:module'; process.on('exit', () => process.stderr.write('\\nREQUIRED ' + Object.keys(createRequire('/').cache).join(',')));`;
    const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(probe)}`, bin, 'inspect', '--json', path.join(ROOT, 'fixtures/upstream/pathmap-golden/big_logic.act')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { mapped: boolean }).mapped, true);
    const required = r.stderr.slice(r.stderr.indexOf('REQUIRED ') + 9).split(',');
    assert.ok(required.some((f) => f.endsWith('mmap_io.node')), 'the probe sees the addon');
    assert.ok(!required.some((f) => f.includes('node-pre-gyp')), required.filter((f) => f.includes('node_modules')).join('\n'));
  });
});
