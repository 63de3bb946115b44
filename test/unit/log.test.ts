import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { afterEach, test } from 'node:test';
import {
  addLogCallback,
  createLogger,
  getLogLevel,
  type LogLevel as Level,
  LogLevel,
  type LogRecord,
  removeLogCallback,
  setLogLevel,
  setLogOutput,
} from '../../src/log.js';

afterEach(() => {
  setLogLevel(LogLevel.ERROR);
  setLogOutput(null);
});

test('levels use python-librtmp numbers and default to ERROR', () => {
  assert.deepEqual(Object.values(LogLevel), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(getLogLevel(), LogLevel.ERROR);
});

test('callbacks and the output get messages at or below the level', () => {
  const seen: [Level, string][] = [];
  const cb = addLogCallback((level, message) => seen.push([level, message]));
  let written = '';
  setLogOutput({ write: (s: string) => (written += s) });
  const log = createLogger('test');
  log.error('e1');
  log.info('hidden');
  setLogLevel(LogLevel.INFO);
  log.info('i1');
  log.debug('hidden too');
  removeLogCallback(cb);
  log.error('after removal');
  assert.deepEqual(seen, [
    [LogLevel.ERROR, 'e1'],
    [LogLevel.INFO, 'i1'],
  ]);
  assert.equal(written, 'ERROR: test: e1\nINFO: test: i1\nERROR: test: after removal\n');
});

test('a throwing callback does not break the caller', () => {
  const cb = addLogCallback(() => {
    throw new Error('bad callback');
  });
  assert.doesNotThrow(() => createLogger('test').error('x'));
  removeLogCallback(cb);
});

test('the rtmpkit:log diagnostics channel sees every level', () => {
  const got: LogRecord[] = [];
  const onMessage = (m: unknown) => got.push(m as LogRecord);
  diagnosticsChannel.subscribe('rtmpkit:log', onMessage);
  const log = createLogger('chan');
  assert.equal(log.enabled(LogLevel.DEBUG), true, 'a subscriber enables every level');
  log.debug('d');
  diagnosticsChannel.unsubscribe('rtmpkit:log', onMessage);
  assert.deepEqual(got, [{ level: LogLevel.DEBUG, component: 'chan', message: 'd' }]);
  assert.equal(log.enabled(LogLevel.DEBUG), false);
});

test('bad arguments are usage errors with codes', () => {
  assert.throws(() => setLogLevel(0 as Level), { code: 'ERR_RTMP_LOG_LEVEL' });
  assert.throws(() => setLogLevel(8 as Level), { code: 'ERR_RTMP_LOG_LEVEL' });
  assert.throws(() => setLogOutput({} as never), { code: 'ERR_RTMP_LOG_OUTPUT' });
  assert.throws(() => addLogCallback('x' as never), { code: 'ERR_RTMP_LOG_CALLBACK' });
});
