/**
 * The RC4 pair that encrypts an RTMPE connection after its handshake (librtmp
 * `InitRC4Encryption`, FFmpeg `ff_rtmpe_compute_secret_key`): each side sends with
 * `HMAC-SHA256(secret, peer's DH public key)[0..16)` and receives with
 * `HMAC-SHA256(secret, own DH public key)[0..16)`; both keystreams first discard 1536
 * bytes. Every byte after C2/S2, in each direction, passes through them exactly once
 * (under RTMPT too: the tunnel's HTTP bodies carry the encrypted stream).
 *
 * Invariants: `decrypt` and `encrypt` work in place and never allocate; `encryptv` makes
 * the one copy an output batch needs (its input views may be shared payloads that must
 * stay plain), encrypted as it is copied, into a buffer of the write pool
 * (util/write-pool.ts). Calls must follow the byte order of the connection.
 */
import { createHmac } from 'node:crypto';
import { RC4 } from '../crypto/rc4.js';
import { takeWriteBuffer } from '../util/write-pool.js';

/** Keystream bytes both directions discard after the handshake (the size of one C1/S1). */
export const RTMPE_KEYSTREAM_SKIP = 1536;

function rc4Key(secret: Uint8Array, publicKey: Uint8Array): RC4 {
  const key = createHmac('sha256', secret).update(publicKey).digest().subarray(0, 16);
  const rc4 = new RC4(key);
  rc4.skip(RTMPE_KEYSTREAM_SKIP);
  return rc4;
}

/** Both directions of an RTMPE connection. */
export class RtmpeCipher {
  readonly #in: RC4;
  readonly #out: RC4;

  /**
   * `secret`: the 128-byte DH shared secret; `ownPublicKey`/`peerPublicKey`: the 128-byte
   * DH public keys of this side and of the peer, as they appeared in C1/S1.
   */
  constructor(secret: Uint8Array, ownPublicKey: Uint8Array, peerPublicKey: Uint8Array) {
    this.#out = rc4Key(secret, peerPublicKey);
    this.#in = rc4Key(secret, ownPublicKey);
  }

  /** Decrypts bytes received from the peer, in place; returns `data`. */
  decrypt<T extends Uint8Array>(data: T): T {
    return this.#in.update(data);
  }

  /** Encrypts bytes for the peer, in place (only for buffers nobody else reads); returns `data`. */
  encrypt<T extends Uint8Array>(data: T): T {
    return this.#out.update(data);
  }

  /**
   * Encrypts the concatenation of `chunks` (left as they are) into one buffer from the
   * write pool: what to write for them. The shell gives it back once written.
   */
  encryptv(chunks: readonly Uint8Array[]): Buffer {
    let n = 0;
    for (const c of chunks) n += c.length;
    return this.#out.updatev(chunks, takeWriteBuffer(n));
  }
}
