import { describe, expect, it } from 'vitest';
import { displayWidth, renderTerminal } from '../../demo/terminal.js';

// The demo's Markdown → terminal rendering: what a reader sees, with no Markdown syntax left.

const plain = (md: string, width = 80): string => renderTerminal(md, { width, color: false });

describe('demo terminal rendering', () => {
  it('headings are underlined text, emphasis and code are their text, links their label', () => {
    const out = plain(
      '## 🗄️ Atlas Plan\n\n### ✅ Plan: **4** statements\n\nSee the [job summary](https://example.test/run) and `terraform/roles`.',
    );
    expect(out.split('\n')).toEqual([
      '🗄️ Atlas Plan',
      '━'.repeat(13),
      '',
      '✅ Plan: 4 statements',
      '─'.repeat(21),
      '',
      'See the job summary and terraform/roles.',
    ]);
  });

  it('aligns table columns by their display width (emoji take two columns) and honours right alignment', () => {
    const out = plain('| Root | Result | SQL |\n| --- | --- | ---: |\n| roles | 📝 planned | 4 |\n| schema | ⏭️ not run | — |');
    expect(out.split('\n')).toEqual([
      'Root     Result       SQL',
      '──────   ──────────   ───',
      'roles    📝 planned     4',
      'schema   ⏭️ not run     —',
    ]);
  });

  it('indents code, keeps it literal, and drops HTML comments (the hidden record)', () => {
    const out = plain('<!-- rds-atlas-action:v1 -->\n<!-- rds-atlas-action:data abc -->\n\n```sql\nSELECT **1**;\n```');
    expect(out).toBe('    SELECT **1**;');
  });

  it('shows a collapsed <details> as its summary only, an open one with its body indented', () => {
    const md = [
      '<details><summary>Warnings (1), including the expected “dev_url is unset”</summary>',
      '',
      '- **dev_url is unset** — expected',
      '',
      '</details>',
      '',
      '<details open><summary>Reviewed &amp; applied</summary>',
      '',
      'body text',
      '',
      '</details>',
    ].join('\n');
    expect(plain(md).split('\n')).toEqual([
      '▸ Warnings (1), including the expected “dev_url is unset”',
      '',
      '▾ Reviewed & applied',
      '',
      '  body text',
    ]);
  });

  it('decodes escapes and entities, removes zero-width spaces, wraps prose and quotes', () => {
    const out = plain('> ℹ️ a\\_b &lt;tag&gt; @\u200bsomeone #\u200b12 word word word word word', 24);
    expect(out.split('\n')).toEqual(['│ ℹ️ a_b <tag> @someone', '│ #12 word word word', '│ word word']);
  });

  it('never breaks a word where Markdown split it into tokens (an escape, a bold part)', () => {
    const out = plain('drops column "created\\_at" of **table** "public"."validation\\_probe" and the data', 30);
    expect(out.split('\n')).toEqual(['drops column "created_at" of', 'table', '"public"."validation_probe"', 'and the data']);
  });

  it('styles with ANSI only when asked', () => {
    expect(renderTerminal('**bold**', { width: 80, color: true })).toBe('\x1b[1mbold\x1b[22m');
    expect(displayWidth('\x1b[1m⚠️ x\x1b[22m')).toBe(4);
  });
});
