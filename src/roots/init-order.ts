import { readFile, stat } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RootRunner } from './steps.js';

// Whether the two roots' `terraform init` may run at the same time.
//
// Terraform's plugin cache is not safe for concurrent installs: two inits that both download a
// provider into one TF_PLUGIN_CACHE_DIR can leave a half-written provider there, for every
// later run that shares the cache. Reading a provider that is already cached is safe. So:
// - no plugin cache (neither TF_PLUGIN_CACHE_DIR nor plugin_cache_dir in the CLI config): each
//   init installs into its own root's .terraform, nothing is shared, both run at once;
// - a cache that already holds every provider version of both roots' .terraform.lock.hcl for
//   this platform: both inits only read it, both run at once;
// - otherwise (a cold cache, or a root without a lock file, so the versions are unknown): the
//   first init fills the cache alone, the second starts after it and only reads.
// The user's cache is never moved, replaced or written by the action itself.

export interface InitOrder {
  concurrent: boolean;
  /** Why, for the log. */
  reason: string;
}

/** Decides how the roots' inits may overlap, from the environment terraform will see. */
export async function initOrder(runners: RootRunner[]): Promise<InitOrder> {
  const options = await Promise.all(runners.map((r) => r.options()));
  const env = { ...process.env, ...options[0]?.env };
  const cache = await pluginCacheDir(env);
  if (!cache) return { concurrent: true, reason: 'no plugin cache is set, so each init installs into its own root' };
  const missing: string[] = [];
  for (const o of options) {
    const locked = await lockedProviders(o.cwd);
    if (!locked) return sequential(cache, `${o.cwd} has no .terraform.lock.hcl, so the providers it needs are not known`);
    for (const p of locked) {
      const dir = path.join(cache, ...p.address.split('/'), p.version, terraformPlatform());
      if (!(await isDirectory(dir))) missing.push(`${p.address} ${p.version}`);
    }
  }
  if (missing.length > 0) return sequential(cache, `it does not hold ${[...new Set(missing)].join(', ')} yet`);
  return { concurrent: true, reason: `the plugin cache ${cache} already holds every locked provider, so both inits only read it` };
}

function sequential(cache: string, why: string): InitOrder {
  return { concurrent: false, reason: `one after the other: the plugin cache ${cache} is shared and ${why} (the first init fills it)` };
}

/** TF_PLUGIN_CACHE_DIR, else plugin_cache_dir of the CLI config terraform reads. */
async function pluginCacheDir(env: Record<string, string | undefined>): Promise<string | undefined> {
  const fromEnv = env['TF_PLUGIN_CACHE_DIR'];
  if (fromEnv) return fromEnv;
  const home = env['HOME'] ?? os.homedir();
  const config = env['TF_CLI_CONFIG_FILE'] || path.join(home, process.platform === 'win32' ? 'terraform.rc' : '.terraformrc');
  const text = await readFile(config, 'utf8').catch(() => '');
  const match = /^\s*plugin_cache_dir\s*=\s*"([^"]*)"/m.exec(text);
  if (!match?.[1]) return undefined;
  // Terraform expands a leading ~ and $HOME-style variables in this setting.
  return match[1].replace(/^~(?=\/|$)/, home).replace(/\$\{?HOME\}?/g, home);
}

interface LockedProvider {
  /** host/namespace/type, as in `provider "registry.terraform.io/ariga/atlas"`. */
  address: string;
  version: string;
}

/** The providers and versions of a root's dependency lock file; undefined without one. */
async function lockedProviders(dir: string): Promise<LockedProvider[] | undefined> {
  const text = await readFile(path.join(dir, '.terraform.lock.hcl'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const found: LockedProvider[] = [];
  for (const block of text.matchAll(/provider\s+"([^"]+)"\s*\{([^}]*)\}/g)) {
    const version = /\bversion\s*=\s*"([^"]+)"/.exec(block[2] ?? '')?.[1];
    // A block that cannot be read means the versions are unknown: treat the cache as cold.
    if (!block[1] || !version) return undefined;
    found.push({ address: block[1], version });
  }
  return found;
}

/** Terraform's platform directory name, e.g. linux_amd64. */
function terraformPlatform(): string {
  const osName = process.platform === 'win32' ? 'windows' : process.platform;
  const arch = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' }[process.arch as string] ?? process.arch;
  return `${osName}_${arch}`;
}

async function isDirectory(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => undefined))?.isDirectory() ?? false;
}
