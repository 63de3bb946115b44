/**
 * Blowfish against Eric Young's vectors (ECB table and the set_key table of 1…24-byte
 * keys — RTMPE type 9 uses 24), decryption back, the little-endian block variant RTMPE
 * type 9 uses, and the initial P-array/S-boxes recomputed from π (Machin's formula in
 * BigInt) instead of trusting the table.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PI_HEX_DIGITS } from '../../src/crypto/blowfish-pi.js';
import { Blowfish } from '../../src/crypto/index.js';

/** Eric Young's "ecb test data": [key, clear, cipher]. */
const ECB: [string, string, string][] = [
  ['0000000000000000', '0000000000000000', '4EF997456198DD78'],
  ['FFFFFFFFFFFFFFFF', 'FFFFFFFFFFFFFFFF', '51866FD5B85ECB8A'],
  ['3000000000000000', '1000000000000001', '7D856F9A613063F2'],
  ['1111111111111111', '1111111111111111', '2466DD878B963C9D'],
  ['0123456789ABCDEF', '1111111111111111', '61F9C3802281B096'],
  ['1111111111111111', '0123456789ABCDEF', '7D0CC630AFDA1EC7'],
  ['FEDCBA9876543210', '0123456789ABCDEF', '0ACEAB0FC6A0A28D'],
  ['7CA110454A1A6E57', '01A1D6D039776742', '59C68245EB05282B'],
  ['0131D9619DC1376E', '5CD54CA83DEF57DA', 'B1B8CC0B250F09A0'],
  ['07A1133E4A0B2686', '0248D43806F67172', '1730E5778BEA1DA4'],
  ['3849674C2602319E', '51454B582DDF440A', 'A25E7856CF2651EB'],
  ['04B915BA43FEB5B6', '42FD443059577FA2', '353882B109CE8F1A'],
  ['0113B970FD34F2CE', '059B5E0851CF143A', '48F4D0884C379918'],
  ['0170F175468FB5E6', '0756D8E0774761D2', '432193B78951FC98'],
  ['43297FAD38E373FE', '762514B829BF486A', '13F04154D69D1AE5'],
  ['07A7137045DA2A16', '3BDD119049372802', '2EEDDA93FFD39C79'],
  ['04689104C2FD3B2F', '26955F6835AF609A', 'D887E0393C2DA6E3'],
  ['37D06BB516CB7546', '164D5E404F275232', '5F99D04F5B163969'],
  ['1F08260D1AC2465E', '6B056E18759F5CCA', '4A057A3B24D3977B'],
  ['584023641ABA6176', '004BD6EF09176062', '452031C1E4FADA8E'],
  ['025816164629B007', '480D39006EE762F2', '7555AE39F59B87BD'],
  ['49793EBC79B3258F', '437540C8698F3CFA', '53C55F9CB49FC019'],
  ['4FB05E1515AB73A7', '072D43A077075292', '7A8E7BFA937E89A3'],
  ['49E95D6D4CA229BF', '02FE55778117F12A', 'CF9C5D7A4986ADB5'],
  ['018310DC409B26D6', '1D9D5C5018F728C2', 'D1ABB290658BC778'],
  ['1C587F1C13924FEF', '305532286D6F295A', '55CB3774D13EF201'],
  ['0101010101010101', '0123456789ABCDEF', 'FA34EC4847B268B2'],
  ['1F1F1F1F0E0E0E0E', '0123456789ABCDEF', 'A790795108EA3CAE'],
  ['E0FEE0FEF1FEF1FE', '0123456789ABCDEF', 'C39E072D9FAC631D'],
  ['0000000000000000', 'FFFFFFFFFFFFFFFF', '014933E0CDAFF6E4'],
  ['FFFFFFFFFFFFFFFF', '0000000000000000', 'F21E9A77B71C49BC'],
  ['0123456789ABCDEF', '0000000000000000', '245946885754369A'],
  ['FEDCBA9876543210', 'FFFFFFFFFFFFFFFF', '6B5C5A9C5D9E0A5A'],
];

/** Eric Young's "set_key test data": data FEDCBA9876543210, key = the first n bytes of KEY24. */
const KEY24 = 'F0E1D2C3B4A5968778695A4B3C2D1E0F0011223344556677';
const SET_KEY = [
  'F9AD597C49DB005E',
  'E91D21C1D961A6D6',
  'E9C2B70A1BC65CF3',
  'BE1E639408640F05',
  'B39E44481BDB1E6E',
  '9457AA83B1928C0D',
  '8BB77032F960629D',
  'E87A244E2CC85E82',
  '15750E7A4F4EC577',
  '122BA70B3AB64AE0',
  '3A833C9AFFC537F6',
  '9409DA87A90F6BF2',
  '884F80625060B8B4',
  '1F85031C19E11968',
  '79D9373A714CA34F',
  '93142887EE3BE15C',
  '03429E838CE2D14B',
  'A4299E27469FF67B',
  'AFD5AED1C1BC96A8',
  '10851C0E3858DA9F',
  'E6F51ED79B9DB21F',
  '64A6E14AFD36B46F',
  '80C7D7D45A5479AD',
  '05044B62FA52D080',
];

function crypt(bf: Blowfish, hex: string, decrypt = false): string {
  const b = Buffer.from(hex, 'hex');
  if (decrypt) bf.decryptBlock(b, 0, b, 0);
  else bf.encryptBlock(b, 0, b, 0);
  return b.toString('hex').toUpperCase();
}

/** The first `digits` hex digits of π's fractional part: π = 16·atan(1/5) − 4·atan(1/239). */
function piHex(digits: number): string {
  const bits = BigInt(digits * 4 + 64);
  const one = 1n << bits;
  const atanInv = (x: bigint): bigint => {
    let term = one / x;
    let sum = term;
    let n = 1n;
    let sign = -1n;
    while (term !== 0n) {
      term /= x * x;
      n += 2n;
      sum += sign * (term / n);
      sign = -sign;
    }
    return sum;
  };
  const pi = 16n * atanInv(5n) - 4n * atanInv(239n);
  return ((pi - 3n * one) >> 64n).toString(16).padStart(digits, '0');
}

describe('Blowfish (Eric Young vectors)', () => {
  it(`ECB table: ${ECB.length} key/clear/cipher rows, both ways`, () => {
    for (const [key, clear, cipher] of ECB) {
      const bf = new Blowfish(Buffer.from(key, 'hex'));
      assert.equal(crypt(bf, clear), cipher, `key ${key} clear ${clear}`);
      assert.equal(crypt(bf, cipher, true), clear, `key ${key} decrypt`);
    }
  });

  it('set_key table: keys of 1…24 bytes (RTMPE type 9 uses 24)', () => {
    SET_KEY.forEach((cipher, i) => {
      const bf = new Blowfish(Buffer.from(KEY24.slice(0, 2 * (i + 1)), 'hex'));
      assert.equal(crypt(bf, 'FEDCBA9876543210'), cipher, `key length ${i + 1}`);
    });
  });

  it('little-endian block words (RTMPE type 9) are the same cipher on byte-swapped words', () => {
    const key = Buffer.from(KEY24, 'hex');
    const be = new Blowfish(key);
    const le = new Blowfish(key, { littleEndian: true });
    const swap = (h: string) => {
      const b = Buffer.from(h, 'hex');
      b.subarray(0, 4).reverse();
      b.subarray(4, 8).reverse();
      return b.toString('hex').toUpperCase();
    };
    for (const clear of ['FEDCBA9876543210', '0123456789ABCDEF', '0000000000000000']) {
      assert.equal(crypt(le, swap(clear)), swap(crypt(be, clear)));
    }
  });

  it('the initial P-array and S-boxes are the hex digits of π', () => {
    assert.equal(PI_HEX_DIGITS.length, 1042 * 8);
    assert.equal(PI_HEX_DIGITS, piHex(1042 * 8));
  });

  it('rejects keys of 0 or more than 56 bytes', () => {
    assert.throws(() => new Blowfish(Buffer.alloc(0)), { code: 'ERR_CRYPTO_KEY' });
    assert.throws(() => new Blowfish(Buffer.alloc(57)), { code: 'ERR_CRYPTO_KEY' });
  });
});
