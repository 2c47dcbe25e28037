// What the stand-in Atlas provider (a test double, see README.md) reads from an env block of
// atlas.hcl (the resource's `config`): whether it sets `dev`, and its `schema { mode { ... } }`.
// A small structural scanner, not an HCL parser: it skips strings (with ${...} templates),
// heredocs and comments, and reads top-level attributes and blocks of a body, which is all
// the real provider looks at (it checks the env block's attributes with hclwrite).

/**
 * @typedef {{ attributes: Map<string, string>, blocks: { type: string, labels: string[], body: string }[] }} Body
 */

/**
 * Top-level attributes (name → expression text) and blocks of an HCL body.
 * @param {string} text
 * @returns {Body}
 */
export function parseBody(text) {
  /** @type {Body} */
  const out = { attributes: new Map(), blocks: [] };
  let i = 0;
  while (i < text.length) {
    i = skipSpace(text, i, true);
    const ident = /^[A-Za-z_][\w-]*/.exec(text.slice(i));
    if (!ident) {
      i = skipLine(text, i);
      continue;
    }
    let j = skipSpace(text, i + ident[0].length, false);
    if (text[j] === '=' && text[j + 1] !== '=') {
      const end = expressionEnd(text, j + 1);
      out.attributes.set(ident[0], text.slice(j + 1, end).trim());
      i = end;
      continue;
    }
    /** @type {string[]} */
    const labels = [];
    while (text[j] === '"') {
      const end = stringEnd(text, j);
      labels.push(text.slice(j + 1, end - 1));
      j = skipSpace(text, end, false);
    }
    if (text[j] !== '{') {
      i = skipLine(text, i);
      continue;
    }
    const close = matching(text, j);
    out.blocks.push({ type: ident[0], labels, body: text.slice(j + 1, close) });
    i = close + 1;
  }
  return out;
}

/**
 * The body of `env "name"` in an atlas.hcl, or of an unlabelled `env` block when none is
 * named so (the provider's searchBlock does the same); null when there is neither.
 * @param {string | null} config
 * @param {string} name
 */
export function envBody(config, name) {
  const envs = parseBody(config ?? '').blocks.filter((b) => b.type === 'env');
  const named = envs.find((b) => b.labels.length === 1 && b.labels[0] === name);
  return (named ?? envs.find((b) => b.labels.length === 0))?.body ?? null;
}

/** Whether the env block sets `dev` (the provider's "dev_url is unset" check). */
export function envHasDev(/** @type {string | null} */ config, /** @type {string} */ name) {
  const body = envBody(config, name);
  return body !== null && parseBody(body).attributes.has('dev');
}

/**
 * The env's `schema { mode { ... } }` flags that are literally `true`.
 * @param {string | null} config
 * @param {string} name
 * @returns {Set<string>}
 */
export function envModes(config, name) {
  const body = envBody(config, name);
  const schema = body === null ? undefined : parseBody(body).blocks.find((b) => b.type === 'schema');
  const mode = schema && parseBody(schema.body).blocks.find((b) => b.type === 'mode');
  const modes = new Set();
  for (const [flag, value] of mode ? parseBody(mode.body).attributes : []) if (value === 'true') modes.add(flag);
  return modes;
}

/** Index of the first character at or after i that is not blank or a comment (newlines too, if asked). */
function skipSpace(/** @type {string} */ t, /** @type {number} */ i, /** @type {boolean} */ newlines) {
  for (;;) {
    const c = t[i];
    if (c === ' ' || c === '\t' || c === '\r' || (newlines && c === '\n')) {
      i++;
    } else if (c === '#' || (c === '/' && t[i + 1] === '/')) {
      const nl = t.indexOf('\n', i);
      if (nl < 0) return t.length;
      i = newlines ? nl + 1 : nl;
    } else if (c === '/' && t[i + 1] === '*') {
      const end = t.indexOf('*/', i + 2);
      if (end < 0) return t.length;
      i = end + 2;
    } else {
      return i;
    }
  }
}

function skipLine(/** @type {string} */ t, /** @type {number} */ i) {
  const nl = t.indexOf('\n', i);
  return nl < 0 ? t.length : nl + 1;
}

/** Index just past the string starting at t[i] === '"' (templates may nest strings). */
function stringEnd(/** @type {string} */ t, /** @type {number} */ i) {
  for (let j = i + 1; j < t.length; j++) {
    if (t[j] === '\\') j++;
    else if (t[j] === '"') return j + 1;
    else if ((t[j] === '$' || t[j] === '%') && t[j + 1] === '{') j = matching(t, j + 1);
  }
  return t.length;
}

/** Index of the bracket closing the one at t[i] ('{', '[' or '('). */
function matching(/** @type {string} */ t, /** @type {number} */ i) {
  let depth = 0;
  for (let j = i; j < t.length; j++) {
    const c = t[j];
    if (c === '"') j = stringEnd(t, j) - 1;
    else if (c === '<' && t[j + 1] === '<') j = heredocEnd(t, j) - 1;
    else if (c === '#' || (c === '/' && t[j + 1] === '/') || (c === '/' && t[j + 1] === '*')) j = skipSpace(t, j, false) - 1;
    else if (c === '{' || c === '[' || c === '(') depth++;
    else if ((c === '}' || c === ']' || c === ')') && --depth === 0) return j;
  }
  return t.length;
}

/** Index just past a heredoc (<<EOT or <<-EOT) starting at t[i], or i + 2 when it is not one. */
function heredocEnd(/** @type {string} */ t, /** @type {number} */ i) {
  const m = /^<<-?([A-Za-z_]\w*)\r?\n/.exec(t.slice(i));
  if (!m) return i + 2;
  const end = new RegExp(`^[ \\t]*${m[1]}[ \\t]*$`, 'm');
  const rest = t.slice(i + m[0].length);
  const found = end.exec(rest);
  return found ? i + m[0].length + found.index + found[0].length : t.length;
}

/** Index of the newline that ends the expression starting at i (brackets may span lines). */
function expressionEnd(/** @type {string} */ t, /** @type {number} */ i) {
  for (let j = i; j < t.length; j++) {
    const c = t[j];
    if (c === '\n') return j;
    if (c === '"') j = stringEnd(t, j) - 1;
    else if (c === '<' && t[j + 1] === '<') j = heredocEnd(t, j) - 1;
    else if (c === '{' || c === '[' || c === '(') j = matching(t, j);
    else if (c === '#' || (c === '/' && t[j + 1] === '/')) return skipSpace(t, j, false);
  }
  return t.length;
}
