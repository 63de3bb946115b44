/**
 * Handshake interop with real, independently written peers on loopback:
 * - our ServerHandshake against rtmpdump (librtmp: simple handshake) and ffmpeg (FP9
 *   digest handshake, which FFmpeg verifies on play): both must send C2 and then a chunk
 *   stream that starts with a basic header and carries the "connect" command;
 * - our ClientHandshake against nginx-rtmp in each policy: the digest must be recognised
 *   for fp9/auto, and after C2 nginx must keep the connection and answer a connect command.
 * A missing peer binary fails the test under CI=true (naming the package), else skips it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ClientHandshake,
  type ClientHandshakeInfo,
  type HandshakePolicy,
  ServerHandshake,
  type ServerHandshakeInfo,
} from '../../src/handshake/index.js';
import { freePort } from '../helpers/peers.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs from dist/test/interop). */
const root = resolve(here, '..', '..', '..');
const peers = join(root, 'test', 'peers');
const WAIT_MS = 10_000;

// ---- small peer helpers (a shared harness will replace these) --------------------------

/** Finds `name` on PATH (or an absolute path), like `command -v`. */
function which(name: string): string | undefined {
  const candidates = name.startsWith('/')
    ? [name]
    : (process.env.PATH ?? '').split(delimiter).map((d) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, name.startsWith('/') ? constants.R_OK : constants.X_OK);
      return c;
    } catch {}
  }
  return undefined;
}

/**
 * Checks that every `[binary or file, package]` exists. Missing: under CI=true the test
 * fails naming the package, otherwise it is skipped. Returns whether the test may run.
 */
function needPeers(t: TestContext, needs: [string, string][]): boolean {
  const missing = needs.filter(([bin]) => which(bin) === undefined);
  if (missing.length === 0) return true;
  const what = missing.map(([bin, pkg]) => `${bin} (package ${pkg})`).join(', ');
  if (process.env.CI === 'true') assert.fail(`peer missing: ${what}`);
  t.skip(`peer missing: ${what}`);
  return false;
}

/** Rejects after `ms` with `what` unless `p` settles first. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Spawns a peer client, collecting its stderr. */
function spawnPeer(
  cmd: string,
  args: string[],
): { child: ChildProcess; stderr: () => string; exited: Promise<void> } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.setEncoding('latin1').on('data', (d: string) => {
    if (err.length < 200_000) err += d;
  });
  const exited = new Promise<void>((res) => {
    child.once('exit', () => res());
    child.once('error', () => res());
  });
  return { child, stderr: () => err, exited };
}

/** Kills a child we started, by its PID, and waits for it to go. */
async function stopChild(p: { child: ChildProcess; exited: Promise<void> }): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null && p.child.pid !== undefined) {
    try {
      process.kill(p.child.pid, 'SIGKILL');
    } catch {}
  }
  await within(p.exited, 5000, 'peer exit');
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((res, rej) => {
    execFile(cmd, args, { env, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else res(stdout);
    });
  });
}

// ---- (1) our server, real clients -----------------------------------------------------

interface ServerRun {
  info: ServerHandshakeInfo;
  /** Bytes after C2 (chunk stream), as many as arrived until "connect" showed up. */
  after: Buffer;
}

/** Listens on an ephemeral loopback port; the first connection runs ServerHandshake. */
async function handshakeServer(): Promise<{ port: number; result: Promise<ServerRun>; server: Server }> {
  let resolveRun!: (r: ServerRun) => void;
  let rejectRun!: (e: unknown) => void;
  const result = new Promise<ServerRun>((res, rej) => {
    resolveRun = res;
    rejectRun = rej;
  });
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    const hs = new ServerHandshake();
    let info: ServerHandshakeInfo | undefined;
    let after = Buffer.alloc(0);
    sock.on('error', () => {});
    sock.on('data', (data: Buffer) => {
      try {
        if (!info) {
          const step = hs.receive(data);
          for (const b of step.send) sock.write(b);
          if (!step.done) return;
          info = step.info!;
          data = step.rest ?? Buffer.alloc(0);
        }
        after = Buffer.concat([after, data]);
        if (after.includes('connect')) {
          resolveRun({ info, after });
          sock.destroy();
        }
      } catch (err) {
        rejectRun(err);
        sock.destroy();
      }
    });
    sock.on('close', () => {
      if (!info) rejectRun(new Error('peer closed before the handshake completed'));
      else
        rejectRun(
          new Error(`peer closed after the handshake without "connect" (got ${after.toString('hex')})`),
        );
    });
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as { port: number }).port;
  return { port, result, server };
}

async function runClientAgainstServer(cmd: string, args: (port: number) => string[]) {
  const { port, result, server } = await handshakeServer();
  const peer = spawnPeer(cmd, args(port));
  try {
    const r = await within(result, WAIT_MS, `${cmd} handshake`);
    return { ...r, stderr: peer.stderr };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- ${cmd} stderr ---\n${peer.stderr().slice(-3000)}`);
  } finally {
    await stopChild(peer);
    await new Promise<void>((res) => server.close(() => res()));
  }
}

/** The post-handshake bytes must start a chunk stream: fmt 0 basic header then the connect command. */
function assertChunkStreamStart(after: Buffer): void {
  const fmt = after[0]! >> 6;
  const csid = after[0]! & 0x3f;
  assert.equal(fmt, 0, `first chunk is a type-0 header (got byte 0x${after[0]!.toString(16)})`);
  assert.ok(csid >= 2, `a plausible chunk stream id (got ${csid})`);
  // type-0 header: csid byte, timestamp 3, length 3, type id 1, msid 4 → type id at offset 7 (1-byte basic header)
  if (csid >= 2) assert.equal(after[7], 0x14, 'an AMF0 command message (type 20)');
  assert.ok(after.includes(Buffer.from('02000763', 'hex')), 'AMF0 string "connect"');
}

describe('ServerHandshake against real clients', () => {
  it('rtmpdump (librtmp) completes a simple handshake', { timeout: 30_000 }, async (t) => {
    if (!needPeers(t, [['rtmpdump', 'rtmpdump']])) return;
    const r = await runClientAgainstServer('rtmpdump', (port) => [
      '-r',
      `rtmp://127.0.0.1:${port}/app/x`,
      '-o',
      '/dev/null',
      '-m',
      '5',
    ]);
    t.diagnostic(
      `rtmpdump C1 version ${r.info.clientFlashVersion.join('.')}, mode ${r.info.mode}, c2Valid ${r.info.c2Valid}`,
    );
    assert.equal(r.info.mode, 'simple');
    assert.equal(r.info.clientDigest, false);
    assert.deepEqual(r.info.clientFlashVersion, [0, 0, 0, 0]);
    assert.equal(r.info.c2Valid, true, 'librtmp echoes S1 as C2');
    assertChunkStreamStart(r.after);
    assert.doesNotMatch(r.stderr(), /signature does not match/, 'librtmp found our S2 echoes its C1');
  });

  it('ffmpeg completes an FP9 digest handshake (and verifies our S1/S2)', { timeout: 30_000 }, async (t) => {
    if (!needPeers(t, [['ffmpeg', 'ffmpeg']])) return;
    const r = await runClientAgainstServer('ffmpeg', (port) => [
      '-nostdin',
      '-hide_banner',
      '-loglevel',
      'debug',
      '-rw_timeout',
      '8000000',
      '-i',
      `rtmp://127.0.0.1:${port}/app/x`,
      '-t',
      '1',
      '-f',
      'null',
      '-',
    ]);
    t.diagnostic(
      `ffmpeg C1 version ${r.info.clientFlashVersion.join('.')}, mode ${r.info.mode}, scheme ${r.info.scheme}, c2Valid ${r.info.c2Valid}`,
    );
    assert.equal(r.info.mode, 'fp9');
    assert.equal(r.info.clientDigest, true);
    assert.equal(r.info.scheme, 0);
    assert.deepEqual(r.info.clientFlashVersion, [9, 0, 124, 2]);
    assert.equal(r.info.c2Valid, true, 'ffmpeg signed C2 with our S1 digest');
    assertChunkStreamStart(r.after);
    assert.doesNotMatch(r.stderr(), /validating failed|Signature mismatch/);
  });
});

// ---- (2) our client, nginx-rtmp ------------------------------------------------------

/** A connect command in one type-0 chunk on csid 3 (payload < 128 bytes, the default chunk size). */
function connectChunk(app: string, tcUrl: string): Buffer {
  const str = (s: string) => {
    const b = Buffer.alloc(2 + s.length);
    b.writeUInt16BE(s.length, 0);
    b.write(s, 2, 'latin1');
    return b;
  };
  const payload = Buffer.concat([
    Buffer.from([0x02]),
    str('connect'),
    Buffer.from('003ff0000000000000', 'hex'),
    Buffer.from([0x03]),
    str('app'),
    Buffer.from([0x02]),
    str(app),
    str('tcUrl'),
    Buffer.from([0x02]),
    str(tcUrl),
    Buffer.from('000009', 'hex'),
  ]);
  assert.ok(payload.length <= 128);
  const header = Buffer.alloc(12);
  header[0] = 0x03;
  header.writeUIntBE(payload.length, 4, 3);
  header[7] = 0x14;
  return Buffer.concat([header, payload]);
}

interface ClientRun {
  info: ClientHandshakeInfo;
  /** Bytes the server sent after S2 in answer to our connect. */
  answer: Buffer;
  closed: boolean;
}

/** Runs ClientHandshake over TCP, then sends connect and collects the answer until "_result". */
function clientHandshake(port: number, policy: HandshakePolicy): Promise<ClientRun> {
  return new Promise((resolveRun, rejectRun) => {
    const sock = tcpConnect(port, '127.0.0.1');
    const hs = new ClientHandshake({ policy });
    let info: ClientHandshakeInfo | undefined;
    let answer = Buffer.alloc(0);
    let closed = false;
    const timer = setTimeout(() => {
      sock.destroy();
      rejectRun(
        new Error(`no answer to connect (handshake ${info ? 'done' : 'pending'}, ${answer.length} bytes)`),
      );
    }, WAIT_MS);
    sock.on('connect', () => sock.write(hs.start()));
    sock.on('error', (e) => {
      clearTimeout(timer);
      rejectRun(e);
    });
    sock.on('close', () => {
      closed = true;
      clearTimeout(timer);
      rejectRun(new Error(`server closed the connection (handshake ${info ? 'done' : 'pending'})`));
    });
    sock.on('data', (data: Buffer) => {
      try {
        if (!info) {
          const step = hs.receive(data);
          for (const b of step.send) sock.write(b);
          if (!step.done) return;
          info = step.info!;
          sock.write(connectChunk('live', `rtmp://127.0.0.1:${port}/live`));
          data = step.rest ?? Buffer.alloc(0);
        }
        answer = Buffer.concat([answer, data]);
        if (answer.includes('_result')) {
          clearTimeout(timer);
          resolveRun({ info, answer, closed });
          sock.destroy();
        }
      } catch (err) {
        clearTimeout(timer);
        sock.destroy();
        rejectRun(err);
      }
    });
  });
}

describe('ClientHandshake against nginx-rtmp', () => {
  let runDir: string | undefined;
  let startError: Error | undefined;
  const needs: [string, string][] = [
    ['nginx', 'nginx-light'],
    ['/usr/lib/nginx/modules/ngx_rtmp_module.so', 'libnginx-mod-rtmp'],
  ];

  let nginxPort = 0;

  before(async () => {
    if (needs.some(([bin]) => which(bin) === undefined)) return;
    runDir = mkdtempSync(join(tmpdir(), 'rtmpkit-hs-nginx-'));
    // Free ports only: a fixed port fails whenever something else holds it.
    nginxPort = await freePort();
    const env = { ...process.env, PORT: String(nginxPort), HTTP_PORT: String(await freePort()) };
    try {
      await run(
        'bash',
        [join(peers, 'start-nginx-rtmp.sh'), join(runDir, 'run'), join(runDir, 'media')],
        env,
      );
    } catch (err) {
      startError = err as Error;
    }
  });

  after(async () => {
    if (!runDir) return;
    await run('bash', [join(peers, 'stop-peer.sh'), join(runDir, 'run')], process.env).catch(() => {});
    rmSync(runDir, { recursive: true, force: true });
  });

  const expectations: [HandshakePolicy, 'fp9' | 'simple'][] = [
    ['fp9', 'fp9'],
    ['auto', 'fp9'],
    ['simple', 'simple'],
  ];
  for (const [policy, mode] of expectations) {
    it(`policy '${policy}': ${mode} handshake, then nginx answers connect`, {
      timeout: 30_000,
    }, async (t) => {
      if (!needPeers(t, needs)) return;
      if (startError) throw startError;
      const r = await clientHandshake(nginxPort, policy);
      t.diagnostic(
        `nginx S1 version ${r.info.serverFlashVersion.join('.')}, mode ${r.info.mode}, digest ${r.info.serverDigest}` +
          `, scheme ${r.info.scheme}, s2Valid ${r.info.s2Valid}, warnings ${JSON.stringify(r.info.warnings)}`,
      );
      assert.equal(r.info.serverVersion, 3);
      assert.equal(r.info.mode, mode);
      assert.equal(r.info.serverDigest, mode === 'fp9');
      if (mode === 'fp9') {
        assert.equal(r.info.s2Valid, true, 'nginx signs S2 with our C1 digest');
        assert.deepEqual(r.info.warnings, []);
      }
      assert.equal(r.closed, false, 'the connection stayed open after C2');
      assert.ok(
        r.answer.includes('NetConnection.Connect.Success'),
        'nginx accepted the connect after our handshake',
      );
    });
  }
});
