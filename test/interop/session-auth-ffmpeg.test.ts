/**
 * Publisher authentication against FFmpeg's client, which implements both authmod=adobe
 * and authmod=llnw (`ffmpeg … -f flv rtmp://user:pass@127.0.0.1:P/live/s`). A test-only
 * server built on the sans-IO ServerSession rejects connect with the descriptions FMS,
 * Wowza and Limelight send (session/auth.ts builds them), lets FFmpeg reconnect with its
 * response, and checks it with rtmpkit's verifiers: the right password publishes every
 * A/V tag of the file; a wrong one is refused and FFmpeg exits with an error.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type AuthMod,
  adobeChallengeDescription,
  authFailedDescription,
  llnwChallengeDescription,
  needAuthDescription,
  parseAuthQuery,
  verifyAdobe,
  verifyLlnw,
} from '../../src/session/auth.js';
import type { ServerEvent } from '../../src/session/server-events.js';
import { ServerSession } from '../../src/session/server-session.js';
import { makeMedia, requirePeers, runBounded } from '../helpers/peers.js';

/** What the auth server saw. */
interface AuthLog {
  /** Per connect: the app it asked for and the answer. */
  connects: { app: string; answer: string }[];
  verified: boolean[];
  media: number;
}

/** A server demanding `authmod` from user `alice` with `password`. */
async function startAuthServer(authmod: AuthMod, password: string) {
  const log: AuthLog = { connects: [], verified: [], media: 0 };
  const salt = 'Xq7Salt';
  const issued = new Map<string, { challenge: string; opaque: string; nonce: string }>();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const s = new ServerSession({ chunkSize: 4096 });
    /** The rejection for this connect, or undefined to accept it. */
    const verdict = (app: string): [description: string, answer: string] | undefined => {
      const q = parseAuthQuery(app);
      if (q === undefined || q.authmod !== authmod) return [needAuthDescription(authmod), 'need auth'];
      if (q.user !== 'alice') return [authFailedDescription(authmod, 'nosuchuser'), 'no such user'];
      if (!q.params.has('response')) {
        const fresh = {
          challenge: randomBytes(6).toString('base64'),
          opaque: randomBytes(6).toString('base64'),
          nonce: randomBytes(8).toString('base64'),
        };
        issued.set(q.user, fresh);
        const description =
          authmod === 'adobe'
            ? adobeChallengeDescription({
                user: q.user,
                salt,
                challenge: fresh.challenge,
                opaque: fresh.opaque,
              })
            : llnwChallengeDescription({ user: q.user, nonce: fresh.nonce });
        return [description, 'challenge'];
      }
      const sent = issued.get(q.user);
      const ok =
        sent !== undefined &&
        (authmod === 'adobe' ? verifyAdobe(q, { salt, ...sent }, password) : verifyLlnw(q, sent, password));
      log.verified.push(ok);
      return ok ? undefined : [authFailedDescription(authmod, 'failed'), 'failed'];
    };
    const onConnect = (e: Extract<ServerEvent, { kind: 'connect' }>): void => {
      const app = e.app ?? '';
      const no = verdict(app);
      log.connects.push({ app, answer: no ? no[1] : 'accepted' });
      if (no) s.rejectConnect(e.txn, { code: 'NetConnection.Connect.Rejected', description: no[0] });
      else s.acceptConnect(e.txn);
    };
    const pump = (): void => {
      for (const e of s.takeEvents()) {
        if (e.kind === 'connect') onConnect(e);
        else if (e.kind === 'createStream') s.createdStream(e.txn);
        else if (e.kind === 'publish') s.acceptPublish(e.streamId);
        else if (e.kind === 'call' && e.txn !== 0) s.respond(e.txn, null);
        else if (e.kind === 'media') log.media++;
      }
      const out = s.takeOutput();
      if (out.length && !socket.destroyed) for (const b of out) socket.write(b);
      if (s.state === 'rejected' || s.state === 'closed') socket.end();
    };
    socket.on('data', (d: Buffer) => {
      s.receive(d, performance.now());
      pump();
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as { port: number };
  return {
    port,
    log,
    /**
     * Resolves once every connection has closed (FFmpeg's exit can be seen before the
     * server has read the last bytes it wrote: 'close' comes after the last 'data').
     */
    settled: async (): Promise<void> => {
      for (const t0 = Date.now(); sockets.size > 0; ) {
        if (Date.now() - t0 > 10_000)
          throw new Error(`${sockets.size} connection(s) still open 10 s after ffmpeg exited`);
        await new Promise((res) => setTimeout(res, 10));
      }
    },
    close: () =>
      new Promise<void>((res) => {
        for (const so of sockets) so.destroy();
        server.close(() => res());
      }),
  };
}

/** The number of audio/video tags in an FLV file (FLV-10.1 Annex E). */
function avTags(file: Buffer): number {
  let n = 0;
  for (
    let pos = file.readUInt32BE(5) + 4;
    pos + 11 <= file.length;
    pos += 11 + file.readUIntBE(pos + 1, 3) + 4
  ) {
    const type = file[pos]! & 0x1f;
    if (type === 8 || type === 9) n++;
  }
  return n;
}

async function publish(port: number, password: string) {
  const src = join(makeMedia(), 'short.flv');
  const url = `rtmp://alice:${password}@127.0.0.1:${port}/live/s`;
  const r = await runBounded(
    'ffmpeg',
    ['-nostdin', '-v', 'info', '-i', src, '-c', 'copy', '-f', 'flv', url],
    60_000,
  );
  assert.equal(r.timedOut, false, r.stderr);
  return { ...r, tags: avTags(readFileSync(src)) };
}

for (const authmod of ['adobe', 'llnw'] as const) {
  test(`authmod=${authmod}: ffmpeg answers the challenge, rtmpkit verifies it, every A/V tag arrives`, async (t) => {
    if (!requirePeers(t, ['ffmpeg'])) return;
    const srv = await startAuthServer(authmod, 's3cr3t');
    try {
      const r = await publish(srv.port, 's3cr3t');
      assert.equal(r.code, 0, r.stderr.slice(-2000));
      assert.deepEqual(
        srv.log.connects.map((c) => c.answer),
        ['need auth', 'challenge', 'accepted'],
      );
      assert.equal(srv.log.connects[1]!.app, `live?authmod=${authmod}&user=alice`);
      assert.deepEqual(srv.log.verified, [true]);
      await srv.settled();
      assert.equal(srv.log.media, r.tags);
    } finally {
      await srv.close();
    }
  });

  test(`authmod=${authmod}: a wrong password fails verification and ffmpeg reports the failure`, async (t) => {
    if (!requirePeers(t, ['ffmpeg'])) return;
    const srv = await startAuthServer(authmod, 's3cr3t');
    try {
      const r = await publish(srv.port, 'wrong');
      assert.notEqual(r.code, 0);
      assert.deepEqual(srv.log.verified, [false]);
      assert.equal(srv.log.media, 0);
      assert.match(r.stderr, authmod === 'adobe' ? /Incorrect username\/password/ : /Authentication failed/);
    } finally {
      await srv.close();
    }
  });
}
