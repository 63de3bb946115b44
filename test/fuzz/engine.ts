/**
 * A small deterministic fuzz engine: feeds a target random inputs and mutations
 * of its seed corpus, and fails on any thrown error the target does not allow
 * (a typed RTMPError with the expected code prefix). Used by the `*.fuzz.test.ts`
 * files in CI (FUZZ_RUNS inputs each, default 100,000) and by `npm run fuzz`.
 */
import assert from 'node:assert/strict';

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

/** Result of a fuzz run. */
export interface FuzzStats {
  runs: number;
  typedErrors: number;
  ok: number;
}

/**
 * Runs `target` for `runs` inputs (or until `seconds` elapse, if given) and fails the
 * test with the offending input in hex when a disallowed error escapes.
 */
export function fuzz(
  target: FuzzTarget,
  opts: { runs?: number; seconds?: number; seed?: number } = {},
): FuzzStats {
  const next = rng(opts.seed ?? 0x5eed1234);
  const stats: FuzzStats = { runs: 0, typedErrors: 0, ok: 0 };
  const deadline = opts.seconds !== undefined ? Date.now() + opts.seconds * 1000 : Number.POSITIVE_INFINITY;
  const runs = opts.seconds !== undefined ? Number.POSITIVE_INFINITY : (opts.runs ?? defaultRuns());
  const maxLen = target.maxLength ?? 512;
  const exec = (input: Buffer) => {
    stats.runs++;
    try {
      target.run(input);
      stats.ok++;
    } catch (err) {
      if (!target.allowed(err)) {
        assert.fail(
          `${target.name}: disallowed error for input ${input.toString('hex')}: ${(err as Error)?.stack ?? String(err)}`,
        );
      }
      stats.typedErrors++;
    }
  };
  for (const s of target.seeds) exec(s);
  while (stats.runs < runs && (stats.runs & 1023 || Date.now() < deadline)) {
    const r = next() % 10;
    if (r < 7 && target.seeds.length) exec(mutate(target.seeds[next() % target.seeds.length]!, next));
    else exec(randomBytes(next() % (maxLen + 1), next));
  }
  return stats;
}

/** FUZZ_RUNS from the environment, default 100,000. */
export function defaultRuns(): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isFinite(n) && n > 0 ? n : 100_000;
}
