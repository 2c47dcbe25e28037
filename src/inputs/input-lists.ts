// Inputs that are lists, one item per line (blank lines ignored).

/** Records one bad input value; getInputs collects them into one error. */
export type Bad = (name: string, value: string, expected: string) => void;

function nonEmptyLines(raw: string): string[] {
  return raw
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/**
 * One glob per line, relative to the repository root; blank lines are ignored. A leading
 * "!" excludes (see changes.ts). Defaults follow the seed layout.
 */
export function readRolesPaths(name: string, raw: string, rolesDir: string, bad: Bad): string[] {
  const lines = nonEmptyLines(raw);
  if (lines.length === 0) {
    return ['hcl/roles/**', 'atlas.hcl', rolesDir === '.' ? '**' : `${rolesDir}/**`];
  }
  const globs: string[] = [];
  for (const line of lines) {
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).replace(/^(\.\/)+/, '');
    if (pattern === '' || pattern.startsWith('/') || pattern.split('/').includes('..')) {
      bad(name, line, 'globs relative to the repository root, one per line (no leading / and no ..)');
      continue;
    }
    globs.push(negated ? `!${pattern}` : pattern);
  }
  return globs;
}

/** Guardrail rule ids to switch off, one per line; checked against the known rules in main. */
export function readLintSkip(name: string, raw: string, bad: Bad): string[] {
  const ids = nonEmptyLines(raw);
  for (const id of ids)
    if (!/^[a-z][a-z0-9-]{0,63}$/.test(id)) bad(name, id, 'guardrail rule ids, one per line, such as public-default-revoked');
  return ids;
}
