/**
 * Reusable buffers for output a session must build in memory of its own — RTMPE's
 * encrypted copy of each output batch (its inputs are shared payloads that must stay
 * plain). A fresh buffer per batch cost as much as the encryption: new pages to fault in
 * and garbage for every batch. The I/O shell offers back every buffer it wrote once the
 * socket write completed; the ones lent here go back on their free list (free-lists.ts:
 * whole and once; payload buffers and anything else are ignored) and the next batch
 * reuses them. Size classes 16 KiB … 4 MiB; at most 8 MiB free, shared by every
 * connection of the process.
 */
import { FreeLists } from './free-lists.js';

const writes = new FreeLists(14, 22, 8 * 1024 * 1024);

/** An `n`-byte buffer for output; give it back with `returnWriteBuffer` once it was written. */
export const takeWriteBuffer = (n: number): Buffer => writes.take(n);
/** Gives back a view `takeWriteBuffer` returned (others are ignored): its memory may be reused now. */
export const returnWriteBuffer = (view: Uint8Array): void => writes.give(view);
/** Whether `view` is lent by `takeWriteBuffer` (and not yet returned). */
export const isWriteBuffer = (view: Uint8Array): boolean => writes.lends(view);
/** Bytes on the write buffers' free lists now (for tests). */
export const freeWriteBytes = (): number => writes.freeBytes;
