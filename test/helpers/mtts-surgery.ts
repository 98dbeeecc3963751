/** Take MTTS files apart and put them back together (fresh index and trailer), to test readers. */
import { Blake3Hasher } from '@napi-rs/blake-hash';
import { viewOf } from '../../src/bytes.js';
import {
  CHUNK_HEADER_BYTES, CLOSING_MAGIC, HEADER_BYTES, SECTION_HEADER_BYTES, SectionKind,
  check32, encodeEndPrefix, encodeIndex, encodeSectionHeader, type IndexEntry,
} from '../../src/formats/mtts/index.js';

export interface RawSection {
  kind: number;
  flags: number;
  body: Uint8Array;
  /** File offset of the section header in the file it came from. */
  offset: number;
}

/** The header bytes and every section of a well-formed file, index and end included. */
export function splitSections(file: Uint8Array): { header: Uint8Array; sections: RawSection[] } {
  const v = viewOf(file);
  const sections: RawSection[] = [];
  let p = HEADER_BYTES;
  while (p < file.length) {
    const kind = v.getUint16(p, true);
    const flags = v.getUint16(p + 2, true);
    const n = v.getUint32(p + 4, true);
    sections.push({ kind, flags, body: file.slice(p + SECTION_HEADER_BYTES, p + SECTION_HEADER_BYTES + n), offset: p });
    p += SECTION_HEADER_BYTES + n;
  }
  return { header: file.slice(0, HEADER_BYTES), sections };
}

/** A header with another major version (and a valid check). */
export function headerWithVersion(header: Uint8Array, major: number, minor = 0): Uint8Array {
  const h = header.slice();
  const v = viewOf(h);
  v.setUint16(4, major, true);
  v.setUint16(8, minor, true);
  v.setUint32(12, check32(h.subarray(0, 12)), true);
  return h;
}

/**
 * A complete file from a header and sections: index and end sections among them are replaced, and the
 * metadata goes after the new index, where the layout puts it.
 */
export function joinSections(header: Uint8Array, sections: readonly RawSection[]): Uint8Array {
  const parts: Uint8Array[] = [header];
  let offset = header.length;
  const entries: IndexEntry[] = [];
  for (const s of sections) {
    if (s.kind === SectionKind.Index || s.kind === SectionKind.End || s.kind === SectionKind.Metadata) continue;
    if (s.kind === SectionKind.Chunk) {
      const b = viewOf(s.body);
      entries.push({ offset, sectionBytes: SECTION_HEADER_BYTES + s.body.length, codec: s.body[0]!, level: s.body[1]!, count: b.getUint32(8, true), pathBytes: b.getUint32(12, true), rawLength: b.getUint32(16, true), digest: s.body.slice(20, CHUNK_HEADER_BYTES) });
    }
    parts.push(encodeSectionHeader(s.kind, s.flags, s.body.length), s.body);
    offset += SECTION_HEADER_BYTES + s.body.length;
  }
  const index = encodeIndex(entries);
  parts.push(encodeSectionHeader(SectionKind.Index, 0, index.length), index);
  const indexOffset = offset;
  for (const s of sections) if (s.kind === SectionKind.Metadata) parts.push(encodeSectionHeader(s.kind, s.flags, s.body.length), s.body);
  parts.push(encodeSectionHeader(SectionKind.End, 0, 48), encodeEndPrefix(indexOffset, entries.length));
  const h = new Blake3Hasher();
  for (const p of parts) h.update(p);
  parts.push(h.digestBuffer(), CLOSING_MAGIC);
  return Buffer.concat(parts);
}
