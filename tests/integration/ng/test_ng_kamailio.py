#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Kamailio's rtpengine module driving drongo in role media.

The same data plane and drongo as test_ng_media.py (dgng- namespaces,
drongo-dp instance 8); in front, Debian's kamailio (rtpengine.so ships in
the kamailio package) proxies one sipp call from a UAC to a UAS, calling
rtpengine_offer() on the INVITE, rtpengine_answer() on the 200 and
rtpengine_delete() on the BYE. Checked: kamailio starts (its module pings
the media node at start-up), the UAS receives an INVITE whose SDP points at
the relay, the UAC receives a 200 whose SDP points at the relay with
another port, the call completes, and drongo saw one offer, at least one
answer, one delete, and holds no call afterwards. kamailio and sipp are
installed by this test when missing (they are not build dependencies).

Usage: test_ng_kamailio.py PATH/TO/drongo [PATH/TO/drongo-dp [PATH/TO/drongo-dpctl]]
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_ng_media as base  # noqa: E402  (same topology and helpers)

KAM_PORT, UAS_PORT, UAC_PORT = 15970, 15971, 15972
MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules'

KAM_CFG = f"""#!KAMAILIO
debug=2
log_stderror=yes
children=1
listen=udp:127.0.0.1:{KAM_PORT}
mpath="{MODULES}/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "rtpengine.so"
modparam("rtpengine", "rtpengine_sock", "udp:{base.NG[0]}:{base.NG[1]}")

request_route {{
	if (is_method("INVITE") && has_body("application/sdp")) {{
		rtpengine_offer("trust-address replace-origin replace-session-connection ICE=remove");
	}}
	if (is_method("BYE")) {{
		rtpengine_delete();
	}}
	t_on_reply("MEDIA");
	$du = "sip:127.0.0.1:{UAS_PORT}";
	if (!t_relay()) {{
		sl_reply_error();
	}}
}}

onreply_route[MEDIA] {{
	if (has_body("application/sdp")) {{
		rtpengine_answer("trust-address replace-origin replace-session-connection");
	}}
}}
"""


def ensure_packages():
    missing = []
    if shutil.which('kamailio') is None or \
       not os.path.exists(f'{MODULES}/rtpengine.so'):
        missing.append('kamailio')
    if shutil.which('sipp') is None:
        missing.append('sip-tester')
    if missing:
        r = subprocess.run(['apt-get', 'install', '-y',
                            '--no-install-recommends'] + missing,
                           capture_output=True, text=True,
                           env=dict(os.environ,
                                    DEBIAN_FRONTEND='noninteractive'))
        if r.returncode != 0:
            return False
    return shutil.which('kamailio') is not None and \
        shutil.which('sipp') is not None


def test(workdir):
    base.setup()
    base.start_dp(workdir, 'kam')
    ng, _ = base.start_drongo(workdir)
    cfg = os.path.join(workdir, 'kamailio.cfg')
    with open(cfg, 'w') as f:
        f.write(KAM_CFG)
    klog = open(os.path.join(workdir, 'kamailio.log'), 'w')
    base.procs['kamailio'] = subprocess.Popen(
        ['kamailio', '-DD', '-E', '-f', cfg, '-P',
         os.path.join(workdir, 'kamailio.pid'), '-Y',
         os.path.join(workdir, 'kamailio-run')],
        stdout=klog, stderr=subprocess.STDOUT)
    os.makedirs(os.path.join(workdir, 'kamailio-run'), exist_ok=True)
    time.sleep(2)
    base.check(base.procs['kamailio'].poll() is None,
               'kamailio runs with the rtpengine module on drongo')
    uas_log = os.path.join(workdir, 'uas.msg')
    uac_log = os.path.join(workdir, 'uac.msg')
    uas = subprocess.Popen(
        ['sipp', '-sn', 'uas', '-i', '127.0.0.1', '-p', str(UAS_PORT),
         '-m', '1', '-nostdin', '-trace_msg',
         '-message_file', uas_log, '-timeout', '20s'],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=workdir)
    base.procs['uas'] = uas
    time.sleep(0.5)
    uac = subprocess.run(
        ['sipp', '-sn', 'uac', f'127.0.0.1:{KAM_PORT}', '-i', '127.0.0.1',
         '-p', str(UAC_PORT), '-m', '1', '-nostdin', '-trace_msg',
         '-message_file', uac_log, '-timeout', '20s', '-d', '500'],
        capture_output=True, text=True, cwd=workdir, timeout=60)
    base.check(uac.returncode == 0, f'sipp uac call completed: rc={uac.returncode}')
    try:
        uas.wait(20)
    except subprocess.TimeoutExpired:
        pass
    uas_text = open(uas_log).read() if os.path.exists(uas_log) else ''
    uac_text = open(uac_log).read() if os.path.exists(uac_log) else ''
    inv = re.search(r'INVITE sip:.*?(?=\n\n\n|\Z)', uas_text, re.S)
    base.check(inv is not None and 'c=IN IP4 10.78.0.2' in inv.group(0),
               'UAS got the INVITE with the relay in its SDP')
    ports = re.findall(r'm=audio (\d+) ', uas_text)
    ok = re.search(r'SIP/2.0 200 OK.*?m=audio (\d+) .*?(?=\n\n\n|\Z)',
                   uac_text, re.S)
    base.check(ok is not None and 'c=IN IP4 10.78.0.2' in ok.group(0),
               'UAC got the 200 with the relay in its SDP')
    if ok is not None and ports:
        base.check(ok.group(1) != ports[0] and 40000 <= int(ok.group(1)) <= 40959,
                   f'each side has its own relay port: {ports[0]} {ok.group(1)}')
    r, _, _ = ng.call('statistics')
    tot = r.get('statistics', {}).get('totalstatistics', {})
    base.check(tot.get('managedsessions') == 1 and tot.get('answers', 0) >= 1
               and tot.get('deletes') == 1,
               f'drongo saw offer, answer, delete: {tot}')
    r, _, _ = ng.call('list')
    base.check(r.get('calls') == [], f'no call left: {r}')


def main():
    for path in (base.DRONGO, base.DP, base.DPCTL):
        if not os.path.exists(path):
            print(f'SKIP: {path} not built')
            return 77
    if os.geteuid() != 0 or shutil.which('ip') is None:
        print('SKIP: needs root and iproute2')
        return 77
    if not ensure_packages():
        print('SKIP: kamailio or sipp cannot be installed')
        return 77
    workdir = tempfile.mkdtemp(prefix='dgngk-')
    try:
        test(workdir)
    except Exception as e:  # setup or protocol failure
        base.failures.append(f'exception: {e!r}')
        print('FAIL:', repr(e))
    finally:
        base.cleanup()
        if base.failures:
            for name in sorted(os.listdir(workdir)):
                if name.endswith('.log') or name.endswith('.msg'):
                    print(f'--- {name}')
                    print(open(os.path.join(workdir, name),
                               errors='replace').read()[-3000:])
        shutil.rmtree(workdir, ignore_errors=True)
    if base.failures:
        print(f'{len(base.failures)} failure(s)')
        return 1
    print('ok')
    return 0


if __name__ == '__main__':
    sys.exit(main())
