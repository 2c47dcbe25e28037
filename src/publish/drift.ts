import {
  closeDriftIssue,
  driftMarker,
  findDriftIssue,
  openDriftIssue,
  updateDriftIssue,
  COMMENT_MAX_LENGTH,
  type GitHub,
} from '../github/index.js';
import { log, link, text, utcText, type Inputs } from '../core/index.js';
import { renderComment, driftStatus, type RenderOptions } from '../report/index.js';
import { decodeData, encodeData } from '../review/index.js';
import type { Report } from '../roots/index.js';

// Scheduled and dispatched plan runs check the default branch's HCL against the database and
// keep one GitHub issue per database about it: opened when SQL is pending, updated on later
// runs (first and last seen), closed with a comment when a run finds the database matches.
// A run whose check did not complete changes nothing: a failure says nothing about drift.

export interface DriftContext {
  gh: GitHub;
  inputs: Inputs;
  report: Report;
  tokenIdentity: () => Promise<string>;
  options: RenderOptions;
}

/** Opens, updates or closes this database's drift issue; returns its URL when it is open. */
export async function syncDriftIssue(d: DriftContext): Promise<string> {
  const { report, inputs, gh } = d;
  const status = driftStatus(report);
  if (status === 'unknown') {
    log.info('The drift check did not complete: the drift issue is left as it is.');
    return '';
  }
  const { repo } = report.context;
  const marker = driftMarker(inputs.environment, inputs.rolesWorkingDirectory, inputs.schemaWorkingDirectory);
  const existing = await findDriftIssue(gh, repo, marker, await d.tokenIdentity());
  const title = `Database drift: ${inputs.environment || `${repo.owner}/${repo.repo}`}`;
  const now = new Date().toISOString();

  if (status === 'clean') {
    if (!existing) return '';
    const comment = `✅ No drift found by ${link('this run', report.context.runUrl)} (${text(utcText(now))}): the database matches the HCL of ${text(report.context.defaultBranch || 'the default branch')}. Closing.`;
    await closeDriftIssue(gh, repo, existing, comment);
    log.info(`Closed drift issue #${existing.number}: the database matches the HCL.`);
    return '';
  }

  const since = (existing ? decodeData(existing.body, marker).driftSince : undefined) ?? now;
  const notices = [
    `First seen ${utcText(since)}, last seen ${utcText(now)} (this issue is updated by every scheduled run and closed once the database matches the HCL again).`,
    'How to fix it: if the change in the database is wanted, describe it in the HCL and merge that (the next check then finds nothing to do); if it is not, re-apply the HCL of the default branch: the SQL below is what that runs. Additive SQL is applied by a run with mode: apply; destructive SQL only through a reviewed pull request carrying the destructive label.',
  ];
  const body = renderComment(
    { ...report, notices: [...notices, ...report.notices] },
    { ...d.options, marker, data: encodeData({ history: [], driftSince: since }), maxLength: COMMENT_MAX_LENGTH },
  );
  if (existing) {
    await updateDriftIssue(gh, repo, existing, title, body);
    log.info(`Updated drift issue #${existing.number}: ${existing.url}`);
    return existing.url;
  }
  const opened = await openDriftIssue(gh, repo, title, body);
  log.info(`Opened drift issue #${opened.number}: ${opened.url}`);
  return opened.url;
}
