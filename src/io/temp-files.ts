/**
 * The temporary files and folders this process has made and not yet removed: outputs written
 * beside their final name, spools, spilled sort runs. Each owner removes its own on every path it
 * can unwind; this list is for the one it cannot: a signal handler that must exit now.
 */
import fs from 'node:fs';

const live = new Set<string>();

/** Note a temporary file or folder (removed by `removeTempFilesSync` unless `forgetTemp` comes first). */
export function trackTemp(file: string): void {
  live.add(file);
}

/** The temporary file or folder is gone or has become the user's (a committed output). */
export function forgetTemp(file: string): void {
  live.delete(file);
}

/** Remove every temporary file and folder of this process now (a signal handler's last resort). */
export function removeTempFilesSync(): void {
  for (const t of live) {
    try {
      fs.rmSync(t, { recursive: true, force: true });
    } catch {
      // already gone, or cannot be removed: nothing more a dying process can do
    }
  }
  live.clear();
}
