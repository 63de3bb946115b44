/**
 * A small deterministic fuzz engine: feeds a target random inputs and mutations
 * of its seed corpus, and fails on any thrown error the target does not allow
 * (a typed RTMPError with the expected code prefix). Used by the `*.fuzz.test.ts`
 * files in CI (FUZZ_RUNS inputs each, default 100,000) and by `npm run fuzz`.
 *
 * The seeds of a run are the target's in-code vectors plus the committed corpus
 * (test/fuzz/corpus/<target name>/*: real peer captures, minimised, and earlier
 * findings), without duplicates; every seed runs first, then 7 in 10 inputs are
 * mutations of a seed and the rest random bytes.
 */
import { corpusOf } from './corpus.js';

/** One fuzz target: seeds to mutate and a function that must only throw allowed errors. */
export interface FuzzTarget {
  name: string;
  /** Valid (and interesting) inputs to mutate. */
  seeds: Buffer[];
  /** Runs one input; may throw only errors `allowed` accepts. */
  run(input: Buffer): void;
  /** Tells whether a thrown error is acceptable (typed, expected code). */
  allowed(err: unknown): boolean;
  /** Largest random input length (default 512). */
  maxLength?: number;
  /** Share of FUZZ_RUNS the CI test gives this target (default 1; costly targets, e.g. DH, take less). */
  runShare?: number;
}

/** xorshift32: reproducible randomness from a seed. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];
const INTERESTING32 = [
  0, 1, 0x7f, 0x80, 0xff, 0xffff, 0xffffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x1fffffff,
];

/** Produces one mutation of `src`. */
export function mutate(src: Buffer, next: () => number): Buffer {
  let b = Buffer.from(src);
  const ops = 1 + (next() % 4);
  for (let k = 0; k < ops; k++) {
    const op = next() % 9;
    const at = b.length ? next() % b.length : 0;
    switch (op) {
      case 0: // flip a bit
        if (b.length) b[at] = b[at]! ^ (1 << (next() % 8));
        break;
      case 1: // interesting byte
        if (b.length) b[at] = INTERESTING[next() % INTERESTING.length]!;
        break;
      case 2: // interesting 32-bit value
        if (b.length >= 4)
          b.writeUInt32BE(INTERESTING32[next() % INTERESTING32.length]! >>> 0, at % (b.length - 3));
        break;
      case 3: // truncate
        b = b.subarray(0, at);
        break;
      case 4: // delete a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + (next() % 16)))]);
        break;
      case 5: // insert random bytes
        b = Buffer.concat([b.subarray(0, at), randomBytes(1 + (next() % 16), next), b.subarray(at)]);
        break;
      case 6: // duplicate a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + 1 + (next() % 32)), b.subarray(at)]);
        break;
      case 7: // random byte
        if (b.length) b[at] = next() & 0xff;
        break;
      default: // splice with itself
        b = Buffer.concat([b.subarray(0, at), b.subarray(next() % Math.max(1, b.length))]);
    }
  }
  return b;
}

function randomBytes(n: number, next: () => number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = next() & 0xff;
  return b;
}

/** A disallowed error escaped the target; `input` reproduces it. */
export class FuzzFailure extends Error {
  constructor(
    message: string,
    readonly input: Buffer,
  ) {
    super(message);
    this.name = 'FuzzFailure';
  }
}

/** Result of a fuzz run. */
export interface FuzzStats {
  runs: number;
  typedErrors: number;
  ok: number;
  /** Seeds the run started from: in-code vectors plus corpus files, duplicates removed. */
  seeds: number;
  /** Of them, files from test/fuzz/corpus. */
  corpusFiles: number;
  /** Largest V8 heap in use seen (sampled every 65,536 inputs and at the end), bytes. */
  peakHeapUsed: number;
}

/** The target's seeds and its corpus files, each distinct input once. */
export function seedsOf(target: FuzzTarget): { seeds: Buffer[]; corpusFiles: number } {
  const seen = new Set<string>();
  const seeds: Buffer[] = [];
  const add = (b: Buffer) => {
    const key = b.toString('base64');
    if (seen.has(key)) return false;
    seen.add(key);
    seeds.push(b);
    return true;
  };
  for (const s of target.seeds) add(s);
  let corpusFiles = 0;
  for (const s of corpusOf(target.name)) if (add(s)) corpusFiles++;
  return { seeds, corpusFiles };
}

/**
 * Runs `target` until `runs` inputs or until `seconds` elapse, whichever comes first
 * (FUZZ_RUNS inputs when neither is given), and fails with the offending input in hex
 * (a `FuzzFailure`) when a disallowed error escapes.
 */
export function fuzz(
  target: FuzzTarget,
  opts: { runs?: number; seconds?: number; seed?: number } = {},
): FuzzStats {
  const next = rng(opts.seed ?? 0x5eed1234);
  const { seeds, corpusFiles } = seedsOf(target);
  const stats: FuzzStats = {
    runs: 0,
    typedErrors: 0,
    ok: 0,
    seeds: seeds.length,
    corpusFiles,
    peakHeapUsed: process.memoryUsage().heapUsed,
  };
  const deadline = opts.seconds !== undefined ? Date.now() + opts.seconds * 1000 : Number.POSITIVE_INFINITY;
  const runs = opts.runs ?? (opts.seconds !== undefined ? Number.POSITIVE_INFINITY : defaultRuns());
  const maxLen = target.maxLength ?? 512;
  const exec = (input: Buffer) => {
    if ((++stats.runs & 0xffff) === 0) sampleHeap(stats);
    try {
      target.run(input);
      stats.ok++;
    } catch (err) {
      if (!target.allowed(err)) {
        throw new FuzzFailure(
          `${target.name}: disallowed error for input ${input.toString('hex')}: ${(err as Error)?.stack ?? String(err)}`,
          input,
        );
      }
      stats.typedErrors++;
    }
  };
  for (const s of seeds) exec(s);
  while (stats.runs < runs && (stats.runs & 1023 || Date.now() < deadline)) {
    const r = next() % 10;
    if (r < 7 && seeds.length) exec(mutate(seeds[next() % seeds.length]!, next));
    else exec(randomBytes(next() % (maxLen + 1), next));
  }
  sampleHeap(stats);
  return stats;
}

function sampleHeap(stats: FuzzStats): void {
  stats.peakHeapUsed = Math.max(stats.peakHeapUsed, process.memoryUsage().heapUsed);
}

/** FUZZ_RUNS from the environment, default 100,000. */
export function defaultRuns(): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isFinite(n) && n > 0 ? n : 100_000;
}
