/**
 * SOCKS5 CONNECT (RFC 1928) with no authentication or username/password (RFC 1929),
 * sans-IO. The destination goes as a domain name (ATYP 3) unless it is an IP literal, so
 * host names are resolved by the proxy.
 *
 * `start()` gives the greeting; `receive()` takes the proxy's bytes in any split and
 * returns what to send next, until `done` with the bytes after the CONNECT reply (`rest`,
 * the start of the tunnelled stream). Refusals throw `RTMPProxyError`.
 *
 * Invariants: the outcome is the same for every split of the input; at most 262 bytes
 * (the longest reply) are buffered; the password never appears in an error.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { ProxyCode, UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';
import { RTMPProxyError } from './proxy-errors.js';
import { checkPort } from './tcp.js';

/** RFC 1928 §6 reply codes. */
export const Socks5Reply = {
  succeeded: 0,
  generalFailure: 1,
  notAllowed: 2,
  networkUnreachable: 3,
  hostUnreachable: 4,
  connectionRefused: 5,
  ttlExpired: 6,
  commandNotSupported: 7,
  addressTypeNotSupported: 8,
} as const;

const REPLY_TEXT: readonly string[] = [
  'succeeded',
  'general SOCKS server failure',
  'connection not allowed by ruleset',
  'network unreachable',
  'host unreachable',
  'connection refused',
  'TTL expired',
  'command not supported',
  'address type not supported',
];

/** Username/password for RFC 1929 (each 1…255 bytes of UTF-8). */
export interface ProxyCredentials {
  username: string;
  password: string;
}

/** What one `receive()` produced. */
export interface ProxyStep {
  send: Buffer[];
  done: boolean;
  /** Bytes after the proxy's final answer (the tunnel's first bytes); only when `done`. */
  rest?: Buffer;
}

type State = 'new' | 'method' | 'auth' | 'reply' | 'done';

/** The 16 bytes of an IPv6 literal (with `::` and an embedded dotted IPv4 tail). */
function ipv6Bytes(host: string): Buffer {
  let text = host.split('%')[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) out.writeUInt16BE(Number.parseInt(groups[i] ?? '0', 16), 2 * i);
  return out;
}

/** The SOCKS5 destination address field: ATYP and address, for `host`. */
export function socks5Address(host: string): Buffer {
  if (isIPv4(host)) return Buffer.from([1, ...host.split('.').map(Number)]);
  if (isIPv6(host)) return Buffer.concat([Buffer.from([4]), ipv6Bytes(host)]);
  const name = Buffer.from(host, 'utf8');
  if (name.length === 0 || name.length > 255) {
    throw new RTMPUsageError(`SOCKS5 host name must be 1…255 bytes, got ${name.length}`, {
      code: UsageCode.RTMP_BAD_HOST,
    });
  }
  return Buffer.concat([Buffer.from([3, name.length]), name]);
}

/** One SOCKS5 CONNECT negotiation. */
export class Socks5Negotiation {
  #state: State = 'new';
  #buf = Buffer.alloc(0);
  readonly #request: Buffer;
  readonly #auth: Buffer | undefined;

  /** `credentials`: offer RFC 1929 besides "no authentication". */
  constructor(host: string, port: number, credentials?: ProxyCredentials) {
    checkPort(port);
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16BE(port);
    this.#request = Buffer.concat([Buffer.from([5, 1, 0]), socks5Address(host), portBytes]);
    if (credentials) {
      const u = Buffer.from(credentials.username, 'utf8');
      const p = Buffer.from(credentials.password, 'utf8');
      if (u.length < 1 || u.length > 255 || p.length < 1 || p.length > 255) {
        throw new RTMPUsageError('SOCKS5 username and password must each be 1…255 bytes', {
          code: UsageCode.RTMP_OPTION,
        });
      }
      this.#auth = Buffer.concat([Buffer.from([1, u.length]), u, Buffer.from([p.length]), p]);
    }
  }

  /** The greeting: version 5 and the methods we offer (0 = none, 2 = username/password). */
  start(): Buffer {
    this.#state = 'method';
    return this.#auth ? Buffer.from([5, 2, 0, 2]) : Buffer.from([5, 1, 0]);
  }

  /** Feeds the proxy's bytes. */
  receive(data: Uint8Array): ProxyStep {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, data]) : Buffer.from(data);
    const send: Buffer[] = [];
    for (;;) {
      const need = this.#need();
      if (need === undefined || this.#buf.length < need) return { send, done: false };
      const msg = this.#buf.subarray(0, need);
      this.#buf = this.#buf.subarray(need);
      const out = this.#step(msg);
      if (out) send.push(out);
      if (this.#state === 'done') {
        const step: ProxyStep = { send, done: true };
        if (this.#buf.length) step.rest = this.#buf;
        return step;
      }
    }
  }

  /** Bytes the current message needs (undefined: not known yet / nothing expected). */
  #need(): number | undefined {
    switch (this.#state) {
      case 'method':
      case 'auth':
        return 2;
      case 'reply': {
        if (this.#buf.length < 5) return 5;
        const atyp = this.#buf[3];
        if (atyp === 1) return 10;
        if (atyp === 4) return 22;
        if (atyp === 3) return 7 + this.#buf[4]!;
        return 4; // unknown address type: fail on the header
      }
      default:
        return undefined;
    }
  }

  #step(msg: Buffer): Buffer | undefined {
    if (this.#state !== 'auth' && msg[0] !== 5) {
      throw new RTMPProxyError(`not a SOCKS5 answer (version ${msg[0]})`, ProxyCode.PROXY_PROTOCOL, {
        proxy: 'socks5',
      });
    }
    if (this.#state === 'method') {
      const method = msg[1]!;
      if (method === 0) {
        this.#state = 'reply';
        return this.#request;
      }
      if (method === 2 && this.#auth) {
        this.#state = 'auth';
        return this.#auth;
      }
      if (method === 0xff) {
        throw new RTMPProxyError(
          this.#auth
            ? 'SOCKS5 proxy accepts none of our authentication methods (none, username/password)'
            : 'SOCKS5 proxy requires authentication (give the proxy URL a user and password)',
          this.#auth ? ProxyCode.PROXY_FAILED : ProxyCode.PROXY_AUTH_REQUIRED,
          { proxy: 'socks5', status: method },
        );
      }
      throw new RTMPProxyError(
        `SOCKS5 proxy chose method ${method}, which we did not offer`,
        ProxyCode.PROXY_PROTOCOL,
        {
          proxy: 'socks5',
          status: method,
        },
      );
    }
    if (this.#state === 'auth') {
      // RFC 1929 §2: VER 1, STATUS 0 = success.
      if (msg[0] !== 1) {
        throw new RTMPProxyError(`not an RFC 1929 answer (version ${msg[0]})`, ProxyCode.PROXY_PROTOCOL, {
          proxy: 'socks5',
        });
      }
      if (msg[1] !== 0) {
        throw new RTMPProxyError(
          'SOCKS5 proxy refused the username or password',
          ProxyCode.PROXY_AUTH_FAILED,
          {
            proxy: 'socks5',
            status: msg[1]!,
          },
        );
      }
      this.#state = 'reply';
      return this.#request;
    }
    // The CONNECT reply.
    const rep = msg[1]!;
    if (rep !== Socks5Reply.succeeded) {
      const code =
        rep === Socks5Reply.notAllowed
          ? ProxyCode.PROXY_DENIED
          : rep >= 3 && rep <= 6
            ? ProxyCode.PROXY_UNREACHABLE
            : ProxyCode.PROXY_FAILED;
      throw new RTMPProxyError(
        `SOCKS5 proxy refused the connection: ${REPLY_TEXT[rep] ?? `reply ${rep}`}`,
        code,
        {
          proxy: 'socks5',
          status: rep,
        },
      );
    }
    if (msg.length < 10) {
      throw new RTMPProxyError(`SOCKS5 reply with unknown address type ${msg[3]}`, ProxyCode.PROXY_PROTOCOL, {
        proxy: 'socks5',
      });
    }
    this.#state = 'done';
    return undefined;
  }
}
