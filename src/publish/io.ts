import * as core from '@actions/core';

// The action's own I/O with the runner, as one small interface (as actions/cache's
// StateProvider is): step outputs, the job summary, the failed status. run() receives it, so
// the in-process tests read what a workflow would see without the runner's files. The job log
// is not part of it: every line goes through core/log.ts, the one writer that keeps foreign
// text inert, and the tests read it from stdout like the runner does.

/** What the action hands to the runner besides its log. */
export interface ActionIO {
  /** Sets a step output; a later value for the same name replaces the earlier one. */
  setOutput(name: string, value: string): void;
  /**
   * Appends Markdown to this step's job summary. Resolves false when the runner gives the step
   * no summary file; rejects when it could not be written.
   */
  appendSummary(markdown: string): Promise<boolean>;
  /** Marks the step failed, with its one error annotation. */
  setFailed(message: string): void;
  /** Whether step debug logging is on. */
  isDebug(): boolean;
}

/** The runner's I/O through @actions/core. */
export const actionsIO: ActionIO = {
  setOutput: (name, value) => core.setOutput(name, value),
  appendSummary: async (markdown) => {
    if (!process.env['GITHUB_STEP_SUMMARY']) return false;
    try {
      await core.summary.addRaw(markdown).write();
      return true;
    } catch (err) {
      // The buffer is a process-wide singleton; do not leave this body behind for a later write.
      core.summary.emptyBuffer();
      throw err;
    }
  },
  setFailed: (message) => core.setFailed(message),
  isDebug: () => core.isDebug(),
};
