/**
 * Fuzz targets for the FLV layer (hostile FLV/media shapes: short bodies, bad aggregates, unknown FourCCs):
 *
 * - `flv-demuxer`: byte 0 picks options (strict, zeroCopy, header mode, a small
 *   preallocateLimit), byte 1 seeds the split points; the rest is an FLV stream. The
 *   stream is demuxed in one piece and in pieces: both must give the same tags and the
 *   same error code (any split gives the same result), and every tag is run through the
 *   media / script parsers. Allowed: `ERR_FLV_*` RTMPErrors.
 * - `flv-media`: byte 0 picks audio or video; the rest is the payload for
 *   `parseMediaPayload` (E-RTMP ExHeaders, unknown FourCCs, ModEx chains, multitrack
 *   counts ≫ data). `isKeyframe` / `isSequenceHeader` must never throw. Allowed: `ERR_FLV_*`.
 * - `flv-muxer`: byte 0 picks a message type (aggregates whose sub-tag sizes overrun /
 *   omit back pointers / carry wrong ones / decrease timestamps; tiny A/V; data) and the
 *   script policy; `writeMessage` must not throw and its output must demux strictly.
 *   Nothing is allowed.
 * - `flv-resume`: a partial FLV file for `findResumePointIn` (corrupt PreviousTagSize
 *   chains, no keyframe, --skip); when it finds a point, the file's own tags are replayed
 *   as messages through FlvMuxer's `resume` matching. Allowed: `ERR_FLV_*`.
 * - `flv-script`: script bodies for `parseScriptTag` + `parseOnMetaData` (non-number /
 *   NaN / negative / huge `duration`, deep nesting) and `scriptTagToDataMessage`.
 *   Allowed: `ERR_FLV_*`.
 */
import { amf0 } from '../../src/amf/index.js';
import type { ProtocolCode } from '../../src/error-codes.js';
import { RTMPError, RTMPProtocolError } from '../../src/errors.js';
import { FlvDemuxer, type FlvDemuxerOptions, type FlvTag } from '../../src/flv/demuxer.js';
import { isKeyframe, isSequenceHeader, parseMediaPayload } from '../../src/flv/media.js';
import { parseOnMetaData } from '../../src/flv/metadata.js';
import { FlvMuxer } from '../../src/flv/muxer.js';
import { findResumePointIn } from '../../src/flv/resume.js';
import { firstScriptName, parseScriptTag, scriptTagToDataMessage } from '../../src/flv/script.js';
import { buildAggregate } from '../../src/message/aggregate.js';
import { type FuzzTarget, rng } from './engine.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function allowed(err: unknown): boolean {
  return err instanceof RTMPError && err.code.startsWith('ERR_FLV_');
}

const META =
  '02000A 6F6E4D65746144617461 08 00000002 0008 6475726174696F6E 00 4024000000000000 0005 7769647468 00 4084000000000000 000009';
const HEADER = '464C5601 05 00000009 00000000';
const TAGS = [
  `12 00002F 000000 00 000000 ${META} 0000003A`,
  '09 000005 000000 00 000000 1700000000 00000010',
  '08 000004 000000 00 000000 AF001210 0000000F',
  '09 000009 000021 00 000000 2701000043 AABBCCDD 00000014',
  '08 000003 FFFFFF FF 000000 AF0102 0000000E',
  '09 00000A 000042 80 000000 96 01 61763031 01 1200 0A 00000015',
  '08 000000 000050 00 000000 0000000B',
].join(' ');

// ------------------------------------------------------------------ flv-demuxer

type Outcome = { tags: string[]; error: string | undefined };

function demuxOutcome(stream: Buffer, cuts: number[], opts: FlvDemuxerOptions): Outcome {
  const d = new FlvDemuxer(opts);
  const tags: FlvTag[] = [];
  let error: string | undefined;
  try {
    let at = 0;
    for (const c of [...cuts, stream.length]) {
      tags.push(...d.push(stream.subarray(at, c)));
      at = c;
    }
    d.end();
  } catch (err) {
    if (!allowed(err)) throw err;
    error = (err as RTMPError).code;
  }
  for (const t of tags) {
    if (t.type === 8 || t.type === 9) {
      try {
        parseMediaPayload(t.type, t.payload);
      } catch (err) {
        if (!allowed(err)) throw err;
      }
      isKeyframe(t.type, t.payload);
      isSequenceHeader(t.type, t.payload);
    } else if (t.type === 18) {
      firstScriptName(t.payload);
    }
  }
  return {
    tags: tags.map(
      (t) => `${t.type}/${t.timestamp}/${t.streamId}/${t.filter}/${t.offset}/${t.payload.toString('hex')}`,
    ),
    error,
  };
}

const demuxer: FuzzTarget = {
  name: 'flv-demuxer',
  maxLength: 512,
  seeds: [
    hex(`00 01 ${HEADER} ${TAGS}`),
    hex(`00 07 ${TAGS}`),
    hex(`01 03 ${HEADER} ${TAGS}`),
    hex(`06 05 ${TAGS}`),
    hex(`08 09 464C5601 05 0000000C AABBCC 00000000 ${TAGS}`),
    hex(`00 02 ${HEADER} 09 FFFFFF 000000 00 000000 17 01`),
  ],
  run(input) {
    if (input.length < 2) return;
    const o = input[0]!;
    const opts: FlvDemuxerOptions = {
      strict: (o & 1) !== 0,
      zeroCopy: (o & 2) === 0,
      header: (['auto', 'required', 'none', 'auto'] as const)[(o >> 2) & 3],
      preallocateLimit: o & 16 ? 8 : 65536,
      maxTagSize: o & 32 ? 64 : undefined,
    };
    const stream = input.subarray(2);
    const whole = demuxOutcome(stream, [], opts);
    const next = rng(input[1]! * 7919 + stream.length);
    const cuts: number[] = [];
    for (let at = 0; at < stream.length; ) {
      at += 1 + (next() % 24);
      if (at < stream.length) cuts.push(at);
    }
    const split = demuxOutcome(stream, cuts, opts);
    if (JSON.stringify(whole) !== JSON.stringify(split)) {
      throw new Error(
        `split changed the result:\nwhole ${JSON.stringify(whole)}\nsplit ${JSON.stringify(split)}`,
      );
    }
    // A cut-off stream is the usual result of a mutation and was compared above; report the rest.
    if (whole.error && whole.error !== 'ERR_FLV_TRUNCATED')
      throw new RTMPProtocolError(`demux: ${whole.error}`, { code: whole.error as ProtocolCode });
  },
  allowed,
};

// ------------------------------------------------------------------ flv-media

const media: FuzzTarget = {
  name: 'flv-media',
  maxLength: 256,
  seeds: [
    hex('09 17 00 000000 0164001F FFE1'),
    hex('09 27 01 FFFFDE AA'),
    hex('09 1C 01 000010 AA'),
    hex('09 57 01'),
    hex('09 91 68766331 000021 00000002 4001'),
    hex('09 90 68766331 01 01 60 00000000'),
    hex('09 A3 68766331 00000003 260101'),
    hex(`09 D4 68766331 ${amf0.encode('colorInfo', { colorConfig: { bitDepth: 10 } }).toString('hex')}`),
    hex('09 96 01 61763031 01 12000A0B'),
    hex('09 96 11 68766331 01 000005 000010 AABB 02 000004 FFFFFF CC'),
    hex('09 96 20 61763031 00 000002 0A0B 68766331 01 000003 01 02 03'),
    hex('09 97 02 0001F4 01 68766331 000000 AA'),
    hex('09 97 FF 0004 0000000000 17 02 0F4240 06 01 61763031 03 AA'),
    hex('09 D1 00'),
    hex('08 AF 00 1210'),
    hex('08 90 4F707573 4F707573486561640102'),
    hex('08 95 01 6D703461 01 2110'),
    hex('08 95 21 6D703461 00 000001 AA 4F707573 02 000002 BBCC'),
    hex('08 94 4F707573 02 03 00 01 03'),
    hex('08 94 4F707573 01 06 0000003F'),
    hex('08 97 02 0003E8 01 4F707573 AA'),
    hex('08'),
  ],
  run(input) {
    if (input.length < 1) return;
    const type = input[0]! & 1 ? 9 : 8;
    const payload = input.subarray(1);
    isKeyframe(type, payload);
    isSequenceHeader(type, payload);
    const packets = parseMediaPayload(type, payload);
    for (const p of packets) {
      if (p.data.buffer !== payload.buffer) throw new Error('packet data is not a view of the payload');
      if (p.kind === 'video' && p.metadata) parseOnMetaData(p.metadata.colorInfo ?? null);
    }
  },
  allowed,
};

// ------------------------------------------------------------------ flv-muxer

const REC1 = '08 000003 0003E8 00 000000 AF0102 0000000E';
const REC2 = '09 000005 000409 00 000000 1701000000 00000010';
const REC3 = `12 00002F 00042A 00 000000 ${META} 0000003A`;
const MUX_TYPES = [8, 9, 18, 15, 22, 22, 22, 20] as const;

const muxer: FuzzTarget = {
  name: 'flv-muxer',
  maxLength: 512,
  seeds: [
    hex(`04 00001388 ${REC1} ${REC2} ${REC3}`),
    hex(`05 FFFFFFF0 ${REC1} ${REC2.replace('00000010', '00000099')} ${REC3.slice(0, -9)}`),
    hex(`06 00000000 ${REC1} 09 0000FF 000000 00 000000 17`),
    hex(
      `04 80000000 ${buildAggregate([
        { type: 9, timestamp: 50, payload: hex('1701000000AA') },
        { type: 8, timestamp: 10, payload: hex('AF01') },
      ]).payload.toString('hex')}`,
    ),
    hex('00 00000000 AF'),
    hex('01 00000010 1702000000'),
    hex(`02 00000000 ${META}`),
    hex(`0A 00000000 00 ${META}`),
    hex(`0B 00000000 ${META.slice(0, 40)}`),
  ],
  run(input) {
    if (input.length < 5) return;
    const type = MUX_TYPES[input[0]! & 7]!;
    const m = new FlvMuxer({
      scriptData: input[0]! & 8 ? 'all' : 'onMetaData',
      timestampOffset: input[0]! & 16 ? 0xfffffff0 : 0,
      live: (input[0]! & 32) !== 0,
    });
    const out = m.push({ type, timestamp: input.readUInt32BE(1), payload: input.subarray(5) });
    out.push(...m.end());
    // FlvMuxer output is always a well-formed FLV stream: every tag and PreviousTagSize where
    // it belongs. (Not `strict`: aggregate record header bytes are copied as librtmp copies
    // them, reserved bits included.)
    const d = new FlvDemuxer({ header: 'required' });
    const tags = d.push(Buffer.concat(out));
    d.end();
    if (tags.length !== m.stats.tags || d.stats.previousTagSizeMismatches !== 0) {
      throw new Error(
        `muxer wrote ${m.stats.tags} tags, demuxer read ${tags.length} (${JSON.stringify(d.stats)})`,
      );
    }
  },
  allowed: () => false,
};

// ------------------------------------------------------------------ flv-script

const script: FuzzTarget = {
  name: 'flv-script',
  maxLength: 512,
  seeds: [
    hex(META),
    hex(`02000D 40736574446174614672616D65 ${META}`),
    amf0.encode('onMetaData', { duration: Number.NaN, width: -1, height: 1e308, videocodecid: 'avc1' }),
    amf0.encode('onMetaData', {
      videocodecid: 1635135537,
      audiocodecid: 1332770163,
      keyframes: { times: [0, 1] },
    }),
    amf0.encode('onMetaData', {
      videoTrackIdInfoMap: { 1: { width: 1920, videocodecid: 1752589105 } },
      audioTrackIdInfoMap: { 1: { channels: 6 } },
    }),
    hex('0C 0000000A 6F6E4D65746144617461 03 0000 09'),
    hex(`02000A 6F6E4D65746144617461 ${'03 0001 61 '.repeat(40)}`),
  ],
  run(input) {
    firstScriptName(input);
    scriptTagToDataMessage(input);
    scriptTagToDataMessage(input, { setDataFrame: 'all' });
    const s = parseScriptTag(input, { maxDepth: 64 });
    parseOnMetaData(s.values);
    if (s.values.length > 0) parseOnMetaData(s.values[s.values.length - 1]);
  },
  allowed,
};

// ------------------------------------------------------------------ flv-resume

const resume: FuzzTarget = {
  name: 'flv-resume',
  maxLength: 512,
  seeds: [
    hex(`00 ${HEADER} ${TAGS}`),
    hex(`01 ${HEADER} ${TAGS} 09 000007 0007D0 00 000000 17010000001122 00000012`),
    hex(`00 464C5601 04 00000009 00000000 08 000003 000000 00 000000 AF0102 0000000E`),
    hex(`02 ${HEADER} ${TAGS.slice(0, -20)}`),
  ],
  run(input) {
    if (input.length < 1) return;
    const file = input.subarray(1);
    const point = findResumePointIn(file, { skipKeyframes: input[0]! & 3 });
    if (point.kind !== 'resume') return;
    let tags: FlvTag[] = [];
    const d = new FlvDemuxer();
    try {
      tags = d.push(file);
    } catch (err) {
      if (!allowed(err)) throw err;
    }
    const m = new FlvMuxer({ resume: point, live: (input[0]! & 4) !== 0 });
    for (const t of tags) m.push({ type: t.type, timestamp: t.timestamp - point.seek, payload: t.payload });
    m.end();
  },
  allowed,
};

/** Every FLV fuzz target. */
export const targets: FuzzTarget[] = [demuxer, media, muxer, resume, script];
