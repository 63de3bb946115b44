/**
 * Publisher authentication as FMS/Wowza (`authmod=adobe`) and Limelight (`authmod=llnw`)
 * servers ask for it, pure functions for both ends (librtmp `PublisherAuth`, FFmpeg
 * `handle_connect_error`/`do_adobe_auth`/`do_llnw_auth`). The dance, triggered by a
 * `NetConnection.Connect.Rejected` whose description names an authmod:
 *
 * 1. connect → `[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : `;
 *    the client reconnects with `?authmod=adobe&user=U` appended to app and tcUrl.
 * 2. → `[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=U&salt=S&challenge=C&opaque=O`
 *    (llnw: `…&user=U&nonce=N`); the client reconnects with its response:
 *    - adobe: `?authmod=adobe&user=U&challenge=C2&response=R[&opaque=O]`,
 *      R = base64(MD5(base64(MD5(U + S + password)) + (O or C or "") + C2));
 *    - llnw (HTTP-Digest style, RFC 2617 §3.2.2 with realm `live`, method `publish`, qop
 *      `auth`): `?authmod=llnw&user=U&nonce=N&cnonce=CN&nc=00000001&response=R`,
 *      R = hex(MD5(HA1:N:nc:CN:auth:HA2)), HA1 = hex(MD5(U:live:password)),
 *      HA2 = hex(MD5("publish:/" + app + ("/_definst_" when app has no "/"))).
 * 3. → accepted, or `?reason=authfailed` (llnw `authfail`), `?reason=nosuchuser`.
 *
 * Query values travel as they are, not percent-encoded (base64 `+`, `/` and `=`
 * included), as FFmpeg and librtmp send and expect them. Nothing here logs, and no
 * error message carries a user name, password, hash or response.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthCode } from '../error-codes.js';
import { RTMPAuthError } from '../errors.js';

export { RTMPAuthError } from '../errors.js';

/** The two schemes. */
export type AuthMod = 'adobe' | 'llnw';

/** A publisher's user name and password (python-librtmp `pubUser`/`pubPasswd`, or the URL's userinfo). */
export interface AuthCredentials {
  user: string;
  password: string;
}

/** What a rejection's description asks for. */
export type AuthChallenge =
  /** `code=403 need auth`: reconnect naming the user. */
  | { kind: 'needAuth'; authmod: AuthMod }
  /** `?reason=needauth` with the adobe parameters. */
  | { kind: 'adobe'; user: string; salt: string; challenge?: string; opaque?: string }
  /** `?reason=needauth` with the llnw nonce. */
  | { kind: 'llnw'; user: string; nonce: string }
  /** `?reason=…` for anything else (authfailed, authfail, nosuchuser, …). */
  | { kind: 'failed'; authmod: AuthMod; reason: string }
  /** An authmod we do not implement. */
  | { kind: 'unsupported'; authmod: string };

/** `key=value&…` pairs, values as they are (no percent-decoding: base64 must survive). */
export function parseQuery(query: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of query.replace(/^\?/, '').split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) out.set(part, '');
    else out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

/**
 * Reads a `NetConnection.Connect.Rejected` description. Undefined when it names no
 * authmod (a plain rejection, nothing to answer).
 */
export function parseAuthDescription(description: string): AuthChallenge | undefined {
  const m = /authmod=([A-Za-z0-9_-]+)/.exec(description);
  if (!m) return undefined;
  const mod = m[1]!;
  if (mod !== 'adobe' && mod !== 'llnw') return { kind: 'unsupported', authmod: mod };
  const q = description.indexOf('?reason=');
  if (q < 0)
    return description.includes('code=403 need auth') ? { kind: 'needAuth', authmod: mod } : undefined;
  const params = parseQuery(description.slice(q + 1).split(/\s/)[0]!);
  const reason = params.get('reason') ?? '';
  if (reason !== 'needauth') return { kind: 'failed', authmod: mod, reason };
  const user = params.get('user') ?? '';
  if (mod === 'llnw') return { kind: 'llnw', user, nonce: params.get('nonce') ?? '' };
  const c: AuthChallenge = { kind: 'adobe', user, salt: params.get('salt') ?? '' };
  const challenge = params.get('challenge');
  const opaque = params.get('opaque');
  if (challenge !== undefined) c.challenge = challenge;
  if (opaque !== undefined) c.opaque = opaque;
  return c;
}

const md5 = (s: string): Buffer => createHash('md5').update(s, 'utf8').digest();

/** Adobe: base64(MD5(user + salt + password)), what a server may store instead of the password. */
export function adobeHash1(user: string, salt: string, password: string): string {
  return md5(user + salt + password).toString('base64');
}

/** Adobe: the response to a challenge (`opaque` wins over `challenge`, as FFmpeg and OBS do). */
export function adobeResponse(
  p: { user: string; password: string; salt: string; challenge?: string; opaque?: string },
  clientChallenge: string,
): string {
  const hash1 = adobeHash1(p.user, p.salt, p.password);
  return md5(hash1 + (p.opaque ?? p.challenge ?? '') + clientChallenge).toString('base64');
}

/** Limelight: the app path in HA2 — the app without its query, `/_definst_` added when it has no instance. */
export function llnwPath(app: string): string {
  const bare = app.split('?')[0]!;
  return bare.includes('/') ? bare : `${bare}/_definst_`;
}

/** Limelight: the digest response (realm `live`, method `publish`, qop `auth`). */
export function llnwResponse(p: {
  user: string;
  password: string;
  nonce: string;
  cnonce: string;
  nc: string;
  app: string;
}): string {
  const hex = (s: string) => md5(s).toString('hex');
  const ha1 = hex(`${p.user}:live:${p.password}`);
  const ha2 = hex(`publish:/${llnwPath(p.app)}`);
  return hex(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`);
}

/** The llnw nonce count: always the first use. */
export const LLNW_NC = '00000001';

/** Which step of the dance a reconnect answered (carried from one attempt to the next). */
export interface AuthAttempt {
  authmod: AuthMod;
  /** `user`: we named the user; `response`: we answered a challenge. */
  stage: 'user' | 'response';
}

/** What to do after an auth rejection: reconnect with `query` appended to app and tcUrl. */
export interface AuthStep {
  query: string;
  attempt: AuthAttempt;
}

/**
 * The client's answer to a connect rejection with `description`: the query for the next
 * connect, or undefined when the description is no auth challenge (report the rejection
 * as it is). `app` is the application name without any auth query; `previous` is what
 * the last reconnect answered (undefined on the first connect). `random(4)` gives the
 * client challenge / cnonce (8 hex digits, as FFmpeg). One try per stage, no loop: a
 * second challenge after our response is `ERR_AUTH_FAILED`.
 * @throws RTMPAuthError
 */
export function nextAuthStep(p: {
  description: string;
  credentials: AuthCredentials | undefined;
  app: string;
  previous: AuthAttempt | undefined;
  random: (n: number) => Uint8Array;
}): AuthStep | undefined {
  const c = parseAuthDescription(p.description);
  if (c === undefined) return undefined;
  if (c.kind === 'unsupported') {
    throw new RTMPAuthError(
      `the server asks for authmod=${c.authmod}; only adobe and llnw are supported`,
      AuthCode.AUTH_UNSUPPORTED,
    );
  }
  if (c.kind === 'failed') {
    if (c.reason === 'nosuchuser') {
      throw new RTMPAuthError(
        `${c.authmod} authentication failed: the server knows no such user`,
        AuthCode.AUTH_NO_SUCH_USER,
      );
    }
    throw new RTMPAuthError(
      `${c.authmod} authentication failed (reason=${c.reason.slice(0, 40)}): wrong user or password?`,
      AuthCode.AUTH_FAILED,
    );
  }
  const authmod = c.kind === 'needAuth' ? c.authmod : c.kind;
  if (!p.credentials) {
    throw new RTMPAuthError(
      `the server demands ${authmod} publisher authentication; give pubUser/pubPasswd or rtmp://user:pass@host/…`,
      AuthCode.AUTH_NO_CREDENTIALS,
    );
  }
  const { user, password } = p.credentials;
  if (c.kind === 'needAuth') {
    if (p.previous) {
      throw new RTMPAuthError(
        `${authmod} authentication failed: the server asked again after we answered`,
        AuthCode.AUTH_FAILED,
      );
    }
    return { query: `?authmod=${authmod}&user=${user}`, attempt: { authmod, stage: 'user' } };
  }
  if (p.previous?.stage === 'response') {
    throw new RTMPAuthError(
      `${authmod} authentication failed: the server refused our response`,
      AuthCode.AUTH_FAILED,
    );
  }
  const token = Buffer.from(p.random(4)).toString('hex').padStart(8, '0').slice(0, 8);
  const attempt: AuthAttempt = { authmod, stage: 'response' };
  if (c.kind === 'adobe') {
    if (c.salt === '') throw new RTMPAuthError('adobe challenge without a salt', AuthCode.AUTH_BAD_CHALLENGE);
    // The hash uses the user the server named, when it named one (FFmpeg); ours otherwise.
    const u = c.user || user;
    const response = adobeResponse({ ...c, user: u, password }, token);
    const opaque = c.opaque === undefined ? '' : `&opaque=${c.opaque}`;
    return { query: `?authmod=adobe&user=${u}&challenge=${token}&response=${response}${opaque}`, attempt };
  }
  if (c.nonce === '') throw new RTMPAuthError('llnw challenge without a nonce', AuthCode.AUTH_BAD_CHALLENGE);
  const u = c.user || user;
  const response = llnwResponse({
    user: u,
    password,
    nonce: c.nonce,
    cnonce: token,
    nc: LLNW_NC,
    app: p.app,
  });
  return {
    query: `?authmod=llnw&user=${u}&nonce=${c.nonce}&cnonce=${token}&nc=${LLNW_NC}&response=${response}`,
    attempt,
  };
}

/** `base` (an app or tcUrl) with an auth `query` (starting with `?`) appended. */
export function withAuthQuery(base: string, query: string): string {
  return base.includes('?') ? `${base}&${query.slice(1)}` : `${base}${query}`;
}

// ---------------------------------------------------------------- server side

/** The description that starts the dance: `code=403 need auth` (FMS wording). */
export function needAuthDescription(authmod: AuthMod): string {
  return `[ AccessManager.Reject ] : [ code=403 need auth; authmod=${authmod} ] : `;
}

/** The adobe challenge description (FMS wording). */
export function adobeChallengeDescription(p: {
  user: string;
  salt: string;
  challenge: string;
  opaque: string;
}): string {
  return `[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=${p.user}&salt=${p.salt}&challenge=${p.challenge}&opaque=${p.opaque}`;
}

/** The llnw challenge description (Limelight wording). */
export function llnwChallengeDescription(p: { user: string; nonce: string }): string {
  return `[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=needauth&user=${p.user}&nonce=${p.nonce}`;
}

/** The refusal of a response: `authfailed` (adobe) / `authfail` (llnw), or `nosuchuser`. */
export function authFailedDescription(authmod: AuthMod, reason: 'failed' | 'nosuchuser'): string {
  const r = reason === 'nosuchuser' ? 'nosuchuser' : authmod === 'adobe' ? 'authfailed' : 'authfail';
  return `[ AccessManager.Reject ] : [ authmod=${authmod} ] : ?reason=${r}`;
}

/** What a connect's app (or tcUrl) carries in its auth query, if anything. */
export interface AuthQuery {
  authmod: string;
  user: string;
  /** The app without the query (llnw's HA2 is computed over it). */
  app: string;
  params: Map<string, string>;
}

/** Splits a connect's app into the bare app and its auth query (undefined when it has no authmod). */
export function parseAuthQuery(app: string): AuthQuery | undefined {
  const q = app.indexOf('?');
  if (q < 0) return undefined;
  const params = parseQuery(app.slice(q + 1));
  const authmod = params.get('authmod');
  if (authmod === undefined) return undefined;
  return { authmod, user: params.get('user') ?? '', app: app.slice(0, q), params };
}

/** Whether an adobe response in `query` is right for the issued salt/challenge/opaque and the password. */
export function verifyAdobe(
  query: AuthQuery,
  issued: { salt: string; challenge: string; opaque: string },
  password: string,
): boolean {
  const clientChallenge = query.params.get('challenge');
  const response = query.params.get('response');
  if (clientChallenge === undefined || response === undefined) return false;
  const opaque = query.params.get('opaque');
  // The client mixes in the opaque it echoes (or, without one, the challenge).
  const want = adobeResponse(
    {
      user: query.user,
      password,
      salt: issued.salt,
      ...(opaque !== undefined ? { opaque: issued.opaque } : { challenge: issued.challenge }),
    },
    clientChallenge,
  );
  return timingSafeEqualText(want, response);
}

/** Whether an llnw response in `query` is right for the issued nonce and the password. */
export function verifyLlnw(query: AuthQuery, issued: { nonce: string }, password: string): boolean {
  const p = query.params;
  const cnonce = p.get('cnonce');
  const nc = p.get('nc');
  const response = p.get('response');
  if (cnonce === undefined || nc === undefined || response === undefined || p.get('nonce') !== issued.nonce)
    return false;
  const want = llnwResponse({ user: query.user, password, nonce: issued.nonce, cnonce, nc, app: query.app });
  return timingSafeEqualText(want, response);
}

function timingSafeEqualText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
