import t from 'tap';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { sha256Of, tempDir } from '../fixtures/upload-env.js';

const bin = fileURLToPath(new URL('../../bin/maas-esxi.js', import.meta.url));
const MiB = 1024 * 1024;

/** The node flags an installed `maas-esxi` runs with: those of the shim's `#!/usr/bin/env -S node …` line. */
function shebangFlags(): string[] {
  const first = readFileSync(bin, 'utf8').split('\n', 1)[0]!;
  return first.split(/\s+/).filter((w) => w.startsWith('--'));
}

interface Stored {
  filename_on_disk: string;
  complete: boolean;
}

/** One CLI upload of a fresh 32 MiB image in a child started with `flags`: its peak RSS in MiB as the kernel counted it (VmHWM), and what MAAS stored. */
async function upload(flags: string[], home: string, env: NodeJS.ProcessEnv, name: string): Promise<{ rssMiB: number; file: Stored; sha256: string }> {
  const image = join(home, `${name}.raw`);
  writeFileSync(image, randomBytes(32 * MiB));
  const report = join(home, `${name}.rss`);
  // Written at exit by the child itself, from VmHWM (this process image's own peak): getrusage's
  // maxRSS would start from the RSS of the forking parent (Linux keeps it across exec), here tap's.
  const reporter = join(home, 'report-rss.mjs');
  writeFileSync(
    reporter,
    `import { readFileSync, writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.RSS_REPORT, /^VmHWM:\\s+(\\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]));\n`,
  );
  const args = ['env', 'create', `name=esxi/${name}`, 'architecture=amd64/generic', 'filetype=ddraw', `title=${name}`, `content@=${image}`, '--json', '--quiet'];
  const child = spawn(process.execPath, [...flags, '--import', reporter, bin, ...args], { env: { ...env, RSS_REPORT: report }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`upload exited ${code}: ${stderr}`);
  const doc = JSON.parse(stdout) as { resource: { sets: Record<string, { files: Record<string, Stored> }> } };
  return { rssMiB: Number(readFileSync(report, 'utf8')) / 1024, file: Object.values(Object.values(doc.resource.sets)[0]!.files)[0]!, sha256: await sha256Of(image) };
}

// Issue 18: V8 grew its young generation to 16 MiB semi-spaces while the CLI's modules loaded,
// and those pages stayed resident for the whole upload (~100 MiB peak for any image size). The
// shim's --max-semi-space-size=1 must keep a CLI upload well below the same upload without it.
t.test("the shim's node flags lower a CLI upload's peak RSS by at least 8 MiB", async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  // Only what the CLI needs: tap's environment (its loaders, coverage) would be measured too.
  const env = { PATH: process.env['PATH'], HOME: home, XDG_STATE_HOME: join(home, 'state'), MAAS_API_URL: sim.url, MAAS_API_KEY: sim.adminKey };
  const flags = shebangFlags();
  t.ok(flags.length > 0, `the shim starts node with flags (${flags.join(' ')})`);
  const plain = await upload([], home, env, 'plain');
  const shimmed = await upload(flags, home, env, 'shimmed');
  t.ok(shimmed.rssMiB <= plain.rssMiB - 8, `peak RSS ${shimmed.rssMiB.toFixed(1)} MiB with the shim's flags against ${plain.rssMiB.toFixed(1)} MiB without`);
  for (const run of [plain, shimmed]) {
    t.equal(run.file.complete, true);
    t.equal(await sha256Of(join(sim.dataDir, 'files', run.file.filename_on_disk)), run.sha256, 'MAAS holds the image intact');
  }
});
