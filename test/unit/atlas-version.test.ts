import { describe, expect, it } from 'vitest';
import { providerReadableVersion } from '../../src/atlas/version.js';

// The action's own `atlas version` check accepts exactly what the ariga/atlas provider's
// ConfigureProvider accepts (atlasexec's reVersion), so a CLI the provider would refuse with
// "Check atlas version failure: unexpected output format" is refused before any AWS call.
// The texts are ariga/atlas's own (cmd/atlas/internal/cmdapi/version_test.go).

describe('providerReadableVersion', () => {
  it('reads the official build, canary builds included', () => {
    expect(providerReadableVersion('atlas version v0.36.1\nhttps://github.com/ariga/atlas/releases/tag/v0.36.1\n')).toBe('v0.36.1');
    expect(providerReadableVersion('atlas version v0.3.0-6539f2704b5d-canary\nhttps://github.com/ariga/atlas/releases/latest\n')).toBe(
      'v0.3.0-6539f2704b5d-canary',
    );
  });

  it('refuses what atlasexec refuses: community, flavoured and development builds, and anything before the first line', () => {
    for (const output of [
      'atlas community version v1.2.3\nhttps://github.com/ariga/atlas/releases/tag/v1.2.3\n',
      'atlas community version - development\nhttps://github.com/ariga/atlas/releases/latest\n',
      'atlas community flavor version - development\nhttps://github.com/ariga/atlas/releases/latest\n',
      'atlas version - development\nhttps://github.com/ariga/atlas/releases/latest\n',
      'notice: a newer version is available\natlas version v0.36.1\n',
      'v0.36.1\n',
      '',
    ]) {
      expect(providerReadableVersion(output), output).toBeUndefined();
    }
  });
});
