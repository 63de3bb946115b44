/**
 * AMF0 and AMF3 encode/decode throughput on three payloads: a librtmp-style `connect`
 * command, an `onMetaData` data message, and a ~50 KB nested object (a catalogue of
 * items with strings, numbers, booleans, dates and arrays). `BENCH_MS` sets the time
 * budget per measurement (default 1000 ms).
 */
import { amf0, amf3 } from '../src/amf/index.js';
import { AMFObject, type AmfValue } from '../src/amf/types.js';
import { measure, table } from './measure.js';

function connectCommand(): AmfValue[] {
  return [
    'connect',
    1,
    new AMFObject({
      app: 'live',
      flashVer: 'LNX 9,0,124,2',
      swfUrl: 'http://example.com/player.swf',
      tcUrl: 'rtmp://example.com:1935/live',
      fpad: false,
      capabilities: 15,
      audioCodecs: 3191,
      videoCodecs: 252,
      videoFunction: 1,
      pageUrl: 'http://example.com/watch',
      objectEncoding: 0,
    }),
  ];
}

function onMetaData(): AmfValue[] {
  return [
    'onMetaData',
    {
      duration: 596.48,
      width: 1920,
      height: 1080,
      videodatarate: 4882.8125,
      framerate: 29.97,
      videocodecid: 7,
      audiodatarate: 125,
      audiosamplerate: 48000,
      audiosamplesize: 16,
      stereo: true,
      audiocodecid: 10,
      major_brand: 'isom',
      minor_version: '512',
      compatible_brands: 'isomiso2avc1mp41',
      encoder: 'Lavf58.76.100',
      filesize: 365_137_928,
    },
  ];
}

/** About 50 KB of nested objects, arrays and strings, deterministic. */
function largeNested(): AmfValue[] {
  const items: AmfValue[] = [];
  for (let i = 0; i < 220; i++) {
    items.push(
      new AMFObject({
        id: i,
        name: `item-${i.toString(36)}-${'x'.repeat(i % 17)}`,
        price: i * 1.25,
        available: i % 3 !== 0,
        created: new Date(1_700_000_000_000 + i * 86_400_000),
        tags: ['alpha', 'beta', `t${i % 7}`],
        dims: { w: i % 640, h: i % 480, depth: i / 7 },
        owner: new AMFObject({ user: `user${i % 23}`, level: i % 5 }),
      }),
    );
  }
  return [new AMFObject({ version: 3, catalogue: items, count: items.length })];
}

interface Codec {
  encode(...values: AmfValue[]): Buffer;
  decode(buf: Uint8Array): AmfValue[];
}

/** Prints the throughput table. */
export default async function run(): Promise<void> {
  const budget = Number(process.env.BENCH_MS) || 1000;
  const payloads: [string, AmfValue[]][] = [
    ['connect command', connectCommand()],
    ['onMetaData', onMetaData()],
    ['nested ~50 KB', largeNested()],
  ];
  const codecs: [string, Codec][] = [
    ['AMF0', amf0],
    ['AMF3', amf3],
  ];
  const rows: (string | number)[][] = [];
  for (const [codecName, codec] of codecs) {
    for (const [name, values] of payloads) {
      const bytes = codec.encode(...values);
      const enc = measure(() => codec.encode(...values), bytes.length, budget);
      const dec = measure(() => codec.decode(bytes), bytes.length, budget);
      rows.push([codecName, name, bytes.length, 'encode', enc.opsPerSec, enc.mbPerSec]);
      rows.push([codecName, name, bytes.length, 'decode', dec.opsPerSec, dec.mbPerSec]);
    }
  }
  console.log(table(['codec', 'payload', 'bytes', 'op', 'ops/s', 'MB/s'], rows));
}
