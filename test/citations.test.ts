/**
 * Comments, test names and scripts cite the repository's own docs/ pages or upstream sources,
 * never research notes that do not ship with the code, and every `docs/<page>.md#anchor` they
 * cite is a heading of that page (docs/architecture.md, "Conventions").
 */
import t from 'tap';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const self = relative(root, fileURLToPath(import.meta.url));
const SCANNED = ['lib', 'bin', 'packer', 'test', 'bench', 'scripts', '.ci', '.taprc'];
const NOTES = ['maas-api', 'maas-cli', 'maas-curtin-config', 'ecosystem', 'design', 'DEVELOPERS', 'packer', 'seed-how-to-manage-vmware-images'];
/** A note's file name not preceded by a path (so `docs/packer.md` is ours). */
const OUTSIDE = new RegExp(`(?<![\\w./-])(?:reference/)?(?:${NOTES.join('|')})\\.md`);
/** A section sign not belonging to another standard (ECMA-119 §8.4, RFC 5849 §3.4.4, YAML §7.3). */
const BARE_SECTION = new RegExp(`(?<!(?:ECMA-\\d+|RFC \\d+|YAML|§[\\d.]+,?) )\\u00a7\\s?\\d`);
const CITED_ANCHOR = /docs\/([\w-]+\.md)#([\w-]+)/g;
/** An upstream project's issue: `owner/repo#N`, `packer-plugin-qemu#197`, `packer-maas issues 271/278/304`. */
const UPSTREAM_ISSUE = /[\w.-]+\/[\w.-]+#\d+|\b(?:packer-maas|packer-plugin-qemu|maas|packer)\s*(?:issues?\s+)?#?\d+(?:\/#?\d+)*/gi;
/** Our own tracker's numbers mean nothing to a reader of the shipped code: cite what they taught. */
const OWN_ISSUE = /\bissues?\s*#?\d+|(?<=[\s(])#\d+\b/i;
/**
 * In a comment, a path into a folder only we have (it must exist) or a Node script's bare name
 * (it must ship somewhere); `scripts/…`, `packer/…` and `*.sh` name upstream files too.
 */
const REPO_PATH = /(?<![\w./-])((?:lib|test|docs|bench|\.ci)\/[\w./-]*\w)/g;
const SCRIPT_NAME = /(?<![\w./-])([\w-]+\.mjs)\b/g;
/** The comment part of a line: after `//` or `#`, or a JSDoc line. */
const COMMENT = /(?:^\s*\*|^\s*\/\*\*|(?<![:\w])\/\/|(?:^|\s)#)(.*)$/;
/** In JavaScript and TypeScript `#` starts no comment (a private name, tap's ` # time=`). */
const JS_COMMENT = /(?:^\s*\*|^\s*\/\*\*|(?<![:\w])\/\/)(.*)$/;

function files(rel: string): string[] {
  const abs = join(root, rel);
  if (!existsSync(abs)) return [];
  if (statSync(abs).isFile()) return [rel];
  return readdirSync(abs, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (['node_modules', 'dist'].includes(e.name) ? [] : files(join(rel, e.name))) : [join(rel, e.name)],
  );
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(page: string): Set<string> {
  const text = readFileSync(join(root, 'docs', page), 'utf8');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

t.test('GitHub anchors', async (t) => {
  t.equal(slug('The 300 s window'), 'the-300-s-window');
  t.equal(slug('oauth-1.0a'), 'oauth-10a');
  t.equal(slug('Machines: deploy'), 'machines-deploy');
  t.equal(slug('login, logout, list, refresh'), 'login-logout-list-refresh');
});

/** The repository path a line cites that does not exist (a path with a line number or anchor is cut at it). */
function missingRepoPaths(file: string, code: string, shipped: ReadonlySet<string>): string[] {
  const line = (/\.(ts|mjs|js)$/.test(file) ? JS_COMMENT : COMMENT).exec(code)?.[1] ?? '';
  const paths = [...line.matchAll(REPO_PATH)].map((m) => m[1]!.replace(/[:#].*$/, '').replace(/\.$/, ''));
  const scripts = [...line.matchAll(SCRIPT_NAME)].map((m) => m[1]!);
  // bench/out/ holds what a run writes, not a citation.
  return [...paths.filter((p) => !p.includes('*') && !p.startsWith('bench/out/') && !existsSync(join(root, p))), ...scripts.filter((n) => !shipped.has(n))];
}

t.test('no citation points outside the repository, and every cited docs/ anchor exists', async (t) => {
  const outside: string[] = [];
  const missing: string[] = [];
  const pages = new Map<string, Set<string>>();
  const all = SCANNED.flatMap(files);
  const shipped = new Set(all.map((f) => f.split('/').at(-1)!));
  for (const file of all) {
    if (file === self || !/\.(ts|mjs|js|py|hcl|sh|cfg)$|(^|\/)(run|\.taprc)$/.test(file)) continue;
    readFileSync(join(root, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const own = OWN_ISSUE.test(line.replace(UPSTREAM_ISSUE, ''));
        if (OUTSIDE.test(line) || BARE_SECTION.test(line) || own) outside.push(`${file}:${i + 1}: ${line.trim()}`);
        for (const p of missingRepoPaths(file, line, shipped)) missing.push(`${file}:${i + 1}: ${p}`);
        for (const [, page, anchor] of line.matchAll(CITED_ANCHOR)) {
          if (!pages.has(page!)) pages.set(page!, existsSync(join(root, 'docs', page!)) ? anchors(page!) : new Set());
          if (!pages.get(page!)!.has(anchor!)) missing.push(`${file}:${i + 1}: docs/${page}#${anchor}`);
        }
      });
  }
  t.same(outside, [], 'cite docs/, a repository path or the upstream source (file and function, a URL, owner/repo#N) instead');
  t.same(missing, [], 'each cited path must exist and each cited anchor must be a heading of its page');
});
