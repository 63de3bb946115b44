/**
 * The proxy negotiations as byte vectors, sans-IO: SOCKS5 (RFC 1928 greeting, CONNECT with
 * each address type, RFC 1929 sub-negotiation, replies with each address type), SOCKS4
 * and SOCKS4a requests, HTTP CONNECT with Basic credentials; every split of the proxy's
 * answer gives the same outcome and `rest`; every refusal maps to its typed code; proxy
 * URLs parse (and their errors never echo a password); openTransport refuses the
 * combinations it cannot do.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeSocks4Connect,
  HttpConnectNegotiation,
  openTransport,
  type ProxyStep,
  parseProxyUrl,
  RTMPProxyError,
  Socks4Negotiation,
  Socks5Negotiation,
} from '../../src/transport/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
/** The outcome string of a finished negotiation: what it sent and what followed the answer (hex, spaces ignored). */
const done = (sent: string, rest = '') => `done ${sent.replace(/\s+/g, '')} rest ${rest.replace(/\s+/g, '')}`;

interface Negotiation {
  receive(d: Uint8Array): ProxyStep;
}

/** Feeds `answers` split at `cut` (each answer in turn); returns the bytes sent, done, rest or the error code. */
function run(make: () => Negotiation, answers: Buffer[], cut: number): string {
  const n = make();
  const sent: Buffer[] = [];
  const pieces = answers.flatMap((a) => {
    const c = Math.min(cut, a.length);
    return [a.subarray(0, c), a.subarray(c)];
  });
  try {
    for (let i = 0; i < pieces.length; i++) {
      const step = n.receive(pieces[i]!);
      sent.push(...step.send);
      if (step.done) {
        const rest = Buffer.concat([step.rest ?? Buffer.alloc(0), ...pieces.slice(i + 1)]);
        return done(Buffer.concat(sent).toString('hex'), rest.toString('hex'));
      }
    }
    return `pending ${Buffer.concat(sent).toString('hex')}`;
  } catch (err) {
    assert.ok(err instanceof RTMPProxyError, String(err));
    return `error ${err.code} ${err.info.status ?? ''}`;
  }
}

/** The outcome, checked to be the same for every split point. */
function outcome(make: () => Negotiation, answers: Buffer[]): string {
  const whole = run(make, answers, Number.MAX_SAFE_INTEGER);
  const longest = Math.max(...answers.map((a) => a.length));
  for (let cut = 0; cut <= longest; cut++) assert.equal(run(make, answers, cut), whole, `cut ${cut}`);
  return whole;
}

describe('SOCKS5 (RFC 1928/1929)', () => {
  const noAuth = () => {
    const n = new Socks5Negotiation('media.example', 1935);
    assert.deepEqual(n.start(), hex('05 01 00'));
    return n;
  };
  const withAuth = () => {
    const n = new Socks5Negotiation('127.0.0.1', 1935, { username: 'u', password: 'pw' });
    assert.deepEqual(n.start(), hex('05 02 00 02'));
    return n;
  };
  const ok4 = hex('05 00 00 01 7f000001 1f90');

  it('no auth: CONNECT with the host name (ATYP 3), reply with ATYP 1, 3 and 4, rest kept', () => {
    const request = '050100 03 0d 6d656469612e6578616d706c65 078f';
    assert.equal(outcome(noAuth, [hex('05 00'), ok4]), done(request));
    assert.equal(
      outcome(noAuth, [hex('05 00'), hex('05 00 00 03 03 616263 0050 0302')]),
      done(request, '0302'),
    );
    assert.equal(
      outcome(noAuth, [hex('05 00'), Buffer.concat([hex('05 00 00 04'), Buffer.alloc(18), hex('03')])]),
      done(request, '03'),
    );
  });

  it('IPv4 and IPv6 literals go as ATYP 1 and 4 (with :: and a dotted tail)', () => {
    const first = (host: string) => {
      const n = new Socks5Negotiation(host, 80);
      n.start();
      return n.receive(hex('05 00')).send[0]!.toString('hex');
    };
    assert.equal(first('10.1.2.3'), '05010001 0a010203 0050'.replace(/ /g, ''));
    assert.equal(first('::1'), `05010004${'00'.repeat(15)}010050`);
    assert.equal(first('2001:db8::ffff:1.2.3.4'), `0501000420010db8${'0'.repeat(12)}ffff010203040050`);
  });

  it('username/password: sub-negotiation bytes, success, then CONNECT', () => {
    assert.equal(
      outcome(withAuth, [hex('05 02'), hex('01 00'), ok4]),
      done('01 01 75 02 7077 05010001 7f000001 078f'),
    );
  });

  it('refusals map to typed codes', () => {
    assert.equal(outcome(withAuth, [hex('05 02'), hex('01 01')]), 'error ERR_PROXY_AUTH_FAILED 1');
    assert.equal(outcome(noAuth, [hex('05 ff')]), 'error ERR_PROXY_AUTH_REQUIRED 255');
    assert.equal(outcome(withAuth, [hex('05 ff')]), 'error ERR_PROXY_FAILED 255');
    const reply = (rep: number) =>
      outcome(noAuth, [hex('05 00'), Buffer.from([5, rep, 0, 1, 127, 0, 0, 1, 0, 80])]);
    assert.equal(reply(1), 'error ERR_PROXY_FAILED 1');
    assert.equal(reply(2), 'error ERR_PROXY_DENIED 2');
    for (const rep of [3, 4, 5, 6]) assert.equal(reply(rep), `error ERR_PROXY_UNREACHABLE ${rep}`);
    assert.equal(reply(7), 'error ERR_PROXY_FAILED 7');
    assert.equal(outcome(noAuth, [hex('04 00')]), 'error ERR_PROXY_PROTOCOL ');
    assert.equal(outcome(noAuth, [hex('05 02')]), 'error ERR_PROXY_PROTOCOL 2');
    assert.equal(outcome(noAuth, [hex('05 00'), hex('05 00 00 09 00')]), 'error ERR_PROXY_PROTOCOL ');
  });
});

describe('SOCKS4 / SOCKS4a', () => {
  it('requests: SOCKS4 with the IPv4 address (librtmp), SOCKS4a with 0.0.0.1 and the name', () => {
    assert.deepEqual(encodeSocks4Connect('127.0.0.1', 1935), hex('04 01 078f 7f000001 00'));
    assert.deepEqual(
      new Socks4Negotiation('', 1935, 'localhost').start(),
      hex('04 01 078f 00000001 00 6c6f63616c686f7374 00'),
    );
    assert.throws(() => encodeSocks4Connect('localhost', 1935), { code: 'ERR_RTMP_BAD_HOST' });
  });

  it('replies: granted with rest at any split; 0x5B denied, identd codes failed, bad version', () => {
    const n = () => new Socks4Negotiation('127.0.0.1', 1935);
    assert.equal(outcome(n, [hex('00 5a 0000 00000000 aabb')]), done('', 'aabb'));
    assert.equal(outcome(n, [hex('00 5b 0000 00000000')]), 'error ERR_PROXY_DENIED 91');
    assert.equal(outcome(n, [hex('00 5c 0000 00000000')]), 'error ERR_PROXY_FAILED 92');
    assert.equal(outcome(n, [hex('00 5d 0000 00000000')]), 'error ERR_PROXY_FAILED 93');
    assert.equal(outcome(n, [hex('04 5a 0000 00000000')]), 'error ERR_PROXY_PROTOCOL ');
  });
});

describe('HTTP CONNECT', () => {
  it('request: authority (IPv6 in brackets), Host, Basic Proxy-Authorization', () => {
    assert.equal(
      new HttpConnectNegotiation('::1', 1935, { username: 'Aladdin', password: 'open sesame' })
        .start()
        .toString(),
      'CONNECT [::1]:1935 HTTP/1.1\r\nHost: [::1]:1935\r\nProxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n',
    );
    assert.equal(
      new HttpConnectNegotiation('h', 80).start().toString(),
      'CONNECT h:80 HTTP/1.1\r\nHost: h:80\r\n\r\n',
    );
  });

  it('responses: 2xx opens the tunnel with rest at any split; each refusal maps to its code', () => {
    const n = () => new HttpConnectNegotiation('h', 80);
    const c = () => new HttpConnectNegotiation('h', 80, { username: 'u', password: 'p' });
    const res = (s: string) => [Buffer.from(s, 'latin1')];
    assert.equal(
      outcome(n, res('HTTP/1.0 200 Connection established\r\nProxy-agent: x\r\n\r\n\x03\x00')),
      done('', '0300'),
    );
    assert.equal(
      outcome(n, res('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n')),
      'error ERR_PROXY_AUTH_REQUIRED 407',
    );
    assert.equal(
      outcome(c, res('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n')),
      'error ERR_PROXY_AUTH_FAILED 407',
    );
    assert.equal(outcome(c, res('HTTP/1.0 401 Unauthorized\r\n\r\n')), 'error ERR_PROXY_AUTH_FAILED 401');
    assert.equal(outcome(n, res('HTTP/1.1 403 Access violation\r\n\r\n')), 'error ERR_PROXY_DENIED 403');
    for (const s of [502, 503, 504])
      assert.equal(outcome(n, res(`HTTP/1.1 ${s} x\r\n\r\n`)), `error ERR_PROXY_UNREACHABLE ${s}`);
    assert.equal(outcome(n, res('HTTP/1.1 500 x\r\n\r\n')), 'error ERR_PROXY_FAILED 500');
    assert.equal(outcome(n, res('SSH-2.0-OpenSSH\r\n\r\n')), 'error ERR_PROXY_PROTOCOL ');
    assert.equal(run(n, [Buffer.alloc(17_000, 0x41)], 9000), 'error ERR_PROXY_PROTOCOL ');
  });
});

describe('proxy URLs and openTransport', () => {
  it('parses socks4/socks4a/socks5/socks5h/http URLs, default port 1080, percent-decoded credentials', () => {
    assert.deepEqual(parseProxyUrl('socks5://u%40x:p%3Aw@proxy.lan:9050'), {
      protocol: 'socks5',
      host: 'proxy.lan',
      port: 9050,
      username: 'u@x',
      password: 'p:w',
    });
    assert.deepEqual(parseProxyUrl('socks4a://[::1]'), { protocol: 'socks4a', host: '::1', port: 1080 });
    assert.equal(parseProxyUrl('SOCKS5H://h:1').protocol, 'socks5');
    assert.equal(parseProxyUrl('http://h:3128/').protocol, 'http');
    assert.equal(parseProxyUrl('socks4://h').protocol, 'socks4');
  });

  it('refuses bad proxy URLs without echoing the password', () => {
    for (const bad of [
      'ftp://h:1',
      'socks5://',
      'socks5://h:99999',
      'socks4://u:hunter2@h',
      'socks5://u@h',
      'h:1080',
    ]) {
      assert.throws(
        () => parseProxyUrl(bad),
        (err: Error & { code?: string }) =>
          err.code === 'ERR_RTMP_PROXY_URL' && !err.message.includes('hunter2'),
        bad,
      );
    }
  });

  it('openTransport refuses socks and proxy together, and rtmfp', async () => {
    const base = { host: '127.0.0.1', port: 1935 };
    await assert.rejects(
      openTransport({ ...base, scheme: 'rtmp', socks: { host: 'h', port: 1 }, proxy: 'socks5://h:1' }),
      { code: 'ERR_RTMP_OPTION' },
    );
    await assert.rejects(openTransport({ ...base, scheme: 'rtmfp' }), {
      code: 'ERR_RTMP_UNSUPPORTED_PROTOCOL',
    });
  });
});
