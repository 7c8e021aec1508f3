"""The esxcli commands that turn a MAAS network config into ESXi networking.

Pure: takes the normalised config and the host's NIC list (MAC -> vmnic);
network_check decides first which parts the host takes, and only those get
commands, so nothing of a refused part is ever created. MAAS's documented
ESXi behaviour (https://discourse.maas.io/t/-/3243 "About VMWare images and
MAAS networking"):

* a standard vSwitch per configured physical NIC and per bond; a bond is NIC
  teaming: balance-rr -> portid, active-backup -> explicit (failover order),
  802.3ad -> iphash (LACP rate and xmit hash policy ignored); other bond
  modes are refused (network_check);
* a port group per configured address; configured addresses get a VMkernel
  NIC (vmk). ESXi does not let VMs use a port group with a vmk, so a
  `manual` (unconfigured) interface on a vSwitch gets a port group without a
  vmk, free for VMs; an unconfigured physical NIC is not touched at all;
* bridges are not supported by ESXi: refused (network_check).
"""

import ipaddress

from .network_check import TEAMING_POLICY, decide_parts, planned_interfaces
from .network_config import Route

ESXCLI = "esxcli"


class Plan(object):
    def __init__(self, decision):
        self.commands = []
        self.warnings = []
        self.refused = decision.refused  # interface name -> why it is skipped
        self.fallback = decision.fallback  # why none of it can be applied, or None
        self.management_interface = decision.management
        self.vswitches = {}  # interface name -> vSwitch name
        self.vmks = []  # (vmk, port group, interface name)
        self.vmk_specs = {}  # vmk -> (interface name, vSwitch, MTU)
        self.management = None  # the vmk tagged Management

    def add(self, *args):
        self.commands.append([ESXCLI] + [str(a) for a in args])


def _netmask(prefix):
    return str(ipaddress.ip_network("0.0.0.0/%d" % prefix).netmask)


def _assign_slots(subnets):
    """Group an interface's subnets onto VMkernel NICs.

    MAAS lists every address as its own subnet entry (an alias is a second
    entry, dual-stack works the same way: docs/esxi-first-boot.md). One
    vmk carries at most one IPv4 and one IPv6 configuration, so an IPv4 and
    an IPv6 entry share a vmk while a second IPv4 entry (an alias) gets its
    own. Returns (slots, manual) where each slot is a list of subnets.
    """
    slots, manual = [], []
    for subnet in subnets:
        if subnet.kind == "manual":
            manual.append(subnet)
            continue
        wanted = set(subnet.families)
        for slot in slots:
            used = set()
            for member in slot:
                used.update(member.families)
            if not (used & wanted):
                slot.append(subnet)
                break
        else:
            slots.append([subnet])
    return slots, manual


class _Planner(object):
    def __init__(self, config, decision):
        self.config = config
        self.decision = decision
        self.plan = Plan(decision)
        self.vmk_count = 0
        self.vswitch_count = 0
        self.portgroups = set()
        self.routes = []
        self.gateway_vmk = {}

    # -- helpers ---------------------------------------------------------
    def new_vswitch(self, iface):
        name = "vSwitch%d" % self.vswitch_count
        self.vswitch_count += 1
        self.plan.add("network", "vswitch", "standard", "add", "--vswitch-name=%s" % name)
        self.plan.add("network", "vswitch", "standard", "set", "--vswitch-name=%s" % name,
                      "--mtu=%d" % iface.mtu)
        for vmnic in self.decision.uplinks[iface.name]:
            self.plan.add("network", "vswitch", "standard", "uplink", "add",
                          "--uplink-name=%s" % vmnic, "--vswitch-name=%s" % name)
        self.plan.vswitches[iface.name] = name
        return name

    def portgroup_name(self, base):
        name, index = base, 1
        while name in self.portgroups:
            name = "%s:%d" % (base, index)
            index += 1
        self.portgroups.add(name)
        return name

    def add_portgroup(self, name, vswitch, vlan_id):
        self.plan.add("network", "vswitch", "standard", "portgroup", "add",
                      "--portgroup-name=%s" % name, "--vswitch-name=%s" % vswitch)
        if vlan_id is not None:
            self.plan.add("network", "vswitch", "standard", "portgroup", "set",
                          "--portgroup-name=%s" % name, "--vlan-id=%d" % vlan_id)

    # -- interfaces (only those network_check accepted) -------------------
    def vlan_children(self, iface):
        return [i for i in self.config.interfaces if i.kind == "vlan" and i.vlan_link == iface.name]

    def physical(self, iface):
        vswitch = self.new_vswitch(iface)
        self.subnets(iface, vswitch, None, use_mac=True)

    def bond(self, iface):
        if iface.bond_mode == "802.3ad":
            self.plan.warnings.append("%s: 802.3ad mapped to iphash teaming; LACP rate and "
                                      "transmit hash policy are ignored" % iface.name)
        policy = TEAMING_POLICY[iface.bond_mode]
        uplinks = self.decision.uplinks[iface.name]
        vswitch = self.new_vswitch(iface)
        args = ["network", "vswitch", "standard", "policy", "failover", "set",
                "--vswitch-name=%s" % vswitch]
        if policy == "explicit":
            args.append("--active-uplinks=%s" % uplinks[0])
            if len(uplinks) > 1:
                args.append("--standby-uplinks=%s" % ",".join(uplinks[1:]))
        else:
            args.append("--active-uplinks=%s" % ",".join(uplinks))
        args.append("--load-balancing=%s" % policy)
        self.plan.add(*args)
        self.subnets(iface, vswitch, None, use_mac=True, always_portgroup=True)

    def vlan(self, iface):
        vswitch = self.plan.vswitches[iface.vlan_link]
        self.subnets(iface, vswitch, iface.vlan_id, use_mac=False, always_portgroup=True)

    def subnets(self, iface, vswitch, vlan_id, use_mac, always_portgroup=False):
        slots, manual = _assign_slots(iface.subnets)
        for index, slot in enumerate(slots):
            portgroup = self.portgroup_name(iface.name)
            self.add_portgroup(portgroup, vswitch, vlan_id)
            # Only the interface's first vmk takes its MAC: the image's own vmk0
            # carries the build VM's MAC (docs/esxi-first-boot.md), and aliases/VLANs on one vSwitch
            # must not repeat a MAC.
            self.vmk(iface, slot, portgroup, use_mac and index == 0, vswitch)
        if manual and (slots or always_portgroup or vlan_id is not None or
                       self.vlan_children(iface)):
            # Unconfigured in MAAS: a port group without vmk, usable by VMs.
            self.add_portgroup(self.portgroup_name(iface.name), vswitch, vlan_id)

    def vmk(self, iface, slot, portgroup, use_mac, vswitch):
        vmk = "vmk%d" % self.vmk_count
        self.vmk_count += 1
        args = ["network", "ip", "interface", "add", "--interface-name=%s" % vmk,
                "--portgroup-name=%s" % portgroup, "--mtu=%d" % iface.mtu]
        if use_mac and iface.mac:
            args.append("--mac-address=%s" % iface.mac)
        self.plan.add(*args)
        self.plan.vmks.append((vmk, portgroup, iface.name))
        self.plan.vmk_specs[vmk] = (iface.name, vswitch, iface.mtu)
        families = set()
        for subnet in slot:
            families.update(subnet.families)
        if 4 not in families:
            # An IPv6-only vmk: say so, rather than rely on a new vmk's IPv4 default.
            self.plan.add("network", "ip", "interface", "ipv4", "set",
                          "--interface-name=%s" % vmk, "--type=none")
        if iface.accept_ra is False:
            # `accept-ra: 0` in MAAS: ESXi listens to router advertisements by default.
            self.plan.add("network", "ip", "interface", "ipv6", "set",
                          "--interface-name=%s" % vmk, "--enable-router-adv=false")
        for subnet in slot:
            self.address(vmk, subnet)

    def address(self, vmk, subnet):
        ipif = ("network", "ip", "interface")
        if subnet.kind == "static":
            family = subnet.families[0]
            if family == 4:
                self.plan.add(*(ipif + ("ipv4", "set", "--interface-name=%s" % vmk, "--type=static",
                                        "--ipv4=%s" % subnet.address,
                                        "--netmask=%s" % _netmask(subnet.prefix))))
            else:
                self.plan.add(*(ipif + ("ipv6", "address", "add", "--interface-name=%s" % vmk,
                                        "--ipv6=%s/%d" % (subnet.address, subnet.prefix))))
            if subnet.gateway:
                self.gateway_vmk.setdefault(family, vmk)
                self.routes.append(Route("default", subnet.gateway))
        if subnet.kind in ("dhcp4", "dhcp"):
            self.plan.add(*(ipif + ("ipv4", "set", "--interface-name=%s" % vmk, "--type=dhcp")))
        if subnet.kind in ("dhcp6", "dhcp"):
            self.plan.add(*(ipif + ("ipv6", "set", "--interface-name=%s" % vmk,
                                    "--enable-ipv6=true", "--enable-dhcpv6=true")))
        self.routes.extend(subnet.routes)

    # -- host-wide settings ---------------------------------------------
    def add_routes(self):
        seen = set()
        for route in self.routes + list(self.config.routes):
            if not route.gateway:
                continue
            key = (route.destination, route.gateway)
            if key in seen:
                continue
            seen.add(key)
            if route.metric not in (None, "", 0, "0"):
                self.plan.warnings.append(
                    "route to %s via %s: metric %s dropped (ESXi static routes have no metric)"
                    % (route.destination, route.gateway, route.metric))
            self.plan.add("network", "ip", "route", "ipv%d" % route.family, "add",
                          "--gateway=%s" % route.gateway, "--network=%s" % route.destination)

    def tag_management(self):
        if not self.plan.vmks:
            return
        vmk = self.gateway_vmk.get(4) or self.gateway_vmk.get(6) or self.plan.vmks[0][0]
        self.plan.management = vmk
        self.plan.add("network", "ip", "interface", "tag", "add",
                      "--interface-name=%s" % vmk, "--tagname=Management")

    def add_dns(self):
        servers, search = list(self.config.nameservers), list(self.config.search)
        # Per-subnet DNS servers may be missing from the global list (docs/esxi-first-boot.md).
        for iface in self.config.interfaces:
            if iface.name in self.decision.refused:
                continue  # its servers may be reachable only through it
            for subnet in iface.subnets:
                if subnet.kind == "manual":
                    continue
                servers.extend(s for s in subnet.dns if s not in servers)
                search.extend(d for d in subnet.search if d not in search)
        for server in servers:
            self.plan.add("network", "ip", "dns", "server", "add", "--server=%s" % server)
        for domain in search:
            self.plan.add("network", "ip", "dns", "search", "add", "--domain=%s" % domain)

    def run(self):
        self.plan.warnings.extend(self.config.warnings)
        for iface in planned_interfaces(self.config):
            if iface.name in self.decision.refused:
                continue
            if iface.kind != "physical" or iface.name in self.decision.uplinks:
                getattr(self, iface.kind)(iface)  # an unconfigured NIC stays untouched
        self.add_routes()
        self.tag_management()
        self.add_dns()
        return self.plan


def plan_network(config, nic_by_mac):
    return _Planner(config, decide_parts(config, nic_by_mac)).run()
