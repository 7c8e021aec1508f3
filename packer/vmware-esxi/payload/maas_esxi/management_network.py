"""The management network first boot falls back to: vmk0, DHCP, on the boot NIC.

When MAAS's network config cannot be applied in full, the host must still be
reachable: vSwitch0 with one uplink -- the NIC MAAS booted the machine from --
a "Management Network" port group and vmk0 with DHCP, tagged Management.
vmk0 is recreated with that NIC's own MAC (as the ESXi installer does): the
image's vmk0 carries the build VM's MAC, which every machine deployed from the
image would otherwise share.

MAAS's network config does not mark the boot interface, so it is inferred,
in this order: the interface whose subnet holds the rack controller address
MAAS put in the status URL (the rack the machine booted from,
src/maasserver/compose_preseed.py build_metadata_url); the interface with
the default gateway; the first configured interface. VLANs are skipped (PXE
boots untagged). Without any of these (or when that NIC is not on this
host) the uplink ESXi itself gave vSwitch0 at boot is kept.
"""

import ipaddress
import logging

from .commands import split_list_field

LOG = logging.getLogger("maas-esxi")

VSWITCH = "vSwitch0"
PORTGROUP = "Management Network"
VMK = "vmk0"


class HostNic(object):
    def __init__(self, name, mac, link):
        self.name = name
        self.mac = mac
        self.link = link


def host_nics(runner):
    """Physical NICs from `esxcli network nic list`, in ESXi's order."""
    nics = []
    for row in runner.esxcli_rows(["network", "nic", "list"]):
        if row.get("name") and row.get("macaddress"):
            nics.append(HostNic(row["name"], row["macaddress"].lower(),
                                (row.get("linkstatus") or row.get("link") or "").lower() == "up"))
    return nics


def _untagged(config):
    return [i for i in config.interfaces if i.kind in ("physical", "bond") and i.mac]


def _holds(subnet, address):
    if subnet.kind != "static" or address is None:
        return False
    network = ipaddress.ip_network("%s/%d" % (subnet.address, subnet.prefix), strict=False)
    return address.version == network.version and address in network


def boot_interface_mac(config, rack_host):
    """MAC of the interface MAAS most likely booted from (None when unknown)."""
    if config is None:
        return None
    try:
        rack = ipaddress.ip_address(rack_host) if rack_host else None
    except ValueError:
        rack = None  # a DNS name: MAAS uses one when the subnet's DNS is managed
    candidates = _untagged(config)
    for iface in candidates:
        if any(_holds(subnet, rack) for subnet in iface.subnets):
            return iface.mac
    for iface in candidates:
        # A malformed entry asking for the gateway counts: it was meant to carry it.
        if iface.malformed is not None and iface.claims_gateway:
            return iface.mac
        if any(subnet.gateway for subnet in iface.subnets if subnet.kind == "static"):
            return iface.mac
    for iface in candidates:
        if any(subnet.kind != "manual" for subnet in iface.subnets):
            return iface.mac
    return None


def current_uplinks(runner):
    for row in runner.esxcli_rows(["network", "vswitch", "standard", "list"]):
        if row.get("name") == VSWITCH:
            return split_list_field(row.get("uplinks", ""))
    return []


def choose_uplink(runner, nics, boot_mac):
    """(NIC, how it was chosen) for the fallback's vSwitch0."""
    by_mac = dict((nic.mac, nic) for nic in nics)
    by_name = dict((nic.name, nic) for nic in nics)
    if boot_mac and boot_mac.lower() in by_mac:
        return by_mac[boot_mac.lower()], "MAAS's boot interface %s" % boot_mac.lower()
    reason = ("MAAS's boot interface %s is not on this host" % boot_mac if boot_mac
              else "MAAS's boot interface is unknown")
    try:
        kept = [by_name[name] for name in current_uplinks(runner) if name in by_name]
    except Exception as err:  # a broken vSwitch listing must not stop the fallback
        LOG.warning("network: cannot list vSwitches: %s", err)
        kept = []
    if kept:
        return kept[0], "%s; keeping the uplink ESXi chose at boot" % reason
    linked = [nic for nic in nics if nic.link] or nics
    if linked:
        return linked[0], "%s; first NIC with link" % reason
    return None, reason


def fallback_commands(nic):
    ipif = ["esxcli", "network", "ip", "interface"]
    return [
        ["esxcli", "network", "vswitch", "standard", "add", "--vswitch-name=%s" % VSWITCH],
        ["esxcli", "network", "vswitch", "standard", "uplink", "add",
         "--uplink-name=%s" % nic.name, "--vswitch-name=%s" % VSWITCH],
        ["esxcli", "network", "vswitch", "standard", "portgroup", "add",
         "--portgroup-name=%s" % PORTGROUP, "--vswitch-name=%s" % VSWITCH],
        ipif + ["add", "--interface-name=%s" % VMK, "--portgroup-name=%s" % PORTGROUP,
                "--mac-address=%s" % nic.mac],
        ipif + ["ipv4", "set", "--interface-name=%s" % VMK, "--type=dhcp"],
        ipif + ["tag", "add", "--interface-name=%s" % VMK, "--tagname=Management"],
    ]
