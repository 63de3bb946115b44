// Remote calls both ways: the client calls methods on the server and answers the
// server's calls. Against `rtmpkit serve`, which answers the demo methods
// MyMath.MyAdd(a, b), echo(...args) and callClient(method, ...args) (the server calls
// `method` on this client and returns the answer).
//
//   rtmpkit serve                          # terminal 1
//   node examples/rpc.mjs [URL]            # terminal 2
import { RTMP } from 'rtmpkit';

const [url = 'rtmp://127.0.0.1:1935/app'] = process.argv.slice(2);
const conn = new RTMP(url, { timeout: 10 });

// Server → client: the function's name is the method name; the return value goes back
// as _result, a thrown error as _error.
conn.invokeHandler(function my_add(a, b) {
  return a + b;
});
await conn.connect();

// Client → server, as a function (python-librtmp's remote_method) and as an RTMPCall.
const add = conn.remoteMethod('MyMath.MyAdd', { block: true });
console.log('MyMath.MyAdd(1, 2) =', await add(1, 2));
console.log('echo =', await conn.call('echo', 'hello', { n: 1 }).result({ timeout: 10 }));

// Both ways in one: the server calls my_add on this client and returns what it answered.
console.log('server asked us:', await conn.call('callClient', 'my_add', 20, 22).result({ timeout: 10 }));
await conn.close();
