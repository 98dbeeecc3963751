/** `morkspace bench`: every conversion of a generated space, timed as whole processes, as JSON or a table. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { cli, tempDir } from './helpers/cli.js';

describe('morkspace bench', () => {
  test('--json: the host, the space, and each conversion with its median, rate and peak RSS; nothing left behind', () => {
    const dir = tempDir();
    const r = cli(['bench', '--atoms', '3K', '--runs', '1', '--threads', '1', '--json', '--tmp-dir', dir]);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout.toString()) as { host: { cpus: number }; atoms: number; cases: { name: string; threads: number; seconds: number; atomsPerSecond: number; peakRssBytes: number }[] };
    assert.ok(doc.host.cpus >= 1);
    assert.ok(doc.atoms > 2900 && doc.atoms <= 3000, String(doc.atoms));
    assert.deepEqual(doc.cases.map((c) => c.name), ['text->paths', 'paths->text', 'paths->act', 'act->text', 'text->mtts', 'mtts->text']);
    for (const c of doc.cases) {
      assert.equal(c.threads, 1);
      assert.ok(c.seconds > 0 && c.atomsPerSecond > 0 && c.peakRssBytes > 10 << 20, JSON.stringify(c));
    }
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  test('a bad --atoms or --threads is a usage error', () => {
    assert.equal(cli(['bench', '--atoms', 'lots']).status, 2);
    assert.equal(cli(['bench', '--threads', '1,x']).status, 2);
  });
});
