"""Decide, before anything changes, which parts of MAAS's network config this host takes.

A part is an interface MAAS configured: a physical NIC, a bond, a VLAN -- or a
bridge, which ESXi does not have. A part is refused when ESXi cannot build it
as MAAS configured it: its NIC is not on this host (by MAC), its uplink is
already wanted by an earlier part, its MTU is one a standard vSwitch does not
take, its bond mode has no NIC teaming equivalent, MAAS's entry for it cannot
be read (network_config.MalformedInterface). A VLAN on a refused parent
is refused with it. Refusing a whole part, never half of it, is what keeps a
refused bond from leaving a vSwitch and uplinks behind.

The management path is the interface MAAS gave the default gateway (IPv4
first, then IPv6; without one, the first configured interface), with its NIC
or bond members. Only when it is refused does the host fall back to vmk0 with
DHCP on the boot NIC (network_apply); otherwise the refused parts cost only
themselves (docs/esxi-first-boot.md section 4).

Pure: MAAS's normalised config and the host's NICs (MAC -> vmnic) in, a
Decision out.
"""

from collections import OrderedDict

# A standard vSwitch and its VMkernel NICs take MTUs up to 9000 bytes; below
# 1280 IPv6 cannot work (RFC 8200 section 5).
MIN_MTU = 1280
MAX_MTU = 9000

# MAAS's documented ESXi bond modes (https://discourse.maas.io/t/-/3243 "About
# VMWare images and MAAS networking"); LACP rate and xmit hash policy are ignored.
TEAMING_POLICY = {
    "balance-rr": "portid",
    "active-backup": "explicit",
    "802.3ad": "iphash",
}


class Decision(object):
    def __init__(self):
        self.refused = OrderedDict()  # interface name -> why (parents before their VLANs)
        self.uplinks = OrderedDict()  # interface owning a vSwitch -> [vmnic, ...], primary first
        self.management = None  # the interface carrying MAAS's management network
        self.fallback = None  # why none of the config can be applied, or None


def has_configured(iface):
    if iface.malformed is not None:
        return iface.claims_address
    return any(subnet.kind != "manual" for subnet in iface.subnets)


def has_gateway(iface, family):
    if iface.malformed is not None:
        # Whatever family it meant: a malformed entry that may carry the default
        # gateway may be the management path, so it is taken for it.
        return iface.claims_gateway
    return any(s.kind == "static" and s.gateway and s.families == (family,) for s in iface.subnets)


def bond_members(config):
    members = set()
    for iface in config.interfaces:
        if iface.kind == "bond":
            members.update(iface.members)
    return members


def planned_interfaces(config):
    """Interfaces that may get a vSwitch or vmk, in the fixed order the plan numbers them.

    NICs, bonds, bridges, VLANs: v1 and v2 configs of one network then give the
    same vSwitch/vmk numbering whatever their entry order, and every parent is
    decided before its VLANs. A bond member is its bond's uplink, never an
    interface of its own.
    """
    members = bond_members(config)
    ordered = []
    for kind in ("physical", "bond", "bridge", "vlan"):
        ordered.extend(i for i in config.interfaces if i.kind == kind and i.name not in members)
    return ordered


def management_interface(config):
    """The interface the Management tag goes to: the default gateway's, else the first configured."""
    candidates = planned_interfaces(config)
    for family in (4, 6):
        for iface in candidates:
            if has_gateway(iface, family):
                return iface.name
    for iface in candidates:
        if has_configured(iface):
            return iface.name
    return None


def _mtu_problem(iface, limit=MAX_MTU, what="an ESXi standard vSwitch takes"):
    if MIN_MTU <= iface.mtu <= limit:
        return None
    return "%s: MTU %d is outside what %s (%d-%d)" % (iface.name, iface.mtu, what, MIN_MTU, limit)


class _Decider(object):
    def __init__(self, config, nic_by_mac):
        self.config = config
        self.nic_by_mac = dict((mac.lower(), nic) for mac, nic in nic_by_mac.items())
        self.decision = Decision()
        self.owner = {}  # vmnic -> the interface whose vSwitch it is an uplink of

    def vmnic(self, iface, bond=None):
        vmnic = self.nic_by_mac.get(iface.mac or "")
        if vmnic is not None:
            return vmnic, None
        if bond is None:
            return None, "%s: no NIC on this host has MAC address %s" % (iface.name, iface.mac)
        return None, ("%s: its member %s has MAC address %s, which no NIC on this host has; bond "
                      "skipped" % (bond.name, iface.name, iface.mac))

    def taken(self, iface, vmnics):
        for vmnic in vmnics:
            if vmnic in self.owner:
                return "%s: uplink %s is already wanted by %s" % (iface.name, vmnic, self.owner[vmnic])
        return None

    def accept_or_refuse(self, iface, problem, uplinks):
        if problem is None:
            problem = _mtu_problem(iface) or self.taken(iface, uplinks)
        if problem is not None:
            self.decision.refused[iface.name] = problem
            return
        for vmnic in uplinks:
            self.owner[vmnic] = iface.name
        self.decision.uplinks[iface.name] = list(uplinks)

    def physical(self, iface):
        vlans = [i for i in self.config.interfaces if i.kind == "vlan" and i.vlan_link == iface.name]
        if not has_configured(iface) and not vlans:
            return  # unconfigured in MAAS: left free (no vSwitch, no vmk)
        vmnic, problem = self.vmnic(iface)
        self.accept_or_refuse(iface, problem, [vmnic])

    def bond(self, iface):
        if iface.bond_mode not in TEAMING_POLICY:
            problem = ("%s: bond mode %r is refused: ESXi NIC teaming supports balance-rr (portid), "
                       "active-backup (explicit) and 802.3ad (iphash) only; bond skipped"
                       % (iface.name, iface.bond_mode))
            return self.accept_or_refuse(iface, problem, [])
        uplinks, primary, problem = [], None, None
        for name in iface.members:
            member = self.config.by_name(name)
            if member is None or member.malformed is not None:
                problem = "%s: member %s is %s; bond skipped" % (
                    iface.name, name, "not in the config" if member is None else "malformed")
                break
            vmnic, problem = self.vmnic(member, bond=iface)
            if problem is not None:
                break
            uplinks.append(vmnic)
            # MAAS has no "primary" key: the primary is the member whose MAC the
            # bond carries (docs/esxi-first-boot.md).
            if member.mac and member.mac == iface.mac:
                primary = vmnic
        if problem is None and not uplinks:
            problem = "%s: no members; bond skipped" % iface.name
        if primary is not None:
            uplinks.remove(primary)
            uplinks.insert(0, primary)
        return self.accept_or_refuse(iface, problem, uplinks)

    def vlan(self, iface):
        parent = self.config.by_name(iface.vlan_link)
        if iface.vlan_link in self.decision.refused:
            problem = "%s: its parent %s is skipped; VLAN skipped" % (iface.name, iface.vlan_link)
        elif parent is None or iface.vlan_link not in self.decision.uplinks:
            problem = "%s: its parent %s has no vSwitch; VLAN skipped" % (iface.name, iface.vlan_link)
        else:
            problem = _mtu_problem(iface, parent.mtu, "its parent %s's vSwitch takes" % parent.name)
        if problem is not None:
            self.decision.refused[iface.name] = problem

    def bridge(self, iface):
        self.decision.refused[iface.name] = (
            "%s: bridges are not supported by ESXi; bridge skipped (its members stay "
            "unconfigured)" % iface.name)

    def run(self):
        for iface in planned_interfaces(self.config):
            if iface.malformed is not None:
                self.decision.refused[iface.name] = (
                    "%s: MAAS's entry for it cannot be read (%s); skipped" % (iface.name, iface.malformed))
            else:
                getattr(self, iface.kind)(iface)
        decision = self.decision
        decision.management = management_interface(self.config)
        if decision.management is None:
            decision.fallback = ("MAAS configured no address on any interface: no management "
                                 "VMkernel NIC would be left")
        elif decision.management in decision.refused:
            decision.fallback = ("%s carries MAAS's management network and cannot be applied: "
                                 "none of MAAS's network config is applied" % decision.management)
        return decision


def decide_parts(config, nic_by_mac):
    return _Decider(config, nic_by_mac).run()
