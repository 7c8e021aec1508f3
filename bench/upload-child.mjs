// One CLI upload (`maas-esxi env create …`, the real CLI code path) in its own process; writes
// {"maxRssKiB": …, "seconds": …} to the file named by the last argument, for bench/run.mjs.
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [url, apiKey, path, stateDir, report] = process.argv.slice(2);
process.env.MAAS_API_URL = url;
process.env.MAAS_API_KEY = apiKey;
process.env.XDG_STATE_HOME = stateDir;
process.argv = [process.argv[0], join(root, 'bin', 'maas-esxi.js'), 'env', 'create', 'name=esxi/rss', 'title=rss', 'architecture=amd64/generic', 'filetype=ddraw', `content@=${path}`, '--quiet'];
const { run } = await import(join(root, 'dist', 'cli', 'run.js'));
const t0 = Date.now();
await run();
writeFileSync(report, JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS, seconds: (Date.now() - t0) / 1000, exitCode: process.exitCode ?? 0 }));
