"""Apply a MAAS network config to the running ESXi host: check, plan, apply.

Before anything changes, network_check decides which parts of the config the
host takes and network_plan turns only those into commands. When MAAS's
management path is among them, the plan replaces the image's networking: the
build VM's vmk0/vSwitch0 (vmk0 even carries that VM's MAC) and every vmk,
port group, vSwitch and DNS setting are removed, then the plan runs; a failing
command is logged and the rest still runs. Refused parts cost only themselves
and their VLANs: each is returned as a problem naming it, after a summary
listing them all, so first boot reports FAILED at network while the host is
reachable where MAAS says it is. When the management path itself is refused
-- or a command building the management vmk failed -- the host keeps a
management network instead (management_network): vmk0, DHCP, on MAAS's boot
NIC (docs/esxi-first-boot.md section 4).
"""

import logging

from .commands import CommandError, split_list_field
from .management_network import boot_interface_mac, choose_uplink, fallback_commands, host_nics
from .network_config import NetworkConfigError, parse_network_config
from .network_plan import plan_network

LOG = logging.getLogger("maas-esxi")


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


def run_all(runner, commands):
    """Run every command; the (argv, error) pairs of those that failed."""
    failed = []
    for argv in commands:
        try:
            runner.run(argv)
        except CommandError as err:
            LOG.error("network: %s", err)
            failed.append((argv, err))
    return failed


def builds_management(plan, argv):
    """Whether argv is one of the commands the management vmk depends on."""
    if plan.management is None:
        return False
    _, vswitch, _ = plan.vmk_specs[plan.management]
    portgroup = [pg for vmk, pg, _ in plan.vmks if vmk == plan.management][0]
    args = set(argv)
    if "--interface-name=%s" % plan.management in args:
        return True
    if "--portgroup-name=%s" % portgroup in args:
        return True
    return ("--vswitch-name=%s" % vswitch in args and
            not any(arg.startswith("--portgroup-name=") for arg in argv))


def keep_management_network(runner, nics, boot_mac, problems):
    """Replace whatever is there with vmk0 (DHCP) on the boot NIC; problems + what was done."""
    problems = list(problems)
    nic, how = choose_uplink(runner, nics, boot_mac)
    if nic is None:
        problems.append("no physical NIC on this host: no management network possible (%s)" % how)
        return problems
    LOG.warning("network: keeping a management network: vmk0 with DHCP on %s (%s, MAC %s)",
                nic.name, how, nic.mac)
    failed = run_all(runner, cleanup_commands(runner) + fallback_commands(nic))
    problems.extend(str(err) for _, err in failed)
    problems.append("management network kept: vmk0 with DHCP on %s (%s)" % (nic.name, how))
    return problems


def apply_network(network, runner, rack_host=None):
    """Returns the list of problems (empty on full success)."""
    nics = host_nics(runner)
    try:
        config = parse_network_config(network)
    except (NetworkConfigError, ValueError, KeyError, TypeError, AttributeError) as err:
        message = "MAAS's network config is unusable: %s" % err
        LOG.error("network: %s", message)
        return keep_management_network(runner, nics, None, [message])
    plan = plan_network(config, dict((nic.mac, nic.name) for nic in nics))
    for message in plan.warnings:
        LOG.warning("network: %s", message)
    boot_mac = boot_interface_mac(config, rack_host)
    refusals = list(plan.refused.values())
    for message in refusals:
        LOG.error("network: %s", message)
    if plan.fallback is not None:
        LOG.error("network: %s", plan.fallback)
        return keep_management_network(runner, nics, boot_mac, refusals + [plan.fallback])
    failed = run_all(runner, cleanup_commands(runner) + plan.commands)
    problems = refusals + [str(err) for _, err in failed]
    if any(builds_management(plan, argv) for argv, _ in failed):
        LOG.error("network: the management vmk %s could not be built", plan.management)
        return keep_management_network(runner, nics, boot_mac, problems)
    if refusals:
        problems.insert(0, skipped_summary(plan))
    return problems


def skipped_summary(plan):
    """First of the problems, so the one-line verdict still lists every skipped part."""
    return ("skipped %s; the management network (%s) and every other part are applied as "
            "MAAS configured them" % (", ".join(plan.refused), plan.management_interface))


def ensure_management_network(runner, network, rack_host=None):
    """After an unexpected error: make sure some vmk is left, else restore vmk0 (problems)."""
    if runner.esxcli_rows(["network", "ip", "interface", "list"]):
        return []
    try:
        boot_mac = boot_interface_mac(parse_network_config(network), rack_host)
    except Exception:
        boot_mac = None
    return keep_management_network(runner, host_nics(runner), boot_mac,
                                   ["no VMkernel NIC was left"])
