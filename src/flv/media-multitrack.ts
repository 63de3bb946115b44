/**
 * The track loop of an Enhanced RTMP message (ERTMP-V2 "Multitrack Streaming"): after
 * the header, one FourCC first unless every track names its own (ManyTracksManyCodecs),
 * then per track `UI8 trackId` and its body — `UI24 size` first except for OneTrack,
 * whose body is the rest of the payload. Without a Multitrack wrapper the message is one
 * track 0 (enhanced-rtmp issue #48: FFmpeg and OBS send the default track unwrapped).
 *
 * Invariants: a track size beyond the payload is `ERR_FLV_MEDIA_INVALID`, a cut field
 * `ERR_FLV_MEDIA_TRUNCATED`; bodies are views of the payload.
 */
import { ProtocolCode } from '../error-codes.js';
import type { ByteReader } from '../util/byte-reader.js';
import { flvError } from './errors.js';
import { AvMultitrackType } from './media-types.js';

/**
 * Reads the tracks that follow an enhanced header; `mt` is the AvMultitrackType, or
 * < 0 for no Multitrack wrapper (one track 0 with the rest of the payload).
 */
export function readTracks<P>(
  r: ByteReader,
  mt: number,
  what: 'audio' | 'video',
  make: (code: number, trackId: number, body: Buffer) => P,
): P[] {
  let code = mt === AvMultitrackType.ManyTracksManyCodecs ? 0 : r.u32();
  const out: P[] = [];
  do {
    let trackId = 0;
    let body: Buffer;
    if (mt >= 0) {
      if (mt === AvMultitrackType.ManyTracksManyCodecs) code = r.u32();
      trackId = r.u8();
      body = mt === AvMultitrackType.OneTrack ? r.bytes(r.remaining) : trackBody(r, what);
    } else {
      body = r.bytes(r.remaining);
    }
    out.push(make(code, trackId, body));
  } while (mt > AvMultitrackType.OneTrack && r.remaining > 0);
  return out;
}

function trackBody(r: ByteReader, what: string): Buffer {
  const size = r.u24();
  if (size > r.remaining) {
    throw flvError(
      ProtocolCode.FLV_MEDIA_INVALID,
      `${what} Multitrack track declares ${size} bytes, ${r.remaining} left in the payload`,
    );
  }
  return r.bytes(size);
}
