import picomatch from 'picomatch';
import type { GitHub } from '../github/index.js';
import { errorMessage, log, type Logger, type RolesChange, type RunContext } from '../core/index.js';
import { INPUT } from '../inputs/index.js';

// Did anything under roles-paths change in the run's commit range? When GitHub cannot tell us
// completely, the answer is "yes": running the roles root needlessly costs a plan, skipping a
// real change leaves the database behind its HCL.

/** GitHub lists at most this many files of a pull request. */
export const PULL_FILES_LIMIT = 3000;
/** The compare API lists at most this many files for the whole comparison. */
export const COMPARE_FILES_LIMIT = 300;

/**
 * Files (repository-relative, forward slashes) matching any of the globs, in input order.
 * Globs use picomatch with dot files included. A pattern also matches everything below the
 * path it names, so `terraform/roles` works like `terraform/roles/**`. A pattern starting
 * with `!` excludes files that an earlier or later pattern matched.
 */
export function matchRolesPaths(files: string[], globs: string[]): string[] {
  const include = globs.filter((g) => !g.startsWith('!'));
  const exclude = globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1));
  if (include.length === 0) return [];
  const isIncluded = picomatch(withDescendants(include), { dot: true });
  const isExcluded = exclude.length > 0 ? picomatch(withDescendants(exclude), { dot: true }) : () => false;
  const seen = new Set<string>();
  return files.filter((file) => {
    const f = file.replace(/^\.\//, '');
    if (seen.has(f) || !isIncluded(f) || isExcluded(f)) return false;
    seen.add(f);
    return true;
  });
}

function withDescendants(globs: string[]): string[] {
  return globs.flatMap((g) => {
    const base = g.replace(/\/+$/, '');
    return base === '' ? [] : [base, `${base}/**`];
  });
}

/** `logger` gets the warning when GitHub does not answer (a buffer when asked beside other work). */
export async function detectRolesChange(gh: GitHub, context: RunContext, rolesPaths: string[], logger: Logger = log): Promise<RolesChange> {
  const range = context.range;
  if (range.kind === 'none') {
    return failSafe(`${range.reason}, so the roles root counts as changed`);
  }
  const { owner, repo } = context.repo;
  const where =
    range.kind === 'pull_request'
      ? 'in this pull request'
      : `in the pushed commits ${range.before.slice(0, 7)}...${range.after.slice(0, 7)}`;

  let listed: ListedFiles;
  try {
    listed =
      range.kind === 'pull_request'
        ? await pullRequestFiles(gh, owner, repo, range.number)
        : await compareFiles(gh, owner, repo, range.before, range.after);
  } catch (err) {
    const what =
      range.kind === 'pull_request'
        ? `list the files of pull request #${range.number}`
        : `compare ${range.before.slice(0, 7)}...${range.after.slice(0, 7)}`;
    logger.warning(`Could not ${what}: ${errorMessage(err)}`);
    return failSafe(`could not ${what} (${errorMessage(err)}), so the roles root counts as changed`);
  }

  const matchedFiles = matchRolesPaths(listed.files, rolesPaths);
  if (matchedFiles.length > 0) {
    return { changed: true, reason: `${describeFiles(matchedFiles)} ${where}`, matchedFiles, failSafe: false };
  }
  if (listed.incomplete) {
    return { ...failSafe(`${listed.incomplete}, so the roles root counts as changed`), matchedFiles };
  }
  return { changed: false, reason: `no file matching ${INPUT.rolesPaths} changed ${where}`, matchedFiles, failSafe: false };
}

type Comparison = Awaited<ReturnType<GitHub['rest']['repos']['compareCommitsWithBasehead']>>['data'];

interface ListedFiles {
  files: string[];
  /** Why the list may miss files; undefined when it is complete. */
  incomplete?: string;
}

async function pullRequestFiles(gh: GitHub, owner: string, repo: string, pullNumber: number): Promise<ListedFiles> {
  const entries = await gh.paginate(gh.rest.pulls.listFiles, { owner, repo, pull_number: pullNumber, per_page: 100 });
  // A rename out of roles-paths changes the roles as much as an edit inside it.
  const files = entries.flatMap((f) => (f.previous_filename ? [f.filename, f.previous_filename] : [f.filename]));
  const listed: ListedFiles = { files };
  if (entries.length >= PULL_FILES_LIMIT) {
    listed.incomplete = `pull request #${pullNumber} changes ${entries.length} or more files and GitHub lists at most ${PULL_FILES_LIMIT}`;
  }
  return listed;
}

async function compareFiles(gh: GitHub, owner: string, repo: string, before: string, after: string): Promise<ListedFiles> {
  const files: string[] = [];
  let entries = 0;
  let status = '';
  // Pages of a comparison page its commits; GitHub sends the files on the first page only,
  // but collecting every page's files costs nothing and survives either behaviour.
  const pages = gh.paginate.iterator(gh.rest.repos.compareCommitsWithBasehead, {
    owner,
    repo,
    basehead: `${before}...${after}`,
    per_page: 100,
  });
  for await (const page of pages) {
    // paginate's types narrow a comparison to its commit count; the body is the full comparison.
    const data = page.data as unknown as Comparison;
    status ||= data.status;
    for (const f of data.files ?? []) {
      entries += 1;
      files.push(f.filename);
      if (f.previous_filename) files.push(f.previous_filename);
    }
  }
  const listed: ListedFiles = { files };
  const range = `${before.slice(0, 7)}...${after.slice(0, 7)}`;
  if (status === 'behind' || status === 'diverged') {
    // The pushed commit is not ahead of the previous one (history rewritten): the
    // three-dot diff hides what the push undid.
    listed.incomplete = `the pushed commits ${range} are ${status} rather than ahead of the previous head`;
  } else if (entries >= COMPARE_FILES_LIMIT) {
    listed.incomplete = `the comparison ${range} lists ${entries} files and GitHub lists at most ${COMPARE_FILES_LIMIT}`;
  }
  return listed;
}

function describeFiles(files: string[]): string {
  const first = files[0] ?? '';
  if (files.length === 1) return `${first} changed`;
  const others = files.length - 1;
  return `${first} and ${others} other file${others === 1 ? '' : 's'} matching ${INPUT.rolesPaths} changed`;
}

function failSafe(reason: string): RolesChange {
  return { changed: true, reason, matchedFiles: [], failSafe: true };
}
