#!/usr/bin/env node
// Generates docs/events.md — every event rtmpkit emits — from the TypeScript sources, so
// the reference cannot drift from the code: the typed EventEmitter maps of `RTMP` and
// `RTMPServer` (one property per event, its listener arguments as a labelled tuple) and
// the discriminated unions the sans-IO sessions return from `takeEvents()` (one
// interface per `kind`). Names, argument lists, field types and the JSDoc text are read
// with the TypeScript compiler API; nothing is written by hand here but the headings.
//
//   node scripts/reference.mjs           print the reference
//   node scripts/reference.mjs --write   write docs/events.md and docs/errors.md
//   node scripts/reference.mjs --check   exit 1 when one of them is not up to date
//
// It also generates docs/errors.md — every error code, grouped by the class that carries
// it, with its meaning — from the registry in src/error-codes.ts. More references plug in
// through REFERENCES: a file name and a function returning its Markdown.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Parses one source file (syntax only: the reference needs declarations and comments). */
function source(path) {
  const file = join(root, path);
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
}

/** The JSDoc text of a node, on one line (tags such as @throws kept as text). */
function doc(node) {
  const text = ts
    .getJSDocCommentsAndTags(node)
    .filter(ts.isJSDoc)
    .map((d) => ts.getTextOfJSDocComment(d.comment) ?? '')
    .join(' ');
  return text.replace(/\s+/g, ' ').trim();
}

/** The declaration named `name` (interface or type alias) in `file`, or undefined. */
function declared(file, name) {
  for (const s of file.statements) {
    if ((ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s)) && s.name.text === name) return s;
  }
  return undefined;
}

/** The declaration named `name` in `file`. */
function find(file, name) {
  const d = declared(file, name);
  if (d === undefined) throw new Error(`${name} not found in ${file.fileName}`);
  return d;
}

/**
 * The declaration named `name` (type arguments ignored) in `file` or in the module it
 * imports that name from (`import type { X } from './y.js'`), with the file it is in.
 */
function resolveDecl(file, name) {
  const bare = name.replace(/<.*$/s, '').trim();
  const here = declared(file, bare);
  if (here !== undefined) return { decl: here, file };
  for (const s of file.statements) {
    if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier)) continue;
    const named = s.importClause?.namedBindings;
    if (named === undefined || !ts.isNamedImports(named)) continue;
    if (!named.elements.some((e) => e.name.text === bare)) continue;
    const rel = join(dirname(file.fileName), s.moduleSpecifier.text.replace(/\.js$/, '.ts'));
    const other = source(rel.slice(root.length + 1));
    return { decl: find(other, bare), file: other };
  }
  throw new Error(`${bare} not found in ${file.fileName} or its imports`);
}

const code = (t) => `\`${t.replace(/\s+/g, ' ').replace(/\|/g, '\\|')}\``;
const cell = (t) => t.replace(/\|/g, '\\|');

/** An EventEmitter map (`interface X { name: [arg: T, …] }`) as a table. */
function eventMap(path, name) {
  const file = source(path);
  const decl = find(file, name);
  const rows = ['| event | listener arguments | when |', '| --- | --- | --- |'];
  for (const m of decl.members) {
    if (!ts.isPropertySignature(m) || m.type === undefined) continue;
    const args = ts.isTupleTypeNode(m.type)
      ? m.type.elements.map((e) => e.getText(file)).join(', ')
      : m.type.getText(file);
    rows.push(`| \`${m.name.getText(file)}\` | ${args === '' ? '—' : code(args)} | ${cell(doc(m))} |`);
  }
  return rows.join('\n');
}

/** The property signatures of an interface, those of the interfaces it extends first. */
function ownAndInherited(iface, file) {
  const out = [];
  for (const h of iface.heritageClauses ?? []) {
    for (const t of h.types) {
      const { decl, file: at } = resolveDecl(file, t.expression.getText(file));
      if (ts.isInterfaceDeclaration(decl)) out.push(...ownAndInherited(decl, at));
    }
  }
  const own = iface.members.filter(ts.isPropertySignature);
  const names = new Set(own.map((m) => m.name.getText(file)));
  return [...out.filter((m) => !names.has(m.name.getText(m.getSourceFile()))), ...own];
}

/** A discriminated union of event interfaces (`kind: '…'`) as one section per event. */
function eventUnion(path, name) {
  const file = source(path);
  const decl = find(file, name);
  const members = decl.type.types.map((t) => t.getText(file));
  const out = [];
  for (const member of members) {
    const { decl: iface, file: at } = resolveDecl(file, member);
    if (ts.isTypeAliasDeclaration(iface)) {
      // `{ kind: 'x' } & Data`: the kind from the literal, the fields from the named part.
      const text = iface.type.getText(at);
      const kindName = /kind:\s*'([^']+)'/.exec(text)?.[1] ?? member;
      out.push(`#### \`${kindName}\` (${member})`, '', doc(iface), '', `Type: ${code(text)}`, '');
      continue;
    }
    const fields = ownAndInherited(iface, at);
    const kind = fields.find((f) => f.name.getText(f.getSourceFile()) === 'kind');
    out.push(
      `#### \`${kind?.type?.getText(at).replace(/'/g, '') ?? member}\` (${member})`,
      '',
      doc(iface),
      '',
    );
    const rest = fields.filter((f) => f !== kind);
    if (rest.length > 0) {
      out.push('| field | type | meaning |', '| --- | --- | --- |');
      for (const f of rest) {
        const opt = f.questionToken ? '?' : '';
        const sf = f.getSourceFile();
        out.push(
          `| \`${f.name.getText(sf)}${opt}\` | ${code(f.type?.getText(sf) ?? 'unknown')} | ${cell(doc(f))} |`,
        );
      }
      out.push('');
    }
  }
  return out.join('\n').trimEnd();
}

function eventsReference() {
  return `# rtmpkit events

Generated from the source by \`node scripts/reference.mjs --write\` (\`npm run docs\`); a
test fails when this file and the code disagree. Do not edit by hand.

## \`RTMP\` (client connection, a typed Node \`EventEmitter\`)

\`conn.on(event, listener)\`; declared as \`RTMPEvents\` in src/client/rtmp-faces.ts.

${eventMap('src/client/rtmp-faces.ts', 'RTMPEvents')}

## \`RTMPServer\` (embedded server, a typed Node \`EventEmitter\`)

\`server.on(event, listener)\`; declared as \`RTMPServerEvents\` in src/server/types.ts.

${eventMap('src/server/types.ts', 'RTMPServerEvents')}

## \`ClientSession.takeEvents()\` (sans-IO client core)

One object per event, told apart by \`kind\`; declared as \`SessionEvent\` in
src/session/client-events.ts.

${eventUnion('src/session/client-events.ts', 'SessionEvent')}

## \`ServerSession.takeEvents()\` (sans-IO server core)

Declared as \`ServerEvent\` in src/session/server-events.ts.

${eventUnion('src/session/server-events.ts', 'ServerEvent')}
`;
}

/** The `extends` clause of each error class in src/errors.ts: class name → parent name. */
function errorParents() {
  const file = source('src/errors.ts');
  const parents = new Map();
  for (const s of file.statements) {
    if (!ts.isClassDeclaration(s) || s.name === undefined) continue;
    const ext = s.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword);
    parents.set(s.name.text, ext?.types[0]?.expression.getText(file) ?? 'Error');
  }
  return parents;
}

/**
 * docs/errors.md: every code of the registry (src/error-codes.ts), one section per class
 * in the order of `ERROR_CODES`, each code with its one-line meaning (its JSDoc).
 */
function errorsReference() {
  const file = source('src/error-codes.ts');
  const groups = new Map();
  let order = [];
  for (const s of file.statements) {
    if (!ts.isVariableStatement(s)) continue;
    for (const d of s.declarationList.declarations) {
      let init = d.initializer;
      if (init !== undefined && ts.isAsExpression(init)) init = init.expression;
      if (init === undefined || !ts.isObjectLiteralExpression(init)) continue;
      const name = d.name.getText(file);
      if (name === 'ERROR_CODES') {
        order = init.properties.map((p) => [p.name.getText(file), p.initializer.getText(file)]);
        continue;
      }
      const codes = init.properties.map((p) => ({
        code: p.initializer.text,
        meaning: doc(p),
      }));
      groups.set(name, { doc: doc(s), codes });
    }
  }
  const parents = errorParents();
  const lineage = (cls) => {
    const chain = [cls];
    while (parents.has(chain.at(-1))) chain.push(parents.get(chain.at(-1)));
    return chain
      .slice(1)
      .map((c) => `\`${c}\``)
      .join(' → ');
  };
  const total = [...groups.values()].reduce((n, g) => n + g.codes.length, 0);
  const out = [
    '# rtmpkit error codes',
    '',
    'Generated from the source by `node scripts/reference.mjs --write` (`npm run docs`); a',
    'test fails when this file and the code disagree. Do not edit by hand.',
    '',
    `Every error rtmpkit throws or rejects with is an \`RTMPError\` with a stable \`code\`. The ${total}`,
    'codes below are grouped by the class that carries them: a code is only ever found on',
    "an error of that class (`err instanceof RTMPUsageError` and `err.code === 'ERR_RTMP_OPTION'`",
    'agree). Every class and every group is exported from the package root, so code can',
    'compare against constants: `err.code === UsageCode.RTMP_OPTION`.',
    '',
    '| class | extends | codes |',
    '| --- | --- | --- |',
    ...order.map(
      ([cls, group]) =>
        `| [\`${cls}\`](#${cls.toLowerCase()}) | ${lineage(cls)} | ${groups.get(group).codes.length} (\`${group}\`) |`,
    ),
    '',
  ];
  for (const [cls, group] of order) {
    const g = groups.get(group);
    out.push(`## ${cls}`, '', `${g.doc} Constants: \`${group}\`.`, '', '| code | meaning |', '| --- | --- |');
    for (const c of g.codes) out.push(`| \`${c.code}\` | ${cell(c.meaning)} |`);
    out.push('');
  }
  return out.join('\n');
}

/** Every generated reference: its file under docs/ and its generator. */
const REFERENCES = [
  { file: 'docs/events.md', generate: eventsReference },
  { file: 'docs/errors.md', generate: errorsReference },
];

const mode = process.argv[2];
let stale = 0;
for (const { file, generate } of REFERENCES) {
  const text = generate();
  const path = join(root, file);
  if (mode === '--write') {
    writeFileSync(path, text);
  } else if (mode === '--check') {
    let old = '';
    try {
      old = readFileSync(path, 'utf8');
    } catch {}
    if (old !== text) {
      console.error(`${file} is out of date: run 'npm run docs' (node scripts/reference.mjs --write)`);
      stale++;
    }
  } else {
    process.stdout.write(text);
  }
}
process.exit(stale > 0 ? 1 : 0);
