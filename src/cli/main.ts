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
import { callCommand } from './call.js';
import { demoCommand } from './demo.js';
import { dumpCommand } from './dump.js';
import { describeError, ExitCode, exitCodeFor, UsageError } from './exit-codes.js';
import { probeCommand } from './probe.js';
import { publishCommand } from './publish.js';
import { serveCommand } from './serve.js';
import { escapeControl } from './terminal.js';
import { packageVersion } from './version.js';

/** A subcommand: runs with the arguments after its name and resolves with the exit code. */
type Command = (argv: readonly string[]) => Promise<ExitCode>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  dump: { run: dumpCommand, summary: 'Download a stream to FLV (rtmpdump-compatible flags and exit codes)' },
  publish: { run: publishCommand, summary: 'Publish an FLV file (or stdin) to a server, in real time' },
  call: { run: callCommand, summary: 'Connect, call a remote method and print its result as JSON' },
  probe: { run: probeCommand, summary: 'Play briefly and print server info, metadata, codecs, bitrate' },
  serve: { run: serveCommand, summary: 'Run the embedded RTMP server (live relay, FLV VOD, demo RPC)' },
  demo: { run: demoCommand, summary: 'Play built-in test media from an embedded server into demo.flv' },
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
      return COMMANDS[rest[0]]!.run(['--help']);
    }
    process.stdout.write(mainHelp());
    return ExitCode.SUCCESS;
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    process.stdout.write(`rtmpkit ${packageVersion()}\n`);
    return ExitCode.SUCCESS;
  }
  const command = COMMANDS[first];
  try {
    if (command === undefined) {
      throw new UsageError(
        first.startsWith('-')
          ? `unknown option '${first}' (options go after the command)`
          : `unknown command '${first}' (commands: ${Object.keys(COMMANDS).join(', ')})`,
      );
    }
    return await command.run(rest);
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
