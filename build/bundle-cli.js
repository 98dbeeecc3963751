// Bundles the compiled CLI (dist/src/cli/main.js and the modules it imports) into one file,
// dist/src/cli/main.bundle.js, which bin/morkspace.js loads when it is at least as new as main.js.
// Why: Node's ES module loader costs about a millisecond per module, and the CLI is ~80 of them:
// the bundle halves the time to load the CLI (measured here: `--version` 290 -> 213 ms). The library
// (`import … from 'morkspace'`) and the pool's workers still load dist/src module by module.
// Dependencies stay external (resolved from node_modules as before), except commander, which every
// command loads: inside the bundle it costs one compile instead of Node's CommonJS loader (~20 ms
// of CPU less per command, measured; its licence notice heads the bundle). The bundle sits
// beside main.js, so URLs made from import.meta.url (package.json, bin/, the pool's worker) resolve
// the same from either.
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
const out = new URL('../dist/src/cli/main.bundle.js', import.meta.url);
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
await esbuild.build({
  entryPoints: [entry.pathname],
  outfile: out.pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  // commander is CommonJS: its require() calls of Node's modules need a require in an ES module
  banner: { js: `${notice}\nimport { createRequire as __morkspaceRequire } from 'node:module';\nconst require = __morkspaceRequire(import.meta.url);` },
  sourcemap: true,
  logLevel: 'warning',
});
if (statSync(out).mtimeMs < statSync(entry).mtimeMs) throw new Error('build: the bundle is older than main.js');
