import { Marked } from 'marked';

// The comment as a reader sees it: GitHub-flavoured Markdown rendered to HTML by a maintained
// Markdown library (GFM, autolinks on), then what GitHub does to the rendered text: it links
// @mentions, #references and bare URLs. Tests assert on this, not on the raw Markdown.

const marked = new Marked({ gfm: true, breaks: false, async: false });

export function renderHtml(markdown: string): string {
  return marked.parse(markdown) as string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: '\u00a0' };

function decode(html: string): string {
  return html.replace(/&(#x?[0-9a-f]+|[a-z]+|#39);/gi, (m, e: string) => {
    if (e.startsWith('#x') || e.startsWith('#X')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

/** The visible text of the rendered comment: tags removed, entities decoded, zero-width characters dropped, whitespace collapsed. */
export function renderedText(markdown: string): string {
  // Zero-width space, non-joiner, joiner and word joiner as an alternation: a joiner inside a
  // character class would read as joining its neighbours.
  return decode(
    renderHtml(markdown)
      .replace(/<!--[\s\S]*?-->/g, '')
      // Block elements separate words; inline ones (code, strong, a…) do not.
      .replace(/<\/?(?:p|div|h[1-6]|li|ul|ol|pre|table|thead|tbody|tr|td|th|blockquote|details|summary|br|hr)\b[^>]*>/g, ' ')
      .replace(/<[^>]+>/g, ''),
  )
    .replace(/\u200b|\u200c|\u200d|\u2060/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Rendered HTML with code (`<code>`, `<pre>`) removed: where GitHub links and pings text. */
export function liveHtml(markdown: string): string {
  return renderHtml(markdown)
    .replace(/<pre>[\s\S]*?<\/pre>/g, '')
    .replace(/<code>[\s\S]*?<\/code>/g, '');
}

/** Text outside code that GitHub would turn into a ping (@user, @org/team). */
export function mentions(markdown: string): string[] {
  const text = decode(liveHtml(markdown).replace(/<[^>]+>/g, ' '));
  return [...text.matchAll(/(?:^|[^\w@/`])@([A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9][A-Za-z0-9_.-]*)?)/g)].map((m) => `@${m[1]}`);
}

/** Text outside code that GitHub would turn into an issue/PR cross-reference (#12, owner/repo#12). */
export function references(markdown: string): string[] {
  const text = decode(liveHtml(markdown).replace(/<[^>]+>/g, ' '));
  return [...text.matchAll(/(?:^|[\s(])((?:[\w.-]+\/[\w.-]+)?#\d+)\b/g)].map((m) => m[1] ?? '');
}

/** Links (<a href>) and images (<img>) in the rendered comment, outside code. */
export function links(markdown: string): { href: string; text: string }[] {
  return [...liveHtml(markdown).matchAll(/<a href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/g)].map((m) => ({
    href: decode(m[1] ?? ''),
    text: decode((m[2] ?? '').replace(/<[^>]+>/g, '')),
  }));
}

export function images(markdown: string): string[] {
  return [...renderHtml(markdown).matchAll(/<img\b[^>]*>/g)].map((m) => m[0]);
}

/** Headings as rendered: level and text. */
export function headings(markdown: string): { level: number; text: string }[] {
  return [...renderHtml(markdown).matchAll(/<h([1-6])[^>]*>([\s\S]*?)<\/h\1>/g)].map((m) => ({
    level: Number(m[1]),
    text: decode((m[2] ?? '').replace(/<[^>]+>/g, '')).trim(),
  }));
}

/** Emphasis as rendered (<strong>, <em>, <del>), outside code. */
export function emphasis(markdown: string): string[] {
  return [...liveHtml(markdown).matchAll(/<(strong|em|del)>([\s\S]*?)<\/\1>/g)].map((m) => decode((m[2] ?? '').replace(/<[^>]+>/g, '')));
}
