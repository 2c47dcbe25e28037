// `atlas version` of the stand-in Atlas CLI (a TEST DOUBLE, not Atlas; see README.md): shared by
// the CLI and by its shim (test/support/setup-atlas.ts), which answers the default version itself.

/** A real release tag of ariga/atlas; ATLAS_STANDIN_CLI_VERSION makes two runners differ. */
export const DEFAULT_VERSION = 'v1.2.3';

/**
 * `atlas version` output as the official binary prints it: the version and its release
 * notes URL (`latest` for development and canary builds, as ariga/atlas's parseV does).
 * @param {string} version
 */
export function versionText(version) {
  const valid = /^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version);
  const shown = valid ? version : '- development';
  const url =
    valid && !version.endsWith('-canary')
      ? `https://github.com/ariga/atlas/releases/tag/${version}`
      : 'https://github.com/ariga/atlas/releases/latest';
  return `atlas version ${shown}\n${url}\n`;
}
