import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import GithubSlugger from 'github-slugger';
import { Lexer, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/action.js';

// The docs a reader follows from the README: the README stays short enough to read (at most
// 4,000 words, counted like `wc -w`), and every relative link and #anchor in it, in the other
// top-level pages and in docs/ leads somewhere, with anchors made the way GitHub makes them from
// headings (github-slugger). CONTRIBUTING.md's scripts table names every npm script.

const README_MAX_WORDS = 4000;

/** The pages checked, relative to the repository root. */
function pages(): string[] {
  const docs = readdirSync(path.join(repoRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  return ['README.md', 'CONTRIBUTING.md', 'SECURITY.md', 'CHANGELOG.md', ...docs];
}

/** Words as `wc -w` counts them: runs of characters between ASCII whitespace. */
function countWords(text: string): number {
  return text.split(/[ \t\n\v\f\r]+/).filter((w) => w !== '').length;
}

/** Every token of a Markdown document, nested ones included (list items, table cells, inline). */
function allTokens(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  const visit = (t: unknown): void => {
    if (Array.isArray(t)) return t.forEach(visit);
    if (typeof t !== 'object' || t === null) return;
    const token = t as Record<string, unknown>;
    if (typeof token['type'] === 'string') out.push(token as Token);
    for (const key of ['tokens', 'items', 'header', 'rows']) visit(token[key]);
  };
  visit(tokens);
  return out;
}

/** A heading's text as GitHub renders it (code spans keep their content, markup goes). */
function plainText(tokens: readonly Token[]): string {
  return tokens
    .map((t) => {
      if (t.type === 'html') return '';
      if ('tokens' in t && Array.isArray(t.tokens) && t.tokens.length > 0) return plainText(t.tokens);
      return 'text' in t && typeof t.text === 'string' ? t.text : '';
    })
    .join('');
}

interface Page {
  anchors: Set<string>;
  links: string[];
}

/** The anchors a Markdown page offers (heading slugs, `<a id>`/`<a name>`) and the links it holds. */
function parsePage(markdown: string): Page {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  const links: string[] = [];
  for (const token of allTokens(Lexer.lex(markdown))) {
    if (token.type === 'heading') anchors.add(slugger.slug(plainText(token.tokens ?? [])));
    if (token.type === 'link' || token.type === 'image') links.push((token as Tokens.Link | Tokens.Image).href);
    if (token.type === 'html') {
      for (const m of token.raw.matchAll(/<a\s[^>]*(?:id|name)="([^"]+)"/g)) anchors.add(m[1] as string);
    }
  }
  return { anchors, links };
}

/**
 * The links of `page` (relative to the repository root) that lead nowhere: a relative path that
 * does not exist, or an #anchor that the target Markdown page does not have.
 */
function brokenLinks(page: string, read: (file: string) => string | undefined): string[] {
  const text = read(page);
  if (text === undefined) return [`${page}: missing`];
  const broken: string[] = [];
  for (const href of parsePage(text).links) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue; // https:, mailto: …
    const hash = href.indexOf('#');
    const target = hash < 0 ? href : href.slice(0, hash);
    const anchor = hash < 0 ? undefined : decodeURIComponent(href.slice(hash + 1));
    const file = target === '' ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), decodeURIComponent(target)));
    const targetText = read(file);
    if (targetText === undefined) {
      broken.push(`${page}: ${href} (no file ${file})`);
      continue;
    }
    if (anchor !== undefined && file.endsWith('.md') && !parsePage(targetText).anchors.has(anchor)) {
      broken.push(`${page}: ${href} (no heading or anchor "${anchor}" in ${file})`);
    }
  }
  return broken;
}

/** Reads a repository file; a directory reads as '' (a link to it resolves), a missing path as undefined. */
function readRepoFile(file: string): string | undefined {
  const full = path.join(repoRoot, file);
  if (!full.startsWith(repoRoot + path.sep) && full !== repoRoot) return undefined;
  if (!existsSync(full)) return undefined;
  return statSync(full).isDirectory() ? '' : readFileSync(full, 'utf8');
}

describe('the docs', () => {
  it(`README.md has at most ${README_MAX_WORDS} words (wc -w)`, () => {
    const words = countWords(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'));
    expect(words).toBeLessThanOrEqual(README_MAX_WORDS);
  });

  it('every relative link and #anchor in README, CONTRIBUTING, SECURITY, CHANGELOG and docs/ resolves', () => {
    expect(pages().flatMap((page) => brokenLinks(page, readRepoFile))).toEqual([]);
  });

  it("CONTRIBUTING.md's scripts table names every script in package.json", () => {
    const scripts = Object.keys(
      (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
    );
    const contributing = readFileSync(path.join(repoRoot, 'CONTRIBUTING.md'), 'utf8');
    const rows = contributing.split('\n').filter((line) => line.startsWith('| `npm '));
    const missing = scripts.filter((name) => !rows.some((row) => row.includes(name === 'test' ? '`npm test`' : `\`npm run ${name}\``)));
    expect(missing).toEqual([]);
  });
});

describe('the link check', () => {
  const files: Record<string, string> = {
    'README.md': [
      '# Title',
      '## Values given twice: inputs and `TF_VAR_*`',
      '## Same',
      '## Same',
      '<a id="custom"></a>',
      '[ok](#values-given-twice-inputs-and-tf_var_) [dup](#same-1) [custom](#custom) [dir](docs/)',
      '[gone](#how-plan-and-apply-are-gated) [file](docs/nope.md) [other](docs/a.md#step-2)',
      '| a | b |',
      '| --- | --- |',
      '| [cell](docs/a.md#missing) | `[code](not-a-link.md)` |',
      '[web](https://example.com/#x)',
    ].join('\n'),
    'docs/a.md': '# A\n\n## Step 2\n\n[up](../README.md#title) [up-bad](../README.md#nope)\n',
    docs: '',
  };
  const read = (file: string): string | undefined => files[file.replace(/\/$/, '')];

  it('reports missing files and anchors, with GitHub slugs for code spans and repeated headings', () => {
    expect(brokenLinks('README.md', read)).toEqual([
      'README.md: #how-plan-and-apply-are-gated (no heading or anchor "how-plan-and-apply-are-gated" in README.md)',
      'README.md: docs/nope.md (no file docs/nope.md)',
      'README.md: docs/a.md#missing (no heading or anchor "missing" in docs/a.md)',
    ]);
    expect(brokenLinks('docs/a.md', read)).toEqual(['docs/a.md: ../README.md#nope (no heading or anchor "nope" in README.md)']);
  });

  it('counts words as wc -w does', () => {
    expect(countWords('  one\ttwo\nthree  `four` five-six\r\n')).toBe(5);
    expect(countWords('')).toBe(0);
  });
});
