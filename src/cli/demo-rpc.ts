/**
 * The remote methods `rtmpkit serve` answers, so that the README's and the examples'
 * calls work against it (`rtmpkit call rtmp://127.0.0.1/app MyMath.MyAdd '[1, 2]'`):
 * - `MyMath.MyAdd(a, b)` → a + b (numbers), the classic Flash Media Server sample;
 * - `echo(...args)` → its arguments as a strict array;
 * - `callClient(method, ...args)` → calls `method` on the calling client (server → client
 *   RPC) and returns the client's answer.
 * Anything else is answered with `_error` NetConnection.Call.Failed naming these methods
 * (RTMP-SPEC §7.2.1.2: a call the server cannot serve gets `_error`).
 */
import type { AmfValue } from '../amf/types.js';
import type { ServerClient } from '../server/types.js';

/** The method names, for help texts and error messages. */
export const DEMO_METHODS = ['MyMath.MyAdd', 'echo', 'callClient'] as const;

/**
 * The `onCall` hook of `rtmpkit serve`.
 *
 * @throws Error (sent as `_error`) for unknown methods and bad arguments
 */
export async function demoCall(
  name: string,
  args: readonly AmfValue[],
  client: ServerClient,
): Promise<AmfValue> {
  switch (name) {
    case 'MyMath.MyAdd': {
      const [a, b] = args;
      if (typeof a !== 'number' || typeof b !== 'number') {
        throw new Error('MyMath.MyAdd needs two numbers');
      }
      return a + b;
    }
    case 'echo':
      return [...args];
    case 'callClient': {
      const [method, ...rest] = args;
      if (typeof method !== 'string' || method === '')
        throw new Error('callClient needs a method name first');
      return client.call(method, ...rest);
    }
    default:
      throw new Error(`no method '${name}' here (rtmpkit serve answers ${DEMO_METHODS.join(', ')})`);
  }
}
