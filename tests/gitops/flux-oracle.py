#!/usr/bin/env python3
"""check --helmrelease against the real Kustomize, for many post-renderer
sequences: generated (seeded) sequences of our mount patch and patches that
keep, remove, redirect or re-target it (strategic merge with $patch:
delete/replace and nulls; the chart rendered with and without nameOverride, JSON 6902 remove/replace/add/test, targets by
name, regex, labels the Deployment does or does not carry, no target, other
kinds, namespaces; several postRenderers items; images).

The oracle: `kubectl kustomize` on the rendered CMF test chart with the
same patches, each postRenderers item as its own build in order (as
helm-controller's postrender/build.go does), and "does the resulting
Deployment carry the key volume and mount exactly as post-render adds them".
Our verdict: exit 0 of `cmf-validate check --helmrelease`, or exit 1 with
CMF034 ("cannot verify" counted apart). Never allowed: we pass and the
Deployment is deployed without the mount (fail-open); we say "not mounted"
for sure when it is mounted. A refusal ("cannot verify") of a mounted
result is allowed and counted.
  flux-oracle.py BIN RENDERED.yaml CHART_PARENT N SEED"""
import copy, os, posixpath, random, re, subprocess, sys, tempfile, yaml

BIN, RENDERED, REPO, N, SEED = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
# the same chart rendered with nameOverride=RENAMED (the Deployment's name
# follows it, the CMF label does not): a share of the cases use it
RENAMED_RENDER = sys.argv[6] if len(sys.argv) > 6 else None
RENAMED = "cmf-renamed"
DEP = "confluent-manager-for-apache-flink"
SECRET, PROP, VOL, PATH, FILE = "cmf-key", "aes.key", "cmf-encryption-key", "/opt/cmf/encryption", "encryption-key"

def smp(spec, meta=None, name=DEP, api="apps/v1"):
    d = {"apiVersion": api, "kind": "Deployment", "metadata": {"name": name}}
    if meta:
        d["metadata"].update(meta)
    if spec is not None:
        d["spec"] = {"template": {"spec": spec}}
    return yaml.safe_dump(d, sort_keys=False)

def mount_spec(secret=SECRET, path=PATH, ro=True, vol=VOL, mode=256, cname="cmf"):
    return {"containers": [{"name": cname, "volumeMounts": [{"name": vol, "mountPath": path, "readOnly": ro}]}],
            "volumes": [{"name": vol, "secret": {"secretName": secret, "items": [{"key": PROP, "path": FILE}],
                                                  "defaultMode": mode, "optional": False}}]}

def j6902(*ops):
    return yaml.safe_dump(list(ops), sort_keys=False)

TARGETS = [
    {"group": "apps", "version": "v1", "kind": "Deployment", "labelSelector": "app.kubernetes.io/name=" + DEP},
    {"kind": "Deployment", "name": DEP},
    {"kind": "Deployment"},
    {"name": "confluent-.*"},
    {"kind": "Deployment", "name": "other"},
    {"kind": "Deployment", "name": RENAMED},
    {"kind": "Deployment", "labelSelector": "app.kubernetes.io/instance=cmf"},
    {"kind": "Deployment", "labelSelector": "foo=bar"},
    {"kind": "Deployment", "labelSelector": "app.kubernetes.io/name in (x, " + DEP + ")"},
    {"kind": "Deployment", "labelSelector": "app.kubernetes.io/name!=" + DEP},
    {"kind": "Deployment", "labelSelector": "!app.kubernetes.io/name"},
    {"kind": "Service"},
    {"kind": "Deployment", "namespace": "default"},
    {"kind": "Deploy.*", "version": "v1"},
    {"kind": "Deployment", "annotationSelector": "a=b"},
    {"kind": "Deployment+?"},
    {"kind": "Deploymen[[.t.]]"},
    {"kind": "Deploymentx+?"},
    None,
]

def good():
    return smp(mount_spec())

MUTATORS = [
    lambda: smp({"volumes": [{"name": VOL, "$patch": "delete"}]}),
    lambda: smp({"containers": [{"name": "cmf", "volumeMounts": [{"mountPath": PATH, "$patch": "delete"}]}]}),
    lambda: smp({"volumes": [{"name": VOL, "secret": {"secretName": "evil"}}]}),
    lambda: smp({"containers": [{"name": "cmf", "volumeMounts": [{"name": VOL, "mountPath": "/elsewhere", "readOnly": True}]}]}),
    lambda: smp({"containers": [{"name": "cmf", "volumeMounts": [{"name": "other", "mountPath": PATH}]}]}),
    lambda: smp({"containers": [{"name": "cmf", "volumeMounts": [{"name": VOL, "mountPath": PATH, "readOnly": False}]}]}),
    lambda: smp({"volumes": None}),
    lambda: smp({"volumes": [{"name": "scratch", "emptyDir": {}}, {"$patch": "replace"}]}),
    lambda: smp({"$patch": "replace", "containers": [{"name": "cmf", "image": "x"}]}),
    lambda: smp({"containers": [{"name": "cmf", "$patch": "delete"}]}),
    lambda: smp(None, {"labels": {"app.kubernetes.io/name": None}}),
    lambda: smp(None, {"labels": {"app.kubernetes.io/name": "renamed"}}),
    lambda: smp({"volumes": [{"name": VOL, "secret": {"defaultMode": 420}}]}),
    lambda: smp({"volumes": [{"name": VOL, "secret": {"items": [{"key": "other", "path": FILE}]}}]}),
    lambda: smp({"containers": [{"name": "cmf", "env": [{"name": "A", "value": "1"}]}]}),
    lambda: yaml.safe_dump({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": DEP}, "spec": {"replicas": 2}}),
    lambda: smp({"$retainKeys": ["containers"], "containers": [{"name": "cmf"}]}),
    lambda: smp({"volumes": [{"name": VOL, "configMap": {"name": "x"}}]}),
    lambda: yaml.safe_dump({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": DEP}, "$patch": "delete"}),
    lambda: smp(mount_spec(secret="evil")),
    lambda: smp(mount_spec(path="/tmp/key")),
    lambda: smp({"containers": [{"name": "cmf", "$patch": "replace", "image": "x"}]}),
    lambda: smp({"volumes": [{"name": VOL, "$patch": "replace", "emptyDir": {}}]}),
    lambda: smp({"volumes": [{"name": VOL, "secret": {"$patch": "delete"}}]}),
    lambda: smp({"volumes": [{"name": VOL, "secret": {"$patch": "replace", "secretName": SECRET}}]}),
    lambda: j6902({"op": "remove", "path": "/spec/template/spec/volumes/0"}),
    lambda: j6902({"op": "remove", "path": "/spec/template/spec/volumes/2"}),
    lambda: j6902({"op": "replace", "path": "/spec/template/spec/containers/0/volumeMounts", "value": []}),
    lambda: j6902({"op": "replace", "path": "/spec/replicas", "value": 3}),
    lambda: j6902({"op": "add", "path": "/metadata/annotations", "value": {"x": "y"}}),
    lambda: j6902({"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "busybox"}),
    lambda: j6902({"op": "test", "path": "/kind", "value": "Deployment"}),
    lambda: j6902({"op": "replace", "path": "/metadata/name", "value": "renamed"}),
    lambda: j6902({"op": "remove", "path": "/spec/template/spec/volumes"}),
    lambda: yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [
        yaml.safe_load(smp({"volumes": [{"name": VOL, "$patch": "delete"}]}))]}),
    lambda: yaml.safe_dump({"kind": "FooList", "items": [
        yaml.safe_load(smp({"volumes": [{"name": VOL, "$patch": "delete"}]}))]}),
    lambda: smp({"volumes": [{"name": VOL, "$patch": "delete"}]}, api="v1"),
    lambda: smp({"volumes": [{"name": "shadow", "emptyDir": {}}], "containers": [{"name": "cmf", "volumeMounts": [
        {"name": "shadow", "mountPath": PATH.replace("/", "//", 2)}]}]}),
    lambda: smp({"volumes": [{"name": "shadow", "emptyDir": {}}], "containers": [{"name": "cmf", "volumeMounts": [
        {"name": "shadow", "mountPath": PATH + "/./"}]}]}),
    lambda: smp({"volumes": [{"name": "shadow", "emptyDir": {}}], "containers": [{"name": "cmf", "volumeMounts": [
        {"name": "shadow", "mountPath": PATH + "/" + FILE}]}]}),
]

def entry(patch, target):
    e = {"patch": patch}
    if target is not None:
        e["target"] = dict(target)
    return e

def gen(rng):
    seq = []
    base_t = rng.choice(TARGETS[:4] + TARGETS[:4] + TARGETS)
    nb = rng.randint(0, 2)
    for _ in range(nb):
        seq.append(entry(rng.choice(MUTATORS)(), rng.choice(TARGETS)))
    if rng.random() < 0.9:
        seq.append(entry(good(), base_t))
    for _ in range(rng.randint(0, 3)):
        seq.append(entry(rng.choice(MUTATORS)(), rng.choice(TARGETS)))
    # cut into 1-3 postRenderers items
    items, cut = [], sorted(rng.sample(range(1, len(seq)), min(rng.randint(0, 2), max(len(seq) - 1, 0)))) if len(seq) > 1 else []
    prev = 0
    for c in cut + [len(seq)]:
        items.append({"kustomize": {"patches": seq[prev:c]}})
        prev = c
    if rng.random() < 0.15:
        items[-1]["kustomize"]["images"] = [{"name": "confluentinc/cp-cmf", "newTag": "9.9.9"}]
    return items

def mounted(stream):
    deps = [d for d in yaml.safe_load_all(stream) if d and d.get("kind") == "Deployment"]
    if len(deps) != 1:
        return False
    spec = deps[0].get("spec", {}).get("template", {}).get("spec") or {}
    cs = [c for c in spec.get("containers") or [] if c.get("name") == "cmf"]
    vols = [v for v in spec.get("volumes") or [] if v.get("name") == VOL]
    if len(cs) != 1 or len(vols) != 1:
        return False
    def near(mp):  # the key's mount path or a path inside it, after path.Clean (a mount
        # above it hides nothing: the runtime mounts the deeper path over it)
        c = posixpath.normpath(re.sub("/+", "/", mp or "."))
        return c == PATH or c.startswith(PATH + "/")
    ms = [m for m in cs[0].get("volumeMounts") or [] if m.get("name") == VOL or near(m.get("mountPath"))]
    want_m = {"name": VOL, "mountPath": PATH, "readOnly": True}
    want_v = {"name": VOL, "secret": {"secretName": SECRET, "items": [{"key": PROP, "path": FILE}], "defaultMode": 256, "optional": False}}
    return ms == [want_m] and vols[0] == want_v

def oracle(d, items, renamed):
    """None: Kustomize fails (Flux fails the release, nothing deployed)."""
    cur = open(RENAMED_RENDER if renamed else RENDERED).read()
    for i, it in enumerate(items):
        kd = os.path.join(d, "k%d" % i)
        os.makedirs(kd)
        open(os.path.join(kd, "in.yaml"), "w").write(cur)
        k = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": ["in.yaml"]}
        k.update(copy.deepcopy(it["kustomize"]))
        yaml.safe_dump(k, open(os.path.join(kd, "kustomization.yaml"), "w"), sort_keys=False)
        r = subprocess.run(["kubectl", "kustomize", kd], capture_output=True, text=True)
        if r.returncode != 0:
            return None
        cur = r.stdout
    return mounted(cur)

def ours(d, items, renamed):
    hr = {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": {"name": "cmf", "namespace": "flink"},
          "spec": {"interval": "10m", "chart": {"spec": {"chart": "./cmf", "sourceRef": {"kind": "GitRepository", "name": "p"}}},
                   "values": {"cmf": {"sql": {"production": True}},
                              "encryption": {"key": {"kubernetesSecretName": SECRET, "kubernetesSecretProperty": PROP}}},
                   "postRenderers": items}}
    if renamed:
        hr["spec"]["values"]["nameOverride"] = RENAMED
    f = os.path.join(d, "hr.yaml")
    yaml.safe_dump(hr, open(f, "w"), sort_keys=False)
    r = subprocess.run([BIN, "check", "--helmrelease", f, "--repo-root", REPO], capture_output=True, text=True)
    if r.returncode == 0:
        return "pass", r.stdout
    if r.returncode == 1 and "CMF034" in r.stdout:
        return ("refuse" if "cannot verify" in r.stdout else "fail"), r.stdout
    return "error", r.stdout + r.stderr

def main():
    rng = random.Random(SEED)
    counts = {}
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(N):
            items = gen(rng)
            d = os.path.join(tmp, str(n))
            os.makedirs(d)
            renamed = RENAMED_RENDER is not None and rng.random() < 0.3
            o, (v, out) = oracle(d, items, renamed), ours(d, items, renamed)
            key = "%s/%s" % ({None: "kustomize-error", True: "mounted", False: "not-mounted"}[o], v)
            counts[key] = counts.get(key, 0) + 1
            wrong = v == "error" or (v == "pass" and o is not True) or (v == "fail" and o is True)
            if wrong:
                bad += 1
                if bad <= 5:
                    print("MISMATCH case %d%s: oracle %s, ours %s\n%s\n%s" % (n, " (renamed)" if renamed else "", o, v,
                          yaml.safe_dump(items, sort_keys=False), out))
    for k in sorted(counts):
        print("%-28s %d" % (k, counts[k]))
    print("%d cases, %d wrong" % (N, bad))
    sys.exit(1 if bad else 0)

main()
