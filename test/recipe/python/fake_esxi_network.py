"""A stateful fake of ESXi's `esxcli network` (standard vSwitches, port groups, vmks, DNS).

Used by network_server when a FakeHost has a network state (a file in marshal's format,
kept from when each `esxcli network` call was a Python process of its own):
commands change that state and the list commands answer from it, in the
CSV layout of the recorded `esxcli --formatter=csv` output under
test/fixtures/recipe/esxi/, so a test can check what the host is left with
(e.g. that a management vmk survives first boot) instead of which commands
ran. Refusals follow ESXi: an uplink can be on one vSwitch only, a vmk
needs an existing port group, a vSwitch or port group still used by a vmk
cannot be removed, an MTU must be 1280-9000.
"""

import marshal


class Refused(Exception):
    pass


def _options(args):
    options, words = {}, []
    for arg in args:
        if arg.startswith("--") and "=" in arg:
            key, _, value = arg[2:].partition("=")
            options[key] = value
        else:
            words.append(arg)
    return words, options


def _csv(header, rows):
    def cell(value):
        if isinstance(value, list):
            value = "".join("%s," % item for item in value)
            return '"%s"' % value
        return str(value)
    lines = [",".join(header) + ","]
    for row in rows:
        lines.append(",".join(cell(value) for value in row) + ",")
    return "\n".join(lines) + "\n"


def _mtu(value):
    if not 1280 <= int(value) <= 9000:
        raise Refused("Invalid MTU %s: must be between 1280 and 9000" % value)
    return int(value)


def _find(items, name):
    for item in items:
        if item["name"] == name:
            return item
    return None


class Network(object):
    def __init__(self, state):
        self.state = state

    # -- lists -----------------------------------------------------------
    def nic_list(self):
        return _csv(["AdminStatus", "Description", "Driver", "Duplex", "Link", "LinkStatus",
                     "MACAddress", "MTU", "Name", "PCIDevice", "Speed"],
                    [["Up", "Intel(R) Ethernet Controller X710 for 10GbE SFP+", "i40en", "Full",
                      nic.get("link", "Up"), nic.get("link", "Up"), nic["mac"], 1500, nic["name"],
                      "0000:3b:00.%d" % index, 10000]
                     for index, nic in enumerate(self.state["nics"])])

    def vswitch_of(self, portgroup):
        found = _find(self.state["portgroups"], portgroup)
        return found["vswitch"] if found else "N/A"

    def interface_list(self):
        return _csv(["Enabled", "ExternalID", "MACAddress", "MTU", "Name", "NetstackInstance",
                     "OpaqueNetworkID", "OpaqueNetworkType", "PortID", "Portgroup", "Portset",
                     "RXDispQueueSize", "TSOMSS", "VDSConnection", "VDSName", "VDSPort", "VDSUUID"],
                    [["true", "N/A", vmk["mac"], vmk["mtu"], vmk["name"], "defaultTcpipStack",
                      "N/A", "N/A", 33554436 + index, vmk["portgroup"],
                      self.vswitch_of(vmk["portgroup"]), 2, 65535, -1, "N/A", "N/A", "N/A"]
                     for index, vmk in enumerate(self.state["vmks"])])

    def vswitch_list(self):
        rows = []
        for vswitch in self.state["vswitches"]:
            groups = [pg["name"] for pg in self.state["portgroups"]
                      if pg["vswitch"] == vswitch["name"]]
            rows.append(["false", 1, "", 3, "listen", "cswitch", 128, vswitch["mtu"],
                         vswitch["name"], 2560, groups, 4, vswitch["uplinks"]])
        return _csv(["BeaconEnabled", "BeaconInterval", "BeaconRequiredBy", "BeaconThreshold",
                     "CDPStatus", "Class", "ConfiguredPorts", "MTU", "Name", "NumPorts",
                     "Portgroups", "UsedPorts", "Uplinks"], rows)

    def portgroup_list(self):
        return _csv(["ActiveClients", "Name", "VLANID", "VirtualSwitch"],
                    [[sum(1 for v in self.state["vmks"] if v["portgroup"] == pg["name"]),
                      pg["name"], pg["vlan"], pg["vswitch"]] for pg in self.state["portgroups"]])

    def dns_search_list(self):
        return _csv(["DNSSearchDomains"], [[list(self.state["dns_search"])]])

    # -- changes ---------------------------------------------------------
    def vswitch(self, words, options):
        name = options.get("vswitch-name")
        switches = self.state["vswitches"]
        if words == ["add"]:
            if _find(switches, name):
                raise Refused("A vSwitch named %s already exists" % name)
            switches.append({"name": name, "mtu": 1500, "uplinks": []})
            return
        found = _find(switches, name)
        if found is None:
            raise Refused("Unable to find vswitch %s" % name)
        if words == ["remove"]:
            groups = [pg["name"] for pg in self.state["portgroups"] if pg["vswitch"] == name]
            if any(v["portgroup"] in groups for v in self.state["vmks"]):
                raise Refused("Cannot remove %s: a VMkernel NIC uses it" % name)
            self.state["portgroups"] = [pg for pg in self.state["portgroups"]
                                        if pg["vswitch"] != name]
            switches.remove(found)
        elif words == ["set"]:
            found["mtu"] = _mtu(options.get("mtu", found["mtu"]))
        elif words == ["uplink", "add"]:
            uplink = options["uplink-name"]
            if not _find(self.state["nics"], uplink):
                raise Refused("Uplink %s does not exist" % uplink)
            if any(uplink in s["uplinks"] for s in switches):
                raise Refused("Uplink already in use: %s" % uplink)
            found["uplinks"].append(uplink)
        elif words == ["uplink", "remove"]:
            found["uplinks"].remove(options["uplink-name"])

    def portgroup(self, words, options):
        name = options.get("portgroup-name")
        groups = self.state["portgroups"]
        found = _find(groups, name)
        if words == ["add"]:
            if found:
                raise Refused("A portgroup with the name %s already exists" % name)
            if not _find(self.state["vswitches"], options.get("vswitch-name")):
                raise Refused("Unable to find vswitch %s" % options.get("vswitch-name"))
            groups.append({"name": name, "vswitch": options["vswitch-name"], "vlan": 0})
        elif found is None:
            raise Refused("Unable to find portgroup %s" % name)
        elif words == ["remove"]:
            if any(v["portgroup"] == name for v in self.state["vmks"]):
                raise Refused("Cannot remove portgroup %s: a VMkernel NIC uses it" % name)
            groups.remove(found)
        elif words == ["set"]:
            found["vlan"] = int(options.get("vlan-id", found["vlan"]))

    def interface(self, words, options):
        name = options.get("interface-name")
        vmks = self.state["vmks"]
        found = _find(vmks, name)
        if words == ["add"]:
            if found:
                raise Refused("Interface %s already exists" % name)
            if not _find(self.state["portgroups"], options.get("portgroup-name")):
                raise Refused("Unable to find portgroup %s" % options.get("portgroup-name"))
            vmks.append({"name": name, "portgroup": options["portgroup-name"],
                         "mac": options.get("mac-address", "00:50:56:6a:00:%02x" % len(vmks)),
                         "mtu": _mtu(options.get("mtu", 1500)), "ipv4": "dhcp", "ipv4_address": None,
                         "ipv6": [], "tags": [], "router_adv": True})
            return
        if found is None:
            raise Refused("Unable to find interface %s" % name)
        if words == ["remove"]:
            vmks.remove(found)
        elif words == ["ipv4", "set"]:
            found["ipv4"] = options["type"]
            found["ipv4_address"] = options.get("ipv4")
        elif words == ["ipv6", "set"]:
            if "enable-router-adv" in options:
                found["router_adv"] = options["enable-router-adv"] == "true"
        elif words == ["ipv6", "address", "add"]:
            found["ipv6"].append(options["ipv6"])
        elif words == ["tag", "add"]:
            found["tags"].append(options["tagname"])

    def handle(self, args):
        """stdout for `esxcli ARGS`; None when this fake does not model the command."""
        if args[:1] == ["--formatter=csv"]:
            lists = {
                ("network", "nic", "list"): self.nic_list,
                ("network", "ip", "interface", "list"): self.interface_list,
                ("network", "vswitch", "standard", "list"): self.vswitch_list,
                ("network", "vswitch", "standard", "portgroup", "list"): self.portgroup_list,
                ("network", "ip", "dns", "search", "list"): self.dns_search_list,
            }
            answer = lists.get(tuple(args[1:]))
            return answer() if answer else None
        words, options = _options(args)
        if words[:3] == ["network", "vswitch", "standard"]:
            rest = words[3:]
            if rest[:1] == ["portgroup"]:
                self.portgroup(rest[1:], options)
            elif rest[:2] == ["policy", "failover"]:
                pass
            else:
                self.vswitch(rest, options)
            return ""
        if words[:3] == ["network", "ip", "interface"]:
            self.interface(words[3:], options)
            return ""
        if words[:3] == ["network", "ip", "dns"]:
            key = "dns_servers" if words[3] == "server" else "dns_search"
            if words[4] == "add":
                self.state[key].append(options.get("server") or options.get("domain"))
            elif options.get("all") is not None or "--all" in args:
                self.state[key] = []
            else:
                value = options.get("server") or options.get("domain")
                self.state[key] = [v for v in self.state[key] if v != value]
            return ""
        if words[:3] == ["network", "ip", "route"]:
            self.state.setdefault("routes", []).append(
                [words[3], options.get("network"), options.get("gateway")])
            return ""
        return None


def image_state(nics):
    """A freshly deployed image: the build VM's vSwitch0/vmk0 on ESXi's first vmnic."""
    return {
        "nics": [{"name": name, "mac": mac, "link": "Up"} for name, mac in nics],
        "vswitches": [{"name": "vSwitch0", "mtu": 1500, "uplinks": [nics[0][0]]}],
        "portgroups": [{"name": "Management Network", "vswitch": "vSwitch0", "vlan": 0},
                       {"name": "VM Network", "vswitch": "vSwitch0", "vlan": 0}],
        "vmks": [{"name": "vmk0", "portgroup": "Management Network", "mac": "52:54:00:12:34:56",
                  "mtu": 1500, "ipv4": "dhcp", "ipv4_address": None, "ipv6": [],
                  "tags": ["Management"], "router_adv": True}],
        "dns_servers": [], "dns_search": ["localdomain"], "routes": [],
    }


def run(path, args):
    """(rc, stdout, stderr) of `esxcli ARGS` against the state in `path`, or None."""
    state = load(path)
    network = Network(state)
    try:
        out = network.handle(args)
    except Refused as err:
        return 1, "", "%s\n" % err
    if out is None:
        return None
    save(path, state)
    return 0, out, ""


def load(path):
    with open(path, "rb") as handle:
        return marshal.load(handle)


def save(path, state):
    with open(path, "wb") as handle:
        marshal.dump(state, handle)
