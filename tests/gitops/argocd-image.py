#!/usr/bin/env python3
"""The Argo CD sidecar image (packaging/argocd/Dockerfile), built without a
container engine: every instruction of the Dockerfile is executed for real,
in order, in a scratch root made from the base its FROM names (a debootstrap
minbase of the same Debian release, which is what the slim image is made
from): RUN through chroot with the instruction's environment (ARG and ENV),
in a private mount namespace with /dev, /proc and the host's resolv.conf
(apt-get reaches Debian's mirror; the Helm download comes from HELM_URL,
served locally with the SHA-256 checked as in the Dockerfile); COPY from the
build context; ENV, ARG, USER, WORKDIR, SHELL recorded as Docker does. An
instruction this runner does not know fails the test.

Then the image is checked as Argo CD uses it:
  - USER is 999 (the repo-server patch's runAsUser), the base has a tag;
  - plugin.yaml is at /home/argocd/cmp-server/config/plugin.yaml and is the
    shipped one; its generate command, its interpreter and every program it
    calls (helm, jq, cmf-validate) resolve in the image's PATH;
  - cmf-validate and helm need nothing the image lacks: every DT_NEEDED
    library is in the root, no GLIBC_ version newer than the root's libc,
    and ldd inside the root finds everything;
  - generate runs as argocd-cmp-server runs it: exec'd without a shell as
    uid 999, cwd = the app folder under /tmp/_cmp_server, env -i with the
    image's ENV and what the repo-server sends, the root file system
    read-only (readOnlyRootFilesystem) and a fresh tmpfs on /tmp and the
    plugins folder: production with a key comes out with the key mount,
    production without one fails with the reason and no stream, and /tmp
    holds nothing else afterwards.
usage: argocd-image.py SRC_ROOT CONTEXT BASE_ROOTFS WORK BUILD_ARG=V..."""
import json, os, re, shlex, shutil, subprocess, sys, yaml

SRC, CONTEXT, BASE, WORK = sys.argv[1:5]
BUILD_ARGS = dict(a.split("=", 1) for a in sys.argv[5:])
DOCKER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
ROOT = os.path.join(WORK, "rootfs")
BASES = {"debian:bookworm-slim": BASE}
passed = failed = 0


def ok(name, _why=""):
    global passed
    passed += 1
    print("PASS " + name)


def bad(name, why=""):
    global failed
    failed += 1
    print("FAIL %s %s" % (name, why))


def instructions(path):
    out, cur = [], ""
    for line in open(path):
        s = line.rstrip("\n")
        if not cur and (s.lstrip().startswith("#") or not s.strip()):
            continue
        if s.endswith("\\"):
            cur += s[:-1] + " "
            continue
        cur += s
        word, _, rest = cur.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
        cur = ""
    return out


def expand(s, env):
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: env.get(m.group(1) or m.group(2), ""), s)


def in_root(cmd, env, user="0", cwd="/", ro=False, tmpfs=(), stdin=None):
    """Run argv cmd chrooted in ROOT, env -i, as uid user, in a private mount
    namespace. ro: the root read-only; tmpfs: fresh folders."""
    setup = ["mount --rbind /dev \"$R/dev\"", "mount -t proc proc \"$R/proc\""]
    if ro:
        setup += ["mount --bind \"$R\" \"$R\"", "mount -o remount,bind,ro \"$R\""]
        setup = setup[2:] + setup[:2]
    for t in tmpfs:
        setup.append("mount -t tmpfs -o mode=1777 tmpfs \"$R%s\"" % t)
    script = " && ".join(setup) + " && exec \"$@\""
    argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
            "chroot", "--userspec=%s:%s" % (user, user), ROOT, "/usr/bin/env", "-i", "-C", cwd]
    argv += ["%s=%s" % kv for kv in env.items()] + cmd
    return subprocess.run(argv, env={"R": ROOT, "PATH": os.environ["PATH"]}, input=stdin,
                          capture_output=True, text=True)


def build():
    args, env, user, workdir, shell = {}, {}, "0", "/", ["/bin/sh", "-c"]
    base = None
    for word, rest in instructions(os.path.join(SRC, "packaging/argocd/Dockerfile")):
        scope = dict(args, **env)
        if word == "FROM":
            base = rest.split()[0]
            if base not in BASES:
                raise SystemExit("FAIL no root file system for base %s" % base)
            shutil.rmtree(ROOT, ignore_errors=True)
            subprocess.run(["cp", "-a", BASES[base], ROOT], check=True)
            shutil.copy("/etc/resolv.conf", os.path.join(ROOT, "etc/resolv.conf"))
        elif word == "ARG":
            k, _, v = rest.partition("=")
            args[k] = BUILD_ARGS.get(k, expand(v, scope))
        elif word == "ENV":
            for kv in shlex.split(rest):
                k, _, v = kv.partition("=")
                env[k] = expand(v, scope)
        elif word == "SHELL":
            shell = json.loads(rest)
        elif word == "USER":
            user = expand(rest, scope)
        elif word == "WORKDIR":
            workdir = os.path.join(workdir, expand(rest, scope))
            os.makedirs(ROOT + workdir, exist_ok=True)
        elif word == "COPY":
            parts = [expand(p, scope) for p in rest.split()]
            if any(p.startswith("--") for p in parts):
                raise SystemExit("FAIL COPY flags are not run here: " + rest)
            *srcs, dest = parts
            for s in srcs:
                target = ROOT + (dest if not dest.endswith("/") else dest + os.path.basename(s))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copy2(os.path.join(CONTEXT, s), target)
                os.chown(target, 0, 0)
        elif word == "RUN":
            r = in_root(shell + [rest], dict({"PATH": DOCKER_PATH}, **dict(args, **env)), user, workdir)
            if r.returncode != 0:
                raise SystemExit("FAIL RUN %s: exit %d\n%s" % (rest[:80], r.returncode, r.stderr[-2000:]))
        else:
            raise SystemExit("FAIL instruction %s is not run here" % word)
        print("step %-7s %s" % (word, rest[:70]))
    return base, env, user


def rootpath(p):
    """p inside the image, symlinks resolved inside the root."""
    for _ in range(40):
        full = ROOT + p
        if not os.path.islink(full):
            return full
        t = os.readlink(full)
        p = t if t.startswith("/") else os.path.normpath(os.path.join(os.path.dirname(p), t))
    return None


def which(prog, path):
    for d in path.split(":"):
        f = rootpath(os.path.join(d, prog))
        if f and os.path.isfile(f) and os.access(f, os.X_OK):
            return f
    return None


def glibc_versions(f, defined):
    out = subprocess.run(["readelf", "-V", "--wide", f], capture_output=True, text=True).stdout
    sect = out.split("Version needs section")[0] if defined else out.split("Version needs section")[-1]
    return {tuple(int(x) for x in m.split(".")) for m in re.findall(r"GLIBC_(\d+(?:\.\d+)+)", sect)}


def check_binary(name, f):
    dyn = subprocess.run(["readelf", "-d", f], capture_output=True, text=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", dyn)
    libdirs = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/lib", "/usr/lib"]
    missing = [n for n in needed if not any(os.path.exists(ROOT + d + "/" + n) for d in libdirs)]
    libc = rootpath("/lib/x86_64-linux-gnu/libc.so.6")
    have = max(glibc_versions(libc, True)) if libc else (0,)
    want = max(glibc_versions(f, False) or {(0,)})
    if missing:
        bad(name + "-libraries", "not in the image: %s" % missing)
    elif needed and want > have:
        bad(name + "-glibc", "needs GLIBC_%s, the image has %s" % (want, have))
    else:
        ok("%s-libraries (%s)" % (name, "static" if not needed else "needs %s, GLIBC_%s <= %s" % (
            " ".join(needed), ".".join(map(str, want)), ".".join(map(str, have)))))
    r = in_root(["ldd", f[len(ROOT):]], {"PATH": DOCKER_PATH})
    if "not found" in r.stdout + r.stderr:
        bad(name + "-ldd", r.stdout)
    else:
        ok(name + "-ldd")


def run_generate(env, user, params):
    """argocd-cmp-server: exec, cwd = the app under /tmp/_cmp_server, env -i."""
    app = "/tmp/_cmp_server/0b7f/apps/cmf"
    chart = os.path.join(SRC, "testdata/charts/cmf")
    prod = ("cmf:\n  sql:\n    production: true\nencryption:\n  key:\n"
            "    kubernetesSecretName: cmf-key\n    kubernetesSecretProperty: encryption-key\n")
    nokey = "cmf:\n  sql:\n    production: true\n"
    # the app folder is put into the fresh /tmp, owned by the plugin's user
    # as argocd-cmp-server unpacks it, before generate runs
    prep = ("mkdir -p %s && cp -r /work-chart/. %s && printf '%%s' \"$PROD\" > %s/values-prod.yaml && "
            "printf '%%s' \"$NOKEY\" > %s/values-nokey.yaml && chown -R %s %s" % (app, app, app, app, user, "/tmp/_cmp_server"))
    plugin = yaml.safe_load(open(os.path.join(SRC, "packaging/argocd/plugin.yaml")))
    cmd = plugin["spec"]["generate"]["command"] + plugin["spec"]["generate"].get("args", [])
    sent = {"ARGOCD_APP_NAME": "cmf", "ARGOCD_APP_NAMESPACE": "flink", "ARGOCD_APP_PROJECT_NAME": "default",
            "ARGOCD_APP_SOURCE_PATH": "apps/cmf", "ARGOCD_APP_SOURCE_REPO_URL": "https://git.example.com/p.git",
            "ARGOCD_APP_SOURCE_TARGET_REVISION": "main", "ARGOCD_APP_REVISION": "0123456789abcdef",
            "KUBE_VERSION": "1.31.0", "KUBE_API_VERSIONS": "v1,apps/v1,batch/v1",
            "ARGOCD_APP_PARAMETERS": json.dumps(params)}
    full = dict({"PATH": DOCKER_PATH, "HOME": "/home/argocd", "HOSTNAME": "argocd-repo-server"}, **env)
    full.update(sent)
    envargs = " ".join(shlex.quote("%s=%s" % kv) for kv in full.items())
    script = ("mount --bind \"$R\" \"$R\" && mount -o remount,bind,ro \"$R\" && "
              "mount --rbind /dev \"$R/dev\" && mount -t proc proc \"$R/proc\" && "
              "mount -t tmpfs -o mode=1777 tmpfs \"$R/tmp\" && "
              "mount -t tmpfs tmpfs \"$R/home/argocd/cmp-server/plugins\" && "
              "mkdir -p \"$R/tmp/.c\" && mount --bind \"$CHART\" \"$R/tmp/.c\" && "
              "chroot \"$R\" /bin/sh -c \"$PREP\" && umount \"$R/tmp/.c\" && rmdir \"$R/tmp/.c\" && "
              "chroot --userspec=%s:%s \"$R\" /usr/bin/env -i -C %s %s %s; rc=$?; "
              "ls -A \"$R/tmp\" > \"$LS\"; exit $rc" % (user, user, app, envargs,
                                                      " ".join(shlex.quote(c) for c in cmd)))
    ls = os.path.join(WORK, "tmp-after")
    os.makedirs(ROOT + "/home/argocd/cmp-server/plugins", exist_ok=True)
    r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                       env={"R": ROOT, "PATH": os.environ["PATH"], "CHART": chart, "LS": ls,
                            "PROD": prod, "NOKEY": nokey, "PREP": prep.replace("/work-chart", "/tmp/.c")},
                       capture_output=True, text=True)
    return r, open(ls).read().split() if os.path.exists(ls) else None


def mounted(stream):
    docs = [d for d in yaml.safe_load_all(stream) if d]
    dep = [d for d in docs if d.get("kind") == "Deployment"]
    if len(dep) != 1:
        return False
    spec = dep[0]["spec"]["template"]["spec"]
    vol = [v for v in spec.get("volumes", []) if v.get("secret", {}).get("secretName") == "cmf-key"]
    mnt = [m for c in spec["containers"] if c["name"] == "cmf" for m in c.get("volumeMounts", [])
           if vol and m["name"] == vol[0]["name"]]
    return bool(vol and mnt and mnt[0].get("readOnly") is True and vol[0]["secret"].get("defaultMode") == 256)


def main():
    base, env, user = build()
    ok("dockerfile-built (every instruction run)")
    patch = yaml.safe_load(open(os.path.join(SRC, "packaging/argocd/argocd-repo-server-deployment-patch.yaml")))
    side = patch["spec"]["template"]["spec"]["containers"][0]
    run_as = side["securityContext"]["runAsUser"]
    if user == str(run_as) and user != "0":
        ok("user-%s (the patch's runAsUser)" % user)
    else:
        bad("user", "Dockerfile USER %s, patch runAsUser %s" % (user, run_as))
    if ":" in base and not base.endswith(":latest") or "@sha256:" in base:
        ok("base-pinned " + base)
    else:
        bad("base-pinned", base)
    got = rootpath("/home/argocd/cmp-server/config/plugin.yaml")
    if got and open(got).read() == open(os.path.join(SRC, "packaging/argocd/plugin.yaml")).read():
        ok("plugin.yaml at /home/argocd/cmp-server/config/plugin.yaml")
    else:
        bad("plugin.yaml", "missing or not the shipped one")
    plugin = yaml.safe_load(open(os.path.join(SRC, "packaging/argocd/plugin.yaml")))
    gen = plugin["spec"]["generate"]["command"][0]
    gf = rootpath(gen)
    path = dict({"PATH": DOCKER_PATH}, **env)["PATH"]
    if gf and os.access(gf, os.X_OK):
        ok("generate at " + gen)
        interp = open(gf).readline().strip()[2:].split()
        need = [os.path.basename(interp[-1])] if interp[0].endswith("/env") else []
        if interp[0].endswith("/env") and not rootpath(interp[0]):
            bad("interpreter", interp[0])
        for prog in need + ["helm", "jq", "cmf-validate"]:
            f = which(prog, path)
            (ok if f else bad)("in-image-path " + prog, "" if f else "not found in " + path)
    else:
        bad("generate", gen + " missing or not executable")
    for prog in ("cmf-validate", "helm"):
        f = which(prog, path)
        if f:
            check_binary(prog, f)
    prod = [{"name": "values-files", "array": ["values-prod.yaml"]}]
    r, tmp_after = run_generate(env, user, prod)
    if r.returncode == 0 and mounted(r.stdout):
        ok("generate-production-mounted (uid %s, read-only root, own /tmp)" % user)
    else:
        bad("generate-production-mounted", "exit %d: %s" % (r.returncode, r.stderr[-1500:]))
    extra = sorted(set(tmp_after or []) - {"_cmp_server", "helm"})
    (ok if tmp_after is not None and not extra else bad)("clean-tmp", str(tmp_after))
    r, _ = run_generate(env, user, [{"name": "values-files", "array": ["values-nokey.yaml"]}])
    if r.returncode != 0 and "CMF001" in r.stderr and not r.stdout.strip():
        ok("generate-without-key-fails (%s)" % r.stderr.strip().splitlines()[-1][:100])
    else:
        bad("generate-without-key-fails", "exit %d, stdout %d bytes: %s" % (r.returncode, len(r.stdout), r.stderr[-800:]))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


main()
