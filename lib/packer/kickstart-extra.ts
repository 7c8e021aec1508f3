/**
 * Checks of what goes into our kickstart, run before a build so a mistake costs seconds, not an
 * hour-long install that fails inside the VM. They mirror the rules the template's own scripts
 * apply at build time (packer/vmware-esxi/scripts/kickstart.py split_snippet,
 * esxi_password.py password_problems); test/cli/kickstart-extra.test.ts keeps both in step.
 */

/** Commands a snippet may not contain, and why (they would fight the image build). */
const REFUSED: Record<string, string> = {
  rootpw: 'set the root password with MAAS_ESXI_ROOT_PASSWORD instead',
  install: "the image is always a fresh install on the build VM's disk",
  upgrade: "the image is always a fresh install on the build VM's disk",
  installorupgrade: "the image is always a fresh install on the build VM's disk",
  network: "the build VM's network is ours; MAAS configures the deployed host's network",
  dryrun: 'a dry run would produce no image',
};

/** Sections a snippet may contain (ESXi scripted install: %pre, %post, %firstboot). */
const KICKSTART_SECTIONS = ['%pre', '%post', '%firstboot'] as const;

/** The first problem of a kickstart snippet, as `line N: …`, or undefined when it is fine. */
export function kickstartExtraProblem(text: string): string | undefined {
  let inSection = false;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i += 1) {
    const stripped = lines[i]!.trim();
    if (/^%(pre|post|firstboot)\b/.test(stripped)) inSection = true;
    if (inSection) continue;
    const word = stripped !== '' && !stripped.startsWith('#') ? stripped.split(/\s+/)[0]!.toLowerCase() : '';
    const why = Object.hasOwn(REFUSED, word) ? REFUSED[word] : undefined;
    if (why) return `line ${i + 1}: '${word}' is not allowed: ${why}`;
    if (stripped.startsWith('%')) return `line ${i + 1}: unknown section '${stripped}' (allowed: ${KICKSTART_SECTIONS.join(', ')})`;
  }
  return undefined;
}

/**
 * ESXi's default root password rules (Security.PasswordQualityControl `retry=3
 * min=disabled,disabled,disabled,7,7` on 6.7–8.0, as packer/vmware-esxi/scripts/esxi_password.py explains):
 * 7–39 characters from at least three classes, where a leading capital and a trailing digit
 * do not count; not containing the user name. Printable ASCII without quotes or backslashes,
 * because it is written on the kickstart's `rootpw` line.
 */
export function rootPasswordProblems(password: string): string[] {
  const problems: string[] = [];
  if (password.length < 7 || password.length > 39) problems.push(`must be 7 to 39 characters long (has ${password.length})`);
  if ([...password].some((c) => c.charCodeAt(0) < 33 || c.charCodeAt(0) > 126 || `"'\\`.includes(c))) {
    problems.push("may only hold printable ASCII characters without spaces, quotes or backslashes (it is written on the kickstart's rootpw line)");
  }
  let counted = password;
  if (/^[A-Z]/.test(counted)) counted = counted.slice(1);
  if (/[0-9]$/.test(counted)) counted = counted.slice(0, -1);
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(counted)).length;
  if (classes < 3) problems.push('must mix at least 3 of: lower case, upper case, digits, other characters (a leading capital and a trailing digit do not count)');
  if (password.toLowerCase().includes('root')) problems.push("must not contain the user name 'root'");
  return problems;
}
