/**
 * `~/.swfinfo` (src/swf/cache.ts): librtmp's exact record format, parsing what librtmp
 * writes (several records, partial records, malformed fields), lookup without query
 * strings, the age rule, and atomic writes that keep foreign records byte for byte.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  defaultSwfInfoPath,
  findSwfRecord,
  formatSwfInfo,
  formatSwfRecord,
  httpDate,
  isSwfRecordComplete,
  isSwfRecordFresh,
  parseSwfInfo,
  readSwfInfoFile,
  swfCacheUrl,
  writeSwfInfoFile,
} from '../../src/swf/cache.js';
import { tempDir } from '../helpers/peers.js';

const HASH = 'a1'.repeat(32);
const LIBRTMP_TEXT =
  'url: http://example.com/player.swf\n' +
  'ctim: Mon, 01 Jan 2024 10:00:00 GMT\n' +
  'date: Sun, 31 Dec 2023 09:00:00 GMT\n' +
  'size: 0001e240\n' +
  `hash: ${HASH}\n` +
  'url: http://other.example/p.swf\n' +
  'ctim: Tue, 02 Jan 2024 10:00:00 GMT\n' +
  'date: \n' +
  'size: 00000010\n' +
  `hash: ${'0f'.repeat(32)}\n`;

test('record format is librtmp fprintf output, byte for byte', () => {
  const text = formatSwfRecord({
    url: 'http://h/p.swf',
    ctim: 'Wed, 03 Jan 2024 04:05:06 GMT',
    date: '',
    size: 0x1234,
    hash: Buffer.from(HASH, 'hex'),
  });
  assert.equal(
    text,
    `url: http://h/p.swf\nctim: Wed, 03 Jan 2024 04:05:06 GMT\ndate: \nsize: 00001234\nhash: ${HASH}\n`,
  );
});

test('ctim is strtime()\'s "Www, DD Mon YYYY HH:MM:SS GMT"', () => {
  assert.equal(httpDate(Date.UTC(2024, 0, 3, 4, 5, 6)), 'Wed, 03 Jan 2024 04:05:06 GMT');
});

test('parses librtmp records; untouched text round-trips exactly', () => {
  const f = parseSwfInfo(LIBRTMP_TEXT);
  assert.equal(f.records.length, 2);
  const r = findSwfRecord(f, 'http://example.com/player.swf?v=3&x=y')!;
  assert.ok(r);
  assert.equal(r.size, 123456);
  assert.equal(r.hash!.toString('hex'), HASH);
  assert.equal(r.date, 'Sun, 31 Dec 2023 09:00:00 GMT');
  assert.equal(r.ctim, 'Mon, 01 Jan 2024 10:00:00 GMT');
  assert.ok(isSwfRecordComplete(r));
  assert.equal(findSwfRecord(f, 'http://other.example/p.swf')!.date, '');
  assert.equal(findSwfRecord(f, 'http://example.com/other/player.swf'), undefined);
  assert.equal(formatSwfInfo(f), LIBRTMP_TEXT);
  // A modified record is re-formatted, its neighbour kept.
  f.records[0] = { ...r, ctim: 'Thu, 04 Jan 2024 00:00:00 GMT', raw: undefined } as typeof r;
  delete f.records[0]!.raw;
  assert.equal(
    formatSwfInfo(f),
    LIBRTMP_TEXT.replace('Mon, 01 Jan 2024 10:00:00', 'Thu, 04 Jan 2024 00:00:00'),
  );
});

test('malformed or partial records are not used (but are preserved)', () => {
  const text =
    'junk before\n' +
    'url: http://h/a.swf\nctim: Mon, 01 Jan 2024 10:00:00 GMT\n' + // librtmp 304-without-record leftover
    `url: http://h/b.swf\nctim: x\ndate: \nsize: zz\nhash: ${HASH}\n` +
    `url: http://h/c.swf\nctim: x\ndate: \nsize: 00000010\nhash: ${HASH.slice(1)}\n` +
    `url: http://h/d.swf\nctim: x\ndate: \nsize: 00000000\nhash: ${HASH}\n` +
    'url: http://h/e.swf\nsize: 1ffffffff\n';
  const f = parseSwfInfo(text);
  assert.equal(f.preamble, 'junk before\n');
  for (const name of ['a', 'b', 'c', 'd', 'e']) {
    const r = findSwfRecord(f, `http://h/${name}.swf`)!;
    assert.ok(r, name);
    assert.equal(isSwfRecordComplete(r), false, name);
  }
  assert.equal(formatSwfInfo(f), text);
});

test('swfCacheUrl drops the query string, as librtmp writes it', () => {
  assert.equal(swfCacheUrl('http://h/p.swf?a=1?b'), 'http://h/p.swf');
  assert.equal(swfCacheUrl('http://h/p.swf'), 'http://h/p.swf');
});

test('age: whole days since ctim < age; age 0 never trusts the cache', () => {
  const now = Date.UTC(2024, 5, 15, 12, 0, 0);
  const rec = (ms: number) => ({ url: 'u', ctim: httpDate(ms), date: '', size: 1, hash: Buffer.alloc(32) });
  const day = 86_400_000;
  assert.equal(isSwfRecordFresh(rec(now), 30, now), true);
  assert.equal(isSwfRecordFresh(rec(now), 0, now), false);
  assert.equal(isSwfRecordFresh(rec(now - 29 * day - 1000), 30, now), true);
  assert.equal(isSwfRecordFresh(rec(now - 30 * day), 30, now), false);
  assert.equal(isSwfRecordFresh(rec(now - 23 * 3_600_000), 1, now), true);
  assert.equal(isSwfRecordFresh(rec(now - day), 1, now), false);
  assert.equal(isSwfRecordFresh({ ...rec(now), ctim: 'garbage' }, 30, now), false);
});

test('file round trip: atomic write, no temp files left, foreign records kept', async () => {
  const dir = tempDir('rtmpkit-swfinfo-');
  const path = join(dir, '.swfinfo');
  assert.deepEqual((await readSwfInfoFile(path)).records, []); // missing = empty
  writeFileSync(path, LIBRTMP_TEXT);
  const f = await readSwfInfoFile(path);
  f.records.push({
    url: 'http://new/x.swf',
    ctim: 'Wed, 03 Jan 2024 04:05:06 GMT',
    date: 'Tue, 02 Jan 2024 00:00:00 GMT',
    size: 99,
    hash: Buffer.from(HASH, 'hex'),
  });
  await writeSwfInfoFile(path, f);
  assert.equal(
    readFileSync(path, 'latin1'),
    `${LIBRTMP_TEXT}url: http://new/x.swf\nctim: Wed, 03 Jan 2024 04:05:06 GMT\n` +
      `date: Tue, 02 Jan 2024 00:00:00 GMT\nsize: 00000063\nhash: ${HASH}\n`,
  );
  assert.deepEqual(readdirSync(dir), ['.swfinfo']);
  const again = await readSwfInfoFile(path);
  assert.equal(findSwfRecord(again, 'http://new/x.swf')!.size, 99);
});

test("default path is librtmp's $HOME/.swfinfo", { skip: process.platform === 'win32' }, () => {
  assert.equal(defaultSwfInfoPath({ HOME: '/home/u' }), '/home/u/.swfinfo');
  assert.equal(defaultSwfInfoPath({}), '.swfinfo');
});
