"""MAAS network configuration -> one normalised model.

MAAS sends ESXi network config **version 1** (src/maasserver/preseed.py
get_network_yaml_settings; docs/esxi-first-boot.md); version 2 is accepted as
well so a future MAAS that sends v2 keeps working. Both are reduced to the
same Interface/Subnet objects, so the esxcli plan does not depend on the
format.
"""

import ipaddress


class NetworkConfigError(Exception):
    pass


def _check_gateway(gateway):
    """A bad gateway is its entry's fault: ValueError while parsing it, not later while planning."""
    if gateway:
        ipaddress.ip_address(gateway)


class Route(object):
    def __init__(self, destination, gateway, metric=None):
        _check_gateway(gateway)
        self.destination = destination  # CIDR, or "default"
        self.gateway = gateway
        self.metric = metric

    @property
    def family(self):
        return ipaddress.ip_address(self.gateway).version


class Subnet(object):
    """One entry of an interface's `subnets` (an address, DHCP, or nothing)."""

    def __init__(self, kind, address=None, prefix=None, gateway=None,
                 dns=None, search=None, routes=None):
        _check_gateway(gateway)
        self.kind = kind  # static | dhcp4 | dhcp6 | dhcp | manual
        self.address = address
        self.prefix = prefix
        self.gateway = gateway
        self.dns = list(dns or [])
        self.search = list(search or [])
        self.routes = list(routes or [])

    @property
    def families(self):
        """IP families this subnet configures on a VMkernel NIC."""
        if self.kind == "static":
            return (ipaddress.ip_address(self.address).version,)
        return {"dhcp4": (4,), "dhcp6": (6,), "dhcp": (4, 6)}.get(self.kind, ())


class Interface(object):
    def __init__(self, kind, name, mac=None, mtu=None, subnets=None,
                 members=None, bond_mode=None, vlan_link=None, vlan_id=None, accept_ra=None):
        self.kind = kind  # physical | bond | vlan | bridge
        self.name = name
        self.mac = mac.lower() if mac else None
        self.mtu = int(mtu) if mtu else 1500
        self.subnets = list(subnets or [])
        self.members = list(members or [])
        self.bond_mode = bond_mode
        self.vlan_link = vlan_link
        self.vlan_id = vlan_id
        self.accept_ra = accept_ra  # None: not said (ESXi's default, on)
        self.malformed = None  # why MAAS's entry could not be parsed (MalformedInterface)


INTERFACE_KINDS = ("physical", "bond", "vlan", "bridge")
# What a malformed entry raises while it is parsed (a missing key, a bad address,
# a VLAN id that is no number, a list where a mapping belongs).
MALFORMED = (KeyError, ValueError, TypeError, AttributeError)


class MalformedInterface(Interface):
    """An interface entry that could not be parsed: refused on its own (network_check).

    claims_gateway / claims_address say what the raw entry asked for, so a
    malformed entry that may carry the management network is never overlooked;
    its MAC is kept when readable, to find MAAS's boot NIC (management_network).
    """

    def __init__(self, kind, name, error, claims_gateway, claims_address, mac):
        Interface.__init__(self, kind, str(name), mac if isinstance(mac, str) else None)
        self.malformed = "%s: %s" % (type(error).__name__, error)
        self.claims_gateway = claims_gateway
        self.claims_address = claims_address


def _interface_or_malformed(kind, name, parse, claims):
    try:
        return parse()
    except MALFORMED as err:
        return MalformedInterface(kind, name, err, *claims)


class NetworkConfig(object):
    def __init__(self, interfaces, nameservers, search, routes, warnings):
        self.interfaces = interfaces
        self.nameservers = nameservers
        self.search = search
        self.routes = routes  # top-level routes (v1 `type: route`), rare
        self.warnings = warnings

    def by_name(self, name):
        for iface in self.interfaces:
            if iface.name == name:
                return iface
        return None


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _append_unique(target, values):
    for value in values:
        if value not in target:
            target.append(value)


def _split_address(address, netmask=None):
    """'10.0.0.5/24' -> ('10.0.0.5', 24); MAAS always sends the prefix (docs/esxi-first-boot.md)."""
    if "/" in address:
        ip, prefix = address.split("/", 1)
        return ip, int(prefix)
    if netmask:
        network = ipaddress.ip_network("0.0.0.0/%s" % netmask)
        return address, network.prefixlen
    return address, 32 if ipaddress.ip_address(address).version == 4 else 128


def _v1_routes(subnet):
    routes = []
    for route in _as_list(subnet.get("routes")):
        destination = route.get("destination") or route.get("network")
        if destination and route.get("netmask") and "/" not in destination:
            destination = "%s/%s" % (destination, route["netmask"])
        routes.append(Route(_normalise_destination(destination), route.get("gateway"),
                            route.get("metric")))
    return routes


def _normalise_destination(destination):
    if destination in (None, "", "default", "0.0.0.0/0", "::/0"):
        return "default"
    return str(ipaddress.ip_network(destination, strict=False))


_V1_SUBNET_KINDS = {
    "static": "static", "static4": "static", "static6": "static",
    "dhcp": "dhcp", "dhcp4": "dhcp4", "dhcp6": "dhcp6",
    "ipv6_dhcpv6-stateful": "dhcp6", "ipv6_dhcpv6-stateless": "dhcp6",
    "ipv6_slaac": "dhcp6", "manual": "manual",
}


def _v1_subnets(entry, warnings):
    subnets = []
    for raw in _as_list(entry.get("subnets")) or [{"type": "manual"}]:
        kind = _V1_SUBNET_KINDS.get(raw.get("type"))
        if kind is None:
            warnings.append("%s: subnet type %r is not supported; ignored"
                            % (entry.get("name"), raw.get("type")))
            continue
        address = prefix = None
        if kind == "static":
            address, prefix = _split_address(raw["address"], raw.get("netmask"))
        subnets.append(Subnet(kind, address, prefix, raw.get("gateway"),
                              _as_list(raw.get("dns_nameservers")),
                              _as_list(raw.get("dns_search")), _v1_routes(raw)))
    return subnets


def _bond_mode(params):
    params = params or {}
    for key in ("bond-mode", "bond_mode", "mode"):
        if params.get(key):
            return str(params[key])
    # MAAS's code default (not the API doc's) is balance-rr: docs/esxi-first-boot.md bond params.
    return "balance-rr"


def _accept_ra(entry):
    """MAAS copies the interface's accept_ra onto the v1 entry as `accept-ra: 0|1`
    (src/maasserver/preseed_network.py InterfaceConfiguration._get_initial_params)."""
    for key in ("accept-ra", "accept_ra"):
        value = entry.get(key)
        if value is not None:
            return str(value).strip().lower() not in ("0", "false", "no", "off")
    return None


def _v1_interface(entry, id_to_name, warnings):
    kind, name = entry.get("type"), entry.get("name")
    common = dict(mac=entry.get("mac_address"), mtu=entry.get("mtu"),
                  subnets=_v1_subnets(entry, warnings))
    if kind == "physical":
        return Interface(kind, name, accept_ra=_accept_ra(entry), **common)
    if kind == "bond":
        members = [id_to_name.get(m, m) for m in _as_list(entry.get("bond_interfaces"))]
        return Interface(kind, name, members=members, bond_mode=_bond_mode(entry.get("params")),
                         accept_ra=_accept_ra(entry), **common)
    if kind == "vlan":
        return Interface(kind, name, vlan_link=id_to_name.get(entry.get("vlan_link"),
                                                              entry.get("vlan_link")),
                         vlan_id=int(entry.get("vlan_id")), accept_ra=_accept_ra(entry), **common)
    members = [id_to_name.get(m, m) for m in _as_list(entry.get("bridge_interfaces"))]
    return Interface(kind, name, members=members, **common)


def parse_v1(entries):
    interfaces, nameservers, search, routes, warnings = [], [], [], [], []
    id_to_name = {}
    for entry in entries:
        if entry.get("id") and entry.get("name"):
            id_to_name[entry["id"]] = entry["name"]
    for entry in entries:
        kind = entry.get("type")
        name = entry.get("name")
        if kind == "nameserver":
            _append_unique(nameservers, _as_list(entry.get("address")))
            _append_unique(search, _as_list(entry.get("search")))
        elif kind == "route":
            routes.append(Route(_normalise_destination(entry.get("destination") or entry.get("network")),
                                entry.get("gateway"), entry.get("metric")))
        elif kind in INTERFACE_KINDS:
            interfaces.append(_interface_or_malformed(
                kind, name, lambda: _v1_interface(entry, id_to_name, warnings),
                _v1_claims(entry)))
        else:
            warnings.append("network entry %r of type %r is not supported; ignored" % (name, kind))
    return NetworkConfig(interfaces, nameservers, search, routes, warnings)


def _v1_claims(entry):
    """(has a gateway, has an address or DHCP, MAC) as the raw v1 entry says, parsed or not."""
    subnets = [s for s in _as_list(entry.get("subnets")) if isinstance(s, dict)]
    return (any(s.get("gateway") for s in subnets),
            any(s.get("type") not in (None, "manual") for s in subnets), entry.get("mac_address"))


def _v2_subnets(name, settings, nameservers, search, warnings):
    """Netplan keys of one interface -> Subnets shaped like MAAS's v1 output."""
    statics = []
    for address in _as_list(settings.get("addresses")):
        if isinstance(address, dict):  # netplan's {ADDR: {label: ...}} form
            address = list(address.keys())[0]
        ip, prefix = _split_address(str(address))
        statics.append(Subnet("static", ip, prefix))
    gateways = {4: settings.get("gateway4"), 6: settings.get("gateway6")}
    for gateway in gateways.values():
        _check_gateway(gateway)
    extra_routes = []
    for route in _as_list(settings.get("routes")):
        destination = _normalise_destination(route.get("to"))
        if destination == "default":
            gateways[ipaddress.ip_address(route["via"]).version] = route["via"]
        else:
            extra_routes.append(Route(destination, route.get("via"), route.get("metric")))
    ns = settings.get("nameservers") or {}
    dns, dns_search = _as_list(ns.get("addresses")), _as_list(ns.get("search"))
    _append_unique(nameservers, dns)
    _append_unique(search, dns_search)

    def first_static(family):
        for subnet in statics:
            if subnet.families == (family,):
                return subnet
        return None

    for family in (4, 6):
        if gateways[family]:
            target = first_static(family)
            if target is None:
                warnings.append("%s: gateway%d %s has no static address to sit on; ignored"
                                % (name, family, gateways[family]))
            else:
                target.gateway = gateways[family]
    for route in extra_routes:
        target = first_static(route.family)
        if target is None:
            warnings.append("%s: route to %s has no static address to sit on; ignored"
                            % (name, route.destination))
        else:
            target.routes.append(route)
    if statics and dns:
        statics[0].dns, statics[0].search = dns, dns_search
    subnets = list(statics)
    dhcp4, dhcp6 = bool(settings.get("dhcp4")), bool(settings.get("dhcp6"))
    if dhcp4 and dhcp6:
        subnets.append(Subnet("dhcp"))
    elif dhcp4:
        subnets.append(Subnet("dhcp4"))
    elif dhcp6:
        subnets.append(Subnet("dhcp6"))
    return subnets or [Subnet("manual")]


def _v2_interface(kind, name, settings, nameservers, search, warnings):
    common = dict(mac=settings.get("macaddress"), mtu=settings.get("mtu"),
                  subnets=_v2_subnets(name, settings, nameservers, search, warnings))
    if kind == "physical":
        match = settings.get("match") or {}
        common["mac"] = match.get("macaddress") or common["mac"]
        return Interface(kind, settings.get("set-name") or name, accept_ra=_accept_ra(settings),
                         **common)
    if kind == "bond":
        return Interface(kind, name, members=_as_list(settings.get("interfaces")),
                         bond_mode=_bond_mode(settings.get("parameters")),
                         accept_ra=_accept_ra(settings), **common)
    if kind == "vlan":
        return Interface(kind, name, vlan_link=settings.get("link"), vlan_id=int(settings.get("id")),
                         accept_ra=_accept_ra(settings), **common)
    return Interface(kind, name, members=_as_list(settings.get("interfaces")), **common)


def _v2_claims(settings):
    routes = [r for r in _as_list(settings.get("routes")) if isinstance(r, dict)]
    gateway = (settings.get("gateway4") or settings.get("gateway6") or
               any(r.get("to") in ("default", "0.0.0.0/0", "::/0") for r in routes))
    match = settings.get("match") if isinstance(settings.get("match"), dict) else {}
    return (bool(gateway),
            bool(settings.get("addresses") or settings.get("dhcp4") or settings.get("dhcp6")),
            match.get("macaddress") or settings.get("macaddress"))


V2_SECTIONS = (("ethernets", "physical"), ("bonds", "bond"), ("vlans", "vlan"), ("bridges", "bridge"))


def parse_v2(network):
    interfaces, nameservers, search, warnings = [], [], [], []
    for section, kind in V2_SECTIONS:
        for name, settings in (network.get(section) or {}).items():
            # DNS is collected per entry and kept only when the entry parses:
            # nothing of a malformed entry may reach the host.
            own_servers, own_search = [], []
            interface = _interface_or_malformed(
                kind, name, lambda: _v2_interface(kind, name, settings, own_servers, own_search,
                                                  warnings),
                _v2_claims(settings) if isinstance(settings, dict) else (False, False, None))
            interfaces.append(interface)
            if interface.malformed is None:
                _append_unique(nameservers, own_servers)
                _append_unique(search, own_search)
    return NetworkConfig(interfaces, nameservers, search, [], warnings)


def parse_network_config(network):
    """Accepts curtin's `network` value: {version: 1, config: [...]} or a v2 map.

    curtin also accepts the whole thing wrapped once more in {network: ...}.
    """
    if not isinstance(network, dict):
        raise NetworkConfigError("network config is missing or not a mapping")
    if "network" in network and "version" not in network:
        network = network["network"]
    version = network.get("version")
    if version == 1:
        return parse_v1(_as_list(network.get("config")))
    if version == 2:
        return parse_v2(network)
    raise NetworkConfigError("network config version %r is not supported (expected 1 or 2)"
                             % (version,))
