#!/usr/bin/env bash
# post-render input and output: write failures (exit 3, never a success
# after a short write), where the report goes (modes 0700/0600), pipes,
# files, files read from an offset, the temporary copy of a pipe (and
# memory when there is none), and bounded memory.
#   io.sh BIN
set -u
bin=$1
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
vals=$root/testdata/post-render/_values
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -10; }
export HELM_CACHE_HOME=$tmp/cache
unset XDG_CACHE_HOME
pr=("$bin" post-render -f "$vals/prod.yaml" --kcv 1a2b3c)
small=$root/testdata/post-render/helm3-chart/input.yaml
want=$root/testdata/post-render/helm3-chart/expected.yaml
python3 "$root/bench/gen.py" 17000 >"$tmp/big.yaml" # about 19 MB: past the 8 MiB kept in memory
"${pr[@]}" <"$tmp/big.yaml" >"$tmp/big.want" 2>/dev/null || no "big stream" "exit $?"
report() { head -1 "$HELM_CACHE_HOME/cmf-validate/last-report.txt" 2>/dev/null; }

# output that cannot be written: exit 3, and the report says so
for how in file pipe; do
	if [ $how = file ]; then
		"${pr[@]}" <"$small" >/dev/full 2>"$tmp/err"; rc=$?
	else
		cat "$small" | "${pr[@]}" >/dev/full 2>"$tmp/err"; rc=$?
	fi
	[ $rc = 3 ] && grep -q 'cannot write the manifests to stdout: No space left on device' "$tmp/err" &&
		report | grep -q 'exit 3$' && ok "/dev/full, stdin a $how: exit 3" || no "/dev/full ($how): exit $rc" "$(cat "$tmp/err")"
	grep -q 'mounted Secret' "$tmp/err" && no "/dev/full ($how): claims success after a failed write"
done
"$bin" post-render -f "$vals/dev.yaml" <"$(dirname "$small")/../no-encryption/input.yaml" >/dev/full 2>"$tmp/err"; rc=$?
[ $rc = 3 ] && ok "/dev/full when passing through: exit 3" || no "/dev/full passthrough: exit $rc" "$(cat "$tmp/err")"
# a reader that goes away: EPIPE, exit 3 (SIGPIPE is ignored)
for how in file pipe; do
	if [ $how = file ]; then
		("${pr[@]}" <"$tmp/big.yaml" 2>"$tmp/err"; echo $? >"$tmp/rc") | head -c 100 >/dev/null
	else
		(cat "$tmp/big.yaml" | "${pr[@]}" 2>"$tmp/err"; echo $? >"$tmp/rc") | head -c 100 >/dev/null
	fi
	rc=$(cat "$tmp/rc")
	[ "$rc" = 3 ] && grep -q 'Broken pipe' "$tmp/err" && ok "reader gone, stdin a $how: exit 3" || no "EPIPE ($how): exit $rc" "$(cat "$tmp/err")"
done
# a file size limit (ulimit -f) on the pipe's spool or on stdout: exit 3
# with the reason, nothing written, never a death by SIGXFSZ
for kb in 4096 12000; do # within the first 8 MiB, and while splicing the rest
	(ulimit -f $kb; cat "$tmp/big.yaml" | "${pr[@]}" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc")
	rc=$(cat "$tmp/rc")
	[ "$rc" = 3 ] && [ ! -s "$tmp/out" ] && grep -q 'cannot keep a copy of stdin.*: File too large' "$tmp/err" &&
		ok "spool past ulimit -f $kb: exit 3" || no "spool past ulimit -f $kb: exit $rc" "$(cat "$tmp/err")"
done
(ulimit -f 4096; "${pr[@]}" <"$tmp/big.yaml" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc")
rc=$(cat "$tmp/rc")
[ "$rc" = 3 ] && grep -q 'cannot write the manifests to stdout: File too large' "$tmp/err" &&
	! grep -q 'mounted Secret' "$tmp/err" && ok "stdout past ulimit -f: exit 3" || no "stdout past ulimit -f: exit $rc" "$(cat "$tmp/err")"
# stdin closed: unusable input
"${pr[@]}" <&- >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && [ ! -s "$tmp/out" ] && ok "stdin closed: exit 2" || no "stdin closed: exit $rc" "$(cat "$tmp/err")"

# the same bytes whichever way the input comes
"${pr[@]}" <"$small" 2>/dev/null | cmp -s - "$want" && ok "regular file" || no "regular file"
cat "$small" | "${pr[@]}" 2>/dev/null | cmp -s - "$want" && ok "pipe" || no "pipe"
cat "$tmp/big.yaml" | "${pr[@]}" 2>/dev/null | cmp -s - "$tmp/big.want" && ok "pipe past 8 MiB (temporary file, mapped as it grows)" || no "pipe, temporary file"
cat "$tmp/big.yaml" | TMPDIR=$tmp/none "${pr[@]}" 2>/dev/null | cmp -s - "$tmp/big.want" && ok "pipe past 8 MiB, no temporary file possible (memory)" || no "pipe, memory"
# a file already partly read by the caller: from where stdin stands
{ IFS= read -r first; "${pr[@]}" 2>/dev/null >"$tmp/out"; } <"$tmp/big.yaml"
tail -n +2 "$tmp/big.yaml" | "${pr[@]}" 2>/dev/null | cmp -s - "$tmp/out" && ok "file read from an offset" || no "file at an offset"
# passthrough keeps the bytes, file or pipe
"$bin" post-render -f "$vals/dev.yaml" <"$tmp/big.yaml" 2>/dev/null | cmp -s - "$tmp/big.yaml" && ok "passthrough, file" || no "passthrough, file"
cat "$tmp/big.yaml" | "$bin" post-render -f "$vals/dev.yaml" 2>/dev/null | cmp -s - "$tmp/big.yaml" && ok "passthrough, pipe" || no "passthrough, pipe"

# where the report goes
rm -rf "$tmp/cache"
"${pr[@]}" <"$small" >/dev/null 2>&1
f=$tmp/cache/cmf-validate/last-report.txt
[ "$(stat -c %a "$tmp/cache/cmf-validate" 2>/dev/null)" = 700 ] && [ "$(stat -c %a "$f" 2>/dev/null)" = 600 ] &&
	ok "report in \$HELM_CACHE_HOME/cmf-validate, 0700/0600" || no "report under HELM_CACHE_HOME" "$(ls -la "$tmp/cache" 2>&1)"
(unset HELM_CACHE_HOME; XDG_CACHE_HOME=$tmp/xdg "${pr[@]}" <"$small" >/dev/null 2>&1)
[ -f "$tmp/xdg/helm/cmf-validate/last-report.txt" ] && ok "report in \$XDG_CACHE_HOME/helm/cmf-validate" || no "report under XDG_CACHE_HOME"
(unset HELM_CACHE_HOME; HOME=$tmp/home "${pr[@]}" <"$small" >/dev/null 2>&1)
[ -f "$tmp/home/.cache/helm/cmf-validate/last-report.txt" ] && ok "report in ~/.cache/helm/cmf-validate" || no "report under HOME"
"${pr[@]}" --report "$tmp/mine.txt" <"$tmp/big.yaml" >/dev/null 2>&1
grep -q 'exit 0$' "$tmp/mine.txt" && grep -q 'mounted Secret' "$tmp/mine.txt" && ok "--report FILE" || no "--report" "$(cat "$tmp/mine.txt" 2>&1)"
mkfifo "$tmp/fifo"
cat "$tmp/fifo" >"$tmp/from-fifo" &
"${pr[@]}" --report "$tmp/fifo" <"$small" >/dev/null 2>&1
wait
[ -p "$tmp/fifo" ] && grep -q 'exit 0$' "$tmp/from-fifo" && ok "--report into a FIFO: written in place, still a FIFO" ||
	no "--report FIFO" "$(ls -la "$tmp/fifo"; cat "$tmp/from-fifo")"
"${pr[@]}" --report "$tmp/no/such/dir/r.txt" <"$small" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc = 0 ] && cmp -s "$tmp/out" "$want" && grep -q 'warning: cannot write the report' "$tmp/err" &&
	ok "report that cannot be written: a warning, exit 0" || no "unwritable report: exit $rc" "$(cat "$tmp/err")"

# memory: bounded by the largest document, not the stream (about 60 MB here)
# (not for sanitizer builds, whose shadow memory is counted too)
if [ -x /usr/bin/time ] && ! grep -q __asan_init "$bin"; then
	python3 "$root/bench/gen.py" 50000 >"$tmp/huge.yaml"
	for how in file pipe; do
		if [ $how = file ]; then
			/usr/bin/time -f %M -o "$tmp/rss" "${pr[@]}" <"$tmp/huge.yaml" >/dev/null 2>&1
		else
			cat "$tmp/huge.yaml" | /usr/bin/time -f %M -o "$tmp/rss" "${pr[@]}" >/dev/null 2>&1
		fi
		kb=$(tail -1 "$tmp/rss")
		[ "$kb" -le 32768 ] && ok "$(($(stat -c %s "$tmp/huge.yaml") >> 20)) MiB stream, stdin a $how: peak RSS $((kb / 1024)) MiB" ||
			no "peak RSS $kb KB ($how)"
	done
fi
# a 20 MB CRD holding one backslash is not parsed and not held twice: peak
# RSS within 32 MiB from a file and from a pipe (issue 18), the output the
# same both ways; and stdin a socket (no splice(2) from it: copied by hand)
if [ -x /usr/bin/time ] && ! grep -q __asan_init "$bin"; then
	python3 "$root/bench/real.py" crd20 >"$tmp/crd.yaml" 2>/dev/null
	"${pr[@]}" <"$tmp/crd.yaml" >"$tmp/crd.want" 2>/dev/null || no "20 MB CRD" "exit $?"
	for how in file pipe; do
		if [ $how = file ]; then
			/usr/bin/time -f %M -o "$tmp/rss" "${pr[@]}" <"$tmp/crd.yaml" >"$tmp/crd.out" 2>/dev/null
		else
			cat "$tmp/crd.yaml" | /usr/bin/time -f %M -o "$tmp/rss" "${pr[@]}" >"$tmp/crd.out" 2>/dev/null
		fi
		kb=$(tail -1 "$tmp/rss")
		[ "$kb" -le 32768 ] && cmp -s "$tmp/crd.out" "$tmp/crd.want" &&
			ok "20 MB CRD with one backslash, stdin a $how: peak RSS $((kb / 1024)) MiB" ||
			no "20 MB CRD ($how): peak RSS $kb KB, or other bytes"
	done
fi
python3 - "$tmp/big.yaml" "$tmp/sock.out" "${pr[@]}" <<'PY' && cmp -s "$tmp/sock.out" "$tmp/big.want" &&
import socket, subprocess, sys, threading
a, b = socket.socketpair()
with open(sys.argv[2], "wb") as out:
    p = subprocess.Popen(sys.argv[3:], stdin=b, stdout=out, stderr=subprocess.DEVNULL)
    b.close()
    with open(sys.argv[1], "rb") as f:
        a.sendall(f.read())
    a.shutdown(socket.SHUT_WR)
    sys.exit(p.wait())
PY
	ok "stdin a socket past 8 MiB (temporary file, copied by hand)" || no "stdin a socket"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
