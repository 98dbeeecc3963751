/**
 * The part of `@riaskov/mmap-io` that src/formats/act/reader.ts uses, declared here so that the build
 * does not need the package: it is an optional dependency (a native addon that needs a C++ toolchain
 * to install), loaded at run time, and the reader falls back to reading files into memory without it.
 * The constants are Linux's values, as the addon exports them; keep in step with its mmap-io.d.ts.
 */
export interface MmapIo {
  /** Map `size` bytes of `fd` from `offset`; `advise` is applied to the new mapping. */
  map(size: number, protection: number, flags: number, fd: number, offset?: number, advise?: number): Buffer;
  /** madvise(2) on the whole of a mapped buffer. */
  advise(buffer: Buffer, advise: number): void;
  readonly PROT_READ: number;
  readonly MAP_SHARED: number;
  readonly MADV_RANDOM: number;
  readonly MADV_DONTNEED: number;
}
