import { Lexer, type Token, type Tokens } from 'marked';

// The comment as a reader sees it, in a terminal: marked's lexer (the same GFM parser the
// HTML page uses) turns the Markdown into tokens, and each token is drawn as text: headings
// bold and underlined, tables aligned, code indented, links as their text, `<details>` as
// GitHub first shows them (the summary alone, the body only when `open`), HTML comments (the
// hidden marker and record) dropped. No Markdown syntax reaches the screen. ANSI styles only
// when `color` is set.

export interface TerminalOptions {
  /** Column to wrap prose at. */
  width: number;
  color: boolean;
}

type Style = 'bold' | 'italic' | 'code' | 'link' | 'dim';
interface Run {
  text: string;
  styles: Style[];
}

const ANSI: Record<Style, [string, string]> = {
  bold: ['\x1b[1m', '\x1b[22m'],
  italic: ['\x1b[3m', '\x1b[23m'],
  code: ['\x1b[36m', '\x1b[39m'],
  link: ['\x1b[4m', '\x1b[24m'],
  dim: ['\x1b[2m', '\x1b[22m'],
};

export function renderTerminal(markdown: string, opts: TerminalOptions): string {
  const r = new Renderer(opts);
  r.blocks(new Lexer({ gfm: true }).lex(markdown), '');
  return trimBlank(r.lines)
    .join('\n')
    .replace(/\n{3,}/g, '\n\n');
}

class Renderer {
  lines: string[] = [];
  /** The `<details>` elements around the current token: open (body shown) or collapsed. */
  private details: boolean[] = [];
  constructor(private readonly opts: TerminalOptions) {}

  private paint(text: string, styles: readonly Style[]): string {
    if (!this.opts.color || text === '') return text;
    return styles.reduce((s, st) => `${ANSI[st][0]}${s}${ANSI[st][1]}`, text);
  }

  private emit(indent: string, text: string, depth = this.details.length): void {
    this.lines.push(`${'  '.repeat(depth)}${indent}${text}`.replace(/\s+$/, ''));
  }

  private gap(): void {
    if (this.lines.length > 0 && this.lines[this.lines.length - 1] !== '') this.lines.push('');
  }

  blocks(tokens: Token[], indent: string): void {
    for (const t of tokens) this.block(t, indent);
  }

  private block(t: Token, indent: string): void {
    if (t.type !== 'html' && this.details.includes(false)) return;
    switch (t.type) {
      case 'space':
      case 'def':
        return;
      case 'heading': {
        const tok = t as Tokens.Heading;
        const runs = inline(tok.tokens ?? []);
        const plain = runs.map((x) => x.text).join('');
        this.gap();
        this.emit(indent, runs.map((x) => this.paint(x.text, ['bold', ...x.styles])).join(''));
        this.emit(indent, this.paint((tok.depth <= 2 ? '━' : '─').repeat(displayWidth(plain)), ['dim']));
        this.gap();
        return;
      }
      case 'paragraph':
      case 'text': {
        const tok = t as Tokens.Paragraph | Tokens.Text;
        const runs = 'tokens' in tok && tok.tokens ? inline(tok.tokens) : [{ text: decode(tok.text), styles: [] }];
        for (const line of this.wrap(runs, this.opts.width - indent.length - 2 * this.details.length)) this.emit(indent, line);
        if (t.type === 'paragraph') this.gap();
        return;
      }
      case 'code': {
        const tok = t as Tokens.Code;
        for (const line of tok.text.split('\n')) {
          const style: Style[] = /^\s*--/.test(line) ? ['bold'] : [];
          this.emit(indent, `    ${this.paint(line, style)}`);
        }
        this.gap();
        return;
      }
      case 'blockquote': {
        const tok = t as Tokens.Blockquote;
        const inner = new Renderer({ ...this.opts, width: this.opts.width - indent.length - 2 });
        inner.blocks(tok.tokens, '');
        for (const line of trimBlank(inner.lines)) this.emit(indent, `${this.paint('│', ['dim'])} ${line}`);
        this.gap();
        return;
      }
      case 'list': {
        const tok = t as Tokens.List;
        tok.items.forEach((item, i) => {
          const bullet = tok.ordered ? `${Number(tok.start || 1) + i}. ` : '• ';
          const inner = new Renderer({ ...this.opts, width: this.opts.width - indent.length - bullet.length });
          inner.blocks(item.tokens, '');
          trimBlank(inner.lines).forEach((line, j) => this.emit(indent, `${j === 0 ? bullet : ' '.repeat(bullet.length)}${line}`));
        });
        this.gap();
        return;
      }
      case 'table':
        this.table(t as Tokens.Table, indent);
        return;
      case 'hr':
        this.gap();
        this.emit(indent, this.paint('─'.repeat(Math.min(this.opts.width, 60)), ['dim']));
        this.gap();
        return;
      case 'html':
        this.html((t as Tokens.HTML).raw, indent);
        return;
      default:
        // Any other block: its text, never its raw syntax.
        if ('text' in t && typeof t.text === 'string') this.emit(indent, decode(t.text));
    }
  }

  /** `<details>` starts a section headed by its summary; comments and other tags vanish. */
  private html(raw: string, indent: string): void {
    const html = raw.replace(/<!--[\s\S]*?-->/g, '');
    for (const m of html.matchAll(/<(\/?)details\b([^>]*)>|<summary>([\s\S]*?)<\/summary>/g)) {
      if (m[3] !== undefined) {
        const outer = this.details.slice(0, -1);
        if (outer.includes(false)) continue;
        const open = this.details[this.details.length - 1] ?? true;
        this.gap();
        this.emit(indent, `${open ? '▾' : '▸'} ${this.paint(decode(stripTags(m[3])).trim(), ['bold'])}`, outer.length);
        this.gap();
      } else if (m[1] === '/') {
        this.details.pop();
      } else {
        this.details.push(/\bopen\b/.test(m[2] ?? ''));
      }
    }
    // Bare text in an HTML block (rare): shown without its tags.
    const rest = decode(stripTags(html.replace(/<summary>[\s\S]*?<\/summary>/g, ''))).trim();
    if (rest && !this.details.includes(false)) this.emit(indent, rest);
  }

  private table(t: Tokens.Table, indent: string): void {
    const text = (cell: Tokens.TableCell): string =>
      inline(cell.tokens)
        .map((r) => r.text)
        .join('');
    const head = t.header.map(text);
    const rows = t.rows.map((row) => row.map(text));
    const widths = head.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
    const pad = (s: string, i: number): string => {
      const fill = ' '.repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(s)));
      return t.align[i] === 'right' ? fill + s : s + fill;
    };
    this.gap();
    this.emit(indent, head.map((h, i) => this.paint(pad(h, i), ['bold'])).join('   '));
    this.emit(indent, this.paint(widths.map((w) => '─'.repeat(w)).join('   '), ['dim']));
    for (const row of rows) this.emit(indent, row.map((c, i) => pad(c, i)).join('   '));
    this.gap();
  }

  /**
   * Word-wraps styled runs; a hard break (`<br>`) starts a new line. A word may span runs (an
   * escaped `_` or a bold part splits the text into tokens), so words are cut at whitespace only.
   */
  private wrap(runs: Run[], width: number): string[] {
    type Item = Run[] | 'space' | 'break';
    const items: Item[] = [];
    let word: Run[] = [];
    const endWord = (): void => {
      if (word.length > 0) items.push(word);
      word = [];
    };
    for (const run of runs) {
      for (const part of run.text.split(/(\n|\s+)/)) {
        if (part === '') continue;
        if (part === '\n' || /^\s+$/.test(part)) {
          endWord();
          items.push(part === '\n' ? 'break' : 'space');
        } else {
          word.push({ text: part, styles: run.styles });
        }
      }
    }
    endWord();

    const lines: string[] = [];
    let line = '';
    let used = 0;
    let space = false;
    for (const item of items) {
      if (item === 'break') {
        lines.push(line);
        [line, used, space] = ['', 0, false];
      } else if (item === 'space') {
        space = used > 0;
      } else {
        const w = item.reduce((n, r) => n + displayWidth(r.text), 0);
        if (used > 0 && used + (space ? 1 : 0) + w > width) {
          lines.push(line);
          [line, used, space] = ['', 0, false];
        }
        if (space) {
          line += ' ';
          used += 1;
        }
        line += item.map((r) => this.paint(r.text, r.styles)).join('');
        used += w;
        space = false;
      }
    }
    if (line !== '') lines.push(line);
    return lines;
  }
}

function inline(tokens: Token[], styles: Style[] = []): Run[] {
  const out: Run[] = [];
  for (const t of tokens) {
    switch (t.type) {
      case 'strong':
      case 'em':
      case 'del':
      case 'link': {
        const tok = t as Tokens.Strong | Tokens.Em | Tokens.Del | Tokens.Link;
        const style: Style = t.type === 'strong' ? 'bold' : t.type === 'link' ? 'link' : 'italic';
        out.push(...inline(tok.tokens, [...styles, style]));
        break;
      }
      case 'codespan':
        out.push({ text: decode((t as Tokens.Codespan).text), styles: [...styles, 'code'] });
        break;
      case 'image':
        out.push({ text: `[image: ${(t as Tokens.Image).text}]`, styles });
        break;
      case 'br':
        out.push({ text: '\n', styles });
        break;
      case 'html': {
        const raw = (t as Tokens.Tag).raw;
        if (/^<br\s*\/?>$/i.test(raw)) out.push({ text: '\n', styles });
        break;
      }
      case 'escape':
        out.push({ text: (t as Tokens.Escape).text, styles });
        break;
      default: {
        if ('tokens' in t && Array.isArray(t.tokens) && t.tokens.length > 0) out.push(...inline(t.tokens, styles));
        else if ('text' in t && typeof t.text === 'string') out.push({ text: decode(t.text).replace(/\n/g, ' '), styles });
      }
    }
  }
  return out.map((r) => ({ ...r, text: r.text.replace(/\u200b|\u200c|\u200d|\u2060/g, '') }));
}

function trimBlank(lines: string[]): string[] {
  const out = [...lines];
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  while (out.length > 0 && out[0] === '') out.shift();
  return out;
}

const stripTags = (html: string): string => html.replace(/<[^>]*>/g, '');

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (/^#x/i.test(e)) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

const SEGMENTER = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Columns a string takes in a terminal: ANSI codes none, emoji and wide CJK two, joiners none. */
export function displayWidth(s: string): number {
  let w = 0;
  // eslint-disable-next-line no-control-regex
  for (const { segment } of SEGMENTER.segment(s.replace(/\x1b\[[0-9;]*m/g, ''))) {
    if (/^(?:\u200b|\u200c|\u200d|\u2060|\ufe0f)+$/.test(segment)) continue;
    if (/\p{Emoji_Presentation}|\p{Extended_Pictographic}\ufe0f/u.test(segment)) w += 2;
    else if (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(segment)) w += 2;
    else w += 1;
  }
  return w;
}
