/**
 * Fuzz targets for the MP4 reader (only `ERR_MP4_*` RTMPProtocolErrors may escape; small
 * limits keep every run bounded in memory and time):
 *
 * - `mp4-file`: a whole file for `readMp4` — progressive (moov first / last, co64, stz2,
 *   edit lists, ctts v1), fragmented (every tfhd base form, sidx, mfra, no tfdt), moov
 *   samples continued by fragments, QuickTime audio entries — every sample of every track
 *   is read and must be a view of the input inside it; then the file goes through
 *   `Mp4TagWriter`, whose tags must parse with media.ts (`ERR_FLV_*` is not allowed there:
 *   the writer must only write what the parser reads).
 * - `mp4-moov`: a moov box alone for `parseMoov`, then every track's tables walked.
 * - `mp4-moof`: a moof box alone for `parseMoof` (tracks 1 and 2 known), every run walked.
 */
import { RTMPProtocolError } from '../../src/errors.js';
import { parseMediaPayload } from '../../src/flv/media.js';
import { readBoxHeader } from '../../src/mp4/box.js';
import { Mp4TagWriter } from '../../src/mp4/flv-tags.js';
import { type FragmentTrackState, parseMoof } from '../../src/mp4/fragment.js';
import { parseMoov } from '../../src/mp4/moov.js';
import { readMp4 } from '../../src/mp4/reader.js';
import { TableCursor } from '../../src/mp4/sample-table.js';
import {
  audioEntry,
  avc1,
  box,
  cat,
  esds,
  fragment,
  fragmented,
  fullbox,
  mp4a,
  progressive,
  samples,
  type TrackSpec,
  u8,
  u24,
  u32,
  visualEntry,
} from '../helpers/mp4-builder.js';
import type { FuzzTarget } from './engine.js';

function allowed(err: unknown): boolean {
  return err instanceof RTMPProtocolError && err.code.startsWith('ERR_MP4_');
}

const LIMITS = { maxBoxSize: 1 << 16, maxSampleSize: 1 << 16, maxSamples: 2000, readSize: 64 };

const AVCC = Buffer.from(
  '014d400bffe10018674d400beca1423f2e0220000003002000000641e28532c001000468ce0fc8',
  'hex',
);
const VIDEO: TrackSpec = {
  id: 1,
  handler: 'vide',
  timescale: 12800,
  entry: avc1(AVCC),
  samples: samples(5, 3, 512, 1, (i) => ({ cts: [512, 1024, -256][i % 3], sync: i % 4 === 0 })),
  edits: [[200, 256]],
  cttsVersion: 1,
};
const AUDIO: TrackSpec = {
  id: 2,
  handler: 'soun',
  timescale: 48000,
  entry: mp4a(Buffer.from('1190', 'hex'), 2, 48000),
  samples: samples(4, 2, 1024, 2),
  edits: [
    [50, -1],
    [200, 1024],
  ],
  language: 'eng',
};
const OTHERS: TrackSpec[] = [
  {
    id: 3,
    handler: 'soun',
    timescale: 48000,
    entry: audioEntry(
      'Opus',
      2,
      48000,
      box('dOps', Buffer.from('0002013800 00BB80 0000 00'.replace(/ /g, ''), 'hex')),
    ),
    samples: samples(2, 2, 960, 3),
  },
  {
    id: 4,
    handler: 'soun',
    timescale: 48000,
    entry: audioEntry('ac-3', 2, 48000, box('dac3', u24((8 << 17) | (7 << 11) | (1 << 10)))),
    samples: samples(2, 2, 1536, 4),
  },
  {
    id: 5,
    handler: 'vide',
    timescale: 1000,
    entry: visualEntry('vp09', 16, 16, fullbox('vpcC', 1, 0, Buffer.from('000a820202020000', 'hex'))),
    samples: samples(2, 2, 40, 5),
  },
  {
    id: 6,
    handler: 'soun',
    timescale: 44100,
    entry: audioEntry('mp4a', 2, 44100, esds(0x6b)),
    samples: samples(1, 4, 1152, 6),
  },
  {
    id: 7,
    handler: 'text',
    timescale: 1000,
    entry: box('tx3g', Buffer.alloc(30)),
    samples: samples(1, 2, 1000, 7),
  },
];

function hybrid(): Buffer {
  const head = progressive(
    [
      { ...VIDEO, samples: VIDEO.samples.slice(0, 2) },
      { ...AUDIO, samples: AUDIO.samples.slice(0, 2) },
    ],
    { mvex: true },
  );
  return cat(
    head,
    fragment(
      head.length,
      1,
      [
        { track: VIDEO, samples: VIDEO.samples.slice(2), decodeTime: 1024 },
        { track: AUDIO, samples: AUDIO.samples.slice(2), decodeTime: 2048 },
      ],
      { tfdt: false },
    ),
  );
}

/** A progressive file whose stsz is replaced by an stz2 with 4-bit sizes. */
function withStz2(): Buffer {
  const file = progressive([
    { ...AUDIO, samples: samples(4, 2, 1024, 2).map((s) => ({ ...s, data: s.data.subarray(0, 2) })) },
  ]);
  const at = file.indexOf('stsz', 0, 'latin1') - 4;
  const size = file.readUInt32BE(at);
  const stz2 = fullbox('stz2', 0, 0, u24(0), u8(4), u32(4), Buffer.from([0x22, 0x22]));
  const out = cat(file.subarray(0, at), stz2, Buffer.alloc(size - stz2.length), file.subarray(at + size));
  // the padding goes into a 'free' box so the stbl stays well formed
  out.writeUInt32BE(size - stz2.length, at + stz2.length);
  out.write('free', at + stz2.length + 4, 'latin1');
  return out;
}

const FILES = [
  progressive([VIDEO, AUDIO]),
  progressive([VIDEO, AUDIO], { moovFirst: false, co64: true, chunk: 2 }),
  progressive([AUDIO, ...OTHERS], { chunk: 1 }),
  fragmented([VIDEO, AUDIO], { perFragment: 2 }),
  fragmented([VIDEO, AUDIO], { base: 'explicit', index: true, trunVersion: 1 }),
  fragmented([VIDEO, AUDIO], { base: 'implicit', tfdt: false, perFragment: 3 }),
  hybrid(),
  withStz2(),
];

function topBox(file: Buffer, type: string): Buffer {
  let at = 0;
  while (at + 8 <= file.length) {
    const h = readBoxHeader(file, at, file.length);
    if (h.type === type) return file.subarray(h.start, h.end);
    at = h.end;
  }
  throw new Error(`no ${type}`);
}

const file: FuzzTarget = {
  name: 'mp4-file',
  maxLength: 2048,
  seeds: FILES,
  run(input) {
    const m = readMp4(input, LIMITS);
    for (const s of m.samples({ tracks: m.tracks.map((t) => t.id) })) {
      if (s.data.length === 0) continue;
      if (s.data.buffer !== input.buffer || s.offset < 0 || s.offset + s.data.length > input.length) {
        throw new Error(`sample ${s.index} of track ${s.track.id} is not a view inside the input`);
      }
    }
    const w = new Mp4TagWriter(m);
    for (const t of w.head()) parseMediaPayload(t.type, t.payload);
    for (const s of m.samples({ tracks: w.trackIds })) {
      const tag = w.sample(s);
      const [p] = parseMediaPayload(tag.type, tag.payload);
      if (!p?.data.equals(s.data)) throw new Error('a written sample does not parse back');
    }
    for (const t of w.end()) parseMediaPayload(t.type, t.payload);
  },
  allowed,
};

const moov: FuzzTarget = {
  name: 'mp4-moov',
  maxLength: 2048,
  seeds: [
    topBox(FILES[0]!, 'moov'),
    topBox(FILES[2]!, 'moov'),
    topBox(FILES[3]!, 'moov'),
    topBox(FILES[7]!, 'moov'),
  ],
  run(input) {
    const movie = parseMoov(input, readBoxHeader(input, 0, input.length));
    for (const t of movie.tracks) {
      const c = new TableCursor(t.tables);
      for (let n = 0; n < LIMITS.maxSamples && c.next(); n++);
    }
  },
  allowed,
};

const moof: FuzzTarget = {
  name: 'mp4-moof',
  maxLength: 1024,
  seeds: [
    topBox(FILES[3]!, 'moof'),
    topBox(FILES[4]!, 'moof'),
    topBox(FILES[5]!, 'moof'),
    topBox(FILES[6]!, 'moof'),
  ],
  run(input) {
    const tracks = new Map<number, FragmentTrackState>([
      [1, { audio: false, trex: { duration: 1, size: 1, flags: 0 }, decodeTime: 0, ctsShift: 0, samples: 0 }],
      [2, { audio: true, trex: undefined, decodeTime: 0, ctsShift: 0, samples: 0 }],
    ]);
    for (const run of parseMoof(
      input,
      readBoxHeader(input, 0, input.length),
      0,
      tracks,
      new Set([1, 2]),
      LIMITS.maxSamples,
    )) {
      while (run.source.next());
    }
  },
  allowed,
};

/** Every MP4 fuzz target. */
export const targets: FuzzTarget[] = [file, moov, moof];
