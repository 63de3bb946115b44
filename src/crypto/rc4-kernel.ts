/**
 * RC4's keystream loop (the PRGA) as a small WebAssembly function, assembled here from its
 * opcodes (WebAssembly Core Specification 1.0, §5 binary format) — no binary blob, no
 * dependency. WebAssembly memory accesses carry no per-access bounds checks on 64-bit hosts
 * (guard pages), which JavaScript typed arrays do. RC4 is byte-serial (each step swaps two
 * state bytes the previous step chose), so what counts is the length of the loop-carried
 * chains and the instructions per byte: the indices count without masking (the mask is
 * taken only to address S) and the loop makes 16 bytes per iteration as four 32-bit words.
 * On the 2-core test machine (alternated runs of `bench/children/rc4.js` and `openssl
 * speed -evp rc4`, load ~4): ~995 MB/s, against ~780 for the previous form of this loop
 * (masked indices, 4 bytes per iteration), ~685 for OpenSSL's assembly RC4 in the same
 * runs, and 600–620 for the best TypeScript loop; RC4 is most of an RTMPE download's CPU.
 *
 * Layout of the kernel's one memory (six 64 KiB pages): the 256-byte state S at 0, the
 * indices i and j as little-endian 32-bit words at 256 and 260, a data window of
 * `RC4_WINDOW` bytes at `RC4_WINDOW` (data elsewhere is copied through it), and at
 * `READ_AREA_AT` a `READ_AREA_SIZE`-byte area that sockets read into (`kernelReadArea`),
 * so RTMPE decrypts what arrived where it landed, with no copy. `run(at, n)` XORs the
 * next n keystream bytes into the n bytes at `at` and updates S, i and j.
 *
 * Invariants: the kernel is stateless between uses — a caller copies its own state in,
 * runs, and copies it out — so any number of RC4 instances share it; calls are
 * synchronous and never interleave. `rc4Kernel()` is undefined where WebAssembly is not
 * available (`node --jitless`); RC4 then runs its TypeScript loop.
 */

/** Bytes in the kernel's data window (and its offset in the kernel's memory). */
export const RC4_WINDOW = 65536;
/** Where the read area starts in the kernel's memory, and its size (a socket read buffer's). */
export const READ_AREA_AT = 2 * 65536;
export const READ_AREA_SIZE = 256 * 1024;
/** The memory's size in 64 KiB pages. */
const PAGES = (READ_AREA_AT + READ_AREA_SIZE) / 65536;
/** Offsets of i and j in the kernel's memory. */
const I_AT = 256;
const J_AT = 260;

/** The kernel: its memory as bytes, and the function that runs it over bytes of that memory. */
export interface Rc4Kernel {
  readonly memory: Uint8Array;
  /** XORs the next `n` keystream bytes into the memory's bytes [at, at + n). */
  run(at: number, n: number): void;
}

// Opcodes and encodings (WebAssembly Core 1.0 §5.4 instructions, §5.2 LEB128 values).
const I32 = 0x7f;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_AND = 0x71;
const I32_OR = 0x72;
const I32_XOR = 0x73;
const I32_SHL = 0x74;
const I32_GE_U = 0x4f;
const I32_GT_U = 0x4b;
const BLOCK = 0x02;
const LOOP = 0x03;
const VOID = 0x40;
const BR = 0x0c;
const BR_IF = 0x0d;
const END = 0x0b;
const load32 = (offset: number) => [0x28, 2, ...uleb(offset)];
const store32 = (offset: number) => [0x36, 2, ...uleb(offset)];
const LOAD8 = [0x2d, 0, 0];
const STORE8 = [0x3a, 0, 0];

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

// The function's parameter and locals. I and J count without wrapping (their low byte is
// the RC4 index): masking them only where they address S takes the mask off the loop-carried
// chains, which is worth ~10 % (a run starts from indices below 256 and covers at most
// READ_AREA_SIZE bytes, so neither counter gets anywhere near 2^32).
const P = 0;
const N = 1;
const I = 2;
const J = 3;
const END_AT = 4;
const SI = 5;
const SJ = 6;
const KS = 7;
const IX = 8;
const JX = 9;
const LOCALS = 8;
const get = (l: number) => [LOCAL_GET, l];
const set = (l: number) => [LOCAL_SET, l];
const int = (v: number) => [I32_CONST, ...sleb(v)];
const byte = (l: number) => [...get(l), ...int(255), I32_AND];

/**
 * One keystream byte into KS (at bit `shift`): i = i + 1; j = j + S[i]; swap S[i], S[j];
 * k = S[S[i] + S[j]] (indices mod 256).
 */
function step(shift: number): number[] {
  // biome-ignore format: one line per RC4 operation
  return [
    ...get(I), ...int(1), I32_ADD, LOCAL_TEE, I, ...int(255), I32_AND, LOCAL_TEE, IX, ...LOAD8, LOCAL_TEE, SI,
    ...get(J), I32_ADD, LOCAL_TEE, J, ...int(255), I32_AND, LOCAL_TEE, JX, ...LOAD8, ...set(SJ),
    ...get(IX), ...get(SJ), ...STORE8, ...get(JX), ...get(SI), ...STORE8,
    ...get(SI), ...get(SJ), I32_ADD, ...int(255), I32_AND, ...LOAD8,
    ...(shift === 0 ? set(KS) : [...int(shift), I32_SHL, ...get(KS), I32_OR, ...set(KS)]),
  ];
}

/**
 * Keystream bytes per main-loop iteration: four 32-bit words (4 → 8 → 16 bytes gained
 * 5–10 %; 64 bytes ~1.5 % more, not worth the code).
 */
const UNROLL = 16;

/** Four keystream bytes XORed into the 32-bit word at P + `at`. */
function word(at: number): number[] {
  // biome-ignore format: one line per statement
  return [
    ...step(0), ...step(8), ...step(16), ...step(24),
    ...get(P), ...get(P), ...load32(at), ...get(KS), I32_XOR, ...store32(at),
  ];
}

/** The body of `run(at, n)`: sixteen bytes per iteration, then the last 0–15 bytes one by one. */
function body(): number[] {
  const words: number[] = [];
  for (let at = 0; at < UNROLL; at += 4) words.push(...word(at));
  // biome-ignore format: one line per statement
  return [
    ...int(0), ...load32(I_AT), ...set(I), ...int(0), ...load32(J_AT), ...set(J),
    ...get(P), ...get(N), I32_ADD, ...set(END_AT),
    BLOCK, VOID, LOOP, VOID,
    ...get(P), ...int(UNROLL), I32_ADD, ...get(END_AT), I32_GT_U, BR_IF, 1,
    ...words,
    ...get(P), ...int(UNROLL), I32_ADD, ...set(P), BR, 0, END, END,
    BLOCK, VOID, LOOP, VOID,
    ...get(P), ...get(END_AT), I32_GE_U, BR_IF, 1,
    ...step(0),
    ...get(P), ...get(P), ...LOAD8, ...get(KS), I32_XOR, ...STORE8,
    ...get(P), ...int(1), I32_ADD, ...set(P), BR, 0, END, END,
    ...int(0), ...byte(I), ...store32(I_AT), ...int(0), ...byte(J), ...store32(J_AT),
    END,
  ];
}

/** The module: type `(i32, i32) → ()`, one function, PAGES pages of memory, both exported. */
function moduleBytes(): Uint8Array {
  const code = [...uleb(1), ...uleb(LOCALS), I32, ...body()]; // LOCALS i32 locals
  // biome-ignore format: one line per section
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
    ...section(1, vec([[0x60, 2, I32, I32, 0]])),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, PAGES]])),
    ...section(7, vec([[...name('run'), 0x00, 0], [...name('memory'), 0x02, 0]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}

/**
 * The part of the WebAssembly JavaScript interface used here (TypeScript declares it only in
 * its DOM library, which this package does not load); absent under `node --jitless`.
 */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
  ) => { exports: { run: (at: number, n: number) => void; memory: { buffer: ArrayBuffer } } };
};

let kernel: Rc4Kernel | null | undefined;

/** The shared kernel, built on first use; undefined where WebAssembly is unavailable. */
export function rc4Kernel(): Rc4Kernel | undefined {
  if (kernel === undefined) {
    kernel = null;
    if (typeof WebAssembly === 'object') {
      const { exports } = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()));
      kernel = { memory: new Uint8Array(exports.memory.buffer), run: exports.run };
    }
  }
  return kernel ?? undefined;
}

/**
 * The kernel's read area as a Buffer (undefined where WebAssembly is unavailable): a socket
 * that reads into it hands RC4 data already in the kernel's memory. Shared by every such
 * socket, so each read must be consumed before the next (see transport/tcp.ts).
 */
export function kernelReadArea(): Buffer | undefined {
  const k = rc4Kernel();
  return k && Buffer.from(k.memory.buffer, READ_AREA_AT, READ_AREA_SIZE);
}

/** Reads i and j from the kernel's memory. */
export function kernelIndices(memory: Uint8Array): [number, number] {
  return [memory[I_AT]!, memory[J_AT]!];
}

/** Writes i and j into the kernel's memory (each below 256, so one byte of its word). */
export function setKernelIndices(memory: Uint8Array, i: number, j: number): void {
  memory.fill(0, I_AT, J_AT + 4);
  memory[I_AT] = i;
  memory[J_AT] = j;
}
