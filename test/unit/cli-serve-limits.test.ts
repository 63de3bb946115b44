/**
 * `rtmpkit serve`'s limit flags (src/cli/serve-limits.ts): each flag sets its server
 * option, sizes take K/M/G, the last occurrence wins, malformed values are usage errors
 * naming the flag, and the library's range errors are reworded with the flag's name.
 * Also the output high-water mark's default following a lower `maxOutputBuffer` down.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getopt } from '../../src/cli/args.js';
import { UsageError } from '../../src/cli/exit-codes.js';
import { SERVE_OPTIONS } from '../../src/cli/serve.js';
import { LIMIT_OPTIONS, limitMessage, limitOptions } from '../../src/cli/serve-limits.js';
import { RTMPUsageError } from '../../src/errors.js';
import { resolveOptions } from '../../src/server/options.js';

const parse = (...argv: string[]) => limitOptions(getopt(argv, SERVE_OPTIONS));

describe('serve limit flags', () => {
  it('set their options: counts, milliseconds, sizes with K/M/G; the last occurrence wins', () => {
    assert.deepEqual(
      parse(
        '--max-connections',
        '10',
        '--max-per-address=2',
        '--handshake-timeout',
        '500',
        '--max-output-buffer',
        '64M',
        '--max-command-size',
        '8k',
        '--gop-cache',
        '0',
        '--max-input-buffer',
        '1G',
        '--max-connections',
        '12',
      ),
      {
        maxConnections: 12,
        maxConnectionsPerAddress: 2,
        handshakeTimeoutMs: 500,
        maxOutputBuffer: 64 << 20,
        maxCommandSize: 8192,
        gopCacheMaxBytes: 0,
        maxInputBuffer: 1 << 30,
      },
    );
    assert.deepEqual(parse('--port', '0'), {});
  });

  it('every flag names a server option resolveOptions knows', () => {
    for (const o of LIMIT_OPTIONS) {
      assert.doesNotThrow(() => resolveOptions({ [o.name]: undefined }), o.name);
    }
  });

  it('malformed values are usage errors naming the flag', () => {
    for (const [argv, re] of [
      [['--max-connections', 'ten'], /'--max-connections' needs a whole number, got 'ten'/],
      [['--idle-timeout', '5s'], /'--idle-timeout' needs a whole number/],
      [['--max-streams', '-1'], /'--max-streams' needs a whole number/],
      [['--max-output-buffer', '1.5M'], /'--max-output-buffer' needs a byte count/],
      [
        ['--max-output-buffer', ''],
        /'--max-output-buffer' needs a byte count \(e\.g\. 4096, 64K, 16M\), got ''/,
      ],
      [['--gop-cache', '9999999999999G'], /'--gop-cache': 9999999999999G is too large/],
    ] as const) {
      assert.throws(
        () => parse(...argv),
        (e: unknown) => e instanceof UsageError && re.test(e.message),
      );
    }
  });

  it("the library's range message is reworded with the flag", () => {
    assert.equal(
      limitMessage('maxConnectionsPerAddress must be an integer in 1..1000000, got 0'),
      '--max-per-address must be an integer in 1..1000000, got 0',
    );
    assert.equal(limitMessage('maxConnections must be …'), '--max-connections must be …');
    assert.equal(limitMessage('push URL must be rtmp://'), 'push URL must be rtmp://');
  });

  it('a lower maxOutputBuffer alone lowers the output high-water mark; both given must agree', () => {
    assert.equal(resolveOptions({}).outputHighWaterMark, 8 << 20);
    assert.equal(resolveOptions({ maxOutputBuffer: 1 << 20 }).outputHighWaterMark, 1 << 20);
    assert.equal(resolveOptions({ maxOutputBuffer: 64 << 20 }).outputHighWaterMark, 8 << 20);
    assert.throws(
      () => resolveOptions({ maxOutputBuffer: 1 << 20, outputHighWaterMark: 2 << 20 }),
      /maxOutputBuffer must be an integer in 2097152\.\./,
    );
  });

  it('a raised liveHighWaterMark alone raises the output cap with it; an explicit cap below it is refused', () => {
    // The defaults stay: video dropped above 4 MiB, audio above 16, cut off above 32.
    assert.equal(resolveOptions({}).liveHighWaterMark, 4 << 20);
    assert.equal(resolveOptions({}).maxOutputBuffer, 32 << 20);
    assert.equal(resolveOptions({ liveHighWaterMark: 1 << 20 }).maxOutputBuffer, 32 << 20);
    assert.equal(resolveOptions({ maxOutputBuffer: 1 << 20 }).liveHighWaterMark, 1 << 20);
    assert.equal(resolveOptions({ maxOutputBuffer: 64 << 20 }).liveHighWaterMark, 4 << 20);
    // The scenario that surprised: the mark raised to 1 GiB, the cap left at 32 MiB, so a
    // lagging player was cut off (ERR_SERVER_LIMIT_OUTPUT) before a frame was dropped.
    const raised = resolveOptions({ liveHighWaterMark: 1 << 30 });
    assert.equal(raised.maxOutputBuffer, 8 * 2 ** 30);
    assert.equal(raised.outputHighWaterMark, 8 << 20);
    assert.equal(resolveOptions({ liveHighWaterMark: 2 ** 40 }).maxOutputBuffer, 2 ** 40);
    assert.equal(
      resolveOptions({ liveHighWaterMark: 1 << 30, maxOutputBuffer: 1 << 30 }).maxOutputBuffer,
      1 << 30,
    );
    assert.throws(
      () => resolveOptions({ liveHighWaterMark: 64 << 20, maxOutputBuffer: 32 << 20 }),
      (err: unknown) =>
        err instanceof RTMPUsageError &&
        err.code === 'ERR_SERVER_OPTION' &&
        /maxOutputBuffer must be an integer in 67108864\.\./.test(err.message),
    );
  });
});
