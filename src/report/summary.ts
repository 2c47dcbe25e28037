import * as core from '@actions/core';
import { errorMessage, log } from '../log.js';
import type { Report } from '../types.js';
import { SUMMARY_MAX_LENGTH, renderSummary } from './markdown.js';

// The job summary holds the full report (up to GitHub's 1 MiB): the comment points here
// when it had to shorten the SQL.

export interface SummaryOptions {
  /** Written as a hidden line like in the comment; harmless in a summary. */
  marker?: string | undefined;
  commitUrl?: string | undefined;
}

/**
 * Appends the report to this step's job summary. Returns whether it was written. Never
 * throws: a missing summary must not turn a successful apply into a failed run.
 */
export async function writeSummary(report: Report, options: SummaryOptions = {}): Promise<boolean> {
  if (!process.env['GITHUB_STEP_SUMMARY']) {
    log.debug('GITHUB_STEP_SUMMARY is not set (not running on a GitHub runner?); skipping the job summary.');
    return false;
  }
  const body = renderSummary(report, {
    marker: options.marker ?? '',
    maxLength: SUMMARY_MAX_LENGTH,
    commitUrl: options.commitUrl,
  });
  try {
    await core.summary.addRaw(body).write();
    return true;
  } catch (err) {
    // The buffer is a process-wide singleton; do not leave this body behind for a later write.
    core.summary.emptyBuffer();
    log.warning(`Could not write the job summary: ${errorMessage(err)}. The report is still in the PR comment and the log.`);
    return false;
  }
}
