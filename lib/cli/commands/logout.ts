import { defineCommand } from '../command.js';

interface LogoutOptions {
  profile: string;
}

/** `logout PROFILE`, as `maas logout` (src/maascli/cli.py cmd_logout). */
export const logoutCommand = defineCommand<LogoutOptions>({
  command: 'logout <profile>',
  summary: 'forget a profile (and its CA file)',
  examples: [['maas-esxi logout admin', 'remove profile admin from ~/.maascli.db']],
  builder: (y) => y.positional('profile', { type: 'string', describe: 'the profile to forget, e.g. admin' }),
  parse: (argv) => ({ profile: String(argv['profile']) }),
  async run(o, ctx) {
    const { ProfileStore } = await import('../../profiles/index.js');
    const store = ProfileStore.open({ home: ctx.io.home, env: ctx.io.env, create: true });
    try {
      const removed = store.remove(o.profile);
      ctx.out.info(removed ? `Logged out of '${o.profile}'.` : `No profile '${o.profile}'; nothing to do.`);
    } finally {
      store.close();
    }
  },
});
