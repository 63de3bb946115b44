/**
 * The server's `logger` option gets more than the message trace: the server's own log
 * (here a per-address refusal and an accepted connect) reaches the method of its level
 * with `{ component: 'server' }`, the trace still goes to `debug` with the connection, and
 * a logger that throws breaks nothing.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { startServer, TestClient, until } from './server-harness.js';

type Call = { level: string; fields: Record<string, unknown>; message: string };

function recorder(calls: Call[], throws = false) {
  const at =
    (level: string) =>
    (fields: object, message: string): void => {
      calls.push({ level, fields: fields as Record<string, unknown>, message });
      if (throws) throw new Error('logger down');
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('server: the logger option', () => {
  for (const throws of [false, true]) {
    it(`gets the server's refusals and decisions, not only the trace${throws ? ' (a throwing logger breaks nothing)' : ''}`, async () => {
      const calls: Call[] = [];
      const { server, port } = await startServer({
        logger: recorder(calls, throws),
        maxConnectionsPerAddress: 1,
      });
      try {
        const c = await TestClient.connect(port, 'live');
        const extra = connect(port, '127.0.0.1');
        extra.on('error', () => {});
        await new Promise<void>((res) => extra.once('close', () => res()));
        await until(() => calls.some((x) => x.level === 'warn'), 5000, 'the refusal logged');
        const warn = calls.find((x) => x.level === 'warn')!;
        assert.deepEqual(warn.fields, { component: 'server' });
        assert.match(warn.message, /ERR_SERVER_LIMIT_CONNECTIONS_PER_ADDRESS: refused 127\.0\.0\.1/);
        assert.ok(
          calls.some((x) => x.level === 'info' && /client \d+ connected to live/.test(x.message)),
          'the accepted connect is logged at info',
        );
        assert.ok(
          calls.some((x) => x.level === 'debug' && /command connect/.test(x.message)),
          'the message trace still goes to debug',
        );
        // The connection that logged goes on.
        const id = await c.createStream();
        assert.ok(id > 0);
        c.destroy();
      } finally {
        await server.close();
      }
    });
  }
});
