# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
name: topology_errors
short_description: Everything that keeps an inventory from describing a harborops.ha topology that can work
version_added: 0.1.0
description:
  - Reads the inventory's topology vocabulary (C(harborops_topology), per host C(harborops_address),
    C(harborops_vip_address), C(harborops_vip_name), C(harborops_vip_prefix), and C(harbor_hostname) when set)
    and the groups C(harbor), C(harbor_data), C(postgresql), C(etcd), C(redis), and returns one message per
    problem, each naming the variable or group to fix. An empty list means the inventory can work.
  - Pure and controller-side; no host is contacted and no fact is needed. The role M(harborops.ha.topology)
    fails on a non-empty result; C(playbooks/site.yml) and every step playbook run it first.
  - "The VIP subnet rule: the VIP must lie in C(harborops_address)/C(harborops_vip_prefix) of every Harbor
    node (prefix per host, default 24): keepalived can only raise the VIP inside the subnet of the node's
    interface. The prefix is declared, not read from facts; the keepalived role checks the real subnet of
    its interface again, from facts, before it installs or configures anything."
options:
  _input:
    description: C(hostvars).
    type: dict
    required: true
  groups:
    description: C(groups).
    type: dict
    required: true
  default_topology:
    description: Topology of a host without C(harborops_topology).
    type: str
    default: dual_master
  default_prefix:
    description: C(harborops_vip_prefix) of a Harbor node that does not set it.
    type: int
    default: 24
'''

EXAMPLES = r'''
- name: Stop when the inventory cannot work
  ansible.builtin.assert:
    that: __errors | length == 0
    fail_msg: "{{ __errors }}"
  vars:
    __errors: "{{ hostvars | harborops.ha.topology_errors(groups) }}"
'''

RETURN = r'''
_value:
  description: One message per problem, each starting with the variable or group it is about.
  type: list
  elements: str
'''

import ipaddress

TOPOLOGIES = ('dual_master', 'shared_storage')
# Shared storage: the groups that must have hosts, and what they are for.
SHARED_STORAGE_GROUPS = (
    ('postgresql', 'the PostgreSQL/Patroni hosts of the shared database'),
    ('etcd', "the etcd hosts that keep Patroni's leader lock"),
    ('redis', 'the Redis/Sentinel hosts of the shared cache'),
)
_UNSET = object()


def _value(hostvars, host, name, default=_UNSET):
    """A host's variable, templated; _UNSET when it is not set (or set to null/empty)."""
    try:
        host_vars = hostvars[host]
        if name not in host_vars:
            return default
        value = host_vars[name]
    except Exception as e:  # an undefined variable inside the value, a broken template
        return _Broken(name, host, e)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    return value


class _Broken(object):
    def __init__(self, name, host, error):
        self.message = '%s: cannot be evaluated on %s: %s' % (name, host, str(error).splitlines()[0] if str(error) else type(error).__name__)


def _ipv4(value):
    try:
        return ipaddress.IPv4Address(str(value).strip())
    except ValueError:
        return None


def _hosts(names):
    return ', '.join(names)


def _by_value(values):
    """{value: [hosts]} in host order, for 'the hosts disagree' messages."""
    grouped = {}
    for host, value in values:
        grouped.setdefault(value, []).append(host)
    return grouped


def _describe(grouped):
    return '; '.join('%s on %s' % (value, _hosts(hosts)) for value, hosts in grouped.items())


def topology_errors(hostvars, groups, default_topology='dual_master', default_prefix=24):
    groups = groups or {}
    every_host = list(groups.get('all') or [])
    harbor = list(groups.get('harbor') or [])
    errors = []

    def collect(hosts, name, default=_UNSET):
        values = []
        for host in hosts:
            value = _value(hostvars, host, name, default)
            if isinstance(value, _Broken):
                errors.append(value.message)
                continue
            values.append((host, value))
        return values

    # --- the topology ----------------------------------------------------------------------------
    topologies = collect(every_host, 'harborops_topology', default_topology)
    unknown = _by_value((h, str(v)) for h, v in topologies if v not in TOPOLOGIES)
    for value, hosts in unknown.items():
        errors.append("harborops_topology: '%s' (on %s) is not a topology; use dual_master or shared_storage."
                      % (value, _hosts(hosts)))
    known = _by_value((h, v) for h, v in topologies if v in TOPOLOGIES)
    topology = None
    if len(known) > 1:
        errors.append('harborops_topology: the hosts disagree (%s); set it once, for all hosts (group_vars/all).'
                      % _describe(known))
    elif len(known) == 1 and not unknown:
        topology = list(known)[0]

    # --- the Harbor nodes --------------------------------------------------------------------------
    if not harbor:
        errors.append("groups: the inventory has no host in group 'harbor' (the Harbor nodes).")
        return errors

    addresses = dict(collect(every_host, 'harborops_address'))
    missing = [h for h in harbor if h in addresses and addresses[h] is _UNSET]
    if missing:
        errors.append('harborops_address: Harbor node(s) %s have none; set it per host to the IPv4 address the other '
                      'nodes reach it at.' % _hosts(missing))
    node_ip = {}
    for host in harbor:
        value = addresses.get(host, _UNSET)
        if value is _UNSET:
            continue
        ip = _ipv4(value)
        if ip is None:
            errors.append("harborops_address: '%s' of Harbor node %s is not an IPv4 address (keepalived and the VIP "
                          "need one)." % (value, host))
        else:
            node_ip[host] = ip
    shared = _by_value((h, str(v).strip()) for h, v in addresses.items() if v is not _UNSET)
    for value, hosts in shared.items():
        if len(hosts) > 1:
            errors.append('harborops_address: %s all have %s; every host needs an address of its own.'
                          % (_hosts(hosts), value))

    # --- the VIP -----------------------------------------------------------------------------------
    def one_value(name, what):
        """The value every Harbor node gives `name`, or None (the problem appended to errors)."""
        values = collect(harbor, name)
        unset = [h for h, v in values if v is _UNSET]
        if unset:
            errors.append('%s: not set (for %s); set %s, once for all hosts (group_vars/all).'
                          % (name, _hosts(unset), what))
        given = _by_value((h, str(v).strip()) for h, v in values if v is not _UNSET)
        if len(given) > 1:
            errors.append('%s: the Harbor nodes disagree (%s); set it once (group_vars/all).' % (name, _describe(given)))
        elif len(given) == 1 and not unset:
            return list(given)[0]
        return None

    vip = None
    value = one_value('harborops_vip_address', 'the floating IPv4 address clients use')
    if value is not None:
        vip = _ipv4(value)
        if vip is None:
            errors.append("harborops_vip_address: '%s' is not an IPv4 address." % value)

    vip_name = one_value('harborops_vip_name', 'the DNS name clients use for the VIP')
    if vip_name is not None:
        clash = [h for h in every_host if h.lower() == vip_name.lower() or h.lower() == vip_name.lower().split('.')[0]]
        if clash:
            errors.append("harborops_vip_name: '%s' is also the inventory name of %s; the VIP needs a name of its own "
                          "(replication and the certificate address each node by its own name)." % (vip_name, _hosts(clash)))

    if vip is not None:
        owners = [h for h, v in addresses.items() if v is not _UNSET and _ipv4(v) == vip]
        if owners:
            errors.append('harborops_vip_address: %s is also the harborops_address of %s; the VIP needs an address '
                          'of its own.' % (vip, _hosts(owners)))
        for host in harbor:
            if host not in node_ip:
                continue
            prefix = _value(hostvars, host, 'harborops_vip_prefix', default_prefix)
            if isinstance(prefix, _Broken):
                errors.append(prefix.message)
                continue
            try:
                prefix = int(prefix)
                if not 1 <= prefix <= 32:
                    raise ValueError
            except (TypeError, ValueError):
                errors.append("harborops_vip_prefix: '%s' on %s is not a prefix length (1-32)." % (prefix, host))
                continue
            subnet = ipaddress.IPv4Network('%s/%d' % (node_ip[host], prefix), strict=False)
            if vip not in subnet:
                errors.append('harborops_vip_address: %s is outside the subnet of Harbor node %s (%s, from '
                              'harborops_address %s and harborops_vip_prefix %d): keepalived can only raise the VIP '
                              "inside the subnet of the node's interface, so it must lie in the subnet of every node."
                              % (vip, host, subnet, node_ip[host], prefix))
            elif prefix <= 30 and vip in (subnet.network_address, subnet.broadcast_address):
                errors.append('harborops_vip_address: %s is the network or broadcast address of %s (Harbor node %s).'
                              % (vip, subnet, host))

    # --- each node's Harbor hostname is its own --------------------------------------------------
    for host, value in collect(harbor, 'harbor_hostname'):
        if value is _UNSET:
            continue
        value = str(value).strip()
        if vip is not None and _ipv4(value) == vip:
            what = 'the VIP (harborops_vip_address %s)' % vip
        elif vip_name and value.lower() == vip_name.lower():
            what = 'the VIP name (harborops_vip_name %s)' % vip_name
        else:
            continue
        errors.append("harbor_hostname: %s sets it to %s; each node's Harbor hostname must be the node's own name or "
                      "address (replication and the token service reach nodes one by one). Leave it unset for the "
                      "default." % (host, what))

    # --- shared storage: the back ends -------------------------------------------------------------
    if topology == 'shared_storage':
        for group, purpose in SHARED_STORAGE_GROUPS:
            if not groups.get(group):
                errors.append("groups: harborops_topology is shared_storage but group '%s' has no host (%s)."
                              % (group, purpose))
        etcd = list(groups.get('etcd') or [])
        if etcd and len(etcd) % 2 == 0:
            errors.append("groups: group 'etcd' has %d hosts (%s); etcd needs an odd number (1, 3, 5) so that a "
                          "majority survives a failure." % (len(etcd), _hosts(etcd)))
        outside = [h for h in harbor if h not in (groups.get('harbor_data') or [])]
        if outside:
            errors.append("groups: harborops_topology is shared_storage but Harbor node(s) %s are not in group "
                          "'harbor_data' (the shared /data volume and the node's database endpoint)." % _hosts(outside))
    return errors


class FilterModule(object):
    def filters(self):
        return {'topology_errors': topology_errors}
