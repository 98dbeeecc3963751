/**
 * Deterministic synthetic MeTTa spaces for the benchmarks: a seeded mulberry32 PRNG drives a mix
 * of atom shapes seen in real MORK data (facts, typed facts, rules with variables, deep terms,
 * big_logic-style axioms, quoted strings, numbers as symbols) over a Zipf-weighted vocabulary of a
 * few thousand symbols, with a few exact duplicates.
 *
 * `morkspace bench` and the benchmarks (bench/) run on these spaces; `node dist/bench/generate.js N
 * out.metta [seed]` writes one (N may be `10K`, `1M`, …).
 */
import { mulberry32 } from './prng.js';
import { closeSync, mkdirSync, openSync, renameSync, writeSync, existsSync } from 'node:fs';
import path from 'node:path';

/** Bumped whenever the output for a given (atoms, seed) changes, so cached files are not reused. */
export const GENERATOR_VERSION = 2;

/** The seed the benchmarks use unless told otherwise. */
export const DEFAULT_SEED = 0x6d6f726b; // "mork"

/** Atoms per yielded text chunk: big enough to amortize the join, small enough to bound memory. */
const CHUNK_ATOMS = 16384;


/** Draws items with Zipf-like frequencies (weight of rank k is 1/(k+1)^s): a few very common, a long tail. */
class Zipf {
  readonly #items: readonly string[];
  readonly #cumulative: Float64Array;
  constructor(items: readonly string[], exponent = 1.05) {
    this.#items = items;
    this.#cumulative = new Float64Array(items.length);
    let sum = 0;
    for (let k = 0; k < items.length; k++) {
      sum += 1 / Math.pow(k + 1, exponent);
      this.#cumulative[k] = sum;
    }
  }
  pick(rand: () => number): string {
    const c = this.#cumulative;
    const x = rand() * c[c.length - 1]!;
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return this.#items[lo]!;
  }
}

const SYLLABLES = ['ka', 'lo', 'ri', 'an', 'be', 'mi', 'to', 'sa', 'el', 'na', 'vi', 'do', 'ru', 'ze', 'pa', 'li', 'mo', 'ter', 'gan', 'bel', 'dor', 'is', 'ul', 'ya'];
const PREDICATES = ['parent', 'child', 'knows', 'likes', 'owns', 'located_in', 'member_of', 'works_at', 'born_in', 'sibling', 'friend', 'author_of', 'cites', 'spouse', 'part_of', 'interacts', 'expresses', 'regulates', 'binds', 'inhibits', 'edge', 'link', 'next', 'prev', 'contains', 'similar', 'depends_on', 'calls', 'imports', 'subclass'];
const TYPES = ['Person', 'City', 'Country', 'Gene', 'Protein', 'Disease', 'Paper', 'Company', 'Concept', 'Number', 'Symbol', 'Expression', 'Atom', 'Type', 'Bool', 'Node', 'Edge', 'Module', 'Function', 'Event'];
const FUNCTIONS = ['f', 'g', 'h', 'k', 'succ', 'cons', 'pair', 'app', 'inc', 'lookup', 'map', 'fold', 'if', 'match', 'let', 'head', 'tail', 'plus', 'times', 'neg'];
// big_logic.metta.paths uses these operators and arities (1- to 5-byte symbols, arity ≤ 4).
const LOGIC_OPS: ReadonlyArray<readonly [string, number]> = [['*', 2], ['/', 2], ['\\', 2], ['T', 2], ['K', 2], ['L', 3], ['a', 3]];
const LOGIC_VARS = ['$a', '$b', '$c', '$d', '$e', '$f'];
const RULE_VARS = ['$x', '$y', '$z', '$w', '$u', '$v', '$p', '$q'];

/** The vocabulary: a few thousand symbols in Zipf rank order, built from the PRNG. */
interface Vocabulary {
  people: Zipf;
  predicateList: readonly string[];
  predicates: Zipf;
  types: Zipf;
  functions: Zipf;
  words: Zipf;
  numbers: Zipf;
}

function word(rand: () => number, syllables: number): string {
  let w = '';
  for (let i = 0; i < syllables; i++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)]!;
  return w;
}

function distinct(count: number, make: () => string, seed: readonly string[] = []): string[] {
  const seen = new Set<string>(seed);
  const out = [...seed];
  for (let guard = 0; out.length < count && guard < count * 50; guard++) {
    const w = make();
    if (!seen.has(w)) {
      seen.add(w);
      out.push(w);
    }
  }
  return out;
}

function capitalize(w: string): string {
  return w.charAt(0).toUpperCase() + w.slice(1);
}

function vocabulary(rand: () => number): Vocabulary {
  const people = distinct(5000, () => capitalize(word(rand, 2 + Math.floor(rand() * 2))), ['Alice', 'Bob', 'Carol', 'Dave', 'Eve']);
  const predicates = distinct(250, () => `${word(rand, 2)}_${word(rand, 1)}`, PREDICATES);
  const types = distinct(120, () => capitalize(word(rand, 3)), TYPES);
  const functions = distinct(150, () => word(rand, 1 + Math.floor(rand() * 2)), FUNCTIONS);
  const words = distinct(600, () => word(rand, 1 + Math.floor(rand() * 3)));
  const numbers: string[] = [];
  for (let i = 0; i <= 200; i++) numbers.push(String(i));
  for (let i = 0; i < 100; i++) numbers.push((rand() * 100).toFixed(2), String(Math.floor(rand() * 1e6)), `-${Math.floor(rand() * 1000)}`);
  return {
    // Flatter than the other vocabularies: with a steep head, facts over two names repeat a lot.
    people: new Zipf(people, 0.7),
    predicateList: predicates,
    predicates: new Zipf(predicates),
    types: new Zipf(types),
    functions: new Zipf(functions),
    words: new Zipf(words),
    numbers: new Zipf(numbers),
  };
}

/** One generator of atoms: all state (PRNG, vocabulary, recent atoms for duplicates) in one place. */
class SpaceGenerator {
  readonly #rand: () => number;
  readonly #v: Vocabulary;
  readonly #recent: string[] = [];
  constructor(seed: number) {
    this.#rand = mulberry32(seed);
    this.#v = vocabulary(this.#rand);
  }

  #int(n: number): number {
    return Math.floor(this.#rand() * n);
  }

  #of<T>(items: readonly T[]): T {
    return items[this.#int(items.length)]!;
  }

  /** One atom of text; the mix below sums to 100. */
  atom(): string {
    const r = this.#int(100);
    let a: string;
    if (r < 2 && this.#recent.length > 0) return this.#of(this.#recent); // exact duplicate
    if (r < 30) a = this.#fact();
    else if (r < 40) a = this.#typed();
    else if (r < 52) a = this.#rule();
    else if (r < 60) a = this.#nested();
    else if (r < 78) a = this.#axiom();
    else if (r < 86) a = this.#label();
    else if (r < 94) a = this.#numeric();
    else if (r < 97) a = this.#implication();
    else a = this.#record();
    if (this.#recent.length < 1024) this.#recent.push(a);
    else this.#recent[this.#int(1024)] = a;
    return a;
  }

  /**
   * An entity id such as `n123456`: uniform over a large range, as ids in real data are many and
   * each is used a few times (drawn from a Zipf list they would make most id facts duplicates).
   */
  #entity(): string {
    return `n${this.#int(1_000_000)}`;
  }

  #fact(): string {
    const v = this.#v;
    const rand = this.#rand;
    return `(${v.predicates.pick(rand)} ${v.people.pick(rand)} ${v.people.pick(rand)})`;
  }

  #typed(): string {
    const v = this.#v;
    const rand = this.#rand;
    if (this.#int(2) === 0) return `(: ${this.#entity()} ${v.types.pick(rand)})`;
    return `(isa ${this.#entity()} ${v.types.pick(rand)})`;
  }

  /** A term over function symbols, variables from `vars` and constants, at most `depth` deep. */
  #term(depth: number, vars: readonly string[], compound = false): string {
    const v = this.#v;
    const rand = this.#rand;
    if (depth <= 0 || (!compound && this.#int(3) === 0)) {
      const r = this.#int(4);
      if (r < 2) return this.#of(vars);
      return r === 2 ? v.people.pick(rand) : v.numbers.pick(rand);
    }
    const arity = 1 + this.#int(3);
    const args: string[] = [];
    for (let i = 0; i < arity; i++) args.push(this.#term(depth - 1, vars));
    return `(${v.functions.pick(rand)} ${args.join(' ')})`;
  }

  #rule(): string {
    const vars = RULE_VARS.slice(0, 1 + this.#int(4));
    return `(= ${this.#term(2 + this.#int(2), vars, true)} ${this.#term(2 + this.#int(2), vars)})`;
  }

  #nested(): string {
    const v = this.#v;
    const rand = this.#rand;
    const depth = 3 + this.#int(4);
    let t = v.people.pick(rand);
    for (let d = 0; d < depth; d++) {
      const extra = this.#int(3) === 0 ? ` ${this.#entity()}` : '';
      t = this.#int(2) === 0 ? `(${v.functions.pick(rand)} ${t}${extra})` : `(${v.functions.pick(rand)}${extra} ${t})`;
    }
    return `(${v.predicates.pick(rand)} ${t} ${v.words.pick(rand)})`;
  }

  /** A term in the style of big_logic.metta: algebraic operators over $a..$f and 1. */
  #logicTerm(depth: number, compound = false): string {
    if (depth <= 0 || (!compound && this.#int(3) === 0)) return this.#int(6) === 0 ? '1' : this.#of(LOGIC_VARS);
    const [op, arity] = this.#of(LOGIC_OPS);
    const args: string[] = [];
    for (let i = 0; i < arity; i++) args.push(this.#logicTerm(depth - 1));
    return `(${op} ${args.join(' ')})`;
  }

  #axiom(): string {
    const eq = (): string => `(= ${this.#logicTerm(2 + this.#int(3), true)} ${this.#logicTerm(2 + this.#int(3), true)})`;
    if (this.#int(8) === 0) return `(axiom (or (not ${eq()}) ${eq()}))`;
    return `(axiom ${eq()})`;
  }

  #label(): string {
    const v = this.#v;
    const rand = this.#rand;
    // A quoted token is one symbol: keep it (quotes included) within the 63-byte symbol limit.
    let text = v.words.pick(rand);
    for (;;) {
      const next = `${text} ${v.words.pick(rand)}`;
      if (next.length > 56 || this.#int(5) === 0) break;
      text = next;
    }
    return `(label ${this.#entity()} "${text}")`;
  }

  #numeric(): string {
    const v = this.#v;
    const rand = this.#rand;
    const r = this.#int(3);
    if (r === 0) return `(age ${this.#entity()} ${v.numbers.pick(rand)})`;
    if (r === 1) return `(score ${this.#entity()} ${v.numbers.pick(rand)})`;
    return `(weight ${this.#entity()} ${this.#entity()} ${v.numbers.pick(rand)})`;
  }

  #implication(): string {
    const v = this.#v;
    const rand = this.#rand;
    // Uniform, not Zipf: rules combine predicates across the whole vocabulary.
    const p = this.#of(v.predicateList);
    const q = this.#of(v.predicateList);
    return `(-> (, (${p} $x $y) (${q} $y $z)) (${v.predicates.pick(rand)} $x $z))`;
  }

  #record(): string {
    const v = this.#v;
    const rand = this.#rand;
    const fields: string[] = [];
    const n = 2 + this.#int(6);
    for (let i = 0; i < n; i++) fields.push(`(${v.words.pick(rand)} ${this.#int(2) === 0 ? v.numbers.pick(rand) : v.people.pick(rand)})`);
    return `(record ${this.#entity()} ${fields.join(' ')})`;
  }
}

/** The text of `atoms` top-level atoms, one per line, in chunks of whole lines. Deterministic in (atoms, seed). */
export function* generateChunks(atoms: number, seed: number = DEFAULT_SEED): Generator<string> {
  const gen = new SpaceGenerator(seed);
  yield* lineChunks(atoms, () => gen.atom());
}

/**
 * A synthetic space of `atoms` top-level atoms (about 2% exact duplicates, so the space holds a few
 * fewer) as MeTTa text. Same arguments, same bytes.
 */
export function generateSpace(atoms: number, seed: number = DEFAULT_SEED): string {
  let s = '';
  for (const chunk of generateChunks(atoms, seed)) s += chunk;
  return s;
}

/** Write the space to `file` (through a temporary file, so a cached file is always complete). */
export function writeSpace(file: string, atoms: number, seed: number = DEFAULT_SEED): void {
  writeChunksTo(file, generateChunks(atoms, seed));
}

function writeChunksTo(file: string, chunks: Iterable<string>): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    for (const chunk of chunks) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** The cached generated file for (atoms, seed) under `dir`, generating it if missing. */
export function cachedSpace(dir: string, atoms: number, seed: number = DEFAULT_SEED): string {
  const file = path.join(dir, `gen-v${GENERATOR_VERSION}-s${seed}-${atoms}.metta`);
  if (!existsSync(file)) writeSpace(file, atoms, seed);
  return file;
}

/**
 * A linked-data space of `atoms` triples `(p s o)` whose subjects and objects are quoted URIs of 20
 * to 200 bytes (Zipf-weighted over about atoms/5 distinct ones, a few predicates): the symbols the
 * interning benchmark needs, most over 63 bytes. Deterministic in (atoms, seed).
 */
export function* generateUriChunks(atoms: number, seed: number = DEFAULT_SEED): Generator<string> {
  const rand = mulberry32(seed ^ 0x75726973); // "uris"
  const hosts = ['http://purl.obolibrary.org/obo/', 'https://flybase.org/reports/', 'http://www.w3.org/2000/01/rdf-schema#', 'https://identifiers.org/ncbigene:', 'http://example.org/a/long/path/'];
  const distinct = Math.max(16, Math.floor(atoms / 5));
  const uris: string[] = [];
  for (let k = 0; k < distinct; k++) {
    const host = hosts[k % hosts.length]!;
    const target = 20 + Math.floor(rand() * 181);
    let tail = `${k.toString(36)}_`;
    while (host.length + tail.length + 2 < target) tail += String.fromCharCode(97 + Math.floor(rand() * 26));
    uris.push(`"${(host + tail).slice(0, target - 2)}"`);
  }
  const nodes = new Zipf(uris, 0.9);
  const predicates = new Zipf(['subClassOf', 'partOf', 'expressedIn', 'interactsWith', 'label', 'type', 'seeAlso', 'hasPhenotype'], 1);
  yield* lineChunks(atoms, () => `(${predicates.pick(rand)} ${nodes.pick(rand)} ${nodes.pick(rand)})`);
}

// `n` lines made by `line(i)` in order (after `first`, when given), joined in chunks of CHUNK_ATOMS lines.
function* lineChunks(n: number, line: (i: number) => string, first?: string): Generator<string> {
  const lines: string[] = first !== undefined ? [first] : [];
  for (let i = 0; i < n; i++) {
    lines.push(line(i));
    if (lines.length === CHUNK_ATOMS || i === n - 1) {
      yield lines.join('\n') + '\n';
      lines.length = 0;
    }
  }
}

// The generated file `name` under `dir`, written from `chunks()` the first time.
function cachedFile(dir: string, name: string, chunks: () => Iterable<string>): string {
  const file = path.join(dir, name);
  if (!existsSync(file)) writeChunksTo(file, chunks());
  return file;
}

/**
 * JSONL of `leaves` leaves: records of five leaves each (an id, a name, two tags, a score), with
 * nested objects, arrays, strings with spaces and escapes, and numbers with fractions and exponents.
 * Deterministic in (leaves, seed).
 */
export function* generateJsonlChunks(leaves: number, seed: number = DEFAULT_SEED): Generator<string> {
  const rand = mulberry32(seed ^ 0x6a736f6e); // "json"
  const words = ['alpha', 'beta gamma', 'delta "quoted"', 'épsilon', 'zeta\\path', 'eta', 'theta', 'iota'];
  const w = (): string => JSON.stringify(words[Math.floor(rand() * words.length)]);
  yield* lineChunks(Math.ceil(leaves / 5), (i) => `{"id": ${i}, "name": ${w()}, "meta": {"tags": [${w()}, ${w()}], "score": ${(rand() * 100).toFixed(2)}e${Math.floor(rand() * 5)}}}`);
}

/** The cached generated JSONL for (leaves, seed) under `dir`, generating it if missing. */
export function cachedJsonl(dir: string, leaves: number, seed: number = DEFAULT_SEED): string {
  return cachedFile(dir, `jsonl-v${GENERATOR_VERSION}-s${seed}-${leaves}.jsonl`, () => generateJsonlChunks(leaves, seed));
}

/**
 * CSV of `rows` rows of five cells (an id, a name, a city quoted with its comma, a date, a score),
 * a header first; every tenth name quoted with a doubled quote inside. Deterministic in (rows, seed).
 */
export function* generateCsvChunks(rows: number, seed: number = DEFAULT_SEED): Generator<string> {
  const rand = mulberry32(seed ^ 0x63737600); // "csv"
  const names = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken'];
  const cities = ['"London, UK"', '"Arlington, VA"', '"Manchester, UK"', '"Austin, TX"', '"Zurich, CH"'];
  const row = (i: number): string => {
    const name = names[Math.floor(rand() * names.length)]!;
    const day = 1 + Math.floor(rand() * 28);
    return `${i},${i % 10 === 0 ? `"${name} ""${i}"""` : name},${cities[Math.floor(rand() * cities.length)]},2026-${String(1 + (i % 12)).padStart(2, '0')}-${String(day).padStart(2, '0')},${(rand() * 100).toFixed(3)}`;
  };
  yield* lineChunks(rows, row, 'id,name,city,date,score');
}

/** The cached generated CSV for (rows, seed) under `dir`, generating it if missing. */
export function cachedCsv(dir: string, rows: number, seed: number = DEFAULT_SEED): string {
  return cachedFile(dir, `csv-v${GENERATOR_VERSION}-s${seed}-${rows}.csv`, () => generateCsvChunks(rows, seed));
}

/** The cached generated URI space for (atoms, seed) under `dir`, generating it if missing. */
export function cachedUriSpace(dir: string, atoms: number, seed: number = DEFAULT_SEED): string {
  return cachedFile(dir, `uris-v${GENERATOR_VERSION}-s${seed}-${atoms}.metta`, () => generateUriChunks(atoms, seed));
}

/** "10K" → 10000, "1M" → 1000000, "2500" → 2500. */
export function parseCount(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s);
  if (!m) throw new Error(`not a count: '${s}' (use e.g. 10000, 10K, 1M)`);
  const n = Number(m[1]) * (m[2] === '' ? 1 : m[2]!.toLowerCase() === 'k' ? 1e3 : 1e6);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a count: '${s}'`);
  return n;
}
