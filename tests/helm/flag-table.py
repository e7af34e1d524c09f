#!/usr/bin/env python3
"""The flag table of `helm <cmd> --help`, read independently of the C parser
(src/helm/helmargs.c): one line per flag, "name shorthand takes-value noopt"
(shorthand "-" when none; takes-value "value" or "optional"; noopt the value
a bare flag gets, "-" when it needs one). pflag prints each flag as
"  -x, --name type[=noopt]   usage" or "      --name type   usage"; a flag
without a type word is a bool switch (NoOptDefVal "true")."""
import re
import sys

LINE = re.compile(r'^  (?:-(\S), |    )--([^\s\[]+)(?: ([^\s\[]+))?(?:\[=("(?:[^"\\]|\\.)*"|[^\]]*)\])?(?:  |$)')


def table(text):
    rows, section = [], False
    for line in text.split("\n"):
        if line.startswith("Flags:") or line.startswith("Global Flags:"):
            section = True
            continue
        if line and not line.startswith(" "):
            section = False
        m = LINE.match(line) if section else None
        if not m:
            continue
        short, name, typ, noopt = m.groups()
        if noopt is not None and noopt.startswith('"'):
            noopt = re.sub(r'\\(.)', r'\1', noopt[1:-1])
        if typ is None and noopt is None:
            noopt = "true"
        rows.append("%s %s %s %s" % (name, short or "-", "optional" if noopt is not None else "value",
                                     noopt if noopt is not None else "-"))
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    sys.stdout.write(table(open(sys.argv[1]).read() if len(sys.argv) > 1 else sys.stdin.read()))
