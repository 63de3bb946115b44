/**
 * Fuzz targets for the AMF3 codec: any input must decode or fail with an `AMFError`
 * whose code starts with `ERR_AMF_`; whatever decodes must re-encode and decode again,
 * and that second encoding must be a fixed point. Seeds: the golden vectors of
 * test/unit/amf3.test.ts, CVE-2015-8270/8271-class inputs, and realistic Flex messages.
 */
import { AMFExternalizable, ARRAY_COLLECTION, decode, encode, OBJECT_PROXY } from '../../src/amf/amf3.js';
import {
  AMFDictionary,
  AMFDouble,
  AMFObject,
  AMFTypedObject,
  AMFVector,
  AMFXML,
  type AmfDecodeOptions,
  newEcmaArray,
} from '../../src/amf/types.js';
import { AMFError } from '../../src/errors.js';
import type { FuzzTarget } from './engine.js';

function hx(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

function ascii(s: string): string {
  return Buffer.from(s, 'latin1').toString('hex');
}

const AC = ascii(ARRAY_COLLECTION);
const OP = ascii(OBJECT_PROXY);

/** The golden vectors of test/unit/amf3.test.ts. */
export const AMF3_GOLDEN_SEEDS: Buffer[] = [
  '00',
  '01',
  '02',
  '03',
  '04 00',
  '04 7F',
  '04 81 00',
  '04 FF 7F',
  '04 81 80 00',
  '04 FF FF 7F',
  '04 80 C0 80 00',
  '04 BF FF FF FF',
  '04 FF FF FF FF',
  '04 C0 80 80 00',
  '05 41 B0 00 00 00 00 00 00',
  '05 80 00 00 00 00 00 00 00',
  '05 7F F8 00 00 00 00 00 00',
  '06 01',
  `06 0B ${ascii('hello')}`,
  '06 09 F0 9F 98 80',
  `06 81 01 ${'61'.repeat(64)}`,
  '06 05 61 62 06 05 63 64 06 00 06 02 06 01 06 01 06 00',
  `07 09 ${ascii('<a/>')}`,
  `0B 09 ${ascii('<a/>')} 0B 00`,
  '08 01 3F F0 00 00 00 00 00 00 08 00',
  '08 01 7F F8 00 00 00 00 00 00',
  '09 01 01',
  '09 07 01 04 01 04 02 04 03',
  '09 01 03 61 04 01 03 62 06 03 78 01',
  '09 03 03 78 06 03 79 01 04 01',
  '09 03 03 32 04 03 01 04 01',
  '09 03 01 09 00',
  '0A 0B 01 03 61 04 01 01 0A 01 00 04 02 01',
  `0A 23 0B ${ascii('Point')} 03 78 03 79 04 01 04 02 0A 01 04 03 04 04`,
  '0A 1B 03 43 03 73 04 01 03 64 04 02 01',
  `0A 0B 01 09 ${ascii('self')} 0A 00 01`,
  '09 05 01 0A 0B 01 01 0A 02',
  `0A 0B 01 13 ${ascii('__proto__')} 04 01 01`,
  '0C 07 01 02 03',
  '0D 05 00 00 00 00 01 FF FF FF FF',
  '0E 05 01 00 00 00 01 FF FF FF FF',
  '0F 03 00 3F F8 00 00 00 00 00 00',
  '10 05 00 03 2A 04 01 06 03 61',
  `10 03 01 0F ${ascii('com.Foo')} 01`,
  '11 05 00 06 03 6B 04 01 04 02 03',
  '11 03 01 0A 0B 01 01 06 03 76',
  `0A 07 43 ${AC} 09 05 01 04 01 04 02`,
  `0A 07 43 ${AC} 09 01 01 0A 01 09 03 01 06 03 61`,
  `0A 07 3B ${OP} 0A 0B 01 03 61 04 01 01`,
  `0A 07 43 ${AC} 09 03 01 0A 00`,
].map(hx);

/** CVE-2015-8270/8271-class inputs and other hostile shapes (librtmp's AMF3 decoder). */
export const AMF3_HOSTILE_SEEDS: Buffer[] = [
  '0A 84 80 80 03 01 01 01', // CVE-2015-8271: 2^20 sealed members, 3 bytes of data
  '0A 0B 00 01', // CVE-2015-8270: class name is a string reference into an empty table
  '06 00',
  '0A 00',
  '0A 01',
  '09 FF FF FF FF 01 01 01 01',
  '0F FF FF FF FF 00 01 01 01 01',
  '11 FF FF FF FF 00 01 01',
  '0A FF FF FF F3 01 01 01',
  `${'090301'.repeat(64)}01`,
  `${'0A0B010361'.repeat(32)}01${'01'.repeat(32)}`,
].map(hx);

/** Realistic AMF3: a Flex AcknowledgeMessage carrying an ArrayCollection of typed objects, and onMetaData. */
function realistic(): Buffer[] {
  const user = (id: number, name: string) =>
    new AMFTypedObject(
      'com.example.User',
      { id, name, created: new Date(1_700_000_000_000 + id), tags: ['a', 'b'], score: 1.5 },
      { sealed: ['id', 'name', 'created'], dynamic: true },
    );
  const headers = new AMFObject({ DSId: '6B1E3F4A-2C1D-4E5F-8A9B-0C1D2E3F4A5B', DSMessagingVersion: 1 });
  const ack = new AMFTypedObject(
    'flex.messaging.messages.AcknowledgeMessage',
    {
      body: new AMFExternalizable(ARRAY_COLLECTION, [user(1, 'Ann'), user(2, 'Bob'), user(3, 'Ann')]),
      clientId: '6B1E3F4A-2C1D-4E5F-8A9B-0C1D2E3F4A5B',
      correlationId: 'A1B2C3D4-0000-1111-2222-333344445555',
      destination: '',
      headers,
      messageId: 'F0E1D2C3-B4A5-9687-7869-5A4B3C2D1E0F',
      timeToLive: 0,
      timestamp: new AMFDouble(1_700_000_000_000),
    },
    {
      sealed: [
        'body',
        'clientId',
        'correlationId',
        'destination',
        'headers',
        'messageId',
        'timeToLive',
        'timestamp',
      ],
      dynamic: false,
    },
  );
  const meta = Object.assign(newEcmaArray(), {
    duration: 60.5,
    width: 1280,
    height: 720,
    encoder: 'Lavf58.76.100',
    keyframes: new AMFObject({ times: new AMFVector('double', [0, 2, 4]), filepositions: [13, 4096, 8192] }),
  });
  const dict = new AMFDictionary([
    ['k', new Uint8Array([1, 2, 3])],
    [7, new AMFXML('<x/>')],
  ]);
  return [
    encode('onMetaData', meta),
    encode(ack),
    encode(new AMFExternalizable(OBJECT_PROXY, headers), dict, new AMFVector('int', [1, -1, 2 ** 31 - 1])),
  ];
}

function runOnce(input: Buffer, options?: AmfDecodeOptions): void {
  const values = decode(input, options);
  const once = encode(...values);
  const again = decode(once, options);
  const twice = encode(...again);
  if (!once.equals(twice)) {
    throw new Error(`re-encoding is not a fixed point: ${once.toString('hex')} vs ${twice.toString('hex')}`);
  }
}

function allowed(err: unknown): boolean {
  return err instanceof AMFError && err.code.startsWith('ERR_AMF_');
}

const seeds = [...AMF3_GOLDEN_SEEDS, ...AMF3_HOSTILE_SEEDS, ...realistic()];

/** The AMF3 fuzz targets (default options; lenient UTF-8 with a small depth limit). */
export const targets: FuzzTarget[] = [
  { name: 'amf3 decode/encode', seeds, run: (input) => runOnce(input), allowed },
  {
    name: 'amf3 decode/encode (utf8 replace, maxDepth 8)',
    seeds,
    run: (input) => runOnce(input, { utf8: 'replace', maxDepth: 8 }),
    allowed,
  },
];
