/**
 * The check of a live player's FLV after a hand-over: the source's frames from where the
 * player joined to the end, each exactly once, in order, after one set of sequence headers.
 */
import assert from 'node:assert/strict';
import { flvTags } from '../unit/server-harness.js';

/** One row per audio/video tag: type, timestamp, body. */
export const rows = (tags: ReturnType<typeof flvTags>) =>
  tags
    .filter((t) => t.type === 8 || t.type === 9)
    .map((t) => `${t.type} ${t.timestamp} ${t.body.toString('base64')}`);

/** A live player's FLV: one video and one audio sequence header first, then a run of the source's frames to its end, each once. */
export function assertLiveRun(flv: Buffer, source: Buffer): void {
  const tags = flvTags(flv).filter((t) => t.type === 8 || t.type === 9);
  const headers = tags.flatMap((t, i) => (t.body[1] === 0 ? [i] : []));
  assert.deepEqual(headers, [0, 1], 'one video and one audio sequence header, first');
  const media = rows(tags.slice(2));
  const all = rows(flvTags(source).filter((t) => t.body[1] !== 0));
  const start = all.indexOf(media[0]!);
  assert.ok(start >= 0, 'the player joined the live stream');
  assert.equal(media.length, all.length - start, 'no tag missing, none twice');
  assert.deepEqual(media, all.slice(start));
}
