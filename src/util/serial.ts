/**
 * 32-bit serial-number arithmetic (RFC 1982, SERIAL_BITS = 32) for RTMP timestamps
 * and byte counters (RTMP-SPEC §4 "timestamps ... wrap every 2^32"; §5.4.3 sequence
 * numbers). Values are plain numbers holding unsigned 32-bit integers; "unwrapped"
 * values are safe integers (53-bit) that keep counting across wraps.
 *
 * Invariants: every result of `serialAdd` is in [0, 2^32); `serialDiff(a, b)` is the
 * signed distance from `b` forward to `a`, in (-2^31, 2^31]. RFC 1982 leaves the exact
 * half-way distance 2^31 undefined; `serialDiff` calls it forward (+2^31) and the
 * comparisons call it neither less nor greater.
 */

/** 2^32: the modulus of RTMP timestamps and byte counters. */
export const SERIAL_MODULUS = 0x1_0000_0000;

/** 2^31: half the serial space, the largest distance still "after". */
export const SERIAL_HALF = 0x8000_0000;

/** `(a + b) mod 2^32` for any safe integers (either may be negative or above 2^32). */
export function serialAdd(a: number, b: number): number {
  return (a + b) >>> 0;
}

/**
 * Signed serial distance from `b` to `a` (both taken mod 2^32): the `d` in
 * (-2^31, 2^31] with `a ≡ b + d (mod 2^32)`. 10000 is 294977296 after 4000000000.
 */
export function serialDiff(a: number, b: number): number {
  const d = (a - b) >>> 0;
  return d > SERIAL_HALF ? d - SERIAL_MODULUS : d;
}

/** RFC 1982 `a < b` (false when equal or exactly 2^31 apart). */
export function serialLessThan(a: number, b: number): boolean {
  const d = (b - a) >>> 0;
  return d !== 0 && d < SERIAL_HALF;
}

/** RFC 1982 `a > b` (false when equal or exactly 2^31 apart). */
export function serialGreaterThan(a: number, b: number): boolean {
  return serialLessThan(b, a);
}

/**
 * Unwraps the 32-bit serial `value` against a previous unwrapped value: the
 * safe integer nearest to `previous` that is congruent to `value` mod 2^32
 * (ties go forward). Used for RTMP timestamps: 0xFFFFFFF0 then 0x10 gives
 * 0xFFFFFFF0 then 0x1_0000_0010.
 */
export function unwrapSerial(previous: number, value: number): number {
  return previous + serialDiff(value, previous);
}
