import { Marked } from 'marked';

// The comment as GitHub shows it, as one self-contained HTML file: the action's Markdown
// converted by marked (GFM, as test/support/markdown.ts reads it), inside a frame and a
// stylesheet modelled on GitHub's comment view. No network: the styles are inline and the
// Content-Security-Policy forbids loading anything. The caption says what this is, so the
// picture made from it is never mistaken for a screenshot of github.com.

const marked = new Marked({ gfm: true, breaks: false, async: false });

export interface Page {
  /** The page's `<title>`. */
  title: string;
  /** Who wrote it and where, shown in the frame header. */
  author: string;
  where: string;
  markdown: string;
}

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderPage(page: Page): string {
  const body = marked.parse(page.markdown) as string;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main id="comment" class="timeline-comment">
<div class="comment-header"><span class="avatar" aria-hidden="true">⚙</span><strong>${escapeHtml(page.author)}</strong> <span class="bot">bot</span> <span class="muted">${escapeHtml(page.where)}</span></div>
<div class="markdown-body">
${body}
</div>
</main>
<p class="caption">Rendered from the action's own Markdown by <code>npm run demo</code> (marked, GitHub-flavoured Markdown) — stand-in Atlas provider and local servers, not a screenshot of github.com.</p>
</body>
</html>
`;
}

// After GitHub's Primer styles for comments and markdown-body (light theme), reduced to the
// elements the action's Markdown uses.
const STYLE = `
*{box-sizing:border-box}
body{margin:0;padding:24px;background:#fff;color:#1f2328;font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI","Noto Sans",Helvetica,Arial,sans-serif,"Apple Color Emoji","Segoe UI Emoji","Noto Color Emoji"}
.timeline-comment{max-width:880px;border:1px solid #d1d9e0;border-radius:6px;background:#fff}
.comment-header{display:flex;align-items:center;gap:6px;padding:8px 16px;background:#f6f8fa;border-bottom:1px solid #d1d9e0;border-radius:6px 6px 0 0;color:#59636e}
.comment-header strong{color:#1f2328}
.avatar{display:inline-flex;align-items:center;justify-content:center;width:20px;height:20px;border-radius:50%;background:#1f883d;color:#fff;font-size:12px}
.bot{border:1px solid #d1d9e0;border-radius:2em;padding:0 6px;font-size:12px;line-height:18px}
.muted{color:#59636e}
.markdown-body{padding:16px;word-wrap:break-word}
.markdown-body>:first-child{margin-top:0!important}
.markdown-body>:last-child{margin-bottom:0!important}
.markdown-body h1,.markdown-body h2,.markdown-body h3,.markdown-body h4{margin:24px 0 16px;font-weight:600;line-height:1.25}
.markdown-body h2{font-size:1.5em;padding-bottom:.3em;border-bottom:1px solid #d1d9e0b3}
.markdown-body h3{font-size:1.25em}
.markdown-body p,.markdown-body blockquote,.markdown-body ul,.markdown-body ol,.markdown-body table,.markdown-body pre,.markdown-body details{margin:0 0 16px}
.markdown-body a{color:#0969da;text-decoration:underline;text-underline-offset:.2rem}
.markdown-body blockquote{padding:0 1em;color:#59636e;border-left:.25em solid #d1d9e0}
.markdown-body ul,.markdown-body ol{padding-left:2em}
.markdown-body li+li{margin-top:.25em}
.markdown-body code{padding:.2em .4em;font-size:85%;background:#818b981f;border-radius:6px}
.markdown-body code,.markdown-body pre{font-family:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace}
.markdown-body pre{padding:16px;overflow:auto;font-size:85%;line-height:1.45;background:#f6f8fa;border-radius:6px}
.markdown-body pre code{padding:0;font-size:100%;background:transparent;white-space:pre}
.markdown-body table{display:block;width:max-content;max-width:100%;overflow:auto;border-spacing:0;border-collapse:collapse}
.markdown-body th{font-weight:600}
.markdown-body th:not([align]){text-align:left}
.markdown-body th,.markdown-body td{padding:6px 13px;border:1px solid #d1d9e0}
.markdown-body tr:nth-child(2n){background:#f6f8fa}
.markdown-body hr{height:.25em;margin:24px 0;padding:0;background:#d1d9e0;border:0}
.markdown-body summary{cursor:pointer}
.markdown-body sub{color:#59636e}
.caption{max-width:880px;margin:8px 0 0;color:#59636e;font-size:12px}
.caption code{font-size:11px}
`;
