/**
 * The completion scripts. The shell asks `maas-esxi __complete` (lib/cli/completion.ts) for
 * the line up to the cursor; maas-esxi knows the commands, fields, profiles and files, so the
 * scripts stay small.
 */
export function completionScript(shell: 'bash' | 'zsh'): string {
  return shell === 'zsh' ? ZSH : BASH;
}

const BASH = `# maas-esxi completion for bash. Install: maas-esxi completion bash >> ~/.bashrc
_maas_esxi() {
  local line="\${COMP_LINE:0:COMP_POINT}" cur="\${COMP_WORDS[COMP_CWORD]}"
  local IFS=$'\\n'
  COMPREPLY=($(maas-esxi __complete --cur "$cur" --line "$line" 2>/dev/null))
  # key= and directories continue the same word.
  if [[ \${#COMPREPLY[@]} -gt 0 && ( "\${COMPREPLY[0]}" == *= || "\${COMPREPLY[0]}" == */ ) ]]; then
    compopt -o nospace 2>/dev/null
  fi
  return 0
}
# -o default: when maas-esxi offers nothing (a plain file argument such as inspect's IMAGE),
# bash completes file names as it would without this script.
complete -o default -F _maas_esxi maas-esxi
`;

const ZSH = `#compdef maas-esxi
# maas-esxi completion for zsh. Install: maas-esxi completion zsh > "\${fpath[1]}/_maas-esxi"
# or, after compinit in ~/.zshrc: source <(maas-esxi completion zsh)
_maas_esxi() {
  local -a candidates open closed
  local line="\${(j: :)words[1,CURRENT]}"
  candidates=("\${(@f)$(maas-esxi __complete --cur "\${words[CURRENT]}" --line "$line" 2>/dev/null)}")
  # Nothing offered (inspect's IMAGE, a path maas-esxi cannot list such as content@=~/…): zsh's
  # own file completion, after a content@= prefix, as bash's \`complete -o default\` does.
  if [[ -z "\${(j::)candidates}" ]]; then
    compset -P '*@='
    _files
    return
  fi
  local c
  for c in "\${candidates[@]}"; do
    [[ -z "$c" ]] && continue
    if [[ "$c" == *= || "$c" == */ ]]; then open+=("$c"); else closed+=("$c"); fi
  done
  # key= and directories continue the same word; everything else ends it.
  (( \${#open} )) && compadd -Q -S '' -- "\${open[@]}"
  (( \${#closed} )) && compadd -Q -- "\${closed[@]}"
  return 0
}
if [[ "\${funcstack[1]}" == _maas_esxi || "\${funcstack[1]}" == _maas-esxi ]]; then
  _maas_esxi "$@"
else
  compdef _maas_esxi maas-esxi
fi
`;
