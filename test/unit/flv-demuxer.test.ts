/**
 * FlvDemuxer on a hand-built golden stream (FLV-10.1 Annex E): every split point, byte by
 * byte, with and without the file header; PreviousTagSize mismatches (lenient and
 * strict); truncated ends (ERR_FLV_TRUNCATED after every complete tag was returned);
 * hostile DataSize (bounded allocation, maxTagSize); zero-copy views; frame room (every
 * payload re-framed in place, byte-identical, at every split); DataOffset > 9; header
 * modes; error persistence.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RTMPProtocolError, RTMPUsageError } from '../../src/errors.js';
import { demuxFlv, FlvDemuxer, type FlvDemuxerOptions, type FlvTag } from '../../src/flv/demuxer.js';
import { frameTag } from '../../src/flv/framing.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const HEADER = '464C5601 05 00000009 00000000';
// type | size | ts low | ts hi | stream id | data | PreviousTagSize
const T1 = '12 00000E 000000 00 000000 02000A6F6E4D65746144617461 05 00000019'; // onMetaData, null: 14 bytes
const T2 = '09 000005 000000 00 000000 1700000000 00000010'; // AVC sequence header (empty record), ts 0
const T3 = '08 000003 0003E8 00 000000 AF0102 0000000E'; // AAC raw, 1000 ms
const T4 = '09 000006 345678 12 000000 270100002AFF 00000011'; // AVC inter, ts 0x12345678, cts 42
const T5 = '08 000000 FFFFFF FF 000000 0000000B'; // empty audio (silence), ts 0xFFFFFFFF
const T6 = '09 000002 000000 80 000000 5700 0000000D'; // video command, ts 0x80000000

const BODY = [T1, T2, T3, T4, T5, T6].join(' ');
const STREAM = hex(`${HEADER} ${BODY}`);
const HEADERLESS = hex(BODY);

type Plain = Omit<FlvTag, 'payload'> & { payload: string };
const plain = (tags: FlvTag[]): Plain[] => tags.map((t) => ({ ...t, payload: t.payload.toString('hex') }));

const EXPECTED = (base: number): Plain[] => [
  {
    type: 18,
    timestamp: 0,
    streamId: 0,
    filter: false,
    offset: base,
    payload: '02000a6f6e4d6574614461746105',
  },
  { type: 9, timestamp: 0, streamId: 0, filter: false, offset: base + 29, payload: '1700000000' },
  { type: 8, timestamp: 1000, streamId: 0, filter: false, offset: base + 49, payload: 'af0102' },
  { type: 9, timestamp: 0x12345678, streamId: 0, filter: false, offset: base + 67, payload: '270100002aff' },
  { type: 8, timestamp: 0xffffffff, streamId: 0, filter: false, offset: base + 88, payload: '' },
  { type: 9, timestamp: 0x80000000, streamId: 0, filter: false, offset: base + 103, payload: '5700' },
];

function feed(stream: Buffer, cuts: number[], opts?: FlvDemuxerOptions): { tags: FlvTag[]; d: FlvDemuxer } {
  const d = new FlvDemuxer(opts);
  const tags: FlvTag[] = [];
  let at = 0;
  for (const c of [...cuts, stream.length]) {
    tags.push(...d.push(stream.subarray(at, c)));
    at = c;
  }
  d.end();
  return { tags, d };
}

test('golden stream with file header: every tag, header, stats', () => {
  const d = new FlvDemuxer();
  const tags = d.push(STREAM);
  d.end();
  assert.deepEqual(plain(tags), EXPECTED(13));
  assert.deepEqual(d.header, { version: 1, hasAudio: true, hasVideo: true, flags: 5, dataOffset: 9 });
  const s = d.stats;
  assert.equal(s.tags, 6);
  assert.equal(s.bytes, STREAM.length);
  assert.equal(s.previousTagSizeMismatches, 0);
  assert.equal(s.assembledTags, 0);
  assert.equal(s.missingFinalPreviousTagSize, false);
});

test('golden stream without file header (RTMP_Write input form)', () => {
  const { tags, d } = feed(HEADERLESS, []);
  assert.deepEqual(plain(tags), EXPECTED(0));
  assert.equal(d.header, undefined);
  assert.deepEqual(plain(demuxFlv(HEADERLESS, { header: 'none' })), EXPECTED(0));
});

test('every two-way split point gives the same tags (with and without header)', () => {
  for (const [stream, base] of [
    [STREAM, 13],
    [HEADERLESS, 0],
  ] as const) {
    for (let cut = 0; cut <= stream.length; cut++) {
      assert.deepEqual(plain(feed(stream, [cut]).tags), EXPECTED(base), `cut at ${cut}`);
    }
  }
});

test('every three-way split (i < j) gives the same tags', () => {
  for (let i = 0; i <= STREAM.length; i += 3) {
    for (let j = i; j <= STREAM.length; j += 2) {
      assert.deepEqual(plain(feed(STREAM, [i, j]).tags), EXPECTED(13), `cuts ${i}, ${j}`);
    }
  }
});

test('byte by byte, with and without header, zeroCopy on and off', () => {
  for (const zeroCopy of [true, false]) {
    for (const [stream, base] of [
      [STREAM, 13],
      [HEADERLESS, 0],
    ] as const) {
      const cuts = Array.from({ length: stream.length }, (_, i) => i);
      const { tags, d } = feed(stream, cuts, { zeroCopy });
      assert.deepEqual(plain(tags), EXPECTED(base));
      assert.equal(d.stats.assembledTags, 5); // all non-empty payloads spanned pushes
    }
  }
});

test('zero-copy: a payload inside one push is a view; zeroCopy:false copies', () => {
  const [t1] = demuxFlv(STREAM);
  assert.equal(t1!.payload.buffer, STREAM.buffer);
  const [c1] = demuxFlv(STREAM, { zeroCopy: false });
  assert.notEqual(c1!.payload.buffer, STREAM.buffer);
  assert.deepEqual(c1!.payload, t1!.payload);
});

test('heldInputBytes: the pushed bytes of an unfinished large tag, as views; 0 otherwise', () => {
  // A tag above preallocateLimit (8 bytes here) keeps views of the pieces pushed; each push
  // of it adds to what is held, its completion (one joined copy) releases them all.
  const body = Buffer.from('00112233445566778899', 'hex');
  const tag = Buffer.concat([hex('09 00000A 000000 00 000000'), body, hex('00000015')]);
  const d = new FlvDemuxer({ header: 'none', preallocateLimit: 8 });
  assert.equal(d.heldInputBytes, 0);
  const first = Buffer.from(tag.subarray(0, 14)); // header + 3 payload bytes
  d.push(first);
  assert.equal(d.heldInputBytes, 3);
  d.push(Buffer.from(tag.subarray(14, 19)));
  assert.equal(d.heldInputBytes, 8);
  first.fill(0xee, 11); // the caller writes into a buffer the demuxer holds: the tag sees it
  const [t] = d.push(Buffer.from(tag.subarray(19)));
  assert.equal(d.heldInputBytes, 0);
  assert.equal(t!.payload.toString('hex'), `eeeeee${body.subarray(3).toString('hex')}`);
  // Small tags are copied into a buffer of their own at their first byte; without
  // zeroCopy nothing pushed is held either.
  for (const opts of [{}, { preallocateLimit: 8, zeroCopy: false }]) {
    const e = new FlvDemuxer({ header: 'none', ...opts });
    e.push(tag.subarray(0, 14));
    assert.equal(e.heldInputBytes, 0, JSON.stringify(opts));
  }
});

test('PreviousTagSize mismatch: counted (lenient, like librtmp), error in strict mode after the tag', () => {
  const bad = hex(`${HEADER} ${T2.replace(/00000010$/, '00000005')} ${T3}`);
  const d = new FlvDemuxer();
  const tags = d.push(bad);
  d.end();
  assert.equal(tags.length, 2);
  assert.equal(d.stats.previousTagSizeMismatches, 1);
  assert.deepEqual(d.stats.lastMismatch, { offset: 13 + 16, expected: 16, actual: 5 });

  // PreviousTagSize0 != 0 counts as well
  const d0 = new FlvDemuxer();
  d0.push(hex(`464C5601 05 00000009 00000007 ${T3}`));
  assert.equal(d0.stats.previousTagSizeMismatches, 1);

  // strict: the first tag is still returned; the error comes with the next call
  const s = new FlvDemuxer({ strict: true });
  const got = s.push(bad);
  assert.equal(got.length, 1);
  assert.throws(() => s.push(Buffer.alloc(0)), { code: 'ERR_FLV_BAD_PREVIOUS_TAG_SIZE' });
  assert.throws(() => s.end(), { code: 'ERR_FLV_BAD_PREVIOUS_TAG_SIZE' });
  // strict, and the mismatch is the first thing seen: thrown at once
  const s2 = new FlvDemuxer({ strict: true });
  s2.push(bad.subarray(0, 13 + 16));
  assert.throws(() => s2.push(bad.subarray(13 + 16)), { code: 'ERR_FLV_BAD_PREVIOUS_TAG_SIZE' });
});

test('truncated end: every prefix yields the complete tags, then ERR_FLV_TRUNCATED (or a clean end)', () => {
  const boundaries = new Map<number, number>(); // prefix length -> complete tags at a clean end
  boundaries.set(0, 0);
  boundaries.set(13, 0);
  let pos = 13;
  for (const [i, t] of [T1, T2, T3, T4, T5, T6].entries()) {
    pos += hex(t).length;
    boundaries.set(pos, i + 1);
  }
  for (let len = 0; len <= STREAM.length; len++) {
    const d = new FlvDemuxer();
    const tags = d.push(STREAM.subarray(0, len));
    const complete = EXPECTED(13).filter((t) => t.offset + 11 + t.payload.length / 2 <= len);
    assert.deepEqual(plain(tags), complete, `prefix ${len}`);
    if (boundaries.has(len)) {
      d.end();
      continue;
    }
    const missingPrevOnly =
      complete.length > 0 && len === complete.at(-1)!.offset + 11 + complete.at(-1)!.payload.length / 2;
    if (missingPrevOnly) {
      d.end(); // a missing final PreviousTagSize is tolerated…
      assert.equal(d.stats.missingFinalPreviousTagSize, true);
      const strict = new FlvDemuxer({ strict: true });
      strict.push(STREAM.subarray(0, len));
      assert.throws(() => strict.end(), { code: 'ERR_FLV_TRUNCATED' }); // …unless strict
      continue;
    }
    assert.throws(
      () => d.end(),
      (e: unknown) =>
        e instanceof RTMPProtocolError && e.code === 'ERR_FLV_TRUNCATED' && /of \d+ bytes/.test(e.message),
      `prefix ${len}`,
    );
  }
});

test('truncation messages say what was cut and how much arrived', () => {
  const d = new FlvDemuxer();
  d.push(STREAM.subarray(0, 13 + 11 + 5));
  assert.throws(() => d.end(), /tag payload \(5 of 14 bytes, type 18, tag at offset 13\)/);
  const h = new FlvDemuxer();
  h.push(STREAM.subarray(0, 20));
  assert.throws(() => h.end(), /tag header \(7 of 11 bytes, at offset 13\)/);
  const f = new FlvDemuxer();
  f.push(STREAM.subarray(0, 2));
  assert.throws(() => f.end(), /file header \(2 of 9 bytes/);
});

test('hostile DataSize: nothing beyond preallocateLimit is allocated ahead of the data', () => {
  const hostile = hex(`${HEADER} 09 FFFFFF 000000 00 000000 17 01`);
  const sizes: number[] = [];
  const orig = {
    allocUnsafe: Buffer.allocUnsafe,
    alloc: Buffer.alloc,
    allocUnsafeSlow: Buffer.allocUnsafeSlow,
  };
  const spy =
    <F extends (size: number, ...rest: never[]) => Buffer>(f: F) =>
    (size: number, ...rest: never[]) => {
      sizes.push(size);
      return f.call(Buffer, size, ...rest);
    };
  const d = new FlvDemuxer();
  Buffer.allocUnsafe = spy(orig.allocUnsafe) as typeof Buffer.allocUnsafe;
  Buffer.alloc = spy(orig.alloc) as typeof Buffer.alloc;
  Buffer.allocUnsafeSlow = spy(orig.allocUnsafeSlow) as typeof Buffer.allocUnsafeSlow;
  try {
    assert.deepEqual(d.push(hostile), []);
    for (let i = 0; i < 100; i++) d.push(Buffer.from([i]));
  } finally {
    Object.assign(Buffer, orig);
  }
  assert.ok(Math.max(0, ...sizes) <= 64 * 1024, `allocations: ${sizes.join(',')}`);
  assert.throws(() => d.end(), /tag payload \(102 of 16777215 bytes/);

  // a smaller preallocateLimit bounds it further; the payload still assembles exactly once
  const big = Buffer.alloc(5000, 7);
  const stream = Buffer.concat([hex(`${HEADER} 09 001388 000000 00 000000`), big, hex('00001393')]);
  const cuts = Array.from({ length: 50 }, (_, i) => 24 + i * 100);
  const { tags } = feed(stream, cuts, { preallocateLimit: 1024 });
  assert.deepEqual(tags[0]!.payload, big);
  const { tags: copied } = feed(stream, cuts, { preallocateLimit: 1024, zeroCopy: false });
  assert.deepEqual(copied[0]!.payload, big);
});

test('maxTagSize: a larger DataSize is ERR_FLV_TAG_TOO_LARGE; earlier tags are kept', () => {
  const stream = hex(`${HEADER} ${T3} 09 000401 000000 00 000000`);
  const d = new FlvDemuxer({ maxTagSize: 1024 });
  const tags = d.push(stream);
  assert.equal(tags.length, 1); // T3 returned, the error deferred
  assert.throws(() => d.end(), { code: 'ERR_FLV_TAG_TOO_LARGE' });
  assert.throws(() => d.push(Buffer.alloc(1)), { code: 'ERR_FLV_TAG_TOO_LARGE' }); // stays failed
  assert.throws(() => demuxFlv(hex(`${HEADER} 09 000401 000000 00 000000`), { maxTagSize: 1024 }), {
    code: 'ERR_FLV_TAG_TOO_LARGE',
  });
  // exactly maxTagSize is fine
  const ok = Buffer.concat([hex(`09 000400 000000 00 000000`), Buffer.alloc(1024), hex('0000040B')]);
  assert.equal(demuxFlv(ok, { maxTagSize: 1024 }).length, 1);
});

test('DataOffset > 9: the gap is skipped; < 9 is ERR_FLV_BAD_HEADER', () => {
  const gap = hex(`464C5601 05 0000000C AABBCC 00000000 ${T3}`);
  for (let cut = 0; cut <= gap.length; cut++) {
    const { tags, d } = feed(gap, [cut]);
    assert.equal(tags.length, 1);
    assert.equal(tags[0]!.offset, 16);
    assert.equal(d.header!.dataOffset, 12);
  }
  assert.throws(() => demuxFlv(hex(`464C5601 05 00000005 00000000`)), { code: 'ERR_FLV_BAD_HEADER' });
});

test("header modes: 'required' rejects headerless input, 'none' reads 'FLV' as a tag", () => {
  assert.throws(() => demuxFlv(HEADERLESS, { header: 'required' }), { code: 'ERR_FLV_BAD_HEADER' });
  assert.equal(demuxFlv(STREAM, { header: 'required' }).length, 6);
  // 'F' = 0x46: reserved bit set, type 6; 'LV\x01' = size 0x4C5601 > maxTagSize
  assert.throws(() => demuxFlv(STREAM, { header: 'none', maxTagSize: 1000 }), {
    code: 'ERR_FLV_TAG_TOO_LARGE',
  });
  // a headerless stream whose first byte is 'F' but not 'FLV': a tag with reserved bits (lenient)
  const odd = hex('46 000001 000000 00 000000 AA 0000000C');
  const d = new FlvDemuxer();
  const [t] = d.push(odd);
  d.end();
  assert.equal(t!.type, 6);
  assert.equal(d.stats.reservedBitsSet, 1);
  assert.throws(() => demuxFlv(odd, { strict: true }), { code: 'ERR_FLV_BAD_TAG_HEADER' });
});

test('empty input and header-only input end cleanly; push after end is a usage error', () => {
  const d = new FlvDemuxer();
  d.end();
  assert.throws(
    () => d.push(Buffer.alloc(1)),
    (e: unknown) => e instanceof RTMPUsageError,
  );
  assert.deepEqual(demuxFlv(hex(HEADER)), []);
  // header without PreviousTagSize0: truncated
  assert.throws(() => demuxFlv(hex('464C5601 05 00000009')), /PreviousTagSize0/);
});

test('options are validated', () => {
  assert.throws(() => new FlvDemuxer({ maxTagSize: -1 }), { code: 'ERR_FLV_INVALID_ARGUMENT' });
  assert.throws(() => new FlvDemuxer({ preallocateLimit: 1.5 }), { code: 'ERR_FLV_INVALID_ARGUMENT' });
  assert.throws(() => new FlvDemuxer({ header: 'maybe' as never }), { code: 'ERR_FLV_INVALID_ARGUMENT' });
});

/** Re-frames every tag with `frameTag` at `shift` ms later; returns the bytes and how many came as one view. */
function reframe(tags: FlvTag[], shift: number): { bytes: Buffer; single: number } {
  let single = 0;
  const parts: Buffer[] = [];
  for (const t of tags) {
    const pieces = frameTag(t.type, t.timestamp + shift, t.payload);
    if (pieces.length === 1) single++;
    parts.push(Buffer.concat(pieces));
  }
  return { bytes: Buffer.concat(parts), single };
}

test('frameRoom: at every split point each payload re-frames as one view, byte-identical to its tag', () => {
  for (const zeroCopy of [true, false]) {
    for (let cut = 0; cut <= HEADERLESS.length; cut++) {
      // A copy (frameRoom may write into the pushed Buffers) with an ArrayBuffer of its own.
      const input = Buffer.allocUnsafeSlow(HEADERLESS.length);
      HEADERLESS.copy(input);
      const { tags } = feed(input, [cut], { frameRoom: true, zeroCopy });
      const at = `cut at ${cut}, zeroCopy ${zeroCopy}`;
      assert.deepEqual(plain(tags), EXPECTED(0), at);
      const { bytes, single } = reframe(tags, 0);
      assert.deepEqual(bytes, HEADERLESS, at);
      assert.equal(single, 5, `${at}: every non-empty payload had room`);
      if (!zeroCopy)
        assert.ok(tags.every((t) => t.payload.length === 0 || t.payload.buffer !== input.buffer));
    }
  }
});

test('frameRoom: a view lends its own tag bytes only when header and PreviousTagSize are in the push', () => {
  // An ArrayBuffer of its own (not Node's shared pool), so buffer identity tells views from copies.
  const input = Buffer.allocUnsafeSlow(HEADERLESS.length);
  HEADERLESS.copy(input);
  const end3 = 29 + 20 + 11 + 3; // T3's payload ends here; its PreviousTagSize follows
  const whole = new FlvDemuxer({ header: 'none', frameRoom: true }).push(input);
  assert.equal(whole[2]!.payload.buffer, input.buffer, 'inside one push: a view');
  const cutBefore = new FlvDemuxer({ header: 'none', frameRoom: true });
  const early = [...cutBefore.push(input.subarray(0, end3)), ...cutBefore.push(input.subarray(end3))];
  assert.notEqual(early[2]!.payload.buffer, input.buffer, 'PreviousTagSize in the next push: copied');
  assert.equal(frameTag(8, 1000, early[2]!.payload).length, 1);
  // Re-framing with a new timestamp rewrites the tag where it was read.
  const [tag] = frameTag(8, 2000, whole[2]!.payload);
  assert.equal(tag!.buffer, input.buffer);
  assert.deepEqual(tag, hex('08 000003 0007D0 00 000000 AF0102 0000000E'));
  assert.deepEqual(input.subarray(49, 67), tag);
});

test('without frameRoom the pushed Buffer is never written and payloads have no room', () => {
  const input = Buffer.from(HEADERLESS);
  const { tags } = feed(input, []);
  const { bytes, single } = reframe(tags, 5);
  assert.equal(single, 0);
  assert.deepEqual(input, HEADERLESS);
  assert.notDeepEqual(bytes, HEADERLESS);
});
