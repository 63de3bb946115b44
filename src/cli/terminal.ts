/**
 * What the `rtmpkit` commands print must be safe to show in a terminal and to paste into
 * a bug report:
 * - text that came from a server (metadata strings, status descriptions, method results)
 *   may hold control characters: ESC sequences that set the window title, move the
 *   cursor, or write to the clipboard (OSC 52), and C1 controls that some terminals act
 *   on. `escapeControl` shows them as `\xHH` / `\uHHHH` escapes instead (ECMA-48 §5: C0
 *   is 0x00–0x1F and DEL, C1 is 0x80–0x9F), together with the Unicode line/paragraph
 *   separators and the bidirectional overrides (Unicode TR #9) that can make printed
 *   text read differently from what it is (CVE-2021-42574);
 * - stream keys and tokens are secrets: `Secrets` collects the ones a command was given
 *   (a publishing URL's stream name, a query string, `token=`/`auth=`/`pubPasswd=`/
 *   `conn=` values) and `redact` masks every occurrence in a line, whatever produced it
 *   (our messages, the server's error descriptions, the library log), unless the user
 *   asked for `--show-keys`.
 *
 * Invariant: printable text (any language, emoji) passes unchanged; only the characters
 * above are rewritten, so a line never gains or loses a newline or a `\r`.
 */

// C0 controls (newline and tab included: a server's text stays on its line), DEL, C1,
// LS/PS, the bidi embeddings, overrides and isolates, and the zero-width no-break space.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** `text` with every control / bidi character shown as a visible escape (`\x1b`, `\u202e`). */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * `JSON.stringify(value)` with DEL, C1 controls, LS/PS and bidi characters also escaped
 * as `\uHHHH` (JSON escapes only C0 itself): the same JSON value, safe in a terminal.
 * With `digits`, numbers that are not integers are rounded to that many decimals.
 */
export function safeJson(value: unknown, indent?: number, digits?: number): string {
  const k = digits === undefined ? 0 : 10 ** digits;
  const round = (_key: string, v: unknown): unknown =>
    typeof v === 'number' && !Number.isInteger(v) && Number.isFinite(v) ? Math.round(v * k) / k : v;
  const text = JSON.stringify(value, digits === undefined ? undefined : round, indent) ?? 'null';
  // JSON.stringify escapes C0 inside strings; C0 left in its output is indentation.
  return text.replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** How a secret is shown: its first two characters and `***` (`***` alone when it is short). */
export function maskSecret(secret: string): string {
  return secret.length <= 4 ? '***' : `${secret.slice(0, 2)}***`;
}

/** librtmp option keys whose values are credentials. */
const SECRET_OPTIONS = ['token', 'auth', 'pubPasswd', 'pubUser', 'jtv', 'conn'];

/**
 * The secrets of one command, masked wherever they appear in its output.
 * Secrets shorter than 6 characters are not masked: they would match ordinary words
 * (a stream named `loop` would mask "looping"); real stream keys and tokens are longer.
 */
export class Secrets {
  readonly #secrets = new Set<string>();
  /** Passwords: masked whole (`***`), not a character of them shown. */
  readonly #passwords = new Set<string>();
  /** Whether masking is on (off with `--show-keys`). */
  readonly enabled: boolean;

  constructor(enabled = true) {
    this.enabled = enabled;
  }

  /** Adds a secret (ignored when undefined or shorter than 6 characters). */
  add(secret: string | undefined): this {
    if (secret !== undefined && secret.length >= 6) this.#secrets.add(secret);
    return this;
  }

  /** Adds a password: shown as `***` wherever it appears (ignored when shorter than 3 characters). */
  addPassword(password: string | undefined): this {
    if (password !== undefined && password.length >= 3) this.#passwords.add(password);
    return this;
  }

  /**
   * Adds the secrets of an RTMP URL, with or without librtmp ` key=value` options:
   * user:password, the query string, credential options, and — for a publishing URL,
   * where it is the stream key — the whole stream name (everything after the app).
   */
  addUrl(url: string, publish: boolean, app?: string): this {
    const [base = '', ...options] = url.split(/\s+/);
    const m = /^[a-z]+:\/\/(?:([^@/]*)@)?[^/]*\/?(.*)$/i.exec(base);
    if (m !== null) {
      const [, userinfo, path = ''] = m;
      if (userinfo?.includes(':')) {
        const password = userinfo.slice(userinfo.indexOf(':') + 1);
        this.addPassword(password);
        // As written in the URL (percent-encoded) and as the library decodes it.
        try {
          this.addPassword(decodeURIComponent(password));
        } catch {}
      }
      const query = path.indexOf('?');
      if (query >= 0) {
        for (const part of path.slice(query + 1).split('&')) this.add(part.slice(part.indexOf('=') + 1));
      }
      if (publish) {
        const appText = app ?? path.split('/')[0] ?? '';
        const name = path.startsWith(`${appText}/`) ? path.slice(appText.length + 1) : path.split('/').pop();
        this.add(name);
      }
    }
    for (const o of options) {
      const eq = o.indexOf('=');
      const key = o.slice(0, eq);
      if (eq > 0 && key === 'pubPasswd') this.addPassword(o.slice(eq + 1));
      else if (eq > 0 && SECRET_OPTIONS.includes(key)) this.add(optionSecret(key, o.slice(eq + 1)));
      if (publish && key === 'playpath') this.add(o.slice(eq + 1));
    }
    return this;
  }

  /** `text` with every secret masked (longest first, so a secret inside another is not half-masked). */
  redact(text: string): string {
    if (!this.enabled || this.#secrets.size + this.#passwords.size === 0) return text;
    const passwords = [...this.#passwords].sort((a, b) => b.length - a.length);
    for (const p of passwords) text = text.split(p).join('***');
    const sorted = [...this.#secrets].sort((a, b) => b.length - a.length);
    for (const s of sorted) text = text.split(s).join(maskSecret(s));
    return text;
  }
}

/** The secret part of a credential option: for `conn=S:token` / `conn=NS:name:token` the value. */
function optionSecret(key: string, value: string): string {
  const m = key === 'conn' ? /^(N?)[SBNOZ]:(.*)$/.exec(value) : null;
  if (m === null) return value;
  const data = m[2]!;
  return m[1] === 'N' ? data.slice(data.indexOf(':') + 1) : data;
}
