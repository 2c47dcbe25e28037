import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { PROVIDER_ADDRESS, PROVIDER_VERSION, type TerraformHarness } from './terraform.js';

// The stand-in provider as a *packed* filesystem mirror (one zip per platform, as
// `terraform providers mirror` writes it), with a CLI config that installs from it. Terraform
// copies a provider from a packed mirror through TF_PLUGIN_CACHE_DIR, as from a registry; from
// an unpacked mirror (the harness's default) it links the directory and never uses the cache.

/** Writes the packed mirror under `dir` and returns the CLI config file that installs from it. */
export async function packedMirror(tf: TerraformHarness, dir: string): Promise<string> {
  const [host, namespace, type] = PROVIDER_ADDRESS.split('/') as [string, string, string];
  const unpacked = path.join(tf.dir, 'mirror', host, namespace, type, PROVIDER_VERSION);
  const [platform] = await readdir(unpacked);
  if (!platform) throw new Error(`packedMirror: no platform directory in ${unpacked}`);
  const files = await readdir(path.join(unpacked, platform));
  const entries = await Promise.all(files.map(async (name) => ({ name, data: await readFile(path.join(unpacked, platform, name)) })));
  const mirror = path.join(dir, 'packed-mirror');
  const target = path.join(mirror, host, namespace, type);
  await mkdir(target, { recursive: true });
  await writeFile(path.join(target, `terraform-provider-${type}_${PROVIDER_VERSION}_${platform}.zip`), storedZip(entries));
  const config = path.join(dir, 'packed-mirror.tfrc');
  await writeFile(
    config,
    [
      'disable_checkpoint = true',
      'provider_installation {',
      `  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = [${JSON.stringify(PROVIDER_ADDRESS)}]\n  }`,
      `  direct {\n    exclude = [${JSON.stringify(PROVIDER_ADDRESS)}]\n  }`,
      '}',
      '',
    ].join('\n'),
  );
  return config;
}

/** A zip of uncompressed ("stored") executable files: all a provider package needs. */
function storedZip(entries: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const fileName = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode below is read
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE((0o100755 << 16) >>> 0, 38); // -rwxr-xr-x
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, data);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
