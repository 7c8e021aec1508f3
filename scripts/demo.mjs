// `npm run demo`: the whole upload story against the embedded MAAS simulator, on 127.0.0.1 only.
// 1. start the simulator (MAAS 3.8 behaviour, link throttled so progress is visible)
// 2. log in a profile in a throw-away HOME (written in the official ~/.maascli.db format)
// 3. build a sample ddgz image laid out as ESXi, inspect it, start the upload, interrupt it with Ctrl-C (SIGINT)
// 4. list the unfinished upload, rerun the same command: it resumes from the server's offset
// 5. read the boot resource back and compare the stored bytes' sha256 with the source
// 6. beyond the upload (a second, in-process simulator with MAAS 3.4 behaviour, two rack
//    controllers and two machines): upload with --wait-ready until both racks hold the image,
//    deploy esx-01 and follow its events and our first boot to "Deployed" and SUCCESS, then
//    deploy esx-02 whose first boot fails at its network step: exit 6, explained
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'maas-esxi.js');
let env;
const bold = process.stderr.isTTY && !process.env.NO_COLOR;
const say = (s) => process.stderr.write(bold ? `\n\u001b[1m▶ ${s}\u001b[0m\n` : `\n▶ ${s}\n`);

/** The command as a user would type it: values with spaces or shell characters in single quotes. */
export function shellLine(args) {
  const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  return args
    .map((a) => {
      if (/^[\w@%+=:,./-]+$/.test(a)) return a;
      const m = /^([\w]+@?=)(.*)$/s.exec(a);
      return m ? `${m[1]}${quote(m[2])}` : quote(a);
    })
    .join(' ');
}

/** Run the CLI; `interrupt` sends SIGINT `afterMs` after a stderr line matches `when`. */
function run(args, { input, interrupt } = {}) {
  return new Promise((resolve) => {
    process.stderr.write(`$ maas-esxi ${shellLine(args)}\n`);
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer;
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      process.stderr.write(d);
      err += d;
      if (interrupt && !timer && interrupt.when.test(err)) {
        timer = setTimeout(() => {
          process.stderr.write('\n^C (demo sends SIGINT)\n');
          child.kill('SIGINT');
        }, interrupt.afterMs);
      }
    });
    child.stdin.end(input ?? '');
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'maas-esxi-demo-'));
  const home = join(work, 'home');
  env = { ...process.env, HOME: home, XDG_STATE_HOME: join(home, '.local', 'state'), MAAS_API_URL: '', MAAS_API_KEY: '' };
  const sim = spawn(process.execPath, [join(root, 'dist', 'testing', 'serve.js'), '--port', '0', '--era', '3.8', '--throttle', String(12 * 1024 * 1024), '--data-dir', join(work, 'maas')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise((resolve, reject) => {
    let buf = '';
    sim.stdout.on('data', (d) => { buf += d; const nl = buf.indexOf('\n'); if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl))); });
    sim.on('exit', (c) => reject(new Error(`simulator exited with ${c}`)));
  });
  let failed = false;
  try {
    say(`MAAS simulator (3.8 behaviour, link throttled to 12 MiB/s) listening at ${info.url}`);
    say('Log in (the key comes from stdin, never from argv)');
    const login = await run(['login', 'demo', info.url, '-'], { input: `${info.adminKey}\n` });
    if (login.code !== 0) throw new Error('login failed');

    say('Build a sample image: a 96 MiB disk laid out as ESXi 8.0 with our MAAS hooks, gzip-compressed (a stand-in for vmware-esxi.dd.gz)');
    const image = join(work, 'vmware-esxi.dd.gz');
    const { sampleEsxiImage } = await import(pathToFileURL(join(root, 'dist', 'testing', 'index.js')).href);
    writeFileSync(image, sampleEsxiImage({ diskBytes: 96 * 1024 * 1024 }));
    say('What is in it, before it leaves (create runs the same check: an esxi/… image without MAAS hooks is refused)');
    const seen = await run(['inspect', image]);
    process.stdout.write(seen.out);
    if (seen.code !== 0) throw new Error('inspect failed');
    const create = ['demo', 'boot-resources', 'create', 'name=esxi/8.0', 'title=VMware ESXi 8.0', 'architecture=amd64/generic', 'filetype=ddgz', `content@=${image}`, '--chunk-size', '4MiB'];

    say('Upload, then press Ctrl-C part-way (the demo sends SIGINT 1.5 s after the upload starts)');
    const first = await run(create, { interrupt: { when: /Creating the boot resource/, afterMs: 1500 } });
    process.stderr.write(`exit code ${first.code} (130 = interrupted, state saved)\n`);

    say('The unfinished upload is remembered');
    const list = await run(['demo', 'uploads', 'list']);
    process.stdout.write(list.out);

    say('Run the very same command again: it resumes from the server\'s offset');
    const second = await run(create);
    if (second.code !== 0) throw new Error(`resume failed with exit ${second.code}`);
    const stoppedAt = /interrupted at (\d+) of/.exec(first.err)?.[1];
    const resumedAt = /Resuming at byte (\d+) of/.exec(second.err)?.[1];
    if (stoppedAt && resumedAt) {
      say(
        Number(resumedAt) > Number(stoppedAt)
          ? `Why ${resumedAt} and not ${stoppedAt}: the first run had ${stoppedAt} bytes acknowledged when it stopped, but the chunk in flight at Ctrl-C still reached MAAS. The rerun asks MAAS how much it holds and starts there, so no byte is sent twice.`
          : `The rerun asked MAAS how much it holds (${resumedAt} bytes, what the first run had acknowledged) and started there.`,
      );
    }
    const resource = JSON.parse(second.out);
    const file = Object.values(Object.values(resource.sets)[0].files)[0];
    say(`Boot resource ${resource.id} ${resource.name}: complete=${file.complete}`);

    const expected = createHash('sha256');
    for await (const c of createReadStream(image)) expected.update(c);
    const stored = createHash('sha256');
    for await (const c of createReadStream(join(work, 'maas', 'files', file.filename_on_disk))) stored.update(c);
    const a = expected.digest('hex');
    const b = stored.digest('hex');
    say(`sha256 of the source ${a}\n  sha256 stored by MAAS ${b} ${a === b ? '✔ identical' : '✘ DIFFERENT'}`);
    if (a !== b) failed = true;
    if (!failed) failed = !(await beyondTheUpload(work, image));
  } catch (err) {
    failed = true;
    process.stderr.write(`demo failed: ${err.message}\n`);
  } finally {
    sim.kill('SIGTERM');
    await new Promise((r) => sim.on('exit', r));
    rmSync(work, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

/** Part 6: ready on every rack, deploy and verify (and one deployment that fails, explained). */
async function beyondTheUpload(work, image) {
  const { startMaasSimulator } = await import(pathToFileURL(join(root, 'dist', 'testing', 'index.js')).href);
  const site = await startMaasSimulator({
    era: '3.4',
    dataDir: join(work, 'maas-3.4'),
    racks: [{ hostname: 'rack-east' }, { hostname: 'rack-west', syncMs: 2500 }],
    machines: [{ hostname: 'esx-01' }, { hostname: 'esx-02', firstBoot: { failAt: 'network', cause: 'no link on vmnic1, the NIC MAAS booted from' } }],
    deployStepMs: 250,
  });
  try {
    say(`A second MAAS (3.4 behaviour: images live on rack controllers) with racks rack-east and rack-west at ${site.url}`);
    if ((await run(['login', 'site', site.url, '-'], { input: `${site.adminKey}\n` })).code !== 0) throw new Error('login failed');
    say('Upload and wait until every rack controller can deploy it (rack-west imports it 2.5 s later)');
    const up = await run(['site', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', 'filetype=ddgz', `content@=${image}`, '--wait-ready', '--poll', '500ms']);
    if (up.code !== 0) throw new Error(`upload with --wait-ready failed with exit ${up.code}`);
    say("Deploy esx-01 and follow MAAS's events, then our first boot, to a verified end");
    const ok = await run(['site', 'deploy', 'esx-01', '--image', 'esxi/8.0', '--wait', '--poll', '500ms']);
    process.stderr.write(`exit code ${ok.code} (0 = Deployed and first boot SUCCESS)\n`);
    say('Deploy esx-02: MAAS will say "Deployed", but its first boot fails at the network step');
    const bad = await run(['site', 'deploy', 'esx-02', '--image', 'esxi/8.0', '--wait', '--poll', '500ms']);
    process.stderr.write(`exit code ${bad.code} (6 = deployment failed; the line above names the step and its cause)\n`);
    return ok.code === 0 && bad.code === 6;
  } finally {
    await site.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
