#!/usr/bin/env node
// CommonJS (bin/package.json): an ES module entry costs Node's module loader on every start (7 ms of
// a small command's ~90 here, measured), and this file and cli-bundle.js only need require.
'use strict';
const { existsSync } = require('node:fs');
const { resolve } = require('node:path');
const { fileURLToPath } = require('node:url');
const { ENTRY, loadBundle } = require('./cli-bundle.js');

// The reader of stdout went away (`| head`): stop quietly, as other Unix tools do. Any other failure
// to write it (a full disk behind `>`, /dev/full) fails the run with one line and exit 3: the sink
// writing the output reports it itself; a report or listing written after the run is caught here.
let stdoutError;
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  stdoutError ??= e;
});
process.on('exit', (code) => {
  if (stdoutError === undefined || code !== 0) return;
  process.stderr.write(cli?.stdoutFailure(stdoutError, process.argv.includes('--json')) ?? `morkspace: <stdout>: ${stdoutError.message} [ERR_IO]\n`);
  process.exitCode = 3;
});
// Nobody reads stderr any more (`2>&1 | head`): the notes are lost, the run goes on. For the whole
// process: the error of a last note arrives after the command has returned.
process.stderr.on('error', (e) => {
  if (e.code !== 'EPIPE') throw e;
});

// dist/ is built by `npm run build` (`npm test` and `npm pack` run it), not by `npm install`: a fresh
// clone has no dist/ yet. Say so in one line (exit 3, as for other I/O errors); any other failure to
// load (a missing dependency, a partial build) still surfaces as it is.
// The build bundles the CLI into one script with V8's code cache (build/bundle-cli.js, cli-bundle.js):
// it starts in a fraction of the time of its ~80 modules. Without a bundle as new as main.js (a `tsc`
// run alone), the modules.
let cli;
(async () => {
  try {
    cli = loadBundle()?.cli ?? (await import(ENTRY.href));
  } catch (e) {
    if (e?.code !== 'ERR_MODULE_NOT_FOUND' || existsSync(fileURLToPath(ENTRY))) throw e;
    process.stderr.write(`morkspace: not built yet: run npm run build (or npm test) in ${resolve(__dirname, '..')}\n`);
    process.exitCode = 3;
  }
  if (cli) process.exitCode = await cli.main(process.argv.slice(2));
})().catch((e) => {
  // as a failure at the top of a script: the stack on stderr, exit 1
  process.exitCode = 1;
  throw e;
});
