/**
 * What rtmpkit's client puts on the wire after connect, compared byte for byte with what
 * real librtmp clients (rtmpdump, python-librtmp) send to the same scripted server:
 * - the default flashVer: librtmp's `RTMP_DefaultFlashVer`, which rtmpdump sends
 *   (`rtmpkit dump --help` says the one that is sent). python-librtmp sends none: it sets
 *   its link up with `RTMP_SetupURL`, which leaves flashVer empty (as `rtmpdump -i` does);
 *   rtmpkit sends librtmp's default there too;
 * - one Window Acknowledgement Size and SetBufferLength(0, 300) for a player;
 * - the SecureToken answer: the XXTEA-decrypted bytes as they are (rtmpdump `-T`), from
 *   the API and from `rtmpkit dump -T`, and the usher token of `dump -j` (its order differs).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decode as decodeAmf0, encode as encodeAmf0 } from '../../src/amf/amf0.js';
import type { AmfValue } from '../../src/amf/types.js';
import { RTMP } from '../../src/index.js';
import { DEFAULT_PLAYER_FLASH_VER } from '../../src/session/connect-object.js';
import { requirePeers, runBounded } from '../helpers/peers.js';
import { type ScriptedConn, type ScriptedServer, startScriptedServer } from '../helpers/scripted-server.js';

const BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const PYTHON = '/usr/bin/python3';

/** Waits until `cond` holds (polling), failing after `ms`. */
async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The connect command object a client sent. */
function connectObject(c: ScriptedConn): Record<string, AmfValue> {
  const connect = c.commands().find((m) => m.name === 'connect');
  assert.ok(connect, 'a connect arrived');
  return connect.commandObject as Record<string, AmfValue>;
}

/** What a client sent after the connect `_result`: Window Ack Sizes and SetBufferLength(0, ms). */
function afterConnect(c: ScriptedConn): { windowAckSizes: number; bufferOnStream0: number[] } {
  let windowAckSizes = 0;
  const bufferOnStream0: number[] = [];
  for (const m of c.messages) {
    if (m?.kind === 'windowAckSize') windowAckSizes++;
    if (m?.kind === 'userControl' && m.data.event === 'setBufferLength' && m.data.streamId === 0) {
      bufferOnStream0.push(m.data.bufferLength);
    }
  }
  return { windowAckSizes, bufferOnStream0 };
}

/** Runs rtmpdump against `url` until `done()` holds (it is killed then, by PID). */
async function rtmpdump(args: string[], done: () => boolean): Promise<void> {
  const run = runBounded('rtmpdump', [...args, '-m', '3', '-o', '/dev/null'], 20_000);
  await until(done, 15_000);
  await run;
}

async function rtmpkitConnect(
  server: ScriptedServer,
  options: { token?: string } = {},
): Promise<ScriptedConn> {
  const before = server.conns.length;
  const conn = new RTMP(server.url('app/x'), { timeout: 5, ...options });
  await conn.connect();
  // connect, then Window Ack Size and SetBufferLength(0, …) after the _result.
  await until(() => server.conns.length > before && server.conns[before]!.raws.length >= 3);
  await new Promise((r) => setTimeout(r, 100));
  await conn.close();
  return server.conns[before]!;
}

test('default flashVer: rtmpkit sends what rtmpdump sends (python-librtmp sends none), and dump --help says so', async (t) => {
  if (!requirePeers(t, ['rtmpdump', PYTHON])) return;
  const server = await startScriptedServer();
  try {
    await rtmpdump(
      ['-r', server.url('app/x')],
      () => server.conns.length > 0 && server.conns[0]!.raws.length > 2,
    );
    const librtmp = connectObject(server.conns[0]!).flashVer;
    assert.equal(librtmp, 'LNX 10,0,32,18');

    // Asynchronously: the scripted server runs in this process and must answer meanwhile.
    const script = `import librtmp\nc = librtmp.RTMP("${server.url('app/x')}", timeout=3)\nc.connect()\n`;
    const py = await runBounded(PYTHON, ['-c', script], 20_000);
    assert.equal(py.code, 0, py.stderr);
    await until(() => server.conns.length > 1 && server.conns[1]!.commands().length > 0);
    assert.equal(connectObject(server.conns[1]!).flashVer, undefined, 'python-librtmp sends no flashVer');

    const mine = await rtmpkitConnect(server);
    assert.equal(connectObject(mine).flashVer, librtmp, 'rtmpkit');
    assert.equal(DEFAULT_PLAYER_FLASH_VER, librtmp);

    const help = spawnSync(process.execPath, [BIN, 'dump', '--help'], { encoding: 'utf8', timeout: 20_000 });
    assert.match(help.stdout + help.stderr, new RegExp(`default: "${librtmp}"`));
  } finally {
    await server.close();
  }
});

test('after connect a player sends one Window Ack Size and SetBufferLength(0, 300), as rtmpdump', async (t) => {
  if (!requirePeers(t, ['rtmpdump'])) return;
  const server = await startScriptedServer();
  try {
    await rtmpdump(
      ['-r', server.url('app/x')],
      () => server.conns[0]?.commands().some((m) => m.name === 'play') ?? false,
    );
    const librtmp = afterConnect(server.conns[0]!);
    assert.deepEqual(librtmp, { windowAckSizes: 1, bufferOnStream0: [300] });
    const mine = afterConnect(await rtmpkitConnect(server));
    assert.deepEqual(mine, librtmp);
  } finally {
    await server.close();
  }
});

test('SecureToken: the answer carries the decrypted bytes exactly as rtmpdump -T sends them', async (t) => {
  if (!requirePeers(t, ['rtmpdump'])) return;
  const key = 'mySecretKey123456';
  const challenge = '0123456789abcdef00112233445566ff';
  const server = await startScriptedServer((c, msg) => {
    if (msg?.kind !== 'command') return;
    if (msg.name === 'connect') c.acceptConnect(msg.transactionId, { secureToken: challenge });
  });
  const head = encodeAmf0('secureTokenResponse');
  const answer = (c: ScriptedConn | undefined): Buffer | undefined =>
    c?.raws.find((r) => r.type === 20 && r.payload.subarray(0, head.length).equals(head))?.payload;
  try {
    await rtmpdump(['-r', server.url('app/x'), '-T', key], () => answer(server.conns[0]) !== undefined);
    const librtmp = answer(server.conns[0])!;
    // `secureTokenResponse`, 0, null, then an AMF0 string of the 16 decrypted bytes.
    const tail = librtmp.subarray(encodeAmf0('secureTokenResponse', 0, null).length);
    assert.equal(tail[0], 0x02);
    assert.equal(tail.readUInt16BE(1), 16);
    const mine = answer(await rtmpkitConnect(server, { token: key }));
    assert.ok(mine, 'rtmpkit answered the challenge');
    assert.equal(mine.toString('hex'), librtmp.toString('hex'));
  } finally {
    await server.close();
  }
});

test('rtmpkit dump -T KEY -j TOKEN answers SecureToken and sends the usher token exactly as rtmpdump', async (t) => {
  if (!requirePeers(t, ['rtmpdump'])) return;
  const key = 'mySecretKey123456';
  const challenge = '00112233445566778899aabbccddeeff';
  const server = await startScriptedServer((c, msg) => {
    if (msg?.kind === 'command' && msg.name === 'connect')
      c.acceptConnect(msg.transactionId, { secureToken: challenge });
  });
  /** The payload of the first command named `name` a connection sent. */
  const sent = (c: ScriptedConn | undefined, name: string): Buffer | undefined => {
    const head = encodeAmf0(name);
    return c?.raws.find((r) => r.type === 20 && r.payload.subarray(0, head.length).equals(head))?.payload;
  };
  const both = (c: ScriptedConn | undefined) =>
    sent(c, 'secureTokenResponse') !== undefined &&
    sent(c, 'NetStream.Authenticate.UsherToken') !== undefined;
  try {
    const flags = ['-T', key, '-j', '{"chansub":"abc"}'];
    await rtmpdump(['-r', server.url('app/x'), ...flags], () => both(server.conns[0]));
    const run = runBounded(
      process.execPath,
      [BIN, 'dump', '-q', '-r', server.url('app/x'), ...flags, '-m', '3', '-o', '/dev/null'],
      20_000,
    );
    await until(() => both(server.conns[1]), 15_000);
    await run;
    const librtmpToken = sent(server.conns[0], 'secureTokenResponse')!;
    assert.equal(sent(server.conns[1], 'secureTokenResponse')!.toString('hex'), librtmpToken.toString('hex'));
    // The usher token: the same command but for its transaction id. There is no spec for
    // it (a Justin.tv extension); librtmp sends it after the createStream it issues on its
    // own after connect (txn 3), rtmpkit with the other connect duties, before any command
    // of the user (txn 2). The server sees the same token either way.
    const order = (c: ScriptedConn) => c.commands().map((m) => `${m.name}:${m.transactionId}`);
    assert.deepEqual(order(server.conns[0]!), [
      'connect:1',
      'createStream:2',
      'NetStream.Authenticate.UsherToken:3',
    ]);
    assert.deepEqual(order(server.conns[1]!).slice(0, 2), [
      'connect:1',
      'NetStream.Authenticate.UsherToken:2',
    ]);
    const [l, m] = [0, 1].map((i) => decodeAmf0(sent(server.conns[i], 'NetStream.Authenticate.UsherToken')!));
    assert.deepEqual([m![0], m![2], m![3]], [l![0], l![2], l![3]]);
    assert.equal(m![3], '{"chansub":"abc"}');
  } finally {
    await server.close();
  }
});
