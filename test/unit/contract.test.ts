import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INPUT, INPUT_TABLE } from '../../src/inputs/index.js';
import { RULES } from '../../src/lint/index.js';
import { OUTPUT } from '../../src/publish/outputs.js';
import { repoRoot } from '../support/action.js';
import { renderedText } from '../support/markdown.js';

// The input and output names are a contract with users' workflows: action.yml, the docs'
// tables (docs/inputs.md) and the code's constants must say the same thing. So are the
// guardrail rule ids (lint-skip names them): the rules table (docs/guardrails.md) says what
// RULES says. `npm run docs` writes each table wherever its marker is, in README.md or docs/.

interface Field {
  name: string;
  description: string;
  default?: string;
  required?: boolean;
}

/** Reads the inputs/outputs maps of action.yml (two-space indented, one-line scalars). */
function actionFields(section: 'inputs' | 'outputs'): Field[] {
  const lines = readFileSync(path.join(repoRoot, 'action.yml'), 'utf8').split('\n');
  const start = lines.indexOf(`${section}:`);
  expect(start).toBeGreaterThanOrEqual(0);
  const fields: Field[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const name = /^ {2}([a-z0-9-]+):\s*$/.exec(line);
    if (name) {
      fields.push({ name: name[1] as string, description: '' });
      continue;
    }
    const prop = /^ {4}(description|default|required):\s*(.*)$/.exec(line);
    const field = fields[fields.length - 1];
    if (prop && field) {
      const value = unquote(prop[2] as string);
      if (prop[1] === 'description') field.description = value;
      if (prop[1] === 'default') field.default = value;
      if (prop[1] === 'required') field.required = value === 'true';
    }
  }
  return fields;
}

function unquote(v: string): string {
  if ((v.startsWith("'") && v.endsWith("'")) || (v.startsWith('"') && v.endsWith('"'))) return v.slice(1, -1);
  return v;
}

/** The generated table after `marker`, from the one page of README.md and docs/*.md that has it. */
function docsTable(marker: string): string[][] {
  const pages = [
    'README.md',
    ...readdirSync(path.join(repoRoot, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => path.join('docs', f)),
  ];
  const holders = pages.map((page) => readFileSync(path.join(repoRoot, page), 'utf8')).filter((text) => text.includes(marker));
  expect(holders, `exactly one page has ${marker}`).toHaveLength(1);
  const text = holders[0] as string;
  const at = text.indexOf(marker);
  const rows = text.slice(at).split('\n').slice(1);
  const table: string[][] = [];
  for (const row of rows) {
    if (!row.startsWith('|')) {
      if (table.length > 0) break;
      continue;
    }
    table.push(row.split(' | ').map((c) => c.replace(/^\|\s*|\s*\|$/g, '').trim()));
  }
  return table.slice(2);
}

describe('action.yml contract', () => {
  it('declares node24 and the bundled entry point', () => {
    const yml = readFileSync(path.join(repoRoot, 'action.yml'), 'utf8');
    expect(yml).toMatch(/using: node24/);
    expect(yml).toMatch(/main: dist\/index\.js/);
    // The post step removes what a killed main step left in RUNNER_TEMP.
    expect(yml).toMatch(/post: dist\/post\/index\.js/);
    expect(yml).toMatch(/post-if: always\(\)/);
  });

  it('keeps the input table equal to action.yml: names, defaults, required', () => {
    const fields = actionFields('inputs');
    const rows = Object.values(INPUT_TABLE);
    expect(rows.map((r) => r.name).sort()).toEqual(fields.map((f) => f.name).sort());
    for (const f of fields) {
      const row = rows.find((r) => r.name === f.name);
      const required = row !== undefined && 'required' in row && row.required;
      expect(required, `${f.name} required`).toBe(f.required === true);
      // github-token's default is an expression only the runner evaluates.
      const expected = f.name === INPUT.githubToken ? '${{ github.token }}' : row && 'default' in row ? row.default : undefined;
      expect(f.default, `${f.name} default`).toBe(expected);
    }
  });

  it('lists exactly the inputs the code reads, each with a description', () => {
    const fields = actionFields('inputs');
    expect(fields.map((f) => f.name).sort()).toEqual(Object.values(INPUT).sort());
    for (const f of fields) {
      expect(f.description, f.name).not.toBe('');
      expect(f.required || f.default !== undefined, `${f.name} has a default or is required`).toBe(true);
    }
    // The names of DESIGN §2 are a contract.
    for (const name of [
      'aws-region',
      'role-to-assume',
      'audience',
      'role-session-name',
      'role-duration-seconds',
      'aws-profile',
      'roles-working-directory',
      'schema-working-directory',
      'roles-paths',
      'mode',
      'github-token',
      'comment',
      'lock-timeout',
    ]) {
      expect(fields.map((f) => f.name)).toContain(name);
    }
  });

  it('lists exactly the outputs the code sets', () => {
    const names = actionFields('outputs').map((f) => f.name);
    expect(names.sort()).toEqual(Object.values(OUTPUT).sort());
    for (const name of ['comment-url', 'converged', 'mode', 'roles-changed', 'roles-sql', 'schema-sql']) expect(names).toContain(name);
  });

  it("the docs' input table matches action.yml names, defaults and descriptions", () => {
    const rows = docsTable('<!-- inputs-table');
    const fields = actionFields('inputs');
    expect(rows.map((r) => r[0])).toEqual(fields.map((f) => `\`${f.name}\``));
    for (const [i, f] of fields.entries()) {
      const row = rows[i] as string[];
      expect(row[1], f.name).toBe(f.required ? 'required' : `\`${f.default === '' ? "''" : f.default}\``);
      expect(row[2], f.name).toBe(f.description);
    }
  });

  it("the docs' output table matches action.yml", () => {
    const rows = docsTable('<!-- outputs-table');
    const fields = actionFields('outputs');
    expect(rows.map((r) => [r[0], r[1]])).toEqual(fields.map((f) => [`\`${f.name}\``, f.description]));
  });

  it("the docs' rules table says what RULES says: id, severity, what, why and fix, in order, each rendered as written", () => {
    const rows = docsTable('<!-- rules-table');
    expect(rows.map((r) => r[0])).toEqual(RULES.map((r) => `\`${r.id}\``));
    for (const [i, rule] of RULES.entries()) {
      const row = rows[i] as string[];
      expect(row).toHaveLength(5);
      expect(row[1], rule.id).toBe(rule.severity);
      // The texts hold HCL (*, <dir>, [..]): what GitHub shows must be the text itself.
      expect(row.slice(2).map(renderedText), rule.id).toEqual([rule.what, rule.why, rule.fix]);
    }
  });
});
