/**
 * Fuzz target for the message layer: the input's first byte picks a message type
 * (from the list below, by index mod its length), the rest is the payload. Runs
 * `decodeMessage` (+ `readAggregate` and a decode of every sub-message for type 22,
 * + `decodeSharedObjectEvent` for every shared object event), then re-encodes what
 * decoded and decodes that again. Allowed: RTMPError with an `ERR_MESSAGE_*` or
 * `ERR_AMF_*` code — and only from decoding; re-encoding a decoded message must not
 * throw at all.
 */
import { RTMPError } from '../../src/errors.js';
import {
  buildAggregate,
  decodeMessage,
  decodeSharedObjectEvent,
  encodeMessage,
  type RawMessage,
  readAggregate,
} from '../../src/message/index.js';
import type { FuzzTarget } from './engine.js';

/** Type ids the first input byte selects from. */
export const FUZZ_TYPES = [1, 2, 3, 4, 5, 6, 8, 9, 15, 16, 17, 18, 19, 20, 22, 7] as const;

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const seed = (type: number, payloadHex: string) =>
  Buffer.concat([Buffer.from([FUZZ_TYPES.indexOf(type as never)]), hex(payloadHex)]);

const CONNECT =
  '02 0007 636f6e6e656374 00 3ff0000000000000 03 0003 617070 02 0004 6c697665 0004 66706164 01 00 000b 617564696f436f64656373 00 40afce0000000000 000009';
const REC = (type: string, ts: string, data: string) =>
  `${type} ${(data.replace(/\s+/g, '').length / 2).toString(16).padStart(6, '0')} ${ts} 00 000000 ${data} ${(data.replace(/\s+/g, '').length / 2 + 11).toString(16).padStart(8, '0')}`;

const seeds = [
  seed(1, '00001000'),
  seed(2, '00000005'),
  seed(3, '12345678'),
  seed(4, '0000 00000001'),
  seed(4, '0003 00000001 00000bb8'),
  seed(4, '0007 00000d0f'),
  seed(4, '001a 00'),
  seed(4, `001b 0101 000003e8 000003e8 ${'a5'.repeat(32)}`),
  seed(4, '0005 deadbeef'),
  seed(5, '002625a0'),
  seed(6, '002625a0 02'),
  seed(8, 'af01 2233'),
  seed(9, '1701 000000'),
  seed(20, CONNECT),
  seed(17, `00 ${CONNECT}`),
  seed(17, '00 02 0004 73656e64 00 0000000000000000 05 11 0a 0b 01 07 617070 06 09 6c697665 01'),
  seed(20, '02 0007 5f726573756c74 00 4010000000000000 05 00 3ff0000000000000'),
  seed(
    18,
    '02 000d 40736574446174614672616d65 02 000a 6f6e4d65746144617461 08 00000002 0008 6475726174696f6e 00 4025000000000000 0005 7769647468 00 4094000000000000 000009',
  ),
  seed(15, '00 02 000a 6f6e5465787444617461 03 0004 74657874 02 0002 6869 000009'),
  seed(
    19,
    '0004 63686174 00000001 00000002 00000000 01 00000000 04 0000000b 0003 666f6f 02 0003 626172 07 0000000c 0003 582e59 0005 6572726f72 06 0000000c 02 0004 73656e64 02 0002 6869',
  ),
  seed(
    16,
    '00 0004 63686174 00000001 00000000 00000000 03 00000017 0003 666f6f 02 0003 626172 0001 6e 00 3ff0000000000000',
  ),
  seed(
    22,
    `${REC('08', '0003e8', 'af0102')} ${REC('09', '000409', '1701000000')} ${REC('12', '00042a', '02 0001 78 05')}`,
  ),
  seed(7, '0102'),
];

function allowed(err: unknown): boolean {
  return err instanceof RTMPError && (err.code.startsWith('ERR_MESSAGE_') || err.code.startsWith('ERR_AMF_'));
}

/** Re-encodes a decoded message and decodes it again; neither step may throw. */
function roundTrip(raw: RawMessage): void {
  const msg = decodeMessage(raw);
  let again: RawMessage;
  try {
    again = encodeMessage(msg);
    decodeMessage(again);
  } catch (err) {
    throw new Error(`re-encoding a decoded ${msg.kind} failed: ${(err as Error)?.stack ?? String(err)}`);
  }
  if (msg.kind === 'aggregate') {
    const split = readAggregate(msg);
    for (const sub of split.messages) {
      try {
        roundTrip(sub);
      } catch (err) {
        if (!allowed(err)) throw err;
      }
    }
    if (split.messages.length > 0) buildAggregate(split.messages);
  }
  if (msg.kind === 'sharedObject') {
    for (const ev of msg.events) {
      try {
        decodeSharedObjectEvent(ev, undefined, raw);
      } catch (err) {
        if (!allowed(err)) throw err;
      }
    }
  }
}

export const targets: FuzzTarget[] = [
  {
    name: 'message.decode',
    seeds,
    maxLength: 512,
    allowed,
    run(input: Buffer): void {
      if (input.length === 0) return;
      const type = FUZZ_TYPES[input[0]! % FUZZ_TYPES.length]!;
      roundTrip({ type, streamId: 1, timestamp: 1000, csid: 3, payload: input.subarray(1) });
    },
  },
];
