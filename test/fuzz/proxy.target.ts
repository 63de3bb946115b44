/**
 * Fuzz targets for the proxy negotiations (SOCKS4/4a, SOCKS5 with and without RFC 1929,
 * HTTP CONNECT) and the publisher-auth parsers: random and mutated proxy answers must
 * give the same outcome fed whole or split, and only RTMPProxyErrors; any Connect.Rejected
 * description must parse without throwing, and the client's next step may only throw
 * RTMPAuthError. Seeds are valid answers (with tunnel bytes after them) and the FMS,
 * Wowza and Limelight descriptions.
 */
import { nextAuthStep, parseAuthDescription, parseAuthQuery, RTMPAuthError } from '../../src/session/auth.js';
import {
  HttpConnectNegotiation,
  type ProxyStep,
  RTMPProxyError,
  Socks4Negotiation,
  Socks5Negotiation,
} from '../../src/transport/index.js';
import type { FuzzTarget } from './engine.js';

interface Negotiation {
  start(): Buffer;
  receive(d: Uint8Array): ProxyStep;
}

function outcome(make: () => Negotiation, input: Buffer, cut: number): string {
  const n = make();
  n.start();
  const sent: Buffer[] = [];
  const pieces = [input.subarray(0, cut), input.subarray(cut)];
  try {
    for (let i = 0; i < pieces.length; i++) {
      const step = n.receive(pieces[i]!);
      sent.push(...step.send);
      if (step.done) {
        const rest = Buffer.concat([step.rest ?? Buffer.alloc(0), ...pieces.slice(i + 1)]);
        return `done ${Buffer.concat(sent).toString('hex')} ${rest.toString('hex')}`;
      }
    }
    return `pending ${Buffer.concat(sent).toString('hex')}`;
  } catch (err) {
    if (err instanceof RTMPProxyError) return `error ${err.code}`;
    throw err;
  }
}

function negotiationTarget(name: string, make: () => Negotiation, seeds: Buffer[]): FuzzTarget {
  return {
    name,
    seeds,
    maxLength: 600,
    allowed: (err) => err instanceof RTMPProxyError,
    run(input) {
      const cut = input.length ? (input[0]! * 31 + input.length) % (input.length + 1) : 0;
      const whole = outcome(make, input, input.length);
      const split = outcome(make, input, cut);
      if (whole !== split) throw new Error(`split-dependent outcome at ${cut}: ${whole} vs ${split}`);
      if (whole.startsWith('error ')) {
        // re-throw the typed error so the engine counts (and type-checks) it
        const n = make();
        n.start();
        n.receive(input);
      }
    },
  };
}

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ascii = (s: string) => Buffer.from(s, 'latin1');

const DESCRIPTIONS = [
  '[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ',
  '[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=alice&salt=Sa1t&challenge=Ch+/=&opaque=Op==',
  '[ AccessManager.Reject ] : [ authmod=adobe ] : /live : ?reason=needauth&user=&salt=6MnrBnKW&challenge=7C5OrwQg&opaque=vbi2V',
  '[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=needauth&user=bob&nonce=NjU3',
  '[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=authfailed',
  '[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=nosuchuser',
  'live?authmod=adobe&user=alice&challenge=0a1b2c3d&response=abc==&opaque=o',
];

export const targets: FuzzTarget[] = [
  negotiationTarget('proxy/socks5', () => new Socks5Negotiation('media.example', 1935), [
    hex('05 00 05 00 00 01 7f000001 078f 030000'),
    hex('05 00 05 00 00 03 03 616263 0050'),
    hex('05 00 05 02 00 01 7f000001 078f'),
  ]),
  negotiationTarget(
    'proxy/socks5-auth',
    () => new Socks5Negotiation('::1', 1935, { username: 'u', password: 'p' }),
    [hex('05 02 01 00 05 00 00 04 00000000000000000000000000000001 078f 03'), hex('05 02 01 01')],
  ),
  negotiationTarget('proxy/socks4a', () => new Socks4Negotiation('', 1935, 'localhost'), [
    hex('00 5a 0000 00000000 0300'),
    hex('00 5b 0000 00000000'),
  ]),
  negotiationTarget(
    'proxy/http',
    () => new HttpConnectNegotiation('h', 1935, { username: 'u', password: 'p' }),
    [
      ascii('HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n\x03\x00'),
      ascii('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="x"\r\n\r\n'),
    ],
  ),
  {
    name: 'auth/descriptions',
    seeds: DESCRIPTIONS.map(ascii),
    maxLength: 400,
    allowed: (err) => err instanceof RTMPAuthError,
    run(input) {
      const text = input.toString('latin1');
      parseAuthDescription(text);
      parseAuthQuery(text);
      const step = (previous?: { authmod: 'adobe'; stage: 'user' }) =>
        nextAuthStep({
          description: text,
          credentials: { user: 'u', password: 'p' },
          app: 'live',
          previous,
          random: (n) => Buffer.alloc(n, 7),
        });
      try {
        step({ authmod: 'adobe', stage: 'user' });
      } catch (err) {
        if (!(err instanceof RTMPAuthError)) throw err;
      }
      step();
    },
  },
];
