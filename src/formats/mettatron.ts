/**
 * MeTTaTron's space snapshot (F1R3FLY-io/MeTTa-Compiler, `environment_to_par` in
 * src/pathmap_par_integration.rs; docs/symbols.md): the `MTTS` magic (the same four bytes as our
 * container, which has its major version where this has zeros), the length of a MORK symbol-table
 * archive as u64 big-endian, the archive, the path count as u64 big-endian, then `[u32 BE length]
 * [path]` records in the trie's order. No version, no checksum; MeTTaTron always interns, so every
 * symbol is an id of the archive. Read only: morkspace writes MTTS, which holds the same and checks it.
 */
import { ErrorCode, FormatError, MorkspaceError } from '../errors.js';
import type { Input } from '../io/input.js';
import { BATCH_BYTES, PathArena } from '../path-arena.js';
import { readMorkTable } from '../symbols/mork-zip.js';
import type { SymbolTable } from '../symbols/table.js';
import { Evidence, type Format } from './format.js';
import { ByteReader } from './mtts/reader.js';

const MAGIC = [0x4d, 0x54, 0x54, 0x53];
/** Magic, then the table's length. */
const HEAD_BYTES = 4 + 8;
/** Paths per batch at most. */
const BATCH_PATHS = 1 << 16;

/** `MTTS` then two zero bytes (the top of a u64 length: a table under 2⁴⁸ bytes); ours has its major version there. */
export function sniffSnapshot(head: Uint8Array): Evidence {
  if (head.length < 6 || MAGIC.some((b, i) => head[i] !== b)) return Evidence.None;
  return head[4] === 0 && head[5] === 0 ? Evidence.Strong : Evidence.None;
}

/** What the snapshot reader learns. */
export interface SnapshotFacts {
  /** Bytes of the embedded symbol-table archive (0: none). */
  tableBytes: number;
  symbols: number;
  /** The path count the snapshot states, and the records read. */
  statedPaths: number;
  records: number;
}

function big(bytes: Uint8Array, at: number): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) return Number.POSITIVE_INFINITY;
  return Number(v);
}

/** The snapshot's table (read ahead: a stream's first bytes stay for the batches) and the offset of its path count. */
async function snapshotHead(input: Input, maxTableBytes: number): Promise<{ table?: SymbolTable; tableBytes: number; countAt: number }> {
  const head = await input.head(HEAD_BYTES);
  if (head.length < HEAD_BYTES || sniffSnapshot(head) !== Evidence.Strong) throw new FormatError(ErrorCode.BadMagic, 'not a MeTTaTron snapshot (MTTS, then a u64 big-endian table length)', { file: input.name, offset: 0 });
  const tableBytes = big(head, 4);
  if (tableBytes > maxTableBytes) throw new FormatError(ErrorCode.Limit, `the symbol table claims ${tableBytes} bytes, more than this run's limit of ${maxTableBytes}`, { file: input.name, offset: 4 });
  if (input.size !== undefined && HEAD_BYTES + tableBytes + 8 > input.size) throw new FormatError(ErrorCode.Truncated, `the symbol table claims ${tableBytes} bytes; the file holds ${input.size - HEAD_BYTES} after the head`, { file: input.name, offset: 4 });
  if (tableBytes === 0) return { tableBytes, countAt: HEAD_BYTES };
  const all = await input.head(HEAD_BYTES + tableBytes);
  if (all.length < HEAD_BYTES + tableBytes) throw new FormatError(ErrorCode.Truncated, `input ends inside the symbol table (${tableBytes} bytes claimed)`, { file: input.name, offset: all.length });
  return { table: readMorkTable(all.subarray(HEAD_BYTES), input.name), tableBytes, countAt: HEAD_BYTES + tableBytes };
}

async function* records(input: Input, countAt: number, maxPathBytes: number, facts: SnapshotFacts): AsyncGenerator<PathArena> {
  const r = new ByteReader(input.chunks());
  try {
    await r.read(countAt, 'the head and symbol table');
    facts.statedPaths = big(await r.read(8, 'the path count'), 0);
    let arena = new PathArena(1 << 16, 1024);
    for (let i = 0; i < facts.statedPaths; i++) {
      const at = r.offset;
      const lenBytes = await r.read(4, `the length of path ${i} (the snapshot states ${facts.statedPaths})`);
      const len = ((lenBytes[0]! << 24) | (lenBytes[1]! << 16) | (lenBytes[2]! << 8) | lenBytes[3]!) >>> 0;
      if (len > maxPathBytes) throw new FormatError(ErrorCode.Limit, `path ${i} of ${len} bytes exceeds the limit of ${maxPathBytes} bytes`, { offset: at });
      arena.push(await r.read(len, `path ${i}`));
      facts.records++;
      if (arena.byteLength >= BATCH_BYTES || arena.count >= BATCH_PATHS) {
        yield arena;
        arena = new PathArena(1 << 16, 1024);
      }
    }
    if (arena.count > 0) yield arena;
    const extra = await r.remaining(1 << 16);
    if (extra > 0) throw new FormatError(ErrorCode.Corrupt, `${extra}${extra >= 1 << 16 ? '+' : ''} bytes after the ${facts.statedPaths} paths the snapshot states`, { offset: r.offset });
  } finally {
    await r.close();
  }
}

/** The `mettatron` entry of the format table: MeTTaTron's snapshot, read only (no extension of its own: sniffed, or `--from mettatron`). */
export const snapshotFormat: Format<SnapshotFacts> = {
  name: 'mettatron',
  extensions: [],
  binary: true,
  writable: false,
  capabilities: { prefixLookup: false, quickInspect: false, verifies: 'the symbol table reads, every stated path is present', symbols: 'inside' },
  flags: { read: [], write: [] },
  sniff: sniffSnapshot,
  async open(input, ctx) {
    const maxPathBytes = ctx.longestPath();
    const { table, tableBytes, countAt } = await snapshotHead(input, Math.floor(ctx.memoryBytes / 2));
    const facts: SnapshotFacts = { tableBytes, symbols: table?.count ?? 0, statedPaths: 0, records: 0 };
    if (table === undefined) ctx.warn(`${input.name}: the snapshot holds no symbol table (MeTTaTron writes none when its backup fails): ids print as their 8 bytes`);
    // the trie's walk gives ascending paths: streamed, checked as they come
    return { batches: records(input, countAt, maxPathBytes, facts), order: 'claimed', recycles: true, sizeHint: input.size !== undefined ? { inputBytes: input.size } : {}, facts, ...(table !== undefined ? { symbols: table } : {}) };
  },
  async write() {
    throw new MorkspaceError(ErrorCode.Usage, 'MeTTaTron snapshots are read, not written: write mtts, which holds the same space and its table, with checksums');
  },
  describe: (f) => ({ symbolTableBytes: f.tableBytes, symbols: f.symbols, statedPaths: f.statedPaths, records: f.records }),
};
