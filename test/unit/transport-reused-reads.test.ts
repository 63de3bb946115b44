/**
 * The reused read buffer of tcp.ts (`reusedReads`, `setReadSink`), and its coalescing
 * form for TLS: reads that arrive one TLS record at a time (≤ 16 KiB, RFC 8446 §5.1) land
 * one after the other in the buffer and reach the sink as fewer, larger views — the same
 * bytes in the same order as one read per record, delivered before the peer's FIN is
 * seen, dropped after a local destroy. A real TLS connection on loopback (TLS-PSK, so no
 * certificate is needed) checks that Node honours the buffer function of `onread`.
 */
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { type ConnectionOptions, connect as tlsConnect, createServer as tlsServer } from 'node:tls';
import { READ_BUFFER_SIZE, reusedReads, setReadSink } from '../../src/transport/tcp.js';

/** Enough of a socket for `reusedReads`: push, read, destroyed, events. */
class FakeSocket extends EventEmitter {
  destroyed = false;
  pushed: Buffer[] = [];
  push(b: Buffer): boolean {
    this.pushed.push(b);
    return true;
  }
  read(): Buffer | null {
    return this.pushed.shift() ?? null;
  }
}

/** A `reusedReads` over a fake socket, its `onread` driven as Node drives it: fill the buffer, callback(n), buffer() for the next. */
function rig(coalesce: boolean) {
  const reads = reusedReads(coalesce);
  const socket = new FakeSocket();
  reads.attach(socket as unknown as Socket);
  const views: Buffer[] = [];
  const bufferOf = reads.onread.buffer;
  let next = typeof bufferOf === 'function' ? bufferOf() : bufferOf;
  /** One read of `bytes`, as Node's onStreamRead does it. */
  const read = (bytes: Buffer): void => {
    assert.ok(bytes.length <= next.length, 'a read never exceeds the buffer it was given');
    next.set(bytes);
    reads.onread.callback(bytes.length, next);
    if (typeof bufferOf === 'function') next = bufferOf();
  };
  const claim = (): void => {
    assert.equal(
      setReadSink(socket as unknown as Socket, (v) => views.push(Buffer.from(v))),
      true,
    );
  };
  return { socket, views, read, claim };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const pattern = (n: number, seed: number): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));

describe('reusedReads: coalescing TLS records', () => {
  it('many reads in one turn reach the sink as one view with the same bytes', async () => {
    const r = rig(true);
    r.claim();
    const records = [1, 2, 3, 4, 5].map((i) => pattern(16_384 - i * 100, i));
    for (const rec of records) r.read(rec);
    assert.equal(r.views.length, 0, 'nothing delivered before the end of the turn');
    await turn();
    assert.equal(r.views.length, 1);
    assert.ok(r.views[0]!.equals(Buffer.concat(records)));
  });

  it('every split of the same bytes into reads gives the same byte stream', async () => {
    const all = pattern(3 * READ_BUFFER_SIZE + 12_345, 9);
    for (const size of [1, 977, 16_384]) {
      const r = rig(true);
      r.claim();
      for (let at = 0; at < all.length; at += size) {
        r.read(all.subarray(at, at + size));
        if ((at / size) % 50 === 49) await turn(); // some turns end mid-buffer
      }
      await turn();
      assert.ok(Buffer.concat(r.views).equals(all), `reads of ${size}`);
      assert.ok(r.views.every((v) => v.length <= READ_BUFFER_SIZE));
    }
  });

  it('a nearly full buffer is delivered at once, and the next read starts at its beginning', () => {
    const r = rig(true);
    r.claim();
    const records = Array.from({ length: READ_BUFFER_SIZE / 16_384 }, (_, i) => pattern(16_384, i));
    for (const rec of records.slice(0, -1)) r.read(rec);
    assert.equal(r.views.length, 0, 'room for one more record: wait');
    r.read(records.at(-1)!);
    assert.equal(r.views.length, 1, 'delivered within the turn when under one record of room is left');
    assert.ok(r.views[0]!.equals(Buffer.concat(records)));
    r.read(pattern(16_384, 99)); // a full record fits again: the next read went to the start
    assert.equal(r.views.length, 1);
  });

  it("pending bytes are delivered before the socket's own 'end' listeners run", async () => {
    const r = rig(true);
    const seen: string[] = [];
    r.socket.on('end', () => seen.push(`end after ${r.views.length} view(s)`));
    r.claim();
    r.read(pattern(5000, 1));
    r.socket.emit('end');
    assert.deepEqual(seen, ['end after 1 view(s)']);
    await turn();
    assert.equal(r.views.length, 1, 'not delivered twice');
  });

  it("after a socket error, pending bytes are delivered before the other 'close' listeners run", () => {
    const r = rig(true);
    const seen: string[] = [];
    r.socket.on('close', () => seen.push(`close after ${r.views.length} view(s)`));
    r.claim();
    r.read(pattern(5000, 1));
    r.socket.destroyed = true;
    r.socket.emit('close', true);
    assert.deepEqual(seen, ['close after 1 view(s)']);
    assert.equal(
      r.socket.listenerCount('error'),
      0,
      'no error listener: errors stay unhandled unless the owner handles them',
    );
  });

  it('pending bytes are dropped when the socket was destroyed locally', async () => {
    const r = rig(true);
    r.claim();
    r.read(pattern(5000, 1));
    r.socket.destroyed = true;
    r.socket.emit('close', false);
    await turn();
    assert.equal(r.views.length, 0);
  });

  it('before a sink claims the socket, each read is pushed as its own copy', () => {
    const r = rig(true);
    const a = pattern(100, 1);
    const b = pattern(200, 2);
    r.read(a);
    r.read(b);
    assert.equal(r.socket.pushed.length, 2);
    assert.ok(r.socket.pushed[0]!.equals(a) && r.socket.pushed[1]!.equals(b));
    r.claim(); // hands over what was pushed, in order
    assert.ok(Buffer.concat(r.views).equals(Buffer.concat([a, b])));
  });

  it('without coalescing, every read is its own view', () => {
    const r = rig(false);
    r.claim();
    r.read(pattern(100, 1));
    r.read(pattern(100, 2));
    assert.equal(r.views.length, 2);
  });
});

describe('reusedReads over a real TLS connection', () => {
  const psk = Buffer.alloc(32, 0x5a);
  const tlsOpts = { ciphers: 'PSK-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' as const };

  /** Downloads `records` (each one TLS record) over loopback TLS; the sink's views. */
  async function download(records: Buffer[], coalesce: boolean): Promise<Buffer[]> {
    const server = tlsServer({ ...tlsOpts, pskCallback: () => psk }, (s) => {
      for (const r of records) s.write(r);
      s.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const reads = reusedReads(coalesce);
    const views: Buffer[] = [];
    const socket = tlsConnect({
      ...tlsOpts,
      host: '127.0.0.1',
      port,
      pskCallback: () => ({ psk, identity: 'rtmpkit-test' }),
      checkServerIdentity: () => undefined,
      onread: reads.onread, // a tls.connect option, not in @types/node's ConnectionOptions
    } as ConnectionOptions);
    reads.attach(socket);
    try {
      await once(socket, 'secureConnect');
      setReadSink(socket, (v) => views.push(Buffer.from(v)));
      await once(socket, 'close');
    } finally {
      socket.destroy();
      server.close();
    }
    return views;
  }

  it('the bytes arrive intact and in fewer, larger views than records', async () => {
    const records = Array.from({ length: 64 }, (_, i) => pattern(16_384, i));
    const plain = await download(records, false);
    const coalesced = await download(records, true);
    const sent = Buffer.concat(records);
    assert.ok(Buffer.concat(plain).equals(sent), 'one view per read');
    assert.ok(Buffer.concat(coalesced).equals(sent), 'coalesced');
    assert.ok(plain.length >= 32, `one view per record: ${plain.length} views`);
    assert.ok(coalesced.length < plain.length / 2, `coalesced ${coalesced.length} vs ${plain.length} views`);
  });
});
