/**
 * How much of the files this process has mapped is resident right now: the "shared" field of
 * Linux's /proc/self/statm (file-backed pages plus shared memory), in bytes.
 *
 * Why measure instead of counting the pages a walk reads: how much one read fault maps in is the
 * kernel's choice. Older kernels map the aligned 64 KiB around the page (fault-around); 6.18 maps
 * the whole page-cache folio, and ext4's folios here were 1 MiB: touching one byte per MiB of the
 * 3M-atom bench ACT (80 MiB) made all 80 MiB resident, so a budget counted in 64 KiB windows let
 * 16 times what it meant stay mapped. A read of statm costs about 2.4 µs (a pread of a descriptor
 * kept open), so a walk can afford one per 4 new 64 KiB windows it reads.
 */
import fs from 'node:fs';

let fd: number | undefined;
let pageBytes = 0;
const text = Buffer.alloc(160);

/** Resident file-backed bytes of this process, or -1 where /proc/self/statm cannot be read. */
export function residentFileBytes(): number {
  if (fd === undefined) open();
  if (fd === -1) return -1;
  const pages = statmField(2);
  return pages < 0 ? -1 : pages * pageBytes;
}

function open(): void {
  try {
    fd = fs.openSync('/proc/self/statm', 'r');
    // statm counts pages; the page size is not in Node's API, but rss() is statm's "resident" in
    // bytes: their ratio, as the power of two nearest to it (the two reads are microseconds apart)
    const resident = statmField(1);
    const ratio = process.memoryUsage.rss() / resident;
    pageBytes = 2 ** Math.round(Math.log2(ratio));
    if (!(resident > 0) || !(pageBytes >= 4096)) throw new Error('statm unreadable');
  } catch {
    if (fd !== undefined && fd >= 0) fs.closeSync(fd);
    fd = -1;
  }
}

// Field `index` (0-based) of /proc/self/statm: "size resident shared text lib data dt", in pages.
function statmField(index: number): number {
  const n = fs.readSync(fd!, text, 0, text.length, 0);
  let k = 0;
  for (let f = 0; f < index; f++) {
    while (k < n && text[k] !== 0x20) k++;
    k++;
  }
  let v = 0;
  const start = k;
  while (k < n && text[k]! >= 0x30 && text[k]! <= 0x39) v = v * 10 + text[k++]! - 0x30;
  return k > start ? v : -1;
}
