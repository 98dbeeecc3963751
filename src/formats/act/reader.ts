/**
 * The ACT reader: a file mapped into memory (or read, where mapping is unavailable), checked on open
 * in O(1) (header, tail, root node), and then walked lazily: point lookups and prefix walks touch
 * only the nodes on their way, and validate each node they touch (docs/act-format.md §10).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ErrorCode, FormatError, inFile, ioError, MorkspaceError } from '../../errors.js';
import { residentFileBytes } from '../../io/resident-pages.js';
import { BATCH_BYTES, DEFAULT_MAX_PATH_BYTES, PathArena } from '../../path-arena.js';
import { readActHeader, type ActHeader } from './header.js';
import { ActBytes, ACT_PAGE_BYTES, ACT_PAGE_OVERLAP_BYTES, ACT_MAX_NODE_BYTES } from './file-bytes.js';
import { childIndex, NodeView, readNode } from './node.js';
import { TrieWalker, WINDOW_BYTES, type PrefixPattern, type WalkLimits } from './walker.js';
import { varintSize } from './varint.js';

/** Options of `ActFile.open` / `fromBytes`. */
export interface ActReadOptions {
  /** Where notes go (mmap unavailable, fallbacks); the CLI wires it to `--verbose`. */
  log?: (message: string) => void;
  /** Paths per batch yielded by `paths()` and `prefixPaths()`. Defaults to `DEFAULT_ACT_BATCH_PATHS`. */
  batchPaths?: number;
  /** Longest path accepted, in bytes. Defaults to 256 MiB (`DEFAULT_MAX_PATH_BYTES`). */
  maxPathBytes?: number;
  /** Name used in error positions (`where.file`). */
  name?: string;
  /**
   * Bytes of a mapped file a walk may keep resident before it lets its pages go, and bytes of pages
   * a file read in pages keeps. Defaults to `WALK_RESIDENT_BYTES`.
   */
  residentBytes?: number;
  /**
   * Reading in pages (`pread`), for files that cannot be mapped: 2 GiB and more, or where mmap is
   * unavailable and the file is larger than `residentBytes`. `always` reads every file so (tests,
   * and file systems where mapping misbehaves); the sizes default to `ACT_PAGE_BYTES` and
   * `ACT_PAGE_OVERLAP_BYTES`.
   */
  paging?: { always?: boolean; pageBytes?: number; overlapBytes?: number };
}
/**
 * Paths per batch. Smaller batches hold less at once and let the mapped pages go sooner: from
 * 65,536 to 16,384, peak RSS of the 1M-atom ACT → text went 92 → 84 MiB and ACT → .paths 135 →
 * 117 MiB, in the same time (interleaved whole-process runs, 0.96x and 1.00x); 8,192 saved 1 MiB more.
 */
export const DEFAULT_ACT_BATCH_PATHS = 1 << 14;

/**
 * Bytes of a mapped file a walk lets stay resident before it lets the pages go (`MADV_DONTNEED`),
 * mid-batch if need be, as well as after each batch (see `#walk`). Why not only once a batch: a
 * batch's nodes and line data lie all over the file (a line's data sits where the line was first
 * used), so the pages one batch touches grow with the file, up to the whole of it.
 *
 * What is resident is measured (io/resident-pages.ts), not counted: one read fault maps in what the
 * kernel chooses. With 64 KiB per fault, the old count of 256 windows held 16 MiB; with the 1 MiB
 * folios that this host's 6.18 kernel used for the same file on some runs (which, depends on how
 * the page cache was filled), the same count let the whole 80 MiB of the 3M-atom bench ACT be
 * mapped in: ACT → .paths peaked at 123 MiB against 101 in the other state.
 *
 * Why 24 MiB: a full walk keeps coming back to the nodes along its stack, which lie across the
 * span of the subtree being walked: about 16-20 distinct MiB near the start of that file. A budget
 * below that makes the walk fault the same folios in again and again: at 16 MiB, 98K minor faults
 * against 20K (1.1 s of system time; 1.27x the wall time at 3M atoms). At 24 MiB: 35-39K faults,
 * 0.27 s more system time, 1.07x the wall time, peak 123 → 110 MiB (interleaved runs, 1 MiB
 * folios); with 64 KiB per fault, 1.02x. Releasing only on the budget, not after each batch too,
 * halved the faults (1.03x) but ACT → text at 1M atoms then peaked 5 MiB higher. Where it cannot
 * be measured, the walk counts 64 KiB windows up to the budget instead.
 */
export const WALK_RESIDENT_BYTES = 24 << 20;
/**
 * The share of WALK_RESIDENT_BYTES a walk holds before it lets the pages go between batches. Every
 * batch (as before) made the next one fault back the nodes along its way down and the lines it
 * shares: ACT -> text of 1M atoms, one thread, 0.95x the wall time at half the budget (-n 9,
 * interleaved), peak RSS within 1 MiB; a quarter was 1.03x slower than a half.
 */
const BATCH_RELEASE_SHARE = 0.5;
/**
 * Distinct 64 KiB windows a walk reads before it lets the pages go, whatever it measured: 16 MiB
 * where a fault maps in 64 KiB. There a walk comes back to far fewer distinct bytes than with 1
 * MiB folios, and a bound this low does not make it fault the same pages again: the 3M-atom walk
 * then holds what the 1M one does (see WALK_RESIDENT_BYTES).
 */
const WALK_WINDOW_BUDGET = 256;
/**
 * New 64 KiB windows a walk reads between two measures of what is resident: with 1 MiB folios,
 * the budget is passed by at most 4 MiB, at one 2.4 µs read of /proc per 4 new windows.
 */
const WINDOWS_PER_CHECK = 4;
/**
 * The largest ACT file `ActFile.open` maps or reads whole: `@riaskov/mmap-io` takes the size and
 * offset of a mapping as 32-bit ints, and `fs.readFileSync` stops at 2 GiB too. Larger files (which
 * PathMap and our writer make) are read in pages (`ActBytes`).
 */
export const MAX_ACT_MAP_BYTES = 2 ** 31 - 1;
/**
 * Mapped files larger than this (four default resident budgets) are walked whole (`paths()`,
 * `walkStats`, a prefix walk with no prefix) in pages of their own; lookups and prefix walks still
 * read the mapping, where a point lookup costs 6 µs (p50, 1M atoms) against 47 µs through 24 MiB of
 * pages of a 266 MB file. ACT -> text, one thread, paged against mapped (interleaved whole processes):
 * 10M atoms (266 MB) 0.80x the wall time (0.62-0.98, -n 3), peak 93 vs 99 MiB, system time 1.8
 * vs 2.8 s; 3M (80 MB) 0.93x (noisy), 89 vs 94 MiB; 1M (28 MB) 1.00x but 95 vs 82 MiB, which is
 * why smaller files stay mapped. A mapped walk faults pages in and lets them go again
 * (`MADV_DONTNEED`) as it goes; pages read into buffers of our own cost a copy and no faults.
 */
export const PAGED_WALK_BYTES = 4 * WALK_RESIDENT_BYTES;

function residentBudget(options: ActReadOptions): number {
  const bytes = options.residentBytes ?? WALK_RESIDENT_BYTES;
  if (!(bytes > 0)) throw new MorkspaceError(ErrorCode.Usage, `resident bytes of a walk must be more than 0, got ${bytes}`);
  return bytes;
}

/** File offsets per piece of `walkStats`' bitmap of lines seen (64 Mi: 8 MiB a piece). */
const LINE_BITS_PER_PIECE = 2 ** 26;

/** Nodes `walkStats` visits between two measures of what is resident (a power of two). */
const STATS_NODES_PER_CHECK = 1024;

/** Node and line facts of a full walk (`inspect --count`). */
export interface ActWalkStats {
  /** Nodes reachable from the current root. */
  nodes: number;
  branchNodes: number;
  /** Branches storing a 256-bit mask (32 children or more). */
  maskBranches: number;
  lineNodes: number;
  /** Nodes carrying a value (= paths). */
  valueNodes: number;
  /** Line nodes (references to line data). */
  lineReferences: number;
  /** Distinct line data objects referenced. */
  distinctLines: number;
  /** Bytes of the distinct line data objects (length varint included). */
  lineDataBytes: number;
  /** Line bytes summed over every reference: what sharing line data saved, plus `lineDataBytes`. */
  lineBytesReferenced: number;
  /** Longest path, in bytes. */
  maxPathBytes: number;
  /** Most nodes on one root-to-leaf walk. */
  maxNodeDepth: number;
}

type Mmap = import('../../types/mmap-io.js').MmapIo;
let mmapModule: Mmap | string | undefined;

// Loaded on first use: a missing or broken native addon must only cost the mapping, not the reader.
function loadMmap(): Mmap | string {
  if (mmapModule === undefined) {
    const require = createRequire(import.meta.url);
    try {
      mmapModule = (mmapBinary(require) ?? require('@riaskov/mmap-io')) as Mmap;
    } catch (e) {
      mmapModule = e instanceof Error ? e.message : String(e);
    }
  }
  return mmapModule;
}

// The addon's own entry finds its binary through @mapbox/node-pre-gyp, which loads some 45 modules
// (npmlog, semver, Node's dgram…): 40 ms of every command that opens an ACT file, against 2 ms for
// the binary itself. So the binary is looked for first where node-pre-gyp puts it (or where a build
// from source leaves it); the entry is the fallback, and says what is wrong when both fail. The
// binary exports what the reader uses (map, advise, the constants) as the entry does.
function mmapBinary(require: NodeJS.Require): unknown {
  let dir: string;
  try {
    dir = path.dirname(require.resolve('@riaskov/mmap-io/package.json'));
  } catch {
    return undefined;
  }
  const abi = `node-v${process.versions.modules}-${process.platform}-${process.arch}`;
  for (const file of [`build/binding/Release/${abi}/mmap_io.node`, 'build/Release/mmap_io.node']) {
    try {
      return require(path.join(dir, file));
    } catch {
      // not there, or built for another Node: the next place, then the entry
    }
  }
  return undefined;
}

/** An ACT file, open for lookups and walks. */
export class ActFile {
  readonly #src: ActBytes;
  readonly #header: ActHeader;
  readonly #mapped: boolean;
  readonly #name: string | undefined;
  readonly #batchPaths: number;
  readonly #maxPathBytes: number;
  readonly #residentBytes: number;
  readonly #nv = new NodeView();
  readonly #skip = new NodeView();

  private constructor(src: ActBytes, mapped: boolean, options: ActReadOptions) {
    this.#src = src;
    this.#mapped = mapped;
    this.#name = options.name;
    this.#batchPaths = options.batchPaths ?? DEFAULT_ACT_BATCH_PATHS;
    this.#maxPathBytes = options.maxPathBytes ?? DEFAULT_MAX_PATH_BYTES;
    this.#residentBytes = residentBudget(options);
    this.#header = this.#named(() => readActHeader(src));
    // The root is the last object before the tail: it must end exactly there (a cut file fails here).
    this.#named(() => {
      const { rootOffset, tailOffset } = this.#header;
      readNode(src, rootOffset, tailOffset, this.#nv, true);
      if (this.#nv.end !== tailOffset) {
        throw new FormatError(ErrorCode.Corrupt, `root node ends at ${this.#nv.end}, not where the file's ${this.#header.merged ? 'trailer' : 'padding'} starts (${tailOffset})`, { offset: rootOffset });
      }
    });
  }

  /**
   * Map the file at `path` read-only (MADV_RANDOM). Where it cannot be mapped (2 GiB and more, mmap
   * unavailable or failing), read it in pages when it is larger than the resident budget, else
   * into memory, saying so through `log`. Checks the header, tail and root node. A file read in
   * pages keeps its descriptor open until `close()`.
   * @throws IoError when the file cannot be read; FormatError as `readActHeader`, naming the file.
   */
  static open(path: string, options: ActReadOptions = {}): ActFile {
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch (e) {
      throw ioError(e, path);
    }
    let src: ActBytes | undefined;
    // true once `src` owns the descriptor (it then closes it)
    let taken = false;
    try {
      const size = fs.fstatSync(fd).size;
      const budget = residentBudget(options);
      const paging = options.paging ?? {};
      // MORKSPACE_NO_MMAP=1: for file systems where mapping misbehaves (and to test the fallback)
      const mm = paging.always === true ? 'reading in pages was asked for' : size > MAX_ACT_MAP_BYTES ? 'the mmap addon maps at most 2 GiB' : process.env['MORKSPACE_NO_MMAP'] === '1' ? 'disabled by MORKSPACE_NO_MMAP=1' : loadMmap();
      if (typeof mm !== 'string' && size > 0) {
        try {
          const mapping = mm.map(size, mm.PROT_READ, mm.MAP_SHARED, fd, 0, mm.MADV_RANDOM);
          // a large file keeps its descriptor: its full walks read it in pages (PAGED_WALK_BYTES)
          taken = size > PAGED_WALK_BYTES;
          src = ActBytes.of(mapping, taken ? fd : -1, path);
          return new ActFile(src, true, { name: path, ...options });
        } catch (e) {
          if (src !== undefined) throw e; // the file, not the mapping
          options.log?.(`mmap failed (${e instanceof Error ? e.message : String(e)})`);
        }
      }
      if (paging.always === true || size > budget) {
        const pageBytes = paging.pageBytes ?? ACT_PAGE_BYTES;
        const overlapBytes = paging.overlapBytes ?? ACT_PAGE_OVERLAP_BYTES;
        if (!Number.isSafeInteger(pageBytes) || pageBytes < 1 || !Number.isSafeInteger(overlapBytes) || overlapBytes < ACT_MAX_NODE_BYTES) {
          throw new MorkspaceError(ErrorCode.Usage, `ACT pages must be 1 byte or more with an overlap of ${ACT_MAX_NODE_BYTES} or more, got ${pageBytes} and ${overlapBytes}`);
        }
        options.log?.(`${typeof mm === 'string' ? `no mapping (${mm}); ` : ''}reading ${path} (${size.toLocaleString('en-US')} bytes) in pages of ${pageBytes >= 1024 ? `${pageBytes / 1024} KiB` : `${pageBytes} B`}, keeping at most ${Math.round(budget / 2 ** 20)} MiB of them`);
        src = ActBytes.paged(fd, size, path, { pageBytes, overlapBytes, budgetBytes: budget });
        taken = true;
        return new ActFile(src, false, { name: path, ...options });
      }
      if (typeof mm === 'string') options.log?.(`mmap unavailable (${mm}); reading ${path} into memory`);
      src = ActBytes.of(fs.readFileSync(fd));
      return new ActFile(src, false, { name: path, ...options });
    } catch (e) {
      if (taken) src!.close();
      throw ioError(e, path);
    } finally {
      // a mapping outlives its descriptor; a reader that keeps it closes it
      if (!taken) fs.closeSync(fd);
    }
  }

  /** An ACT file held in memory (not copied: `bytes` must not change while in use). */
  static fromBytes(bytes: Uint8Array, options: ActReadOptions = {}): ActFile {
    return new ActFile(ActBytes.of(bytes), false, options);
  }

  /**
   * Let the file go: a file read in pages closes its descriptor, and walks and lookups after it
   * fail (ERR_USAGE). A mapping goes with the garbage collector; a large one also closes the
   * descriptor its whole walks read pages through, and walks it after that from the mapping.
   * Calling it again does nothing.
   */
  close(): void {
    this.#src.close();
  }

  /** Header and tail facts (O(1)). */
  get header(): ActHeader {
    return this.#header;
  }
  /** True when the file is memory-mapped rather than read. */
  get mapped(): boolean {
    return this.#mapped;
  }
  /** True when the file is read in pages, as it is walked (not mapped, not held whole). */
  get paged(): boolean {
    return this.#src.paged;
  }
  /** The file's bytes (a mapping when `mapped`); undefined when it is read in pages. */
  get bytes(): Uint8Array | undefined {
    return this.#src.whole;
  }

  /** True when `path` is in the space. @throws FormatError on a malformed node on the way. */
  has(path: Uint8Array): boolean {
    return this.#named(() => this.#find(path)) >= 0;
  }

  /** The value stored for `path` (MORK writes 0), or undefined. */
  get(path: Uint8Array): bigint | undefined {
    const at = this.#named(() => this.#find(path));
    if (at < 0) return undefined;
    const src = this.#src;
    src.window(at, 9);
    const b = src.buf;
    const p = at - src.base;
    const f = b[p]!;
    if (f <= 247) return BigInt(f);
    let v = 0n;
    for (let k = f - 247; k >= 1; k--) v = (v << 8n) | BigInt(b[p + k]!);
    return v;
  }

  /** Every path, in ascending order, as batches (fresh arenas). */
  *paths(): Generator<PathArena> {
    yield* this.#walk(undefined);
  }

  /**
   * The paths that start with `prefix` (bytes, or a byte range per position), in ascending order.
   * Walks down to the prefix, touching only the nodes on the way.
   */
  *prefixPaths(prefix: Uint8Array | PrefixPattern): Generator<PathArena> {
    yield* this.#walk(prefix instanceof Uint8Array ? { lo: prefix, hi: prefix } : prefix);
  }

  /** Node, line and depth facts of the whole trie (one full walk). */
  walkStats(): ActWalkStats {
    return this.#named(() => this.#stats());
  }

  *#walk(prefix: PrefixPattern | undefined): Generator<PathArena> {
    const { rootOffset, tailOffset } = this.#header;
    // a whole walk of a large mapped file reads pages of its own (PAGED_WALK_BYTES)
    const own = prefix === undefined || prefix.lo.length === 0 ? this.#walkPages() : undefined;
    const src = own ?? this.#src;
    const mapped = own === undefined && this.#mapped;
    const pages = this.#residentPages(mapped);
    // how much a read fault maps in is the kernel's choice: measured every few new windows; where
    // it cannot be, the count of windows is the budget
    const budgetWindows = Math.max(1, Math.ceil(this.#residentBytes / WINDOW_BYTES));
    const windows = !mapped ? Infinity : pages.measured ? Math.min(WINDOWS_PER_CHECK, budgetWindows) : budgetWindows;
    const walker = new TrieWalker(src, rootOffset, tailOffset, this.#limits(), prefix, windows);
    // distinct windows read since the last release, counted at each check
    let read = 0;
    const release = (): void => {
      pages.release();
      walker.startWindows();
      read = 0;
    };
    try {
      // each batch sized like the one before: an arena grown by doubling leaves its smaller buffers
      // behind as garbage, and garbage buffers are what a long walk's memory is made of
      let bytes = 1 << 16;
      let paths = 1024;
      for (;;) {
        const arena = new PathArena(bytes, paths);
        let done = this.#named(() => walker.run(arena, this.#batchPaths, BATCH_BYTES));
        // the walk has read its windows before the batch is full: let the pages go if they are
        // over the budget, and go on
        while (!done && walker.windowsFull && arena.count < this.#batchPaths && arena.byteLength < BATCH_BYTES) {
          read += windows;
          if (!pages.measured || read >= WALK_WINDOW_BUDGET || pages.over()) release();
          else walker.moreWindows();
          done = this.#named(() => walker.run(arena, this.#batchPaths, BATCH_BYTES));
        }
        bytes = Math.max(bytes, arena.byteLength + 1024);
        paths = Math.max(paths, arena.count + 1);
        // the consumer works on the batch next, with memory of its own: the pages go first once
        // they hold half the budget (BATCH_RELEASE_SHARE)
        if (mapped && (!pages.measured || pages.over(BATCH_RELEASE_SHARE))) release();
        if (arena.count > 0) yield arena;
        else arena.release();
        if (done) return;
      }
    } finally {
      if (mapped) pages.release();
      own?.close();
    }
  }

  // Pages of its own for a whole walk of a mapped file that keeps its descriptor (one over
  // PAGED_WALK_BYTES); undefined for any other file.
  #walkPages(): ActBytes | undefined {
    const src = this.#src;
    if (src.whole === undefined || !src.keepsFile) return undefined;
    return ActBytes.pagesOf(src, { pageBytes: ACT_PAGE_BYTES, overlapBytes: ACT_PAGE_OVERLAP_BYTES, budgetBytes: this.#residentBytes });
  }

  // What a walk holds of the mapping (WALK_RESIDENT_BYTES): `over` the budget since the last
  // `release`, measured (io/resident-pages.ts) when `measured`. Touched pages count as this
  // process's memory (RSS) until they are let go; the mapping stays valid, and a page read again is
  // mapped back in from the page cache.
  #residentPages(mapped: boolean): { measured: boolean; over: (share?: number) => boolean; release: () => void } {
    const measured = mapped && residentFileBytes() >= 0;
    // resident file bytes with none of this walk's pages held: the walk holds the growth since
    let base = measured ? residentFileBytes() : 0;
    return {
      measured,
      over: (share = 1) => measured && residentFileBytes() - base >= share * this.#residentBytes,
      release: () => {
        const mm = loadMmap();
        if (!mapped || typeof mm === 'string') return;
        mm.advise(this.#src.whole as Buffer, mm.MADV_DONTNEED);
        if (measured) base = residentFileBytes();
      },
    };
  }

  #limits(): WalkLimits {
    // In a tree every node has its own offset: more visits than bytes proves sharing (act-format.md §10.7).
    return { maxVisits: this.#src.length, maxPathBytes: this.#maxPathBytes };
  }

  // Offset of the value varint of `path`, or -1 (arena_compact.rs `get_val_at`, with the membership test).
  #find(path: Uint8Array): number {
    const src = this.#src;
    const nv = this.#nv;
    const n = path.length;
    let off = this.#header.rootOffset;
    let limit = this.#header.tailOffset;
    let p = 0;
    for (;;) {
      readNode(src, off, limit, nv, true);
      if (nv.line) {
        const len = nv.lineLen;
        if (n - p < len) return -1;
        src.window(nv.lineStart, len);
        const bytes = src.buf;
        const s = nv.lineStart - src.base;
        for (let k = 0; k < len; k++) if (bytes[s + k] !== path[p + k]) return -1;
        p += len;
        if (p === n && nv.value) return nv.valuePos;
        if (nv.child < 0) return -1;
        limit = off;
        off = nv.child;
        continue;
      }
      if (p === n) return nv.value ? nv.valuePos : -1;
      const k = childIndex(src, nv, path[p]!);
      if (k < 0) return -1;
      let child = nv.first;
      for (let j = 0; j < k; j++) {
        readNode(src, child, off, this.#skip, false);
        child = this.#skip.end;
      }
      limit = off;
      off = child;
      p++;
    }
  }

  #stats(): ActWalkStats {
    const own = this.#walkPages();
    try {
      return this.#statsOf(own ?? this.#src, own === undefined && this.#mapped);
    } finally {
      own?.close();
    }
  }

  #statsOf(src: ActBytes, mapped: boolean): ActWalkStats {
    const nv = this.#nv;
    const s: ActWalkStats = { nodes: 0, branchNodes: 0, maskBranches: 0, lineNodes: 0, valueNodes: 0, lineReferences: 0, distinctLines: 0, lineDataBytes: 0, lineBytesReferenced: 0, maxPathBytes: 0, maxNodeDepth: 0 };
    // one bit per byte offset of the arena: a line's data is known by where its bytes start (an
    // eighth of the file, against a Set of numbers that took 3-4 times that), in pieces made as
    // they are first needed (one typed array stops at 4 GiB: a file of 32 GiB)
    const tail = this.#header.tailOffset;
    const lines: (Uint8Array | undefined)[] = [];
    const firstSeen = (at: number): boolean => {
      const c = Math.floor(at / LINE_BITS_PER_PIECE);
      const piece = (lines[c] ??= new Uint8Array(Math.ceil(Math.min(LINE_BITS_PER_PIECE, tail - c * LINE_BITS_PER_PIECE) / 8)));
      const r = at - c * LINE_BITS_PER_PIECE;
      const bit = 1 << (r & 7);
      if ((piece[r >>> 3]! & bit) !== 0) return false;
      piece[r >>> 3] = piece[r >>> 3]! | bit;
      return true;
    };
    const maxVisits = src.length;
    const pages = this.#residentPages(mapped);
    // Pending nodes: offset, the limit it must end before, path length, node depth.
    const stack: number[] = [this.#header.rootOffset, this.#header.tailOffset, 0, 1];
    while (stack.length > 0) {
      const nodeDepth = stack.pop()!;
      const depth = stack.pop()!;
      const limit = stack.pop()!;
      const off = stack.pop()!;
      if (++s.nodes > maxVisits) throw new FormatError(ErrorCode.Corrupt, 'more nodes reached than the file has bytes: nodes are shared, the file is not a tree', { offset: off });
      // the walk's pages held to the budget, as `paths()` holds them (measured only: no windows here)
      if ((s.nodes & (STATS_NODES_PER_CHECK - 1)) === 0 && pages.over()) pages.release();
      readNode(src, off, limit, nv, true);
      if (nodeDepth > s.maxNodeDepth) s.maxNodeDepth = nodeDepth;
      if (nv.value) {
        s.valueNodes++;
        if (depth + (nv.line ? nv.lineLen : 0) > s.maxPathBytes) s.maxPathBytes = depth + (nv.line ? nv.lineLen : 0);
      }
      if (nv.line) {
        s.lineNodes++;
        s.lineReferences++;
        s.lineBytesReferenced += nv.lineLen;
        if (firstSeen(nv.lineStart)) {
          s.distinctLines++;
          s.lineDataBytes += nv.lineLen + varintSize(nv.lineLen);
        }
        if (nv.child >= 0) stack.push(nv.child, off, depth + nv.lineLen, nodeDepth + 1);
        continue;
      }
      s.branchNodes++;
      if (nv.mask) s.maskBranches++;
      let child = nv.first;
      const count = nv.count;
      for (let k = 0; k < count; k++) {
        stack.push(child, off, depth + 1, nodeDepth + 1);
        readNode(src, child, off, this.#skip, false);
        child = this.#skip.end;
      }
    }
    pages.release();
    return s;
  }

  // Run `f`, adding this file's name to errors that have none.
  #named<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw this.#name !== undefined ? inFile(e, this.#name) : e;
    }
  }
}

