"""Render our kickstart and merge a user's kickstart snippet into it.

The snippet's commands join ours; its %pre and %post sections go before our
%post (which halts the VM, so nothing after it would run); its %firstboot
sections run after ours, once MAAS's network is up. Multiple %firstboot
sections run in the order they appear (ESXi scripted-install docs).
Commands that would fight the image build are refused.
"""

import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE = os.path.join(os.path.dirname(HERE), "kickstart", "ks.cfg.in")

VERSIONS = ("6.7", "7.0", "8.0", "9.0")
REFUSED = {
    "rootpw": "set the root password with the root-password option instead",
    "install": "the image is always a fresh install on the build VM's disk",
    "upgrade": "the image is always a fresh install on the build VM's disk",
    "installorupgrade": "the image is always a fresh install on the build VM's disk",
    "network": "the build VM's network is ours; MAAS configures the deployed host's network",
    "dryrun": "a dry run would produce no image",
}
DUPLICATES = ("vmaccepteula", "accepteula")
SECTION = re.compile(r"^%(pre|post|firstboot)\b")


class KickstartError(Exception):
    pass


def split_snippet(text):
    """(command lines, early sections, firstboot sections) of a user snippet."""
    commands, early, firstboot = [], [], []
    current = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        match = SECTION.match(stripped)
        if match:
            current = []
            (firstboot if match.group(1) == "firstboot" else early).append(current)
        if current is not None:
            current.append(line)
            continue
        word = stripped.split()[0].lower() if stripped and not stripped.startswith("#") else ""
        if word in REFUSED:
            raise KickstartError("kickstart extra line %d: %r is not allowed: %s"
                                 % (number, word, REFUSED[word]))
        if word in DUPLICATES:
            continue
        if stripped.startswith("%"):
            raise KickstartError("kickstart extra line %d: unknown section %r" % (number, stripped))
        commands.append(line)
    return commands, early, firstboot


def _join(sections):
    return "\n".join("\n".join(section).rstrip() + "\n" for section in sections)


def install_flags(esxi_version):
    # Prerequisite overrides exist from 7.0 on (packer-maas added them for 8.0b
    # CPU/RAM checks, packer-maas issue #128); ESXi 6.7's installer does not know them.
    if esxi_version == "6.7":
        return ""
    return " --ignoreprereqwarnings --ignoreprereqerrors --forceunsupportedinstall"


def render(esxi_version, root_password, snippet="", template=TEMPLATE):
    if esxi_version not in VERSIONS:
        raise KickstartError("ESXi version %r is not one of %s" % (esxi_version, ", ".join(VERSIONS)))
    commands, early, firstboot = split_snippet(snippet or "")
    with open(template) as handle:
        text = handle.read()
    values = {
        "ESXI_VERSION": esxi_version,
        "ROOT_PASSWORD": root_password,
        "INSTALL_FLAGS": install_flags(esxi_version),
        "EXTRA_COMMANDS": ("# --- kickstart extra: commands ---\n" + "\n".join(commands)
                           if commands else ""),
        "EXTRA_EARLY_SECTIONS": ("# --- kickstart extra: %pre/%post ---\n" + _join(early)
                                 if early else ""),
        "EXTRA_FIRSTBOOT_SECTIONS": ("\n# --- kickstart extra: %firstboot ---\n" + _join(firstboot)
                                     if firstboot else ""),
    }
    # One pass, so a password or snippet containing "@NAME@" is never substituted again.
    text = re.sub(r"@([A-Z_]+)@", lambda match: values[match.group(1)], text)
    # Tidy the blank lines left by empty placeholders.
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"
