/**
 * The `code` of the RTMPError a call throws, or `'none'` when it returns; anything thrown
 * that is not an RTMPError fails the test (typed errors only).
 */
import { RTMPError } from '../../src/errors.js';

export function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof RTMPError) return err.code;
    throw err;
  }
  return 'none';
}
