/**
 * The protocol trace (src/trace.ts): a client played from the embedded server with
 * NODE_DEBUG set prints one analyser line per message — connect, _result, createStream,
 * play, onStatus, Set Chunk Size, Window Acknowledgement Size, acknowledgements — on
 * the sections it belongs to; a user logger gets the same lines at debug; the lines of
 * known byte vectors are exact; with nothing listening no tracer exists.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import diagnosticsChannel from 'node:diagnostics_channel';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createServer, makeTestFlv, RTMP } from '../../src/index.js';
import type { RawMessage } from '../../src/message/raw-message.js';
import { formatMessage, messageTracer, type TraceRecord, type UserLogger } from '../../src/trace.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const INDEX = pathToFileURL(join(ROOT, 'dist', 'src', 'index.js')).href;

/** Plays 1 s of test media from an embedded server in a child process with NODE_DEBUG=`debug`. */
function playTraced(debug: string): string[] {
  const script = `
    import { createServer, makeTestFlv, RTMP } from ${JSON.stringify(INDEX)};
    const server = createServer({ vodFiles: { test: makeTestFlv(1) }, chunkSize: 4096 });
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
    const conn = new RTMP('rtmp://127.0.0.1:' + port + '/vod/test', { timeout: 10 });
    await conn.connect();
    const stream = await conn.createStream();
    for await (const _ of stream);
    await conn.close();
    await server.close();
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, NODE_DEBUG: debug },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stderr.split('\n');
}

const has = (lines: string[], re: RegExp) => lines.some((l) => re.test(l));

test('NODE_DEBUG=rtmp traces every command, status and control message of a session, one line each', () => {
  const lines = playTraced('rtmp');
  const client = lines.filter((l) => l.includes(' client 127.0.0.1:'));
  const server = lines.filter((l) => l.includes(' server client '));
  const expect: [string[], RegExp][] = [
    [client, /^RTMP:CMD \d+: client \S+ send csid=3 msid=0 ts=0 command connect txn=1 \{"app":"vod"/],
    [client, /recv csid=3 msid=0 ts=\d+ command _result txn=1 NetConnection\.Connect\.Success \{/],
    [client, /send csid=3 msid=0 ts=\d+ command createStream txn=\d+ null/],
    [client, /recv csid=3 msid=0 ts=\d+ command _result txn=\d+ null 1$/],
    [client, /send csid=8 msid=1 ts=\d+ command play txn=\d+ null "test"/],
    [client, /recv csid=\d+ msid=1 ts=\d+ command onStatus txn=0 NetStream\.Play\.Start /],
    [client, /recv csid=\d+ msid=1 ts=\d+ data onMetaData \{/],
    [client, /^RTMP:CTL \d+: client \S+ recv csid=2 msid=0 ts=0 Window Acknowledgement Size \d+$/],
    [client, /recv csid=2 msid=0 ts=0 Set Peer Bandwidth \d+ dynamic$/],
    [client, /recv csid=2 msid=0 ts=0 Set Chunk Size 4096$/],
    [client, /recv csid=2 msid=0 ts=0 User Control StreamBegin stream 1$/],
    [client, /send csid=2 msid=0 ts=\d+ User Control SetBufferLength stream 1 \d+ ms$/],
    [server, /recv csid=3 msid=0 ts=0 command connect txn=1 /],
    [server, /send csid=2 msid=0 ts=0 Set Chunk Size 4096$/],
    [server, /send csid=2 msid=0 ts=0 Window Acknowledgement Size \d+$/],
  ];
  for (const [set, re] of expect) assert.ok(has(set, re), `no line matches ${re}:\n${set.join('\n')}`);
  // rtmp (without :media) leaves out the per-frame lines.
  assert.ok(!has(lines, /^RTMP:MEDIA /), 'no media lines under NODE_DEBUG=rtmp');
});

test('NODE_DEBUG=rtmp:media traces only audio/video; rtmp* traces everything', () => {
  const media = playTraced('rtmp:media');
  assert.ok(has(media, /^RTMP:MEDIA \d+: client \S+ recv csid=\d+ msid=1 ts=0 video \d+ bytes keyframe$/));
  assert.ok(has(media, /recv csid=\d+ msid=1 ts=\d+ audio \d+ bytes$/));
  assert.ok(!has(media, /^RTMP:(CMD|CTL) /));
  const all = playTraced('rtmp*');
  for (const re of [/^RTMP:CMD /, /^RTMP:CTL /, /^RTMP:MEDIA /]) assert.ok(has(all, re), String(re));
});

test('a user logger gets every line at debug, with fields, through child() when it has one', async () => {
  const records: { fields: Record<string, unknown>; line: string }[] = [];
  const bindings: object[] = [];
  const sink = (fields: object, line: string) =>
    records.push({ fields: fields as Record<string, unknown>, line });
  const logger: UserLogger = {
    debug: sink,
    info: () => {},
    warn: () => {},
    error: () => {},
    child(b) {
      bindings.push(b);
      return this;
    },
  };
  const server = createServer({ vodFiles: { test: makeTestFlv(1) } });
  const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
  try {
    const conn = new RTMP(`rtmp://127.0.0.1:${port}/vod/test`, { timeout: 10, logger });
    await conn.connect();
    await conn.close();
  } finally {
    await server.close();
  }
  assert.deepEqual(bindings, [{ connection: `client 127.0.0.1:${port}` }]);
  const connect = records.find((r) => / command connect txn=1 /.test(r.line));
  assert.ok(connect, records.map((r) => r.line).join('\n'));
  assert.deepEqual(connect.fields, { rtmp: 'cmd', direction: 'out', csid: 3, streamId: 0, type: 20 });
  assert.ok(records.some((r) => r.fields.rtmp === 'ctl' && /Window Acknowledgement Size/.test(r.line)));
});

test('a logger without debug/info/warn/error is refused by RTMP and the server', () => {
  assert.throws(() => new RTMP('rtmp://127.0.0.1/app', { logger: { debug() {} } as never }), {
    code: 'ERR_RTMP_OPTION',
    message: /logger\.info must be a function/,
  });
  assert.throws(() => createServer({ logger: 42 as never }), { code: 'ERR_SERVER_OPTION' });
});

test('byte vectors: the line of each control, command, data and media message', () => {
  const raw = (type: number, hex: string, csid = 2, streamId = 0, timestamp = 0): RawMessage => ({
    type,
    csid,
    streamId,
    timestamp,
    payload: Buffer.from(hex.replace(/ /g, ''), 'hex'),
  });
  const cases: [RawMessage, 'in' | 'out', string][] = [
    [raw(1, '00001000'), 'in', 'recv csid=2 msid=0 ts=0 Set Chunk Size 4096'],
    [raw(2, '00000005'), 'out', 'send csid=2 msid=0 ts=0 Abort csid 5'],
    [raw(3, '0001e240'), 'out', 'send csid=2 msid=0 ts=0 Acknowledgement 123456'],
    [raw(5, '002625a0'), 'in', 'recv csid=2 msid=0 ts=0 Window Acknowledgement Size 2500000'],
    [raw(6, '002625a0 02'), 'in', 'recv csid=2 msid=0 ts=0 Set Peer Bandwidth 2500000 dynamic'],
    [raw(4, '0000 00000001'), 'in', 'recv csid=2 msid=0 ts=0 User Control StreamBegin stream 1'],
    [
      raw(4, '0003 00000001 00000bb8'),
      'out',
      'send csid=2 msid=0 ts=0 User Control SetBufferLength stream 1 3000 ms',
    ],
    [raw(4, '0006 0000007b'), 'in', 'recv csid=2 msid=0 ts=0 User Control PingRequest 123'],
    // onStatus txn 0, null, { code: "NetStream.Play.Start" } (AMF0, RTMP-SPEC §7.2.2)
    [
      raw(
        20,
        '02 0008 6f6e537461747573 00 0000000000000000 05 03 0004 636f6465 02 0014 4e657453747265616d2e506c61792e5374617274 000009',
        5,
        1,
        40,
      ),
      'in',
      'recv csid=5 msid=1 ts=40 command onStatus txn=0 NetStream.Play.Start null {"code":"NetStream.Play.Start"}',
    ],
    // a title with an escape sequence stays escaped
    [
      raw(18, '02 0005 7469746c65 02 0003 1b5b41', 4, 1),
      'in',
      'recv csid=4 msid=1 ts=0 data title "\\u001b[A"',
    ],
    [raw(9, '17 00 000000', 6, 1, 80), 'in', 'recv csid=6 msid=1 ts=80 video 5 bytes keyframe'],
    [raw(9, '27 01 000000', 6, 1, 120), 'in', 'recv csid=6 msid=1 ts=120 video 5 bytes'],
    [raw(8, 'af01 2110', 4, 1, 23), 'out', 'send csid=4 msid=1 ts=23 audio 4 bytes'],
    [raw(20, '02 00', 3), 'in', 'recv csid=3 msid=0 ts=0 type 20, 2 bytes (undecodable)'],
  ];
  for (const [r, dir, line] of cases) assert.equal(formatMessage(dir, r, undefined), line);
});

test('no tracer without NODE_DEBUG, logger or channel subscriber; a subscriber gets TraceRecords', () => {
  assert.equal(messageTracer('client x'), undefined);
  const seen: TraceRecord[] = [];
  const onRecord = (m: unknown) => seen.push(m as TraceRecord);
  diagnosticsChannel.subscribe('rtmpkit:trace', onRecord);
  try {
    const trace = messageTracer('client x');
    assert.ok(trace);
    const payload = Buffer.from('00001000', 'hex');
    trace('in', { type: 1, csid: 2, streamId: 0, timestamp: 0, payload }, undefined);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.connection, 'client x');
    assert.equal(seen[0]!.section, 'ctl');
    assert.equal(seen[0]!.line, 'recv csid=2 msid=0 ts=0 Set Chunk Size 4096');
  } finally {
    diagnosticsChannel.unsubscribe('rtmpkit:trace', onRecord);
  }
});
