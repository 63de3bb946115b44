/**
 * The error-code registry (src/error-codes.ts) and the error classes agree: every code
 * is spelled once, as `KEY: 'ERR_KEY'`, under exactly one class; every registered class
 * is exported from the package root, descends from RTMPError and carries its group's
 * codes (its default code too); every error class in the sources is registered; and no
 * source file spells an rtmpkit `ERR_…` code as a string literal outside the registry.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as pkg from '../../src/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const { ERROR_CODES, RTMPError } = pkg;
type ClassName = keyof typeof ERROR_CODES;

/** Builds an instance of each registered class carrying `code` (constructors differ in shape). */
const MAKE: Record<ClassName, (code: string) => Error> = {
  RTMPError: (code) => new pkg.RTMPError('m', { code: code as never }),
  SwfHttpError: () => new pkg.SwfHttpError('m', 404),
  RTMPTimeoutError: (code) => new pkg.RTMPTimeoutError('m', { code: code as never }),
  RTMPProtocolError: (code) => new pkg.RTMPProtocolError('m', { code: code as never }),
  AMFError: (code) => new pkg.AMFError('m', code as never),
  RTMPHandshakeError: (code) => new pkg.RTMPHandshakeError('m', code as never),
  RTMPConnectionError: (code) => new pkg.RTMPConnectionError('m', { code: code as never }),
  RTMPStreamCutError: () => new pkg.RTMPStreamCutError('m', { bytesDelivered: 0, lastTimestamp: undefined }),
  RTMPProxyError: (code) => new pkg.RTMPProxyError('m', code as never, { proxy: 'socks5' }),
  RTMPAuthError: (code) => new pkg.RTMPAuthError('m', code as never),
  RTMPUsageError: (code) => new pkg.RTMPUsageError('m', { code: code as never }),
  RTMPLimitError: (code) => new pkg.RTMPLimitError('m', code as never, 'maxConnections'),
};

/** The constructors whose code is optional, and so have a default code. */
const DEFAULTS: Partial<Record<ClassName, () => Error>> = {
  RTMPError: () => new pkg.RTMPError('m'),
  RTMPTimeoutError: () => new pkg.RTMPTimeoutError('m'),
  RTMPProtocolError: () => new pkg.RTMPProtocolError('m'),
  RTMPConnectionError: () => new pkg.RTMPConnectionError('m'),
  RTMPUsageError: () => new pkg.RTMPUsageError('m'),
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('each code is defined once, as KEY: ERR_KEY, in exactly one class group', () => {
  const seen = new Map<string, string>();
  for (const [cls, group] of Object.entries(ERROR_CODES)) {
    assert.ok(Object.keys(group).length > 0, `${cls} has codes`);
    for (const [key, code] of Object.entries(group)) {
      assert.equal(code, `ERR_${key}`, `${cls}.${key}`);
      assert.equal(seen.get(code), undefined, `${code} registered under ${seen.get(code)} and ${cls}`);
      seen.set(code, cls);
    }
  }
  assert.ok(seen.size >= 140, `${seen.size} codes`);
});

test('every registered class is exported from the package root and carries exactly its codes', () => {
  const exported = pkg as unknown as Record<string, unknown>;
  for (const [cls, group] of Object.entries(ERROR_CODES) as [ClassName, Record<string, string>][]) {
    const ctor = exported[cls];
    assert.equal(typeof ctor, 'function', `${cls} is exported from the package root`);
    const own = new Set(Object.values(group));
    for (const code of own) {
      const err = MAKE[cls](code);
      assert.ok(err instanceof RTMPError, `${cls} is an RTMPError`);
      assert.ok(err instanceof (ctor as new (...a: never[]) => Error));
      assert.equal(err.name, cls);
      const got = (err as InstanceType<typeof RTMPError>).code;
      // SwfHttpError and RTMPStreamCutError fix their one code.
      assert.ok(own.has(got), `${cls} carries ${got}, which is registered under another class`);
      if (own.size > 1) assert.equal(got, code);
    }
    const makeDefault = DEFAULTS[cls];
    if (makeDefault !== undefined) {
      const code = (makeDefault() as InstanceType<typeof RTMPError>).code;
      assert.ok(own.has(code), `${cls}'s default code ${code} is one of its own`);
    }
  }
});

test('every error class the sources declare is registered (and so exported)', () => {
  const registered = new Set(Object.keys(ERROR_CODES));
  const base = /class (\w+) extends (RTMP\w*Error|AMFError|SwfHttpError)\b/g;
  const found: string[] = [];
  for (const file of sources(join(ROOT, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(base)) found.push(m[1]!);
  }
  assert.ok(found.length >= 10, found.join(' '));
  for (const cls of found) assert.ok(registered.has(cls), `${cls} is not in ERROR_CODES`);
});

test('no source file spells a registered code, or one of its families, as a string literal', () => {
  const families = new Set<string>();
  for (const group of Object.values(ERROR_CODES)) {
    for (const code of Object.values(group)) families.add(code.split('_')[1]!);
  }
  const offenders: string[] = [];
  for (const file of sources(join(ROOT, 'src'))) {
    if (file.endsWith(join('src', 'error-codes.ts'))) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (/^\s*(\*|\/\/|\/\*)/.test(line)) return;
      for (const m of line.matchAll(/['"`](ERR_([A-Z0-9]+)_?[A-Z0-9_]*[A-Z0-9])['"`]/g)) {
        // Node's own codes (ERR_BUFFER_TOO_LARGE, …) are not rtmpkit's.
        if (families.has(m[2]!)) offenders.push(`${file.slice(ROOT.length + 1)}:${i + 1} ${m[1]}`);
      }
    });
  }
  assert.deepEqual(offenders, []);
});

test('a thrown error carries a registered code of its class (URL, option, AMF, log paths)', () => {
  const classOf = new Map<string, string>();
  for (const [cls, group] of Object.entries(ERROR_CODES)) {
    for (const code of Object.values(group)) classOf.set(code, cls);
  }
  const cases: (() => unknown)[] = [
    () => pkg.parseUrl('rtmp://'),
    () => pkg.parseUrl('http://host/app'),
    () => new pkg.RTMP('rtmp://127.0.0.1/app', { timeoutt: 5 } as never),
    () => pkg.decodeAmf(Buffer.from([0x02, 0x00, 0x05, 0x61])),
    () => pkg.setLogLevel(9 as never),
  ];
  for (const run of cases) {
    assert.throws(run, (err: unknown) => {
      assert.ok(err instanceof RTMPError, String(err));
      assert.equal(err.name, classOf.get(err.code), `${err.code} thrown by ${err.name}`);
      return true;
    });
  }
});
