# SPDX-License-Identifier: BSD-3-Clause
"""drongo-dp as the media-node tests run it: on net_af_packet over a veth
whose two ends live in a network namespace of the test's own, one worker,
no hugepages, and its session count read with drongo-dpctl. Every name
(namespace, interfaces, EAL file prefix, shm instance) comes from the
caller, so tests running at the same time never share one.

Tests in tests/integration/<area>/ import it after putting their parent
folder on sys.path."""
import os
import re
import subprocess


def sh(cmd):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f'{cmd}: {r.returncode} {r.stderr.strip()}')


def netns_veth(ns, dev, peer, peer_cidr):
    """Namespace ns with lo up, IPv6 off and a veth dev <-> peer in it;
    peer gets peer_cidr (the data plane's gateway)."""
    sh(f'ip netns add {ns}')
    sh(f'ip -n {ns} link set lo up')
    sh(f'ip netns exec {ns} sysctl -qw net.ipv6.conf.all.disable_ipv6=1')
    sh(f'ip -n {ns} link add {dev} type veth peer name {peer}')
    sh(f'ip -n {ns} link set {dev} up')
    sh(f'ip -n {ns} link set {peer} up')
    sh(f'ip -n {ns} addr add {peer_cidr} dev {peer}')


def start(dp, workdir, name, ns, dev, instance, address, gateway,
          file_prefix, main_lcore):
    """drongo-dp NAME on dev inside ns, relay address/prefix address, one
    worker on lcores 0-1 with the main one on main_lcore; returns the
    Popen and the log path (workdir/NAME.log)."""
    conf = os.path.join(workdir, f'{name}.yaml')
    with open(conf, 'w') as f:
        f.write(f'instance: {instance}\nport: net_af_packet0\n'
                f'addresses: [{address}]\ngateway4: {gateway}\n'
                'sessions_per_worker: 256\nport_min: 44000\nport_max: 44511\n'
                'mbufs: 2047\nsteering: auto\nsrtp: off\n')
    logpath = os.path.join(workdir, f'{name}.log')
    with open(logpath, 'w') as log:
        proc = subprocess.Popen(
            ['ip', 'netns', 'exec', ns, dp, '-c', conf, '--',
             '--no-huge', '--no-pci', '-l', '0-1', f'--main-lcore={main_lcore}',
             '-m', '128', f'--file-prefix={file_prefix}',
             '--log-level=lib.eal:error',
             f'--vdev=net_af_packet0,iface={dev},qpairs=2'],
            stdout=log, stderr=subprocess.STDOUT)
    return proc, logpath


def sessions(dpctl, instance):
    """Sessions held by drongo-dp instance, or None when it does not answer."""
    r = subprocess.run([dpctl, '--instance', str(instance), 'stats'],
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        return None
    return sum(int(m) for m in
               re.findall(r'^worker=\d+ sessions=(\d+)', r.stdout, re.M))
