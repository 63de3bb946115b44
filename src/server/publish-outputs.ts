/**
 * What the server does with each publish besides relaying it to players: the
 * recording (`record`) and the restreams (`push`) of every live channel, started when
 * its publish starts — before the publisher's first message — and finished when it
 * ends. Also the bookkeeping `stats()` reads.
 *
 * Invariants: at most one recording per channel and one relay per (channel, target);
 * their failures never reach the publisher; `close()` resolves once every file is
 * closed and every relay has stopped.
 */
import type { Logger } from '../log.js';
import type { LiveChannel } from './live-channel.js';
import { PushRelay, pushMatches, type ResolvedPushTarget } from './push.js';
import { Recorder, type ResolvedRecordOptions, recordingPath } from './recorder.js';
import type { PushInfo, RecordingInfo, RTMPServerEvents } from './types.js';

/** What the outputs need from the server. */
export interface OutputsContext {
  readonly record: ResolvedRecordOptions | undefined;
  readonly push: readonly ResolvedPushTarget[];
  /** Live backpressure threshold (relays drop above it; recordings stop above 4×). */
  readonly highWaterMark: number;
  readonly log: Logger;
  emit<K extends keyof RTMPServerEvents>(event: K, ...args: RTMPServerEvents[K]): void;
}

interface ChannelOutputs {
  recorder: Recorder | undefined;
  relays: PushRelay[];
}

/** The recordings and relays of the server's channels. */
export class PublishOutputs {
  readonly #ctx: OutputsContext;
  readonly #byChannel = new Map<LiveChannel, ChannelOutputs>();
  readonly #pending = new Set<Promise<void>>();

  constructor(ctx: OutputsContext) {
    this.#ctx = ctx;
  }

  /** A publish started on `channel`: start its recording and relays. */
  started(channel: LiveChannel): void {
    const { record, push, log } = this.#ctx;
    const outputs: ChannelOutputs = { recorder: undefined, relays: [] };
    if (record) {
      const path = recordingPath(record, channel.app, channel.name, new Date());
      const recorder = new Recorder(channel, path, 4 * this.#ctx.highWaterMark, {
        started: (info) => {
          log.info(`recording ${info.app}/${info.name} to ${info.path}`);
          this.#ctx.emit('recordStart', { ...info });
        },
        stopped: (info) => {
          if (info.error) log.error(`recording ${info.path}: ${info.error}`);
          else log.info(`recorded ${info.path} (${info.bytes} bytes)`);
          this.#ctx.emit('recordStop', { ...info });
        },
      });
      outputs.recorder = recorder;
      this.#track(recorder.done);
    }
    for (const target of push) {
      if (!pushMatches(target, channel.app, channel.name)) continue;
      const relay = new PushRelay(channel, target, this.#ctx.highWaterMark, {
        started: (info) => {
          log.info(`pushing ${info.app}/${info.name} to ${info.url} (attempt ${info.attempts})`);
          this.#ctx.emit('pushStart', { ...info });
        },
        failed: (err, info) => {
          log.warn(`push of ${info.app}/${info.name} to ${info.url} failed: ${err.message}; retrying`);
          this.#ctx.emit('pushError', err, { ...info });
        },
      });
      outputs.relays.push(relay);
      this.#track(relay.done);
    }
    if (outputs.recorder || outputs.relays.length > 0) this.#byChannel.set(channel, outputs);
  }

  /** The publish of `channel` ended: relays flush and stop (the recording ends with the channel's unpublish). */
  ended(channel: LiveChannel): void {
    const outputs = this.#byChannel.get(channel);
    if (!outputs) return;
    this.#byChannel.delete(channel);
    for (const r of outputs.relays) void r.finish();
  }

  /** The current recording of `channel`. */
  recording(channel: LiveChannel): RecordingInfo | undefined {
    return this.#byChannel.get(channel)?.recorder?.info;
  }

  /** The relays of `channel`. */
  pushes(channel: LiveChannel): PushInfo[] {
    return this.#byChannel.get(channel)?.relays.map((r) => r.info) ?? [];
  }

  /** Stops everything; resolves when files are closed and relays stopped. */
  async close(): Promise<void> {
    for (const [channel, o] of [...this.#byChannel]) {
      void o.recorder?.stop();
      this.ended(channel);
    }
    await Promise.all([...this.#pending]);
  }

  #track(p: Promise<void>): void {
    this.#pending.add(p);
    void p.then(() => this.#pending.delete(p));
  }
}
