import t from 'tap';
import { spawnSync } from 'node:child_process';
// @ts-expect-error: a plain .mjs script without types
import { shellLine } from '../../scripts/demo.mjs';

t.test('the demo echoes commands that paste into a shell unchanged', async (t) => {
  const cases: string[][] = [
    ['demo', 'boot-resources', 'create', 'name=esxi/8.0', 'title=VMware ESXi 8.0', 'architecture=amd64/generic', 'content@=/tmp/a b/vmware-esxi.dd.gz', '--chunk-size', '4MiB'],
    ['login', 'demo', 'http://127.0.0.1:5240/MAAS/', '-'],
    ["title=it's $HOME", 'x;y', ''],
  ];
  for (const args of cases) {
    const line = (shellLine as (a: string[]) => string)(args);
    const r = spawnSync('bash', ['-c', `set -- ${line}; printf '%s\\0' "$@"`], { encoding: 'utf8' });
    t.same(r.stdout.split('\0').slice(0, -1), args, line);
  }
  t.equal((shellLine as (a: string[]) => string)(['title=VMware ESXi 8.0']), "title='VMware ESXi 8.0'", 'key=value keeps the key outside the quotes, as people write it');
});
