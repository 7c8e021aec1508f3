import t from 'tap';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli, ctrlCOnceAcked } from '../fixtures/cli-harness.js';
import { makeImage, tempDir } from '../fixtures/upload-env.js';
import { cliHint } from '../../lib/cli/hint-flags.js';

// Hints speak the profile the user typed, not a placeholder.
t.test('a hint names the known profile instead of PROFILE', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas'), machines: [{ hostname: 'esx-01' }] });
  t.teardown(() => sim.close());
  await cli(['login', 'lab', sim.url, sim.adminKey], { home });
  const image = makeImage(home, 64 * 1024);
  t.equal((await cli(['lab', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`], { home })).code, 0);
  t.equal((await cli(['lab', 'deploy', 'esx-01', '--image', 'esxi/8.0', '--wait'], { home })).code, 0);
  const again = await cli(['lab', 'deploy', 'esx-01', '--image', 'esxi/8.0'], { home });
  t.equal(again.code, 2);
  t.match(again.stderr, /maas lab machine release /, 'the hint uses profile lab');
  t.notMatch(again.stderr, /PROFILE/);
});

t.test('the known-sha256 line names its source: the saved upload, the sha256= field', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  const image = makeImage(home, 512 * 1024);
  const interrupt = ctrlCOnceAcked(t, sim, 1);
  sim.faults.latency(40);
  const cut = await cli(['admin', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`, '--chunk-size', '64KiB'], { home, signal: interrupt });
  t.equal(cut.code, 130);
  sim.faults.latency(null);
  const [upload] = JSON.parse((await cli(['admin', 'uploads', 'list', '--json'], { home })).stdout) as { id: string }[];
  const resumed = await cli(['admin', 'uploads', 'resume', upload!.id], { home });
  t.equal(resumed.code, 0, resumed.stderr);
  t.notMatch(resumed.stderr, /computed by the build|the build computed/);
  t.match(resumed.stderr, 'Using the sha256 saved with the interrupted upload (the image is not hashed again).', 'it names where the sha256 came from');
  // sha256= given: the field is named.
  const other = makeImage(home, 256 * 1024, 'other.dd.gz');
  const given = await cli(['admin', 'create', 'name=esxi/given', 'architecture=amd64/generic', `content@=${other.path}`, `sha256=${other.sha256}`], { home });
  t.equal(given.code, 0, given.stderr);
  t.match(given.stderr, 'Using the sha256 given in sha256= (the image is not hashed).');
});

// The --json error document is read by the same user: its hint speaks CLI words too.
t.test('--json errors carry the hint in CLI words', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  const r = await cli(['--json', 'admin', 'uploads', 'forget', 'zz'], { home });
  t.not(r.code, 0);
  const doc = JSON.parse(r.stdout) as { error: { hint: string } };
  t.match(doc.error.hint, "'maas-esxi admin uploads list'");
  t.notMatch(doc.error.hint, /bootResources\./);
});

// The SDK's hints speak SDK options; the CLI shows its flags and the profile typed.
t.test('SDK options in hints become CLI flags', async (t) => {
  t.equal(cliHint("Rerun with sameImage: 'reuse' or sameImage: 'rebuild'.", 'admin'), 'Rerun with --same-image reuse or --same-image rebuild.');
  t.equal(cliHint('Use a chunkSize from 64 KiB to 10 MiB, or resume: false.', undefined), 'Use a --chunk-size from 64 KiB to 10 MiB, or --no-resume.');
  t.equal(cliHint('Lower limitRate, or pass insecure: true.', undefined), 'Lower --limit-rate, or pass --insecure.');
  t.equal(cliHint('Release it first (maas PROFILE machine release x).', 'lab'), 'Release it first (maas lab machine release x).');
  t.equal(cliHint("Log in again with 'maas-esxi login PROFILE URL -'.", 'lab'), "Log in again with 'maas-esxi login lab URL -'.");
  t.equal(cliHint("Log in again with 'maas-esxi login PROFILE URL -', or run 'maas-esxi PROFILE boot-resources read'.", 'env'), "Log in again with 'maas-esxi login PROFILE URL -', or run 'maas-esxi env boot-resources read'.", "'maas-esxi login env' is refused: the placeholder stays");
  t.equal(cliHint("Release it first (machines.release('abhyvd')), then deploy again.", 'lab'), 'Release it first (maas lab machine release abhyvd), then deploy again.', 'an SDK call becomes the command');
  t.equal(cliHint("Upload the current file with bootResources.upload, and drop the old state with bootResources.forget('3f2a').", 'lab'), "Upload the current file with 'maas-esxi lab create', and drop the old state with 'maas-esxi lab uploads forget 3f2a'.");
  t.equal(cliHint('Call upload() again with the same options to resume.', 'lab'), 'Rerun the same command to resume.');
  t.equal(cliHint('Check the path option.', 'lab'), 'Check the path given in content@=FILE.');
  t.equal(cliHint("The sha256 option (00ff) may not be the file's: leave it out.", 'lab'), "The sha256= you gave (00ff) may not be the file's: leave it out.");
  t.equal(cliHint('Set limitRate to 1024 bytes per second or more.', 'lab'), 'Set --limit-rate 1K or more (e.g. 500K, 2M).');
  t.equal(cliHint('Use a chunkSize between 64 KiB and 10 MiB.', 'lab'), 'Use a --chunk-size between 64 KiB and 10 MiB.');
  t.equal(cliHint('maas PROFILE machine release x', 'a,b'), 'maas PROFILE machine release x', 'several sites: no single profile to name');
  t.equal(cliHint('Rerun with --same-image reuse.', 'admin'), 'Rerun with --same-image reuse.', 'CLI flags stay as they are');
  t.equal(cliHint('Pass --cacerts FILE (e.g. cacerts.pem), or cacerts.', 'admin'), 'Pass --cacerts FILE (e.g. cacerts.pem), or --cacerts.');
  t.equal(
    cliHint('Check the API key (the apiKey option, or the MAAS_API_KEY variable).', 'admin'),
    "Check the API key (the key given to 'maas-esxi login', or MAAS_API_KEY with the env profile).",
    'the key is a login argument or stdin on the command line, not an option',
  );
  t.equal(
    cliHint('Check the MAAS URL (the url option): it should end in /MAAS/ (e.g. http://HOST:5240/MAAS/).', 'admin'),
    "Check the MAAS URL (the URL given to 'maas-esxi login', or MAAS_API_URL with the env profile): it should end in /MAAS/ (e.g. http://HOST:5240/MAAS/).",
  );
});
