/**
 * src/cli/terminal.ts: control and bidi characters escaped (printable text untouched),
 * JSON kept valid and parseable, stream keys and tokens found in URLs and librtmp
 * options and masked wherever they appear.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeControl, maskSecret, Secrets, safeJson } from '../../src/cli/terminal.js';

test('escapeControl: C0, DEL, C1, LS/PS, bidi and BOM become visible escapes; the rest is untouched', () => {
  assert.equal(escapeControl('\u001b]0;title\u0007'), '\\x1b]0;title\\x07');
  assert.equal(escapeControl('a\nb\rc\td'), 'a\\x0ab\\x0dc\\x09d');
  assert.equal(escapeControl('\u007f\u0080\u009b\u009f'), '\\x7f\\x80\\x9b\\x9f');
  assert.equal(escapeControl('x\u202eevil\u2066\u2028\ufeff'), 'x\\u202eevil\\u2066\\u2028\\ufeff');
  const printable = 'Grüße — 日本語 🎥 "quotes" \\ back';
  assert.equal(escapeControl(printable), printable);
});

test('safeJson: same value after JSON.parse, no raw C1/bidi in the text, optional rounding', () => {
  const value = { t: '\u009b2J\u202e', n: [1 / 3, 2, -2.0006], nested: { s: 'ok' } };
  const text = safeJson(value, 2);
  assert.ok(!/[\u0080-\u009f\u202e]/.test(text));
  assert.deepEqual(JSON.parse(text), value);
  assert.deepEqual(JSON.parse(safeJson(value, undefined, 3)).n, [0.333, 2, -2.001]);
  assert.equal(safeJson(undefined), 'null');
});

test('maskSecret keeps two characters of a long secret', () => {
  assert.equal(maskSecret('live_123456_abcdef'), 'li***');
  assert.equal(maskSecret('abcd'), '***');
});

test('Secrets: publish stream key, query tokens, user:password and librtmp credential options', () => {
  const s = new Secrets()
    .addUrl('rtmp://user:hunter22@h/live/stream-key-1?pwd=xyz789', true)
    .addUrl(
      'rtmp://h/vod/film?token=tok123 conn=S:conn-secret conn=NS:k:named-secret pubPasswd=pass99 live=1',
      false,
    );
  const line =
    'rtmp://user:hunter22@h/live/stream-key-1?pwd=xyz789 tok123 conn-secret named-secret pass99 film';
  // Passwords are masked whole: not a character shown.
  assert.equal(s.redact(line), 'rtmp://user:***@h/live/st*** to*** co*** na*** *** film');
  const encoded = new Secrets().addUrl('rtmp://u:pa%2Fss1@h/live/x', false);
  assert.equal(encoded.redact('pa%2Fss1 pa/ss1'), '*** ***', 'as written and as decoded');
  assert.equal(new Secrets(false).addUrl('rtmp://h/live/key12345', true).redact('key12345'), 'key12345');
  // Play URLs keep their stream name; an app given separately finds the key after it.
  assert.equal(new Secrets().addUrl('rtmp://h/vod/film', false).redact('vod/film'), 'vod/film');
  assert.equal(new Secrets().addUrl('rtmp://h/a/b/key9999', true, 'a/b').redact('a/b/key9999'), 'a/b/ke***');
  // Short values would match ordinary words: not masked.
  assert.equal(new Secrets().add('loop').redact('looping'), 'looping');
});
