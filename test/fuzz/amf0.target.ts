/**
 * Fuzz targets for the AMF0 decoder (and, through 0x11, the AMF3 one): any input must
 * decode or fail with an `AMFError` whose code starts with `ERR_AMF_`; whatever decodes
 * must re-encode, and after one decode the encoding must be a fixed point.
 */
import { amf0 } from '../../src/amf/index.js';
import type { AmfDecodeOptions } from '../../src/amf/types.js';
import { AMFError } from '../../src/errors.js';
import type { FuzzTarget } from './engine.js';

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/#[^\n]*/g, '').replace(/\s+/g, ''), 'hex');
}

const ONE = '3FF0000000000000';

/** The golden vectors of test/unit/amf0.test.ts (one per marker, plus commands). */
export const AMF0_SEEDS: Buffer[] = [
  hex(`00 ${ONE}`),
  hex('00 7FF8000000000000'),
  hex('01 01 01 00'),
  hex('02 0007 636F6E6E656374'),
  hex('02 0006 68 C3A9 6C 6C 6F'),
  hex(`03 0001 61 ${'00'} ${ONE} 000009`),
  hex('03 0001 61 03 0001 62 05 000009 000009'),
  hex('05 06 0D'),
  hex(`08 00000001 0001 61 00 ${ONE} 000009`),
  hex('08 00000003 0001 30 02 0004 74657374 000009'),
  hex(`0A 00000002 00 ${ONE} 02 0001 78`),
  hex('0A 00000002 0A 00000000 0A 00000001 05'),
  hex('0B 426D1A94A2000000 0000'),
  hex('0C 00000002 6869'),
  hex('0F 00000007 3C613E3C2F613E'),
  hex(`10 0003 466F6F 0001 61 00 ${ONE} 0001 62 02 0001 78 000009`),
  hex(`0A 00000002 03 0001 61 00 ${ONE} 000009 07 0001`), // reference
  hex('03 0004 73656C66 07 0000 000009'), // cyclic object
  hex('0A 00000001 07 0000'), // cyclic array
  hex('0A 00000002 0B 0000000000000000 0000 03 000009'),
  hex('03 0009 5F5F70726F746F5F5F 05 000009'), // "__proto__"
  // connect command
  hex(`02 0007 636F6E6E656374 00 ${ONE} 03
        0003 617070 02 0004 6C697665
        0008 666C617368566572 02 000D 4C4E5820392C302C3132342C32
        0005 746355726C 02 001A 72746D703A2F2F6C6F63616C686F73743A313933352F6C697665
        0004 66706164 01 00
        000C 6361706162696C6974696573 00 402E000000000000
        000B 617564696F436F64656373 00 40A8EE0000000000
        000B 766964656F436F64656373 00 406F800000000000
        000D 766964656F46756E6374696F6E 00 ${ONE}
        000E 6F626A656374456E636F64696E67 00 0000000000000000
      000009`),
  // onMetaData
  hex(`02 000A 6F6E4D65746144617461 08 00000003
        0008 6475726174696F6E 00 405E200000000000
        0005 7769647468 00 4094000000000000
        0007 656E636F646572 02 000D 4C61766635382E37362E313030
      000009`),
  // AMF3 behind the switch
  hex('11 04 05 11 06 07 616263 11 05 3FF8000000000000'),
  hex('11 0A 0B 01 03 61 04 01 01'),
  hex('11 0A 13 03 54 03 61 04 01'),
  hex('11 09 05 01 04 01 04 02'),
  hex('11 09 01 03 61 04 01 01'),
  hex('11 0C 07 010203'),
  hex('11 0D 05 00 00000001 FFFFFFFF 11 0F 03 01 3FF8000000000000'),
  hex('11 10 03 00 03 2A 06 03 61'),
  hex('11 11 03 00 06 03 61 04 01'),
  hex('11 08 01 0000000000000000'),
  hex(`11 0A 07 43 ${Buffer.from('flex.messaging.io.ArrayCollection').toString('hex')} 09 03 01 04 01`),
  hex('02 0001 78 11 0A 0B 00 01'), // CVE-2015-8270 class
  hex('02 0001 78 11 0A 84 80 80 03 01 01 01'), // CVE-2015-8271 class
];

function allowed(err: unknown): boolean {
  return err instanceof AMFError && err.code.startsWith('ERR_AMF_');
}

function roundTrip(options?: AmfDecodeOptions): (input: Buffer) => void {
  return (input) => {
    const values = amf0.decode(input, options);
    const bytes = amf0.encode(...values);
    const again = amf0.encode(...amf0.decode(bytes, options));
    if (!again.equals(bytes)) {
      throw new Error(`re-encoding is not stable:\n${bytes.toString('hex')}\n${again.toString('hex')}`);
    }
  };
}

/** Targets run by test/fuzz/amf0.fuzz.test.ts and `npm run fuzz`. */
export const targets: FuzzTarget[] = [
  { name: 'amf0.decode', seeds: AMF0_SEEDS, run: roundTrip(), allowed },
  {
    name: 'amf0.decode (utf8 replace, maxDepth 8)',
    seeds: AMF0_SEEDS,
    run: roundTrip({ utf8: 'replace', maxDepth: 8 }),
    allowed,
  },
];
