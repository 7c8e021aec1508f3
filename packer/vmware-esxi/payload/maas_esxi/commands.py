"""Running ESXi's command-line tools (esxcli, partedUtil, vmkfstools, ...).

Every command is logged before it runs, so /var/log/maas.log shows exactly
what was done to the host. Output is read as bytes and decoded leniently:
ESXi's shell runs with a C locale and NIC/disk descriptions may hold
non-ASCII bytes.
"""

import csv
import io
import logging
import re
import subprocess

LOG = logging.getLogger("maas-esxi")


class CommandError(Exception):
    """A command exited non-zero (or could not be started)."""

    def __init__(self, argv, returncode, stdout, stderr):
        Exception.__init__(self, argv, returncode)
        self.argv = list(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr

    def __str__(self):
        detail = (self.stderr or self.stdout or "").strip().splitlines()
        tail = detail[-1] if detail else "no output"
        return "command failed (exit %d): %s: %s" % (
            self.returncode, " ".join(self.argv), tail)


class CommandResult(object):
    def __init__(self, returncode, stdout, stderr):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


def _decode(data):
    return data.decode("utf-8", "replace") if data else ""


class CommandRunner(object):
    """Runs commands found on PATH; tests put recorded fakes first on PATH."""

    def run(self, argv, input_text=None, check=True):
        LOG.info("$ %s", " ".join(argv))
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE if input_text is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE)
        except OSError as err:
            raise CommandError(argv, 127, "", str(err))
        data = input_text.encode("utf-8") if input_text is not None else None
        out, err = proc.communicate(data)
        result = CommandResult(proc.returncode, _decode(out), _decode(err))
        if check and proc.returncode != 0:
            raise CommandError(argv, proc.returncode, result.stdout, result.stderr)
        return result

    def esxcli(self, args, check=True):
        return self.run(["esxcli"] + list(args), check=check)

    def esxcli_rows(self, args):
        """Rows of `esxcli --formatter=csv ARGS` as dicts with normalised keys."""
        return parse_esxcli_csv(self.run(["esxcli", "--formatter=csv"] + list(args)).stdout)


def normalise_key(key):
    """'MAC Address' / 'MACAddress' -> 'macaddress' (esxcli's CSV header style varies)."""
    return re.sub(r"[^a-z0-9]", "", key.lower())


def parse_esxcli_csv(text):
    """Parse esxcli's CSV formatter output.

    esxcli writes a header of field names and one line per record, every line
    ending in a trailing comma; list-valued fields are quoted and themselves
    comma-terminated ("vmnic0,vmnic1,").
    """
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        return []
    header = [normalise_key(name) for name in rows[0]]
    records = []
    for row in rows[1:]:
        record = {}
        for index, key in enumerate(header):
            if key:
                record[key] = row[index].strip() if index < len(row) else ""
        records.append(record)
    return records


def split_list_field(value):
    """'a,b,' -> ['a', 'b'] for esxcli's list-valued CSV fields."""
    return [item.strip() for item in value.split(",") if item.strip()]
