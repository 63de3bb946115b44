/**
 * An AV1CodecConfigurationRecord (AV1-ISOBMFF §2.3.3) built from a sample's Sequence
 * Header OBU (AV1 §5.5), for tracks whose `av1C` is empty — FFmpeg writes it so in
 * fragmented files (`empty_moov`) when the encoder gives no headers up front, and E-RTMP's
 * `av01` SequenceStart needs the record.
 *
 * Record: `marker(1)=1 version(7)=1 | seq_profile(3) seq_level_idx_0(5) | seq_tier_0(1)
 * high_bitdepth(1) twelve_bit(1) monochrome(1) chroma_subsampling_x(1)
 * chroma_subsampling_y(1) chroma_sample_position(2) | reserved(3)
 * initial_presentation_delay_present(1)=0 reserved(4)`, then the Sequence Header OBU with
 * its size field (configOBUs).
 *
 * Invariants: total over any bytes — a truncated or malformed OBU gives undefined, never
 * an exception; reads never leave the sample.
 */

const OBU_SEQUENCE_HEADER = 1;

/** MSB-first bit reader; `undefined` once it runs past the end. */
class Bits {
  #pos = 0;
  readonly #buf: Buffer;
  readonly #end: number;
  constructor(buf: Buffer) {
    this.#buf = buf;
    this.#end = buf.length * 8;
  }
  get ok(): boolean {
    return this.#pos <= this.#end;
  }
  read(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++, this.#pos++) {
      if (this.#pos >= this.#end) {
        this.#pos = this.#end + 1;
        return 0;
      }
      v = v * 2 + ((this.#buf[this.#pos >>> 3]! >>> (7 - (this.#pos & 7))) & 1);
    }
    return v;
  }
  /** uvlc() (AV1 §4.10.3). */
  uvlc(): number {
    let zeros = 0;
    while (this.ok && this.read(1) === 0 && zeros < 32) zeros++;
    return zeros >= 32 ? 0xffffffff : this.read(zeros) + 2 ** zeros - 1;
  }
}

/** leb128() (AV1 §4.10.5) at `at`: [value, bytes], or undefined. */
function leb128(buf: Buffer, at: number): [number, number] | undefined {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const b = buf[at + i];
    if (b === undefined) return undefined;
    v += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return [v, i + 1];
  }
  return undefined;
}

function leb128Bytes(v: number): Buffer {
  const out: number[] = [];
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return Buffer.from(out);
}

/** Bytes 1 and 2 of the av1C record from a sequence_header_obu() payload (AV1 §5.5), or undefined. */
function recordBytes(payload: Buffer): [number, number] | undefined {
  const r = new Bits(payload);
  const profile = r.read(3);
  r.read(1); // still_picture
  const reduced = r.read(1);
  let level0 = 0;
  let tier0 = 0;
  if (reduced) {
    level0 = r.read(5);
  } else {
    let bufferDelayBits = 0;
    let decoderModel = 0;
    if (r.read(1)) {
      // timing_info(): num_units_in_display_tick, time_scale, equal_picture_interval
      r.read(32);
      r.read(32);
      if (r.read(1)) r.uvlc();
      decoderModel = r.read(1);
      if (decoderModel) {
        // decoder_model_info()
        bufferDelayBits = r.read(5) + 1;
        r.read(32);
        r.read(5);
        r.read(5);
      }
    }
    const initialDisplayDelay = r.read(1);
    const points = r.read(5) + 1;
    for (let i = 0; i < points && r.ok; i++) {
      r.read(12); // operating_point_idc
      const level = r.read(5);
      const tier = level > 7 ? r.read(1) : 0;
      if (i === 0) {
        level0 = level;
        tier0 = tier;
      }
      if (decoderModel && r.read(1)) {
        r.read(bufferDelayBits);
        r.read(bufferDelayBits);
        r.read(1);
      }
      if (initialDisplayDelay && r.read(1)) r.read(4);
    }
  }
  const widthBits = r.read(4) + 1;
  const heightBits = r.read(4) + 1;
  r.read(widthBits);
  r.read(heightBits);
  if (!reduced && r.read(1)) r.read(7); // frame_id_numbers_present: two length fields
  r.read(3); // 128x128 superblock, filter intra, intra edge filter
  if (!reduced) {
    r.read(4); // interintra compound, masked compound, warped motion, dual filter
    const orderHint = r.read(1);
    if (orderHint) r.read(2); // jnt_comp, ref_frame_mvs
    const screenContent = r.read(1) ? 2 : r.read(1);
    if (screenContent > 0 && !r.read(1)) r.read(1); // seq_choose_integer_mv, seq_force_integer_mv
    if (orderHint) r.read(3);
  }
  r.read(3); // superres, cdef, restoration
  // color_config() (§5.5.2)
  const highBitdepth = r.read(1);
  const twelveBit = profile === 2 && highBitdepth ? r.read(1) : 0;
  const mono = profile === 1 ? 0 : r.read(1);
  let primaries = 2;
  let transfer = 2;
  let matrix = 2;
  if (r.read(1)) {
    primaries = r.read(8);
    transfer = r.read(8);
    matrix = r.read(8);
  }
  let ssx = 1;
  let ssy = 1;
  let position = 0;
  if (mono) {
    r.read(1);
  } else if (primaries === 1 && transfer === 13 && matrix === 0) {
    ssx = 0; // sRGB: 4:4:4
    ssy = 0;
  } else {
    r.read(1); // color_range
    if (profile === 1) {
      ssx = 0;
      ssy = 0;
    } else if (profile === 2) {
      if (twelveBit) {
        ssx = r.read(1);
        ssy = ssx ? r.read(1) : 0;
      } else {
        ssx = 1;
        ssy = 0;
      }
    }
    if (ssx && ssy) position = r.read(2);
  }
  if (!r.ok) return undefined;
  return [
    (profile << 5) | level0,
    (tier0 << 7) | (highBitdepth << 6) | (twelveBit << 5) | (mono << 4) | (ssx << 3) | (ssy << 2) | position,
  ];
}

/**
 * The AV1CodecConfigurationRecord for the first Sequence Header OBU of `sample` (a
 * temporal unit in low-overhead format, AV1 §5.2), or undefined when there is none.
 */
export function av1ConfigFromSample(sample: Buffer): Buffer | undefined {
  let at = 0;
  while (at < sample.length) {
    const header = sample[at]!;
    const type = (header >>> 3) & 0x0f;
    const headerSize = header & 0x04 ? 2 : 1;
    let size: number;
    let sizeBytes = 0;
    if (header & 0x02) {
      const v = leb128(sample, at + headerSize);
      if (!v) return undefined;
      [size, sizeBytes] = v;
    } else {
      size = sample.length - at - headerSize;
    }
    const start = at + headerSize + sizeBytes;
    if (start + size > sample.length) return undefined;
    if (type === OBU_SEQUENCE_HEADER) {
      const fields = recordBytes(sample.subarray(start, start + size));
      if (!fields) return undefined;
      const obu = Buffer.concat([
        Buffer.from([header | 0x02]),
        sample.subarray(at + 1, at + headerSize),
        leb128Bytes(size),
        sample.subarray(start, start + size),
      ]);
      return Buffer.concat([Buffer.from([0x81, ...fields, 0]), obu]);
    }
    at = start + size;
  }
  return undefined;
}
