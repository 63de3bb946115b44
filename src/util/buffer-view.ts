/**
 * A Uint8Array seen as a Buffer without copying: the bytes API (`readUInt32BE`,
 * `subarray` returning Buffers, `copy`) over the caller's memory, for inputs a public
 * API accepts as any Uint8Array.
 */

/** `view` itself when it is a Buffer, else a Buffer over the same bytes (no copy). */
export function asBuffer(view: Uint8Array): Buffer {
  return Buffer.isBuffer(view) ? view : Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}
