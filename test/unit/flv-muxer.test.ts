/**
 * FlvMuxer: RTMP messages → FLV bytes as librtmp's RTMP_Read (Read_1_Packet) writes
 * them. Golden hex for every message type, SI32 timestamps,
 * resume offset, the small-packet and data-message filters, aggregates rewritten into
 * rebased tags (incl. the tolerated and the deliberately-different malformed cases), and
 * the header pre-read decision of `push`/`end`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { amf0 } from '../../src/amf/index.js';
import { RTMPUsageError } from '../../src/errors.js';
import { demuxFlv } from '../../src/flv/demuxer.js';
import { FlvMuxer, type FlvMuxerOptions, type FlvMuxInput } from '../../src/flv/muxer.js';
import { allocPayload } from '../../src/util/payload-pool.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const HEX = (bufs: Buffer[]) => Buffer.concat(bufs).toString('hex').toUpperCase();
const norm = (s: string) => s.replace(/\s+/g, '').toUpperCase();
const msg = (type: number, timestamp: number, payloadHex: string): FlvMuxInput => ({
  type,
  timestamp,
  payload: hex(payloadHex),
});
const write = (m: FlvMuxInput, opts?: FlvMuxerOptions) => HEX(new FlvMuxer(opts).writeMessage(m));

const META = '02000A 6F6E4D65746144617461 08 00000001 0008 6475726174696F6E 00 4024000000000000 000009'; // 40 bytes
const META_AV =
  '02000a6f6e4d65746144617461080000000300086475726174696f6e004024000000000000000c766964656f636f646563696400401c000000000000000c617564696f636f6465636964004024000000000000000009';

test('header(): 13 bytes, flags from audio/video', () => {
  const m = new FlvMuxer();
  assert.deepEqual(m.header({ audio: true, video: true }), hex('464C5601 05 00000009 00000000'));
  assert.deepEqual(m.header({ audio: false, video: true }), hex('464C5601 01 00000009 00000000'));
});

test('audio / video / onMetaData golden tags; payload is the same Buffer (no copy)', () => {
  assert.equal(write(msg(8, 1000, 'AF0102')), norm('08 000003 0003E8 00 000000 AF0102 0000000E'));
  assert.equal(
    write(msg(9, 0x12345678, '270100002AFF')),
    norm('09 000006 345678 12 000000 270100002AFF 00000011'),
  );
  assert.equal(write(msg(18, 0, META)), norm(`12 000028 000000 00 000000 ${META} 00000033`));
  const m = { type: 9, timestamp: 0, payload: hex('1701000000AA'), streamId: 1, csid: 6 };
  const out = new FlvMuxer().writeMessage(m);
  assert.equal(out.length, 3);
  assert.equal(out[1], m.payload);
  assert.equal(out[0]!.length, 11);
  assert.equal(out[2]!.length, 4);
});

test('SI32 timestamps: > 0xFFFFFF, ≥ 0x80000000, 0xFFFFFFFF; resume offset adds mod 2^32', () => {
  assert.equal(write(msg(8, 0x1000000, 'AF01')), norm('08 000002 000000 01 000000 AF01 0000000D'));
  assert.equal(write(msg(8, 0x80000000, 'AF01')), norm('08 000002 000000 80 000000 AF01 0000000D'));
  assert.equal(write(msg(8, 0xffffffff, 'AF01')), norm('08 000002 FFFFFF FF 000000 AF01 0000000D'));
  assert.equal(
    write(msg(8, 1, 'AF01'), { timestampOffset: 0xffffff }),
    norm('08 000002 000000 01 000000 AF01 0000000D'),
  );
  assert.equal(
    write(msg(8, 2, 'AF01'), { timestampOffset: 0xffffffff }),
    norm('08 000002 000001 00 000000 AF01 0000000D'),
  );
});

test('playStart: added when the server restamped the play from 0, not when it kept the file timestamps', () => {
  // What a server sends for play(start = 5000): metadata, the sequence headers, then the
  // media — from 0 (FMS, rtmpkit's server) or with the file's own timestamps (nginx-rtmp).
  const stamps = (first: number) => {
    const m = new FlvMuxer({ playStart: 5000 });
    const sent: FlvMuxInput[] = [
      msg(18, 0, META),
      msg(9, 0, '1700000000 0164'),
      msg(8, 0, 'AF00 1210'),
      msg(9, first, '1701000000 AA'),
      msg(8, first + 23, 'AF01 BB'),
      msg(9, first + 40, '2701000000 CC'),
    ];
    return demuxFlv(
      Buffer.concat([m.header({ audio: true, video: true }), ...sent.flatMap((x) => m.writeMessage(x))]),
    ).map((t) => t.timestamp);
  };
  // Restamped: everything gets the start, as rtmpdump writes it.
  assert.deepEqual(stamps(0), [5000, 5000, 5000, 5000, 5023, 5040]);
  // File timestamps (the keyframe at 6 s after the start asked for): the media keep theirs;
  // what came before the first media message got the start.
  assert.deepEqual(stamps(6000), [5000, 5000, 5000, 6000, 6023, 6040]);
  assert.throws(() => new FlvMuxer({ playStart: -1 }), RTMPUsageError);
  assert.throws(() => new FlvMuxer({ playStart: 1.5 }), RTMPUsageError);
});

test('librtmp drops video ≤ 5 bytes and audio ≤ 1 byte; dropSmallMedia:false keeps them', () => {
  const m = new FlvMuxer();
  assert.deepEqual(m.writeMessage(msg(9, 40, '1702000000')), []); // AVC end of sequence
  assert.deepEqual(m.writeMessage(msg(9, 40, '8268766331')), []); // E-RTMP SequenceEnd hvc1
  assert.deepEqual(m.writeMessage(msg(8, 40, 'AF')), []);
  assert.deepEqual(m.writeMessage(msg(8, 40, '')), []); // E-RTMP silence
  assert.equal(m.stats.droppedSmall, 4);
  assert.equal(m.writeMessage(msg(9, 40, '170100000A')).length, 0);
  assert.equal(m.writeMessage(msg(9, 40, '170100000AAA')).length, 3);
  assert.equal(m.writeMessage(msg(8, 40, 'AF01')).length, 3);
  const keep = { dropSmallMedia: false };
  assert.equal(write(msg(8, 40, ''), keep), norm('08 000000 000028 00 000000 0000000B'));
  assert.equal(write(msg(9, 40, '1702000000'), keep), norm('09 000005 000028 00 000000 1702000000 00000010'));
});

test('data messages: only a decodable onMetaData is written (librtmp HandleMetadata); scriptData:"all" writes all', () => {
  const sample = '0200117C52746D7053616D706C6541636365737301000100'; // |RtmpSampleAccess false false
  const setDataFrame = `02000D40736574446174614672616D65 ${META}`;
  const broken = '02000A 6F6E4D65746144617461 08 00000001 0008 647572'; // truncated ECMA array
  const cue = '02000A6F6E437565506F696E74 05'; // onCuePoint
  const m = new FlvMuxer();
  for (const p of [sample, setDataFrame, broken, cue, '05', ''])
    assert.deepEqual(m.writeMessage(msg(18, 0, p)), []);
  assert.equal(m.stats.droppedData, 6);
  assert.equal(m.writeMessage(msg(18, 0, META)).length, 3);
  const all = new FlvMuxer({ scriptData: 'all' });
  for (const p of [sample, setDataFrame, broken, cue]) {
    assert.equal(HEX(all.writeMessage(msg(18, 7, p))).slice(22, -8), norm(p));
  }
});

test('AMF3 data (15): dropped like librtmp; with scriptData:"all" a script tag 18 without the format byte', () => {
  const body = '02000A6F6E4D65746144617461 05';
  assert.equal(write(msg(15, 0, `00 ${body}`)), '');
  assert.equal(
    write(msg(15, 0, `00 ${body}`), { scriptData: 'all' }),
    norm(`12 00000E 000000 00 000000 ${body} 00000019`),
  );
  assert.equal(write(msg(15, 0, `01 ${body}`), { scriptData: 'all' }), ''); // not a format-0 body
});

test('non-media messages write nothing', () => {
  const m = new FlvMuxer();
  for (const t of [1, 2, 3, 4, 5, 6, 16, 17, 19, 20, 7, 0, 255])
    assert.deepEqual(m.writeMessage(msg(t, 0, '00000001')), []);
  assert.equal(m.stats.ignored, 13);
});

// Aggregate records in FLV tag layout (RTMP-SPEC §7.1.6 as FMS, FFmpeg and librtmp write it)
const REC1 = '08 000003 0003E8 00 000000 AF0102 0000000E'; // audio, 1000 ms
const REC2 = '09 000005 000409 00 000000 1701000000 00000010'; // video, 1033 ms (5 bytes: kept inside aggregates)
const REC3 = '08 000002 00042A 00 000000 AF01 0000000D'; // audio, 1066 ms

test('aggregate: 3 records rewritten into tags rebased to the message timestamp (librtmp delta)', () => {
  const out = new FlvMuxer().writeMessage(msg(22, 5000, `${REC1} ${REC2} ${REC3}`));
  assert.equal(out.length, 9);
  assert.equal(
    HEX(out),
    norm(
      `08 000003 001388 00 000000 AF0102 0000000E
       09 000005 0013A9 00 000000 1701000000 00000010
       08 000002 0013CA 00 000000 AF01 0000000D`,
    ),
  );
  // payloads are views into the aggregate body
  const agg = msg(22, 5000, `${REC1} ${REC2} ${REC3}`);
  const views = new FlvMuxer().writeMessage(agg);
  assert.equal(views[1]!.buffer, agg.payload.buffer);
  // delta 0: the bytes are the aggregate body itself
  assert.equal(write(msg(22, 1000, `${REC1} ${REC2} ${REC3}`)), norm(`${REC1} ${REC2} ${REC3}`));
  // resume offset joins the delta (librtmp: packet ts − first ts + nResumeTS)
  assert.equal(
    write(msg(22, 1000, `${REC1}`), { timestampOffset: 0x1000000 }),
    norm('08 000003 0003E8 01 000000 AF0102 0000000E'),
  );
  // rebasing across 2^31 and 2^32
  assert.equal(
    write(msg(22, 0x80000010, `${REC1} ${REC2}`)),
    norm(`08 000003 000010 80 000000 AF0102 0000000E 09 000005 000031 80 000000 1701000000 00000010`),
  );
  assert.equal(write(msg(22, 0xffffffff, `${REC1} ${REC2}`)).slice(8, 16), 'FFFFFFFF');
  assert.equal(write(msg(22, 0xffffffff, `${REC1} ${REC2}`)).slice(44, 52), norm('000020 00'));
});

test('aggregate: record header bytes kept as librtmp copies them (stream id, filter bit)', () => {
  assert.equal(
    write(msg(22, 0, '28 000001 000000 00 ABCDEF 00 0000000C')),
    norm('28 000001 000000 00 ABCDEF 00 0000000C'),
  );
});

test('aggregate: wrong back pointers rewritten, a missing final one appended (librtmp)', () => {
  const m = new FlvMuxer();
  const out = HEX(
    m.writeMessage(msg(22, 1000, `${REC1.replace('0000000E', '00000099')} ${REC3.slice(0, -8)}`)),
  );
  assert.equal(out, norm(`${REC1} ${REC3}`));
  assert.equal(m.stats.rewrittenBackPointers, 2);
  // a partial final back pointer (2 of 4 bytes) is replaced by a correct one
  assert.equal(write(msg(22, 1066, `${REC3.slice(0, -4)}`)), norm(REC3));
});

test('aggregate with frame room: a missing final back pointer is written in the room after the body', () => {
  const records = hex(`${REC1} ${REC3.slice(0, -8)}`);
  const body = allocPayload(records.length, true); // as the chunk reader makes it
  body.set(records);
  const out = new FlvMuxer().writeMessage({ type: 22, timestamp: 1000, payload: body });
  assert.equal(HEX(out), norm(`${REC1} ${REC3}`));
  const last = out.at(-1)!;
  assert.equal(last.buffer, body.buffer, 'the last record is a view of the body, not a copy');
  assert.equal(last.byteOffset, body.byteOffset + hex(REC1).length);
  assert.equal(last.length, hex(REC3).length, 'its back pointer is in the room after the body');
});

test('aggregate: an overrunning record and trailing garbage are dropped (librtmp writes them — corrupt)', () => {
  const m = new FlvMuxer();
  assert.equal(HEX(m.writeMessage(msg(22, 1000, `${REC1} 09 0000FF 000000 00 000000 17`))), norm(REC1));
  assert.equal(HEX(m.writeMessage(msg(22, 1000, `${REC1} 0102030405`))), norm(REC1));
  assert.equal(m.stats.truncatedAggregates, 2);
  assert.deepEqual(m.writeMessage(msg(22, 1000, '')), []);
  assert.deepEqual(m.writeMessage(msg(22, 1000, '0102')), []);
});

test('writeTag writes any tag raw; muxer output demuxes back', () => {
  const m = new FlvMuxer();
  const t = m.writeTag({ type: 15, timestamp: -1, payload: hex('00 05'), streamId: 5, filter: true });
  assert.equal(HEX(t), norm('2F 000002 FFFFFF FF 000005 0005 0000000D'));
  const stream = Buffer.concat([
    m.header({ audio: true, video: true }),
    ...m.writeMessage(msg(18, 0, META)),
    ...m.writeMessage(msg(9, 0x80000000, '1701000000AA')),
    ...m.writeMessage(msg(22, 5000, `${REC1} ${REC2}`)),
  ]);
  const tags = demuxFlv(stream, { strict: true });
  assert.deepEqual(
    tags.map((x) => [x.type, x.timestamp, x.payload.toString('hex')]),
    [
      [18, 0, norm(META).toLowerCase()],
      [9, 0x80000000, '1701000000aa'],
      [8, 5000, 'af0102'],
      [9, 5033, '1701000000'],
    ],
  );
  assert.throws(
    () => m.writeTag({ type: 9, timestamp: 0, payload: Buffer.alloc(0x1000000) }),
    (e: unknown) => e instanceof RTMPUsageError,
  );
});

// ---- push(): RTMP_Read's header pre-read ----

const V_SEQ = '1700000000 0142C01E'; // AVC sequence header (9 bytes)
const A_SEQ = 'AF00 1210'; // AAC sequence header
const pushAll = (m: FlvMuxer, msgs: FlvMuxInput[]) => msgs.map((x) => HEX(m.push(x)));

test('push: onMetaData naming video* and audio* decides the header at once (flags 05)', () => {
  const m = new FlvMuxer();
  const [first, ...rest] = pushAll(m, [msg(18, 0, META_AV), msg(9, 0, V_SEQ)]);
  assert.ok(first!.startsWith(norm('464C5601 05 00000009 00000000 12 000056 000000')));
  assert.equal(rest[0], norm(`09 000009 000000 00 000000 ${V_SEQ} 00000014`));
  assert.equal(m.probing, false);
});

test('push: held until both audio and video were seen (flags 05), sequence headers at ts 0', () => {
  const m = new FlvMuxer();
  const out = pushAll(m, [msg(18, 0, META), msg(9, 0, V_SEQ), msg(8, 0, A_SEQ), msg(9, 0, '1701000000AA')]);
  assert.equal(out[0], '');
  assert.equal(out[1], '');
  assert.equal(
    out[2],
    norm(`464C5601 05 00000009 00000000
          12 000028 000000 00 000000 ${META} 00000033
          09 000009 000000 00 000000 ${V_SEQ} 00000014
          08 000004 000000 00 000000 ${A_SEQ} 0000000F`),
  );
  assert.equal(out[3], norm('09 000006 000000 00 000000 1701000000AA 00000011'));
});

test('push: audio-only — decided by the first written non-zero timestamp (flags 04)', () => {
  const m = new FlvMuxer();
  const out = pushAll(m, [msg(8, 0, A_SEQ), msg(8, 0, 'AF01AA'), msg(8, 23, 'AF01BB')]);
  assert.deepEqual(out.slice(0, 2), ['', '']);
  assert.ok(out[2]!.startsWith(norm('464C5601 04 00000009 00000000 08 000004 000000')));
  assert.equal(m.lastTimestamp, 23);
});

test('push: an ignored tiny video still marks video seen (librtmp sets dataType first)', () => {
  const m = new FlvMuxer();
  const out = pushAll(m, [msg(8, 0, A_SEQ), msg(9, 0, '1702000000')]);
  assert.equal(out[0], '');
  assert.equal(out[1], norm(`464C5601 05 00000009 00000000 08 000004 000000 00 000000 ${A_SEQ} 0000000F`));
});

test('push: header buffer overflow (128 KiB) decides with what was seen', () => {
  const m = new FlvMuxer();
  assert.deepEqual(m.push(msg(9, 0, V_SEQ)), []);
  const big = { type: 9, timestamp: 0, payload: Buffer.alloc(131040, 0x27) };
  const out = m.push(big);
  assert.deepEqual(out[0], hex('464C5601 01 00000009 00000000'));
  assert.equal(out.length, 1 + 3 + 3);
  assert.equal(out[5], big.payload);
  // smaller limit
  const s = new FlvMuxer({ headerProbeLimit: 40 });
  assert.deepEqual(s.push(msg(8, 0, A_SEQ)), []); // 19 + 4 <= 27
  assert.equal(s.push(msg(8, 0, A_SEQ)).length, 7); // 19 + 4 > 8: overflow
});

test('push: live streams decide on the message timestamp; resume (writeHeader:false) writes no header', () => {
  // audio aggregate at ts 0 with records rebased to 0 and 66: librtmp's m_read.timestamp is the
  // last record's (66) for VOD but the message's (0) for live
  const vod = new FlvMuxer();
  assert.equal(vod.push(msg(22, 0, `${REC1} ${REC3}`)).length, 7);
  assert.equal(vod.lastTimestamp, 66);
  const live = new FlvMuxer({ live: true });
  assert.deepEqual(live.push(msg(22, 0, `${REC1} ${REC3}`)), []);
  assert.equal(live.lastTimestamp, 0);
  assert.equal(live.end().length, 7);
  const r = new FlvMuxer({ writeHeader: false, timestampOffset: 5000 });
  assert.equal(HEX(r.push(msg(8, 0, 'AF01'))), norm('08 000002 001388 00 000000 AF01 0000000D'));
});

test('end(): a stream that ends while probing still yields the header and held tags (librtmp loses them)', () => {
  const m = new FlvMuxer();
  assert.deepEqual(m.push(msg(8, 0, A_SEQ)), []);
  assert.equal(
    HEX(m.end()),
    norm(`464C5601 04 00000009 00000000 08 000004 000000 00 000000 ${A_SEQ} 0000000F`),
  );
  assert.deepEqual(m.end(), []);
  assert.throws(
    () => m.push(msg(8, 0, A_SEQ)),
    (e: unknown) => e instanceof RTMPUsageError,
  );
  const empty = new FlvMuxer();
  assert.deepEqual(empty.end(), [hex('464C5601 00 00000009 00000000')]);
});

test('options are validated', () => {
  assert.throws(() => new FlvMuxer({ timestampOffset: 2 ** 32 }), { code: 'ERR_FLV_INVALID_ARGUMENT' });
  assert.throws(() => new FlvMuxer({ scriptData: 'some' as never }), { code: 'ERR_FLV_INVALID_ARGUMENT' });
  assert.throws(() => new FlvMuxer({ headerProbeLimit: -1 }), { code: 'ERR_FLV_INVALID_ARGUMENT' });
});

test('onMetaData from amf0.encode round-trips through writeMessage', () => {
  const body = amf0.encode('onMetaData', Object.assign(Object.create(null), { width: 640 }));
  const [tag] = demuxFlv(
    Buffer.concat(new FlvMuxer().writeMessage({ type: 18, timestamp: 0, payload: body })),
    {
      header: 'none',
    },
  );
  assert.deepEqual(tag!.payload, body);
});
