/**
 * ISO-BMFF box headers and sample descriptions, byte by byte: size / largesize / size 0 /
 * uuid headers, every truncation of a header is `ERR_MP4_TRUNCATED`, boxes never claim
 * more than their parent; each codec's sample entry gives its FourCC, configuration record
 * in E-RTMP form (avcC/hvcC/av1C as is, vpcC without its FullBox header, the esds
 * DecoderSpecificInfo, OpusHead rebuilt from dOps, "fLaC" + dfLa blocks) and its size /
 * rate / channels; MPEG audio frame headers give MP3's real channel count.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolCode } from '../../src/error-codes.js';
import { childBoxes, findBox, readBoxHeader } from '../../src/mp4/box.js';
import { decodeLanguage } from '../../src/mp4/moov.js';
import { mpegAudioHeader, parseEsds, parseSampleDescription } from '../../src/mp4/sample-entry.js';
import { errorCode as code } from '../helpers/errors.js';
import {
  audioEntry,
  avc1,
  box,
  cat,
  esds,
  fullbox,
  mp4a,
  str,
  u8,
  u16,
  u24,
  u32,
  visualEntry,
} from '../helpers/mp4-builder.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('readBoxHeader', () => {
  it('reads a 32-bit size, a 64-bit largesize, size 0 (to the end) and uuid', () => {
    assert.deepEqual(readBoxHeader(hex('0000000C 66726565 AABBCCDD'), 0, 12), {
      type: 'free',
      start: 0,
      bodyStart: 8,
      end: 12,
    });
    const large = hex('00000001 6D646174 00000000 00000014 01020304');
    assert.deepEqual(readBoxHeader(large, 0, 20), { type: 'mdat', start: 0, bodyStart: 16, end: 20 });
    assert.deepEqual(readBoxHeader(hex('00 00000000 6D646174 0102'), 1, 11), {
      type: 'mdat',
      start: 1,
      bodyStart: 9,
      end: 11,
    });
    const uuid = cat(u32(28), str('uuid'), Buffer.alloc(16, 7), u32(5));
    assert.deepEqual(readBoxHeader(uuid, 0, 28), { type: 'uuid', start: 0, bodyStart: 24, end: 28 });
  });

  it('is ERR_MP4_TRUNCATED for every cut of the header, and for a box beyond its container', () => {
    const large = hex('00000001 6D646174 00000000 00000014 01020304');
    for (let n = 0; n < 16; n++)
      assert.equal(
        code(() => readBoxHeader(large.subarray(0, n), 0, 20)),
        'ERR_MP4_TRUNCATED',
      );
    const uuid = cat(u32(28), str('uuid'), Buffer.alloc(16, 7), u32(5));
    for (let n = 0; n < 24; n++)
      assert.equal(
        code(() => readBoxHeader(uuid.subarray(0, n), 0, 28)),
        'ERR_MP4_TRUNCATED',
      );
    assert.equal(
      code(() => readBoxHeader(hex('00000010 66726565'), 0, 15)),
      ProtocolCode.MP4_TRUNCATED,
    );
    assert.equal(
      code(() => readBoxHeader(hex('00000010 66726565'), 0, 16)),
      'none',
    );
  });

  it('is ERR_MP4_BAD_BOX for a size below the header and a largesize beyond 2^53', () => {
    assert.equal(
      code(() => readBoxHeader(hex('00000007 66726565'), 0, 100)),
      ProtocolCode.MP4_BAD_BOX,
    );
    assert.equal(
      code(() => readBoxHeader(hex('00000001 6D646174 00000000 0000000F'), 0, 100)),
      'ERR_MP4_BAD_BOX',
    );
    assert.equal(
      code(() => readBoxHeader(hex('00000001 6D646174 00200000 00000000'), 0, 2 ** 53)),
      'ERR_MP4_BAD_BOX',
    );
    assert.equal(
      code(() => readBoxHeader(cat(u32(20), str('uuid'), Buffer.alloc(16)), 0, 100)),
      'ERR_MP4_BAD_BOX',
    );
  });

  it('childBoxes walks a container, ignores a short terminator, rejects an overrun', () => {
    const body = cat(box('a   ', u8(1)), box('b   '), u32(0));
    assert.deepEqual(
      [...childBoxes(body, 0, body.length)].map((b) => [b.type, b.start, b.end]),
      [
        ['a   ', 0, 9],
        ['b   ', 9, 17],
      ],
    );
    assert.equal(findBox(body, 0, body.length, 'b   ')?.start, 9);
    assert.equal(findBox(body, 0, body.length, 'c   '), undefined);
    const over = cat(box('a   ', u8(1)), u32(100), str('b   '));
    assert.equal(
      code(() => [...childBoxes(over, 0, over.length)]),
      'ERR_MP4_TRUNCATED',
    );
  });
});

function stsd(handler: string, entry: Buffer) {
  const b = fullbox('stsd', 0, 0, u32(1), entry);
  return parseSampleDescription(b, readBoxHeader(b, 0, b.length), handler);
}

const AVCC = hex('014d400bffe10018674d400beca1423f2e0220000003002000000641e28532c001000468ce0fc8');

describe('sample descriptions', () => {
  it('video: avc1/avc3, hvc1/hev1, av01, vp09 (vpcC without its FullBox header), vp08', () => {
    for (const [entry, fourcc, codec, cfg] of [
      ['avc1', 'avc1', 'avc', 'avcC'],
      ['avc3', 'avc1', 'avc', 'avcC'],
      ['hvc1', 'hvc1', 'hevc', 'hvcC'],
      ['hev1', 'hvc1', 'hevc', 'hvcC'],
      ['av01', 'av01', 'av1', 'av1C'],
    ] as const) {
      const info = stsd('vide', visualEntry(entry, 1920, 1080, box('pasp', u32(1), u32(1)), box(cfg, AVCC)));
      assert.deepEqual(
        [info.sampleEntry, info.fourcc, info.codec, info.width, info.height, info.config?.toString('hex')],
        [entry, fourcc, codec, 1920, 1080, AVCC.toString('hex')],
      );
    }
    const record = hex('000a820202020000');
    const vp9 = stsd('vide', visualEntry('vp09', 640, 360, fullbox('vpcC', 1, 0, record)));
    assert.deepEqual([vp9.fourcc, vp9.codec, vp9.config], ['vp09', 'vp9', record]);
    const vp8 = stsd('vide', visualEntry('vp08', 64, 48, fullbox('vpcC', 1, 0, record)));
    assert.deepEqual([vp8.fourcc, vp8.codec], ['vp08', 'vp8']);
  });

  it('video without its configuration box, and unknown or encrypted entries', () => {
    const bare = stsd('vide', visualEntry('avc1', 2, 2));
    assert.deepEqual([bare.fourcc, bare.config], ['avc1', undefined]);
    const enc = stsd('vide', visualEntry('encv', 2, 2, box('avcC', AVCC)));
    assert.deepEqual(
      [enc.codec, enc.fourcc, enc.config, enc.sampleEntry],
      ['unknown', undefined, undefined, 'encv'],
    );
    const text = stsd('text', box('tx3g', Buffer.alloc(30)));
    assert.deepEqual([text.codec, text.sampleEntry, text.width], ['unknown', 'tx3g', undefined]);
  });

  it('AAC: esds objectType 0x40 → mp4a with the AudioSpecificConfig, rate and channels from it', () => {
    // AAC LC, 48 kHz (index 3), 1 channel, then an explicit SBR sync extension: as FFmpeg writes it
    const asc = hex('118856e500');
    const info = stsd('soun', mp4a(asc, 2, 44100));
    assert.deepEqual(
      [info.codec, info.fourcc, info.config, info.sampleRate, info.channels],
      ['aac', 'mp4a', asc, 48000, 1],
    );
    // HE-AAC signalled hierarchically (AOT 5): the extension rate is the output rate
    const he = stsd('soun', mp4a(hex('2B 11 88'), 2, 44100)); // AOT 5, 24 kHz core (index 6), 2 ch, ext index 3 (48 kHz)
    assert.deepEqual([he.sampleRate, he.channels], [48000, 2]);
    // MPEG-2 AAC LC object type
    assert.equal(stsd('soun', audioEntry('mp4a', 2, 44100, esds(0x67, hex('1210')))).codec, 'aac');
  });

  it('MP3: esds objectType 0x6B / 0x69 and the .mp3 entry carry no configuration', () => {
    for (const oti of [0x6b, 0x69]) {
      const info = stsd('soun', audioEntry('mp4a', 2, 44100, esds(oti)));
      assert.deepEqual(
        [info.codec, info.fourcc, info.config, info.sampleRate],
        ['mp3', '.mp3', undefined, 44100],
      );
    }
    const dot = stsd('soun', audioEntry('.mp3', 1, 22050));
    assert.deepEqual([dot.codec, dot.fourcc, dot.channels, dot.sampleRate], ['mp3', '.mp3', 1, 22050]);
    const other = stsd('soun', audioEntry('mp4a', 2, 8000, esds(0xe1)));
    assert.deepEqual([other.codec, other.fourcc], ['unknown', undefined]);
  });

  it('parseEsds: descriptor sizes in 1–4 byte forms, optional ES fields, a size beyond the box', () => {
    const dcd = cat(u8(0x40), u8(0x15), u24(0), u32(0), u32(0), u8(0x05), hex('80 80 80 02'), hex('1210'));
    const es = cat(
      u16(1),
      u8(0xe0),
      u16(7),
      u8(3),
      str('abc'),
      u16(9),
      u8(0x04),
      hex('80 80'),
      u8(dcd.length),
      dcd,
    );
    const b = fullbox('esds', 0, 0, u8(0x03), hex('80 80 80'), u8(es.length), es);
    assert.deepEqual(parseEsds(b, readBoxHeader(b, 0, b.length)), {
      objectType: 0x40,
      decoderSpecificInfo: hex('1210'),
    });
    const short = fullbox('esds', 0, 0, u8(0x03), u8(0x40), u16(1));
    assert.equal(
      code(() => parseEsds(short, readBoxHeader(short, 0, short.length))),
      'ERR_MP4_TRUNCATED',
    );
  });

  it('Opus: dOps (big-endian) becomes the OpusHead ID header (RFC 7845 §5.1, little-endian)', () => {
    const dops = box('dOps', hex('00 02 0138 0000BB80 FFFE 00'));
    const info = stsd('soun', audioEntry('Opus', 2, 48000, dops));
    assert.deepEqual([info.codec, info.fourcc, info.sampleRate, info.channels], ['opus', 'Opus', 48000, 2]);
    assert.deepEqual(info.config, hex('4F70757348656164 01 02 3801 80BB0000 FEFF 00'));
    // mapping family 1: stream count, coupled count and the channel mapping follow
    const six = box('dOps', hex('00 06 0138 0000BB80 0000 01 04 02 000405010203'));
    assert.deepEqual(
      stsd('soun', audioEntry('Opus', 6, 48000, six)).config,
      hex('4F70757348656164 01 06 3801 80BB0000 0000 01 04 02 000405010203'),
    );
  });

  it('FLAC: "fLaC" + the dfLa metadata blocks; rate and channels from STREAMINFO', () => {
    const streaminfo = hex('1200 1200 000255 0004ff 0bb800f0 0000bb80 ba53abf56ced381f730b6f85c5f5e43d');
    const blocks = cat(hex('80 000022'), streaminfo);
    const info = stsd('soun', audioEntry('fLaC', 2, 48000, fullbox('dfLa', 0, 0, blocks)));
    assert.deepEqual([info.codec, info.fourcc, info.sampleRate, info.channels], ['flac', 'fLaC', 48000, 1]);
    assert.deepEqual(info.config, cat(str('fLaC'), blocks));
  });

  it('AC-3 / E-AC-3: rate and channels from dac3 / dec3, no configuration record', () => {
    // fscod 0, bsid 8, bsmod 0, acmod 7 (3/2), lfeon 1 → 6 channels
    const ac3 = stsd(
      'soun',
      audioEntry('ac-3', 2, 48000, box('dac3', u24((8 << 17) | (7 << 11) | (1 << 10)))),
    );
    assert.deepEqual(
      [ac3.codec, ac3.fourcc, ac3.config, ac3.sampleRate, ac3.channels],
      ['ac3', 'ac-3', undefined, 48000, 6],
    );
    const mono = stsd('soun', audioEntry('ac-3', 2, 44100, box('dac3', hex('5008c0'))));
    assert.deepEqual([mono.sampleRate, mono.channels], [44100, 1]);
    // dec3: data_rate, 1 substream; fscod 0, acmod 1 (mono) — as FFmpeg writes for mono
    const ec3 = stsd('soun', audioEntry('ec-3', 2, 48000, box('dec3', hex('0300 20 02 00'))));
    assert.deepEqual([ec3.codec, ec3.fourcc, ec3.sampleRate, ec3.channels], ['eac3', 'ec-3', 48000, 1]);
    // acmod 7 + LFE, one dependent substream with chan_loc Lrs/Rrs (bit 7 of 9) → 8 channels
    const ec3x = stsd('soun', audioEntry('ec-3', 2, 48000, box('dec3', hex('0300 20 0F 02 80'))));
    assert.equal(ec3x.channels, 8);
  });

  it('QuickTime sound description versions 1 and 2', () => {
    const v1 = box(
      'mp4a',
      Buffer.alloc(6),
      u16(1),
      u16(1),
      Buffer.alloc(6),
      u16(2),
      u16(16),
      u32(0),
      u32(44100 * 65536),
      Buffer.alloc(16),
      esds(0x40, hex('1210')),
    );
    const i1 = stsd('soun', v1);
    assert.deepEqual([i1.codec, i1.sampleRate, i1.channels], ['aac', 44100, 2]);
    const rate = Buffer.alloc(8);
    rate.writeDoubleBE(96000);
    const v2 = box(
      '.mp3',
      Buffer.alloc(6),
      u16(1),
      u16(2),
      Buffer.alloc(6),
      u16(3),
      u16(16),
      u32(0xfffe0000),
      u32(0x10000),
      u32(72),
      rate,
      u32(6),
      Buffer.alloc(20),
    );
    const i2 = stsd('soun', v2);
    assert.deepEqual([i2.codec, i2.sampleRate, i2.channels], ['mp3', 96000, 6]);
  });

  it('an stsd without entries, and truncated entries, are typed errors', () => {
    const none = fullbox('stsd', 0, 0, u32(0));
    assert.equal(
      code(() => parseSampleDescription(none, readBoxHeader(none, 0, none.length), 'vide')),
      'ERR_MP4_NO_MOVIE',
    );
    const entry = avc1(AVCC);
    for (let n = 8; n < entry.length; n += 7) {
      const cut = cat(u32(n), entry.subarray(4, n));
      const c = code(() => stsd('vide', cut));
      assert.ok(c === 'ERR_MP4_TRUNCATED' || c === 'none', `${n}: ${c}`);
    }
  });

  it('mpegAudioHeader: MPEG-1/2/2.5 rates and the single-channel mode', () => {
    assert.deepEqual(mpegAudioHeader(hex('FFFB 9044')), { sampleRate: 44100, channels: 2 });
    assert.deepEqual(mpegAudioHeader(hex('FFFB 94C4')), { sampleRate: 48000, channels: 1 });
    assert.deepEqual(mpegAudioHeader(hex('FFF3 9044')), { sampleRate: 22050, channels: 2 });
    assert.deepEqual(mpegAudioHeader(hex('FFE3 98C4')), { sampleRate: 8000, channels: 1 });
    assert.equal(mpegAudioHeader(hex('FFFB 9C44')), undefined); // reserved rate index
    assert.equal(mpegAudioHeader(hex('FFF9 9044')), undefined); // reserved layer
    assert.equal(mpegAudioHeader(hex('4944 3304')), undefined); // an ID3 tag, not a frame
    assert.equal(mpegAudioHeader(hex('FFFB')), undefined);
  });

  it('decodeLanguage: packed ISO 639-2/T letters; QuickTime codes are und', () => {
    assert.equal(decodeLanguage(0x15c7), 'eng');
    assert.equal(decodeLanguage(0x1a41), 'fra');
    assert.equal(decodeLanguage(0x55c4), 'und');
    assert.equal(decodeLanguage(0), 'und');
  });
});
