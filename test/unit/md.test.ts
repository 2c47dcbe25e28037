import { describe, expect, it } from 'vitest';
import { code, fence, hasBidi, htmlText, showBidi, text } from '../../src/core/markdown.js';
import { emphasis, headings, images, links, mentions, references, renderHtml, renderedText } from '../support/markdown.js';

// Untrusted text through the Markdown writer, rendered as GitHub would (GFM, autolinks), then
// checked for what GitHub adds after rendering (mentions, references).

const HOSTILE = [
  '@octocat @acme/security-team ping',
  '[click](https://evil.example/x) ![img](https://evil.example/i.png) <img src=x onerror=alert(1)>',
  '**bold** _em_ ~~del~~ `tick` <b>b</b> &#64;entity',
  'https://evil.example/bare www.evil.example mail@evil.example',
  'see #1234 and acme/other#5',
  '| a | b |',
];

describe('text(): untrusted prose', () => {
  it.each(HOSTILE)('renders %j as the same visible text and nothing live', (hostile) => {
    const md = `Prefix: ${text(hostile)}`;
    expect(links(md)).toEqual([]);
    expect(images(md)).toEqual([]);
    expect(emphasis(md)).toEqual([]);
    expect(mentions(md)).toEqual([]);
    expect(references(md)).toEqual([]);
    expect(renderHtml(md)).not.toMatch(/<(img|b|table|a)\b/);
    expect(renderedText(md)).toBe(`Prefix: ${hostile}`);
  });

  it('cannot start a heading, a list, a quote or a fake status line, even at the start of a line', () => {
    for (const hostile of ['# ✅ Applied and converged', '- item', '> quoted', '1. first', '+ plus', '=== setext']) {
      const md = `${text(hostile)}`;
      expect(headings(md)).toEqual([]);
      expect(renderHtml(md)).not.toMatch(/<(ul|ol|blockquote|h\d)\b/);
      expect(renderedText(md)).toBe(hostile);
    }
  });

  it('keeps a multi-line value on one line, so it cannot start a block of its own', () => {
    const md = `**Error:** ${text('first line\n### ✅ Plan: no changes\n@octocat')}`;
    expect(headings(md)).toEqual([]);
    expect(mentions(md)).toEqual([]);
    expect(renderedText(md)).toBe('Error: first line ### ✅ Plan: no changes @octocat');
  });
});

describe('code() and fence(): literal', () => {
  it('keeps <name> and backticks literal in a code span, and nothing in it is linked', () => {
    const md = `run ${code('aws rds modify-db-instance --db-instance-identifier <name> ``x`` @octocat https://e.x')}`;
    expect(renderedText(md)).toBe('run aws rds modify-db-instance --db-instance-identifier <name> ``x`` @octocat https://e.x');
    expect(mentions(md)).toEqual([]);
    expect(links(md)).toEqual([]);
  });

  it('uses a fence longer than any backtick run inside, so the block cannot be closed early', () => {
    const body = "COMMENT ON TABLE t IS '```\n</details>\n# heading\n````';";
    const md = `${fence(body, 'sql')}\n\nafter`;
    expect(renderHtml(md)).toContain('<pre><code class="language-sql">');
    expect(headings(md)).toEqual([]);
    expect(renderedText(md)).toBe(`${body.replace(/\s+/g, ' ')} after`);
  });
});

describe('bidirectional control characters', () => {
  it('are shown as visible markers wherever untrusted text goes', () => {
    const trojan = "SELECT 'user\u202e \u2066-- admin\u2069\u2066';";
    expect(hasBidi(trojan)).toBe(true);
    expect(showBidi(trojan)).toBe("SELECT 'user⟪U+202E⟫ ⟪U+2066⟫-- admin⟪U+2069⟫⟪U+2066⟫';");
    for (const md of [text(trojan), code(trojan), fence(trojan), htmlText(trojan)]) expect(hasBidi(md)).toBe(false);
  });
});
