#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Checks the Kubernetes manifests of config/k8s offline: yamllint on every
# file and on every drongo.yaml / drongo-dp.yaml embedded in a ConfigMap or
# Secret; kustomization.yaml lists exactly the manifest files and `kubectl
# kustomize` renders them to the same objects (when a kubectl is
# installed); every object against a JSON Schema of the fields used
# (k8s_schema.yaml); the rules a Drongo deployment depends on (readiness on
# /health and liveness on /health/live at the HTTP port the container's
# own drongo.yaml serves on, reachable from the kubelet; media pods on the
# host network with hugepages, /dev/shm shared by drongo-dp and drongo and
# the same data-plane instance on both sides; Guaranteed QoS with whole
# CPUs; Services and disruption budgets that select pods; the balancers'
# edge lists naming every edge at its own address, alike on every
# balancer, with one shared secret; secrets in Secrets; Redis at its
# Service's address); and every embedded configuration through the real
# binaries (`drongo --check-config`, `drongo-dp --check`). With
# --mutations it then breaks the manifests one rule at a time, in memory,
# and fails unless each break is reported.
import argparse
import base64
import copy
import ipaddress
import os
import re
import shutil
import subprocess
import sys
import tempfile

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
NAMESPACE = "drongo"
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")
CONFIG_SUFFIXES = ("drongo.yaml", "drongo-dp.yaml")


class Manifests:
    """The objects of a manifest directory, each with its file name."""

    def __init__(self, directory):
        self.dir = directory
        with open(os.path.join(directory, "kustomization.yaml")) as f:
            self.kustomization = yaml.safe_load(f)
        self.objects = []
        for name in self.kustomization.get("resources", []):
            path = os.path.join(directory, name)
            if not os.path.isfile(path):
                continue
            with open(path) as f:
                for doc in yaml.safe_load_all(f):
                    if doc is not None:
                        self.objects.append((name, doc))

    def files(self):
        return sorted(f for f in os.listdir(self.dir)
                      if f.endswith(".yaml") and f != "kustomization.yaml")


def obj_id(obj):
    return "%s/%s" % (obj.get("kind"), obj.get("metadata", {}).get("name"))


def image_base(image):
    return image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]


def pod_spec(obj):
    return obj["spec"]["template"]["spec"]


def pod_labels(obj):
    return obj["spec"]["template"].get("metadata", {}).get("labels", {})


def selects(selector, obj):
    """Whether a Service/PDB label selector picks pods of workload obj."""
    labels = pod_labels(obj)
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def is_cpu_integer(q):
    return isinstance(q, int) or (isinstance(q, str) and q.isdigit())


def drongo_containers(obj):
    return [c for c in pod_spec(obj)["containers"]
            if image_base(c.get("image", "")) == "drongo"]


def object_files(obj):
    """The files a ConfigMap or Secret holds, by key (Secret data decoded)."""
    if obj.get("kind") == "ConfigMap":
        return dict(obj.get("data") or {})
    files = {k: base64.b64decode(v).decode()
             for k, v in (obj.get("data") or {}).items()}
    files.update(obj.get("stringData") or {})
    return files


def config_keys(manifests):
    """Every (object id, key, text) whose key names a drongo config."""
    out = []
    for _, obj in manifests.objects:
        if obj.get("kind") not in ("ConfigMap", "Secret"):
            continue
        for key, text in sorted(object_files(obj).items()):
            if key.endswith(CONFIG_SUFFIXES):
                out.append((obj_id(obj), key, text))
    return out


def addr_port(text):
    """("ip", port) of "ip:port" / "[ip]:port" / "udp:ip:port"."""
    host, _, port = text.rpartition(":")
    return ipaddress.ip_address(host.strip("[]")), int(port)


def listener(item):
    """(transport, address, port) of a sip.listen entry."""
    if isinstance(item, str):
        proto, _, rest = item.partition(":")
        ip, port = addr_port(rest)
        return proto, ip, port
    return (item["transport"], ipaddress.ip_address(str(item["address"])),
            item.get("port", 5060))


def node_of(key):
    """The node a per-node key belongs to ("edge-1.drongo.yaml" -> "edge-1")."""
    for suffix in (".drongo.yaml", ".drongo-dp.yaml"):
        if key.endswith(suffix):
            return key[:-len(suffix)]
    return None


class Checker:
    def __init__(self, manifests):
        self.m = manifests
        self.errors = []
        self.by_kind = {}
        for _, obj in manifests.objects:
            self.by_kind.setdefault(obj.get("kind"), []).append(obj)

    def err(self, where, msg):
        self.errors.append("%s: %s" % (where, msg))

    def kind(self, k):
        return self.by_kind.get(k, [])

    def named(self, kind, name):
        for o in self.kind(kind):
            if o["metadata"]["name"] == name:
                return o
        return None

    def volume_source(self, volume):
        """The ConfigMap or Secret a volume shows, or None."""
        if "configMap" in volume:
            return self.named("ConfigMap", volume["configMap"]["name"])
        if "secret" in volume:
            return self.named("Secret", volume["secret"]["secretName"])
        return None

    # -- files and schema -------------------------------------------------
    def check_listing(self):
        listed = self.m.kustomization.get("resources", [])
        for f in self.m.files():
            if f not in listed:
                self.err("kustomization.yaml", "%s is not listed in resources" % f)
        for f in listed:
            if not os.path.isfile(os.path.join(self.m.dir, f)):
                self.err("kustomization.yaml", "resource %s does not exist" % f)

    def check_schema(self, schema):
        validator = jsonschema.Draft7Validator(schema)
        for fname, obj in self.m.objects:
            for e in sorted(validator.iter_errors(obj), key=lambda e: list(e.path)):
                path = "/".join(str(p) for p in e.path)
                self.err("%s %s" % (fname, obj_id(obj)),
                         "schema: %s: %s" % (path or "(top)", e.message))

    def check_namespaces(self):
        if self.named("Namespace", NAMESPACE) is None:
            self.err("Namespace", "no Namespace %s" % NAMESPACE)
        for fname, obj in self.m.objects:
            if obj.get("kind") != "Namespace" and \
                    obj.get("metadata", {}).get("namespace") != NAMESPACE:
                self.err("%s %s" % (fname, obj_id(obj)),
                         "namespace is not %s" % NAMESPACE)

    # -- containers -------------------------------------------------------
    def resolve_config(self, obj, c, path):
        """The files a container's --config path names: {key: (source, text)}."""
        where = "%s container %s" % (obj_id(obj), c["name"])
        mount = None
        for vm in c.get("volumeMounts", []):
            if path.startswith(vm["mountPath"].rstrip("/") + "/"):
                mount = vm
        if mount is None:
            self.err(where, "--config %s is on no volume" % path)
            return {}
        vol = [v for v in pod_spec(obj).get("volumes", [])
               if v["name"] == mount["name"]]
        src = self.volume_source(vol[0]) if vol else None
        if src is None:
            self.err(where, "--config %s is on no existing ConfigMap or Secret" % path)
            return {}
        files = object_files(src)
        key = path[len(mount["mountPath"].rstrip("/")) + 1:]
        var = re.search(r"\$\(([A-Z_]+)\)", key)
        if var is None:
            if key not in files:
                self.err(where, "%s has no key %s" % (obj_id(src), key))
                return {}
            return {key: (src, files[key])}
        env = {e["name"]: e for e in c.get("env", [])}
        field = env.get(var.group(1), {}).get("valueFrom", {}) \
            .get("fieldRef", {}).get("fieldPath")
        if field != "spec.nodeName" or obj["kind"] != "DaemonSet":
            self.err(where, "$(%s) in --config is not the node name of a "
                     "DaemonSet's pod" % var.group(1))
            return {}
        pattern = re.compile("^" + re.escape(key[:var.start()]) +
                             "[a-z0-9][a-z0-9.-]*" + re.escape(key[var.end():]) + "$")
        found = {k: (src, v) for k, v in files.items() if pattern.match(k)}
        if not found:
            self.err(where, "%s has no key for any node (%s)" % (obj_id(src), key))
        return found

    @staticmethod
    def declared_port(c, port, proto):
        """The containerPort of c named or numbered port, over proto."""
        for p in c.get("ports", []):
            if p.get("protocol", "TCP") != proto:
                continue
            if port == p.get("name") or port == p["containerPort"]:
                return p["containerPort"]
        return None

    def check_probe(self, where, c, kind, path, http_port):
        probe = c.get(kind)
        if probe is None:
            self.err(where, "no %s" % kind)
            return
        get = probe.get("httpGet")
        if get is None:
            self.err(where, "%s is not an httpGet" % kind)
            return
        if get.get("path") != path:
            self.err(where, "%s path is %s, not %s" % (kind, get.get("path"), path))
        port = self.declared_port(c, get.get("port"), "TCP")
        if port is None and isinstance(get.get("port"), int):
            port = get["port"]
        if port != http_port:
            self.err(where, "%s port %s is not the HTTP port %s of its drongo.yaml"
                     % (kind, get.get("port"), http_port))

    def http_port(self, where, key, conf, host_network):
        http = conf.get("http") or {}
        if http.get("enabled") is False:
            self.err(where, "%s: http.enabled is false: nothing answers the probes" % key)
            return None
        listen = http.get("listen", ["127.0.0.1:8080", "[::1]:8080"])
        ports, reachable = set(), False
        for item in listen:
            ip, port = addr_port(str(item))
            ports.add(port)
            # The kubelet probes the pod's address: unknown before the pod
            # runs, except on the host network, where it is the node's.
            if ip.is_unspecified or (host_network and not ip.is_loopback):
                reachable = True
        if not reachable:
            self.err(where, "%s: http.listen %s is not reachable by the kubelet "
                     "(listen on 0.0.0.0 or ::%s)" %
                     (key, listen, ", or the node's address" if host_network else ""))
        if len(ports) != 1:
            self.err(where, "%s: http.listen uses several ports %s" %
                     (key, sorted(ports)))
            return None
        return ports.pop()

    def check_drongo(self, obj, c):
        """A drongo container; returns its configurations [(key, src, conf)]."""
        where = "%s container %s" % (obj_id(obj), c["name"])
        host_net = pod_spec(obj).get("hostNetwork", False)
        if c.get("command") != ["drongo"]:
            self.err(where, "command is not [drongo]")
        args = c.get("args", [])
        if "--config" not in args or args.index("--config") + 1 >= len(args):
            self.err(where, "no --config FILE argument")
            return []
        files = self.resolve_config(obj, c, args[args.index("--config") + 1])
        component = pod_labels(obj).get("app.kubernetes.io/component")
        ports, parsed = set(), []
        for key, (src, text) in sorted(files.items()):
            try:
                conf = yaml.safe_load(text) or {}
            except yaml.YAMLError as e:
                self.err(where, "%s: %s" % (key, e))
                continue
            parsed.append((key, src, conf))
            role = (conf.get("node") or {}).get("role", "edge")
            if role != component:
                self.err(where, "%s: node.role %s in a pod of component %s" %
                         (key, role, component))
            port = self.http_port(where, key, conf, host_net)
            if port is not None:
                ports.add(port)
            adv = ((conf.get("cluster") or {}).get("advertise") or {}).get("http")
            listen = [str(x) for x in (conf.get("http") or {}).get("listen", [])]
            if adv is not None and adv not in listen:
                self.err(where, "%s: cluster.advertise.http %s is not where HTTP "
                         "listens %s" % (key, adv, listen))
            for item in (conf.get("sip") or {}).get("listen", []):
                proto, ip, port = listener(item)
                if not ip.is_loopback and \
                        self.declared_port(c, port, proto.upper()) is None:
                    self.err(where, "%s: sip.listen %s has no containerPort"
                             % (key, item))
        if len(ports) > 1:
            self.err(where, "its configs serve HTTP on different ports %s: "
                     "one probe cannot reach them all" % sorted(ports))
        elif len(ports) == 1:
            port = ports.pop()
            self.check_probe(where, c, "readinessProbe", "/health", port)
            self.check_probe(where, c, "livenessProbe", "/health/live", port)
            if self.declared_port(c, port, "TCP") is None:
                self.err(where, "HTTP port %d is not a containerPort" % port)
        elif not files:
            self.err(where, "no configuration found: probes unchecked")
        return parsed

    def check_dp(self, obj, c):
        where = "%s container %s" % (obj_id(obj), c["name"])
        script = " ".join(c.get("args", []))
        if c.get("command") != ["sh", "-c"] or "exec drongo-dp " not in script:
            self.err(where, "does not run `sh -c '... exec drongo-dp ...'`")
        r = subprocess.run(["sh", "-n", "-c", script], stderr=subprocess.PIPE)
        if r.returncode != 0:
            self.err(where, "start script: %s" % r.stderr.decode().strip())
        for kind in ("livenessProbe", "startupProbe"):
            cmd = " ".join(c.get(kind, {}).get("exec", {}).get("command", []))
            if "drongo-dpctl" not in cmd:
                self.err(where, "%s does not ask drongo-dpctl" % kind)
        res = c.get("resources", {})
        huge = [k for k in res.get("limits", {}) if k.startswith("hugepages-")]
        if not huge:
            self.err(where, "no hugepages-2Mi/1Gi in resources")
        for k in huge:
            if res.get("requests", {}).get(k) != res["limits"][k]:
                self.err(where, "%s request differs from its limit" % k)
        mounts = {vm["mountPath"]: vm["name"] for vm in c.get("volumeMounts", [])}
        vols = {v["name"]: v for v in pod_spec(obj).get("volumes", [])}
        hv = vols.get(mounts.get("/dev/hugepages"), {})
        if not hv.get("emptyDir", {}).get("medium", "").startswith("HugePages"):
            self.err(where, "/dev/hugepages is not an emptyDir of medium HugePages")
        sc = c.get("securityContext", {})
        if not sc.get("privileged") and \
                "IPC_LOCK" not in sc.get("capabilities", {}).get("add", []):
            self.err(where, "neither privileged nor IPC_LOCK (DPDK pins memory)")
        env = {e["name"]: e for e in c.get("env", [])}
        if "$NODE_NAME" in script and env.get("NODE_NAME", {}).get("valueFrom", {}) \
                .get("fieldRef", {}).get("fieldPath") != "spec.nodeName":
            self.err(where, "NODE_NAME is not the node's name")

    def dp_configs(self, obj):
        """{node: drongo-dp.yaml} of the ConfigMaps/Secrets a pod mounts."""
        out = {}
        for v in pod_spec(obj).get("volumes", []):
            src = self.volume_source(v)
            for key, text in object_files(src or {}).items():
                if key.endswith(".drongo-dp.yaml"):
                    out[node_of(key)] = yaml.safe_load(text) or {}
        return out

    def check_media_pod(self, obj, dps, drongos, confs):
        where = obj_id(obj)
        spec = pod_spec(obj)
        if spec.get("hostNetwork") is not True:
            self.err(where, "a pod with drongo-dp must have hostNetwork: true")
        vols = {v["name"]: v for v in spec.get("volumes", [])}
        shm = set()
        for c in dps + drongos:
            name = {vm["mountPath"]: vm["name"]
                    for vm in c.get("volumeMounts", [])}.get("/dev/shm")
            if name is None:
                self.err(where, "container %s has no /dev/shm mount" % c["name"])
                continue
            if vols.get(name, {}).get("emptyDir", {}).get("medium") != "Memory":
                self.err(where, "/dev/shm of %s is not an emptyDir in Memory" %
                         c["name"])
            shm.add(name)
        if len(shm) > 1:
            self.err(where, "drongo-dp and drongo mount different /dev/shm "
                     "volumes %s" % sorted(shm))
        # The region drongo-dp publishes is the one drongo and the probe
        # attach to.
        dp_conf = self.dp_configs(obj)
        for dp in dps:
            probe = " ".join(dp.get("livenessProbe", {}).get("exec", {})
                             .get("command", []))
            inst = re.search(r"--instance (\d+)", probe)
            for node, dc in dp_conf.items():
                if inst is None or int(inst.group(1)) != dc.get("instance", 0):
                    self.err(where, "drongo-dp liveness probe does not look at "
                             "instance %s of %s.drongo-dp.yaml" %
                             (dc.get("instance", 0), node))
        nodes = set()
        for key, _, conf in confs:
            node = node_of(key)
            nodes.add(node)
            media = conf.get("media") or {}
            ng = ((conf.get("cluster") or {}).get("advertise") or {}).get("ng") or \
                media.get("ng_listen", "127.0.0.1:2223")
            ip, _ = addr_port(ng)
            if ip.is_unspecified or ip.is_loopback:
                self.err(where, "%s: the ng address edges are told (%s) is not "
                         "reachable: advertise the node's" % (key, ng))
            if node not in dp_conf:
                self.err(where, "%s has no %s.drongo-dp.yaml beside it" % (key, node))
                continue
            want = dp_conf[node].get("instance", 0)
            got = media.get("dp_instance", 0)
            if want != got:
                self.err(where, "%s: media.dp_instance %s but drongo-dp runs "
                         "instance %s" % (key, got, want))
        for node in dp_conf:
            if node not in nodes:
                self.err(where, "%s.drongo-dp.yaml has no %s.drongo.yaml" %
                         (node, node))

    def check_qos(self, obj):
        for c in pod_spec(obj)["containers"]:
            where = "%s container %s" % (obj_id(obj), c["name"])
            res = c.get("resources", {})
            req, lim = res.get("requests", {}), res.get("limits", {})
            for r in ("cpu", "memory"):
                if r not in lim or req.get(r, lim.get(r)) != lim[r]:
                    self.err(where, "%s request and limit differ or are missing "
                             "(Guaranteed QoS needs them equal)" % r)
            if "cpu" in lim and not is_cpu_integer(lim["cpu"]):
                self.err(where, "cpu %s is not an integer (the static CPU "
                         "manager pins whole CPUs only)" % lim["cpu"])

    # -- workloads --------------------------------------------------------
    def check_workloads(self):
        confs = {}
        for kind in WORKLOADS:
            for obj in self.kind(kind):
                where = obj_id(obj)
                sel = obj["spec"].get("selector", {}).get("matchLabels", {})
                if not selects(sel, obj):
                    self.err(where, "selector does not match its pod template")
                spec = pod_spec(obj)
                vols = {v["name"] for v in spec.get("volumes", [])}
                claims = {t["metadata"]["name"]
                          for t in obj["spec"].get("volumeClaimTemplates", [])}
                for c in spec["containers"]:
                    for vm in c.get("volumeMounts", []):
                        if vm["name"] not in vols | claims:
                            self.err(where, "container %s mounts unknown volume %s"
                                     % (c["name"], vm["name"]))
                for v in spec.get("volumes", []):
                    if ("configMap" in v or "secret" in v) and \
                            self.volume_source(v) is None:
                        self.err(where, "volume %s: its ConfigMap or Secret does "
                                 "not exist" % v["name"])
                if spec.get("hostNetwork") and \
                        spec.get("dnsPolicy") != "ClusterFirstWithHostNet":
                    self.err(where, "dnsPolicy is not ClusterFirstWithHostNet "
                             "(cluster names do not resolve on the host network)")
                dcs = drongo_containers(obj)
                if not dcs:
                    continue
                self.check_qos(obj)
                if not any(selects(p["spec"]["selector"].get("matchLabels", {}), obj)
                           for p in self.kind("PodDisruptionBudget")):
                    self.err(where, "no PodDisruptionBudget selects its pods")
                for c in dcs:
                    if c["name"] not in ("drongo", "drongo-dp"):
                        self.err(where, "container %s runs the drongo image but is "
                                 "named neither drongo nor drongo-dp" % c["name"])
                dps = [c for c in dcs if c["name"] == "drongo-dp"]
                drongos = [c for c in dcs if c["name"] == "drongo"]
                found = []
                for c in drongos:
                    found += self.check_drongo(obj, c)
                for c in dps:
                    self.check_dp(obj, c)
                if dps:
                    self.check_media_pod(obj, dps, drongos, found)
                component = pod_labels(obj).get("app.kubernetes.io/component")
                confs.setdefault(component, []).extend(found)
        self.check_secrets(confs)
        self.check_redis(confs)
        self.check_lb(confs.get("lb", []), confs.get("edge", []))

    def check_secrets(self, confs):
        """Secrets of a drongo.yaml never sit in a ConfigMap."""
        for key, src, conf in [x for v in confs.values() for x in v]:
            found = [name for name, val in (
                ("lb.secret", (conf.get("lb") or {}).get("secret")),
                ("edge.auth.secret",
                 ((conf.get("edge") or {}).get("auth") or {}).get("secret")),
                ("redis.password", (conf.get("redis") or {}).get("password")))
                if val is not None]
            if found and src["kind"] != "Secret":
                self.err("%s key %s" % (obj_id(src), key), "%s must be in a "
                         "Secret, not a %s" % (", ".join(found), src["kind"]))

    def check_redis(self, confs):
        """Every node reaches Redis at its Service's fixed address."""
        addrs = set()
        for svc in self.kind("Service"):
            if svc["spec"].get("selector", {}).get("app.kubernetes.io/name") == "redis":
                for p in svc["spec"]["ports"]:
                    addrs.add("%s:%d" % (svc["spec"].get("clusterIP"), p["port"]))
        for key, src, conf in [x for v in confs.values() for x in v]:
            redis = conf.get("redis")
            if redis is None or redis.get("sentinels"):
                continue
            if redis.get("address", "127.0.0.1:6379") not in addrs:
                self.err("%s key %s" % (obj_id(src), key), "redis.address %s is "
                         "not the redis Service (%s)" %
                         (redis.get("address"), ", ".join(sorted(addrs))))

    def check_lb(self, lb_confs, edge_confs):
        """lb.edges: every edge once, at the address it listens and
        advertises on, named by its cluster id; alike on every balancer,
        which share one lb.secret."""
        edges = {}
        for key, src, conf in edge_confs:
            where = "%s key %s" % (obj_id(src), key)
            udp = [(ip, port) for proto, ip, port in
                   map(listener, (conf.get("sip") or {}).get("listen", []))
                   if proto == "udp" and not ip.is_loopback]
            if len(udp) != 1 or udp[0][0].is_unspecified:
                self.err(where, "an edge needs one UDP listener on its own "
                         "address for lb.edges, not %s" % udp)
                continue
            addr = "%s:%d" % udp[0]
            cluster = conf.get("cluster") or {}
            sip = (cluster.get("advertise") or {}).get("sip")
            if sip is not None and sip != addr:
                self.err(where, "cluster.advertise.sip %s is not its SIP "
                         "address %s" % (sip, addr))
            name = cluster.get("id") or (conf.get("node") or {}).get("name", "drongo")
            edges[addr] = name
        lists, secrets = {}, {}
        for key, src, conf in lb_confs:
            where = "%s key %s" % (obj_id(src), key)
            lb = conf.get("lb")
            if lb is None:
                self.err(where, "role lb without an lb section")
                continue
            for item in (conf.get("sip") or {}).get("listen", []):
                if listener(item)[0] != "udp":
                    self.err(where, "sip.listen %s: the balancer serves SIP "
                             "over UDP only (start-up refuses it)" % item)
            listed = []
            for e in lb.get("edges") or []:
                addr = e if isinstance(e, str) else e.get("address", "")
                addr = addr[4:] if addr.startswith("sip:") else addr
                if ":" not in addr.rpartition("]")[2]:
                    addr += ":5060"
                name = e.get("name", addr) if isinstance(e, dict) else addr
                if addr not in edges:
                    self.err(where, "lb.edges %s is no edge's SIP address" % addr)
                elif name != edges[addr]:
                    self.err(where, "lb.edges %s is named %s, the edge there is %s"
                             % (addr, name, edges[addr]))
                listed.append(addr)
            for addr, name in sorted(edges.items()):
                if addr not in listed:
                    self.err(where, "edge %s (%s) is not in lb.edges" % (name, addr))
            lists[key] = lb.get("edges")
            secrets[key] = lb.get("secret")
        if len(lb_confs) > 1:
            if len({repr(v) for v in lists.values()}) > 1:
                self.err("lb", "the balancers list different lb.edges: they "
                         "would send one call to different edges")
            if None in secrets.values() or len(set(secrets.values())) > 1:
                self.err("lb", "the balancers do not share one lb.secret: one "
                         "drops the responses of the other's requests")

    def check_services(self):
        workloads = [o for k in WORKLOADS for o in self.kind(k)]
        for svc in self.kind("Service"):
            where = obj_id(svc)
            picked = [o for o in workloads
                      if selects(svc["spec"].get("selector", {}), o)]
            if not picked:
                self.err(where, "selects no pod")
                continue
            for p in svc["spec"]["ports"]:
                target = p.get("targetPort", p["port"])
                proto = p.get("protocol", "TCP")
                for o in picked:
                    if not any(self.declared_port(c, target, proto) is not None
                               for c in pod_spec(o)["containers"]):
                        self.err(where, "port %s targets %s/%s, which %s does not "
                                 "expose" % (p.get("name", p["port"]), target,
                                             proto, obj_id(o)))
        for sts in self.kind("StatefulSet"):
            name = sts["spec"].get("serviceName")
            if self.named("Service", name) is None:
                self.err(obj_id(sts), "serviceName %s is no Service" % name)
        for pdb in self.kind("PodDisruptionBudget"):
            sel = pdb["spec"].get("selector", {}).get("matchLabels", {})
            if not any(selects(sel, o) for o in workloads):
                self.err(obj_id(pdb), "selects no pod")

    def run_rules(self, schema):
        self.check_listing()
        self.check_schema(schema)
        if self.errors:
            return self.errors
        self.check_namespaces()
        self.check_workloads()
        self.check_services()
        return self.errors


def run_binaries(manifests, drongo, drongo_dp, tmp):
    """drongo --check-config / drongo-dp --check on each embedded config."""
    errors, counts = [], {"drongo": 0, "drongo-dp": 0}
    for src, key, text in config_keys(manifests):
        path = os.path.join(tmp, key)
        with open(path, "w") as f:
            f.write(text)
        if key.endswith("drongo-dp.yaml"):
            if drongo_dp is None:
                continue
            cmd, which = [drongo_dp, "-c", path, "--check"], "drongo-dp"
        else:
            cmd, which = [drongo, "--check-config", path], "drongo"
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=30)
        counts[which] += 1
        if r.returncode != 0:
            errors.append("%s key %s: %s exits %d: %s" %
                          (src, key, which, r.returncode,
                           (r.stderr.decode() + r.stdout.decode()).strip()))
    return errors, counts


def run_yamllint(yamllint, files, tmp, manifests):
    """yamllint (strict) on the manifests and on the embedded configs."""
    conf_dir = os.path.join(tmp, "embedded")
    os.makedirs(conf_dir, exist_ok=True)
    paths = list(files)
    for src, key, text in config_keys(manifests):
        p = os.path.join(conf_dir, "%s--%s" % (src.replace("/", "-"), key))
        with open(p, "w") as f:
            f.write(text)
        paths.append(p)
    r = subprocess.run([yamllint, "-s", "-f", "parsable", "-c",
                        os.path.join(HERE, "yamllint.yaml")] + paths,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = (r.stdout.decode() + r.stderr.decode()).strip()
    return ([] if r.returncode == 0 else ["yamllint: " + out]), len(paths)


def run_kustomize(kubectl, manifests):
    """`kubectl kustomize` renders the same objects, with the image set."""
    r = subprocess.run([kubectl, "kustomize", manifests.dir],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if r.returncode != 0:
        return ["kubectl kustomize: %s" % r.stderr.decode().strip()]
    rendered = [o for o in yaml.safe_load_all(r.stdout) if o is not None]
    errors = []
    want = sorted(obj_id(o) for _, o in manifests.objects)
    got = sorted(obj_id(o) for o in rendered)
    if want != got:
        errors.append("kubectl kustomize renders %s, the files hold %s" % (got, want))
    new = [i for i in manifests.kustomization.get("images", [])
           if i.get("name") == "drongo"]
    for o in rendered:
        if o.get("kind") not in WORKLOADS:
            continue
        for c in pod_spec(o)["containers"]:
            if image_base(c["image"]) == "drongo" and new and \
                    not c["image"].startswith(new[0].get("newName", "drongo")):
                errors.append("kubectl kustomize left image %s in %s" %
                              (c["image"], obj_id(o)))
    return errors


def load_schema():
    with open(os.path.join(HERE, "k8s_schema.yaml")) as f:
        return yaml.safe_load(f)


# -- mutations ------------------------------------------------------------
def find_obj(m, kind, name):
    for _, o in m.objects:
        if o.get("kind") == kind and o["metadata"]["name"] == name:
            return o
    raise KeyError("%s/%s" % (kind, name))


def container(m, kind, name, cname):
    for c in pod_spec(find_obj(m, kind, name))["containers"]:
        if c["name"] == cname:
            return c
    raise KeyError(cname)


def files_of(obj):
    return obj["data"] if obj["kind"] == "ConfigMap" else obj["stringData"]


def edit_config(m, kind, name, key, fn):
    files = files_of(find_obj(m, kind, name))
    conf = yaml.safe_load(files[key])
    fn(conf)
    files[key] = yaml.safe_dump(conf, default_flow_style=False)


def first_key(m, kind, name, suffix):
    return sorted(k for k in files_of(find_obj(m, kind, name)) if k.endswith(suffix))[0]


def mutations(m):
    """(what it breaks, expected text in an error, function on a copy)."""
    media = ("DaemonSet", "drongo-media")
    edge = ("DaemonSet", "drongo-edge")
    lb = ("DaemonSet", "drongo-lb")
    edge_cm = ("ConfigMap", "drongo-edge")
    media_cm = ("ConfigMap", "drongo-media")
    lb_sec = ("Secret", "drongo-lb")

    def drop(d, k):
        del d[k]

    def set_(d, k, v):
        d[k] = v

    def edge_conf(fn):
        return lambda m: edit_config(m, *edge_cm, first_key(m, *edge_cm, "drongo.yaml"), fn)

    def media_conf(fn):
        return lambda m: edit_config(m, *media_cm, first_key(m, *media_cm, ".drongo.yaml"),
                                     fn)

    def lb_conf(fn):
        return lambda m: edit_config(m, *lb_sec, first_key(m, *lb_sec, "drongo.yaml"), fn)

    def lb_in_configmap(m):
        sec = find_obj(m, *lb_sec)
        m.objects.append(("lb.yaml", {
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": dict(sec["metadata"]), "data": dict(sec["stringData"])}))
        m.objects.remove(("lb.yaml", sec))
        pod_spec(find_obj(m, *lb))["volumes"][0] = {
            "name": "config", "configMap": {"name": "drongo-lb"}}

    return [
        ("edge readiness probe removed", "no readinessProbe",
         lambda m: drop(container(m, *edge, "drongo"), "readinessProbe")),
        ("lb liveness probe on /metrics", "livenessProbe path is /metrics",
         lambda m: set_(container(m, *lb, "drongo")["livenessProbe"]["httpGet"],
                        "path", "/metrics")),
        ("edge readiness probe on another port", "is not the HTTP port",
         lambda m: set_(container(m, *edge, "drongo")["readinessProbe"]["httpGet"],
                        "port", 9090)),
        ("media drongo readiness probe made tcpSocket", "is not an httpGet",
         lambda m: set_(container(m, *media, "drongo"), "readinessProbe",
                        {"tcpSocket": {"port": 8081}})),
        ("edge HTTP on loopback", "not reachable by the kubelet",
         edge_conf(lambda c: c["http"].update(listen=["127.0.0.1:8080"]))),
        ("media node HTTP on loopback", "not reachable by the kubelet",
         media_conf(lambda c: c["http"].update(listen=["127.0.0.1:8081"]))),
        ("one media node's HTTP on another port", "different ports",
         media_conf(lambda c: c["http"].update(listen=["0.0.0.0:8090"]))),
        ("media pod off the host network", "hostNetwork: true",
         lambda m: set_(pod_spec(find_obj(m, *media)), "hostNetwork", False)),
        ("host network without cluster DNS", "ClusterFirstWithHostNet",
         lambda m: drop(pod_spec(find_obj(m, *edge)), "dnsPolicy")),
        ("drongo-dp without hugepages", "no hugepages",
         lambda m: [r.pop("hugepages-2Mi", None) for r in
                    container(m, *media, "drongo-dp")["resources"].values()]),
        ("hugepages volume in plain memory", "medium HugePages",
         lambda m: set_([v for v in pod_spec(find_obj(m, *media))["volumes"]
                         if v["name"] == "hugepages"][0], "emptyDir", {})),
        ("drongo of the media pod without /dev/shm", "has no /dev/shm mount",
         lambda m: set_(container(m, *media, "drongo"), "volumeMounts",
                        [vm for vm in container(m, *media, "drongo")["volumeMounts"]
                         if vm["mountPath"] != "/dev/shm"])),
        ("drongo-dp without IPC_LOCK", "IPC_LOCK",
         lambda m: set_(container(m, *media, "drongo-dp")["securityContext"],
                        "capabilities", {"add": ["NET_ADMIN"]})),
        ("media drongo on another data-plane instance", "media.dp_instance",
         media_conf(lambda c: c["media"].update(dp_instance=3))),
        ("media node advertising a wildcard ng address", "is not reachable",
         media_conf(lambda c: c["media"].update(ng_listen="0.0.0.0:2223"))),
        ("a media node's drongo-dp.yaml removed", "has no",
         lambda m: drop(files_of(find_obj(m, *media_cm)),
                        first_key(m, *media_cm, ".drongo-dp.yaml"))),
        ("drongo-dp start script that does not parse", "start script",
         lambda m: set_(container(m, *media, "drongo-dp"), "args",
                        [container(m, *media, "drongo-dp")["args"][0] + "\nif then\n"])),
        ("fractional CPU", "not an integer",
         lambda m: [set_(r, "cpu", "1500m") for r in
                    container(m, *edge, "drongo")["resources"].values()]),
        ("memory request below limit", "Guaranteed QoS",
         lambda m: set_(container(m, *lb, "drongo")["resources"]["requests"],
                        "memory", "256Mi")),
        ("disruption budget of the edges removed", "no PodDisruptionBudget",
         lambda m: m.objects.remove(("edge.yaml", find_obj(m, "PodDisruptionBudget",
                                                           "drongo-edge")))),
        ("Service selecting nothing", "selects no pod",
         lambda m: set_(find_obj(m, "Service", "drongo-lb")["spec"]["selector"],
                        "app.kubernetes.io/component", "balancer")),
        ("a Service port naming no container port", "does not expose",
         lambda m: set_(find_obj(m, "Service", "drongo-lb")["spec"]["ports"][0],
                        "targetPort", "sip")),
        ("edge SIP over UDP not declared", "has no containerPort",
         lambda m: set_(container(m, *edge, "drongo"), "ports",
                        [p for p in container(m, *edge, "drongo")["ports"]
                         if p["protocol"] != "UDP"])),
        ("balancer listing an edge at a wrong address", "is no edge's SIP address",
         lb_conf(lambda c: c["lb"]["edges"].__setitem__(
             0, {"name": "edge-node-1", "address": "10.0.0.1:5060"}))),
        ("balancer listening on TCP", "over UDP only",
         lb_conf(lambda c: c["sip"]["listen"].append(
             c["sip"]["listen"][0].replace("udp:", "tcp:")))),
        ("balancer leaving an edge out", "is not in lb.edges",
         lb_conf(lambda c: c["lb"]["edges"].pop())),
        ("balancers with different secrets", "share one lb.secret",
         lb_conf(lambda c: c["lb"].update(secret="another-secret-of-32-characters"))),
        ("lb.secret in a ConfigMap", "must be in a Secret", lb_in_configmap),
        ("an edge advertising another address", "is not its SIP address",
         edge_conf(lambda c: c["cluster"]["advertise"].update(sip="192.0.2.99:5060"))),
        ("a media node advertising another HTTP address", "is not where HTTP listens",
         media_conf(lambda c: c["cluster"]["advertise"].update(http="192.0.2.99:8081"))),
        ("an edge on a Redis that is not the Service", "is not the redis Service",
         edge_conf(lambda c: c["redis"].update(address="10.96.100.21:6379"))),
        ("misspelt field", "schema",
         lambda m: set_(container(m, *edge, "drongo"), "readinessProbes", {})),
        ("manifest file left out of kustomization", "is not listed",
         lambda m: m.kustomization["resources"].remove("redis.yaml")),
        ("edge config with a bad key", "drongo exits 1",
         edge_conf(lambda c: c["node"].update(colour="red"))),
        ("edge config with a bad SIP port", "drongo exits 1",
         edge_conf(lambda c: c["sip"].update(listen=["udp:198.51.100.11:70000"]))),
        ("drongo-dp config with a bad key", "drongo-dp exits 1",
         lambda m: edit_config(m, *media_cm, first_key(m, *media_cm, "drongo-dp.yaml"),
                               lambda c: c.update(colour="red"))),
    ]


def check_all(m, args, tmp, schema, binaries=True):
    errors = Checker(m).run_rules(schema)
    counts = {"drongo": 0, "drongo-dp": 0}
    if binaries:
        bin_errors, counts = run_binaries(m, args.drongo, args.drongo_dp, tmp)
        errors += bin_errors
    return errors, counts


def run_checks(m, args, tmp, schema):
    errors, counts = check_all(m, args, tmp, schema)
    yamllint = shutil.which("yamllint")
    linted = 0
    if yamllint is None:
        errors.append("yamllint not found (scripts/install-deps.sh installs it)")
    else:
        files = [os.path.join(m.dir, f) for f in m.files() + ["kustomization.yaml"]]
        lint_errors, linted = run_yamllint(yamllint, files, tmp, m)
        errors += lint_errors
    kubectl = shutil.which("kubectl")
    if kubectl is not None:
        errors += run_kustomize(kubectl, m)
    if args.drongo_dp is None:
        print("deploy: no drongo-dp in this build: drongo-dp.yaml files not run")
    for e in errors:
        print("FAIL", e)
    print("deploy: %d objects, %d files linted, %d drongo.yaml checked by drongo, "
          "%d drongo-dp.yaml by drongo-dp, kustomize %s" %
          (len(m.objects), linted, counts["drongo"], counts["drongo-dp"],
           "rendered" if kubectl else "not installed: not rendered"))
    return 1 if errors else 0


def run_mutations(m, args, tmp, schema):
    errors, _ = check_all(m, args, tmp, schema)
    if errors:
        for e in errors:
            print("FAIL (unmutated)", e)
        return 1
    failed, total = 0, 0
    for what, expect, fn in mutations(m):
        if expect.startswith("drongo-dp exits") and args.drongo_dp is None:
            continue
        total += 1
        mm = copy.deepcopy(m)
        fn(mm)
        # The binaries run on every config only where the break is in one.
        errors, _ = check_all(mm, args, tmp, schema, " exits " in expect)
        if any(expect in e for e in errors):
            print("caught: %s" % what)
        else:
            failed += 1
            print("MISSED: %s (expected an error with %r; got %s)" %
                  (what, expect, errors))
    yamllint = shutil.which("yamllint")
    if yamllint is not None:
        total += 1
        bad = os.path.join(tmp, "trailing.yaml")
        with open(os.path.join(m.dir, "redis.yaml")) as f:
            text = f.read()
        with open(bad, "w") as f:
            f.write(text.replace("kind: Service\n", "kind: Service   \n", 1))
        errs, _ = run_yamllint(yamllint, [bad], tmp, Manifests(m.dir))
        if errs:
            print("caught: trailing spaces (yamllint)")
        else:
            failed += 1
            print("MISSED: trailing spaces not reported by yamllint")
    print("deploy mutations: %d caught, %d missed" % (total - failed, failed))
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description="Check config/k8s offline.")
    ap.add_argument("--manifests", required=True)
    ap.add_argument("--drongo", required=True)
    ap.add_argument("--drongo-dp")
    ap.add_argument("--mutations", action="store_true",
                    help="break each rule in memory and expect it reported")
    args = ap.parse_args()
    schema = load_schema()
    m = Manifests(args.manifests)
    tmp = tempfile.mkdtemp(prefix="dgdeploy-")
    try:
        if args.mutations:
            return run_mutations(m, args, tmp, schema)
        return run_checks(m, args, tmp, schema)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
