"""Apply the parts of MAAS vendor-data that mean something on ESXi.

MAAS serves vendor-data as YAML {"cloud-init": "#cloud-config\n..."} built
with PyYAML (metadataserver/api.py); the cloud-config may carry `ntp`
{servers: [IPs], pools: [names]} and `write_files` (for ESXi: the vCenter
credentials in /altbootbank/maas/vcenter.yaml, vendor_data.py
generate_vcenter_configuration). Other keys are Ubuntu-specific and ignored.
"""

import base64
import gzip
import logging
import os

from .commands import CommandError
from .yaml_subset import loads

LOG = logging.getLogger("maas-esxi")

HANDLED_KEYS = ("ntp", "write_files")


def cloud_config(body):
    """The cloud-config mapping inside a vendor-data response body (bytes or text)."""
    if body is None:
        return {}
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if not text.strip():
        return {}
    document = loads(text)
    if isinstance(document, dict) and "cloud-init" in document:
        document = document["cloud-init"]
        if isinstance(document, str):
            document = loads(document) if document.strip() else {}
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ValueError("vendor-data is not a cloud-config mapping")
    return document


def _ntp_supported_by_esxcli(runner):
    # `esxcli system ntp` exists from ESXi 7.0 U1; 6.7 keeps /etc/ntp.conf.
    return runner.run(["esxcli", "system", "ntp", "get"], check=False).returncode == 0


def configure_ntp(ntp, runner, ntp_conf="/etc/ntp.conf"):
    servers = list((ntp or {}).get("servers") or []) + list((ntp or {}).get("pools") or [])
    if not servers:
        return []
    if _ntp_supported_by_esxcli(runner):
        runner.run(["esxcli", "system", "ntp", "set", "--enabled=true"] +
                   ["--server=%s" % server for server in servers])
        return []
    with open(ntp_conf, "w") as handle:
        handle.write("restrict default kod nomodify notrap nopeer\n"
                     "restrict 127.0.0.1\n")
        for server in servers:
            handle.write("server %s\n" % server)
        handle.write("driftfile /etc/ntp.drift\n")
    runner.run(["esxcli", "network", "firewall", "ruleset", "set", "--ruleset-id=ntpClient",
                "--enabled=true"])
    runner.run(["chkconfig", "ntpd", "on"])
    runner.run(["/etc/init.d/ntpd", "restart"])
    return []


def _decode_content(entry):
    content = entry.get("content") or ""
    encoding = (entry.get("encoding") or "").lower()
    data = content.encode("utf-8") if isinstance(content, str) else content
    if encoding in ("b64", "base64"):
        return base64.b64decode(data)
    if encoding in ("gz+b64", "gzip+base64", "gz+base64", "gzip+b64"):
        return gzip.decompress(base64.b64decode(data))
    if encoding in ("gz", "gzip"):
        return gzip.decompress(data)
    return data


def _mode(permissions):
    if permissions is None:
        return 0o644
    if isinstance(permissions, int):
        return permissions
    return int(str(permissions), 8)


def write_files(entries, root="/"):
    problems = []
    for entry in entries or []:
        path = entry.get("path")
        if not path:
            problems.append("write_files entry without a path ignored")
            continue
        target = os.path.join(root, path.lstrip("/"))
        try:
            directory = os.path.dirname(target)
            if directory and not os.path.isdir(directory):
                os.makedirs(directory)
            with open(target, "ab" if entry.get("append") else "wb") as handle:
                handle.write(_decode_content(entry))
            os.chmod(target, _mode(entry.get("permissions")))
            LOG.info("vendor-data: wrote %s", path)
        except (OSError, ValueError) as err:
            problems.append("cannot write %s: %s" % (path, err))
    return problems


def apply_vendor_data(body, runner, root="/", ntp_conf="/etc/ntp.conf"):
    config = cloud_config(body)
    ignored = sorted(key for key in config if key not in HANDLED_KEYS)
    if ignored:
        LOG.info("vendor-data: not applicable to ESXi, ignored: %s", ", ".join(ignored))
    problems = []
    try:
        problems.extend(configure_ntp(config.get("ntp"), runner, ntp_conf))
    except (CommandError, OSError) as err:
        problems.append("NTP: %s" % err)
    problems.extend(write_files(config.get("write_files"), root))
    return problems
