/**
 * Reconnect of a VOD download from a server that sends only aggregates (RTMP-SPEC §7.1.6,
 * one per GOP, as FMS and Wowza send recorded streams): a scripted server behind the
 * fault-injecting proxy, cut mid-chunk (FIN) and at a message boundary (RST). The replay
 * filter finds its anchor inside the aggregates, the client plays again from it and the
 * download equals the uncut one byte for byte — before the filter looked into aggregates
 * it had no anchor and the reconnect restarted the file from its start.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AMFObject } from '../../src/amf/types.js';
import { tagPieces } from '../../src/flv/framing.js';
import { command, dataMessage, streamBegin } from '../../src/message/builders.js';
import type { RawMessage } from '../../src/message/raw-message.js';
import type { Message } from '../../src/message/types.js';
import { makeTestFlv } from '../../src/server/test-media.js';
import { type Cut, startFaultProxy } from '../helpers/fault-proxy.js';
import { type ScriptedConn, startScriptedServer } from '../helpers/scripted-server.js';
import { download } from '../helpers/vod-download.js';
import { flvTags, type Tag } from './server-harness.js';

const TAGS = flvTags(Buffer.from(makeTestFlv(30)));
const isKey = (t: Tag): boolean => t.type === 9 && t.body[0]! >> 4 === 1 && t.body[1] === 1;

/** FLV tag layout (FLV-10.1 E.4.1) of `t`, its timestamp as in the file. */
const record = (t: Tag): Buffer => Buffer.concat(tagPieces(t.type, t.timestamp, t.body));

const onStream1 = (m: Message): Message => ({ ...m, streamId: 1 });

/**
 * play(name, start ms — as nginx-rtmp and librtmp count it): the sequence headers as single
 * messages, then aggregates of `every` records (or one per GOP)
 * from the keyframe at or before `start`, stamped from 0 (records keep the file's
 * timestamps), then Play.Complete and Play.Stop.
 */
function play(c: ScriptedConn, startMs: number, every: number | 'gop'): void {
  const start = Math.max(0, startMs);
  const media = TAGS.filter((t) => t.type === 8 || t.type === 9);
  const headers = media.filter((t) => t.body[1] === 0 && t.timestamp === 0);
  const rest = media.filter((t) => !headers.includes(t));
  let from = 0;
  for (let i = 0; i < rest.length; i++) if (isKey(rest[i]!) && rest[i]!.timestamp <= start) from = i;
  const base = rest[from]!.timestamp;
  c.send(
    streamBegin(1),
    onStream1(command('onStatus', 0, null, new AMFObject({ level: 'status', code: 'NetStream.Play.Start' }))),
  );
  const out: RawMessage[] = headers.map((t) => ({
    type: t.type,
    streamId: 1,
    timestamp: 0,
    csid: 6,
    payload: t.body,
  }));
  let gop: Tag[] = [];
  const flush = (): void => {
    if (gop.length === 0) return;
    const payload = Buffer.concat(gop.map(record));
    out.push({ type: 22, streamId: 1, timestamp: gop[0]!.timestamp - base, csid: 6, payload });
    gop = [];
  };
  for (const t of rest.slice(from)) {
    if (every === 'gop' ? isKey(t) : gop.length === every) flush();
    gop.push(t);
  }
  flush();
  c.sendRaw(...out);
  const done = new AMFObject({ level: 'status', code: 'NetStream.Play.Complete' });
  c.send(onStream1(dataMessage('onPlayStatus', done)));
  c.send(
    onStream1(command('onStatus', 0, null, new AMFObject({ level: 'status', code: 'NetStream.Play.Stop' }))),
  );
}

describe('reconnect: a VOD server that sends only aggregates', () => {
  // Aggregates of 7 records do not start at keyframes: the replay re-sends part of the one
  // that straddles the cut, and only its new records may reach the file.
  for (const every of ['gop', 7] as const)
    it(`cut mid-chunk (FIN) and at a message boundary (RST): the download equals the uncut one byte for byte (aggregates: ${every === 'gop' ? 'one per GOP' : `${every} records`})`, async () => {
      const plays: number[] = [];
      const s = await startScriptedServer((c, msg) => {
        if (msg?.kind !== 'command') return;
        if (msg.name === 'connect') c.acceptConnect(msg.transactionId);
        else if (msg.name === 'createStream') c.send(command('_result', msg.transactionId, null, 1));
        else if (msg.name === 'play') {
          const start = typeof msg.args[1] === 'number' ? msg.args[1] : 0;
          plays.push(start);
          play(c, start, every);
        }
      });
      const cuts: Record<number, Cut> = {
        0: { how: 'fin', afterBytes: 50_000, align: 'byte' },
        1: { how: 'rst', afterBytes: 40_000, align: 'read' },
      };
      const proxy = await startFaultProxy(s.port, (k) => cuts[k]);
      try {
        const uncut = await download(s.url('vod/clip'));
        assert.equal(uncut.error, undefined);
        const tags = flvTags(uncut.flv);
        assert.ok(tags.length > 500, `${tags.length} tags`);
        const cut = await download(proxy.url('vod/clip'), { reconnect: { retries: 3, backoffMs: 20 } });
        assert.equal(cut.error, undefined, String(cut.error));
        assert.equal(
          proxy.cuts,
          2,
          `${proxy.down} plays ${plays} ${cut.events} ${cut.flv.length}/${uncut.flv.length}`,
        );
        assert.deepEqual(cut.events, [
          'reconnecting 1/3',
          'reconnected 1',
          'reconnecting 1/3',
          'reconnected 1',
        ]);
        // The plays after the cuts start inside the file (the anchor was found), not at 0.
        assert.equal(plays.length, 4);
        assert.ok(plays[2]! > 0 && plays[3]! > plays[2]!, `plays from ${plays.join(', ')} ms`);
        assert.equal(cut.flv.length, uncut.flv.length);
        assert.ok(cut.flv.equals(uncut.flv), 'byte-identical FLV');
      } finally {
        await proxy.close();
        await s.close();
      }
    });
});
