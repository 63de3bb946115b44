/**
 * The command dispatch of a `ServerSession` (RTMP-SPEC §7.2.1 NetConnection and §7.2.2
 * NetStream commands): what each command the client sends after `connect` becomes —
 * an event for the host, a pending request, an automatic answer — plus the commands
 * held behind a pending connect and the answers to our own calls (`_result`/`_error`).
 * `connect` itself stays with the session, which owns the connection state.
 *
 * Invariants: commands before the connection was accepted are non-fatal protocol errors
 * (held, up to `MAX_EARLY_COMMANDS`, while the connect is pending); memory is bounded by
 * `maxStreams`, `maxPendingCalls` and `MAX_EARLY_COMMANDS`.
 */
import { ProtocolCode } from '../error-codes.js';
import { RTMPProtocolError } from '../errors.js';
import { command } from '../message/builders.js';
import type { CommandMessage } from '../message/types.js';
import type { ServerEvent } from './server-events.js';
import type { ServerNetStreams } from './server-net-streams.js';
import {
  asStatusInfo,
  infoObject,
  num,
  type ResolvedServerOptions,
  type ServerSessionState,
} from './server-session-options.js';
import type { PendingRequest } from './transactions.js';

/** Most commands held behind a pending connect (`ERR_SESSION_TOO_MANY_EARLY_COMMANDS` beyond). */
export const MAX_EARLY_COMMANDS = 32;

/** What the command dispatch needs of its session. */
export interface ServerCommandPort {
  /** The connection state. */
  state(): ServerSessionState;
  /** Whether the session closed (a handler may close it). */
  isClosed(): boolean;
  /** Handles `connect` (the session owns the connection state). */
  onConnect(msg: CommandMessage): void;
  /** Sends a command on `streamId` in the negotiated encoding (or `amf3` when given). */
  sendCommand(msg: CommandMessage, streamId: number, amf3?: boolean): void;
  emit(ev: ServerEvent): void;
  nonFatal(err: RTMPProtocolError): void;
  /** Records a client request the host answers. */
  addPending(txn: number, p: PendingRequest): void;
}

/** Dispatches the client's commands for a `ServerSession` (see the module comment). */
export class ServerCommands {
  readonly #port: ServerCommandPort;
  readonly #net: ServerNetStreams;
  readonly #opts: ResolvedServerOptions;

  /**
   * Commands that arrived behind `connect` while the host decides it, in arrival order:
   * a client may send its next commands without awaiting the connect `_result` (librtmp's
   * `RTMP_Connect` returns once connect is sent; python-librtmp `connect(); call(...)`).
   * Run after `acceptConnect`, dropped by `rejectConnect`.
   */
  #early: CommandMessage[] = [];
  /** Our calls awaiting the client's `_result`/`_error`: txn → method. */
  readonly #calls = new Map<number, string>();
  #nextTxn = 1;

  /** Creates the dispatch over the session's `port`, NetStream side and options. */
  constructor(port: ServerCommandPort, net: ServerNetStreams, opts: ResolvedServerOptions) {
    this.#port = port;
    this.#net = net;
    this.#opts = opts;
  }

  /** Records a call of ours to `name` awaiting the client's answer; returns its transaction id. */
  track(name: string): number {
    const txn = this.#nextTxn++;
    this.#calls.set(txn, name);
    if (this.#calls.size > this.#opts.maxPendingCalls) this.#calls.delete(this.#calls.keys().next().value!);
    return txn;
  }

  /** Runs the commands held behind the connect, in order, until the session closes. */
  runEarly(): void {
    const early = this.#early;
    this.#early = [];
    for (const m of early) if (!this.#port.isClosed()) this.dispatch(m);
  }

  /** Drops the commands held behind the connect (it was rejected). */
  dropEarly(): void {
    this.#early = [];
  }

  /** Handles one command from the client. */
  dispatch(msg: CommandMessage): void {
    const { name, transactionId: txn, streamId } = msg;
    if (name === 'connect') {
      this.#port.onConnect(msg);
      return;
    }
    const state = this.#port.state();
    if (state === 'connecting') {
      this.#holdEarly(msg);
      return;
    }
    if (state !== 'connected') {
      this.#port.nonFatal(
        new RTMPProtocolError(`command ${JSON.stringify(name)} before the connection was accepted; ignored`, {
          code: ProtocolCode.SESSION_NOT_CONNECTED,
        }),
      );
      return;
    }
    switch (name) {
      case '_result':
      case '_error':
        this.#onAnswer(msg);
        return;
      case 'createStream':
        this.#onCreateStream(msg);
        return;
      case 'deleteStream': {
        // Why both: the spec sends it on msid 0 with the id as argument; some clients use the stream's msid.
        const id = num(msg.args[0]) ?? streamId;
        if (this.#net.streams.delete(id)) {
          if (this.#net.lastPlayed === id) this.#net.lastPlayed = 0;
          this.#port.emit({ kind: 'deleteStream', streamId: id, txn });
        }
        return;
      }
      case 'closeStream': {
        const s = this.#net.streams.get(streamId);
        if (s) {
          s.state = 'idle';
          this.#port.emit({ kind: 'closeStream', streamId });
        }
        return;
      }
      case 'play':
        this.#net.onPlay(msg);
        return;
      case 'publish':
        this.#net.onPublish(msg);
        return;
      case 'pause': {
        const id = this.#net.resolve(streamId, 'pause');
        if (id === undefined) return;
        this.#port.emit({
          kind: 'pause',
          streamId: id,
          pause: msg.args[0] === true || (typeof msg.args[0] === 'number' && msg.args[0] !== 0),
          milliseconds: num(msg.args[1]) ?? 0,
        });
        return;
      }
      case 'seek': {
        const id = this.#net.resolve(streamId, 'seek');
        if (id === undefined) return;
        this.#port.emit({ kind: 'seek', streamId: id, milliseconds: num(msg.args[0]) ?? 0 });
        return;
      }
      case 'releaseStream':
        this.#net.onFC(msg, 'releaseStream', this.#opts.autoFC);
        return;
      case 'FCPublish':
        this.#net.onFC(msg, 'fcPublish', this.#opts.autoFC);
        return;
      case 'FCUnpublish':
        this.#net.onFC(msg, 'fcUnpublish', this.#opts.autoFC);
        return;
      case 'FCSubscribe':
        this.#net.onFC(msg, 'fcSubscribe', this.#opts.autoFC);
        return;
      case 'FCUnsubscribe':
        this.#net.onFC(msg, 'fcUnsubscribe', this.#opts.autoFC);
        return;
      default:
        if (txn !== 0) this.#port.addPending(txn, { what: 'call', streamId, amf3: msg.amf3 });
        this.#port.emit({
          kind: 'call',
          name,
          txn,
          commandObject: msg.commandObject,
          args: msg.args,
          streamId,
          amf3: msg.amf3,
        });
    }
  }

  /** The client's `_result`/`_error` to one of our calls (`track`). */
  #onAnswer(msg: CommandMessage): void {
    const { name, transactionId: txn, streamId } = msg;
    const method = this.#calls.get(txn);
    this.#calls.delete(txn);
    if (name === '_result') {
      this.#port.emit({
        kind: 'result',
        txn,
        method,
        streamId,
        commandObject: msg.commandObject,
        values: msg.args,
      });
    } else {
      this.#port.emit({
        kind: 'error',
        txn,
        method,
        streamId,
        info: asStatusInfo(msg.args[0]),
        commandObject: msg.commandObject,
        values: msg.args,
      });
    }
  }

  /** `createStream`: a pending request for the host, or `_error` beyond `maxStreams`. */
  #onCreateStream(msg: CommandMessage): void {
    const { transactionId: txn, streamId } = msg;
    if (this.#net.streams.size >= this.#opts.maxStreams) {
      this.#port.sendCommand(
        command(
          '_error',
          txn,
          null,
          infoObject({
            level: 'error',
            code: 'NetConnection.Call.Failed',
            description: `Too many streams (${this.#opts.maxStreams}).`,
          }),
        ),
        streamId,
      );
      this.#port.nonFatal(
        new RTMPProtocolError(`createStream beyond maxStreams ${this.#opts.maxStreams}; refused`, {
          code: ProtocolCode.SESSION_TOO_MANY_STREAMS,
        }),
      );
      return;
    }
    this.#port.addPending(txn, { what: 'createStream', streamId, amf3: msg.amf3 });
    this.#port.emit({ kind: 'createStream', txn, commandObject: msg.commandObject, args: msg.args });
  }

  /** Holds a command until the connect is answered; beyond `MAX_EARLY_COMMANDS` refuses it (`_error` when it awaits an answer). */
  #holdEarly(msg: CommandMessage): void {
    if (this.#early.length < MAX_EARLY_COMMANDS) {
      this.#early.push(msg);
      return;
    }
    if (msg.transactionId !== 0) {
      const info = infoObject({
        level: 'error',
        code: 'NetConnection.Call.Failed',
        description: `Too many commands before the connect was answered (${MAX_EARLY_COMMANDS}).`,
      });
      this.#port.sendCommand(command('_error', msg.transactionId, null, info), msg.streamId, msg.amf3);
    }
    this.#port.nonFatal(
      new RTMPProtocolError(
        `command ${JSON.stringify(msg.name)} beyond the ${MAX_EARLY_COMMANDS} held while the connect is pending; refused`,
        { code: ProtocolCode.SESSION_TOO_MANY_EARLY_COMMANDS },
      ),
    );
  }
}
