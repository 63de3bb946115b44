/**
 * RC4 against RFC 6229 §2 (keystream bytes at 18 offsets for five keys), at every split
 * and byte alignment of the stream, plus `skip`; the WebAssembly kernel (inputs of
 * KERNEL_MIN bytes and more, through its 64 KiB window) against a textbook RC4 and against
 * the TypeScript byte loop, and the byte loop alone under `node --jitless` (no WebAssembly). The speed figure for
 * RTMPE's budget is printed by test/property/crypto.property.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RC4 } from '../../src/crypto/index.js';
import { KERNEL_MIN } from '../../src/crypto/rc4.js';
import { kernelReadArea, RC4_WINDOW, READ_AREA_SIZE, rc4Kernel } from '../../src/crypto/rc4-kernel.js';

/** RC4 as its description gives it, one byte at a time over plain arrays: the reference. */
function textbookRc4(key: Uint8Array, data: Uint8Array): Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) % 256;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = Buffer.from(data);
  for (let k = 0, i = 0, j = 0; k < out.length; k++) {
    i = (i + 1) % 256;
    j = (j + s[i]!) % 256;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[k] = out[k]! ^ s[(s[i]! + s[j]!) % 256]!;
  }
  return out;
}

/** RFC 6229 §2: key → [offset, 16 keystream bytes]. */
const RFC6229: Record<string, [number, string][]> = {
  '0102030405': [
    [0, 'b2396305f03dc027ccc3524a0a1118a8'],
    [16, '6982944f18fc82d589c403a47a0d0919'],
    [240, '28cb1132c96ce286421dcaadb8b69eae'],
    [256, '1cfcf62b03eddb641d77dfcf7f8d8c93'],
    [496, '42b7d0cdd918a8a33dd51781c81f4041'],
    [512, '6459844432a7da923cfb3eb4980661f6'],
    [752, 'ec10327bde2beefd18f9277680457e22'],
    [768, 'eb62638d4f0ba1fe9fca20e05bf8ff2b'],
    [1008, '45129048e6a0ed0b56b490338f078da5'],
    [1024, '30abbcc7c20b01609f23ee2d5f6bb7df'],
    [1520, '3294f744d8f9790507e70f62e5bbceea'],
    [1536, 'd8729db41882259bee4f825325f5a130'],
    [2032, '1eb14a0c13b3bf47fa2a0ba93ad45b8b'],
    [2048, 'cc582f8ba9f265e2b1be9112e975d2d7'],
    [3056, 'f2e30f9bd102ecbf75aaade9bc35c43c'],
    [3072, 'ec0e11c479dc329dc8da7968fe965681'],
    [4080, '068326a2118416d21f9d04b2cd1ca050'],
    [4096, 'ff25b58995996707e51fbdf08b34d875'],
  ],
  '0102030405060708090a0b0c0d0e0f10': [
    [0, '9ac7cc9a609d1ef7b2932899cde41b97'],
    [16, '5248c4959014126a6e8a84f11d1a9e1c'],
    [240, '065902e4b620f6cc36c8589f66432f2b'],
    [256, 'd39d566bc6bce3010768151549f3873f'],
    [496, 'b6d1e6c4a5e4771cad79538df295fb11'],
    [512, 'c68c1d5c559a974123df1dbc52a43b89'],
    [752, 'c5ecf88de897fd57fed301701b82a259'],
    [768, 'eccbe13de1fcc91c11a0b26c0bc8fa4d'],
    [1008, 'e7a72574f8782ae26aabcf9ebcd66065'],
    [1024, 'bdf0324e6083dcc6d3cedd3ca8c53c16'],
    [1520, 'b40110c4190b5622a96116b0017ed297'],
    [1536, 'ffa0b514647ec04f6306b892ae661181'],
    [2032, 'd03d1bc03cd33d70dff9fa5d71963ebd'],
    [2048, '8a44126411eaa78bd51e8d87a8879bf5'],
    [3056, 'fabeb76028ade2d0e48722e46c4615a3'],
    [3072, 'c05d88abd50357f935a63c59ee537623'],
    [4080, 'ff38265c1642c1abe8d3c2fe5e572bf8'],
    [4096, 'a36a4c301ae8ac13610ccbc12256cacc'],
  ],
  '0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20': [
    [0, 'eaa6bd25880bf93d3f5d1e4ca2611d91'],
    [16, 'cfa45c9f7e714b54bdfa80027cb14380'],
    [240, '114ae344ded71b35f2e60febad727fd8'],
    [256, '02e1e7056b0f623900496422943e97b6'],
    [496, '91cb93c787964e10d9527d999c6f936b'],
    [512, '49b18b42f8e8367cbeb5ef104ba1c7cd'],
    [752, '87084b3ba700bade955610672745b374'],
    [768, 'e7a7b9e9ec540d5ff43bdb12792d1b35'],
    [1008, 'c799b596738f6b018c76c74b1759bd90'],
    [1024, '7fec5bfd9f9b89ce6548309092d7e958'],
    [1520, '40f250b26d1f096a4afd4c340a588815'],
    [1536, '3e34135c79db010200767651cf263073'],
    [2032, 'f656abccf88dd827027b2ce917d464ec'],
    [2048, '18b62503bfbc077fbabb98f20d98ab34'],
    [3056, '8aed95ee5b0dcbfbef4eb21d3a3f52f9'],
    [3072, '625a1ab00ee39a5327346bddb01a9c18'],
    [4080, 'a13a7c79c7e119b5ab0296ab28c300b9'],
    [4096, 'f3e4c0a2e02d1d01f7f0a74618af2b48'],
  ],
  '833222772a': [
    [0, '80ad97bdc973df8a2e879e92a497efda'],
    [16, '20f060c2f2e5126501d3d4fea10d5fc0'],
    [240, 'faa148e99046181fec6b2085f3b20ed9'],
    [256, 'f0daf5bab3d596839857846f73fbfe5a'],
    [496, '1c7e2fc4639232fe297584b296996bc8'],
    [512, '3db9b249406cc8edffac55ccd322ba12'],
    [752, 'e4f9f7e0066154bbd125b745569bc897'],
    [768, '75d5ef262b44c41a9cf63ae14568e1b9'],
    [1008, '6da453dbf81e82334a3d8866cb50a1e3'],
    [1024, '7828d074119cab5c22b294d7a9bfa0bb'],
    [1520, 'adb89cea9a15fbe617295bd04b8ca05c'],
    [1536, '6251d87fd4aaae9a7e4ad5c217d3f300'],
    [2032, 'e7119bd6dd9b22afe8f89585432881e2'],
    [2048, '785b60fd7ec4e9fcb6545f350d660fab'],
    [3056, 'afecc037fdb7b0838eb3d70bcd268382'],
    [3072, 'dbc1a7b49d57358cc9fa6d61d73b7cf0'],
    [4080, '6349d126a37afcba89794f9804914fdc'],
    [4096, 'bf42c3018c2f7c66bfde524975768115'],
  ],
  '1ada31d5cf688221c109163908ebe51debb46227c6cc8b37641910833222772a': [
    [0, 'dd5bcb0018e922d494759d7c395d02d3'],
    [16, 'c8446f8f77abf737685353eb89a1c9eb'],
    [240, 'af3e30f9c095045938151575c3fb9098'],
    [256, 'f8cb6274db99b80b1d2012a98ed48f0e'],
    [496, '25c3005a1cb85de076259839ab7198ab'],
    [512, '9dcbc183e8cb994b727b75be3180769c'],
    [752, 'a1d3078dfa9169503ed9d4491dee4eb2'],
    [768, '8514a5495858096f596e4bcd66b10665'],
    [1008, '5f40d59ec1b03b33738efa60b2255d31'],
    [1024, '3477c7f764a41baceff90bf14f92b7cc'],
    [1520, 'ac4e95368d99b9eb78b8da8f81ffa795'],
    [1536, '8c3c13f8c2388bb73f38576e65b7c446'],
    [2032, '13c4b9c1dfb66579eddd8a280b9f7316'],
    [2048, 'ddd27820550126698efaadc64b64f66e'],
    [3056, 'f08f2e66d28ed143f3a237cf9de73559'],
    [3072, '9ea36c525531b880ba124334f57b0b70'],
    [4080, 'd5a39e3dfcc50280bac4a6b5aa0dca7d'],
    [4096, '370b1c1fe655916d97fd0d47ca1d72b8'],
  ],
};

const STREAM = 4096 + 16;

function keystream(key: string, n = STREAM): Buffer {
  return new RC4(Buffer.from(key, 'hex')).update(Buffer.alloc(n));
}

describe('RC4 (RFC 6229)', () => {
  for (const [key, rows] of Object.entries(RFC6229)) {
    it(`key ${key.length * 4} bits ${key.slice(0, 10)}…: keystream at every published offset`, () => {
      const ks = keystream(key);
      for (const [offset, hex] of rows) {
        assert.equal(ks.subarray(offset, offset + 16).toString('hex'), hex, `offset ${offset}`);
      }
    });
  }

  it('any split of the stream, at any alignment, gives the same bytes', () => {
    const key = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
    const plain = Buffer.from(Array.from({ length: 700 }, (_, i) => (i * 37) & 0xff));
    const whole = new RC4(key).update(Buffer.from(plain));
    for (let split = 0; split <= plain.length; split += 7) {
      for (const shift of [0, 1, 2, 3]) {
        const rc4 = new RC4(key);
        const buf = Buffer.alloc(plain.length + shift);
        plain.copy(buf, shift);
        rc4.update(buf.subarray(shift, shift + split));
        rc4.update(buf.subarray(shift + split));
        assert.deepEqual(buf.subarray(shift), whole, `split ${split} shift ${shift}`);
      }
    }
  });

  it('skip(n) equals discarding n keystream bytes (RTMPE skips 1536)', () => {
    const key = '0102030405';
    const rc4 = new RC4(Buffer.from(key, 'hex'));
    rc4.skip(1536);
    assert.equal(rc4.update(Buffer.alloc(16)).toString('hex'), RFC6229[key]![11]![1]);
  });

  it('decrypting is encrypting again with a fresh state', () => {
    const key = Buffer.from('833222772a', 'hex');
    const text = Buffer.from('RTMPE carries the chunk stream under RC4');
    const cipher = new RC4(key).update(Buffer.from(text));
    assert.notDeepEqual(cipher, text);
    assert.deepEqual(new RC4(key).update(cipher), text);
  });

  it('rejects keys of 0 or more than 256 bytes', () => {
    assert.throws(() => new RC4(Buffer.alloc(0)), { code: 'ERR_CRYPTO_KEY' });
    assert.throws(() => new RC4(Buffer.alloc(257)), { code: 'ERR_CRYPTO_KEY' });
  });

  it('the WebAssembly kernel matches textbook RC4 across its window, at every alignment and size class', () => {
    assert.ok(rc4Kernel(), 'WebAssembly is available here');
    const key = Buffer.from('1ada31d5cf688221c109163908ebe51d', 'hex');
    const plain = Buffer.from(Array.from({ length: 3 * RC4_WINDOW + 1001 }, (_, i) => (i * 131 + 7) & 0xff));
    const want = textbookRc4(key, plain);
    // Pieces below KERNEL_MIN (byte loop), just above it, one window ± 1, and several windows.
    const sizes = [
      1,
      KERNEL_MIN - 1,
      KERNEL_MIN,
      KERNEL_MIN + 3,
      RC4_WINDOW - 1,
      RC4_WINDOW + 1,
      2 * RC4_WINDOW + 5,
    ];
    for (const shift of [0, 1, 2, 3]) {
      const rc4 = new RC4(key);
      const buf = Buffer.alloc(plain.length + shift);
      plain.copy(buf, shift);
      for (let at = 0, k = 0; at < plain.length; k++) {
        const len = Math.min(sizes[k % sizes.length]!, plain.length - at);
        rc4.update(buf.subarray(shift + at, shift + at + len));
        at += len;
      }
      assert.deepEqual(buf.subarray(shift), want, `shift ${shift}`);
    }
  });

  it('updatev(chunks, into) equals update over the joined chunks, at any chunking, and leaves the chunks plain', () => {
    const key = Buffer.from('1ada31d5cf688221c109163908ebe51d', 'hex');
    const plain = Buffer.from(Array.from({ length: 2 * RC4_WINDOW + 777 }, (_, i) => (i * 89 + 5) & 0xff));
    // Chunkings: one piece; pieces straddling the kernel's window; tiny pieces and empty ones; a
    // total below KERNEL_MIN (the byte loop).
    const chunkings = [
      [plain.length],
      [RC4_WINDOW - 3, 6, RC4_WINDOW, plain.length - 2 * RC4_WINDOW - 3],
      [0, 1, 2, 3, 0, 4093, RC4_WINDOW + 1, 0, plain.length - RC4_WINDOW - 4100],
      [5, KERNEL_MIN - 10],
    ];
    for (const sizes of chunkings) {
      const total = sizes.reduce((a, b) => a + b, 0);
      const chunks: Buffer[] = [];
      for (let at = 0, k = 0; k < sizes.length; at += sizes[k]!, k++)
        chunks.push(plain.subarray(at, at + sizes[k]!));
      const copy = Buffer.from(plain);
      const a = new RC4(key);
      const b = new RC4(key);
      a.update(Buffer.alloc(3)); // start mid-keystream, as a connection does
      b.update(Buffer.alloc(3));
      const out = a.updatev(chunks, Buffer.alloc(total));
      assert.deepEqual(out, b.update(Buffer.from(plain.subarray(0, total))), `sizes ${sizes.join(',')}`);
      assert.deepEqual(plain, copy, 'chunks unchanged');
      assert.deepEqual(a.update(Buffer.alloc(300)), b.update(Buffer.alloc(300)), 'the keystream continues');
    }
  });

  it('updatev with an output of another length than the chunks is refused before any keystream is used', () => {
    const a = new RC4(Buffer.from('0102030405', 'hex'));
    assert.throws(() => a.updatev([Buffer.alloc(300)], Buffer.alloc(299)), { code: 'ERR_CRYPTO_ARGUMENT' });
    assert.equal(a.update(Buffer.alloc(16)).toString('hex'), RFC6229['0102030405']![0]![1]);
  });

  it('data read into the kernel read area is decrypted in place, at any offset and size, as textbook RC4', () => {
    const area = kernelReadArea();
    assert.ok(area, 'WebAssembly is available here');
    assert.equal(area.length, READ_AREA_SIZE);
    const key = Buffer.from('0102030405060708', 'hex');
    const plain = Buffer.from(Array.from({ length: READ_AREA_SIZE }, (_, i) => (i * 29 + 11) & 0xff));
    const want = textbookRc4(key, plain);
    const rc4 = new RC4(key);
    // Reads of every size class at shifting offsets, as a socket's reads land in the area.
    const sizes = [READ_AREA_SIZE - 70_001 - 3 - KERNEL_MIN - 1, 3, KERNEL_MIN, 70_001, 1];
    let done = 0;
    for (const [k, size] of sizes.entries()) {
      const at = (k * 4099) % 8;
      area.set(plain.subarray(done, done + size), at);
      const view = area.subarray(at, at + size);
      assert.equal(rc4.update(view), view);
      assert.deepEqual(view, want.subarray(done, done + size), `read ${k}: ${size} bytes at ${at}`);
      done += size;
    }
    assert.equal(done, READ_AREA_SIZE);
    // The state carried on: a plain buffer continues the same keystream.
    const next = Buffer.alloc(1000);
    rc4.update(next);
    assert.deepEqual(
      next,
      textbookRc4(key, Buffer.concat([plain, Buffer.alloc(1000)])).subarray(READ_AREA_SIZE),
    );
  });

  it('two instances sharing the kernel keep their own keystreams', () => {
    const a = new RC4(Buffer.from('0102030405', 'hex'));
    const b = new RC4(Buffer.from('833222772a', 'hex'));
    const plain = Buffer.alloc(KERNEL_MIN * 3, 0x5a);
    const outA = Buffer.concat([a.update(Buffer.from(plain)), a.update(Buffer.from(plain))]);
    const outB = Buffer.concat([b.update(Buffer.from(plain)), b.update(Buffer.from(plain))]);
    const both = Buffer.concat([plain, plain]);
    assert.deepEqual(outA, textbookRc4(Buffer.from('0102030405', 'hex'), both));
    assert.deepEqual(outB, textbookRc4(Buffer.from('833222772a', 'hex'), both));
  });

  it('without WebAssembly (node --jitless) the byte loop gives the same bytes', () => {
    const rc4Url = new URL('../../src/crypto/rc4.js', import.meta.url).href;
    const kernelUrl = new URL('../../src/crypto/rc4-kernel.js', import.meta.url).href;
    const script = `
      const { RC4 } = await import(${JSON.stringify(rc4Url)});
      const { rc4Kernel } = await import(${JSON.stringify(kernelUrl)});
      const out = new RC4(Buffer.from('0102030405', 'hex')).update(Buffer.alloc(5000, 0x5a));
      process.stdout.write(JSON.stringify({ kernel: rc4Kernel() !== undefined, out: out.toString('hex') }));`;
    const child = execFileSync(process.execPath, ['--jitless', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      encoding: 'utf8',
    });
    const got = JSON.parse(child) as { kernel: boolean; out: string };
    assert.equal(got.kernel, false, 'no WebAssembly under --jitless');
    assert.equal(
      got.out,
      textbookRc4(Buffer.from('0102030405', 'hex'), Buffer.alloc(5000, 0x5a)).toString('hex'),
    );
  });
});
