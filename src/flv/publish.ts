/**
 * FLV tags → RTMP messages for publishing: librtmp's `RTMP_Write` rules on tags from
 * `FlvDemuxer`, which — unlike `RTMP_Write` — accepts any split of the input.
 *
 * - Audio (8) and video (9) tags become messages of the same type with the tag body as
 *   payload (the same Buffer) and the tag timestamp (32 bits, as librtmp reads it).
 * - Script tags (18) become data messages via `scriptTagToDataMessage` (`@setDataFrame`
 *   prefix for metadata, never doubled — librtmp prefixes every script tag, doubling an
 *   existing prefix). E-RTMP AMF3 script tags (15) are sent as type 15 unchanged.
 * - Chunk streams: audio 4, video 6, data 4 (the message layer's `DefaultCsid`, FFmpeg's
 *   split so audio and video headers compress separately); librtmp sends everything on 4.
 * - Any other tag type is not sent (`undefined`): librtmp would send a file's type-20 tag
 *   as a command, which lets a crafted file inject commands into the connection.
 * - The tag's StreamID is ignored; the message goes on the publishing stream's msid.
 */
import type { RawMessage } from '../message/raw-message.js';
import { DefaultCsid, MessageType } from '../message/types.js';
import type { FlvTag } from './demuxer.js';
import { FlvTagType } from './header.js';
import { type ScriptTagToDataMessageOptions, scriptTagToDataMessage } from './script.js';

/**
 * The RTMP message that publishes `tag` on message stream `streamId`, or undefined for a
 * tag type that is not media (see the module comment).
 */
export function tagToMessage(
  tag: Pick<FlvTag, 'type' | 'timestamp' | 'payload'>,
  streamId: number,
  options?: ScriptTagToDataMessageOptions,
): RawMessage | undefined {
  const timestamp = tag.timestamp >>> 0;
  switch (tag.type) {
    case FlvTagType.Audio:
      return { type: MessageType.Audio, streamId, timestamp, csid: DefaultCsid.audio, payload: tag.payload };
    case FlvTagType.Video:
      return { type: MessageType.Video, streamId, timestamp, csid: DefaultCsid.video, payload: tag.payload };
    case FlvTagType.Script:
      return {
        type: MessageType.DataAMF0,
        streamId,
        timestamp,
        csid: DefaultCsid.data,
        payload: scriptTagToDataMessage(tag.payload, options),
      };
    case FlvTagType.ScriptAMF3:
      return {
        type: MessageType.DataAMF3,
        streamId,
        timestamp,
        csid: DefaultCsid.data,
        payload: tag.payload,
      };
    default:
      return undefined;
  }
}
