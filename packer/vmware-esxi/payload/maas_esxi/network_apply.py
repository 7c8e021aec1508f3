"""Apply a MAAS network config to the running ESXi host.

Starts from a clean slate: the image's vmk0/vSwitch0 were made inside the
build VM (vmk0 even carries that VM's MAC, docs/esxi-first-boot.md), so
every vmk, port group, vSwitch and DNS setting is removed first, then the
plan from network_plan is run. A failing command is logged and the rest
still runs, so one bad interface does not leave the host unreachable.
"""

import logging

from .commands import CommandError, split_list_field
from .network_config import parse_network_config
from .network_plan import plan_network

LOG = logging.getLogger("maas-esxi")


def nic_macs(runner):
    """MAC address (lower case) -> vmnic name, from `esxcli network nic list`."""
    nics = {}
    for row in runner.esxcli_rows(["network", "nic", "list"]):
        if row.get("macaddress") and row.get("name"):
            nics[row["macaddress"].lower()] = row["name"]
    return nics


def cleanup_commands(runner):
    commands = []
    for row in runner.esxcli_rows(["network", "ip", "interface", "list"]):
        commands.append(["esxcli", "network", "ip", "interface", "remove",
                         "--interface-name=%s" % row["name"]])
    for row in runner.esxcli_rows(["network", "vswitch", "standard", "portgroup", "list"]):
        commands.append(["esxcli", "network", "vswitch", "standard", "portgroup", "remove",
                         "--portgroup-name=%s" % row["name"],
                         "--vswitch-name=%s" % row["virtualswitch"]])
    for row in runner.esxcli_rows(["network", "vswitch", "standard", "list"]):
        commands.append(["esxcli", "network", "vswitch", "standard", "remove",
                         "--vswitch-name=%s" % row["name"]])
    commands.append(["esxcli", "network", "ip", "dns", "server", "remove", "--all"])
    for row in runner.esxcli_rows(["network", "ip", "dns", "search", "list"]):
        for domain in split_list_field(row.get("dnssearchdomains", "")):
            commands.append(["esxcli", "network", "ip", "dns", "search", "remove",
                             "--domain=%s" % domain])
    return commands


def apply_network(network, runner):
    """Returns the list of problems (empty on full success)."""
    config = parse_network_config(network)
    nics = nic_macs(runner)
    plan = plan_network(config, nics)
    problems = []
    for message in plan.warnings:
        LOG.warning("network: %s", message)
    for message in plan.errors:
        LOG.error("network: %s", message)
        problems.append(message)
    for argv in cleanup_commands(runner) + plan.commands:
        try:
            runner.run(argv)
        except CommandError as err:
            LOG.error("network: %s", err)
            problems.append(str(err))
    return problems
