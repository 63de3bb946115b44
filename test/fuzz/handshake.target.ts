/**
 * Fuzz targets for the handshake state machines: a client (each policy, and RTMPE) fed
 * random and mutated server bytes, and a server (each policy, and RTMPE) fed random and
 * mutated client bytes.
 * Each input is fed twice — whole, and cut in two at an input-derived offset — and the
 * outcomes (bytes sent, done, rest; or the error code) must agree; the only error allowed is an
 * RTMPHandshakeError with an ERR_HANDSHAKE_* code. Seeds are complete valid exchanges.
 */

import { DH_PRIVATE_KEY_SIZE, DHKeyPair } from '../../src/crypto/dh.js';
import { type RandomSource, takeRandom } from '../../src/handshake/common.js';
import {
  ClientHandshake,
  type HandshakePolicy,
  type HandshakeStep,
  RTMPHandshakeError,
  ServerHandshake,
} from '../../src/handshake/index.js';
import type { RtmpeCipher } from '../../src/handshake/rtmpe-cipher.js';
import { seqRandom as fixedRandom } from '../helpers/random.js';
import type { FuzzTarget } from './engine.js';

const CHUNK_TAIL = Buffer.from('030000000000190100000000020007636f6e6e656374', 'hex');

const newClient = (policy: HandshakePolicy) => {
  const c = new ClientHandshake({ policy, random: fixedRandom(11), epoch: 1000 });
  return { c, hello: c.start() };
};
const newServer = (policy: 'auto' | 'simple') =>
  new ServerHandshake({ policy, random: fixedRandom(22), epoch: 2000 });

interface Machine {
  receive(data: Uint8Array): HandshakeStep<unknown>;
}

/** Outcome of feeding `input` in pieces; errors other than handshake errors propagate. */
function outcome(m: Machine, input: Buffer, cut: number): string {
  const sent: Buffer[] = [];
  const pieces = [input.subarray(0, cut), input.subarray(cut)];
  try {
    for (let i = 0; i < pieces.length; i++) {
      const step = m.receive(pieces[i]!);
      sent.push(...step.send);
      if (step.done) {
        if (!step.info) throw new Error('done without info');
        // RTMPE hands `rest` back decrypted: later pieces go through the same cipher.
        const cipher = (step.info as { rtmpe?: { cipher: RtmpeCipher } }).rtmpe?.cipher;
        const later = pieces.slice(i + 1).map((p) => (cipher ? cipher.decrypt(Buffer.from(p)) : p));
        const rest = Buffer.concat([step.rest ?? Buffer.alloc(0), ...later]);
        return `done ${Buffer.concat(sent).toString('hex')} rest ${rest.toString('hex')}`;
      }
    }
    return `pending ${Buffer.concat(sent).toString('hex')}`;
  } catch (err) {
    // bytes sent before the failing step differ by split (C2 leaves before a bad S2 is seen)
    if (err instanceof RTMPHandshakeError) return `error ${err.code}`;
    throw err;
  }
}

function cutOf(input: Buffer): number {
  if (input.length === 0) return 0;
  return (input[input.length - 1]! * 257 + input.length * 7) % (input.length + 1);
}

function check(whole: string, split: string, input: Buffer): void {
  if (whole !== split) {
    throw new Error(
      `split-dependent outcome at cut ${cutOf(input)}: ${whole.slice(0, 80)} vs ${split.slice(0, 80)}`,
    );
  }
}

const allowed = (err: unknown) => err instanceof RTMPHandshakeError && err.code.startsWith('ERR_HANDSHAKE_');

/** S0+S1+S2 (+ chunk bytes) answers of our server and an nginx-style echo to a client's C0+C1. */
function serverSeeds(policy: HandshakePolicy): Buffer[] {
  const { hello } = newClient(policy);
  const seeds: Buffer[] = [];
  for (const sp of ['auto', 'simple'] as const) {
    const s012 = Buffer.concat(newServer(sp).receive(hello).send);
    seeds.push(Buffer.concat([s012, CHUNK_TAIL]), s012, s012.subarray(0, 1537));
  }
  // nginx-rtmp "old style": S0+S1 = C0+C1 echoed, S2 = C1 echoed
  seeds.push(Buffer.concat([hello, hello.subarray(1), CHUNK_TAIL]));
  return seeds;
}

function clientTarget(policy: HandshakePolicy): FuzzTarget {
  return {
    name: `handshake/client-${policy}`,
    seeds: serverSeeds(policy),
    maxLength: 3200,
    allowed,
    run(input) {
      const whole = outcome(newClient(policy).c, input, input.length);
      const split = outcome(newClient(policy).c, input, cutOf(input));
      check(whole, split, input);
      if (whole.startsWith('error ')) {
        // re-throw the typed error so the engine counts (and type-checks) it
        newClient(policy).c.receive(input);
      }
    },
  };
}

/** C0+C1+C2 (+ chunk bytes) from our client in each policy, against each server policy. */
function clientSeeds(sp: 'auto' | 'simple'): Buffer[] {
  const seeds: Buffer[] = [];
  for (const cp of ['simple', 'fp9'] as const) {
    const { c, hello } = newClient(cp);
    const s012 = Buffer.concat(newServer(sp).receive(hello).send);
    const c2 = Buffer.concat(c.receive(s012).send);
    seeds.push(Buffer.concat([hello, c2, CHUNK_TAIL]), Buffer.concat([hello, c2]), hello);
  }
  return seeds;
}

function serverTarget(policy: 'auto' | 'simple'): FuzzTarget {
  return {
    name: `handshake/server-${policy}`,
    seeds: clientSeeds(policy),
    maxLength: 3200,
    allowed,
    run(input) {
      const whole = outcome(newServer(policy), input, input.length);
      const split = outcome(newServer(policy), input, cutOf(input));
      check(whole, split, input);
      if (whole.startsWith('error ')) newServer(policy).receive(input);
    },
  };
}

// ---- RTMPE (types 6, 8, 9) ------------------------------------------------------------

/**
 * Our own key pairs do not depend on the input (the random sources are fixed): each is made
 * once and reused — their generation was 90 % of a client-rtmpe run and 40 % of a server one.
 */
const pairs = new Map<string, DHKeyPair>();
const makeDhKeyPair = (random: RandomSource): DHKeyPair => {
  const key = takeRandom(random, DH_PRIVATE_KEY_SIZE);
  const hex = Buffer.from(key).toString('hex');
  const known = pairs.get(hex);
  if (known !== undefined) return known;
  const pair = new DHKeyPair(key);
  pairs.set(hex, pair);
  return pair;
};
const newRtmpeClient = () => {
  const c = new ClientHandshake({ rtmpe: true, random: fixedRandom(33), epoch: 1000, makeDhKeyPair });
  return { c, hello: c.start() };
};
const newRtmpeServer = () =>
  new ServerHandshake({ rtmpe: true, random: fixedRandom(44), epoch: 2000, makeDhKeyPair });

/** Our server's answers of each RTMPE type to our RTMPE client, with and without chunk bytes. */
function rtmpeServerSeeds(): Buffer[] {
  const { hello } = newRtmpeClient();
  const seeds: Buffer[] = [];
  for (const rtmpeType of [6, 8, 9] as const) {
    const s = new ServerHandshake({ rtmpe: true, rtmpeType, random: fixedRandom(44), epoch: 2000 });
    const s012 = Buffer.concat(s.receive(hello).send);
    seeds.push(Buffer.concat([s012, CHUNK_TAIL]), s012);
  }
  return seeds;
}

/** Our RTMPE client's C0+C1+C2 for each answer type. */
function rtmpeClientSeeds(): Buffer[] {
  const seeds: Buffer[] = [];
  for (const version of [6, 8, 9]) {
    const c = new ClientHandshake({ rtmpe: true, version, random: fixedRandom(33), epoch: 1000 });
    const hello = c.start();
    const c2 = Buffer.concat(c.receive(Buffer.concat(newRtmpeServer().receive(hello).send)).send);
    seeds.push(Buffer.concat([hello, c2, CHUNK_TAIL]), hello);
  }
  return seeds;
}

const rtmpeTargets: FuzzTarget[] = [
  {
    name: 'handshake/client-rtmpe',
    seeds: rtmpeServerSeeds(),
    maxLength: 3200,
    allowed,
    runShare: 0.1,
    run(input) {
      const whole = outcome(newRtmpeClient().c, input, input.length);
      check(whole, outcome(newRtmpeClient().c, input, cutOf(input)), input);
      if (whole.startsWith('error ')) newRtmpeClient().c.receive(input);
    },
  },
  {
    name: 'handshake/server-rtmpe',
    seeds: rtmpeClientSeeds(),
    maxLength: 3200,
    allowed,
    runShare: 0.1,
    run(input) {
      const whole = outcome(newRtmpeServer(), input, input.length);
      check(whole, outcome(newRtmpeServer(), input, cutOf(input)), input);
      if (whole.startsWith('error ')) newRtmpeServer().receive(input);
    },
  },
];

export const targets: FuzzTarget[] = [
  ...rtmpeTargets,
  clientTarget('auto'),
  clientTarget('fp9'),
  clientTarget('simple'),
  serverTarget('auto'),
  serverTarget('simple'),
];
