#!/usr/bin/env python3
"""Wall time of commands reading FILE on stdin (stdout to /dev/null, or a
pipe with --pipe), run in alternation, ROUNDS rounds; prints the median,
min and max of each, in milliseconds, and each median over the first's.
    timing.py ROUNDS FILE NAME=CMD [NAME=CMD ...] [--pipe]
"""
import shlex
import statistics
import subprocess
import sys
import time


def once(argv, path, pipe):
    with open(path, "rb") as f, open("/dev/null", "wb") as null:
        if pipe:
            t = time.perf_counter()
            src = subprocess.Popen(["cat"], stdin=f, stdout=subprocess.PIPE)
            p = subprocess.run(argv, stdin=src.stdout, stdout=null, stderr=null)
            src.stdout.close()
            src.wait()
        else:
            t = time.perf_counter()
            p = subprocess.run(argv, stdin=f, stdout=null, stderr=null)
        dt = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit("%s: exit %d" % (" ".join(argv), p.returncode))
    return dt * 1000


def main():
    args = [a for a in sys.argv[1:] if a != "--pipe"]
    pipe = "--pipe" in sys.argv
    rounds, path = int(args[0]), args[1]
    cmds = [(a.split("=", 1)[0], shlex.split(a.split("=", 1)[1])) for a in args[2:]]
    times = {name: [] for name, _ in cmds}
    for name, argv in cmds:  # warm up
        once(argv, path, pipe)
    for _ in range(rounds):
        for name, argv in cmds:
            times[name].append(once(argv, path, pipe))
    base = statistics.median(times[cmds[0][0]])
    for name, _ in cmds:
        t = times[name]
        m = statistics.median(t)
        print("%-14s median %7.1f ms  (min %6.1f, max %6.1f)  %5.2fx %s" %
              (name, m, min(t), max(t), m / base, cmds[0][0]))


if __name__ == "__main__":
    main()
