/**
 * The head of a command message whose body does not decode: its name and transaction id
 * (RTMP-SPEC §7.1.1: a command is an AMF0 string, a number, then the command object and
 * arguments; an AMF3 command, type 17, has one format byte before it, §7.1.1/AMF3 §4.1).
 * A client uses it to tell which awaited answer a malformed `_result`/`_error` was, so
 * the wait fails at once instead of running into its deadline.
 *
 * Invariants: total (any bytes give a head, with the fields that could be read); reads
 * at most the first 3 + 65535 + 9 bytes; never throws.
 */
import type { RawMessage } from '../message/raw-message.js';
import { MessageType } from '../message/types.js';
import type { TransactionTable } from './transactions.js';

/** What could be read of a command's first two values. */
export interface CommandHead {
  /** The command name, when its AMF0 string is intact. */
  name?: string;
  /** The transaction id, when the name and the number after it are intact. */
  txn?: number;
}

const AMF0_NUMBER = 0x00;
const AMF0_STRING = 0x02;

/** Reads the name and transaction id of a command message (type 20 or 17); `{}` for anything else. */
export function commandHead(raw: RawMessage): CommandHead {
  const head: CommandHead = {};
  let p = raw.payload;
  if (raw.type === MessageType.CommandAMF3) p = p.subarray(1);
  else if (raw.type !== MessageType.CommandAMF0) return head;
  if (p.length < 3 || p[0] !== AMF0_STRING) return head;
  const len = p.readUInt16BE(1);
  if (p.length < 3 + len) return head;
  head.name = p.toString('utf8', 3, 3 + len);
  const q = 3 + len;
  if (p.length < q + 9 || p[q] !== AMF0_NUMBER) return head;
  head.txn = p.readDoubleBE(q + 1);
  return head;
}

/** True for a command message type (20, or 17 for AMF3). */
export function isCommandType(type: number): boolean {
  return type === MessageType.CommandAMF0 || type === MessageType.CommandAMF3;
}

/**
 * Which transaction an undecodable message answered, taken off `txns` (it failed): a
 * `_result`/`_error` whose head names a tracked transaction; while connect (`connectTxn`)
 * is pending, any command whose head does not name another transaction or a NetStream
 * (it may be the connect answer, and nothing else can settle connect). Undefined when the
 * message answered nothing we wait for.
 */
export function malformedAnswer(
  raw: RawMessage,
  txns: TransactionTable,
  connectTxn: number | undefined,
): { txn: number; method: string } | undefined {
  if (!isCommandType(raw.type)) return undefined;
  const { name, txn } = commandHead(raw);
  const isAnswer = name === '_result' || name === '_error';
  if (isAnswer && txn !== undefined && txn !== connectTxn) {
    const p = txns.take(txn);
    return p === undefined ? undefined : { txn, method: p.method };
  }
  if (connectTxn === undefined || (name !== undefined && !isAnswer && raw.streamId !== 0)) return undefined;
  txns.take(connectTxn);
  return { txn: connectTxn, method: 'connect' };
}
