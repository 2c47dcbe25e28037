#!/usr/bin/env node
// Rewrites the inputs and outputs tables (docs/inputs.md) from action.yml, and the guardrail
// rules table (docs/guardrails.md) from RULES in src/lint/rules.ts (`npm run docs`). Each table
// goes wherever its marker line is, in README.md or docs/*.md. test/unit/contract.test.ts fails
// when they differ, so the docs cannot drift from the action. RULES is TypeScript: it is loaded
// with Vite's module runner, as test/bench/run.mjs loads the sources (no new dependency).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The inputs/outputs maps of action.yml (two-space indented keys, one-line scalars). */
function fields(section) {
  const lines = readFileSync(join(root, 'action.yml'), 'utf8').split('\n');
  const out = [];
  for (const line of lines.slice(lines.indexOf(`${section}:`) + 1)) {
    if (/^\S/.test(line)) break;
    const name = /^ {2}([a-z0-9-]+):\s*$/.exec(line);
    if (name) out.push({ name: name[1], description: '' });
    const prop = /^ {4}(description|default|required):\s*(.*)$/.exec(line);
    if (prop && out.length > 0) out[out.length - 1][prop[1]] = prop[2].replace(/^'(.*)'$|^"(.*)"$/, '$1$2');
  }
  return out;
}

function table(marker, head, rows) {
  return [marker, head, head.replace(/[^|]+/g, ' --- ').replace(/^ | $/g, ''), ...rows].join('\n');
}

const inputs = table(
  '<!-- inputs-table: generated from action.yml; a test keeps them identical -->',
  '| input | default | description |',
  fields('inputs').map(
    (f) => `| \`${f.name}\` | ${f.required === 'true' ? 'required' : `\`${f.default === '' ? "''" : f.default}\``} | ${f.description} |`,
  ),
);
const outputs = table(
  '<!-- outputs-table: generated from action.yml; a test keeps them identical -->',
  '| output | description |',
  fields('outputs').map((f) => `| \`${f.name}\` | ${f.description} |`),
);

/** A rule's text as a table cell that renders as written (the texts hold HCL: *, <dir>, [..]). */
const cell = (text) => text.replace(/[\\`*_<>[\]|~]/g, '\\$&');

const { module: lint } = await runnerImport(join(root, 'src/lint/rules.ts'), { root, configFile: false, logLevel: 'silent' });
const rules = table(
  '<!-- rules-table: generated from RULES in src/lint/rules.ts; a test keeps them identical -->',
  '| id | severity | what | why | fix |',
  lint.RULES.map((r) => `| \`${r.id}\` | ${r.severity} | ${cell(r.what)} | ${cell(r.why)} | ${cell(r.fix)} |`),
);

/** The Markdown files a generated table may live in. */
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f)),
];
const texts = new Map(pages.map((page) => [page, readFileSync(join(root, page), 'utf8')]));

for (const generated of [inputs, outputs, rules]) {
  const marker = generated.slice(0, generated.indexOf(':'));
  const holders = pages.filter((page) => texts.get(page).includes(marker));
  if (holders.length !== 1) throw new Error(`${marker} must be in exactly one of ${pages.join(', ')}; found in ${holders.length}`);
  const page = holders[0];
  let text = texts.get(page);
  const start = text.indexOf(marker);
  let end = text.indexOf('\n\n', start);
  if (end < 0) end = text.length;
  text = text.slice(0, start) + generated + text.slice(end);
  texts.set(page, text);
}
for (const [page, text] of texts) writeFileSync(join(root, page), text);
