/**
 * The fixed keys of RTMPE's signature wrapping (handshake types 8 and 9), as librtmp
 * (`rtmpe8_keys`, `rtmpe9_keys` in handshake.h) and FFmpeg (`rtmpcrypt.c`) carry them:
 * 16 XTEA keys of 16 bytes (each the little-endian bytes of librtmp's four uint32 words)
 * and 16 Blowfish keys of 24 bytes. Block i of a signature uses key `digest[i] % 15`, so
 * the last key of each table is never selected; it is kept for completeness.
 */

function table(hex: readonly string[]): readonly Buffer[] {
  return hex.map((h) => Buffer.from(h, 'hex'));
}

/** Type 8: XTEA keys (read as little-endian words). */
export const RTMPE8_KEYS: readonly Buffer[] = table([
  'b234f0bf1f08d91195b7dfcc32e78d74',
  'b65e6a080e094317b85af06ee2395afe',
  '6f95107b2105ce763aa78823a1490144',
  '17f343a9b21bf1ebeea591a63963f317',
  '0ae0307a2ce229b5a5ae87a0ac79cbc0',
  '230ccebdffdeeb2f16aefa1c9d232311',
  '7b3fdd552ee6e77799c4b89be41e48c9',
  'b4b67b403691e87155bfaea739b833ca',
  'c3bdf6fc97363cb625f8e47cb259d904',
  'fd91e0284c4c954100dbb77ff866a0e3',
  '765b8457031b254fcd5bd446290dc3a2',
  'f8eecc0a46b555da523447033b716358',
  'dc7520b8ee1f5fa7e86842d8cc442aa7',
  '9e6ecf07257b6da16caea79f29562fd9',
  'e4eab1fee13c8c8ca764004e2a7c386a',
  '27943a89a21330cc5b3806f127f929a8',
]);

/** Type 9: Blowfish keys (24 bytes each). */
export const RTMPE9_KEYS: readonly Buffer[] = table([
  '7934774c67d1383adfb356be8b7bd02438e07358415d6967',
  '46f6b4cc0193e3a19e7d3c655586fd098ff7b3c46f41ca5c',
  '1ae7e2f3f9147994c0d39743087bb384432f9d843f21019b',
  'd3e354b0f71df62b5a434d0483643e0d592f61cbb16a590d',
  'c8c1e9b8165699217b5b36b7b59bdf06492c97f59548857e',
  'ebe5e62ea4bad42cf216e08f6623a94341ce381484950053',
  '66db90f03b4ff56fe49c2089355ed2b2c39e9f7f63b22881',
  'bb20aced2a046a1994989bc8ffcd93efc60d56a7eb13d930',
  'bcf2438209408a8725436de6bba4b944583f217c99bb3f24',
  'ec1aaacdcebd5311d2fb83b6c3baab4f6279e865a9922876',
  'c60c300391182d7b79dae1d564779a12c5b1d7914f964ca3',
  'd77c2abfa6e7857c45adff1294d8dea45c3d79a444025d22',
  '16190d816a4cc7f8b8f94ecd2c9e9084b2082560e11eae18',
  'e97c58261b519e49826061fca0a01bcdf505d6a66d0788a3',
  '2b97118bd94ed9df20e39c10e6a1352111f9130d0b2465b2',
  '536a4c54ac8b9bb89729fc602c5b3a8568b5aa6a44cd3fa7',
]);
