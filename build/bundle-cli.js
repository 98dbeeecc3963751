// Bundles the compiled CLI (dist/src/cli/main.js and the modules it imports) into one CommonJS script,
// dist/src/cli/main.bundle.cjs, and writes V8's code cache of it (main.bundle.cjs.cache), which
// bin/morkspace.js loads (bin/cli-bundle.js) when the bundle is at least as new as main.js.
// Why: Node's ES module loader costs about a millisecond per module, and the CLI is ~80 of them: the
// bundle halved the time to load the CLI (`--version` 290 -> 213 ms, on a loaded host). Compiling the
// bundle was then the largest part left (14 ms of CPU for `inspect` of a tiny file), and Node 20
// keeps no code cache for modules: a CommonJS script compiled through vm.Script takes one. The cache
// is made by running a few small commands on a scratch space in a child process, so that it also
// holds the functions those commands compile on their way (V8 adds what has run by then).
// The library (`import … from 'morkspace'`) and the pool's workers still load dist/src module by module.
// Dependencies stay external (resolved from node_modules as before), except commander, which every
// command loads: inside the bundle it costs one compile instead of Node's CommonJS loader (~20 ms
// of CPU less per command, measured; its licence notice heads the bundle). The bundle sits
// beside main.js, and import.meta.url becomes the bundle's own URL, so URLs made from it
// (package.json, bin/, the pool's worker) resolve the same from either.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { BUNDLE, CODE_CACHE, ENTRY, loadBundle, writeCodeCache } from '../bin/cli-bundle.js';

if (process.argv[2] === '--code-cache') {
  await makeCodeCache();
  process.exit(0);
}
let esbuild;
try {
  esbuild = await import('esbuild');
} catch (e) {
  // Not fatal: without a bundle the CLI loads module by module, only slower to start.
  process.stderr.write(`build: esbuild is not available (${e.message.split('\n')[0]}): the CLI runs unbundled\n`);
  process.exit(0);
}
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }).filter((name) => name !== 'commander');
// commander's code is inside the bundle: its MIT notice goes with it
// (its main file sits in its package's root; its exports do not list package.json)
const commanderDir = path.dirname(createRequire(import.meta.url).resolve('commander'));
const commander = JSON.parse(readFileSync(path.join(commanderDir, 'package.json'), 'utf8'));
const copyright = readFileSync(path.join(commanderDir, 'LICENSE'), 'utf8').match(/^Copyright.*$/m)?.[0] ?? '';
const notice = `/*! Includes commander ${commander.version} (${commander.license} License; ${copyright}) */`;
// commander requires node:child_process when it loads (for subcommands run as programs, which this CLI
// has none of), and that module brings net, dgram and tty along: 2 ms of every start. Inside the
// bundle, commander gets it on first use instead.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (args.importer.includes(`${path.sep}commander${path.sep}`) ? { path: 'child_process', namespace: 'lazy' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "let m; module.exports = new Proxy({}, { get: (_, key) => (m ??= require('node:child_process'))[key] });",
      loader: 'js',
    }));
  },
};
// Each `import fs from 'node:fs'` of a module becomes `__toESM(require('node:fs'))` in the bundle,
// which copies every export of the builtin onto a new object: 31 such copies (fs 13, path 10, zlib 5,
// os 3), about 2 ms of CPU of every start in a profile and 1.5 MiB of its peak. These builtins come in as an object whose prototype is the module
// instead: nothing to copy, and every export (default or named) is found through the prototype.
// Only for these four, whose exports are plain functions and constants.
const PROTOTYPED_BUILTINS = /^node:(fs|os|path|zlib)$/;
const builtinsByPrototype = {
  name: 'builtins-by-prototype',
  setup(build) {
    build.onResolve({ filter: PROTOTYPED_BUILTINS }, (args) => (args.namespace === 'builtin' ? undefined : { path: args.path, namespace: 'builtin' }));
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = Object.create(require(${JSON.stringify(args.path)}));`, loader: 'js' }));
  },
};
// The bundle runs as a vm.Script (bin/cli-bundle.js), where Node 20 has no working import(): with a
// code cache it fails ("A dynamic import callback was not specified"), and without one it takes an
// experimental option that warns on every run. The modules' own import() of an optional dependency
// (piscina, csv-parse, vega) goes to the loader's, passed in as `__morkspaceImport`; the build fails if
// any import() is left.
const DYNAMIC_IMPORT = /\bimport\((['"][^'"]+['"])\)/g;
const importThroughLoader = {
  name: 'import-through-loader',
  setup(build) {
    build.onLoad({ filter: /[\\/]dist[\\/]src[\\/].*\.js$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace(DYNAMIC_IMPORT, '__morkspaceImport($1)'),
      loader: 'js',
    }));
  },
};
await esbuild.build({
  entryPoints: [fileURLToPath(ENTRY)],
  outfile: fileURLToPath(BUNDLE),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // No comments or indentation (539 -> 362 KB), and ASCII only: Node reads an ASCII file into a
  // one-byte string, which V8 takes as it is; a single other character makes the whole script a
  // two-byte string (read, copied into the wrapper and checked against the cache at twice the size).
  // Reading it and compiling it from its cache went 10.4 -> 7.1 ms per command (medians of 8).
  charset: 'ascii',
  minifyWhitespace: true,
  external,
  define: { 'import.meta.url': '__morkspaceBundleUrl' },
  // "use strict" first, before the banner's statement: esbuild's own comes after it, where it is no
  // directive, and the modules (ES modules, strict) would run as sloppy code in the CLI alone
  banner: { js: `${notice}\n'use strict';\nconst __morkspaceBundleUrl = require('node:url').pathToFileURL(__filename).href;` },
  plugins: [lazyChildProcess, builtinsByPrototype, importThroughLoader],
  sourcemap: true,
  logLevel: 'warning',
});
if (statSync(BUNDLE).mtimeMs < statSync(ENTRY).mtimeMs) throw new Error('build: the bundle is older than main.js');
const leftImport = /\bimport\(/.exec(readFileSync(BUNDLE, 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, ''));
if (leftImport) throw new Error(`build: the bundle still has an import() (at ${leftImport.index}), which fails inside a vm.Script: give it a literal specifier`);
// esbuild escapes what is not ASCII in strings, not in regular expression literals
const nonAscii = /[^\x00-\x7f]/.exec(readFileSync(BUNDLE, 'latin1'));
if (nonAscii) throw new Error(`build: the bundle has a byte that is not ASCII (at ${nonAscii.index}), which makes it a two-byte string: write it as an escape (\\uXXXX) in the source`);
rmSync(CODE_CACHE, { force: true });
// a child of its own: the commands' runs leave nothing in this process, and a failure to make the
// cache only costs the cache (the CLI then compiles the bundle as Node would)
try {
  execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--code-cache'], { stdio: ['ignore', 'ignore', 'inherit'] });
} catch (e) {
  process.stderr.write(`build: no code cache for the CLI (${e.message.split('\n')[0]}): it starts a little slower\n`);
}

// Runs small commands of each kind through the bundle in this process, then writes the cache.
async function makeCodeCache() {
  const loaded = loadBundle();
  if (!loaded) throw new Error('no bundle to make a code cache of');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'morkspace-build-'));
  try {
    const text = path.join(dir, 'space.metta');
    writeFileSync(text, '(parent Tom Bob)\n(parent Bob (Ann "x"))\n(age Tom 42)\n');
    const at = (name) => path.join(dir, name);
    const runs = [
      ['--help'],
      ['inspect', text],
      ['convert', text, '-o', at('space.paths')],
      ['inspect', at('space.paths'), '--json'],
      ['query', at('space.paths'), '(parent $x $y)'],
      ['convert', at('space.paths'), '-o', at('space.act')],
      ['query', at('space.act'), '(parent Tom $y)', '--count'],
      ['convert', at('space.act'), '-o', at('space.mtts')],
      ['inspect', at('space.mtts')],
    ];
    // and an error on the way (binary input to serialize), so that its report is compiled too
    const failing = ['serialize', at('space.act')];
    const discard = () => new Writable({ write: (_chunk, _encoding, done) => done() });
    const io = { stdin: (async function* () {})(), stdout: discard(), stderr: discard() };
    for (const argv of runs) {
      const code = await loaded.cli.main(argv, io);
      // not fatal (the cache is only smaller), but a warm-up that fails should not go unnoticed
      if (code !== 0) process.stderr.write(`build: the code cache's warm-up \`morkspace ${argv.join(' ')}\` exited ${code}\n`);
    }
    await loaded.cli.main(failing, io);
    writeCodeCache(loaded.script, loaded.source);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
