import t from 'tap';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { completionEnv } from '../fixtures/cli-harness.js';
import { tempDir } from '../fixtures/upload-env.js';

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
