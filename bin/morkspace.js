#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js';

// The reader of stdout went away (`| head`): stop quietly, as other Unix tools do.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
process.exitCode = await main(process.argv.slice(2));
