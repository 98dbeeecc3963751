// Loads the CLI's bundle (dist/src/cli/main.bundle.cjs, made by build/bundle-cli.js) with V8's code
// cache beside it (main.bundle.cjs.cache): what Node 20 does not do for any module by itself.
// Why: compiling the bundle was the largest part of a small command's start-up (14 ms of CPU for
// `inspect` of a tiny file), and the cache also holds the functions a usual command compiles later.
// The bundle is a CommonJS script, because only a vm.Script takes a code cache on Node 20 (an ES
// module does not). Shared by bin/morkspace.js, the build (which writes the cache) and the bench
// (which times the CLI as a user starts it).
'use strict';
const fs = require('node:fs');
const { createRequire } = require('node:module');
const path = require('node:path');
const { fileURLToPath, pathToFileURL } = require('node:url');
const vm = require('node:vm');
const zlib = require('node:zlib');

/** Where the compiled CLI lives (a test gives another folder laid out the same). */
const CLI_DIR = pathToFileURL(path.join(__dirname, '../dist/src/cli/'));
// The compiled entry, the bundle made from it and the bundle's cache, in `dir`.
const filesIn = (dir) => ({ entry: new URL('main.js', dir), bundle: new URL('main.bundle.cjs', dir), cache: new URL('main.bundle.cjs.cache', dir) });
const { entry: ENTRY, bundle: BUNDLE, cache: CODE_CACHE } = filesIn(CLI_DIR);
// one assignment each: Node finds a CommonJS module's names for `import { … }` by reading them
exports.CLI_DIR = CLI_DIR;
exports.ENTRY = ENTRY;
exports.BUNDLE = BUNDLE;
exports.CODE_CACHE = CODE_CACHE;
// the cache starts with the CRC-32 and length of the source it was made from: V8 checks only the
// source's length (and its own version and flags), so a cache of another bundle of the same length
// would run that bundle's code (zlib.crc32 is Node 20.15's: before it, no cache is used or made)
const STAMP_BYTES = 8;

/**
 * The bundled CLI module, or undefined when there is no bundle at least as new as main.js (a `tsc`
 * run alone never runs stale code). `script.createCachedData()` makes a new cache.
 * @returns {{ cli: { main: (argv: readonly string[], io?: unknown) => Promise<number>, stdoutFailure: (e: Error, json: boolean) => string }, script: vm.Script, source: Buffer, cacheUsed: boolean } | undefined}
 */
function loadBundle(dir = CLI_DIR) {
  const files = filesIn(dir);
  const file = fileURLToPath(files.bundle);
  let source;
  try {
    if (fs.statSync(file).mtimeMs < fs.statSync(files.entry).mtimeMs) return undefined;
    source = fs.readFileSync(file);
  } catch {
    return undefined; // no bundle (or no build at all: bin/morkspace.js says so)
  }
  const cachedData = matchingCache(source, files.cache);
  // Node's CommonJS wrapper (the bundle sees its own require, module and paths), and an import() for
  // the optional dependencies it loads when a run needs them: the build turned the modules' own
  // import() into calls of this one (a vm.Script's import() does not work on Node 20)
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __morkspaceImport) {${source.toString('utf8')}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
  });
  const bundle = { exports: {} };
  script.runInThisContext()(bundle.exports, createRequire(file), bundle, file, path.dirname(file), (specifier) => import(specifier));
  return { cli: bundle.exports, script, source, cacheUsed: cachedData !== undefined && !script.cachedDataRejected };
}

/** Writes V8's cache of `script` (compiled from `source`) beside the bundle, stamped with the source. */
function writeCodeCache(script, source, dir = CLI_DIR) {
  if (typeof zlib.crc32 !== 'function') throw new Error(`Node ${process.version} has no zlib.crc32 to stamp the cache with`);
  const data = script.createCachedData();
  const out = Buffer.alloc(STAMP_BYTES + data.length);
  out.writeUInt32LE(zlib.crc32(source), 0);
  out.writeUInt32LE(source.length, 4);
  out.set(data, STAMP_BYTES);
  const file = fileURLToPath(filesIn(dir).cache);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, out);
  fs.renameSync(tmp, file);
}

function matchingCache(source, file) {
  if (typeof zlib.crc32 !== 'function') return undefined;
  let cache;
  try {
    cache = fs.readFileSync(file);
  } catch {
    return undefined; // a build without one compiles as Node would
  }
  if (cache.length <= STAMP_BYTES || cache.readUInt32LE(4) !== source.length || cache.readUInt32LE(0) !== zlib.crc32(source)) return undefined;
  return cache.subarray(STAMP_BYTES);
}

exports.loadBundle = loadBundle;
exports.writeCodeCache = writeCodeCache;
