import * as core from '@actions/core';
import { redact } from './redact.js';

// The only way the action writes to the job log. Everything is redacted first.

export const log = {
  debug: (message: string): void => core.debug(redact(message)),
  info: (message: string): void => core.info(redact(message)),
  notice: (message: string): void => core.notice(redact(message)),
  warning: (message: string): void => core.warning(redact(message)),
  error: (message: string): void => core.error(redact(message)),
  group: <T>(name: string, fn: () => Promise<T>): Promise<T> => core.group(redact(name), fn),
};

/** Message of anything thrown, redacted. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return redact(err.message);
  if (typeof err === 'string') return redact(err);
  try {
    return redact(JSON.stringify(err));
  } catch {
    return redact(String(err));
  }
}
