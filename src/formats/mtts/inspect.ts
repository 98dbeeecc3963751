/**
 * Inspecting an MTTS file from its header, metadata, index and end section, without decoding a
 * chunk: a file is read at offsets; a stream is read into memory first.
 */
import fs from 'node:fs';
import { hex } from '../../bytes.js';
import type { SymbolTable } from '../../symbols/table.js';
import { expressionToText } from '../../expr/encoding.js';
import { ErrorCode, FormatError, ioError } from '../../errors.js';
import type { Input } from '../../io/input.js';
import { CODEC_NAMES, Codec } from './chunk-codec.js';
import {
  END_BODY_BYTES, END_SECTION_BYTES, HEADER_BYTES, SECTION_HEADER_BYTES, SECTION_NAMES, SectionKind,
  decodeEnd, decodeHeader, decodeIndex, decodeMetadata, decodeSectionHeader, type IndexEntry, type MttsHeader, type MttsMetadata,
} from './layout.js';

/** One chunk as `inspect` reports it. */
export interface ChunkReport {
  chunk: number;
  offset: number;
  codec: string;
  paths: number;
  pathBytes: number;
  rawBytes: number;
  storedBytes: number;
  /** rawBytes / storedBytes. */
  ratio: number;
  digest: string;
}

/** One section as `inspect` reports it (chunks are summarised as one row). */
export interface SectionReport {
  section: string;
  offset: number;
  bytes: number;
}

/** What `inspectMtts` returns. */
export interface MttsInspection {
  version: string;
  headerFlags: number;
  fileBytes: number;
  atoms: number;
  pathBytes: number;
  chunkBytes: number;
  encoder: string;
  firstPath: string;
  lastPath: string;
  codecs: MttsMetadata['codecs'];
  meta: Record<string, string>;
  fileDigest: string;
  sections: SectionReport[];
  chunks: ChunkReport[];
}

type ReadAt = (offset: number, n: number, what: string) => Promise<Uint8Array>;

function ratio(raw: number, stored: number): number {
  return stored > 0 ? Math.round((raw / stored) * 100) / 100 : 0;
}

function codecName(codec: number, level: number): string {
  const name = CODEC_NAMES[codec] ?? `codec${codec}`;
  return codec === Codec.Deflate || codec === Codec.Brotli ? `${name}:${level}` : name;
}

/** A chunk's index entry as a report row. */
export function chunkReport(e: IndexEntry, i: number): ChunkReport {
  const stored = e.sectionBytes - SECTION_HEADER_BYTES - 36;
  return { chunk: i, offset: e.offset, codec: codecName(e.codec, e.level), paths: e.count, pathBytes: e.pathBytes, rawBytes: e.rawLength, storedBytes: stored, ratio: ratio(e.rawLength, stored), digest: hex(e.digest, 64).replaceAll(' ', '') };
}

/** A path for a report: as MeTTa text when it is an expression, else its bytes in hex. */
function showPath(p: Uint8Array, symbols?: SymbolTable): string {
  if (p.length === 0) return '(the empty path)';
  try {
    const text = expressionToText(p, symbols);
    return text.length > 80 ? `${text.slice(0, 80)}…` : text;
  } catch {
    return `${p.length} bytes: ${hex(p, 24)}`;
  }
}

async function inspectAt(readAt: ReadAt, size: number, symbols?: SymbolTable): Promise<MttsInspection> {
  if (size < HEADER_BYTES + END_SECTION_BYTES) throw new FormatError(ErrorCode.Truncated, `file of ${size} bytes is shorter than an empty MTTS file`, { offset: size });
  const header: MttsHeader = decodeHeader(await readAt(0, HEADER_BYTES, 'the header'));
  const endOffset = size - END_SECTION_BYTES;
  const tail = await readAt(endOffset, END_SECTION_BYTES, 'the end section');
  const end = decodeEnd(tail.subarray(SECTION_HEADER_BYTES), endOffset + SECTION_HEADER_BYTES);
  const esh = decodeSectionHeader(tail.subarray(0, SECTION_HEADER_BYTES), endOffset);
  if (esh.kind !== SectionKind.End || esh.bodyBytes !== END_BODY_BYTES) throw new FormatError(ErrorCode.Corrupt, 'the last section is not an end section', { offset: endOffset });
  if (end.indexOffset + SECTION_HEADER_BYTES > endOffset) throw new FormatError(ErrorCode.Corrupt, `index offset ${end.indexOffset} is past the end section`, { offset: endOffset + SECTION_HEADER_BYTES });
  const ish = decodeSectionHeader(await readAt(end.indexOffset, SECTION_HEADER_BYTES, 'the index section header'), end.indexOffset);
  // the metadata follows the index and ends where the end section starts
  const metaOffset = end.indexOffset + SECTION_HEADER_BYTES + ish.bodyBytes;
  if (ish.kind !== SectionKind.Index || metaOffset + SECTION_HEADER_BYTES > endOffset) {
    throw new FormatError(ErrorCode.Corrupt, 'the end section does not point at an index followed by the metadata', { offset: end.indexOffset });
  }
  const msh = decodeSectionHeader(await readAt(metaOffset, SECTION_HEADER_BYTES, 'the metadata section header'), metaOffset);
  if (msh.kind !== SectionKind.Metadata || metaOffset + SECTION_HEADER_BYTES + msh.bodyBytes !== endOffset) {
    throw new FormatError(ErrorCode.Corrupt, `section after the index is ${SECTION_NAMES[msh.kind] ?? `kind 0x${msh.kind.toString(16)}`} of ${msh.bodyBytes} bytes, not the metadata ending at the end section`, { offset: metaOffset });
  }
  const metadata = decodeMetadata(await readAt(metaOffset + SECTION_HEADER_BYTES, msh.bodyBytes, 'the metadata section'), metaOffset + SECTION_HEADER_BYTES, CODEC_NAMES, true);
  const entries = decodeIndex(await readAt(end.indexOffset + SECTION_HEADER_BYTES, ish.bodyBytes, 'the index section'), end.indexOffset + SECTION_HEADER_BYTES, true);
  if (entries.length !== end.chunks || entries.length !== metadata.chunks) throw new FormatError(ErrorCode.Corrupt, `index lists ${entries.length} chunks, the end section ${end.chunks}, the metadata ${metadata.chunks}`, { offset: end.indexOffset });
  const chunks = entries.map(chunkReport);
  const chunkBytes = entries.reduce((s, e) => s + e.sectionBytes, 0);
  const sections: SectionReport[] = [{ section: 'header', offset: 0, bytes: header.headerBytes }];
  if (entries.length > 0) sections.push({ section: `chunks 0-${entries.length - 1}`, offset: entries[0]!.offset, bytes: chunkBytes });
  sections.push(
    { section: 'index', offset: end.indexOffset, bytes: SECTION_HEADER_BYTES + ish.bodyBytes },
    { section: 'metadata', offset: metaOffset, bytes: SECTION_HEADER_BYTES + msh.bodyBytes },
    { section: 'end', offset: endOffset, bytes: END_SECTION_BYTES },
  );
  return {
    version: `${header.major}.${header.minor}`,
    headerFlags: header.flags,
    fileBytes: size,
    atoms: metadata.atoms,
    pathBytes: metadata.pathBytes,
    chunkBytes: metadata.chunkBytes,
    encoder: metadata.encoder,
    firstPath: showPath(metadata.firstPath, symbols),
    lastPath: showPath(metadata.lastPath, symbols),
    codecs: metadata.codecs,
    meta: metadata.meta,
    fileDigest: hex(end.fileDigest, 64).replaceAll(' ', ''),
    sections,
    chunks,
  };
}

/**
 * The header, sections and every chunk's index entry of an MTTS input, without decoding chunks
 * (and without the whole-file digest: `verify` checks that).
 * @throws FormatError ERR_BAD_MAGIC, ERR_VERSION, ERR_CHECKSUM, ERR_TRUNCATED, ERR_CORRUPT.
 */
export async function inspectMtts(input: Input | Uint8Array, symbols?: SymbolTable): Promise<MttsInspection> {
  if (input instanceof Uint8Array || input.path === undefined) {
    const all = input instanceof Uint8Array ? input : await input.readAll();
    return inspectAt(async (offset, n, what) => {
      if (offset + n > all.length) throw new FormatError(ErrorCode.Truncated, `file ends inside ${what}`, { offset: all.length });
      return all.subarray(offset, offset + n);
    }, all.length, symbols);
  }
  const file = input.path;
  // fs.promises, not node:fs/promises at the top: that module then loads only when an MTTS is inspected
  const fd = await fs.promises.open(file, 'r').catch((e: unknown) => {
    throw ioError(e, file);
  });
  try {
    const size = (await fd.stat()).size;
    return await inspectAt(async (offset, n, what) => {
      if (offset + n > size) throw new FormatError(ErrorCode.Truncated, `file ends inside ${what}`, { offset: size });
      const buf = new Uint8Array(n);
      const { bytesRead } = await fd.read(buf, 0, n, offset);
      if (bytesRead !== n) throw new FormatError(ErrorCode.Truncated, `file ends inside ${what}`, { offset: offset + bytesRead });
      return buf;
    }, size, symbols);
  } finally {
    await fd.close();
  }
}
