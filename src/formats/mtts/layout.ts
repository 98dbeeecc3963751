/**
 * The MTTS byte layout (docs/format-mtts.md): the fixed header, section framing, and the bodies of
 * the metadata, chunk, index and end sections. All integers are little-endian; varints are LEB128.
 */
import { blake3 } from '../../native.js';
import { viewOf } from '../../bytes.js';
import { ErrorCode, FormatError, type Where } from '../../errors.js';
import { CHUNK_DIGEST_BYTES, chunkDigest, sameBytes, type ChunkFields } from './chunk-codec.js';
import { MAX_CHUNK_BYTES } from './options.js';

/** `MTTS` at offset 0. */
export const MAGIC = new Uint8Array([0x4d, 0x54, 0x54, 0x53]);
/** `STTM`: the last four bytes of a complete file. */
export const CLOSING_MAGIC = new Uint8Array([0x53, 0x54, 0x54, 0x4d]);
/** The major version this build writes and reads. */
export const MAJOR_VERSION = 1;
/** The minor version this build writes (a reader of the same major reads any minor). */
export const MINOR_VERSION = 0;
/** Bytes of the fixed header. */
export const HEADER_BYTES = 16;
/** Bytes of a section header: kind u16, flags u16, body length u32, check u32. */
export const SECTION_HEADER_BYTES = 12;
/** Bytes of a chunk header at the start of a chunk section's body. */
export const CHUNK_HEADER_BYTES = 20 + CHUNK_DIGEST_BYTES;
/** Bytes of one index entry. */
export const INDEX_ENTRY_BYTES = 28 + CHUNK_DIGEST_BYTES;
/** Bytes of the end section's body: index offset u64, chunk count u32, file digest, closing magic. */
export const END_BODY_BYTES = 8 + 4 + 32 + 4;
/** Bytes of the end section with its header: the tail a file reader reads first. */
export const END_SECTION_BYTES = SECTION_HEADER_BYTES + END_BODY_BYTES;
/** Bytes of the file digest in the end section. */
export const FILE_DIGEST_BYTES = 32;

/** Section kinds. */
export const SectionKind = {
  Metadata: 0x0001,
  /** The interned-symbol table (symbols-section.ts): before the chunks, with the Required flag; version 1.1. */
  Symbols: 0x0002,
  Chunk: 0x0010,
  Index: 0x0020,
  End: 0xffff,
} as const;
/** Names of the known kinds, for reports. */
export const SECTION_NAMES: Readonly<Record<number, string>> = { 0x0001: 'metadata', 0x0002: 'symbols', 0x0010: 'chunk', 0x0020: 'index', 0xffff: 'end' };

/** Section flag: a reader that does not know the kind must refuse the file rather than skip it. */
export const SECTION_REQUIRED = 0x0001;

/** The fixed header's fields. */
export interface MttsHeader {
  major: number;
  minor: number;
  flags: number;
  headerBytes: number;
}

function corrupt(message: string, where: Where): FormatError {
  return new FormatError(ErrorCode.Corrupt, message, where);
}

/** The first four bytes of BLAKE3(`bytes`) as a u32 LE: the check of a header. */
export function check32(bytes: Uint8Array): number {
  const d = blake3(bytes);
  return (d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24)) >>> 0;
}

/** True when `head` starts with the magic. */
export function hasMagic(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === MAGIC[0] && head[1] === MAGIC[1] && head[2] === MAGIC[2] && head[3] === MAGIC[3];
}

/** The header this build writes. */
export function encodeHeader(minor: number = MINOR_VERSION): Uint8Array {
  const h = new Uint8Array(HEADER_BYTES);
  const v = viewOf(h);
  h.set(MAGIC, 0);
  v.setUint16(4, MAJOR_VERSION, true);
  v.setUint16(6, 0, true);
  v.setUint16(8, minor, true);
  v.setUint16(10, HEADER_BYTES, true);
  v.setUint32(12, check32(h.subarray(0, 12)), true);
  return h;
}

/**
 * Parse and check the fixed header (`h` holds its 16 bytes). Bytes 0–15 mean the same in every
 * major version, so a newer major is recognised before anything else is interpreted.
 * @throws FormatError ERR_BAD_MAGIC, ERR_CHECKSUM, ERR_VERSION, ERR_CORRUPT.
 */
export function decodeHeader(h: Uint8Array): MttsHeader {
  if (!hasMagic(h)) throw new FormatError(ErrorCode.BadMagic, 'not an MTTS file (no MTTS magic)', { offset: 0 });
  const v = viewOf(h);
  const major = v.getUint16(4, true);
  const flags = v.getUint16(6, true);
  const minor = v.getUint16(8, true);
  const headerBytes = v.getUint16(10, true);
  if (v.getUint32(12, true) !== check32(h.subarray(0, 12))) throw new FormatError(ErrorCode.Checksum, 'header check does not match the header', { offset: 0 });
  if (major !== MAJOR_VERSION) {
    throw new FormatError(ErrorCode.Version, `file is MTTS version ${major}.${minor}; this reader reads version ${MAJOR_VERSION}.x (up to ${MAJOR_VERSION}.${MINOR_VERSION})`, { offset: 4 });
  }
  if (headerBytes < HEADER_BYTES) throw corrupt(`header declares ${headerBytes} bytes, at least ${HEADER_BYTES} expected`, { offset: 10 });
  // header flags are must-understand: 1.0 defines none
  if (flags !== 0) throw new FormatError(ErrorCode.Version, `file uses header flags 0x${flags.toString(16)} that MTTS ${MAJOR_VERSION}.${MINOR_VERSION} does not know`, { offset: 6 });
  return { major, minor, flags, headerBytes };
}

/** A section header's fields. */
export interface SectionHeader {
  kind: number;
  flags: number;
  bodyBytes: number;
}

/** The 12 bytes that open a section. */
export function encodeSectionHeader(kind: number, flags: number, bodyBytes: number): Uint8Array {
  const h = new Uint8Array(SECTION_HEADER_BYTES);
  const v = viewOf(h);
  v.setUint16(0, kind, true);
  v.setUint16(2, flags, true);
  v.setUint32(4, bodyBytes, true);
  v.setUint32(8, check32(h.subarray(0, 8)), true);
  return h;
}

/** Parse a section header at file offset `offset`. @throws FormatError ERR_CHECKSUM. */
export function decodeSectionHeader(h: Uint8Array, offset: number): SectionHeader {
  const v = viewOf(h);
  if (v.getUint32(8, true) !== check32(h.subarray(0, 8))) throw new FormatError(ErrorCode.Checksum, 'section header check does not match', { offset });
  return { kind: v.getUint16(0, true), flags: v.getUint16(2, true), bodyBytes: v.getUint32(4, true) };
}

/** A chunk section's header fields (the start of its body). */
export interface ChunkHeader extends ChunkFields {
  /** The chunk's position in the file, from 0. */
  ordinal: number;
}

/** The chunk header bytes. */
export function encodeChunkHeader(c: ChunkHeader): Uint8Array {
  const h = new Uint8Array(CHUNK_HEADER_BYTES);
  const v = viewOf(h);
  h[0] = c.codec;
  h[1] = c.level;
  v.setUint16(2, 0, true);
  v.setUint32(4, c.ordinal, true);
  v.setUint32(8, c.count, true);
  v.setUint32(12, c.pathBytes, true);
  v.setUint32(16, c.rawLength, true);
  h.set(c.digest, 20);
  return h;
}

/**
 * Parse and check a chunk header: known codec, level in range, reserved zero, path bytes within
 * `maxChunkBytes`, sizes consistent with each other. @throws FormatError ERR_CORRUPT, ERR_LIMIT.
 */
export function decodeChunkHeader(h: Uint8Array, storedBytes: number, maxChunkBytes: number, where: Where): ChunkHeader {
  const v = viewOf(h);
  const c: ChunkHeader = { codec: h[0]!, level: h[1]!, ordinal: v.getUint32(4, true), count: v.getUint32(8, true), pathBytes: v.getUint32(12, true), rawLength: v.getUint32(16, true), digest: h.slice(20, 20 + CHUNK_DIGEST_BYTES) };
  if (c.codec > 3) throw corrupt(`unknown codec id ${c.codec}`, where);
  // levels: deflate (2) 1-9, brotli (3) 0-11, none and lz4 0
  const [minLevel, maxLevel] = c.codec === 2 ? [1, 9] : c.codec === 3 ? [0, 11] : [0, 0];
  if (c.level < minLevel || c.level > maxLevel) throw corrupt(`codec ${c.codec} with level ${c.level}`, where);
  if (v.getUint16(2, true) !== 0) throw corrupt('reserved chunk header bytes are not zero', where);
  if (c.count === 0) throw corrupt('chunk holds no paths', where);
  // the front-coded bytes are bounded by the path bytes (below), so the path bytes are the limit
  if (c.pathBytes > maxChunkBytes) throw new FormatError(ErrorCode.Limit, `chunk of ${c.pathBytes} path bytes exceeds the limit of ${maxChunkBytes} (maxChunkBytes; the writer never writes more than ${MAX_CHUNK_BYTES})`, where);
  // two stream-size varints, then at least two varint bytes per path; a raw chunk is its own payload
  if (c.rawLength < 2 * c.count + 2 || c.rawLength > c.pathBytes + 10 * c.count + 10) throw corrupt(`chunk of ${c.count} paths, ${c.pathBytes} path bytes cannot front-code to ${c.rawLength} bytes`, where);
  if (c.codec === 0 && storedBytes !== c.rawLength) throw corrupt(`raw chunk stores ${storedBytes} bytes, its header declares ${c.rawLength}`, where);
  return c;
}

/** One growable byte buffer for building section bodies. */
class BodyWriter {
  #bytes = new Uint8Array(256);
  #length = 0;
  #view = viewOf(this.#bytes);
  #room(n: number): number {
    const need = this.#length + n;
    if (need > this.#bytes.length) {
      const next = new Uint8Array(Math.max(need, this.#bytes.length * 2));
      next.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = next;
      this.#view = viewOf(next);
    }
    const at = this.#length;
    this.#length = need;
    return at;
  }
  // #room may replace the buffer: take the offset before touching #bytes or #view
  u8(x: number): void {
    const at = this.#room(1);
    this.#bytes[at] = x;
  }
  u16(x: number): void {
    const at = this.#room(2);
    this.#view.setUint16(at, x, true);
  }
  u32(x: number): void {
    const at = this.#room(4);
    this.#view.setUint32(at, x, true);
  }
  u64(x: number): void {
    const at = this.#room(8);
    this.#view.setBigUint64(at, BigInt(x), true);
  }
  varint(x: number): void {
    while (x >= 0x80) {
      this.u8((x & 0x7f) | 0x80);
      x = Math.floor(x / 128);
    }
    this.u8(x);
  }
  bytes(b: Uint8Array): void {
    const at = this.#room(b.length);
    this.#bytes.set(b, at);
  }
  /** varint length + bytes. */
  blob(b: Uint8Array): void {
    this.varint(b.length);
    this.bytes(b);
  }
  /** The body so far followed by its 16-byte digest. */
  finishWithDigest(): Uint8Array {
    const body = this.#bytes.subarray(0, this.#length);
    const out = new Uint8Array(this.#length + CHUNK_DIGEST_BYTES);
    out.set(body);
    out.set(chunkDigest(body), this.#length);
    return out;
  }
}

/** A reader over one section body that checks every length against what is left. */
class BodyReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #base: number;
  #p = 0;
  constructor(bytes: Uint8Array, base: number) {
    this.#bytes = bytes;
    this.#view = viewOf(bytes);
    this.#base = base;
  }
  #need(n: number, what: string): number {
    if (this.#bytes.length - this.#p < n) throw corrupt(`section ends inside ${what}`, { offset: this.#base + this.#p });
    const at = this.#p;
    this.#p += n;
    return at;
  }
  u8(what: string): number {
    return this.#bytes[this.#need(1, what)]!;
  }
  u16(what: string): number {
    return this.#view.getUint16(this.#need(2, what), true);
  }
  u32(what: string): number {
    return this.#view.getUint32(this.#need(4, what), true);
  }
  u64(what: string): number {
    const at = this.#need(8, what);
    const x = this.#view.getBigUint64(at, true);
    if (x > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`${what} ${x} is out of range`, { offset: this.#base + at });
    return Number(x);
  }
  varint(what: string): number {
    let v = 0;
    for (let shift = 0; shift < 53; shift += 7) {
      const b = this.u8(what);
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    throw corrupt(`${what} varint is too long`, { offset: this.#base + this.#p });
  }
  blob(what: string): Uint8Array {
    const n = this.varint(`${what} length`);
    const at = this.#need(n, what);
    return this.#bytes.slice(at, at + n);
  }
  get left(): number {
    return this.#bytes.length - this.#p;
  }
  get position(): number {
    return this.#p;
  }
}

/** Split off and check the 16-byte digest that ends a metadata or index body. @throws FormatError ERR_CHECKSUM. */
function checkedBody(body: Uint8Array, offset: number, what: string, verify: boolean): Uint8Array {
  if (body.length < CHUNK_DIGEST_BYTES) throw corrupt(`${what} section is too short for its digest`, { offset });
  const content = body.subarray(0, body.length - CHUNK_DIGEST_BYTES);
  if (verify && !sameBytes(chunkDigest(content), body.subarray(content.length))) throw new FormatError(ErrorCode.Checksum, `${what} section digest does not match`, { offset });
  return content;
}

/** Per-codec totals in the metadata. */
export interface CodecSummary {
  chunks: number;
  rawBytes: number;
  storedBytes: number;
}

/** The metadata section's fields. */
export interface MttsMetadata {
  atoms: number;
  /** Sum of path lengths. */
  pathBytes: number;
  chunks: number;
  /** The writer's chunkBytes option. */
  chunkBytes: number;
  /** The writer's compression setting, e.g. `auto:balanced`, `deflate:6`. */
  encoder: string;
  firstPath: Uint8Array;
  lastPath: Uint8Array;
  /** By codec name. */
  codecs: Record<string, CodecSummary>;
  /** `--meta` pairs, sorted by key. */
  meta: Record<string, string>;
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** The metadata body (with its digest). Codec names are stored by id, `meta` sorted by key. */
export function encodeMetadata(m: MttsMetadata, codecNames: readonly string[]): Uint8Array {
  const w = new BodyWriter();
  w.u64(m.atoms);
  w.u64(m.pathBytes);
  w.u32(m.chunks);
  w.u32(m.chunkBytes);
  w.blob(utf8.encode(m.encoder));
  w.blob(m.firstPath);
  w.blob(m.lastPath);
  w.u8(codecNames.length);
  codecNames.forEach((name, id) => {
    const s = m.codecs[name] ?? { chunks: 0, rawBytes: 0, storedBytes: 0 };
    w.u8(id);
    w.u32(s.chunks);
    w.u64(s.rawBytes);
    w.u64(s.storedBytes);
  });
  const keys = Object.keys(m.meta).sort();
  w.varint(keys.length);
  for (const k of keys) {
    w.blob(utf8.encode(k));
    w.blob(utf8.encode(m.meta[k]!));
  }
  return w.finishWithDigest();
}

/** Parse a metadata body at file offset `offset`. @throws FormatError ERR_CHECKSUM, ERR_CORRUPT. */
export function decodeMetadata(body: Uint8Array, offset: number, codecNames: readonly string[], verify: boolean): MttsMetadata {
  const content = checkedBody(body, offset, 'metadata', verify);
  const r = new BodyReader(content, offset);
  const text = (what: string): string => {
    const b = r.blob(what);
    try {
      return utf8Strict.decode(b);
    } catch {
      throw corrupt(`${what} is not UTF-8`, { offset: offset + r.position });
    }
  };
  const atoms = r.u64('atom count');
  const pathBytes = r.u64('path bytes');
  const chunks = r.u32('chunk count');
  const chunkBytes = r.u32('chunk size');
  const encoder = text('encoder');
  const firstPath = r.blob('first path');
  const lastPath = r.blob('last path');
  const codecs: Record<string, CodecSummary> = {};
  const n = r.u8('codec count');
  for (let i = 0; i < n; i++) {
    const id = r.u8('codec id');
    const s = { chunks: r.u32('codec chunks'), rawBytes: r.u64('codec raw bytes'), storedBytes: r.u64('codec stored bytes') };
    codecs[codecNames[id] ?? `codec${id}`] = s;
  }
  const meta: Record<string, string> = {};
  const keys = r.varint('meta count');
  if (keys > r.left) throw corrupt(`metadata declares ${keys} pairs in ${r.left} bytes`, { offset: offset + r.position });
  for (let i = 0; i < keys; i++) {
    const k = text('meta key');
    meta[k] = text('meta value');
  }
  // a newer minor may append fields: bytes left before the digest are skipped
  return { atoms, pathBytes, chunks, chunkBytes, encoder, firstPath, lastPath, codecs, meta };
}

/** One index entry: where a chunk is and what its header says. */
export interface IndexEntry extends ChunkFields {
  /** File offset of the chunk section (its section header). */
  offset: number;
  /** Bytes of the whole section, header included. */
  sectionBytes: number;
}

/** The index body (with its digest). */
export function encodeIndex(entries: readonly IndexEntry[]): Uint8Array {
  const w = new BodyWriter();
  w.u32(entries.length);
  for (const e of entries) {
    w.u64(e.offset);
    w.u32(e.sectionBytes);
    w.u8(e.codec);
    w.u8(e.level);
    w.u16(0);
    w.u32(e.count);
    w.u32(e.pathBytes);
    w.u32(e.rawLength);
    w.bytes(e.digest);
  }
  return w.finishWithDigest();
}

/** Parse an index body at file offset `offset`. @throws FormatError ERR_CHECKSUM, ERR_CORRUPT. */
export function decodeIndex(body: Uint8Array, offset: number, verify: boolean): IndexEntry[] {
  const content = checkedBody(body, offset, 'index', verify);
  const r = new BodyReader(content, offset);
  const n = r.u32('index entry count');
  if (n * INDEX_ENTRY_BYTES !== r.left) throw corrupt(`index declares ${n} entries in ${r.left} bytes`, { offset });
  const entries: IndexEntry[] = [];
  for (let i = 0; i < n; i++) {
    const e: IndexEntry = { offset: r.u64('chunk offset'), sectionBytes: r.u32('section bytes'), codec: r.u8('codec'), level: r.u8('level'), count: 0, pathBytes: 0, rawLength: 0, digest: new Uint8Array(0) };
    if (r.u16('reserved') !== 0) throw corrupt(`reserved bytes of index entry ${i} are not zero`, { offset: offset + r.position - 2, chunk: i });
    e.count = r.u32('path count');
    e.pathBytes = r.u32('path bytes');
    e.rawLength = r.u32('raw length');
    e.digest = content.slice(r.position, r.position + CHUNK_DIGEST_BYTES);
    for (let k = 0; k < CHUNK_DIGEST_BYTES; k++) r.u8('digest');
    entries.push(e);
  }
  return entries;
}

/** The end section's fields. */
export interface EndFields {
  indexOffset: number;
  chunks: number;
  fileDigest: Uint8Array;
}

/** The end section body, given the digest of every byte before the digest field. */
export function encodeEndPrefix(indexOffset: number, chunks: number): Uint8Array {
  const b = new Uint8Array(12);
  const v = viewOf(b);
  v.setBigUint64(0, BigInt(indexOffset), true);
  v.setUint32(8, chunks, true);
  return b;
}

/** Parse an end section body at file offset `offset`. @throws FormatError ERR_CORRUPT, ERR_TRUNCATED. */
export function decodeEnd(body: Uint8Array, offset: number): EndFields {
  if (body.length !== END_BODY_BYTES) throw corrupt(`end section of ${body.length} bytes, ${END_BODY_BYTES} expected`, { offset });
  if (!sameBytes(body.subarray(END_BODY_BYTES - 4), CLOSING_MAGIC)) throw new FormatError(ErrorCode.Truncated, 'no closing magic STTM at the end of the file', { offset: offset + END_BODY_BYTES - 4 });
  const v = viewOf(body);
  const x = v.getBigUint64(0, true);
  if (x > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt('index offset out of range', { offset });
  return { indexOffset: Number(x), chunks: v.getUint32(8, true), fileDigest: body.slice(12, 12 + FILE_DIGEST_BYTES) };
}
