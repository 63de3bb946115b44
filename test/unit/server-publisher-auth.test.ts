/**
 * The server's publisher-auth gate (src/server/publisher-auth.ts) as a pure state machine:
 * the three steps with the client functions of session/auth.ts answering, who is
 * challenged (publishers by `type: 'nonprivate'` or an FMLE flashVer), single-use and
 * expiring challenges, the bounds on what it remembers, and what hooks see of the query.
 * And what the server logs: refusals (wrong password, unknown user) as warnings naming
 * the user, once per address and kind per `logIntervalMs` with a count — the dance's
 * own steps are not warnings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AMFObject } from '../../src/amf/types.js';
import { RTMP, RTMPAuthError } from '../../src/index.js';
import { addLogCallback, getLogLevel, LogLevel, removeLogCallback, setLogLevel } from '../../src/log.js';
import {
  CHALLENGE_TTL_MS,
  isPublisherConnect,
  MAX_PENDING_PER_USER,
  MAX_USERS,
  PublisherAuthGate,
} from '../../src/server/publisher-auth.js';
import { nextAuthStep, withAuthQuery } from '../../src/session/auth.js';
import { startServer } from './server-harness.js';

const publisher = new AMFObject({ app: 'live', type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; x)' });
const player = new AMFObject({ app: 'live', flashVer: 'LNX 9,0,124,2' });
let seed = 1;
const random = (n: number) => Buffer.alloc(n, seed++);

/** Runs the client side against `gate` from a plain connect; returns the verdicts in order. */
async function dance(gate: PublisherAuthGate, user: string, password: string, app = 'live') {
  const verdicts = [];
  let query = '';
  let previous: Parameters<typeof nextAuthStep>[0]['previous'];
  for (let i = 0; i < 4; i++) {
    const v = await gate.verdict(query === '' ? app : withAuthQuery(app, query), publisher);
    verdicts.push(v);
    if (v.kind !== 'rejected') break;
    let step: ReturnType<typeof nextAuthStep>;
    try {
      step = nextAuthStep({
        description: v.description,
        credentials: { user, password },
        app,
        previous,
        random,
      });
    } catch {
      break;
    }
    if (!step) break;
    query = step.query;
    previous = step.attempt;
  }
  return verdicts;
}

describe('PublisherAuthGate', () => {
  const lookup = (u: string) => (u === 'alice' ? 's3cret' : undefined);
  for (const mode of ['adobe', 'llnw'] as const) {
    it(`${mode}: need auth, challenge, accepted; a wrong password fails; an unknown user is nosuchuser`, async () => {
      const gate = new PublisherAuthGate({ mode, lookup }, random);
      const ok = await dance(gate, 'alice', 's3cret', 'live?key=1');
      assert.deepEqual(
        ok.map((v) => (v.kind === 'rejected' ? v.step : v.kind)),
        ['need auth', 'challenge', 'accepted'],
      );
      const last = ok.at(-1)!;
      assert.ok(last.kind === 'accepted');
      assert.equal(last.user, 'alice');
      assert.equal(last.query, 'key=1', 'hooks see the query without the auth parameters');
      assert.equal(gate.pending, 0, 'the challenge was used up');
      const bad = await dance(gate, 'alice', 'guess');
      assert.deepEqual(
        bad.map((v) => (v.kind === 'rejected' ? v.step : v.kind)),
        ['need auth', 'challenge', 'failed'],
      );
      const unknown = await dance(gate, 'bob', 's3cret');
      assert.deepEqual(
        unknown.map((v) => (v.kind === 'rejected' ? v.step : v.kind)),
        ['need auth', 'no such user'],
      );
      for (const v of [...ok, ...bad, ...unknown]) {
        if (v.kind === 'rejected') assert.ok(!v.description.includes('s3cret'));
      }
    });
  }

  it('only publishers are challenged; a player connects without the dance', async () => {
    const gate = new PublisherAuthGate({ mode: 'adobe', lookup }, random);
    assert.deepEqual(await gate.verdict('live', player), { kind: 'open' });
    assert.equal(isPublisherConnect(publisher), true);
    assert.equal(isPublisherConnect(new AMFObject({ flashVer: 'FMLE/3.0' })), true);
    assert.equal(isPublisherConnect(new Map([['type', 'nonprivate']])), true);
    assert.equal(isPublisherConnect(player), false);
    assert.equal(isPublisherConnect(null), false);
    // Asking with the other scheme gets the one the server wants.
    const other = await gate.verdict('live?authmod=llnw&user=alice', publisher);
    assert.ok(other.kind === 'rejected' && other.description.includes('authmod=adobe'));
  });

  it('a response is single use and expires', async () => {
    const gate = new PublisherAuthGate({ mode: 'adobe', lookup }, random);
    const challenge = await gate.verdict('live?authmod=adobe&user=alice', publisher, 0);
    assert.ok(challenge.kind === 'rejected' && challenge.step === 'challenge');
    const step = nextAuthStep({
      description: challenge.description,
      credentials: { user: 'alice', password: 's3cret' },
      app: 'live',
      previous: { authmod: 'adobe', stage: 'user' },
      random,
    })!;
    const app = withAuthQuery('live', step.query);
    assert.equal((await gate.verdict(app, publisher, 1000)).kind, 'accepted');
    const replay = await gate.verdict(app, publisher, 1001);
    assert.ok(replay.kind === 'rejected' && replay.step === 'failed', 'a replayed response fails');
    const late = await gate.verdict('live?authmod=adobe&user=alice', publisher, 0);
    assert.ok(late.kind === 'rejected');
    const lateStep = nextAuthStep({
      description: late.description,
      credentials: { user: 'alice', password: 's3cret' },
      app: 'live',
      previous: { authmod: 'adobe', stage: 'user' },
      random,
    })!;
    const expired = await gate.verdict(
      withAuthQuery('live', lateStep.query),
      publisher,
      CHALLENGE_TTL_MS + 1,
    );
    assert.ok(expired.kind === 'rejected' && expired.step === 'failed', 'an expired challenge fails');
  });

  it('remembers at most MAX_PENDING_PER_USER challenges per user and MAX_USERS users', async () => {
    const gate = new PublisherAuthGate({ mode: 'llnw', lookup: () => 'pw' }, random);
    for (let i = 0; i < MAX_PENDING_PER_USER * 3; i++)
      await gate.verdict('live?authmod=llnw&user=u', publisher, 0);
    assert.equal(gate.pending, MAX_PENDING_PER_USER);
    for (let i = 0; i < MAX_USERS + 50; i++) await gate.verdict(`live?authmod=llnw&user=u${i}`, publisher, 0);
    assert.ok(gate.pending <= MAX_USERS * MAX_PENDING_PER_USER);
    assert.ok(gate.pending <= MAX_USERS + MAX_PENDING_PER_USER);
  });
});

describe('server: publisher auth refusals in the log', () => {
  it('wrong passwords and unknown users: one warning per kind naming the user, the repeats counted; no secrets', async () => {
    const warnings: string[] = [];
    const cb = (level: LogLevel, message: string): void => {
      if (level <= LogLevel.WARNING) warnings.push(message);
    };
    const level = getLogLevel();
    setLogLevel(LogLevel.ALL);
    addLogCallback(cb);
    const { server, port } = await startServer({
      auth: { mode: 'adobe', lookup: (u) => (u === 'alice' ? 'right-pw' : undefined) },
      logIntervalMs: 60_000,
    });
    try {
      const attempt = (user: string, password: string) =>
        new RTMP(`rtmp://127.0.0.1:${port}/live/cam`, {
          publish: true,
          timeout: 10,
          pubUser: user,
          pubPasswd: password,
        }).connect();
      for (let i = 0; i < 3; i++)
        await assert.rejects(attempt('alice', 'wrong-pw'), (e) => e instanceof RTMPAuthError);
      for (let i = 0; i < 2; i++)
        await assert.rejects(attempt('mallory', 'wrong-pw'), (e) => e instanceof RTMPAuthError);
      const ok = new RTMP(`rtmp://127.0.0.1:${port}/live/cam`, {
        publish: true,
        timeout: 10,
        pubUser: 'alice',
        pubPasswd: 'right-pw',
      });
      await ok.connect();
      await ok.close();
      const auth = () => warnings.filter((w) => w.includes('adobe auth'));
      assert.equal(auth().length, 2, auth().join('\n'));
      assert.match(
        auth()[0]!,
        /client \d+ \(127\.0\.0\.1\): publisher "alice" refused \(adobe auth: failed\)/,
      );
      assert.match(auth()[1]!, /publisher "mallory" refused \(adobe auth: no such user\)/);
    } finally {
      await server.close(); // flushes the counted repeats
      removeLogCallback(cb);
      setLogLevel(level);
    }
    const auth = warnings.filter((w) => w.includes('adobe auth'));
    assert.equal(auth.length, 4, auth.join('\n'));
    assert.match(
      auth[2]!,
      /"alice" refused \(adobe auth: failed\) \(repeated 2 times in \d+ ms: 127\.0\.0\.1 adobe auth: failed\)/,
    );
    assert.match(auth[3]!, /"mallory" refused .*\(repeated 1 times/);
    assert.ok(!warnings.join('\n').match(/wrong-pw|right-pw|response=|challenge=/), 'no secrets');
  });
});
