#!/usr/bin/env node
// Rewrites the inputs and outputs tables of README.md from action.yml, and the guardrail rules
// table from RULES in src/lint/rules.ts (`npm run docs`). test/unit/contract.test.ts fails when
// they differ, so the README cannot drift from the action. RULES is TypeScript: it is loaded
// with Vite's module runner, as test/bench/run.mjs loads the sources (no new dependency).
import { readFileSync, writeFileSync } from 'node:fs';
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

const readme = join(root, 'README.md');
let text = readFileSync(readme, 'utf8');
for (const generated of [inputs, outputs, rules]) {
  const marker = generated.slice(0, generated.indexOf(':'));
  const start = text.indexOf(marker);
  if (start < 0) throw new Error(`README.md has no ${marker} line`);
  let end = text.indexOf('\n\n', start);
  if (end < 0) end = text.length;
  text = text.slice(0, start) + generated + text.slice(end);
}
writeFileSync(readme, text);
