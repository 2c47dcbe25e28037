import * as core from '@actions/core';

// Every string that leaves the action (our log lines, the comment, the summary, outputs)
// goes through redact(). Secrets are registered once, as soon as they exist, and also
// handed to core.setSecret so the runner masks anything we did not route through here.

const MASK = '***';
const secrets = new Set<string>();
/** `secrets` longest first, rebuilt only when a secret is added: redact() runs once per statement while rendering. */
let longestFirst: string[] | undefined;

/** Secrets shorter than this are not registered: masking "a" or "1" would shred every log. */
const MIN_SECRET_LENGTH = 4;

export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  for (const form of secretForms(value)) {
    if (secrets.has(form)) continue;
    secrets.add(form);
    longestFirst = undefined;
    core.setSecret(form);
  }
}

function secretForms(value: string): string[] {
  const forms = new Set([value, encodeURIComponent(value)]);
  try {
    forms.add(encodeURIComponent(encodeURIComponent(value)));
  } catch {
    // lone surrogates cannot be encoded; the raw form is still registered
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/**
 * Passwords in connection URLs: scheme://user:password@host. The password runs to the last
 * `@` before the host, so an unencoded password holding `@`, `/` or `:` is masked whole.
 */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@'"]*):([^\s'"]+)@(?=[^\s@'"]*(?:[\s'"]|$))/gi;
/** Keyword-style connection strings (libpq `password=...`, Go DSNs), which have no URL shape. */
const KEYWORD_PASSWORD = /\b(password|passwd|pwd)=('[^']*'|"[^"]*"|[^\s&;'"]+)/gi;
/** AWS presigned query parameters (RDS IAM tokens, presigned URLs). */
const PRESIGNED = /\b(X-Amz-(?:Signature|Credential|Security-Token))=[^&\s'"]+/gi;
/** Access key ids are not secret on their own but identify the session; keep them out. */
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;

export function redact(text: string): string {
  if (!text) return text;
  let out = text;
  // Longest first so a secret that contains another is masked whole.
  longestFirst ??= [...secrets].sort((a, b) => b.length - a.length);
  for (const s of longestFirst) {
    if (out.includes(s)) out = out.split(s).join(MASK);
  }
  out = out.replace(URL_PASSWORD, `$1:${MASK}@`);
  out = out.replace(KEYWORD_PASSWORD, `$1=${MASK}`);
  out = out.replace(PRESIGNED, `$1=${MASK}`);
  out = out.replace(ACCESS_KEY_ID, MASK);
  return out;
}

/** For tests: forget registered secrets between cases. */
export function resetSecretsForTest(): void {
  secrets.clear();
  longestFirst = undefined;
}
