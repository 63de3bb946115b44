/**
 * Command (type 20 AMF0, 17 AMF3) and data (type 18 AMF0, 15 AMF3) message payloads
 * (RTMP-SPEC §7.1.1–§7.1.2, §7.2; AMF3 commands after `objectEncoding: 3` was
 * negotiated in connect).
 *
 * Layout: a command is the AMF0 sequence `name, transactionId, commandObject,
 * ...args`; a data message is any AMF0 sequence. Types 17/15 start with a format
 * selector byte — only 0 (AMF0 follows) is defined — and then the same AMF0 body, in
 * which each AMF3 value is introduced by 0x11 (librtmp skips the byte and
 * AMF0-decodes; so does this). Encoding the AMF3 forms writes the 0 byte and an AMF0
 * body (the AMF0 encoder itself switches to AMF3 for values only AMF3 can carry).
 *
 * Invariants: a nonzero format byte throws `ERR_MESSAGE_BAD_FORMAT`, an empty
 * AMF3-form payload `ERR_MESSAGE_TRUNCATED`; AMF failures are wrapped as
 * `ERR_MESSAGE_BAD_COMMAND` / `ERR_MESSAGE_BAD_DATA` with the `ERR_AMF_*` error as
 * `cause`; every error carries the RawMessage as `err.info.raw`. A command needs a
 * string name and (when present) a numeric transaction id; a missing transaction
 * id decodes as 0 and a missing command object as null, so `encodeMessage` writes
 * them back explicitly.
 */
import * as amf0 from '../amf/amf0.js';
import type { AmfDecodeOptions, AmfValue } from '../amf/types.js';
import { ProtocolCode } from '../error-codes.js';
import { RTMPError } from '../errors.js';
import { messageError, messageHeader } from './common.js';
import type { RawMessage } from './raw-message.js';
import type { CommandMessage, DataMessage } from './types.js';

/** Checks the format selector byte of a type 15/16/17 payload and returns the offset of the AMF body. */
export function amf3BodyOffset(raw: RawMessage, what: string): number {
  if (raw.payload.length === 0) {
    throw messageError(ProtocolCode.MESSAGE_TRUNCATED, `${what} (type ${raw.type}) has no format byte`, raw);
  }
  const format = raw.payload[0]!;
  if (format !== 0) {
    throw messageError(
      ProtocolCode.MESSAGE_BAD_FORMAT,
      `${what} (type ${raw.type}) has format selector ${format}; only 0 (AMF0 body) is defined`,
      raw,
    );
  }
  return 1;
}

function decodeBody(
  raw: RawMessage,
  amf3: boolean,
  options: AmfDecodeOptions | undefined,
  command: boolean,
): AmfValue[] {
  const what = command ? 'command' : 'data message';
  const start = amf3 ? amf3BodyOffset(raw, what) : 0;
  try {
    return amf0.decode(start ? raw.payload.subarray(start) : raw.payload, options);
  } catch (err) {
    // Typed AMF errors become the caller's decision; anything else is a decoder bug and surfaces.
    if (!(err instanceof RTMPError)) throw err;
    throw messageError(
      command ? ProtocolCode.MESSAGE_BAD_COMMAND : ProtocolCode.MESSAGE_BAD_DATA,
      `${what} (type ${raw.type}) AMF decoding failed: ${err.message}`,
      raw,
      err,
    );
  }
}

/** Decodes a type 20 (or, with `amf3`, 17) payload. */
export function decodeCommand(raw: RawMessage, amf3: boolean, options?: AmfDecodeOptions): CommandMessage {
  const values = decodeBody(raw, amf3, options, true);
  const name = values[0];
  if (typeof name !== 'string') {
    throw messageError(
      ProtocolCode.MESSAGE_BAD_COMMAND,
      `command (type ${raw.type}) does not start with a string name (${values.length === 0 ? 'empty body' : describe(name)})`,
      raw,
    );
  }
  const txn = values.length > 1 ? values[1] : 0;
  if (typeof txn !== 'number') {
    throw messageError(
      ProtocolCode.MESSAGE_BAD_COMMAND,
      `command ${JSON.stringify(name)} (type ${raw.type}) has a non-numeric transaction id (${describe(txn)})`,
      raw,
    );
  }
  return {
    kind: 'command',
    ...messageHeader(raw),
    name,
    transactionId: txn,
    commandObject: values.length > 2 ? values[2] : null,
    args: values.slice(3),
    amf3,
  };
}

/** Decodes a type 18 (or, with `amf3`, 15) payload. */
export function decodeData(raw: RawMessage, amf3: boolean, options?: AmfDecodeOptions): DataMessage {
  const values = decodeBody(raw, amf3, options, false);
  const first = values[0];
  return {
    kind: 'data',
    ...messageHeader(raw),
    name: typeof first === 'string' ? first : undefined,
    values,
    amf3,
  };
}

function withFormatByte(body: Buffer, amf3: boolean): Buffer {
  if (!amf3) return body;
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = 0;
  body.copy(out, 1);
  return out;
}

/** The payload of a command message (format byte 0 first when `amf3`). */
export function encodeCommandPayload(
  msg: Pick<CommandMessage, 'name' | 'transactionId' | 'commandObject' | 'args' | 'amf3'>,
): Buffer {
  return withFormatByte(amf0.encode(msg.name, msg.transactionId, msg.commandObject, ...msg.args), msg.amf3);
}

/** The payload of a data message (format byte 0 first when `amf3`). */
export function encodeDataPayload(msg: Pick<DataMessage, 'values' | 'amf3'>): Buffer {
  return withFormatByte(amf0.encode(...msg.values), msg.amf3);
}

function describe(v: AmfValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return v.constructor?.name ?? 'object';
  return typeof v;
}
