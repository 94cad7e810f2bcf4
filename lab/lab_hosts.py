"""Start and remove the project's lab hosts: systemd containers on a docker network.

The one launcher for every place that needs lab hosts: `make lab` (lab/lab.sh, from an Ansible
inventory), the molecule scenarios (.config/molecule/create.yml and destroy.yml, from the
scenario's platforms), the bundle test (tests/harbor_sim/tests/test_bundle_install.py) and the
benches (bench/lab_docker.py restarts a host it killed).

Every host is started the same way: systemd as PID 1 with the flags that work on this kind of
machine (README "Molecule": all capabilities but SYS_RESOURCE, which the machine's bounding set
lacks, so plain --privileged fails), a docker volume `<container>-docker` at /var/lib/docker (the
inner engine then uses overlay2 instead of vfs), the lab's label on the container, its volume and
its network, so that `down` removes exactly one lab.

    lab_hosts.py up --inventory INV --network NAME --subnet CIDR --label org.harborops.lab=main \
        [--data-dir DIR]             hosts of an inventory: container = ansible_host, address =
                                     harborops_address; harbor_data hosts share DIR as /data
    lab_hosts.py up --platforms JSON --label ...    molecule platforms: name, hostname, networks
                                     [{name, ipv4_address}], docker_networks [{name, subnet}],
                                     volumes (extra bind mounts), env, published_ports, image
    lab_hosts.py down --label org.harborops.lab=main
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

IMAGE = os.environ.get("LAB_IMAGE", "harborops/lab:latest")
SYSTEMD_FLAGS = [
    "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
    "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
    "--tmpfs", "/run", "--tmpfs", "/run/lock", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--cgroupns=host",
    "--stop-signal", "SIGRTMIN+3",
]
BOOT_TIMEOUT = 120


class LabError(Exception):
    """A lab host or network cannot be brought to the wanted state."""


def say(message):
    print(f"lab: {message}", file=sys.stderr, flush=True)


def docker(*args, check=True, timeout=300, **kw):
    res = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False, **kw)
    if check and res.returncode != 0:
        raise LabError(f"docker {' '.join(args[:2])} failed: {res.stderr.strip() or res.stdout.strip()}")
    return res


# --- what to start ---------------------------------------------------------------------------

def hosts_from_inventory(inventory_json, network, data_dir=None):
    """Host specs from `ansible-inventory --list` output: one per host with ansible_host."""
    hostvars = inventory_json.get("_meta", {}).get("hostvars", {})

    def members(group, seen=()):
        entry = inventory_json.get(group, {})
        found = set(entry.get("hosts", []))
        for child in entry.get("children", []):
            if child not in seen:
                found |= members(child, seen + (group,))
        return found

    data_hosts = members("harbor_data")
    hosts = []
    for name in sorted(hostvars):
        hv = hostvars[name]
        missing = [k for k in ("ansible_host", "harborops_address") if k not in hv]
        if missing:
            raise LabError(f"host {name} needs {' and '.join(missing)} in the inventory")
        volumes = []
        if data_dir and name in data_hosts:
            os.makedirs(data_dir, exist_ok=True)
            volumes.append(f"{os.path.abspath(data_dir)}:/data")
        hosts.append({"name": hv["ansible_host"], "hostname": name, "volumes": volumes,
                      "networks": [{"name": network, "ipv4_address": hv["harborops_address"]}]})
    return hosts


def read_inventory(path):
    res = subprocess.run(["ansible-inventory", "-i", path, "--list"], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise LabError(f"ansible-inventory -i {path} failed: {res.stderr.strip()}")
    return json.loads(res.stdout)


def run_argv(host, label):
    """The `docker run` arguments of one host spec."""
    argv = ["run", "-d", "--name", host["name"], "--hostname", host.get("hostname", host["name"]),
            "--label", label, *SYSTEMD_FLAGS, "-v", f"{host['name']}-docker:/var/lib/docker"]
    for volume in host.get("volumes", []):
        argv += ["-v", volume]
    for key, value in sorted(host.get("env", {}).items()):
        argv += ["-e", f"{key}={value}"]
    for port in host.get("published_ports", []):
        argv += ["-p", str(port)]
    networks = host.get("networks", [])
    if networks:
        argv += ["--network", networks[0]["name"]]
        if networks[0].get("ipv4_address"):
            argv += ["--ip", networks[0]["ipv4_address"]]
    return argv + [host.get("image", IMAGE), "/lib/systemd/systemd"]


# --- starting and stopping -------------------------------------------------------------------

def ensure_network(name, subnet, label):
    res = docker("network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}}{{end}}", name, check=False)
    if res.returncode == 0:
        if subnet and res.stdout.strip() != subnet:
            raise LabError(f"docker network {name} exists with subnet {res.stdout.strip()}, not {subnet}:"
                           " remove that lab first")
        return
    say(f"creating docker network {name} ({subnet or 'any subnet'})")
    docker("network", "create", *(["--subnet", subnet] if subnet else []), "--label", label, name)


def wait_booted(container, timeout=BOOT_TIMEOUT):
    """Wait until systemd in `container` has finished booting (running or degraded)."""
    deadline = time.monotonic() + timeout
    state = ""
    while time.monotonic() < deadline:
        state = docker("exec", container, "systemctl", "is-system-running", check=False).stdout.strip()
        if state in ("running", "degraded"):
            return
        time.sleep(1)
    failed = docker("exec", container, "systemctl", "--failed", "--no-legend", check=False).stdout
    raise LabError(f"{container}: systemd did not finish booting (state: {state or 'unknown'})\n{failed}")


def start(container, timeout=BOOT_TIMEOUT):
    """Start an existing (stopped or killed) host again and wait for its boot."""
    docker("start", container)
    wait_booted(container, timeout)


def ensure_host(host, label):
    """Create or start one host; returns True when something was created or started."""
    name = host["name"]
    res = docker("container", "inspect", "-f", "{{.State.Status}} {{.Config.Image}}", name, check=False)
    if res.returncode != 0:
        say(f"starting {name} ({host.get('hostname', name)})")
        docker("volume", "create", "--label", label, f"{name}-docker")
        docker(*run_argv(host, label))
        return True
    status, image = res.stdout.split()
    if image != host.get("image", IMAGE):
        say(f"note: {name} runs {image}, not {host.get('image', IMAGE)} (kept; remove the lab to rebuild)")
    if status != "running":
        say(f"starting stopped {name}")
        docker("start", name)
        return True
    return False


def up(hosts, networks, label):
    """Bring every host up (networks first), then wait for all of them to boot."""
    for net in networks:
        ensure_network(net["name"], net.get("subnet"), label)
    changed = [ensure_host(h, label) for h in hosts]
    for host in hosts:
        wait_booted(host["name"])
    return any(changed)


def down(label):
    """Remove the containers, their volumes and the networks that carry `label`."""
    selector = f"label={label}"
    containers = docker("ps", "-aq", "--filter", selector).stdout.split()
    if containers:
        say(f"removing {len(containers)} container(s) of {label}")
        docker("rm", "-f", *containers)
    volumes = docker("volume", "ls", "-q", "--filter", selector).stdout.split()
    if volumes:
        docker("volume", "rm", *volumes)
    for net in docker("network", "ls", "-q", "--filter", selector).stdout.split():
        docker("network", "rm", net)
    return bool(containers or volumes)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up")
    source = p_up.add_mutually_exclusive_group(required=True)
    source.add_argument("--inventory")
    source.add_argument("--platforms", help="molecule platforms as JSON")
    p_up.add_argument("--network", help="with --inventory: the lab's docker network")
    p_up.add_argument("--subnet", help="with --inventory: its subnet")
    p_up.add_argument("--data-dir", help="with --inventory: host directory shared as /data by harbor_data hosts")
    p_up.add_argument("--label", required=True)
    p_down = sub.add_parser("down")
    p_down.add_argument("--label", required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "down":
            changed = down(args.label)
        elif args.inventory:
            if not (args.network and args.subnet):
                parser.error("--inventory needs --network and --subnet")
            hosts = hosts_from_inventory(read_inventory(args.inventory), args.network, args.data_dir)
            changed = up(hosts, [{"name": args.network, "subnet": args.subnet}], args.label)
        else:
            platforms = json.loads(args.platforms)
            networks = {n["name"]: n for p in platforms for n in p.get("docker_networks", [])}
            changed = up(platforms, list(networks.values()), args.label)
    except LabError as exc:
        say(str(exc))
        return 1
    print("changed" if changed else "ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
