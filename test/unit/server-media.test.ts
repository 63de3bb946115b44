/**
 * Embedded server building blocks, byte-level: media classification (legacy and
 * E-RTMP vectors, truncation at every offset), the FLV index (keyframes, configs,
 * seeks, truncated files), the VOD name rules, the live player's backpressure policy
 * and the GOP cache bound, and the built-in test media's structure.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as amf0 from '../../src/amf/amf0.js';
import type { AmfValue } from '../../src/amf/types.js';
import { isKeyframe, isSequenceHeader } from '../../src/flv/media.js';
import { indexFlv, TagFlag } from '../../src/server/flv-index.js';
import { bufferSource, resolveVodPath, vodName } from '../../src/server/flv-source.js';
import { GopCache } from '../../src/server/gop-cache.js';
import { LiveChannel } from '../../src/server/live-channel.js';
import { type LiveOutput, LivePlayer } from '../../src/server/live-player.js';
import { classifyAudio, classifyMedia, classifyVideo } from '../../src/server/media-kind.js';
import { AAC_SILENT_STEREO_FRAME, makeTestFlv } from '../../src/server/test-media.js';
import type { PublishRequest } from '../../src/server/types.js';
import { flvTags } from './server-harness.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const kind = (k: { config: boolean; keyframe: boolean; key: string }) =>
  `${k.config ? 'config' : k.keyframe ? 'key' : 'frame'}${k.key ? ` ${k.key}` : ''}`;

describe('server: media classification', () => {
  const vectors: [string, 'audio' | 'video', string][] = [
    ['17 00 000000 0142c00c', 'video', 'config v7'],
    ['17 01 000000 00000005 65', 'video', 'key'],
    ['27 01 000000 00000005 41', 'video', 'frame'],
    ['17 02 000000', 'video', 'frame'], // AVC end of sequence
    ['1c 00 000000 01', 'video', 'config v12'], // legacy-id HEVC (FFmpeg/CDN extension)
    ['12 00', 'video', 'key'], // Sorenson H.263 keyframe: no config concept
    ['52 00', 'video', 'frame'], // video info/command frame
    ['90 68766331 01', 'video', 'config vx:hvc1'], // E-RTMP SequenceStart, Key
    ['91 68766331 000000 00', 'video', 'key'], // CodedFrames Key
    ['93 61763031 12', 'video', 'key'], // CodedFramesX (av01 has no CTS; still a keyframe)
    ['a1 68766331 000000', 'video', 'frame'], // Inter CodedFrames
    ['d4 68766331 02', 'video', 'config vx:hvc1:meta'], // Metadata (FFmpeg form, FrameType 5)
    ['84 68766331 02', 'video', 'config vx:hvc1:meta'], // Metadata (OBS form, FrameType 0)
    ['d0 00', 'video', 'frame'], // Command frame: no FourCC
    ['97 02 aabbcc 01 68766331 000000', 'video', 'key'], // ModEx (TimestampOffsetNano) then CodedFrames
    ['97 02 aabbcc 00 68766331 01', 'video', 'config vx:hvc1'], // ModEx then SequenceStart
    ['96 00 61763031 01 81', 'video', 'config vx:mt:av01#1'], // Multitrack OneTrack, SequenceStart, track 1
    // ManyTracks CodedFrames of tracks 1 and 2: GOPs follow track 0, so not a GOP start…
    ['96 11 68766331 01 000004 000000 65 02 000004 000000 41', 'video', 'frame'],
    // …unless track 0 is among them.
    ['96 11 68766331 00 000004 000000 65 02 000004 000000 41', 'video', 'key'],
    ['96 10 68766331 01 000001 00 02 000001 00', 'video', 'config vx:mt:hvc1#1,hvc1#2'],
    ['96 20 68766331 01 000001 00 61763031 02 000001 81', 'video', 'config vx:mt:hvc1#1,av01#2'],
    ['af 00 1210', 'audio', 'config a10'],
    ['af 01 2100', 'audio', 'frame'],
    ['2f ff', 'audio', 'frame'], // MP3
    ['', 'audio', 'frame'], // E-RTMP silence message
    ['90 4f707573', 'audio', 'config ax:Opus'],
    ['91 6d703461 21', 'audio', 'frame'],
    ['94 4f707573 01 02 00000003', 'audio', 'config ax:Opus:mc'],
    ['95 00 6d703461 01 1210', 'audio', 'config ax:mt:mp4a#1'],
    ['97 02 aabbcc 00 6d703461 1210', 'audio', 'config ax:mp4a'],
  ];
  for (const [bytes, type, want] of vectors) {
    it(`${type} ${bytes || '(empty)'} → ${want}`, () => {
      assert.equal(kind(classifyMedia(type, hex(bytes))), want);
    });
  }

  it('agrees with the FLV layer (src/flv isSequenceHeader/isKeyframe) wherever both define the answer', () => {
    for (const [bytes, type] of vectors) {
      const b = hex(bytes);
      const k = classifyMedia(type, b);
      const t = type === 'video' ? 9 : 8;
      // Metadata (colorInfo) and MultichannelConfig are configuration for the relay, not sequence headers.
      if (!k.key.endsWith(':meta') && !k.key.endsWith(':mc')) {
        assert.equal(k.config, isSequenceHeader(t, b), `config of ${bytes}`);
      }
      if (k.keyframe) assert.ok(isKeyframe(t, b), `keyframe ${bytes}`);
    }
  });

  it('is total: every prefix of every vector classifies without throwing', () => {
    for (const [bytes] of vectors) {
      const b = hex(bytes);
      for (let n = 0; n <= b.length; n++) {
        classifyVideo(b.subarray(0, n));
        classifyAudio(b.subarray(0, n));
      }
    }
    // Huge ModEx size fields and long track lists stay in bounds.
    classifyVideo(hex('97 ff ffff'));
    classifyVideo(Buffer.concat([hex('96 10 68766331'), Buffer.alloc(4096, 1)]));
  });
});

describe('server: FLV index', () => {
  it('indexes the test media: tags, keyframes each second, configs, onMetaData, seeks', async () => {
    const file = makeTestFlv(10);
    const tags = flvTags(file);
    const idx = await indexFlv(bufferSource(file));
    assert.equal(idx.count, tags.length);
    assert.ok(idx.hasAudio && idx.hasVideo);
    assert.deepEqual(
      idx.keyframes.map((i) => idx.timestamps[i]),
      [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000],
    );
    assert.deepEqual([...idx.configKeys.values()].sort(), ['8:a10', '9:v7']);
    assert.equal(idx.metadataTag, 0);
    assert.equal((idx.metadata![0] as Record<string, AmfValue>).width, 160);
    assert.equal(idx.durationMs, tags.at(-1)!.timestamp);
    for (let i = 0; i < idx.count; i++) {
      assert.equal(idx.timestamps[i], tags[i]!.timestamp);
      assert.equal(idx.sizes[i], tags[i]!.body.length);
      assert.deepEqual(file.subarray(idx.offsets[i]!, idx.offsets[i]! + idx.sizes[i]!), tags[i]!.body);
    }
    assert.equal(idx.timestamps[idx.startTag(0)], 0);
    assert.equal(idx.startTag(0), 0);
    assert.equal(idx.timestamps[idx.startTag(4999)], 4000);
    assert.equal(idx.timestamps[idx.startTag(5000)], 5000);
    assert.equal(idx.timestamps[idx.startTag(99_999)], 9000);
    assert.ok(idx.flags[idx.startTag(5000)]! & TagFlag.Keyframe);
    assert.deepEqual(idx.configsBefore(idx.startTag(5000)), [1, 2]);
    assert.deepEqual(idx.configsBefore(1), []);
  });

  it('classifies E-RTMP Multitrack tags longer than its peek from their whole body', async () => {
    // ManyTracks (type 1) of hvc1, tracks 0 and 1, each body 2000 bytes: the second
    // track header lies beyond the first 512 bytes of the tag body.
    const tracks = (b0: number, packetType: number, body: (track: number) => Buffer) =>
      Buffer.concat([
        Buffer.from([b0, 0x10 | packetType]),
        hex('68766331'),
        ...[0, 1].flatMap((id) => {
          const b = body(id);
          const size = Buffer.alloc(3);
          size.writeUIntBE(b.length, 0, 3);
          return [Buffer.from([id]), size, b];
        }),
      ]);
    const frame = () => Buffer.concat([hex('000000'), Buffer.alloc(1997, 0x65)]); // CTS + data
    const config = tracks(0x96, 0, (id) => Buffer.alloc(2000, id + 1)); // Key|Multitrack, SequenceStart
    const key = tracks(0x96, 1, frame); // Key|Multitrack, CodedFrames
    const inter = tracks(0xa6, 1, frame); // Inter|Multitrack, CodedFrames
    const tag = (ts: number, body: Buffer) => {
      const h = Buffer.alloc(11);
      h[0] = 9;
      h.writeUIntBE(body.length, 1, 3);
      h.writeUIntBE(ts, 4, 3);
      const prev = Buffer.alloc(4);
      prev.writeUInt32BE(11 + body.length);
      return Buffer.concat([h, body, prev]);
    };
    const file = Buffer.concat([
      hex('464c56 01 01 00000009 00000000'),
      tag(0, config),
      tag(0, key),
      tag(40, inter),
      tag(1000, key),
    ]);
    assert.equal(classifyVideo(config.subarray(0, 512)).config, false, 'a 512-byte prefix does not classify');
    const idx = await indexFlv(bufferSource(file));
    assert.equal(idx.count, 4);
    assert.deepEqual([...idx.configKeys], [[0, '9:vx:mt:hvc1#0,hvc1#1']]);
    assert.deepEqual(idx.keyframes, [1, 3]);
    assert.equal(idx.timestamps[idx.startTag(1500)], 1000);
    assert.deepEqual(idx.configsBefore(3), [0]);
  });

  it('stops at a truncated last tag; rejects a non-FLV with ERR_FLV_BAD_HEADER', async () => {
    const file = makeTestFlv(1);
    const n = flvTags(file).length;
    const idx = await indexFlv(bufferSource(file.subarray(0, file.length - 10)));
    assert.equal(idx.count, n - 1);
    await assert.rejects(indexFlv(bufferSource(Buffer.from('nope, not flv'))), {
      code: 'ERR_FLV_BAD_HEADER',
    });
    await assert.rejects(indexFlv(bufferSource(hex('464c56 01 05 00000003'))), {
      code: 'ERR_FLV_BAD_HEADER',
    });
    const empty = await indexFlv(bufferSource(hex('464c56 01 05 00000009 00000000')));
    assert.equal(empty.count, 0);
    assert.equal(empty.startTag(1000), 0);
  });
});

describe('server: VOD names', () => {
  it('accepts plain and nested names, strips flv: and .flv; refuses anything that could escape', () => {
    assert.equal(vodName('short'), 'short');
    assert.equal(vodName('short.flv'), 'short');
    assert.equal(vodName('flv:dir/short.FLV'), 'dir/short');
    for (const bad of [
      '',
      '..',
      '../x',
      'a/../../x',
      '/etc/passwd',
      '\\\\srv\\x',
      'a\\b',
      'C:x',
      'a//b',
      './a',
      'a/',
      'x\u0000',
    ]) {
      assert.equal(vodName(bad), undefined, JSON.stringify(bad));
    }
    assert.equal(resolveVodPath('/srv/media', 'a/b'), '/srv/media/a/b.flv');
    assert.equal(resolveVodPath('/srv/media', '../x'), undefined);
  });
});

describe('server: live backpressure policy', () => {
  function fakeOutput() {
    const sent: string[] = [];
    let backlog = 0;
    const out: LiveOutput = {
      streamId: 1,
      backlog: () => backlog,
      media: (type, ts) => sent.push(`${type[0]}${ts}`),
      data: (v, ts) => sent.push(`d${ts}:${String(v[0])}`),
      status: (i) => sent.push(`s:${i.code}`),
    };
    return { out, sent, setBacklog: (n: number) => (backlog = n) };
  }
  const key = classifyVideo(hex('17 01 000000'));
  const inter = classifyVideo(hex('27 01 000000'));
  const vcfg = classifyVideo(hex('17 00 000000'));
  const aud = classifyAudio(hex('af 01'));
  const B = Buffer.alloc(0);

  it('waits for a keyframe first; over the mark drops video to the next keyframe; configs never dropped', () => {
    const o = fakeOutput();
    const p = new LivePlayer(o.out, 1000);
    p.media('video', 0, B, inter); // no keyframe yet: dropped
    p.media('video', 10, B, key);
    p.media('video', 20, B, inter);
    o.setBacklog(1001);
    p.media('video', 30, B, inter); // congested: dropped
    p.media('audio', 30, B, aud); // audio still flows up to 4× the mark
    p.media('video', 40, B, vcfg); // config: never dropped
    p.data(['onMetaData'], 40);
    o.setBacklog(0);
    p.media('video', 50, B, inter); // recovered, but waits for a keyframe
    p.media('video', 60, B, key);
    p.media('video', 70, B, inter);
    o.setBacklog(4001);
    p.media('audio', 80, B, aud); // above 4×: audio dropped too
    p.media('video', 80, B, key); // and video (even keyframes)
    assert.deepEqual(o.sent, ['v10', 'v20', 'a30', 'v40', 'd40:onMetaData', 'v60', 'v70']);
    assert.deepEqual(p.stats, { sentMessages: 7, droppedVideo: 4, droppedAudio: 1 });
  });

  it('pause and receiveAudio/receiveVideo(false) stop sends', () => {
    const o = fakeOutput();
    const p = new LivePlayer(o.out, 1000);
    p.waitKeyframe = false;
    p.receiveAudio = false;
    p.media('audio', 0, B, aud);
    p.media('video', 0, B, inter);
    p.paused = true;
    p.media('video', 10, B, key);
    p.data(['x'], 10);
    assert.deepEqual(o.sent, ['v0']);
  });

  it('the GOP cache starts at a keyframe and drops a GOP that outgrows its cap', () => {
    const g = new GopCache(100);
    const m = (n: number, ts: number) => ({
      type: 'video' as const,
      timestamp: ts,
      payload: Buffer.alloc(n),
    });
    g.add(m(10, 0), false);
    assert.equal(g.items.length, 0, 'nothing before the first keyframe');
    g.add(m(40, 10), true);
    g.add(m(40, 20), false);
    assert.deepEqual(
      g.items.map((i) => i.timestamp),
      [10, 20],
    );
    g.add(m(40, 30), false); // 120 > 100
    assert.equal(g.items.length, 0);
    assert.equal(g.bytes, 0);
    g.add(m(10, 40), false);
    assert.equal(g.items.length, 0, 'waits for the next keyframe');
    g.add(m(10, 50), true);
    assert.deepEqual(
      g.items.map((i) => i.timestamp),
      [50],
    );
    const off = new GopCache(0);
    off.add(m(1, 0), true);
    assert.equal(off.items.length, 0);
  });
});

describe('server: live channel state', () => {
  it('a late joiner gets onMetaData, every codec/track configuration (legacy + E-RTMP) and the GOP', () => {
    const ch = new LiveChannel('live', 'x', 1 << 20);
    const pub = { request: {} as PublishRequest };
    assert.ok(ch.publish(pub));
    assert.equal(ch.publish({ request: {} as PublishRequest }), false, 'one publisher per name');
    ch.data('onMetaData', [{ width: 1 }], 0);
    const hvcc = hex('90 68766331 01aa');
    const av1Track1 = hex('96 00 61763031 01 81bb');
    const aac = hex('af 00 1210');
    const color = hex('d4 68766331 02 0009 636f6c6f72496e666f 03 000009');
    for (const [type, p] of [
      ['video', hvcc],
      ['video', av1Track1],
      ['audio', aac],
      ['video', color],
    ] as const) {
      ch.media(type, 0, p);
    }
    ch.media('video', 100, hex('91 68766331 000000 11')); // keyframe
    ch.media('audio', 110, hex('af 01 22'));
    ch.media('video', 133, hex('a1 68766331 000000 33'));
    ch.media('video', 200, hex('90 68766331 01cc')); // new hvcC replaces the old one
    const sent: string[] = [];
    const out: LiveOutput = {
      streamId: 1,
      backlog: () => 0,
      media: (type, ts, payload) => sent.push(`${type[0]}${ts}:${payload.toString('hex')}`),
      data: (v, ts) => sent.push(`d${ts}:${String(v[0])}`),
      status: (i) => sent.push(`s:${String(i.code)}`),
    };
    ch.addPlayer(new LivePlayer(out, 1000));
    assert.deepEqual(sent, [
      'd100:onMetaData',
      'v100:906876633101cc', // the latest hvcC, in its slot
      'v100:9600617630310181bb',
      `v100:${color.toString('hex')}`,
      'a100:af001210',
      'v100:916876633100000011',
      'a110:af0122',
      'v133:a16876633100000033',
    ]);
    ch.unpublish(pub);
    assert.equal(sent.at(-1), 's:NetStream.Play.UnpublishNotify');
    assert.equal(ch.metadata, undefined);
    assert.equal(ch.gopBytes, 0);
    assert.equal(ch.idle, false, 'the player stays');
  });
});

describe('server: test media', () => {
  it('is a valid FLV: header, metadata, AVC + AAC sequence headers, 10 fps video with a keyframe each second', () => {
    const file = makeTestFlv(3);
    assert.deepEqual(file.subarray(0, 13), hex('464c56 01 05 00000009 00000000'));
    const tags = flvTags(file);
    // PreviousTagSize of every tag is 11 + size.
    let pos = 13;
    for (const t of tags) {
      assert.equal(file.readUInt32BE(pos + 11 + t.body.length), 11 + t.body.length);
      pos += 15 + t.body.length;
    }
    assert.equal(pos, file.length);
    const [meta, vcfg, acfg] = tags;
    const values = amf0.decode(meta!.body);
    assert.equal(values[0], 'onMetaData');
    const m = values[1] as Record<string, AmfValue>;
    assert.equal(m.videocodecid, 7);
    assert.equal(m.audiocodecid, 10);
    assert.equal(m.duration, tags.at(-1)!.timestamp / 1000);
    assert.deepEqual(vcfg!.body.subarray(0, 6), hex('17 00 000000 01'));
    assert.deepEqual(acfg!.body, hex('af 00 1210'));
    const video = tags.filter((t) => t.type === 9).slice(1);
    const audio = tags.filter((t) => t.type === 8).slice(1);
    assert.equal(video.length, 30);
    assert.deepEqual(
      video.map((t) => t.timestamp),
      Array.from({ length: 30 }, (_, i) => i * 100),
    );
    assert.deepEqual(
      video.filter((t) => t.body[0] === 0x17).map((t) => t.timestamp),
      [0, 1000, 2000],
    );
    assert.equal(audio.length, Math.ceil((3 * 44100) / 1024));
    for (const a of audio) assert.deepEqual(a.body, Buffer.concat([hex('af 01'), AAC_SILENT_STEREO_FRAME]));
    for (let i = 1; i < tags.length; i++)
      assert.ok(tags[i]!.timestamp >= tags[i - 1]!.timestamp, 'time order');
  });

  it('is deterministic, small, and checks its argument', () => {
    assert.deepEqual(makeTestFlv(2), makeTestFlv(2));
    assert.ok(makeTestFlv(10).length < 100_000);
    assert.equal(makeTestFlv().length, makeTestFlv(10).length);
    for (const bad of [0, -1, 1.5, 3601, Number.NaN])
      assert.throws(() => makeTestFlv(bad), { code: 'ERR_RTMP_USAGE' });
  });

  it('the silent AAC frame is the raw_data_block documented bit by bit', () => {
    const bits = [...AAC_SILENT_STEREO_FRAME].map((b) => b.toString(2).padStart(8, '0')).join('');
    const want = `001 0000 1 ${'0 00 0 000000 0'} 00 ${'00000000 0 0 0 '.repeat(2)}111`.replace(/ /g, '');
    assert.equal(bits.slice(0, want.length), want);
    assert.equal(bits.slice(want.length), '00');
  });
});
