import t from 'tap';
import { spawnSync } from 'node:child_process';
import { completionEnv } from '../fixtures/cli-harness.js';
import { tempDir } from '../fixtures/upload-env.js';

/**
 * Completion in a real zsh (Debian package zsh; scripts/run-tests.mjs leaves this file out
 * where zsh is missing): compinit registers the function; with compadd stood in for, the
 * function offers the right words and leaves key= and directories open.
 */
t.test('zsh completion', async (t) => {
  const { env, work, script } = await completionEnv(t, tempDir(t));
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
    // maas-esxi offers nothing (a path it cannot list, inspect's IMAGE): zsh's own file
    // completion, after the content@= prefix, as bash's `complete -o default` does.
    [['maas-esxi', 'admin', 'create', 'content@=~/zz'], ['compset:-P *@=', 'files']],
    [['maas-esxi', 'inspect', 'zz'], ['compset:-P *@=', 'files']],
  ];
  for (const [words, expected] of zshCases) {
    const r = spawnSync(
      'zsh',
      [
        '-fc',
        `compdef() { :; }; compset() { print -r -- "compset:$*"; }; _files() { print -r -- files; }; compadd() { local kind=closed; [[ "$3" == "" && "$2" == -S ]] && kind=open; shift $(( \${@[(i)--]} )); for c in "$@"; do print -r -- "$kind:$c"; done }; source '${zshScript}'; words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; _maas_esxi`,
      ],
      { env, cwd: work, encoding: 'utf8' },
    );
    t.equal(r.status, 0, `zsh: ${words.join(' ')}: ${r.stderr}`);
    t.same(r.stdout.split('\n').filter(Boolean), expected, `zsh: ${words.join(' ')}<TAB>`);
  }
});
