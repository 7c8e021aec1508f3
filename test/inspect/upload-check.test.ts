/**
 * `create` inspects the image before hashing (docs/image-inspection.md#hooks): name and title
 * from the image, a warning on a contradicting name, ESXi images without MAAS hooks refused
 * (exit 1) unless --no-hook-check, other images never refused for lacking ESXi parts, --dry-run
 * shows the inspection, the --json result carries the provenance. Outcomes are read from the
 * simulator: the resources MAAS holds and the requests it saw.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { checkImageForUpload } from '../../lib/inspect/index.js';
import { startMaasSimulator, type MaasSimulator } from '../../lib/testing/index.js';
import { gptFor } from '../../lib/testing/sample-image/gpt.js';
import { cli } from '../fixtures/cli-harness.js';
import { compress, makeEsxiDisk, tempDir } from '../fixtures/inspect/esxi-disk.js';

interface Env {
  sim: MaasSimulator;
  home: string;
  env: NodeJS.ProcessEnv;
  esxi: string;
  hookless: string;
}

const PROVENANCE = { format: 1, maasEsxiVersion: '0.1.0', template: { name: 'maas-esxi vmware-esxi', version: '0.1.0' }, iso: { name: 'esxi.iso', size: 1, sha256: 'b'.repeat(64) }, esxi: { version: '8.0U3', build: '24022510' }, kickstartExtraSha256: null, packerVersion: '1.6.6', rootPassword: 'random' };

/**
 * The two ESXi disks, built once for the file: the tests only read them, and each build (sgdisk,
 * mtools, the hook installer, gzip) costs seconds. Each test still gets its own simulator and HOME.
 */
const disks = (() => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const ours = join(tmp.dir, 'ours');
  const bare = join(tmp.dir, 'bare');
  for (const d of [ours, bare]) mkdirSync(d);
  return {
    esxi: compress(makeEsxiDisk(ours, { layout: '7.0+', build: '8.0.3-0.0.24022510', hooks: 'ours', provenance: JSON.stringify(PROVENANCE) }), 'gzip'),
    hookless: compress(makeEsxiDisk(bare, { layout: '7.0+', build: '8.0.3-0.0.24022510', hooks: 'none' }), 'gzip'),
  };
})();

async function setup(t: { teardown(fn: () => unknown): void }): Promise<Env> {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(tmp.dir, 'maas') });
  t.teardown(() => sim.close());
  return { sim, home: join(tmp.dir, 'home'), env: { MAAS_API_URL: sim.url, MAAS_API_KEY: sim.adminKey }, ...disks };
}

async function resources(e: Env): Promise<Array<{ name: string; title: string }>> {
  const r = await cli(['env', 'boot-resources', 'read', 'type=uploaded'], { home: e.home, env: e.env });
  return (JSON.parse(r.stdout) as Array<{ name: string; title: string }>).map(({ name, title }) => ({ name, title }));
}

const writes = (e: Env): string[] => e.sim.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

t.test('no name, no title: both from the image; the --json result carries the provenance', async (t) => {
  const e = await setup(t);
  const r = await cli(['--json', 'env', 'create', 'architecture=amd64/generic', `content@=${e.esxi}`], { home: e.home, env: e.env });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, "name not given; using name=esxi/8.0 title='VMware ESXi 8.0 u3' from the image.");
  t.match(JSON.parse(r.stdout), { resource: { name: 'esxi/8.0' }, provenance: { ...PROVENANCE, builtAt: String } });
  t.same(await resources(e), [{ name: 'esxi/8.0', title: 'VMware ESXi 8.0 u3' }]);
});

t.test('name=esxi/7.0 for an 8.0 build: uploaded, with a warning naming both', async (t) => {
  const e = await setup(t);
  const r = await cli(['env', 'create', 'name=esxi/7.0', 'architecture=amd64/generic', `content@=${e.esxi}`], { home: e.home, env: e.env });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /warning: name=esxi\/7\.0 but image\.dd\.gz holds ESXi 8\.0 U3 \(build 24022510\); MAAS will offer it as esxi\/7\.0\./);
  t.same(await resources(e), [{ name: 'esxi/7.0', title: 'VMware ESXi 7.0' }]);
});

t.test('an ESXi image without hooks: refused before hashing and before any write, unless --no-hook-check', async (t) => {
  const e = await setup(t);
  const r = await cli(['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', 'filetype=ddgz', `content@=${e.hookless}`], { home: e.home, env: e.env });
  t.equal(r.code, 1, 'a local error');
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  t.match(r.stderr, /^maas-esxi: error: image\.dd\.gz has no MAAS hooks \(curtin\/curtin-hooks on partition 1\): .* never configure its network .*\. Build the image with maas-esxi build, .* or pass --no-hook-check to upload it anyway\.\n$/);
  t.notMatch(r.stderr, /Hashing/);
  t.same(writes(e), [], 'MAAS saw no write');
  const forced = await cli(['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${e.hookless}`, '--no-hook-check'], { home: e.home, env: e.env });
  t.equal(forced.code, 0, forced.stderr);
  t.same(await resources(e), [{ name: 'esxi/8.0', title: 'VMware ESXi 8.0 u3' }]);
});

t.test('random bytes gzipped under esxi/8.0: refused (no disk layout, no hooks) before any write, unless --no-hook-check', async (t) => {
  const e = await setup(t);
  const noise = join(e.home, '..', 'noise.dd.gz');
  writeFileSync(noise, gzipSync(randomBytes(256 * 1024)));
  const r = await cli(['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', 'filetype=ddgz', `content@=${noise}`], { home: e.home, env: e.env });
  t.equal(r.code, 1, 'a local error');
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  t.match(r.stderr, /^maas-esxi: error: noise\.dd\.gz is not an ESXi disk image MAAS can finish deploying: it holds no partition table and no MAAS hooks \(curtin\/curtin-hooks on partition 1\)\. Build the image with maas-esxi build, .* or pass --no-hook-check to upload it anyway\.\n$/);
  t.same(writes(e), [], 'MAAS saw no write');
  const forced = await cli(['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${noise}`, '--no-hook-check'], { home: e.home, env: e.env });
  t.equal(forced.code, 0, forced.stderr);
  t.match(forced.stderr, 'holds no ESXi bootbank whose boot.cfg names a build', 'still warned');
  // Other noise: MAAS 3.8 keeps one file per sha256, so the same bytes would meet the esxi/8.0 copy.
  const other = join(e.home, '..', 'other-noise.dd.gz');
  writeFileSync(other, gzipSync(randomBytes(256 * 1024)));
  const custom = await cli(['env', 'create', 'name=custom/noise', 'architecture=amd64/generic', 'base_image=ubuntu/noble', `content@=${other}`], { home: e.home, env: e.env });
  t.equal(custom.code, 0, custom.stderr);
  t.same((await resources(e)).map((x) => x.name).sort(), ['custom/noise', 'esxi/8.0']);
});

t.test('the refusal names what stands where ESXi\'s layout should be: an MBR disk, a Linux GPT disk', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const mbr = Buffer.alloc(1024 * 1024);
  mbr.set([0x00, 0x20, 0x21, 0x00, 0x83], 446); // one Linux partition (type 0x83) from LBA 2048
  mbr.writeUInt32LE(1, 454);
  mbr.writeUInt32LE(2047, 458);
  mbr.set([0x55, 0xaa], 510);
  const gpt = Buffer.alloc(1024 * 1024);
  const table = gptFor(2048, [{ number: 1, first: 64, last: 2000, type: '0FC63DAF-8483-4772-8E79-3D69D8477DE4', name: 'root' }]);
  table.primary.copy(gpt, 0);
  table.backup.copy(gpt, gpt.length - table.backup.length);
  for (const [file, disk, found] of [['mbr.dd.gz', mbr, "an MBR partition table (1 partition), not ESXi's GPT layout"], ['linux.dd.gz', gpt, "a GPT partition table (1 partition) without ESXi's layout (bootbank on partition 5)"]] as const) {
    const path = join(tmp.dir, file);
    writeFileSync(path, gzipSync(disk));
    const err = await checkImageForUpload({ path, filetype: 'ddgz', name: 'esxi/8.0' }).catch((e: unknown) => e);
    t.match(err, { code: 'NO_HOOKS', message: `${file} is not an ESXi disk image MAAS can finish deploying: it holds ${found} and no MAAS hooks (curtin/curtin-hooks on partition 1).` }, file);
    t.match(await checkImageForUpload({ path, filetype: 'ddgz', name: 'custom/linux' }), { name: 'custom/linux', warnings: [] }, `${file}: not refused as custom/linux`);
  }
});

t.test('a custom image is not refused for lacking ESXi hooks', async (t) => {
  const e = await setup(t);
  const r = await cli(['env', 'create', 'name=custom/esxi-lab', 'architecture=amd64/generic', 'base_image=ubuntu/noble', `content@=${e.hookless}`], { home: e.home, env: e.env });
  t.equal(r.code, 0, r.stderr);
  t.same((await resources(e)).map((x) => x.name), ['custom/esxi-lab']);
});

t.test('--dry-run shows what inspect found, and writes nothing', async (t) => {
  const e = await setup(t);
  const r = await cli(['env', 'create', 'architecture=amd64/generic', `content@=${e.esxi}`, '--dry-run'], { home: e.home, env: e.env });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, "ESXi: 8.0 U3, build 24022510 (8.0.3-0.0.24022510; 7.0+ layout) → name=esxi/8.0 title='VMware ESXi 8.0 u3'");
  t.match(r.stderr, "MAAS hooks: maas-esxi's (first-boot payload 1.0.0)");
  t.match(r.stderr, 'Provenance: built ');
  t.same(writes(e), []);
});
