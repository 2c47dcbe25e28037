import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

// The documented IAM trust policies, read from the Markdown where they are written (README.md
// and docs/**/*.md), and evaluated as IAM evaluates a role's trust policy for
// AssumeRoleWithWebIdentity: an Allow statement for that action whose every condition holds,
// and no Deny that matches. Only the operators a GitHub OIDC trust policy uses are known:
// StringEquals and StringLike (`*` any run of characters, `?` one character; a list of values
// matches when any value does). Anything else fails loudly instead of being guessed.

export const OIDC_HOST = 'token.actions.githubusercontent.com';

/** A fenced ```json block holding a trust policy, and the prose just before it. */
export interface DocumentedPolicy {
  /** Repository-relative path and 1-based line of the block's fence. */
  file: string;
  line: number;
  /** The text between the previous fenced block (or heading) and this one. */
  before: string;
  policy: Policy;
}

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Principal?: { Federated?: string | string[] };
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface Policy {
  Statement: Statement | Statement[];
}

/** Every trust-policy block in `repoRoot`'s README.md and docs/**\/*.md, in file order. */
export function documentedPolicies(repoRoot: string): DocumentedPolicy[] {
  const files = ['README.md', ...markdownUnder(repoRoot, 'docs')];
  return files.flatMap((file) => policiesIn(file, readFileSync(path.join(repoRoot, file), 'utf8')));
}

function markdownUnder(repoRoot: string, dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(path.join(repoRoot, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .flatMap((e) => (e.isDirectory() ? markdownUnder(repoRoot, `${dir}/${e.name}`) : e.name.endsWith('.md') ? [`${dir}/${e.name}`] : []))
    .sort();
}

/** The trust-policy blocks of one Markdown text. */
export function policiesIn(file: string, markdown: string): DocumentedPolicy[] {
  const lines = markdown.split('\n');
  const out: DocumentedPolicy[] = [];
  let prose: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)(`{3,}|~{3,})\s*(\S*)/.exec(lines[i] ?? '');
    if (!fence) {
      if (/^#{1,6}\s/.test(lines[i] ?? '')) prose = [];
      prose.push(lines[i] ?? '');
      continue;
    }
    const close = lines.findIndex((l, j) => j > i && l.trim().startsWith(fence[2]!));
    const end = close === -1 ? lines.length : close;
    const body = lines.slice(i + 1, end).join('\n');
    if (fence[3] === 'json' && body.includes('sts:AssumeRoleWithWebIdentity')) {
      out.push({ file, line: i + 1, before: prose.join('\n'), policy: JSON.parse(body) as Policy });
    }
    prose = [];
    i = end;
  }
  return out;
}

/** Whether the policy lets a token with these claims assume the role. */
export function allows(policy: Policy, claims: Record<string, string>): boolean {
  const statements = [policy.Statement].flat().filter((s) => actionMatches(s.Action));
  const holds = (s: Statement): boolean => Object.entries(s.Condition ?? {}).every(([op, keys]) => conditionHolds(op, keys, claims));
  if (statements.some((s) => s.Effect === 'Deny' && holds(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && federatedByGitHub(s) && holds(s));
}

function actionMatches(action: string | string[]): boolean {
  return [action].flat().some((a) => like(a.toLowerCase(), 'sts:assumerolewithwebidentity'));
}

function federatedByGitHub(s: Statement): boolean {
  return [s.Principal?.Federated ?? []].flat().some((p) => p.endsWith(`:oidc-provider/${OIDC_HOST}`));
}

function conditionHolds(operator: string, keys: Record<string, string | string[]>, claims: Record<string, string>): boolean {
  const test = operator === 'StringEquals' ? (p: string, v: string) => p === v : operator === 'StringLike' ? like : undefined;
  if (!test) throw new Error(`trust policy condition operator ${operator} is not evaluated here`);
  return Object.entries(keys).every(([key, values]) => {
    const claim = key.startsWith(`${OIDC_HOST}:`) ? claims[key.slice(OIDC_HOST.length + 1)] : undefined;
    return claim !== undefined && [values].flat().some((value) => test(value, claim));
  });
}

/** IAM's StringLike: `*` matches any run of characters (none included), `?` exactly one. */
export function like(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(value);
}

/** A repository as GitHub names it in `sub`: by name, or (immutable subject claims) with IDs. */
export interface Repository {
  owner: string;
  repo: string;
  /** Set for the immutable form, `OWNER@OWNER_ID/REPO@REPO_ID`. */
  ids?: { owner: string; repo: string };
}

/** What a job's token is about: a pull request, a ref, or a deployment environment. */
export type Subject = { kind: 'pull_request' } | { kind: 'ref'; ref: string } | { kind: 'environment'; name: string };

/**
 * The default `sub` GitHub puts in a job's OIDC token. A job with an environment gets
 * `…:environment:NAME` whatever the event; otherwise a pull_request event gets
 * `…:pull_request` and every other event `…:ref:<ref>`. Repositories with immutable subject
 * claims (created or renamed on or after 2026-07-15) append `@ID` to the owner and the name.
 */
export function githubSub(r: Repository, subject: Subject): string {
  const repository = r.ids ? `${r.owner}@${r.ids.owner}/${r.repo}@${r.ids.repo}` : `${r.owner}/${r.repo}`;
  const tail =
    subject.kind === 'pull_request' ? 'pull_request' : subject.kind === 'ref' ? `ref:${subject.ref}` : `environment:${subject.name}`;
  return `repo:${repository}:${tail}`;
}

/**
 * The policy with the docs' placeholders (ORG, REPO, ORG_ID, REPO_ID in `repo:…` values)
 * replaced by a real repository's, as a user fills them in.
 */
export function forRepository(policy: Policy, owner: string, repo: string, ids: { owner: string; repo: string }): Policy {
  const text = JSON.stringify(policy).replace(
    /repo:ORG(@ORG_ID)?\/REPO(@REPO_ID)?:/g,
    (_, ownerId?: string, repoId?: string) => `repo:${owner}${ownerId ? `@${ids.owner}` : ''}/${repo}${repoId ? `@${ids.repo}` : ''}:`,
  );
  return JSON.parse(text) as Policy;
}
