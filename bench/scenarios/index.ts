/**
 * Every scenario of the table, in table order: in-process first (no peers), then the
 * client against rtmpdump/ffmpeg/nginx-rtmp/stunnel (and RTMPE against plain RTMP), then the embedded server against
 * nginx-rtmp. `--only` picks by id.
 */
import type { Scenario } from '../lib/scenario.js';
import { coldStart } from './cold-start.js';
import { dumpBig, dumpLong } from './dump.js';
import { dumpMsgs, dumpRemote, dumpShipped } from './dump-msgs.js';
import { libraryScenario } from './library.js';
import { fanoutScenario, idleScenario } from './load.js';
import { micro } from './micro.js';
import { publish } from './publish.js';
import { rtmpe, rtmpeLong } from './rtmpe.js';
import { rtmps, rtmpsLong } from './rtmps.js';
import { serverRelay, serverVod } from './server.js';

/** All scenarios. */
export const SCENARIOS: readonly Scenario[] = [
  micro,
  coldStart,
  dumpBig,
  dumpLong,
  dumpMsgs,
  dumpShipped,
  dumpRemote,
  libraryScenario,
  publish,
  rtmps,
  rtmpsLong,
  rtmpe,
  rtmpeLong,
  serverVod,
  serverRelay,
  fanoutScenario,
  idleScenario,
];
