#!/usr/bin/env python3
"""Property test of the wrapper with the real Helm 3.17.3 and 4.1.4: generated
values (chart defaults, files, multi-document files, stdin, --set kinds) and
generated spellings of Helm's flags (-f F, -fF, -f=F, --values=F, -f A,B,
-gf F, --set=..., --, interspersed switches). For each case `helm template`
runs with the same arguments; whenever it renders CMF in production mode, the
wrapper's output must have the key mount or the wrapper must fail and say
why; when it renders development mode, the wrapper must not mount.

    wrapper-property.py BIN [CASES-PER-HELM] [SEED]
"""
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHART = os.path.join(ROOT, "testdata", "charts", "cmf")
PROD = re.compile(r"^ +production: true$", re.M)
MOUNT = "mountPath: /opt/cmf/encryption"


def helm_path(major):
    return subprocess.run(["bash", os.path.join(ROOT, "tests", "helm", "fetch-helm.sh"), str(major)],
                          check=True, capture_output=True, text=True).stdout.strip()


def values_text(r, mode, key):
    """A values document; mode/key are (present, value) choices."""
    lines = []
    if mode is not None:
        lines.append("cmf:\n  sql:\n    production: %s" % mode)
    if key is not None:
        name, prop = key
        lines.append("encryption:\n  key:\n    kubernetesSecretName: %s\n    kubernetesSecretProperty: %s" % (name, prop))
    if not lines:
        lines.append("image:\n  tag: \"%d\"" % r.randint(1, 9))
    return "\n".join(lines) + "\n"


def gen_case(r, d, n, major):
    """Returns (args, stdin bytes or None)."""
    modes = [None, "true", "false", '"true"', "yes"]
    keys = [None, ("cmf-encryption-key", "encryption-key"), ('""', "encryption-key"), ("cmf-encryption-key", '""')]
    files, stdin = [], None
    for i in range(r.randint(0, 3)):
        p = os.path.join(d, "v%d-%d.yaml" % (n, i))
        text = values_text(r, r.choice(modes), r.choice(keys))
        if r.random() < 0.2:  # a second document: Helm 3 ignores it
            text += "---\n" + values_text(r, r.choice(modes), r.choice(keys))
        with open(p, "w") as f:
            f.write(text)
        files.append(p)
    if files and r.random() < 0.2:
        with open(files[-1], "rb") as f:
            stdin = f.read()
        files[-1] = "-"
    flags = []
    i = 0
    while i < len(files):
        f = files[i]
        if i + 1 < len(files) and r.random() < 0.3 and "-" not in (f, files[i + 1]):
            flags.append(["-f", "%s,%s" % (f, files[i + 1])])
            i += 2
            continue
        flags.append(r.choice([["-f", f], ["-f", f], ["-f" + f], ["-f=" + f], ["--values", f], ["--values=" + f]]))
        i += 1
    sets = []
    if r.random() < 0.5:
        sets.append("cmf.sql.production=%s" % r.choice(["true", "false"]))
    if r.random() < 0.4:
        sets.append("encryption.key.kubernetesSecretName=cmf-encryption-key,encryption.key.kubernetesSecretProperty=encryption-key")
    for s in sets:
        kind = r.choice(["--set", "--set", "--set-string"])
        flags.append(r.choice([[kind, s], [kind + "=" + s]]))
    if r.random() < 0.3:
        flags.append([r.choice(["--skip-tests", "--include-crds", "--is-upgrade", "--dry-run=client"])])
    if r.random() < 0.2:
        flags.append(["--kube-version", "1.30.0"])
    if major == 4 and r.random() < 0.2:
        flags.append(["--color", "never"])
    r.shuffle(flags)
    # positionals: NAME CHART, or CHART with -g (maybe merged into a -gf)
    if r.random() < 0.5:
        short = [k for k, fl in enumerate(flags) if fl[0] == "-f" and len(fl) == 2]
        if short and r.random() < 0.8:  # -gf FILE, -gfFILE
            k = r.choice(short)
            flags[k] = r.choice([["-gf", flags[k][1]], ["-gf" + flags[k][1]]])
        else:
            flags.append(["-g"])
        pos = [CHART]
    else:
        pos = ["rel", CHART]
    args = [a for fl in flags for a in fl]
    cut = r.randint(0, len(args))
    while cut < len(args) and cut > 0 and args[cut - 1] in ("-f", "--values", "--set", "--set-string", "--kube-version", "--color"):
        cut += 1  # never split a flag from its value
    if r.random() < 0.2:
        return args + ["--"] + pos, stdin
    return args[:cut] + pos + args[cut:], stdin


def main():
    binary = os.path.abspath(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 12
    r = random.Random(seed)
    tmp = tempfile.mkdtemp()
    fails = checked = prod = 0
    try:
        plug = os.path.join(tmp, "plugin")
        os.makedirs(os.path.join(plug, "bin"))
        for f in ("plugin.yaml", "completion.yaml"):
            shutil.copy(os.path.join(ROOT, f), plug)
        shutil.copytree(os.path.join(ROOT, "postrenderer"), os.path.join(plug, "postrenderer"))
        shutil.copy(binary, os.path.join(plug, "bin", "cmf-validate"))
        for major in [int(m) for m in os.environ.get("CMFV_HELM_MAJORS", "3 4").split()]:
            helm = helm_path(major)
            home = os.path.join(tmp, "h%d" % major)
            env = dict(os.environ, HELM_CACHE_HOME=home + "/cache", HELM_CONFIG_HOME=home + "/config",
                       HELM_DATA_HOME=home + "/data", HELM_PLUGINS=home + "/plugins", TMPDIR=home + "/tmp")
            os.makedirs(env["HELM_PLUGINS"])
            os.makedirs(env["TMPDIR"])
            os.symlink(plug, os.path.join(env["HELM_PLUGINS"], "cmf-validate"))
            for n in range(count):
                args, stdin = gen_case(r, tmp, n, major)
                plain = subprocess.run([helm, "template"] + args, input=stdin or b"", capture_output=True, env=env)
                wrap = subprocess.run([helm, "cmf-validate", "template"] + args, input=stdin or b"",
                                      capture_output=True, env=env)
                checked += 1
                out, err = wrap.stdout.decode(errors="replace"), wrap.stderr.decode(errors="replace")
                is_prod = plain.returncode == 0 and PROD.search(plain.stdout.decode(errors="replace"))
                prod += bool(is_prod)
                bad = None
                if is_prod and wrap.returncode == 0 and MOUNT not in out:
                    bad = "production rendered, wrapper exit 0 without the mount"
                elif wrap.returncode != 0 and not err.strip():
                    bad = "wrapper failed without saying why"
                elif plain.returncode == 0 and not is_prod and wrap.returncode == 0 and MOUNT in out:
                    bad = "development mode rendered, wrapper mounted the key"
                elif plain.returncode != 0 and wrap.returncode == 0:
                    bad = "helm template failed, the wrapper succeeded"
                if bad:
                    fails += 1
                    print("FAIL helm%d case %d: %s\n  args: %r\n  wrapper exit %d: %s" %
                          (major, n, bad, args, wrap.returncode, err.strip()[-600:]))
                if os.listdir(env["TMPDIR"]):
                    fails += 1
                    print("FAIL helm%d case %d: left in TMPDIR: %r" % (major, n, os.listdir(env["TMPDIR"])))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d cases (seed %d), %d rendered production, %d failed" % (checked, seed, prod, fails))
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
