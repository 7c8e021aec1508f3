import t from 'tap';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { completionEnv, cli } from '../fixtures/cli-harness.js';
import { tempDir } from '../fixtures/upload-env.js';
import { complete, shellSplit } from '../../lib/cli/completion.js';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';

/**
 * Completion in a real bash: the script from `maas-esxi completion bash` is sourced, COMP_LINE,
 * COMP_POINT, COMP_WORDS and COMP_CWORD are set as bash sets them on <TAB>, and COMPREPLY is read.
 */
t.test('bash completion', async (t) => {
  const { env, work, script } = await completionEnv(t, tempDir(t));
  const bashScript = script('bash');

  // [line as typed, COMP_WORDS as bash splits it (COMP_WORDBREAKS: = and :), expected COMPREPLY]
  const cases: Array<[string, string[], string[]]> = [
    ['maas-esxi ', ['maas-esxi', ''], ['login', 'logout', 'list', 'build', 'doctor', 'inspect', 'simulator', 'completion', 'env', 'admin', 'lab']],
    ['maas-esxi a', ['maas-esxi', 'a'], ['admin']],
    ['maas-esxi admin b', ['maas-esxi', 'admin', 'b'], ['build-and-upload', 'boot-resources', 'boot-resource']],
    ['maas-esxi admin boot-resources c', ['maas-esxi', 'admin', 'boot-resources', 'c'], ['create']],
    ['maas-esxi lab boot-resources create na', ['maas-esxi', 'lab', 'boot-resources', 'create', 'na'], ['name=']],
    ['maas-esxi admin create name=esxi/8.0 k', ['maas-esxi', 'admin', 'create', 'name', '=', 'esxi/8.0', 'k'], ['keep_old=']],
    ['maas-esxi admin boot-resources create filetype=ddg', ['maas-esxi', 'admin', 'boot-resources', 'create', 'filetype', '=', 'ddg'], ['ddgz']],
    ['maas-esxi admin boot-resources create filetype=', ['maas-esxi', 'admin', 'boot-resources', 'create', 'filetype', '='], ['=tgz', '=tbz', '=txz', '=ddtgz', '=ddtbz', '=ddtxz', '=ddtar', '=ddbz2', '=ddgz', '=ddxz', '=ddraw']],
    // No fixed list MAAS may refuse (hwe-24.04 is a kernel, not a usable architecture);
    // until `lab` has been read, its server's architectures are unknown.
    ['maas-esxi lab create architecture=amd', ['maas-esxi', 'lab', 'create', 'architecture', '=', 'amd'], []],
    ['maas-esxi admin create content@=im', ['maas-esxi', 'admin', 'create', 'content@', '=', 'im'], ['images/']],
    ['maas-esxi admin create content@=images/v', ['maas-esxi', 'admin', 'create', 'content@', '=', 'images/v'], ['images/vmware-esxi.dd.gz']],
    ['maas-esxi admin create --chunk', ['maas-esxi', 'admin', 'create', '--chunk'], ['--chunk-size']],
    ['maas-esxi --json a', ['maas-esxi', '--json', 'a'], ['admin']],
    ['maas-esxi build --iso vm', ['maas-esxi', 'build', '--iso', 'vm'], ['vmware-esxi-7.dd.gz']],
    ['maas-esxi logout l', ['maas-esxi', 'logout', 'l'], ['lab']],
    ['maas-esxi inspect vmw', ['maas-esxi', 'inspect', 'vmw'], []],
  ];
  // After a boot-resources read, architecture= offers what that MAAS has (its usable architectures).
  // Asynchronously: the simulator answering it runs in this process.
  await promisify(execFile)('maas-esxi', ['admin', 'boot-resources', 'read'], { env });
  cases.push(
    ['maas-esxi admin create architecture=', ['maas-esxi', 'admin', 'create', 'architecture', '='], ['=amd64/generic', '=arm64/generic']],
    ['maas-esxi admin create architecture=amd', ['maas-esxi', 'admin', 'create', 'architecture', '=', 'amd'], ['amd64/generic']],
  );
  for (const [line, words, expected] of cases) {
    const words2 = words.map((w) => `'${w}'`).join(' ');
    const r = spawnSync(
      'bash',
      ['--norc', '--noprofile', '-c', `source '${bashScript}' && complete -p maas-esxi && COMP_LINE='${line}' && COMP_POINT=\${#COMP_LINE} && COMP_WORDS=(${words2}) && COMP_CWORD=${words.length - 1} && _maas_esxi && printf '%s\\n' "\${COMPREPLY[@]}"`],
      { env, cwd: work, encoding: 'utf8' },
    );
    t.equal(r.status, 0, `bash: ${line}: ${r.stderr}`);
    const [registration, ...reply] = r.stdout.split('\n').filter((l) => l !== '');
    // -o default: an empty reply (inspect's IMAGE) falls back to bash's file-name completion.
    t.equal(registration, 'complete -o default -F _maas_esxi maas-esxi', 'complete -p shows the function, with file names as the fallback');
    t.same(reply, expected, `bash: ${line}<TAB>`);
  }
});

const env = { profiles: ['admin'], cwd: '/nonexistent', architectures: () => [], machines: () => [] };
/** The words the completer offers for `line`, computed in this process. */
const offered = (line: string) => complete(shellSplit(line), env);

// Values after an option with choices, and an action word after `uploads`.
t.test('completion offers option and positional choices', async (t) => {
  t.same(offered('maas-esxi admin create name=esxi/8.0 --same-image '), ['refuse', 'reuse', 'rebuild']);
  t.same(offered('maas-esxi admin create --same-image re'), ['refuse', 'reuse', 'rebuild']);
  t.same(offered('maas-esxi admin uploads '), ['list', 'resume', 'forget']);
  t.same(offered('maas-esxi admin uploads r'), ['resume']);
  t.same(offered('maas-esxi admin uploads resume --same-image '), ['refuse', 'reuse', 'rebuild']);
});

const tab = (home: string, line: string) => cli(['__complete', '--cur', line.split(' ').pop() ?? '', '--line', line], { home });

// `PROFILE deploy <TAB>` offers the hostnames of the profile's MAAS, remembered per profile when a
// command reads the machines (as `architecture=` values are): a Tab reads only that file, so it
// answers with the server down.
t.test('deploy <TAB> offers the machines MAAS listed last, per profile, without the network', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas'), machines: [{ hostname: 'esx-01' }, { hostname: 'esx-02' }, { hostname: 'busy', status: 'Deployed' }] });
  await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  t.equal((await tab(home, 'maas-esxi admin deploy ')).stdout, '', 'nothing known before a command read the machines');

  // deploy refuses the Deployed machine, and reads the machine list on the way.
  const busy = await cli(['admin', 'deploy', 'busy', '--image', 'esxi/8.0'], { home });
  t.equal(busy.code, 2, busy.stderr);
  await sim.close();
  const expected = ['busy', 'esx-01', 'esx-02'];
  t.same((await tab(home, 'maas-esxi admin deploy ')).stdout.trim().split('\n'), expected, 'every hostname, the server down');
  t.same((await tab(home, 'maas-esxi admin deploy esx')).stdout.trim().split('\n'), ['esx-01', 'esx-02'], 'filtered by the prefix');
  t.equal((await tab(home, 'maas-esxi admin deploy esx-01 ')).stdout, '', 'one machine per deploy');
  t.equal((await tab(home, 'maas-esxi other deploy ')).stdout, '', 'another profile has its own list');
});
