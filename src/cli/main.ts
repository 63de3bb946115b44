#!/usr/bin/env node
/**
 * `rtmpkit` — the command line: dispatches to the subcommands (dump, publish, call,
 * probe, serve, demo), prints the overall help, `--version`, and turns an error that
 * escapes a command into one line `rtmpkit: <message>` on stderr plus the exit code of
 * exit-codes.ts (rtmpdump's: 0 done, 1 failed, 2 incomplete, 3 no connection). The
 * commands report their own errors (once, redacted, as JSON with `--json`); what reaches
 * this level is an error before a command set up its output, such as a bad flag.
 * No arguments at all print the usage on stderr and exit 1, as an unknown subcommand
 * does (a script that forgot its command must not look successful).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { describeError, ExitCode, exitCodeFor, UsageError } from './exit-codes.js';
import { escapeControl } from './terminal.js';
import { packageVersion } from './version.js';

/** A subcommand: runs with the arguments after its name and resolves with the exit code. */
type Command = (argv: readonly string[]) => Promise<ExitCode>;

// Each command's module (and the client, server or codecs behind it) is loaded only when
// that command runs: `rtmpkit --version` or `--help` loads four modules instead of ~90.
const COMMANDS: Record<string, { load: () => Promise<Command>; summary: string }> = {
  dump: {
    load: async () => (await import('./dump.js')).dumpCommand,
    summary: 'Download a stream to FLV (rtmpdump-compatible flags and exit codes)',
  },
  publish: {
    load: async () => (await import('./publish.js')).publishCommand,
    summary: 'Publish an FLV or MP4 file (or FLV on stdin) to a server, in real time',
  },
  call: {
    load: async () => (await import('./call.js')).callCommand,
    summary: 'Connect, call a remote method and print its result as JSON',
  },
  probe: {
    load: async () => (await import('./probe.js')).probeCommand,
    summary: 'Play briefly and print server info, metadata, codecs, bitrate',
  },
  serve: {
    load: async () => (await import('./serve.js')).serveCommand,
    summary: 'Run the embedded RTMP server (live relay, FLV VOD, demo RPC)',
  },
  demo: {
    load: async () => (await import('./demo.js')).demoCommand,
    summary: 'Play built-in test media from an embedded server into demo.flv',
  },
};

/** The overall help text. */
export function mainHelp(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length)) + 3;
  return `rtmpkit ${packageVersion()} — RTMP client toolkit in pure TypeScript

Usage: rtmpkit <command> [options]

Commands:
${names.map((n) => `  ${n.padEnd(width)}${COMMANDS[n]!.summary}`).join('\n')}

Run 'rtmpkit <command> --help' for the options of a command.
Start with 'rtmpkit demo' (no server or tools needed), then for example:
  rtmpkit dump -r rtmp://your.server/app/stream -o out.flv
  rtmpkit probe rtmp://your.server/app/stream

Options:
  -h, --help      Print this help
  --version       Print the version

Exit codes: 0 done, 1 failed, 2 incomplete (resume may get further), 3 could not connect.
Set NODE_DEBUG=rtmp* (or -V / -z) for protocol detail on stderr.
`;
}

/** Runs the command line `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(mainHelp());
    return ExitCode.FAILED;
  }
  if (first === '-h' || first === '--help' || first === 'help') {
    if (first === 'help' && rest[0] !== undefined && COMMANDS[rest[0]] !== undefined) {
      return (await COMMANDS[rest[0]]!.load())(['--help']);
    }
    process.stdout.write(mainHelp());
    return ExitCode.SUCCESS;
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    process.stdout.write(`rtmpkit ${packageVersion()}\n`);
    return ExitCode.SUCCESS;
  }
  // A download's garbage is small and short-lived (its media buffers are recycled): a 1 MiB
  // young generation instead of V8's 16 MiB keeps that much RSS away at no GC cost. Set
  // before the command's modules load, while the young generation is still small.
  if (first === 'dump') setFlagsFromString('--max-semi-space-size=1 --semi-space-growth-factor=1');
  // A command that transfers one stream and exits runs its per-message code some thousand
  // times per GB: at V8's default tier-up budget (66 KiB of bytecode run) ~40 such functions
  // reach TurboFan within the first seconds, ~0.1 s of compiling that a short run never earns
  // back (a 303 MB dump: 0.44 → 0.37 s of CPU; 1 GB: no change). With 1 MB only the chunk
  // reader's loop, hot per chunk, is optimized early; the rest runs as baseline code until it
  // has run 15× longer. A server runs for hours: `serve` keeps V8's default.
  if (first !== 'serve') setFlagsFromString('--interrupt-budget=1000000');
  const command = COMMANDS[first];
  try {
    if (command === undefined) {
      throw new UsageError(
        first.startsWith('-')
          ? `unknown option '${first}' (options go after the command)`
          : `unknown command '${first}' (commands: ${Object.keys(COMMANDS).join(', ')})`,
      );
    }
    return await (await command.load())(rest);
  } catch (err) {
    process.stderr.write(`rtmpkit: ${escapeControl(describeError(err))}\n`);
    if (err instanceof UsageError) {
      process.stderr.write(
        `Try 'rtmpkit ${command === undefined ? '' : `${first} `}--help' for more information.\n`,
      );
    }
    return exitCodeFor(err, 'setup');
  }
}

const isEntry = (() => {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // Exit even if something (a socket being torn down, a timer) lingers.
      setTimeout(() => process.exit(code), 1500).unref();
    },
    (err: unknown) => {
      process.stderr.write(`rtmpkit: ${escapeControl(describeError(err))}\n`);
      process.exitCode = ExitCode.FAILED;
    },
  );
}
