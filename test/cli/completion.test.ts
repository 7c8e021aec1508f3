import t from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { tempDir } from '../fixtures/upload-env.js';

/**
 * Completion in real shells: the script from `maas-esxi completion` is sourced, the shell's
 * completion variables are set as on a <TAB>, and the real CLI (dist/, as installed) answers.
 */
const bin = fileURLToPath(new URL('../../bin/maas-esxi.js', import.meta.url));
const hasZsh = spawnSync('zsh', ['-fc', 'true']).status === 0;

t.test('completion in bash and zsh', async (t) => {
  t.ok(existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))), 'dist/ is built (npm test builds it first)');
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  t.equal((await cli(['login', 'admin', sim.url, sim.adminKey], { home })).code, 0);
  t.equal((await cli(['login', 'lab', sim.url, sim.adminKey], { home })).code, 0);
  const binDir = join(home, 'bin');
  mkdirSync(binDir);
  writeFileSync(join(binDir, 'maas-esxi'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`);
  chmodSync(join(binDir, 'maas-esxi'), 0o755);
  const work = join(home, 'work');
  mkdirSync(join(work, 'images'), { recursive: true });
  writeFileSync(join(work, 'images', 'vmware-esxi.dd.gz'), 'x');
  writeFileSync(join(work, 'vmware-esxi-7.dd.gz'), 'x');
  const env = { PATH: `${binDir}:${process.env['PATH'] ?? ''}`, HOME: home, SHELL: '/bin/bash' };
  const script = (shell: string): string => {
    const r = spawnSync(process.execPath, [bin, 'completion', shell], { env, encoding: 'utf8' });
    t.equal(r.status, 0, r.stderr);
    const path = join(home, `completion.${shell}`);
    writeFileSync(path, r.stdout);
    return path;
  };
  const bashScript = script('bash');

  // [line as typed, COMP_WORDS as bash splits it (COMP_WORDBREAKS: = and :), expected COMPREPLY]
  const cases: Array<[string, string[], string[]]> = [
    ['maas-esxi ', ['maas-esxi', ''], ['login', 'logout', 'list', 'build', 'doctor', 'completion', 'env', 'admin', 'lab']],
    ['maas-esxi a', ['maas-esxi', 'a'], ['admin']],
    ['maas-esxi admin b', ['maas-esxi', 'admin', 'b'], ['build-and-upload', 'boot-resources', 'boot-resource']],
    ['maas-esxi admin boot-resources c', ['maas-esxi', 'admin', 'boot-resources', 'c'], ['create']],
    ['maas-esxi lab boot-resources create na', ['maas-esxi', 'lab', 'boot-resources', 'create', 'na'], ['name=']],
    ['maas-esxi admin create name=esxi/8.0 k', ['maas-esxi', 'admin', 'create', 'name', '=', 'esxi/8.0', 'k'], ['keep_old=']],
    ['maas-esxi admin boot-resources create filetype=ddg', ['maas-esxi', 'admin', 'boot-resources', 'create', 'filetype', '=', 'ddg'], ['ddgz']],
    ['maas-esxi admin boot-resources create filetype=', ['maas-esxi', 'admin', 'boot-resources', 'create', 'filetype', '='], ['=tgz', '=tbz', '=txz', '=ddtgz', '=ddtbz', '=ddtxz', '=ddtar', '=ddbz2', '=ddgz', '=ddxz', '=ddraw']],
    ['maas-esxi admin create architecture=amd', ['maas-esxi', 'admin', 'create', 'architecture', '=', 'amd'], ['amd64/generic', 'amd64/hwe-24.04']],
    ['maas-esxi admin create content@=im', ['maas-esxi', 'admin', 'create', 'content@', '=', 'im'], ['images/']],
    ['maas-esxi admin create content@=images/v', ['maas-esxi', 'admin', 'create', 'content@', '=', 'images/v'], ['images/vmware-esxi.dd.gz']],
    ['maas-esxi admin create --chunk', ['maas-esxi', 'admin', 'create', '--chunk'], ['--chunk-size']],
    ['maas-esxi --json a', ['maas-esxi', '--json', 'a'], ['admin']],
    ['maas-esxi build --iso vm', ['maas-esxi', 'build', '--iso', 'vm'], ['vmware-esxi-7.dd.gz']],
    ['maas-esxi logout l', ['maas-esxi', 'logout', 'l'], ['lab']],
  ];
  for (const [line, words, expected] of cases) {
    const words2 = words.map((w) => `'${w}'`).join(' ');
    const r = spawnSync(
      'bash',
      ['--norc', '--noprofile', '-c', `source '${bashScript}' && complete -p maas-esxi && COMP_LINE='${line}' && COMP_POINT=\${#COMP_LINE} && COMP_WORDS=(${words2}) && COMP_CWORD=${words.length - 1} && _maas_esxi && printf '%s\\n' "\${COMPREPLY[@]}"`],
      { env, cwd: work, encoding: 'utf8' },
    );
    t.equal(r.status, 0, `bash: ${line}: ${r.stderr}`);
    const [registration, ...reply] = r.stdout.split('\n').filter((l) => l !== '');
    t.equal(registration, 'complete -F _maas_esxi maas-esxi', 'complete -p shows the function');
    t.same(reply, expected, `bash: ${line}<TAB>`);
  }

  if (!hasZsh) {
    t.fail('zsh is not installed (Debian package zsh; .ci/run installs it)');
    return;
  }
  const zshScript = script('zsh');
  const registered = spawnSync('zsh', ['-fc', `autoload -U compinit && compinit -u -D && source '${zshScript}' && print -r -- \${_comps[maas-esxi]}`], { env, cwd: work, encoding: 'utf8' });
  t.equal(registered.stdout.trim(), '_maas_esxi', 'zsh: compinit knows the function');
  // compadd only works inside a completion widget: stand in for it and record what was offered.
  const zshCases: Array<[string[], string[]]> = [
    [['maas-esxi', 'a'], ['closed:admin']],
    [['maas-esxi', 'admin', 'boot-resources', 'c'], ['closed:create']],
    [['maas-esxi', 'admin', 'boot-resources', 'create', 'ke'], ['open:keep_old=']],
    [['maas-esxi', 'admin', 'create', 'filetype=ddg'], ['closed:filetype=ddgz']],
    [['maas-esxi', 'admin', 'create', 'content@=images/'], ['closed:content@=images/vmware-esxi.dd.gz']],
    [['maas-esxi', 'admin', 'create', 'content@=i'], ['open:content@=images/']],
  ];
  for (const [words, expected] of zshCases) {
    const r = spawnSync(
      'zsh',
      [
        '-fc',
        `compdef() { :; }; compadd() { local kind=closed; [[ "$3" == "" && "$2" == -S ]] && kind=open; shift $(( \${@[(i)--]} )); for c in "$@"; do print -r -- "$kind:$c"; done }; source '${zshScript}'; words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; _maas_esxi`,
      ],
      { env, cwd: work, encoding: 'utf8' },
    );
    t.equal(r.status, 0, `zsh: ${words.join(' ')}: ${r.stderr}`);
    t.same(r.stdout.split('\n').filter(Boolean), expected, `zsh: ${words.join(' ')}<TAB>`);
  }
});
