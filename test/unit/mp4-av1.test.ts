/**
 * AV1CodecConfigurationRecord from a Sequence Header OBU (AV1 §5.5, AV1-ISOBMFF §2.3.3):
 * libaom's header as FFmpeg stores it (the record FFmpeg itself writes), headers composed
 * bit by bit for the branches FFmpeg's output does not take (timing and decoder model
 * info, several operating points with a tier, reduced still pictures, 12-bit 4:2:2,
 * monochrome, sRGB 4:4:4), OBUs without a size field or with an extension header, and
 * truncated or OBU-less input (undefined, never an exception).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { av1ConfigFromSample } from '../../src/mp4/av1.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Writes fields MSB first. */
class BitWriter {
  #bits: number[] = [];
  put(n: number, v: number): this {
    for (let i = n - 1; i >= 0; i--) this.#bits.push(Math.floor(v / 2 ** i) % 2);
    return this;
  }
  bytes(): Buffer {
    const out = Buffer.alloc(Math.ceil(this.#bits.length / 8));
    this.#bits.forEach((b, i) => {
      out[i >>> 3]! |= b << (7 - (i & 7));
    });
    return out;
  }
}

/** The part of a sequence header after the operating points, up to and with color_config. */
function tail(w: BitWriter, reduced: boolean, color: (w: BitWriter) => void): Buffer {
  w.put(4, 7).put(4, 7).put(8, 159).put(8, 119); // frame size bits and maxima (160×120)
  if (!reduced) w.put(1, 0); // frame_id_numbers_present_flag
  w.put(3, 0b011); // 128x128 superblock, filter intra, intra edge
  if (!reduced) {
    w.put(4, 0b1111).put(1, 1).put(2, 0b11); // compound/warp/dual filter, order hint, jnt_comp, ref_frame_mvs
    w.put(1, 0).put(1, 1).put(1, 0).put(1, 1); // screen content: forced 1; integer mv: forced 1
    w.put(3, 6); // order_hint_bits_minus_1
  }
  w.put(3, 0b011); // superres, cdef, restoration
  color(w);
  w.put(1, 0); // separate_uv_delta_q / film grain, padding
  return w.bytes();
}

const obu = (payload: Buffer) => Buffer.concat([Buffer.from([0x0a, payload.length]), payload]);

describe('av1ConfigFromSample', () => {
  it("libaom's header (FFmpeg writes the same av1C when it remuxes)", () => {
    const sample = hex('1200 0a0a00000003b4ff736be401 328d0e1400');
    assert.deepEqual(av1ConfigFromSample(sample), hex('81000c00 0a0a00000003b4ff736be401'));
  });

  it('timing and decoder model info, two operating points, tier 1 at level 8, 10-bit 4:2:0 with chroma position', () => {
    const w = new BitWriter().put(3, 0).put(1, 0).put(1, 0);
    w.put(1, 1).put(32, 1).put(32, 30).put(1, 1).put(1, 1); // timing_info, equal_picture_interval, uvlc(0) = '1'
    w.put(1, 1).put(5, 9).put(32, 90000).put(5, 4).put(5, 4); // decoder_model_info, buffer delay 10 bits
    w.put(1, 1).put(5, 1); // initial_display_delay_present, 2 operating points
    w.put(12, 0x10f).put(5, 8).put(1, 1).put(1, 1).put(10, 5).put(10, 6).put(1, 0).put(1, 1).put(4, 3);
    w.put(12, 0x101).put(5, 4).put(1, 0).put(1, 0);
    const payload = tail(w, false, (c) => c.put(1, 1).put(1, 0).put(1, 0).put(1, 0).put(2, 2));
    // profile 0 level 8 | tier 1, high bitdepth, 4:2:0, chroma_sample_position 2
    assert.deepEqual(av1ConfigFromSample(obu(payload))!.subarray(0, 4), hex('81 08 ce 00'));
  });

  it('reduced still picture, profile 2 12-bit 4:2:2; monochrome; sRGB 4:4:4 (profile 1)', () => {
    const reduced = new BitWriter().put(3, 2).put(1, 1).put(1, 1).put(5, 31);
    // high_bitdepth, twelve_bit, mono 0, no color description, color_range, ssx 1, ssy 0
    const p422 = tail(reduced, true, (c) =>
      c.put(1, 1).put(1, 1).put(1, 0).put(1, 0).put(1, 0).put(1, 1).put(1, 0),
    );
    assert.deepEqual(av1ConfigFromSample(obu(p422))!.subarray(0, 4), hex('81 5f 68 00'));
    const mono = tail(new BitWriter().put(3, 0).put(1, 1).put(1, 1).put(5, 2), true, (c) =>
      c.put(1, 0).put(1, 1).put(1, 0).put(1, 1),
    );
    assert.deepEqual(av1ConfigFromSample(obu(mono))!.subarray(0, 4), hex('81 02 1c 00'));
    const srgb = tail(new BitWriter().put(3, 1).put(1, 1).put(1, 1).put(5, 5), true, (c) =>
      c.put(1, 0).put(1, 1).put(8, 1).put(8, 13).put(8, 0),
    );
    assert.deepEqual(av1ConfigFromSample(obu(srgb))!.subarray(0, 4), hex('81 25 00 00'));
  });

  it('an OBU without a size field gets one in configOBUs; extension headers are kept', () => {
    const payload = hex('00000003b4ff736be401');
    assert.deepEqual(
      av1ConfigFromSample(Buffer.concat([hex('08'), payload])),
      hex(`81000c00 0a0a ${payload.toString('hex')}`),
    );
    assert.deepEqual(
      av1ConfigFromSample(Buffer.concat([hex('1200 0e 28 0a'), payload])),
      hex(`81000c00 0e 28 0a ${payload.toString('hex')}`),
    );
  });

  it('undefined for truncated headers, bad sizes and temporal units without a sequence header', () => {
    const good = hex('0a0a00000003b4ff736be401');
    for (let n = 0; n < good.length; n++)
      assert.equal(av1ConfigFromSample(good.subarray(0, n)), undefined, `cut at ${n}`);
    assert.equal(
      av1ConfigFromSample(hex('0a0400000003')),
      undefined,
      'a header cut inside its declared size',
    );
    assert.equal(av1ConfigFromSample(hex('0a ffffffffffffffff80')), undefined, 'an over-long leb128');
    assert.equal(av1ConfigFromSample(hex('1200 3203aabbcc')), undefined);
    assert.equal(av1ConfigFromSample(Buffer.alloc(0)), undefined);
  });
});
