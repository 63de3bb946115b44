/**
 * Publisher authentication, server side (the `auth` option): the connect dance FMS and
 * Wowza (`authmod=adobe`) and Limelight (`authmod=llnw`) run, which FFmpeg, OBS's
 * librtmp and rtmpkit's client answer (session/auth.ts has the wire formats):
 *
 * 1. a publisher's connect without an auth query → `code=403 need auth; authmod=<mode>`;
 * 2. `?authmod=<mode>&user=U` → `?reason=needauth` with a fresh challenge (adobe: salt,
 *    challenge, opaque; llnw: nonce), or `?reason=nosuchuser` when `lookup` knows no U;
 * 3. the response → accepted (the connection is authenticated as U), or
 *    `?reason=authfailed` (llnw `authfail`).
 *
 * A connect is a publisher's when its command object says `type: 'nonprivate'` or its
 * flashVer starts with `FMLE/` (what FFmpeg, librtmp and rtmpkit send when publishing);
 * players connect without the dance, and the server refuses any publish on a connection
 * that did not authenticate.
 *
 * Invariants: challenges are single use and expire after `CHALLENGE_TTL_MS`; at most
 * `MAX_PENDING_PER_USER` per user and `MAX_USERS` users are remembered (the oldest go
 * first), so a flood of step-2 connects cannot grow memory; descriptions carry no
 * password, hash or response. The server logs the refusals (`no such user`, `failed`,
 * with the user) as rate-limited warnings; the other steps are the dance itself.
 */
import { randomBytes } from 'node:crypto';
import { type AmfValue, isAmfObject } from '../amf/types.js';
import {
  type AuthMod,
  type AuthQuery,
  adobeChallengeDescription,
  authFailedDescription,
  llnwChallengeDescription,
  needAuthDescription,
  parseAuthQuery,
  verifyAdobe,
  verifyLlnw,
} from '../session/auth.js';

/** The `auth` option of `createServer`. */
export interface PublisherAuthOptions {
  /** Which scheme publishers must answer: Adobe's `adobe` or Limelight's `llnw`. */
  mode: AuthMod;
  /** The password of `user`, or undefined when there is no such user. */
  lookup(user: string): string | undefined | Promise<string | undefined>;
}

/** What the gate decided about one connect. */
export type AuthVerdict =
  /** Not a publisher and no auth query: connect as usual, unauthenticated. */
  | { kind: 'open' }
  /** The response verified: authenticated as `user`; `query` is the app's query without the auth parameters. */
  | { kind: 'accepted'; user: string; query: string }
  /**
   * Reject with `description`; `step` says which (for logs: never the description itself).
   * `user`: who was refused, at the steps that are refusals (`no such user`, `failed`).
   */
  | {
      kind: 'rejected';
      description: string;
      step: 'need auth' | 'challenge' | 'no such user' | 'failed';
      user?: string;
    };

/** Lifetime of an issued challenge, ms. */
export const CHALLENGE_TTL_MS = 120_000;
/** Outstanding challenges remembered per user. */
export const MAX_PENDING_PER_USER = 8;
/** Users with outstanding challenges remembered. */
export const MAX_USERS = 1024;

/** The query parameters of the dance (stripped from what hooks see). */
const AUTH_PARAMS = new Set(['authmod', 'user', 'challenge', 'response', 'opaque', 'nonce', 'cnonce', 'nc']);

interface Issued {
  salt: string;
  challenge: string;
  opaque: string;
  nonce: string;
  expires: number;
}

/** Whether a connect's command object is a publisher's (`type: 'nonprivate'`, or an FMLE flashVer). */
export function isPublisherConnect(commandObject: AmfValue): boolean {
  if (!isAmfObject(commandObject) && !(commandObject instanceof Map)) return false;
  const get = (k: string): AmfValue | undefined =>
    commandObject instanceof Map ? commandObject.get(k) : (commandObject as Record<string, AmfValue>)[k];
  const flashVer = get('flashVer');
  return get('type') === 'nonprivate' || (typeof flashVer === 'string' && flashVer.startsWith('FMLE/'));
}

/** The connect dance of one server. */
export class PublisherAuthGate {
  readonly mode: AuthMod;
  readonly #lookup: PublisherAuthOptions['lookup'];
  readonly #random: (n: number) => Buffer;
  readonly #issued = new Map<string, Issued[]>();

  constructor(options: PublisherAuthOptions, random: (n: number) => Buffer = randomBytes) {
    this.mode = options.mode;
    this.#lookup = options.lookup;
    this.#random = random;
  }

  /** Challenges outstanding (all users). */
  get pending(): number {
    let n = 0;
    for (const list of this.#issued.values()) n += list.length;
    return n;
  }

  /** The verdict on a connect to `app` (with its query) carrying `commandObject`, at `now` (ms). */
  async verdict(app: string, commandObject: AmfValue, now = Date.now()): Promise<AuthVerdict> {
    const q = parseAuthQuery(app);
    if (q === undefined || q.authmod !== this.mode) {
      if (q === undefined && !isPublisherConnect(commandObject)) return { kind: 'open' };
      return { kind: 'rejected', description: needAuthDescription(this.mode), step: 'need auth' };
    }
    const password = await this.#password(q.user);
    if (password === undefined) {
      return {
        kind: 'rejected',
        description: authFailedDescription(this.mode, 'nosuchuser'),
        step: 'no such user',
        user: q.user,
      };
    }
    if (!q.params.has('response')) return this.#challenge(q.user, now);
    const issued = this.#take(q, now);
    const ok =
      issued !== undefined &&
      (this.mode === 'adobe' ? verifyAdobe(q, issued, password) : verifyLlnw(q, issued, password));
    if (!ok) {
      const description = authFailedDescription(this.mode, 'failed');
      return { kind: 'rejected', description, step: 'failed', user: q.user };
    }
    return { kind: 'accepted', user: q.user, query: strippedQuery(q) };
  }

  async #password(user: string): Promise<string | undefined> {
    if (user === '') return undefined;
    const p = await this.#lookup(user);
    return typeof p === 'string' ? p : undefined;
  }

  #challenge(user: string, now: number): AuthVerdict {
    const token = (): string => this.#random(6).toString('base64');
    const issued: Issued = {
      salt: token(),
      challenge: token(),
      opaque: token(),
      nonce: this.#random(8).toString('hex'),
      expires: now + CHALLENGE_TTL_MS,
    };
    const list = (this.#issued.get(user) ?? []).filter((i) => i.expires > now);
    list.push(issued);
    if (list.length > MAX_PENDING_PER_USER) list.shift();
    // Most recently challenged user last: the oldest user is the first key.
    this.#issued.delete(user);
    this.#issued.set(user, list);
    while (this.#issued.size > MAX_USERS) this.#issued.delete(this.#issued.keys().next().value!);
    const description =
      this.mode === 'adobe'
        ? adobeChallengeDescription({
            user,
            salt: issued.salt,
            challenge: issued.challenge,
            opaque: issued.opaque,
          })
        : llnwChallengeDescription({ user, nonce: issued.nonce });
    return { kind: 'rejected', description, step: 'challenge' };
  }

  /** Removes and returns the live challenge the response answers (by opaque or nonce; else the newest). */
  #take(q: AuthQuery, now: number): Issued | undefined {
    const list = this.#issued.get(q.user);
    if (list === undefined) return undefined;
    const echoed = this.mode === 'adobe' ? q.params.get('opaque') : q.params.get('nonce');
    let at = -1;
    for (let i = list.length - 1; i >= 0; i--) {
      const c = list[i]!;
      if (c.expires <= now) continue;
      if (echoed === undefined || echoed === (this.mode === 'adobe' ? c.opaque : c.nonce)) {
        at = i;
        break;
      }
    }
    if (at < 0) return undefined;
    const [issued] = list.splice(at, 1);
    if (list.length === 0) this.#issued.delete(q.user);
    return issued;
  }
}

/** The app query without the dance's parameters (what hooks and `client.query` see). */
function strippedQuery(q: AuthQuery): string {
  return [...q.params]
    .filter(([k]) => !AUTH_PARAMS.has(k))
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
    .join('&');
}
