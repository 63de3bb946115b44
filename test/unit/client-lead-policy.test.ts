/**
 * `createStream({ bufferLead })`'s option: what is accepted (a boolean, or `{ messages,
 * bytes }` of non-negative integers; anything else is `ERR_RTMP_BAD_ARGUMENT`), and the
 * lead it gives a play: the bytes part only when the server is on this host with no
 * proxy, nothing for live streams, the `buffer` option as the largest length.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkBufferLead,
  isLoopbackHost,
  LEAD_LOCAL_BYTES,
  LEAD_MESSAGES,
  resolveBufferLead,
} from '../../src/client/lead-policy.js';
import { RTMP } from '../../src/client/rtmp.js';
import { UsageCode } from '../../src/error-codes.js';
import { RTMPUsageError } from '../../src/errors.js';

const params = (url: string, extra: Record<string, unknown> = {}) => ({ ...new RTMP(url).params, ...extra });

describe('bufferLead', () => {
  it('accepts a boolean or { messages, bytes }; refuses anything else with ERR_RTMP_BAD_ARGUMENT', () => {
    assert.equal(checkBufferLead(undefined), undefined);
    assert.equal(checkBufferLead(true), true);
    assert.deepEqual(checkBufferLead({ messages: 64 }), { messages: 64 });
    for (const bad of [1, 'yes', null, { messages: -1 }, { bytes: 1.5 }, { size: 3 }]) {
      assert.throws(
        () => checkBufferLead(bad),
        (e: unknown) => e instanceof RTMPUsageError && e.code === UsageCode.RTMP_BAD_ARGUMENT,
        JSON.stringify(bad),
      );
    }
  });

  it('the defaults: 128 messages, plus 2 MiB on this host, a round trip elsewhere; the buffer option caps it; none for live or when off', () => {
    const local = params('rtmp://127.0.0.1/vod/a.flv', { buffer: 36_000_000 });
    assert.deepEqual(resolveBufferLead(true, local, {}), {
      messages: LEAD_MESSAGES,
      bytes: LEAD_LOCAL_BYTES,
      maxMs: 36_000_000,
      rttMs: 0,
    });
    // Remote: no bytes, and no rttMs — the NetStream takes its session's measured round trip.
    assert.deepEqual(resolveBufferLead(true, params('rtmp://example.com/vod/a.flv'), {}), {
      messages: LEAD_MESSAGES,
      bytes: 0,
      maxMs: 30_000,
    });
    const proxied = resolveBufferLead(true, local, { proxy: 'socks5://127.0.0.1:1080' });
    assert.equal(proxied?.bytes, 0);
    assert.equal(proxied?.rttMs, undefined);
    assert.deepEqual(resolveBufferLead({ bytes: 5 }, params('rtmp://[::1]/vod/a'), {}), {
      messages: LEAD_MESSAGES,
      bytes: 5,
      maxMs: 30_000,
      rttMs: 0,
    });
    assert.equal(resolveBufferLead(true, params('rtmp://127.0.0.1/live/a', { live: true }), {}), undefined);
    assert.equal(resolveBufferLead(false, local, {}), undefined);
    assert.equal(resolveBufferLead(undefined, local, {}), undefined);
  });

  it('loopback hosts: localhost, 127.0.0.0/8, ::1', () => {
    for (const h of ['localhost', 'LOCALHOST', '127.0.0.1', '127.3.2.1', '::1', '[::1]'])
      assert.ok(isLoopbackHost(h), h);
    for (const h of ['example.com', '10.0.0.1', '::2', '128.0.0.1', '127.0.0.1.example.com'])
      assert.ok(!isLoopbackHost(h), h);
  });
});
