import t from 'tap';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli, ctrlCOnceAcked } from '../fixtures/cli-harness.js';
import { makeImage, tempDir } from '../fixtures/upload-env.js';

// Without --json a person reads a line or a table (as gh and rclone print);
// --json keeps the one JSON document.
t.test('login, uploads list and --dry-run print lines or a table; JSON only with --json', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  const login = await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  t.equal(login.code, 0);
  t.match(login.stdout, /^You are now logged in[^\n]*\.\n$/, 'login: the result line on stdout, as the maas CLI prints it');
  t.notMatch(login.stderr, /You are now logged in/, 'login: not on stderr (docs: stdout carries results)');
  const loginJson = await cli(['login', 'admin', sim.url, sim.adminKey, '--json'], { home });
  t.equal(JSON.parse(loginJson.stdout).name, 'admin', 'login --json: the profile document');

  const image = makeImage(home, 512 * 1024);
  const create = ['admin', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`, '--chunk-size', '64KiB'];
  const dry = await cli([...create, '--dry-run'], { home });
  t.equal(dry.code, 0, dry.stderr);
  t.match(dry.stdout, /^Would create a boot resource and send \d+ chunks/, '--dry-run: the plan is lines on stdout, not JSON');
  const dryJson = await cli([...create, '--dry-run', '--json'], { home });
  t.equal(JSON.parse(dryJson.stdout).action, 'create', '--dry-run --json: the plan document');

  const empty = await cli(['admin', 'uploads'], { home });
  t.equal(empty.stdout, '', 'no uploads: nothing on stdout');
  t.match(empty.stderr, /No unfinished uploads\./);
  // Leave one unfinished: Ctrl-C once MAAS has acknowledged two chunks (watched in its request log).
  const interrupt = ctrlCOnceAcked(t, sim, 2);
  sim.faults.latency(40);
  t.equal((await cli(create, { home, signal: interrupt })).code, 130, 'the upload stopped unfinished');
  sim.faults.latency(null);
  const table = await cli(['admin', 'uploads', 'list'], { home });
  t.equal(table.code, 0, table.stderr);
  const [header, row, ...more] = table.stdout.trimEnd().split('\n');
  t.match(header, /^ID\s+PROFILE\s+MAAS\s+NAME\s+ARCHITECTURE\s+SENT\s+FILE$/, 'a header row');
  t.match(row, /^[0-9a-f]{8,}\s+admin\s+http:\/\/127\.0\.0\.1:\d+\/MAAS\/\s+esxi\/8\.0\s+amd64\/generic\s+\d+ % of \d+(\.\d)? KiB\s+.*vmware-esxi\.dd\.gz$/, 'one row per upload');
  t.same(more, []);
  const json = await cli(['admin', 'uploads', 'list', '--json'], { home });
  t.equal((JSON.parse(json.stdout) as unknown[]).length, 1, 'uploads list --json: the list document');
});

// The plan is the dry run's result: on stdout whatever -q says, with what README "Commands" promises.
t.test('-q --dry-run still prints the plan: sha256, size, chunks, resume point', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  const image = makeImage(home, 512 * 1024);
  const dry = await cli(['-q', 'admin', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`, '--chunk-size', '64KiB', '--dry-run'], { home });
  t.equal(dry.code, 0, dry.stderr);
  t.equal(dry.stderr, '', '-q: nothing on stderr');
  // Expected figures from the file itself, not from the planner.
  const chunks = Math.ceil(image.size / (64 * 1024));
  const lastKiB = ((image.size - (chunks - 1) * 64 * 1024) / 1024).toFixed(1);
  t.match(dry.stdout, `Would create a boot resource and send ${chunks} chunks of 64.0 KiB, the last ${lastKiB} KiB.`);
  t.match(dry.stdout, `sha256: ${image.sha256}`);
  t.match(dry.stdout, `(${image.size} bytes)`);
  t.match(dry.stdout, 'resume: none (a new upload from byte 0)');
  const json = await cli(['-q', '--json', 'admin', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`, '--dry-run'], { home });
  t.same(JSON.parse(json.stdout).sha256, image.sha256, '-q --json: the plan document');
  // Another image under the same name replaces the stored one: the plan itself says so, as -q
  // hides the warning a run prints on stderr.
  t.equal((await cli(['-q', 'admin', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`], { home })).code, 0);
  const stored = JSON.parse((await cli(['admin', 'boot-resources', 'read', 'type=uploaded'], { home })).stdout) as Array<{ id: number; name: string }>;
  const other = makeImage(home, 300 * 1024, 'other.dd.gz');
  const replacing = await cli(['-q', 'admin', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${other.path}`, '--dry-run'], { home });
  t.equal(replacing.code, 0, replacing.stderr);
  const id = stored.find((r) => r.name === 'esxi/8.0')?.id;
  t.match(replacing.stdout, `replaces: esxi/8.0 (amd64/generic) already exists in MAAS as boot resource ${id}: this image replaces it, and MAAS deletes the older image's file (keep_old=true keeps it).`);
  const kept = await cli(['-q', 'admin', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', 'keep_old=true', `content@=${other.path}`, '--dry-run'], { home });
  t.match(kept.stdout, `replaces: esxi/8.0 (amd64/generic) already exists in MAAS as boot resource ${id}: this image becomes its newest version, and keep_old=true keeps the older files.`, 'keep_old=true: nothing deleted');
});
