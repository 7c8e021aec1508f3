"""Check a network plan against the host before anything is changed.

A plan that cannot be applied in full must not start: the clean-up would
remove the image's management network first and leave the host without a
reachable VMkernel NIC (then only its console can rescue it). Checked:
every NIC MAAS configured is on this host (by MAC), no vmnic is wanted as an
uplink of two vSwitches, and every MTU is one a standard vSwitch takes.
"""

# A standard vSwitch and its VMkernel NICs take MTUs up to 9000 bytes; below
# 1280 IPv6 cannot work (RFC 8200 section 5).
MIN_MTU = 1280
MAX_MTU = 9000


def check_plan(plan, host_nics):
    """Problems that stop the plan (empty: it can be applied). host_nics: vmnic names."""
    problems = list(plan.errors)
    owner = {}
    for iface, vswitch, mtu, uplinks in plan.vswitch_specs:
        if not MIN_MTU <= mtu <= MAX_MTU:
            problems.append("%s: MTU %d is outside what an ESXi standard vSwitch takes (%d-%d)"
                            % (iface, mtu, MIN_MTU, MAX_MTU))
        for vmnic in uplinks:
            if vmnic not in host_nics:
                problems.append("%s: uplink %s is not on this host" % (iface, vmnic))
            elif vmnic in owner and owner[vmnic] != iface:
                problems.append("%s: uplink %s is already wanted by %s"
                                % (iface, vmnic, owner[vmnic]))
            owner.setdefault(vmnic, iface)
    vswitch_mtu = dict((vswitch, mtu) for _, vswitch, mtu, _ in plan.vswitch_specs)
    for vmk in sorted(plan.vmk_specs):
        iface, vswitch, mtu = plan.vmk_specs[vmk]
        limit = vswitch_mtu.get(vswitch, MAX_MTU)
        if not MIN_MTU <= mtu <= limit:
            problems.append("%s: MTU %d of %s does not fit its vSwitch %s (%d-%d)"
                            % (iface, mtu, vmk, vswitch, MIN_MTU, limit))
    if plan.management is None:
        problems.append("MAAS configured no address on any interface present on this host: "
                        "no management VMkernel NIC would be left")
    return problems
