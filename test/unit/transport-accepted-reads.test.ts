/**
 * `reuseAcceptedReads`: sockets a `net.Server` accepted read into the one buffer they all
 * share. Over real loopback sockets: it engages on this Node (so a Node release that
 * drops the internal `onread` slots fails here, not silently in production); several
 * clients writing at once each reach their own sink with exactly their bytes, although
 * every read lands in the same memory — the one connected sockets read into too, RC4's
 * read area; bytes that arrive before the sink is set are not
 * lost; pause() stops the reads and resume() restarts them; a second call, and a socket
 * that already has a read buffer, are refused and left as they are.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { kernelReadArea } from '../../src/crypto/rc4-kernel.js';
import {
  connectTcp,
  readsIntoReusedBuffer,
  reuseAcceptedReads,
  setReadSink,
} from '../../src/transport/tcp.js';

const pattern = (n: number, seed: number): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + (i >> 8)) & 0xff));

let server: Server | undefined;
const clients: Socket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  if (server) await new Promise<void>((res) => server!.close(() => res()));
  server = undefined;
});

/** A listener whose accepted sockets go through `reuseAcceptedReads`; resolves its port and accepted sockets. */
async function listen(onAccept: (s: Socket, reused: boolean) => void): Promise<number> {
  server = createServer((s) => onAccept(s, reuseAcceptedReads(s)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), what);
}

describe('reuseAcceptedReads', () => {
  it('engages on this Node, and three clients writing at once each get exactly their own bytes', async () => {
    const got = new Map<number, Buffer[]>();
    const views = new Set<ArrayBufferLike>();
    let reusedAll = true;
    const port = await listen((s, reused) => {
      reusedAll &&= reused && readsIntoReusedBuffer(s);
      const id = got.size;
      const parts: Buffer[] = [];
      got.set(id, parts);
      assert.equal(
        setReadSink(s, (v) => {
          views.add(v.buffer);
          parts.push(Buffer.from(v)); // the view is valid only during the call
        }),
        true,
      );
      s.on('error', () => {});
    });
    const sent = [0, 1, 2].map((k) => pattern(3_000_000 + k * 1234, k));
    const socks = sent.map(() => connect(port, '127.0.0.1'));
    clients.push(...socks);
    await Promise.all(socks.map((c) => once(c, 'connect')));
    // Interleaved writes in 50 KB pieces from all three.
    for (let at = 0; at < sent[0]!.length + 10_000; at += 50_000) {
      socks.forEach((c, k) => {
        if (at < sent[k]!.length) c.write(sent[k]!.subarray(at, Math.min(at + 50_000, sent[k]!.length)));
      });
    }
    const total = (id: number) => (got.get(id) ?? []).reduce((n, b) => n + b.length, 0);
    await until(
      () => [0, 1, 2].every((id) => got.has(id) && total(id) === sent[id]!.length),
      'every byte arrived',
    );
    assert.equal(reusedAll, true, 'every accepted socket reads into the reused buffer');
    assert.equal(views.size, 1, 'all reads of all sockets landed in one shared buffer');
    // Accept order and connect order may differ: match by first bytes.
    const byFirst = new Map(sent.map((b) => [b.subarray(0, 16).toString('hex'), b]));
    for (const [id, parts] of got) {
      const joined = Buffer.concat(parts);
      const want = byFirst.get(joined.subarray(0, 16).toString('hex'));
      assert.ok(want, `client ${id}'s bytes start like one of the senders'`);
      assert.ok(joined.equals(want), `client ${id}: byte-exact`);
    }
  });

  it('bytes that arrive before the sink is set come through it first; pause() stops reads, resume() restarts', async () => {
    let accepted: Socket | undefined;
    const port = await listen((s) => {
      accepted = s;
      s.on('error', () => {});
    });
    const c = connect(port, '127.0.0.1');
    clients.push(c);
    await once(c, 'connect');
    await until(() => accepted !== undefined, 'accepted');
    const early = pattern(10_000, 9);
    c.write(early);
    await new Promise((r) => setTimeout(r, 50)); // read and buffered on the readable side
    const parts: Buffer[] = [];
    setReadSink(accepted!, (v) => parts.push(Buffer.from(v)));
    assert.deepEqual(Buffer.concat(parts), early);
    accepted!.pause();
    const late = pattern(20_000, 3);
    c.write(late);
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(Buffer.concat(parts).length, early.length, 'nothing is read while paused');
    accepted!.resume();
    await until(() => Buffer.concat(parts).length === early.length + late.length, 'read after resume');
    assert.deepEqual(Buffer.concat(parts), Buffer.concat([early, late]));
  });

  it('connected sockets share one read buffer: RC4’s read area for RTMPE (decrypted in place), a plain one otherwise', async () => {
    const sent = [pattern(2_000_000, 4), pattern(1_500_000, 5)];
    const port = await listen((s) => {
      s.on('error', () => {});
      s.once('data', (d: Buffer) => s.end(sent[d[0]!]!));
    });
    const seen = new Map<boolean, ArrayBufferLike>();
    for (const rc4Reads of [false, true]) {
      const got: Buffer[][] = [[], []];
      const views = new Set<ArrayBufferLike>();
      const socks = await Promise.all([0, 1].map(() => connectTcp({ host: '127.0.0.1', port, rc4Reads })));
      clients.push(...socks);
      socks.forEach((c, k) => {
        assert.equal(readsIntoReusedBuffer(c), true);
        setReadSink(c, (v) => {
          views.add(v.buffer);
          got[k]!.push(Buffer.from(v));
        });
        c.write(Uint8Array.of(k));
      });
      await until(
        () => got.every((parts, k) => Buffer.concat(parts).length === sent[k]!.length),
        'both answers arrived',
      );
      for (const [k, parts] of got.entries())
        assert.ok(Buffer.concat(parts).equals(sent[k]!), `rc4Reads ${rc4Reads}, client ${k}: byte-exact`);
      assert.equal(views.size, 1, `rc4Reads ${rc4Reads}: one buffer for both sockets`);
      seen.set(rc4Reads, [...views][0]!);
    }
    assert.equal(seen.get(true), kernelReadArea()!.buffer, 'RTMPE: the RC4 kernel memory');
    assert.notEqual(seen.get(false), kernelReadArea()!.buffer, 'plain: not the kernel memory');
  });

  it('a second call, and a socket that is not an accepted TCP socket, are refused and left as they are', async () => {
    let second: boolean | undefined;
    const port = await listen((s, reused) => {
      assert.equal(reused, true);
      second = reuseAcceptedReads(s);
      s.on('error', () => {});
    });
    const c = connect(port, '127.0.0.1');
    clients.push(c);
    await once(c, 'connect');
    await until(() => second !== undefined, 'accepted');
    assert.equal(second, false);
    // A connecting socket that already reads into its own buffer (`onread`), and one with no handle yet.
    const own = connect({
      port,
      host: '127.0.0.1',
      onread: { buffer: Buffer.alloc(1024), callback: () => true },
    });
    clients.push(own);
    await once(own, 'connect');
    assert.equal(reuseAcceptedReads(own), false);
    assert.equal(readsIntoReusedBuffer(own), false);
    const unconnected = new (await import('node:net')).Socket();
    assert.equal(reuseAcceptedReads(unconnected), false);
  });
});
