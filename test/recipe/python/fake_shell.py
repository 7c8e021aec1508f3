"""The recorded commands as /bin/sh scripts, and the log they write.

Each fake command used to be a Python process (fake_command.py): over a thousand
of them per `npm test`, ~35 ms of CPU each to start Python and import json.
A shell script starts in ~2 ms. FakeHost writes one script per command name
with that name's canned answers inlined as a `case` on the command line; the
script logs its argv (and stdin, when it is a pipe) and prints the answer.
What a script cannot answer from its table it hands over: mount/umount copying
a fake device to fake_command.py, `esxcli` against the stateful
fake_esxi_network to the FakeHost's NetworkServer (network_server.py) through
FIFOs, without a Python start per call.

Log record (NUL-terminated fields): the argv count N, N argv words, then
"-" for no stdin or "+" followed by the stdin text. Two limits, neither met by
the payload today: stdin is read only from a pipe (the payload passes input
through subprocess pipes, never a file redirect), and stdin text must hold no
NUL byte (it would split the record).
"""

import os


def quote(text):
    """One sh single-quoted word holding text exactly (a ' closes, escapes and reopens)."""
    return "'" + text.replace("'", "'\\''") + "'"


def answer(response):
    """The case arm's body: print the canned stdout/stderr, exit with its code."""
    if not isinstance(response, dict):  # a plain string is the command's stdout
        response = {"stdout": response}
    body = []
    if response.get("stdout", ""):
        body.append("printf '%%s' %s" % quote(response["stdout"]))
    if response.get("stderr", ""):
        body.append("printf '%%s' %s >&2" % quote(response["stderr"]))
    body.append("exit %d" % int(response.get("rc", 0)))
    return "; ".join(body)


# Logs the call, with its stdin only when that is a pipe: the payload gives a command DEVNULL
# unless it has input (packer/vmware-esxi/payload/maas_esxi/commands.py), so only those
# calls pay for the one `cat`.
_PROLOGUE = r"""#!/bin/sh
name=${0##*/}
set -- "$name" "$@"
line="$*"
if [ -p /dev/stdin ]; then
  stdin=$(cat; echo .)
  stdin=${stdin%.}
fi
if [ -n "${stdin:-}" ]; then
  printf '%s\0' "$#" "$@" "+$stdin" >>"$FAKE_ESXI_LOG"
else
  printf '%s\0' "$#" "$@" "-" >>"$FAKE_ESXI_LOG"
fi
"""


# Asks the NetworkServer: a reply FIFO of this call's own (the server removes it once open), the
# request, then the answer (sh that prints the stdout/stderr and exits with the code) run here.
# The answer is read with the shell's own `read`, line by line, not a `cat` process per call.
_SERVED = """reply=%(requests)s.$$
mkfifo -m 600 "$reply"
printf '%%s\\0' "$reply" "$#" "$@" >%(requests)s
answer=
while IFS= read -r part; do
  answer="$answer$part
"
done <"$reply"
answer="$answer$part"
eval "$answer"
echo "fake esxcli: no answer from the NetworkServer" >&2
exit 70
"""


def script(name, responses, python, fake_command, hand_over, served=None):
    """The sh fake for one command name.

    responses: command line -> answer (a dict with stdout/stderr/rc, or the stdout alone).
    hand_over: None, or the environment fake_command.py needs for what this name answers with
    logic: mount/umount then always go there (the device copy).
    served: None, or the NetworkServer's request FIFO, which answers what no canned answer does.
    """
    if served is not None:
        tail = _SERVED % {"requests": quote(served)}
    elif hand_over is None:
        tail = "exit 0\n"  # a command line without an answer succeeds silently
    else:
        settings = "".join("export %s=%s\n" % (key, quote(value)) for key, value in sorted(hand_over.items()))
        tail = "%sexec %s -S %s \"$@\"\n" % (settings, quote(python), quote(fake_command))
        if name in ("mount", "umount"):
            return _PROLOGUE + tail
    arms = ["  %s) %s;;\n" % (quote(line), answer(reply))
            for line, reply in sorted(responses.items())
            if line.split(" ", 1)[0] == name]
    table = "case \"$line\" in\n%sesac\n" % "".join(arms) if arms else ""
    return _PROLOGUE + table + tail


def write_script(path, text):
    """Replaces the script in one step, so a command never runs a half-written one."""
    partial = path + ".partial"
    with open(partial, "w") as handle:
        handle.write(text)
    os.chmod(partial, 0o700)
    os.replace(partial, path)


def read_log(path):
    """The calls the scripts logged: [{"argv": [...], "stdin": text or None}]."""
    with open(path, "rb") as handle:
        fields = handle.read().decode("utf-8").split("\0")
    calls, at = [], 0
    while at < len(fields) - 1:
        count = int(fields[at])
        argv = fields[at + 1:at + 1 + count]
        stdin = fields[at + 1 + count]
        calls.append({"argv": argv, "stdin": stdin[1:] if stdin.startswith("+") else None})
        at += count + 2
    return calls
