import { log, stopAll } from '../core/index.js';

// A cancelled job gets SIGINT, then SIGTERM, then SIGKILL seconds later. Terraform is asked to
// stop gracefully (state saved, lock released) and no further step starts. The handler only
// records that it happened; the report says so when it is assembled.

/** Whether, and by which signal, the run was cancelled. */
export interface CancelWatch {
  /** The first cancelling signal, once one arrived. */
  signal(): NodeJS.Signals | undefined;
  /** Removes the handlers. */
  dispose(): void;
}

/** Watches for the runner's cancellation signals from now on. */
export function watchCancel(): CancelWatch {
  let received: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (!received) {
      received = signal;
      log.warning(cancelNotice(signal));
    }
    stopAll();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: () => received,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** The notice at the top of the report of a cancelled run. */
export function cancelNotice(signal: NodeJS.Signals): string {
  return `The run was cancelled (${signal}): Terraform was asked to stop gracefully, finishing the operation in flight and releasing the state lock; no further step was started.`;
}
