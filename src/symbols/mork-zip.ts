/**
 * MORK's symbol-table archive (`SharedMapping::serialize` in MORK's interning/ crate;
 * docs/symbols.md): a zip of Stored entries `SharedMapping_0xNN.binary_data` — one per non-empty
 * shard, ascending, NN two uppercase hex digits — then `FileSizes.meta`, pairs of u64 big-endian
 * (shard, entry size). An entry is records in ascending id order: the id's low 6 bytes, the length
 * (one byte `~n` when n ≤ 127, else n as u64 big-endian), the bytes. The zip itself is fflate's.
 */
import fs from 'node:fs';
import type { Zippable } from 'fflate';
import { zip } from '../native.js';
import { ErrorCode, FormatError, ioError } from '../errors.js';
import { MAX_SHARDS, SHARD_SPAN, SymbolTable, idText } from './table.js';

/** The metadata entry, always last. */
export const META_ENTRY = 'FileSizes.meta';
const SHARD_ENTRY = /^SharedMapping_0x([0-9A-F]{2})\.binary_data$/;
/** Longest symbol the one-byte length form holds. */
const SHORT_LENGTH_MAX = 127;
/** The zip's timestamps: the DOS epoch, as MORK's zip crate writes them (its `time` feature off). */
const DOS_EPOCH = new Date(1980, 0, 1, 0, 0, 0);

/** The entry name of shard `k`. */
export function shardEntryName(k: number): string {
  return `SharedMapping_0x${k.toString(16).toUpperCase().padStart(2, '0')}.binary_data`;
}

/** True when `head` starts like a zip (a local file header, or the end record of an empty zip). */
export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6));
}

function corrupt(message: string, file: string | undefined, extra: { offset?: number; offsetOf?: string } = {}): FormatError {
  return new FormatError(ErrorCode.Corrupt, message, { ...(file !== undefined ? { file } : {}), ...extra });
}

/** The bytes of one shard entry: its records, ascending ids. */
function shardRecords(table: SymbolTable, from: number, to: number): Uint8Array {
  let size = 0;
  for (let k = from; k < to; k++) {
    const n = table.starts[k + 1]! - table.starts[k]!;
    size += 6 + (n <= SHORT_LENGTH_MAX ? 1 : 8) + n;
  }
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  let w = 0;
  for (let k = from; k < to; k++) {
    const id = table.ids[k]!;
    const hi = Math.floor(id / 2 ** 32);
    v.setUint16(w, hi);
    v.setUint32(w + 2, id >>> 0);
    w += 6;
    const sym = table.symbolAt(k);
    if (sym.length <= SHORT_LENGTH_MAX) out[w++] = 0xff - sym.length;
    else {
      v.setBigUint64(w, BigInt(sym.length));
      w += 8;
    }
    out.set(sym, w);
    w += sym.length;
  }
  return out;
}

/** The records of the whole table in ascending id order (MTTS's symbols section holds these). */
export function tableRecords(table: SymbolTable): Uint8Array {
  return shardRecords(table, 0, table.count);
}

/** The archive upstream's `SharedMapping::deserialize` reads for `table`. */
export function writeMorkTable(table: SymbolTable): Uint8Array {
  const files: Zippable = {};
  const meta: number[][] = [];
  let k = 0;
  while (k < table.count) {
    const shard = Math.floor(table.ids[k]! / SHARD_SPAN);
    let end = k;
    while (end < table.count && Math.floor(table.ids[end]! / SHARD_SPAN) === shard) end++;
    const records = shardRecords(table, k, end);
    files[shardEntryName(shard)] = [records, { level: 0, mtime: DOS_EPOCH }];
    meta.push([shard, records.length]);
    k = end;
  }
  const metaBytes = new Uint8Array(16 * meta.length);
  const mv = new DataView(metaBytes.buffer);
  meta.forEach(([shard, size], i) => {
    mv.setBigUint64(16 * i, BigInt(shard!));
    mv.setBigUint64(16 * i + 8, BigInt(size!));
  });
  files[META_ENTRY] = [metaBytes, { level: 0, mtime: DOS_EPOCH }];
  return zip().zipSync(files);
}

/**
 * Parse records (`id6 len bytes`, as in a shard entry) into `sink`. `shard`, when given, is the
 * entry's shard: a record of another shard is refused (upstream does not check; a table whose ids
 * and entries disagree is damaged). A record whose 6 id bytes are all zero ends the entry, as the
 * zero-filled tail does for upstream's reader.
 */
export function parseRecords(bytes: Uint8Array, sink: { id: number[]; start: number[]; chunks: Uint8Array[] }, where: { file?: string; entry: string; shard?: number }): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 0;
  const at = (offset: number) => ({ offset, offsetOf: `byte of ${where.entry}` });
  while (p < bytes.length) {
    if (bytes.length - p < 7) throw corrupt(`${where.entry}: a record is cut short (${bytes.length - p} bytes left, a record takes at least 7)`, where.file, at(p));
    const id = v.getUint16(p) * 2 ** 32 + v.getUint32(p + 2);
    if (id === 0) {
      if (bytes.subarray(p).some((b) => b !== 0)) throw corrupt(`${where.entry}: a record with id 0 (no id is all zeros)`, where.file, at(p));
      break;
    }
    const shard = Math.floor(id / SHARD_SPAN);
    if (shard >= MAX_SHARDS) throw corrupt(`${where.entry}: id ${idText(id)} has shard ${shard}, above MORK's ${MAX_SHARDS - 1}`, where.file, at(p));
    if (where.shard !== undefined && shard !== where.shard) throw corrupt(`${where.entry}: id ${idText(id)} belongs to shard ${shard}, not to this entry's`, where.file, at(p));
    const lead = bytes[p + 6]!;
    let n: number;
    let q: number;
    if (lead & 0x80) {
      n = 0xff - lead;
      q = p + 7;
    } else {
      if (bytes.length - p < 14) throw corrupt(`${where.entry}: the 8-byte length of id ${idText(id)} is cut short`, where.file, at(p + 6));
      const big = v.getBigUint64(p + 6);
      if (big > BigInt(bytes.length)) throw corrupt(`${where.entry}: id ${idText(id)} claims ${big} bytes, more than the entry holds`, where.file, at(p + 6));
      n = Number(big);
      q = p + 14;
    }
    if (q + n > bytes.length) throw corrupt(`${where.entry}: the ${n} bytes of id ${idText(id)} run past the end of the entry`, where.file, at(q));
    sink.id.push(id);
    sink.start.push(sink.start[sink.start.length - 1]! + n);
    sink.chunks.push(bytes.subarray(q, q + n));
    p = q + n;
  }
}

/** A table from records (`tableRecords`' layout). */
export function tableFromRecords(bytes: Uint8Array, where: { file?: string; entry: string }): SymbolTable {
  const sink = { id: [] as number[], start: [0], chunks: [] as Uint8Array[] };
  parseRecords(bytes, sink, where);
  return assemble(sink, where.file);
}

function assemble(sink: { id: number[]; start: number[]; chunks: Uint8Array[] }, file: string | undefined): SymbolTable {
  const all = new Uint8Array(sink.start[sink.start.length - 1]!);
  let w = 0;
  for (const c of sink.chunks) {
    all.set(c, w);
    w += c.length;
  }
  return SymbolTable.fromEntries(Float64Array.from(sink.id), Float64Array.from(sink.start), all, file !== undefined ? { file } : {});
}

/**
 * Read a MORK symbol-table archive. Stricter than upstream's reader where upstream would panic or
 * lose symbols in silence: a deflated entry (upstream cannot read it), an entry name outside the
 * layout, `FileSizes.meta` that is missing, not pairs, or disagrees with an entry's size, and a cut
 * record are each an error naming the entry.
 * @throws FormatError ERR_CORRUPT
 */
export function readMorkTable(bytes: Uint8Array, file?: string): SymbolTable {
  const infos: { name: string; compression: number; size: number }[] = [];
  let entries: Record<string, Uint8Array>;
  try {
    entries = zip().unzipSync(bytes, {
      filter: (f) => {
        infos.push({ name: f.name, compression: f.compression, size: f.originalSize });
        return f.compression === 0 && (f.name === META_ENTRY || SHARD_ENTRY.test(f.name));
      },
    });
  } catch (e) {
    throw corrupt(`not a readable zip archive (${e instanceof Error ? e.message : String(e)})`, file);
  }
  for (const info of infos) {
    if (info.name !== META_ENTRY && !SHARD_ENTRY.test(info.name)) throw corrupt(`entry '${info.name.slice(0, 80)}' is not part of MORK's table layout (SharedMapping_0xNN.binary_data, FileSizes.meta)`, file);
    if (info.compression !== 0) throw corrupt(`entry ${info.name} is compressed (method ${info.compression}); MORK reads Stored entries only`, file);
  }
  const meta = entries[META_ENTRY];
  if (meta === undefined) throw corrupt(`no ${META_ENTRY} entry: not a MORK symbol table`, file);
  if (meta.length % 16 !== 0) throw corrupt(`${META_ENTRY} holds ${meta.length} bytes, not a whole number of 16-byte pairs`, file);
  const mv = new DataView(meta.buffer, meta.byteOffset, meta.byteLength);
  const sizes = new Map<number, number>();
  for (let i = 0; i < meta.length; i += 16) {
    const shard = mv.getBigUint64(i);
    if (shard >= BigInt(MAX_SHARDS)) throw corrupt(`${META_ENTRY}: shard ${shard} is above MORK's ${MAX_SHARDS - 1}`, file, { offset: i, offsetOf: `byte of ${META_ENTRY}` });
    sizes.set(Number(shard), Number(mv.getBigUint64(i + 8)));
  }
  const sink = { id: [] as number[], start: [0], chunks: [] as Uint8Array[] };
  const names = Object.keys(entries).filter((n) => n !== META_ENTRY).sort();
  for (const name of names) {
    const shard = Number.parseInt(SHARD_ENTRY.exec(name)![1]!, 16);
    if (shard >= MAX_SHARDS) throw corrupt(`entry ${name}: shard ${shard} is above MORK's ${MAX_SHARDS - 1}`, file);
    const data = entries[name]!;
    const said = sizes.get(shard);
    if (said !== data.length) throw corrupt(`${META_ENTRY} gives ${said === undefined ? 'no size' : `${said} bytes`} for ${name}, which holds ${data.length}: MORK's reader would ${said === undefined || said < data.length ? 'drop symbols' : 'read past the data'}`, file);
    parseRecords(data, sink, { ...(file !== undefined ? { file } : {}), entry: name, shard });
  }
  for (const shard of sizes.keys()) {
    if (!(shardEntryName(shard) in entries)) throw corrupt(`${META_ENTRY} names shard ${shard}, which has no entry`, file);
  }
  return assemble(sink, file);
}

/** Read the MORK symbol-table archive at `file`. @throws IoError, FormatError naming the file. */
export function loadMorkTable(file: string): SymbolTable {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw ioError(e, file);
  }
  if (!looksLikeZip(bytes)) throw new FormatError(ErrorCode.BadMagic, 'not a zip archive, so not a MORK symbol table (SharedMapping_0xNN.binary_data entries)', { file, offset: 0 });
  return readMorkTable(bytes, file);
}
