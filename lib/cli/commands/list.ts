import { defineCommand } from '../command.js';

/** `list`, as `maas list` (src/maascli/cli.py cmd_list) but never printing the key. */
export const listCommand = defineCommand<Record<string, never>>({
  command: 'list',
  summary: 'list profiles (never prints API keys)',
  examples: [
    ['maas-esxi list', 'one line per profile: name and URL'],
    ['maas-esxi list --json', 'the profiles as JSON'],
  ],
  parse: () => ({}),
  async run(_o, ctx) {
    const { describeProfile, ProfileStore } = await import('../../profiles/index.js');
    const store = ProfileStore.open({ home: ctx.io.home, env: ctx.io.env });
    try {
      const profiles = store.list();
      if (ctx.flags.json) ctx.out.result(profiles.map(describeProfile));
      else for (const p of profiles) ctx.out.text(`${p.name} ${p.url}${p.credentials ? '' : ' (anonymous)'}`);
    } finally {
      store.close();
    }
  },
});
