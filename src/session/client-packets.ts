/**
 * Pure helpers of `ClientSession` for the commands it sends as answers and the prepared
 * packets it is handed (RTMP-SPEC §7.1.1 command messages): the `_result`/`_error` to a
 * server-initiated invoke, and the command inside a prepared AMF0/AMF3 packet
 * (python-librtmp `connect(packet)`, `send_packet`).
 *
 * Invariants: caller faults throw `RTMPUsageError`; nothing here keeps state.
 */
import { AMFObject, type AmfDecodeOptions, type AmfValue, isAmfObject } from '../amf/types.js';
import { command } from '../message/builders.js';
import { decodeMessage } from '../message/codec.js';
import type { RawMessage } from '../message/raw-message.js';
import { type CommandMessage, MessageType } from '../message/types.js';
import { checkStreamId, type RespondOptions, usage } from './client-options.js';

/** The `_result`/`_error` answering server transaction `txn` with `value`; throws `RTMPUsageError` for a bad `txn` or stream id. */
export function answerCommand(
  name: '_result' | '_error',
  txn: number,
  value: AmfValue,
  options: RespondOptions,
): CommandMessage {
  if (!Number.isFinite(txn) || txn < 0)
    throw usage(`transaction id must be a non-negative number, got ${txn}`);
  return {
    ...command(name, txn, options.commandObject ?? null, value),
    streamId: checkStreamId(options.streamId ?? 0),
    amf3: options.amf3 ?? false,
  };
}

/** An `_error` info value as sent: a plain object becomes an AMF object. */
export function errorInfo(info: AmfValue): AmfValue {
  return isAmfObject(info) && !(info instanceof AMFObject) ? new AMFObject(info) : info;
}

/** The command in a prepared packet, when it is an AMF0/AMF3 command that decodes to one. */
export function commandOf(
  raw: RawMessage,
  decodeOptions: { amf?: AmfDecodeOptions },
): CommandMessage | undefined {
  if (raw.type !== MessageType.CommandAMF0 && raw.type !== MessageType.CommandAMF3) return undefined;
  const m = decodeMessage(raw, decodeOptions);
  return m.kind === 'command' ? m : undefined;
}
