/**
 * Fuzz targets for the sans-IO sessions: whole byte streams — a correct handshake
 * (RTMP-SPEC §5.2) followed by a chunk stream — fed to a `ClientSession` (as if from a
 * server) and to a `ServerSession` (as if from a client), in pieces, with the clock
 * moving between pieces and a host that answers the session's events the way the
 * client and the embedded server do (createStream after connect, play after
 * createStream; acceptConnect, createdStream, startPlay, acceptPublish).
 *
 * - `session/client-stream`, `session/server-stream`: the input is the chunk stream
 *   itself (seeds: real captures of nginx-rtmp, the embedded server, rtmpdump and
 *   ffmpeg, in test/fuzz/corpus), mutated at the byte level by the engine.
 * - `session/client-messages`, `session/server-messages`: the input is a program that
 *   builds a chunk stream of plausible messages (see stream-builder.ts), so the
 *   engine's mutations become message-level mutations, then byte-level ones.
 *
 * What must hold, whatever the bytes: `receive`, `handleTimeout`, `nextDeadline`,
 * `takeOutput` and `takeEvents` never throw; events are plain objects and any error
 * they carry is an `RTMPError`; a host call in a state the input made wrong may throw
 * only `RTMPUsageError`; output and events stay proportional to the input (no
 * amplification). An input that ends in a `protocolError` event is counted as a typed
 * error (its error is rethrown for the engine to classify).
 */
import { RTMPError, RTMPUsageError } from '../../src/errors.js';
import { ClientHandshake } from '../../src/handshake/client.js';
import { ServerHandshake } from '../../src/handshake/server.js';
import { ClientSession, type ClientSessionOptions } from '../../src/session/client-session.js';
import { ServerSession, type ServerSessionOptions } from '../../src/session/server-session.js';
import { seqRandom } from '../helpers/random.js';
import type { FuzzTarget } from './engine.js';
import { type BuiltStream, buildStream } from './stream-builder.js';

/** Output allowed per input byte, plus a constant for the handshake and the host's own commands. */
const OUT_PER_BYTE = 8;
const OUT_CONSTANT = 64 * 1024;
const EVENT_CONSTANT = 256;

// The simple handshake (RTMP-SPEC §5.2): the digest variants are the handshake targets'
// business, and their HMACs would cost most of each input's time here.
const fixedRandom = (n: number) => Buffer.alloc(n, 0x5a);

const CLIENT_OPTIONS: ClientSessionOptions = {
  random: fixedRandom,
  handshake: 'simple',
  handshakeOptions: { epoch: 0 },
  commandTimeoutMs: 10_000,
  handshakeTimeoutMs: 10_000,
  maxMessageSize: 256 * 1024,
  chunkReader: { zeroCopy: false },
};
const SERVER_OPTIONS: ServerSessionOptions = {
  random: fixedRandom,
  handshake: 'simple',
  epoch: 0,
  idleTimeoutMs: 30_000,
  maxMessageSize: 256 * 1024,
  now: 0,
};

/** The server's S0+S1+S2 for the client session's (deterministic) C0+C1. */
const S012: Buffer = (() => {
  const c = new ClientSession(CLIENT_OPTIONS);
  c.start(0);
  const hello = Buffer.concat(c.takeOutput());
  const s = new ServerHandshake({ policy: 'simple', random: seqRandom(9), epoch: 0 });
  return Buffer.concat(s.receive(hello).send);
})();

/** A client's C0+C1+C2 for the server session's (deterministic) S1. */
const C012: Buffer = (() => {
  const hs = new ClientHandshake({ policy: 'simple', random: seqRandom(5), epoch: 0 });
  const hello = hs.start();
  const s = new ServerSession(SERVER_OPTIONS);
  s.receive(hello, 0);
  const c2 = hs.receive(Buffer.concat(s.takeOutput())).send;
  return Buffer.concat([hello, ...c2]);
})();

/** The handshake bytes the client session must be fed (to replay a corpus entry by hand). */
export const SERVER_HANDSHAKE = S012;
/** The handshake bytes the server session must be fed. */
export const CLIENT_HANDSHAKE = C012;

/** Something a session emitted or threw that the target's rules forbid. */
class Violation extends Error {}

/** One session under test, seen through the surface both sessions share. */
interface Driven {
  receive(bytes: Uint8Array, now: number): void;
  takeOutput(): Buffer[];
  takeEvents(): object[];
  nextDeadline(): number | undefined;
  handleTimeout(now: number): void;
}

/** Runs a host call; the input may have put the session in a state where it is a usage error. */
function host(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof RTMPUsageError))
      throw new Violation(`host call threw ${String((err as Error)?.stack ?? err)}`);
  }
}

function guard<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new Violation(`${what} threw: ${String((err as Error)?.stack ?? err)}`);
  }
}

type Events = Record<string, unknown>[];

/**
 * Feeds `prefix` then `stream` (cut at `cuts`, the clock moving by `clock`) to `s`,
 * letting `react` answer each batch of events; returns the first protocol error seen.
 */
function drive(
  s: Driven,
  prefix: Buffer,
  built: BuiltStream,
  react: (events: Events) => void,
): RTMPError | undefined {
  let now = 0;
  let outBytes = 0;
  let events = 0;
  let firstError: RTMPError | undefined;
  const input = built.bytes;
  const budgetOut = OUT_PER_BYTE * (prefix.length + input.length) + OUT_CONSTANT;
  const budgetEvents = prefix.length + input.length + EVENT_CONSTANT;
  const settle = () => {
    const batch = guard('takeEvents', () => s.takeEvents()) as Events;
    events += batch.length;
    for (const ev of batch) {
      if (ev === null || typeof ev !== 'object' || Object.getPrototypeOf(ev) !== Object.prototype)
        throw new Violation(`event is not a plain object: ${String(ev)}`);
      const err = ev.error;
      if (err !== undefined && !(err instanceof RTMPError))
        throw new Violation(`event carries an untyped error: ${String(err)}`);
      if (err instanceof RTMPError && firstError === undefined) firstError = err;
    }
    react(batch);
    for (const b of guard('takeOutput', () => s.takeOutput())) outBytes += b.length;
    if (outBytes > budgetOut)
      throw new Violation(`output ${outBytes} bytes for ${prefix.length + input.length} in`);
    if (events > budgetEvents) throw new Violation(`${events} events for ${input.length} bytes in`);
  };
  settle();
  guard('receive', () => s.receive(prefix, now));
  settle();
  let at = 0;
  const cuts = [...built.cuts, input.length];
  for (let i = 0; i < cuts.length; i++) {
    const end = Math.max(at, cuts[i]!);
    if (end > at) guard('receive', () => s.receive(input.subarray(at, end), now));
    at = end;
    settle();
    now += built.clock[i] ?? 0;
    const deadline = guard('nextDeadline', () => s.nextDeadline());
    if (deadline !== undefined && typeof deadline !== 'number')
      throw new Violation(`deadline ${String(deadline)}`);
    guard('handleTimeout', () => s.handleTimeout(now));
    settle();
  }
  return firstError;
}

// ---- the hosts ---------------------------------------------------------------------------

function runClient(built: BuiltStream, publish: boolean, seen?: string[]): void {
  const c = new ClientSession(CLIENT_OPTIONS);
  c.start(0);
  c.connect({ app: 'live', tcUrl: 'rtmp://127.0.0.1/live', mode: publish ? 'publish' : 'play' });
  let created = false;
  const react = (events: Events) => {
    for (const ev of events) {
      seen?.push(
        ev.kind === 'protocolError' ? `protocolError ${(ev.error as RTMPError).code}` : String(ev.kind),
      );
      if (ev.kind === 'streamCreated' && typeof ev.streamId === 'number') {
        const id = ev.streamId;
        host(() => (publish ? c.publish(id, 'fuzz') : c.play(id, 'fuzz')));
        if (publish) host(() => c.sendMedia(id, 'video', 40, Buffer.from('1701000000', 'hex')));
      } else if (ev.kind === 'invoke' && typeof ev.txn === 'number') {
        const txn = ev.txn;
        host(() => c.respond(txn, null));
      }
    }
    if (!created && c.state === 'connected') {
      created = true;
      host(() => c.createStream());
    }
  };
  const err = drive(c as unknown as Driven, S012, built, react);
  if (err) throw err;
}

function runServer(built: BuiltStream, strict: boolean, seen?: string[]): void {
  const s = new ServerSession(SERVER_OPTIONS);
  const media = Buffer.from('af01 2233'.replace(/\s+/g, ''), 'hex');
  const react = (events: Events) => {
    for (const ev of events) {
      const txn = typeof ev.txn === 'number' ? ev.txn : 0;
      const streamId = typeof ev.streamId === 'number' ? ev.streamId : 0;
      seen?.push(
        ev.kind === 'protocolError' ? `protocolError ${(ev.error as RTMPError).code}` : String(ev.kind),
      );
      switch (ev.kind) {
        case 'connect':
          host(() => (strict && ev.app !== 'live' ? s.rejectConnect(txn) : s.acceptConnect(txn)));
          break;
        case 'createStream':
          host(() => s.createdStream(txn));
          break;
        case 'play':
          host(() => s.startPlay(streamId, { name: String(ev.name) }));
          host(() => s.sendData(streamId, ['onMetaData', { duration: 1 }]));
          host(() => s.sendMedia(streamId, 'audio', 0, media));
          if (strict) host(() => s.endPlay(streamId));
          break;
        case 'publish':
          host(() => s.acceptPublish(streamId, { name: String(ev.name) }));
          break;
        case 'call':
          host(() => s.respond(txn, null));
          break;
        case 'pause':
        case 'seek':
          host(() => s.status(streamId, { level: 'status', code: 'NetStream.Seek.Notify' }));
          break;
      }
    }
  };
  const err = drive(s as unknown as Driven, C012, built, react);
  if (err) throw err;
}

// ---- targets -------------------------------------------------------------------------------

/** A byte stream fed as-is, cut at 0–3 offsets and with clock steps derived from its bytes. */
function rawStream(input: Buffer): BuiltStream {
  const cuts: number[] = [];
  const clock: number[] = [];
  if (input.length > 1) {
    const n = input[input.length - 1]! % 4;
    for (let i = 0; i < n; i++) {
      cuts.push((input[(i * 131) % input.length]! * 257 + input.length * (i + 3)) % (input.length + 1));
      clock.push([0, 50, 5000, 40_000][i]!);
    }
    cuts.sort((a, b) => a - b);
  }
  return { bytes: input, cuts, clock };
}

/** The program's stream; the builder is total, so a throw from it is a bug of the target. */
const built = (input: Buffer, role: 'server' | 'client') =>
  guard('buildStream', () => buildStream(input, role));

const allowed = (err: unknown) => err instanceof RTMPError && !(err instanceof RTMPUsageError);

/**
 * Programs (stream-builder.ts) of whole conversations, so the message targets start
 * from depth: op 14 is a conversation step, 5/6 audio/video, 10 a chunk size change,
 * 12 a cut with the clock moving.
 */
const CLIENT_SIDE_SEEDS = [
  // connect, createStream, play, then media; and the same with publish and a chunk size change
  [0, 14, 0, 0, 0, 0, 0, 14, 1, 1, 0, 14, 0, 2, 0, 0, 0, 0, 12, 2, 5, 0, 0, 0, 0, 1, 1, 6, 0, 0, 0, 0, 1, 1],
  [0, 14, 0, 0, 0, 1, 0, 10, 3, 14, 1, 1, 0, 14, 0, 3, 0, 0, 6, 0, 0, 0, 0, 1, 1, 5, 0, 0, 0, 0, 1, 1, 12, 3],
  // found by searching mutations of the two above: … play, pause (handshakeDone connect createStream play pause)
  [
    0, 14, 0, 0, 0, 0, 0, 14, 1, 1, 0, 14, 0, 2, 0, 0, 0, 0, 12, 2, 5, 0, 0, 0, 0, 1, 1, 6, 0, 0, 0, 0, 1,
    129, 88, 6, 222, 59, 210, 62, 41, 177, 23, 45, 191, 162, 36, 240, 11, 0, 254, 151, 82, 199, 116, 68, 58,
    195, 213, 179, 127, 110, 96, 255, 130, 114, 101, 105, 12, 235, 211, 196, 162, 36, 240, 11, 0, 254, 151,
    82, 199, 0, 0, 0, 127, 213, 179, 127, 110, 96, 255, 130, 114, 101, 105, 12, 235, 211, 196, 137, 214,
  ],
  // … publish, releaseStream, pause, a call, data and media
  [
    0, 14, 0, 0, 0, 1, 0, 10, 3, 14, 1, 1, 0, 14, 0, 3, 0, 0, 6, 0, 0, 0, 0, 1, 1, 5, 0, 0, 0, 0, 1, 1, 12, 3,
    124, 179, 225, 175, 173, 179, 143, 124, 90, 192, 185, 195, 179, 58, 122, 199, 207, 85, 95, 135, 224, 6, 1,
    2, 185, 165, 99, 25, 159, 248, 66, 238, 229, 0, 255, 255, 255, 17, 121, 119, 6, 1, 2, 185, 165, 99, 25,
    159, 248, 66, 238, 229, 65, 128, 138, 239, 17, 121, 119,
  ],
];
const SERVER_SIDE_SEEDS = [
  // connect _result, createStream _result, onStatus Play.Start, media; then a Play.Stop
  [
    0, 14, 0, 0, 0, 0, 14, 1, 1, 0, 0, 14, 0, 2, 3, 0, 0, 10, 3, 5, 0, 0, 0, 0, 1, 1, 6, 0, 0, 0, 0, 1, 1, 12,
    2,
  ],
  [0, 14, 0, 0, 1, 0, 14, 1, 1, 0, 0, 14, 0, 2, 9, 0, 0, 14, 0, 2, 5, 0, 0, 4, 3, 0, 0, 0, 1, 1, 0, 0, 0],
  // found by searching mutations of the two above: … status, control, media, data
  [
    0, 14, 0, 0, 0, 0, 14, 1, 1, 0, 0, 14, 0, 2, 3, 0, 0, 10, 3, 5, 0, 0, 0, 0, 1, 1, 6, 0, 0, 0, 0, 1, 1, 12,
    2, 169, 254, 95, 130, 34, 44, 252, 206, 253, 112, 111, 146, 238, 3, 245, 135, 56, 201, 194, 251, 61, 222,
    42, 17, 220, 132, 7, 141, 134, 47, 75, 95, 130, 34, 44, 252, 206, 253, 112, 111, 146, 238, 3, 245, 135,
    56, 201, 142, 137, 106, 23, 194, 251, 61, 222, 42, 17, 220, 132, 7, 141, 134, 47, 75, 150, 68, 16, 226,
    19, 202, 233, 181, 85,
  ],
];
const seedsOf = (programs: number[][]) => programs.map((p) => Buffer.from(p));

/**
 * The kinds of the events a message target's session emitted for `input` (its host
 * answering as in the fuzz run), to check that the seed programs reach deep states.
 */
export function eventKinds(target: 'client' | 'server', input: Buffer): string[] {
  const seen: string[] = [];
  try {
    if (target === 'client') runClient(built(input, 'server'), false, seen);
    else runServer(built(input, 'client'), false, seen);
  } catch (err) {
    if (!allowed(err)) throw err;
  }
  return seen;
}

/** A session target: each input is a whole conversation, so CI gives it 0.3 of FUZZ_RUNS. */
const target = (
  name: string,
  seeds: Buffer[],
  maxLength: number,
  run: (input: Buffer) => void,
): FuzzTarget => ({
  name,
  seeds,
  maxLength,
  allowed,
  runShare: 0.3,
  run,
});

/** Session fuzz targets. */
export const targets: FuzzTarget[] = [
  target('session/client-stream', [Buffer.alloc(0)], 2048, (input) =>
    runClient(rawStream(input), (input[0] ?? 0) % 5 === 0),
  ),
  target('session/client-messages', seedsOf(SERVER_SIDE_SEEDS), 600, (input) =>
    runClient(built(input, 'server'), ((input[0] ?? 0) & 4) !== 0),
  ),
  target('session/server-stream', [Buffer.alloc(0)], 2048, (input) =>
    runServer(rawStream(input), (input[0] ?? 0) % 3 === 0),
  ),
  target('session/server-messages', seedsOf(CLIENT_SIDE_SEEDS), 600, (input) =>
    runServer(built(input, 'client'), ((input[0] ?? 0) & 4) !== 0),
  ),
];
