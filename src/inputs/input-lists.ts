import { DEFAULT_GATED_CLASSES, STATEMENT_CLASSES, type StatementClass } from '../core/index.js';
import type { Problems } from './fields.js';

// Inputs that are lists, one item per line (blank lines ignored). Each bad item is reported
// on its own.

function nonEmptyLines(raw: string): string[] {
  return raw
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** The roles-paths of the seed layout, for a roles root in `rolesDir`. */
export function defaultRolesPaths(rolesDir: string): string[] {
  return ['hcl/roles/**', 'atlas.hcl', rolesDir === '.' ? '**' : `${rolesDir}/**`];
}

/**
 * One glob per line, relative to the repository root; blank lines are ignored. A leading
 * "!" excludes (see event/changes.ts). None: the caller uses defaultRolesPaths.
 */
export function readRolesPaths(raw: string, p: Problems): string[] {
  const lines = nonEmptyLines(raw);
  const globs: string[] = [];
  for (const line of lines) {
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).replace(/^(\.\/)+/, '');
    if (pattern === '' || pattern.startsWith('/') || pattern.split('/').includes('..')) {
      p.bad('globs relative to the repository root, one per line (no leading / and no ..)', line);
      continue;
    }
    globs.push(negated ? `!${pattern}` : pattern);
  }
  return globs;
}

/** Guardrail rule ids to switch off, one per line; checked against the known rules in main. */
export function readLintSkip(raw: string, p: Problems): string[] {
  const ids = nonEmptyLines(raw);
  for (const id of ids)
    if (!/^[a-z][a-z0-9-]{0,63}$/.test(id)) p.bad('guardrail rule ids, one per line, such as public-default-revoked', id);
  return ids;
}

/** Class names a user may list: every class but safe, which only `all` gates. */
const NAMED_CLASSES = STATEMENT_CLASSES.filter((c) => c !== 'safe');

/**
 * The statement classes that need the label on merge: class names separated by commas or
 * newlines, `all` (any SQL, safe included) or `none` (alone). Empty: the default.
 */
export function readGatedClasses(raw: string, p: Problems): StatementClass[] {
  const items = raw
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) return [...DEFAULT_GATED_CLASSES];
  const expected = `statement classes separated by commas (${NAMED_CLASSES.join(', ')}), or all (any SQL), or none (no class needs the label)`;
  if (items.length === 1 && items[0] === 'all') return [...STATEMENT_CLASSES];
  if (items.length === 1 && items[0] === 'none') return [];
  const classes: StatementClass[] = [];
  for (const item of items) {
    const cls = NAMED_CLASSES.find((c) => c === item);
    if (cls === undefined) {
      p.bad(item === 'all' || item === 'none' ? `${item} on its own, not in a list; or ${expected}` : expected, item);
      continue;
    }
    if (!classes.includes(cls)) classes.push(cls);
  }
  return classes;
}

/** A GitHub login: a user's, or an App's bot user with REST's `[bot]` suffix. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;

/**
 * Logins whose approving review counts whatever their repository permission, separated by
 * commas or newlines, with or without a leading @. Teams are refused: the workflow's token
 * cannot read team membership, so a team entry could never be checked.
 */
export function readApprovers(raw: string, p: Problems): string[] {
  const items = raw
    .split(/[,\n]/)
    .map((item) => item.trim().replace(/^@/, ''))
    .filter((item) => item !== '');
  const logins: string[] = [];
  for (const item of items) {
    if (item.includes('/')) {
      p.bad(
        'GitHub logins separated by commas; teams (org/team) are not supported because the workflow token cannot read team membership: list the members',
        item,
      );
    } else if (!LOGIN.test(item)) {
      p.bad('GitHub logins separated by commas, such as alice, bob', item);
    } else if (!logins.some((l) => l.toLowerCase() === item.toLowerCase())) logins.push(item);
  }
  return logins;
}
