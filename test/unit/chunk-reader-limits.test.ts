/**
 * The chunk reader's option checks and peer-limit errors (reader-limits.ts) and the
 * type-3 extended-timestamp decision (in-stream.ts), as functions: defaults, ranges,
 * Set Chunk Size's reserved bit 31, Abort's csid, and the decision for every number of
 * bytes available (0–4) against the governing value and the absolute timestamp.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extendedTimestampBytes, InStream } from '../../src/chunk/in-stream.js';
import {
  abortedCsidOf,
  messageTooLarge,
  readerLimits,
  setChunkSizeOf,
  tooManyStreams,
} from '../../src/chunk/reader-limits.js';
import { ProtocolCode, UsageCode } from '../../src/error-codes.js';
import { RTMPProtocolError } from '../../src/errors.js';

const hx = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('readerLimits', () => {
  it('applies every default', () => {
    assert.deepEqual(readerLimits({}), {
      maxChunkSize: 0x7fffffff,
      chunkSize: 128,
      maxMessageSize: 16 * 1024 * 1024,
      maxChunkStreams: 1024,
      preallocateLimit: 64 * 1024,
      maxReservedBytes: 4 * 1024 * 1024,
      zeroCopy: true,
      pooled: true,
      frameRoom: false,
    });
  });

  it('keeps values in range and checks chunkSize against maxChunkSize', () => {
    const l = readerLimits({ chunkSize: 4096, maxChunkSize: 4096, maxChunkStreams: 65_598, zeroCopy: false });
    assert.equal(l.chunkSize, 4096);
    assert.equal(l.maxChunkStreams, 65_598);
    assert.equal(l.zeroCopy, false);
    for (const bad of [
      { chunkSize: 4097, maxChunkSize: 4096 },
      { chunkSize: 0 },
      { maxChunkStreams: 65_599 },
      { preallocateLimit: 0x1000000 },
      { maxReservedBytes: 1.5 },
      { maxMessageSize: Number.NaN },
    ]) {
      assert.throws(() => readerLimits(bad), {
        name: 'RTMPUsageError',
        code: UsageCode.CHUNK_INVALID_ARGUMENT,
        message: /must be an integer in 1\.\./,
      });
    }
  });
});

describe('peer-limit errors', () => {
  it('name the csid and the limit, with the chunk codes', () => {
    const big = messageTooLarge(5, 2000, 1000);
    assert.ok(big instanceof RTMPProtocolError);
    assert.equal(big.code, ProtocolCode.CHUNK_MESSAGE_TOO_LARGE);
    assert.match(big.message, /chunk stream 5 declares a 2000-byte message; maxMessageSize is 1000/);
    const many = tooManyStreams(70, 3);
    assert.equal(many.code, ProtocolCode.CHUNK_TOO_MANY_STREAMS);
    assert.match(many.message, /more than 3 chunk streams \(csid 70\)/);
  });

  it('Set Chunk Size: bit 31 ignored, 0 / short / over the limit fatal (RTMP-SPEC §5.4.1)', () => {
    assert.equal(setChunkSizeOf(hx('00 00 10 00'), 0x7fffffff), 4096);
    assert.equal(setChunkSizeOf(hx('80 00 10 00'), 0x7fffffff), 4096);
    assert.equal(setChunkSizeOf(hx('00 00 10 00 ff'), 4096), 4096, 'extra bytes ignored');
    const invalid = { code: ProtocolCode.CHUNK_INVALID_CHUNK_SIZE };
    assert.throws(() => setChunkSizeOf(hx('80 00 00 00'), 0x7fffffff), invalid);
    assert.throws(() => setChunkSizeOf(hx('00 10 00'), 0x7fffffff), invalid);
    assert.throws(() => setChunkSizeOf(hx('00 00 10 01'), 4096), {
      code: ProtocolCode.CHUNK_CHUNK_SIZE_TOO_LARGE,
    });
  });

  it('Abort: the csid as a UI32; a short payload is fatal (RTMP-SPEC §5.4.2)', () => {
    assert.equal(abortedCsidOf(hx('00 00 01 40')), 320);
    assert.equal(abortedCsidOf(hx('ff ff ff ff')), 0xffffffff);
    assert.throws(() => abortedCsidOf(hx('00 00 04')), { code: ProtocolCode.CHUNK_INVALID_ABORT });
  });
});

describe('extendedTimestampBytes', () => {
  /** A csid whose governing header carried extended timestamp `delta`. */
  function stream(delta: number, timestamp: number, pending: boolean): InStream {
    const s = new InStream(5);
    s.ext = true;
    s.delta = delta;
    s.timestamp = timestamp;
    s.pending = pending;
    return s;
  }

  it('4 bytes: present when they equal the governing value or the absolute timestamp', () => {
    // Continuation of a message: absolute = its timestamp.
    const cont = stream(0x01000000, 0x01000010, true);
    assert.equal(extendedTimestampBytes(cont, hx('01 00 00 00 aa'), 0, 5), 4);
    assert.equal(extendedTimestampBytes(cont, hx('01 00 00 10'), 0, 4), 4);
    assert.equal(extendedTimestampBytes(cont, hx('01 00 00 11'), 0, 4), 0);
    // A new message: absolute = timestamp + delta (mod 2^32).
    const start = stream(0x01000000, 0xff000005, false);
    assert.equal(extendedTimestampBytes(start, hx('00 00 00 05'), 0, 4), 4);
    assert.equal(extendedTimestampBytes(start, hx('ff 00 00 05'), 0, 4), 0);
  });

  it('fewer bytes: undecided while they match a prefix, payload once one differs', () => {
    const s = stream(0x01020304, 0x0a0b0c0d, true);
    const buf = hx('ff 01 02 03 0a 0b 0c 99');
    assert.equal(extendedTimestampBytes(s, buf, 1, 1), -1, 'no byte: undecided');
    assert.equal(extendedTimestampBytes(s, buf, 1, 2), -1);
    assert.equal(extendedTimestampBytes(s, buf, 1, 4), -1, 'delta prefix');
    assert.equal(extendedTimestampBytes(s, buf, 4, 7), -1, 'absolute prefix');
    assert.equal(extendedTimestampBytes(s, buf, 0, 3), 0, 'first byte differs from both');
    assert.equal(extendedTimestampBytes(s, hx('01 02 05'), 0, 3), 0, 'third byte differs');
  });
});
