// The provider's "Update Available" warning (a test double of ariga/atlas's vercheck, see
// README.md). The real provider asks vercheck.ariga.io from ValidateProviderConfig, at most
// once per 24 hours per HOME (a state file under ~/.atlas), and renders the answer with its
// notification template. Here the scenario's `vercheck` plays the service's JSON answer.
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * @typedef {{ latest?: { Version?: string, Summary?: string, Link?: string } | null,
 *   advisory?: { text?: string } | null }} VercheckPayload
 */

/**
 * The warning text for a payload, as internal/vercheck/notification.tmpl renders it ('' when
 * there is neither an advisory nor a newer version).
 * @param {VercheckPayload} payload
 */
export function notificationText(payload) {
  let out = '';
  if (payload.advisory) out += `SECURITY ADVISORY\n${payload.advisory.text ?? ''}`;
  const latest = payload.latest;
  if (latest) {
    const version = latest.Version ?? '';
    out += `A new version of Atlas Provider is available (${version})${latest.Link ? `: ${latest.Link}` : ''}`;
    if (latest.Summary) out += `\n${latest.Summary}`;
    out +=
      '\n\nterraform {\n  required_providers {\n    atlas = {\n' +
      `      version = "~> ${version}"\n      source  = "ariga/atlas"\n    }\n  }\n}`;
  }
  return out;
}

/**
 * ValidateProviderConfig's update check: the warning text, or '' when the check is switched
 * off (ATLAS_NO_UPDATE_NOTIFIER), ran within the last 24 hours, the service "did not answer"
 * (no `vercheck` in the scenario), or the state file cannot be written (the real check fails
 * then too, e.g. when ~/.atlas does not exist).
 * @param {VercheckPayload | undefined} payload
 * @param {NodeJS.ProcessEnv} env
 */
export function updateWarning(payload, env = process.env) {
  if (env.ATLAS_NO_UPDATE_NOTIFIER || !payload) return '';
  const stateFile = join(env.HOME || homedir(), '.atlas', 'terraform-provider-atlas-release.json');
  try {
    const { checkedat } = JSON.parse(readFileSync(stateFile, 'utf8'));
    if (Date.now() - Date.parse(checkedat) < DAY_MS) return '';
  } catch {
    // no state yet: check
  }
  try {
    writeFileSync(stateFile, JSON.stringify({ checkedat: new Date().toISOString() }));
  } catch {
    return '';
  }
  return notificationText(payload);
}
