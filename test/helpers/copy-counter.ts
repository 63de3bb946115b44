/**
 * Counts the bytes JavaScript code copies between buffers, for the one-media-path test: it
 * wraps every public way to copy bytes — `Uint8Array.prototype.set` and `.slice`,
 * `Buffer.prototype.copy`, `Buffer.concat`, `Buffer.from(view)`, `Buffer.copyBytesFrom` —
 * so a copy rtmpkit makes through them is seen (byte loops and Node's own internal copies
 * are not). `installCopyCounter()` patches this process; importing `copy-counter-preload.js`
 * with `node --import` patches a child and writes the count to `$RTMPKIT_COPY_REPORT` at exit.
 */

/** Bytes copied through the wrapped methods since installation (or the last reset). */
export const copied = { bytes: 0 };

let installed = false;

/** Wraps the copying methods (once per process). */
export function installCopyCounter(): void {
  if (installed) return;
  installed = true;
  const u8 = Uint8Array.prototype;
  const set = u8.set;
  u8.set = function (this: Uint8Array, src: ArrayLike<number>, offset?: number) {
    copied.bytes += src.length;
    return set.call(this, src, offset);
  } as typeof u8.set;
  const slice = u8.slice;
  u8.slice = function (this: Uint8Array, start?: number, end?: number) {
    const out = slice.call(this, start, end);
    copied.bytes += out.length;
    return out;
  } as typeof u8.slice;
  const bp = Buffer.prototype;
  const copy = bp.copy;
  bp.copy = function (this: Buffer, ...args: Parameters<Buffer['copy']>) {
    const n = copy.apply(this, args);
    copied.bytes += n;
    return n;
  };
  const concat = Buffer.concat;
  Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
    const out = concat(list, total);
    copied.bytes += out.length;
    return out;
  }) as typeof Buffer.concat;
  const from = Buffer.from;
  Buffer.from = function (this: unknown, ...args: unknown[]) {
    const out = (from as (...a: unknown[]) => Buffer).apply(Buffer, args);
    // Buffer.from(arrayBuffer, offset, length) is a view; from a typed array it is a copy.
    if (ArrayBuffer.isView(args[0])) copied.bytes += out.length;
    return out;
  } as typeof Buffer.from;
  const copyBytesFrom = Buffer.copyBytesFrom;
  if (copyBytesFrom !== undefined) {
    Buffer.copyBytesFrom = ((view: NodeJS.TypedArray, offset?: number, length?: number) => {
      const out = copyBytesFrom(view, offset, length);
      copied.bytes += out.length;
      return out;
    }) as typeof Buffer.copyBytesFrom;
  }
}
