import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initOrder } from '../../src/roots/init-order.js';
import type { RootRunner } from '../../src/roots/steps.js';

// When the two roots' `terraform init` may overlap: never while a shared plugin cache would be
// written by both (a cold cache, or unknown versions without a lock file).

const LOCK = `provider "registry.terraform.io/ariga/atlas" {
  version     = "0.10.3"
  constraints = "0.10.3"
  hashes = [
    "h1:abc=",
  ]
}
`;
const PLATFORM = `${process.platform === 'win32' ? 'windows' : process.platform}_${process.arch === 'x64' ? 'amd64' : process.arch}`;

let dir: string;
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function roots(lock: boolean): Promise<string[]> {
  dir = await mkdtemp(path.join(os.tmpdir(), 'init-order-'));
  const dirs = [path.join(dir, 'roles'), path.join(dir, 'schema')];
  for (const d of dirs) {
    await mkdir(d);
    if (lock) await writeFile(path.join(d, '.terraform.lock.hcl'), LOCK);
  }
  return dirs;
}

const runners = (dirs: string[], env: Record<string, string>): RootRunner[] =>
  dirs.map((cwd) => ({ options: () => Promise.resolve({ cwd, env }) }) as unknown as RootRunner);

describe('initOrder', () => {
  it('no plugin cache: at once', async () => {
    const dirs = await roots(false);
    const empty = path.join(dir, 'empty.rc');
    await writeFile(empty, 'disable_checkpoint = true\n');
    const order = await initOrder(runners(dirs, { TF_PLUGIN_CACHE_DIR: '', TF_CLI_CONFIG_FILE: empty }));
    expect(order).toEqual({ concurrent: true, reason: 'no plugin cache is set, so each init installs into its own root' });
  });

  it("a user's cache that lacks a locked provider: one after the other, the first init fills it", async () => {
    const dirs = await roots(true);
    const cache = path.join(dir, 'cache');
    await mkdir(cache);
    const order = await initOrder(runners(dirs, { TF_PLUGIN_CACHE_DIR: cache }));
    expect(order.concurrent).toBe(false);
    expect(order.reason).toContain('does not hold registry.terraform.io/ariga/atlas 0.10.3 yet');
  });

  it("a user's cache without lock files in the roots: one after the other", async () => {
    const dirs = await roots(false);
    const order = await initOrder(runners(dirs, { TF_PLUGIN_CACHE_DIR: path.join(dir, 'cache') }));
    expect(order.concurrent).toBe(false);
    expect(order.reason).toContain('has no .terraform.lock.hcl');
  });

  it("a user's cache (set in the CLI config) that holds every locked provider: at once, both only read it", async () => {
    const dirs = await roots(true);
    const cache = path.join(dir, 'cache');
    await mkdir(path.join(cache, 'registry.terraform.io/ariga/atlas/0.10.3', PLATFORM), { recursive: true });
    const rc = path.join(dir, 'terraform.rc');
    await writeFile(rc, `plugin_cache_dir = "${cache}"\n`);
    const order = await initOrder(runners(dirs, { TF_PLUGIN_CACHE_DIR: '', TF_CLI_CONFIG_FILE: rc }));
    expect(order).toEqual({
      concurrent: true,
      reason: `the plugin cache ${cache} already holds every locked provider, so both inits only read it`,
    });
  });
});
