/**
 * Publisher authentication (authmod=adobe, authmod=llnw), pure functions: the FMS, Wowza
 * and Limelight rejection descriptions parse; responses equal digests computed here
 * independently (node:crypto MD5 over the documented strings); the client's whole dance
 * (need auth → challenge → response) passes the server-side verifiers and a wrong
 * password does not; each refusal has its typed code, none names the user or password.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  type AuthAttempt,
  adobeChallengeDescription,
  adobeResponse,
  authFailedDescription,
  llnwChallengeDescription,
  llnwResponse,
  needAuthDescription,
  nextAuthStep,
  parseAuthDescription,
  parseAuthQuery,
  RTMPAuthError,
  verifyAdobe,
  verifyLlnw,
  withAuthQuery,
} from '../../src/session/auth.js';

const md5b64 = (s: string) => createHash('md5').update(s).digest('base64');
const md5hex = (s: string) => createHash('md5').update(s).digest('hex');
const fixed = (hex: string) => () => Buffer.from(hex, 'hex');
const creds = { user: 'alice', password: 'Wonder land+1' };

describe('parseAuthDescription', () => {
  it('FMS need auth, FMS and Wowza challenges, failures, other authmods, plain rejections', () => {
    assert.deepEqual(
      parseAuthDescription('[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : '),
      {
        kind: 'needAuth',
        authmod: 'adobe',
      },
    );
    assert.deepEqual(
      parseAuthDescription(
        '[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=alice&salt=Sa1t&challenge=Ch+/=&opaque=Op==',
      ),
      { kind: 'adobe', user: 'alice', salt: 'Sa1t', challenge: 'Ch+/=', opaque: 'Op==' },
    );
    // Wowza: the app in the middle, an empty user.
    assert.deepEqual(
      parseAuthDescription(
        '[ AccessManager.Reject ] : [ authmod=adobe ] : /live : ?reason=needauth&user=&salt=6MnrBnKW&challenge=7C5OrwQg&opaque=vbi2V',
      ),
      { kind: 'adobe', user: '', salt: '6MnrBnKW', challenge: '7C5OrwQg', opaque: 'vbi2V' },
    );
    assert.deepEqual(parseAuthDescription(llnwChallengeDescription({ user: 'bob', nonce: 'NjU3' })), {
      kind: 'llnw',
      user: 'bob',
      nonce: 'NjU3',
    });
    assert.deepEqual(parseAuthDescription(authFailedDescription('adobe', 'failed')), {
      kind: 'failed',
      authmod: 'adobe',
      reason: 'authfailed',
    });
    assert.deepEqual(parseAuthDescription(authFailedDescription('llnw', 'nosuchuser')), {
      kind: 'failed',
      authmod: 'llnw',
      reason: 'nosuchuser',
    });
    assert.deepEqual(parseAuthDescription('[ AccessManager.Reject ] : [ authmod=akamai ] : '), {
      kind: 'unsupported',
      authmod: 'akamai',
    });
    assert.equal(parseAuthDescription('Connection rejected.'), undefined);
  });
});

describe('responses (independent digests)', () => {
  it('adobe: base64(MD5(base64(MD5(user+salt+password)) + opaque|challenge + client challenge))', () => {
    const hash1 = md5b64('alice' + 'Sa1t' + 'pw');
    const p = { user: 'alice', password: 'pw', salt: 'Sa1t', challenge: 'C', opaque: 'O' };
    assert.equal(adobeResponse(p, 'c2c2c2c2'), md5b64(`${hash1}Oc2c2c2c2`));
    assert.equal(adobeResponse({ ...p, opaque: undefined }, 'x'), md5b64(`${hash1}Cx`));
    assert.equal(adobeResponse({ user: 'alice', password: 'pw', salt: 'Sa1t' }, 'x'), md5b64(`${hash1}x`));
  });

  it('llnw: hex MD5 digest with realm live, method publish, qop auth, /_definst_ for a bare app', () => {
    const ha1 = md5hex('bob:live:pw');
    for (const [app, path] of [
      ['live', 'live/_definst_'],
      ['live/inst', 'live/inst'],
      ['live?authmod=llnw&user=bob', 'live/_definst_'],
    ]) {
      const ha2 = md5hex(`publish:/${path}`);
      assert.equal(
        llnwResponse({ user: 'bob', password: 'pw', nonce: 'N', cnonce: 'CN', nc: '00000001', app: app! }),
        md5hex(`${ha1}:N:00000001:CN:auth:${ha2}`),
        app,
      );
    }
  });
});

/** Plays the server of the dance with the pure server functions; returns the final verdict. */
function dance(authmod: 'adobe' | 'llnw', clientPassword: string, serverPassword: string) {
  const app = 'live';
  let previous: AuthAttempt | undefined;
  let description = needAuthDescription(authmod);
  const issued = { salt: 'S4lt', challenge: 'Ch4l', opaque: 'Op4q', nonce: 'N0nc3' };
  const apps: string[] = [];
  for (let round = 0; round < 3; round++) {
    const step = nextAuthStep({
      description,
      credentials: { user: 'alice', password: clientPassword },
      app,
      previous,
      random: fixed('0a1b2c3d'),
    });
    assert.ok(step);
    previous = step.attempt;
    const connectApp = withAuthQuery(app, step.query);
    apps.push(connectApp);
    const q = parseAuthQuery(connectApp)!;
    assert.equal(q.authmod, authmod);
    assert.equal(q.user, 'alice');
    if (!q.params.has('response')) {
      description =
        authmod === 'adobe'
          ? adobeChallengeDescription({ user: q.user, ...issued })
          : llnwChallengeDescription({ user: q.user, nonce: issued.nonce });
      continue;
    }
    const ok =
      authmod === 'adobe' ? verifyAdobe(q, issued, serverPassword) : verifyLlnw(q, issued, serverPassword);
    return { ok, apps, failure: authFailedDescription(authmod, 'failed'), previous };
  }
  throw new Error('no response after 3 rounds');
}

describe('client builder against server verifier', () => {
  for (const authmod of ['adobe', 'llnw'] as const) {
    it(`${authmod}: the right password verifies; a wrong one does not and then fails typed`, () => {
      const good = dance(authmod, 'Wonder land+1', 'Wonder land+1');
      assert.equal(good.ok, true);
      assert.equal(good.apps[0], `live?authmod=${authmod}&user=alice`);
      assert.match(
        good.apps[1]!,
        authmod === 'adobe'
          ? /challenge=0a1b2c3d&response=.+&opaque=Op4q$/
          : /cnonce=0a1b2c3d&nc=00000001&response=[0-9a-f]{32}$/,
      );
      const bad = dance(authmod, 'wrong', 'Wonder land+1');
      assert.equal(bad.ok, false);
      assert.throws(
        () =>
          nextAuthStep({
            description: bad.failure,
            credentials: creds,
            app: 'live',
            previous: bad.previous,
            random: fixed('00000000'),
          }),
        (err: Error & { code?: string }) => err instanceof RTMPAuthError && err.code === 'ERR_AUTH_FAILED',
      );
    });
  }

  it('verifiers refuse a response to another challenge or nonce, and a missing response', () => {
    const q = parseAuthQuery(
      `live?authmod=adobe&user=alice&challenge=x&response=${adobeResponse({ user: 'alice', password: 'p', salt: 's', opaque: 'o' }, 'x')}&opaque=o`,
    )!;
    assert.equal(verifyAdobe(q, { salt: 's', challenge: 'c', opaque: 'o' }, 'p'), true);
    assert.equal(verifyAdobe(q, { salt: 's', challenge: 'c', opaque: 'other' }, 'p'), false);
    assert.equal(
      verifyAdobe(
        parseAuthQuery('live?authmod=adobe&user=alice')!,
        { salt: 's', challenge: 'c', opaque: 'o' },
        'p',
      ),
      false,
    );
    const l = parseAuthQuery('live?authmod=llnw&user=a&nonce=n1&cnonce=c&nc=00000001&response=00')!;
    assert.equal(verifyLlnw(l, { nonce: 'n2' }, 'p'), false);
  });
});

describe('refusals', () => {
  const step = (description: string, extra: Partial<Parameters<typeof nextAuthStep>[0]> = {}) =>
    nextAuthStep({
      description,
      credentials: creds,
      app: 'live',
      previous: undefined,
      random: fixed('01020304'),
      ...extra,
    });
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      assert.ok(err instanceof RTMPAuthError);
      for (const secret of ['alice', 'Wonder land+1']) assert.ok(!err.message.includes(secret), err.message);
      return err.code;
    }
    return 'no error';
  };

  it('each failure has its code and no credentials in the message', () => {
    assert.equal(
      code(() => step(authFailedDescription('adobe', 'failed'))),
      'ERR_AUTH_FAILED',
    );
    assert.equal(
      code(() => step(authFailedDescription('llnw', 'failed'))),
      'ERR_AUTH_FAILED',
    );
    assert.equal(
      code(() => step(authFailedDescription('adobe', 'nosuchuser'))),
      'ERR_AUTH_NO_SUCH_USER',
    );
    assert.equal(
      code(() => step('[ AccessManager.Reject ] : [ authmod=akamai ] : ')),
      'ERR_AUTH_UNSUPPORTED',
    );
    assert.equal(
      code(() => step(needAuthDescription('adobe'), { credentials: undefined })),
      'ERR_AUTH_NO_CREDENTIALS',
    );
    assert.equal(
      code(() => step(needAuthDescription('llnw'), { previous: { authmod: 'llnw', stage: 'user' } })),
      'ERR_AUTH_FAILED',
    );
    assert.equal(
      code(() =>
        step(adobeChallengeDescription({ user: 'alice', salt: 's', challenge: 'c', opaque: 'o' }), {
          previous: { authmod: 'adobe', stage: 'response' },
        }),
      ),
      'ERR_AUTH_FAILED',
    );
    assert.equal(
      code(() => step('[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=alice')),
      'ERR_AUTH_BAD_CHALLENGE',
    );
    assert.equal(
      code(() => step('[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=needauth&user=alice')),
      'ERR_AUTH_BAD_CHALLENGE',
    );
    assert.equal(step('Connection rejected.'), undefined);
  });

  it('appends to an app or tcUrl that already has a query with &', () => {
    assert.equal(withAuthQuery('live?key=1', '?authmod=adobe&user=u'), 'live?key=1&authmod=adobe&user=u');
    assert.equal(withAuthQuery('rtmp://h/live', '?authmod=llnw&user=u'), 'rtmp://h/live?authmod=llnw&user=u');
  });
});
