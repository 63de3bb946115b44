/**
 * The MP4 reader end to end on built files: the same two tracks (H.264 with B-frame
 * composition offsets and an edit list, AAC with an empty edit and priming) give the same
 * samples — times, keyframes, bytes — whether the movie is progressive with the moov
 * before or after the mdat, uses co64, or is fragmented with any base-offset form, with or
 * without tfdt, sidx and mfra, or starts in the moov and continues in fragments. Samples
 * come in decode order across tracks of different timescales. Reads: no byte is read
 * twice, runs of a track's contiguous samples are read at once up to `readSize`, and
 * `openMp4` over a path, a FileHandle and a Buffer equals `readMp4`. Every limit and
 * every fault is its typed error.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RTMPError, RTMPProtocolError, RTMPUsageError } from '../../src/errors.js';
import { type Mp4Sample, splitMilliseconds } from '../../src/mp4/demux.js';
import { openMp4, readMp4 } from '../../src/mp4/reader.js';
import { errorCode as code } from '../helpers/errors.js';
import {
  audioEntry,
  avc1,
  box,
  cat,
  esds,
  fragment,
  fragmented,
  mp4a,
  progressive,
  samples,
  type TrackSpec,
  visualEntry,
} from '../helpers/mp4-builder.js';
import { tempDir } from '../helpers/peers.js';

const AVCC = Buffer.from(
  '014d400bffe10018674d400beca1423f2e0220000003002000000641e28532c001000468ce0fc8',
  'hex',
);
const ASC = Buffer.from('1190', 'hex');

/** H.264, 12800 Hz, I P B B pattern (offsets 1024, 1536, 512 − 512 … as x264 writes), an edit of 512. */
const VIDEO: TrackSpec = {
  id: 1,
  handler: 'vide',
  timescale: 12800,
  entry: avc1(AVCC),
  samples: samples(10, 50, 512, 1, (i) => ({ cts: [512, 1024, 0][i % 3], sync: i % 5 === 0 })),
  edits: [[400, 512]],
};
/** AAC, 48 kHz: an empty edit of 100 ms then media from 1024 (encoder priming). */
const AUDIO: TrackSpec = {
  id: 2,
  handler: 'soun',
  timescale: 48000,
  entry: mp4a(ASC, 2, 48000),
  samples: samples(12, 20, 1024, 2),
  edits: [
    [100, -1],
    [400, 1024],
  ],
  language: 'fra',
};

const view = (s: Mp4Sample) => ({
  track: s.track.id,
  index: s.index,
  dts: s.dts,
  pts: s.pts,
  duration: s.duration,
  keyframe: s.keyframe,
  data: s.data.toString('hex'),
});

/** The samples every form of the movie must give. */
function expected(): ReturnType<typeof view>[] {
  const out: (ReturnType<typeof view> & { t: number })[] = [];
  let vt = 0;
  VIDEO.samples.forEach((s, i) => {
    out.push({
      track: 1,
      index: i,
      dts: vt - 512,
      pts: vt + s.cts! - 512,
      duration: 512,
      keyframe: i % 5 === 0,
      data: s.data.toString('hex'),
      t: (vt - 512) / 12800,
    });
    vt += 512;
  });
  let at = 0;
  AUDIO.samples.forEach((s, i) => {
    // 100 ms empty edit = 4800 ticks; media starts at 1024
    const dts = at + 4800 - 1024;
    out.push({
      track: 2,
      index: i,
      dts,
      pts: dts,
      duration: 1024,
      keyframe: true,
      data: s.data.toString('hex'),
      t: dts / 48000,
    });
    at += 1024;
  });
  // decode order across tracks; the earlier track first on equal times
  out.sort((a, b) => a.t - b.t || a.track - b.track);
  return out.map(({ t: _, ...rest }) => rest);
}

const FORMS: [string, Buffer][] = [
  ['progressive, moov first', progressive([VIDEO, AUDIO])],
  ['progressive, moov last, co64', progressive([VIDEO, AUDIO], { moovFirst: false, co64: true, chunk: 4 })],
  ['progressive, one sample per chunk', progressive([VIDEO, AUDIO], { chunk: 1 })],
  ['fragmented, default-base-is-moof', fragmented([VIDEO, AUDIO])],
  [
    'fragmented, explicit base, sidx + mfra',
    fragmented([VIDEO, AUDIO], { base: 'explicit', index: true, perFragment: 3 }),
  ],
  [
    'fragmented, implicit base, no tfdt',
    fragmented([VIDEO, AUDIO], { base: 'implicit', tfdt: false, perFragment: 5 }),
  ],
];

describe('readMp4: every layout gives the same samples', () => {
  for (const [name, file] of FORMS) {
    it(name, () => {
      const m = readMp4(file);
      assert.deepEqual(
        m.tracks.map((t) => [t.id, t.kind, t.fourcc, t.timescale, t.language, t.width ?? t.sampleRate]),
        [
          [1, 'video', 'avc1', 12800, 'und', 160],
          [2, 'audio', 'mp4a', 48000, 'fra', 48000],
        ],
      );
      assert.deepEqual(m.tracks[0]!.config, AVCC);
      assert.deepEqual([...m.samples()].map(view), expected());
      // every sample's data is a view of the file at its offset
      for (const s of m.samples())
        assert.deepEqual(s.data, file.subarray(s.offset, s.offset + s.data.length));
    });
  }

  it('moov samples continued by fragments (FFmpeg frag_keyframe without empty_moov), with and without tfdt', () => {
    const head = (n: number) => ({ ...VIDEO, samples: VIDEO.samples.slice(0, n) });
    const headA = (n: number) => ({ ...AUDIO, samples: AUDIO.samples.slice(0, n) });
    for (const tfdt of [true, false]) {
      const moov = progressive([head(4), headA(5)], { mvex: true });
      const frag = fragment(
        moov.length,
        1,
        [
          { track: VIDEO, samples: VIDEO.samples.slice(4), decodeTime: 4 * 512 },
          { track: AUDIO, samples: AUDIO.samples.slice(5), decodeTime: 5 * 1024 },
        ],
        { tfdt },
      );
      const m = readMp4(cat(moov, frag));
      assert.equal(m.fragmented, true);
      assert.deepEqual([...m.samples()].map(view), expected(), `tfdt ${tfdt}`);
    }
  });

  it('selects tracks; times in ms are floored, the rest in nanoseconds', () => {
    const m = readMp4(FORMS[0]![1]);
    const audio = [...m.samples({ tracks: [2] })];
    assert.ok(audio.every((s) => s.track.id === 2));
    assert.equal(audio.length, 12);
    // dts 3776 / 48000 s = 78.666… ms
    assert.deepEqual([audio[0]!.dtsMs, audio[0]!.ptsMs, audio[0]!.timestampOffsetNano], [78, 78, 666666]);
    const video = [...m.samples({ tracks: [1] })];
    // dts −512 / 12800 s = −40 ms, pts 0
    assert.deepEqual([video[0]!.dtsMs, video[0]!.ptsMs, video[0]!.timestampOffsetNano], [-40, 0, 0]);
    assert.deepEqual(splitMilliseconds(-1105, 48000), [-24, 979166]);
    assert.deepEqual(splitMilliseconds(1, 90000), [0, 11111]);
    assert.deepEqual(splitMilliseconds(2 ** 40, 1000), [2 ** 40, 0]);
  });

  it('an empty av1C is completed from the first sample, MP3 rate and channels come from its first frame', () => {
    const seq = Buffer.from('0a0a00000003b4ff736be401', 'hex');
    const av1: TrackSpec = {
      id: 1,
      handler: 'vide',
      timescale: 1000,
      entry: visualEntry('av01', 160, 120, box('av1C')),
      samples: [{ data: Buffer.concat([seq, Buffer.from('328d0e1400', 'hex')]), duration: 40 }],
    };
    const mp3: TrackSpec = {
      id: 2,
      handler: 'soun',
      timescale: 44100,
      entry: audioEntry('mp4a', 2, 44100, esds(0x6b)),
      samples: [{ data: Buffer.from('fff394c4000000', 'hex'), duration: 576 }],
    };
    for (const file of [progressive([av1, mp3]), fragmented([av1, mp3])]) {
      const m = readMp4(file);
      assert.deepEqual(m.tracks[0]!.config, Buffer.concat([Buffer.from('81000c00', 'hex'), seq]));
      assert.deepEqual(
        [m.tracks[1]!.codec, m.tracks[1]!.sampleRate, m.tracks[1]!.channels],
        ['mp3', 24000, 1],
      );
    }
  });

  it('a text track is listed but not read unless asked for', () => {
    const text: TrackSpec = {
      id: 3,
      handler: 'text',
      timescale: 1000,
      entry: box('tx3g', Buffer.alloc(30)),
      samples: samples(2, 4, 500, 3),
    };
    const m = readMp4(progressive([AUDIO, text]));
    assert.deepEqual(
      m.tracks.map((t) => t.kind),
      ['audio', 'other'],
    );
    assert.equal([...m.samples()].length, 12);
    assert.equal([...m.samples({ tracks: [3] })].length, 2);
  });
});

/** A FileHandle stand-in that counts the reads of `buf`. */
function countingHandle(buf: Buffer, shrinkTo = buf.length) {
  const reads: [number, number][] = [];
  const fh = {
    fd: 99,
    async stat() {
      return { size: buf.length };
    },
    async read(b: Buffer, off: number, len: number, pos: number) {
      reads.push([pos, len]);
      const n = Math.max(0, Math.min(len, shrinkTo - pos));
      buf.copy(b, off, pos, pos + n);
      return { bytesRead: n, buffer: b };
    },
    async close() {},
  };
  return { fh: fh as unknown as import('node:fs/promises').FileHandle, reads };
}

async function collect(it: AsyncIterable<Mp4Sample>): Promise<ReturnType<typeof view>[]> {
  const out = [];
  for await (const s of it) out.push(view(s));
  return out;
}

describe('openMp4: bounded positional reads', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a path, a FileHandle and a Buffer give what readMp4 gives', async () => {
    const file = FORMS[4]![1];
    const dir = tempDir('rtmpkit-mp4-');
    dirs.push(dir);
    const path = join(dir, 'x.mp4');
    await writeFile(path, file);
    const want = [...readMp4(file).samples()].map(view);
    const byPath = await openMp4(path);
    assert.deepEqual(await collect(byPath), want);
    assert.deepEqual(await collect(byPath.samples()), want, 'each samples() is a new pass');
    await byPath.close();
    const fh = await open(path, 'r');
    const byHandle = await openMp4(fh);
    assert.deepEqual(await collect(byHandle), want);
    await byHandle.close();
    assert.ok((await fh.stat()).size > 0, 'a FileHandle passed in stays open');
    await fh.close();
    assert.deepEqual(await collect(await openMp4(file)), want);
  });

  it('reads each sample byte once, in runs of contiguous samples up to readSize', async () => {
    for (const [name, file] of FORMS) {
      const total = [...readMp4(file).samples()].reduce((n, s) => n + s.data.length, 0);
      for (const readSize of [1, 40, 1 << 20]) {
        const { fh, reads } = countingHandle(file);
        const m = await openMp4(fh, { readSize });
        const opening = reads.length;
        const out = await collect(m);
        assert.deepEqual(out, expected(), `${name}, readSize ${readSize}`);
        if (name.startsWith('fragmented')) continue; // moof and box header reads mix in
        const data = reads.slice(opening);
        assert.equal(
          data.reduce((n, [, len]) => n + len, 0),
          total,
          `${name}: every sample byte read once`,
        );
        const largest = Math.max(...data.map(([, len]) => len));
        if (readSize < 50) assert.ok(largest <= 52, `${name}: runs stop at readSize ${readSize}`);
        if (readSize === 1 << 20 && name.includes('moov first')) {
          // one read per chunk (4 video + 4 audio chunks of 3 samples)
          assert.equal(reads.length - opening, 8, name);
        }
      }
    }
  });

  it('a file that shrinks under the reader is ERR_MP4_TRUNCATED, an unreadable path ERR_MP4_IO', async () => {
    const file = FORMS[0]![1];
    const { fh } = countingHandle(file, file.length - 30);
    const m = await openMp4(fh);
    await assert.rejects(
      collect(m),
      (err: unknown) => err instanceof RTMPProtocolError && err.code === 'ERR_MP4_TRUNCATED',
    );
    await assert.rejects(
      openMp4('/nonexistent/x.mp4'),
      (err: unknown) =>
        err instanceof RTMPError &&
        err.code === 'ERR_MP4_IO' &&
        (err.cause as NodeJS.ErrnoException).code === 'ENOENT',
    );
    const dir = tempDir('rtmpkit-mp4-');
    dirs.push(dir);
    await assert.rejects(
      openMp4(dir),
      (err: unknown) => err instanceof RTMPError && err.code === 'ERR_MP4_IO',
    );
  });
});

describe('faults and limits', () => {
  const good = FORMS[0]![1];
  const frag = FORMS[3]![1];

  it('not an MP4, no moov, a cut file', () => {
    assert.equal(
      code(() => readMp4(Buffer.from('464c5601050000000900000000', 'hex'))),
      'ERR_MP4_BAD_BOX',
    );
    assert.equal(
      code(() => readMp4(cat(box('ftyp', Buffer.from('isom')), box('mdat', Buffer.alloc(9))))),
      'ERR_MP4_NO_MOVIE',
    );
    assert.equal(
      code(() => readMp4(Buffer.alloc(0))),
      'ERR_MP4_NO_MOVIE',
    );
    // cut inside the mdat: the moov is fine, samples beyond the end are not
    const cut = good.subarray(0, good.length - 40);
    assert.equal(
      code(() => [...readMp4(cut).samples()]),
      'ERR_MP4_BAD_SAMPLE',
    );
    assert.equal(
      code(() => readMp4(good.subarray(0, 60))),
      'ERR_MP4_TRUNCATED',
    );
    // a fragmented file cut inside a moof
    assert.equal(
      code(() => [...readMp4(frag.subarray(0, frag.length - 200)).samples()]),
      'ERR_MP4_TRUNCATED',
    );
  });

  it('every limit is enforced before the memory is spent', () => {
    assert.equal(
      code(() => readMp4(good, { maxBoxSize: 200 })),
      'ERR_MP4_TOO_LARGE',
    );
    assert.equal(
      code(() => [...readMp4(good, { maxSampleSize: 51 }).samples()]),
      'ERR_MP4_TOO_LARGE',
    );
    assert.equal(
      code(() => [...readMp4(good, { maxSamples: 11 }).samples()]),
      'ERR_MP4_TOO_LARGE',
    );
    assert.equal(
      code(() => [...readMp4(good, { maxSamples: 12 }).samples()]),
      'none',
    );
    assert.equal(
      code(() => [...readMp4(frag, { maxSamples: 11 }).samples()]),
      'ERR_MP4_TOO_LARGE',
    );
    const moofFile = readMp4(frag, { maxBoxSize: 1500 });
    assert.equal(
      code(() => [...moofFile.samples()]),
      'none',
    );
    assert.equal(
      code(() => [...readMp4(frag, { maxBoxSize: 300 }).samples()]),
      'ERR_MP4_TOO_LARGE',
    );
  });

  it('bad arguments are RTMPUsageErrors', async () => {
    const usage = (fn: () => unknown) =>
      assert.throws(
        fn,
        (err: unknown) => err instanceof RTMPUsageError && err.code === 'ERR_MP4_INVALID_ARGUMENT',
      );
    usage(() => readMp4(good, { readSize: 0 }));
    usage(() => readMp4(good, { maxSamples: 1.5 }));
    usage(() => readMp4('x.mp4' as unknown as Buffer));
    usage(() => [...readMp4(good).samples({ tracks: [7] })]);
    await assert.rejects(openMp4(42 as unknown as string), RTMPUsageError);
  });
});
