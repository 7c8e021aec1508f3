/**
 * SDK errors carry hints in the SDK's words (`sameImage: 'reuse'`, `chunkSize`, `maas PROFILE …`);
 * a CLI user reads them in the CLI's words (`--same-image reuse`, `--chunk-size`, their profile).
 * The SDK owns its hints; this mapping is the CLI's side of that contract.
 */
// Only whole words that are not already flags or file names (`--cacerts`, `cacerts.pem` stay).
const OPTION_FLAGS: ReadonlyArray<readonly [RegExp, string]> = [
  [/(?<![-\w.])sameImage: ?'(\w+)'/g, '--same-image $1'],
  [/(?<![-\w.])resume: ?false\b/g, '--no-resume'],
  [/(?<![-\w.])insecure: ?true\b/g, '--insecure'],
  // Whole sentences first: the single words below would take them apart.
  [/(?<![-\w.])limitRate to 1024 bytes per second or more/g, '--limit-rate 1K or more (e.g. 500K, 2M)'],
  [/(?<![-\w.])chunkSize\b/g, '--chunk-size'],
  [/(?<![-\w.])limitRate\b/g, '--limit-rate'],
  [/(?<![-\w.])sameImage\b/g, '--same-image'],
  [/(?<![-\w.])cacerts\b(?!\.\w)/g, '--cacerts'],
  // SDK calls a hint names, as the commands that do the same.
  [/Call upload\(\) again with the same options/g, 'Rerun the same command'],
  [/\bCheck the path option\b/g, 'Check the path given in content@=FILE'],
  [/\bThe sha256 option \(/g, 'The sha256= you gave ('],
  [/machines\.release\('([\w-]+)'\)/g, 'maas PROFILE machine release $1'],
  [/bootResources\.forget\('([\w-]+)'\)/g, "'maas-esxi PROFILE uploads forget $1'"],
  [/bootResources\.pendingUploads\(\)/g, "'maas-esxi PROFILE uploads list'"],
  [/bootResources\.upload\b/g, "'maas-esxi PROFILE create'"],
  [/the ca option \(or MAAS_API_CACERT\), or set insecure/g, '--cacerts (or MAAS_API_CACERT), or pass --insecure'],
  // On the command line the key and URL come from `login` (argument or stdin) or the env profile.
  [/\(the apiKey option, or the MAAS_API_KEY variable\)/g, "(the key given to 'maas-esxi login', or MAAS_API_KEY with the env profile)"],
  [/\(the url option\)/g, "(the URL given to 'maas-esxi login', or MAAS_API_URL with the env profile)"],
];

/** The hint as the CLI user should read it: SDK options as flags, `PROFILE` as the profile typed. */
export function cliHint(hint: string, profile: string | undefined): string {
  let text = hint;
  for (const [pattern, flag] of OPTION_FLAGS) text = text.replace(pattern, flag);
  // Several profiles (site1,site2) have no single name to offer; `env` names no profile to log in
  // to ('maas-esxi login env' is refused), so a login command keeps its placeholder there.
  if (!profile || profile.includes(',')) return text;
  return text.replace(/(\blogin )?\bPROFILE\b/g, (m, login: string | undefined) => (login && profile === 'env' ? m : `${login ?? ''}${profile}`));
}
