/**
 * Reconnect of a VOD download from a server that answers play(start) and seek(ms) the way
 * nginx-rtmp does for a file with a keyframe index: from the first keyframe whose time is
 * after the position asked for, with the file's timestamps (and the whole file for 0). A
 * scripted server behind the fault-injecting proxy; the test media repeat their keyframes
 * byte for byte, as a static scene does. Asked for the last delivered keyframe, the server
 * starts one GOP later: the client seeks 1 ms before the keyframe on the same stream, drops
 * what the old position still sends (its end of stream too), takes the keyframe only with
 * its own timestamp, and the download equals the uncut one byte for byte. Before, the
 * download failed with the gap (or, taking the next identical keyframe for the anchor,
 * went on with a GOP missing).
 *
 * Also when the cut falls in the next-to-last GOP, where the server's answer is the last
 * GOP and the end of the file in one write: the client reads the first message past the
 * anchor and the end (Play.Complete, Play.Stop) together, so its NetStream has ended
 * before the seek goes out; the seek plays the recorded stream again. Before, that
 * download ended cut (RTMPStreamCutError: the replay ended before its anchor came).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AMFObject } from '../../src/amf/types.js';
import { command, dataMessage, streamBegin } from '../../src/message/builders.js';
import { encodeMessage } from '../../src/message/codec.js';
import type { Message } from '../../src/message/types.js';
import { makeTestFlv } from '../../src/server/test-media.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { defaultAnswers, type ScriptedConn, startScriptedServer } from '../helpers/scripted-server.js';
import { download } from '../helpers/vod-download.js';
import { flvTags, type Tag } from './server-harness.js';

const MEDIA = flvTags(Buffer.from(makeTestFlv(30))).filter((t) => t.type === 8 || t.type === 9);
const isKey = (t: Tag): boolean => t.type === 9 && t.body[0]! >> 4 === 1 && t.body[1] === 1;
const onStream1 = (m: Message): Message => ({ ...m, streamId: 1 });
const status = (code: string): Message =>
  onStream1(command('onStatus', 0, null, new AMFObject({ level: 'status', code })));

/** nginx-rtmp's index lookup: the first keyframe whose time is after `ms` (the last when none is); 0 or less: the start. */
function lookup(ms: number): number {
  if (ms <= 0) return 0;
  const keys = MEDIA.filter(isKey);
  const key = keys.find((k, i) => i === keys.length - 1 || ms < k.timestamp)!;
  return MEDIA.indexOf(key);
}

/** The end of a recorded stream as nginx-rtmp sends it: Play.Complete, Play.Stop. */
const END: Message[] = [
  onStream1(dataMessage('onPlayStatus', new AMFObject({ level: 'status', code: 'NetStream.Play.Complete' }))),
  status('NetStream.Play.Stop'),
];

/**
 * The media from `from`, file timestamps, then the end: in the same write (as nginx-rtmp
 * sends it) or, `endLater`, a few ms later in a write of its own.
 */
function sendFrom(c: ScriptedConn, from: number, endLater: boolean): void {
  const media = MEDIA.slice(from).map((t) => ({
    type: t.type,
    streamId: 1,
    timestamp: t.timestamp,
    csid: t.type === 8 ? 4 : 6,
    payload: t.body,
  }));
  if (!endLater) {
    c.sendRaw(...media, ...END.map((m) => encodeMessage(m)));
    return;
  }
  c.sendRaw(...media);
  setTimeout(() => c.send(...END), 20);
}

/** A scripted nginx-rtmp with a keyframe index: the play starts and seeks it was asked for. */
async function indexedServer(endLater: boolean) {
  const plays: number[] = [];
  const seeks: number[] = [];
  const server = await startScriptedServer((c, msg) => {
    if (msg?.kind !== 'command') return;
    defaultAnswers(c, msg);
    if (msg.name === 'play') {
      const start = typeof msg.args[1] === 'number' ? msg.args[1] : 0;
      plays.push(start);
      c.send(streamBegin(1), status('NetStream.Play.Start'));
      sendFrom(c, lookup(start), endLater);
    } else if (msg.name === 'seek') {
      const ms = Number(msg.args[0]);
      seeks.push(ms);
      c.send(status('NetStream.Seek.Notify'));
      sendFrom(c, lookup(ms), endLater);
    }
  });
  return { server, plays, seeks };
}

describe('reconnect: a VOD server that starts after the keyframe asked for (nginx-rtmp with a keyframe index)', () => {
  it('the client seeks 1 ms before the last keyframe received and the download equals the uncut one byte for byte', async () => {
    const { server: s, plays, seeks } = await indexedServer(true);
    const proxy = await startFaultProxy(s.port, (k) =>
      k === 0 ? { how: 'fin', afterBytes: 60_000, align: 'byte' } : undefined,
    );
    try {
      const uncut = await download(s.url('vod/clip'));
      assert.equal(uncut.error, undefined);
      assert.ok(flvTags(uncut.flv).length > 500);
      const cut = await download(proxy.url('vod/clip'), { reconnect: { retries: 2, backoffMs: 20 } });
      assert.equal(cut.error, undefined, String(cut.error));
      assert.deepEqual(cut.events, ['reconnecting 1/2', 'reconnected 1']);
      assert.equal(plays.length, 3);
      const anchor = plays[2]!;
      assert.ok(anchor > 0, `the reconnect plays from ${anchor} ms`);
      assert.ok(MEDIA[lookup(anchor)]!.timestamp > anchor, 'the server started after the keyframe asked for');
      assert.deepEqual(seeks, [anchor - 1]);
      assert.equal(cut.flv.length, uncut.flv.length);
      assert.ok(cut.flv.equals(uncut.flv), 'byte-identical FLV');
    } finally {
      await proxy.close();
      await s.close();
    }
  });

  it('near the end of the file: the answer past the anchor and the end arrive in one read, the seek still plays the rest', async () => {
    const { server: s, plays, seeks } = await indexedServer(false);
    const keys = MEDIA.filter(isKey);
    const last = keys[keys.length - 1]!;
    let total = 0;
    // Connection 0 (uncut) measures the download's bytes; connection 1 is cut in the
    // next-to-last GOP, 40 % of a GOP's bytes before the last keyframe (counted from the end).
    const tail = MEDIA.slice(MEDIA.indexOf(last)).reduce((n, t) => n + t.body.length + 15, 0);
    const gop = MEDIA.slice(MEDIA.indexOf(keys[keys.length - 2]!), MEDIA.indexOf(last)).reduce(
      (n, t) => n + t.body.length + 15,
      0,
    );
    const proxy = await startFaultProxy(s.port, (k) =>
      k === 1 ? { how: 'fin', afterBytes: total - tail - Math.round(gop * 0.4), align: 'byte' } : undefined,
    );
    try {
      const uncut = await download(proxy.url('vod/clip'));
      assert.equal(uncut.error, undefined);
      total = proxy.down[0]!;
      const cut = await download(proxy.url('vod/clip'), { reconnect: { retries: 2, backoffMs: 20 } });
      assert.equal(proxy.cuts, 1);
      assert.equal(cut.error, undefined, String(cut.error));
      assert.deepEqual(cut.events, ['reconnecting 1/2', 'reconnected 1']);
      const anchor = plays[2]!;
      assert.equal(
        anchor,
        keys[keys.length - 2]!.timestamp,
        'the last keyframe received is the next-to-last',
      );
      assert.equal(lookup(anchor), MEDIA.indexOf(last), 'the server answered with the last GOP');
      assert.deepEqual(seeks, [anchor - 1]);
      assert.ok(
        cut.flv.equals(uncut.flv),
        `byte-identical FLV (${cut.flv.length} of ${uncut.flv.length} bytes)`,
      );
    } finally {
      await proxy.close();
      await s.close();
    }
  });
});
