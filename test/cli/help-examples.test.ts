import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startMaasSimulator, type MaasSimulator } from '../../lib/testing/index.js';
import { MaasClient } from '../../lib/client/maas-client.js';
import { GROUPS, PROFILE, TOP_LEVEL } from '../../lib/cli/commands/index.js';
import { parseCommandLine } from '../../lib/cli/main.js';
import { shellSplit } from '../../lib/cli/completion.js';
import { cli, runContext } from '../fixtures/cli-harness.js';
import { tempDir } from '../fixtures/upload-env.js';

const bin = fileURLToPath(new URL('../../bin/maas-esxi.js', import.meta.url));

/**
 * Examples that need a Packer build (an ESXi ISO, QEMU) or write into zsh's own function path are
 * parsed only (the command line must be one maas-esxi accepts); every other example of every
 * command's --help runs in bash against the simulator.
 */
const PARSE_ONLY = /maas-esxi (\S+ )?(build|build-and-upload|doctor --iso)\b|\$\{fpath/;

/** Every `--help` example, in registry order (login first, so the profile exists; logout last). */
function helpExamples(): string[] {
  const specs = [...TOP_LEVEL, ...PROFILE, ...GROUPS.flatMap((g) => g.commands)];
  const all = [...new Set(specs.flatMap((s) => s.examples.map(([line]) => line)))];
  return [...all.filter((l) => !l.includes(' logout ')), ...all.filter((l) => l.includes(' logout '))];
}

/** A long-running command: its output until it prints an API key, then SIGINT, its exit code. */
function runUntilReady(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const bound = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (/MAAS_API_KEY=/.test(stdout)) child.kill('SIGINT');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(bound);
      resolve({ code, stdout, stderr });
    });
  });
}

// An example that no longer works fails the build.
t.test("every example in every command's --help works against the simulator", async (t) => {
  if (!existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)))) throw new Error('dist/ is not built: run npm run build');
  const home = tempDir(t);
  const sims: MaasSimulator[] = [];
  for (const name of ['admin', 'site2', 'site3']) {
    const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, `maas-${name}`), machines: [{ hostname: 'esx-01' }] });
    t.teardown(() => sim.close());
    sims.push(sim);
  }
  const admin = sims[0]!;
  // Stand-ins: the shell's `maas` (sudo maas apikey …) prints the admin key; MAAS's hostnames are the simulator.
  const binDir = join(home, 'bin');
  mkdirSync(binDir);
  const script = (name: string, body: string) => {
    writeFileSync(join(binDir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(binDir, name), 0o755);
  };
  script('maas-esxi', `exec "${process.execPath}" "${bin}" "$@"`);
  script('sudo', 'exec "$@"');
  script('maas', `echo '${admin.adminKey}'`);
  const work = join(home, 'work');
  mkdirSync(work);
  writeFileSync(join(home, 'maas-api-key'), admin.adminKey);
  writeFileSync(join(work, 'vmware-esxi.dd.gz'), gzipSync(Buffer.alloc(300 * 1024, 7)));
  writeFileSync(join(work, 'site.ks'), '%firstboot --interpreter=busybox\necho hello\n');
  const env = { PATH: `${binDir}:${process.env['PATH'] ?? ''}`, HOME: home, XDG_STATE_HOME: join(home, '.local', 'state') };
  for (const [i, name] of ['site1', 'site2', 'site3'].entries()) {
    t.equal((await cli(['login', name, sims[i]!.url, sims[i]!.adminKey], { home, env })).code, 0);
  }
  const machine = admin.machine('esx-01')!;
  const maas = MaasClient.connect({ url: admin.url, apiKey: admin.adminKey });
  t.teardown(() => maas.close());
  let unfinished = 0;
  /** An upload Ctrl-C stopped after MAAS acknowledged its first chunk, for `uploads resume/forget ID`. */
  const leaveUnfinished = async () => {
    unfinished += 1;
    const file = join(work, `partial-${unfinished}.dd.gz`);
    writeFileSync(file, gzipSync(Buffer.alloc(400 * 1024, unfinished)));
    const acked = () => admin.requests.filter((q) => q.method === 'PUT' && q.status === 200).length;
    const before = acked();
    const ac = new AbortController();
    const watch = setInterval(() => acked() > before && ac.abort(new Error('SIGINT')), 5);
    admin.faults.latency(40);
    const r = await cli(['admin', 'create', `name=esxi/7.0u${unfinished}`, 'architecture=amd64/generic', `content@=${file}`, '--chunk-size', '64KiB'], { home, env, signal: ac.signal });
    clearInterval(watch);
    admin.faults.latency(null);
    t.equal(r.code, 130, 'an unfinished upload to resume or forget');
  };
  const ids: Record<string, () => Promise<string>> = {
    // Placeholders of the examples, replaced by what exists on the simulator when they run.
    '3f2a': async () => {
      const r = await cli(['admin', 'uploads', 'list', '--json'], { home, env });
      return (JSON.parse(r.stdout) as { id: string }[])[0]?.id.slice(0, 6) ?? 'none';
    },
    ' 7': async () => {
      const r = await cli(['admin', 'boot-resources', 'read', 'type=uploaded', '--json'], { home, env });
      return ` ${(JSON.parse(r.stdout) as { id: number }[])[0]?.id ?? 0}`;
    },
    '4y3h7n': async () => machine.system_id,
  };
  for (const example of helpExamples()) {
    if (PARSE_ONLY.test(example)) {
      // The command's own words: no environment assignments before it, no shell redirections after.
      const command = example.slice(example.indexOf('maas-esxi ')).replace(/\s+\d?>>?\s*\S+/g, '');
      const words = shellSplit(command).slice(1);
      const d = await parseCommandLine(words, runContext({ home }).ctx.io).catch((err: unknown) => err);
      t.notOk(d instanceof Error, `parses: ${example}${d instanceof Error ? `: ${d.message}` : ''}`);
      continue;
    }
    if (example.startsWith('maas-esxi simulator')) {
      // It runs until Ctrl-C: started, read until it prints its key, then interrupted (exit 0).
      const words = shellSplit(example.replace('--port 5240', '--port 0')).slice(1);
      const r = await runUntilReady([bin, ...words], env);
      t.match(r.stdout, /MAAS_API_URL=http:\/\/127\.0\.0\.1:\d+\/MAAS\/\nMAAS_API_KEY=\S+:\S+:\S+/, `runs: ${example}`);
      t.equal(r.code, 0, `Ctrl-C stops it: ${example}\n${r.stderr}`);
      continue;
    }
    if (/uploads (resume|forget) 3f2a/.test(example)) await leaveUnfinished();
    // Each deploy example starts from a Ready machine, as a user's would.
    if (example.includes(' deploy ') && admin.machine('esx-01')!.status_name !== 'Ready') await maas.machines.release(machine.system_id);
    let line = example.replace(/http:\/\/(maas\.example|10\.0\.0\.2):5240\/MAAS\//g, admin.url).replace('~/maas-api-key', join(home, 'maas-api-key'));
    for (const [placeholder, value] of Object.entries(ids)) if (line.includes(placeholder)) line = line.replace(placeholder, await value());
    // Asynchronously: the simulator answers from this process.
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile('bash', ['-c', line], { cwd: work, env, encoding: 'utf8', timeout: 60_000 }, (err, _out, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stderr }));
    });
    t.equal(r.code, 0, `runs: ${line}\n${r.stderr}`);
  }
  t.ok(admin.requests.some((q) => q.method === 'POST' && q.path.includes('machines/')), 'the deploy examples reached MAAS');
});
