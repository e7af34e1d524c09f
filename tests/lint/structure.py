#!/usr/bin/env python3
"""The tree's shape, as docs/design.md promises it (issue 15):

- every rule is raised by the core: src/cli never names a rule ID nor adds
  a finding, and no rule ID is spelt as a string at a call site;
- rules.def lists each ID once, in order, and docs/rules.md documents each;
- no source file over MAX_LINES lines;
- no include cycle between headers;
- no call cycle between files (symbols of the built objects);
- clang-format clean (skipped only when clang-format is missing and
  CMFV_NO_FORMAT_CHECK=1 says so).

Usage: structure.py SRC_DIR BUILD_DIR
"""
import collections
import glob
import os
import re
import shutil
import subprocess
import sys

MAX_LINES = 800

src, build = sys.argv[1], sys.argv[2]
os.chdir(src)
problems = []


def sources(exts=(".c", ".h")):
    out = []
    for top in ("src", "include"):
        for root, _, files in os.walk(top):
            out += [os.path.join(root, f) for f in files if f.endswith(exts)]
    return sorted(out)


def strip_comments(text):
    return re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)


# 1. rules are raised by the core only
for path in sources():
    code = strip_comments(open(path, encoding="utf-8").read())
    for n, line in enumerate(code.split("\n"), 1):
        if re.search(r'"CMF\d{3}"', line):
            problems.append(f"{path}:{n}: a rule ID spelt as a string; use enum cmfv_rule_id (CMFV_CMFnnn)")
        if path.startswith("src/cli/"):
            if re.search(r"\bCMFV_CMF\d{3}\b", line):
                problems.append(f"{path}:{n}: the CLI names a rule; rules are raised by the core")
            if re.search(r"\bcmfv_report_add\s*\(", line):
                problems.append(f"{path}:{n}: the CLI adds a finding; rules are raised by the core")

# 2. the rule table
ids = re.findall(r"^CMFV_RULE\((CMF\d{3}),", open("include/cmfv/rules.def").read(), re.M)
if len(ids) < 20:
    problems.append(f"include/cmfv/rules.def: only {len(ids)} rules read")
if ids != sorted(set(ids)):
    problems.append("include/cmfv/rules.def: IDs repeated or out of order")
doc = open("docs/rules.md", encoding="utf-8").read()
for rid in ids:
    if rid not in doc:
        problems.append(f"docs/rules.md: {rid} is not documented")

# 3. file size
for path in sources():
    n = sum(1 for _ in open(path, encoding="utf-8"))
    if n > MAX_LINES:
        problems.append(f"{path}: {n} lines (at most {MAX_LINES}: split it along its seams)")

# 4. include cycles: quoted includes, resolved beside the file, then include/
graph = collections.defaultdict(set)
for path in sources():
    for inc in re.findall(r'^#include "([^"]+)"', open(path, encoding="utf-8").read(), re.M):
        for cand in (os.path.join(os.path.dirname(path), inc), os.path.join("include", inc)):
            if os.path.exists(cand):
                graph[path].add(os.path.normpath(cand))
                break


def cycles(g):
    """Strongly connected components with more than one member (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in g.get(v, ()):
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


for c in cycles(graph):
    problems.append("include cycle: " + " -> ".join(c))

# 5. call cycles between files, from the built objects' symbols
objs = sorted(glob.glob(os.path.join(build, "CMakeFiles/cmfv.dir/src/**/*.o"), recursive=True) +
              glob.glob(os.path.join(build, "CMakeFiles/cmf-validate.dir/src/**/*.o"), recursive=True))
# only objects of sources that exist (a build folder may hold stale ones)
objs = [o for o in objs if os.path.exists(o.split(".dir/", 1)[1][:-2])]
if len(objs) < 20:
    problems.append(f"{build}: only {len(objs)} objects found: build first")
defs, undefs = {}, {}
for o in objs:
    name = o.split(".dir/", 1)[1][:-2]
    d, u = set(), set()
    for line in subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in "TDRB":
            d.add(p[2])
        elif len(p) == 2 and p[0] == "U":
            u.add(p[1])
    defs[name], undefs[name] = d, u
owner = {s: f for f, d in defs.items() for s in d}
calls = collections.defaultdict(set)
for f, u in undefs.items():
    calls[f] |= {owner[s] for s in u if s in owner and owner[s] != f}
for c in cycles(calls):
    problems.append("call cycle between files: " + ", ".join(c))

# 6. formatting
fmt = shutil.which("clang-format")
if fmt is None:
    if os.environ.get("CMFV_NO_FORMAT_CHECK") != "1":
        problems.append("clang-format is not installed (set CMFV_NO_FORMAT_CHECK=1 to skip)")
else:
    files = sources() + sorted(glob.glob("tests/**/*.[ch]", recursive=True))
    r = subprocess.run([fmt, "--dry-run", "--Werror"] + files, capture_output=True, text=True)
    if r.returncode != 0:
        drift = sorted(set(re.findall(r"^([^:\s]+\.[ch]):\d+:\d+: error", r.stderr, re.M)))
        problems.append(f"clang-format: {len(drift)} files differ from .clang-format "
                        f"(run clang-format -i): " + " ".join(drift[:20]))

for p in problems:
    print(p)
print(f"structure: {len(problems)} problems ({len(ids)} rules, {len(sources())} source files, "
      f"{len(objs)} objects)")
sys.exit(1 if problems else 0)
