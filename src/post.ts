import { cleanup, errorMessage, log } from './core/index.js';

// Entry of the `post:` step (action.yml): runs after the job's steps, also when the main step
// was cancelled or killed.
try {
  const removed = await cleanup();
  log.info(
    removed.length > 0
      ? `Removed ${removed.length} temporary director${removed.length === 1 ? 'y' : 'ies'} left by the main step.`
      : 'Nothing to clean up.',
  );
} catch (err) {
  log.warning(`Could not clean up temporary files: ${errorMessage(err)}`);
}
