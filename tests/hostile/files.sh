#!/usr/bin/env bash
# Files we write cannot be redirected (docs/hardening.md, "Files it
# writes"): a symlink or hard link planted at --report FILE, -o FMT=FILE,
# keygen -o or the default report is replaced or refused, never written
# through; the default report's folder must be ours; special files
# (/dev/null, /dev/stdout, a FIFO) are written in place. As root, a real
# second user plants the links and races the runs (setpriv), as in issue 13.
#   files.sh BIN
set -u
bin=$1
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
vals=$root/testdata/post-render/_values
small=$root/testdata/post-render/helm3-chart/input.yaml
broken=$root/testdata/examples/values-prod-broken.yaml
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -10; }
export HELM_CACHE_HOME=$tmp/cache NO_COLOR=1
unset XDG_CACHE_HOME HELM_NAMESPACE
pr=("$bin" post-render -f "$vals/prod.yaml" --kcv 1a2b3c)
victim=$tmp/victim
reset_victim() { printf 'VICTIM\n' >"$victim"; chmod 600 "$victim"; }
victim_ok() { [ "$(cat "$victim")" = VICTIM ]; }

# ------------------------------------------------------------ planted links

for how in symlink hardlink; do
	for what in report output; do
		reset_victim
		t=$tmp/$what-$how.txt
		rm -f "$t"
		if [ $how = symlink ]; then ln -s "$victim" "$t"; else ln "$victim" "$t"; fi
		if [ $what = report ]; then
			"${pr[@]}" --report "$t" <"$small" >/dev/null 2>"$tmp/err"; rc=$?
			want_rc=0 text='post-render'
		else
			"$bin" check -f "$broken" -o "json=$t" >/dev/null 2>"$tmp/err"; rc=$?
			want_rc=1 text='"findings"'
		fi
		if [ $rc = $want_rc ] && victim_ok && [ -f "$t" ] && [ ! -L "$t" ] && grep -q "$text" "$t" &&
			[ "$(stat -c %h "$victim")" = 1 ]; then
			ok "$what to a planted $how: replaced, the file behind it untouched"
		else
			no "$what to a planted $how: exit $rc, victim '$(cat "$victim")'" "$(cat "$tmp/err"; ls -la "$t")"
		fi
	done
done

# --output-file and a dangling symlink (it would create a file elsewhere)
rm -f "$tmp/dangling" "$tmp/elsewhere"
ln -s "$tmp/elsewhere" "$tmp/dangling"
"$bin" check -f "$broken" -o sarif --output-file "$tmp/dangling" >/dev/null 2>"$tmp/err"
[ ! -e "$tmp/elsewhere" ] && [ -f "$tmp/dangling" ] && [ ! -L "$tmp/dangling" ] &&
	ok "--output-file at a dangling symlink: replaced, nothing created behind it" ||
	no "--output-file dangling symlink" "$(ls -la "$tmp")"

# keygen -o: never overwrites, never follows, mode 0600
reset_victim
ln -sf "$victim" "$tmp/key-link"
"$bin" keygen -o "$tmp/key-link" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && victim_ok && grep -q 'never overwritten' "$tmp/err" && ok "keygen -o a symlink: exit 2, untouched" ||
	no "keygen -o symlink: exit $rc" "$(cat "$tmp/err")"
rm -f "$tmp/key-dangling" "$tmp/key-elsewhere"
ln -s "$tmp/key-elsewhere" "$tmp/key-dangling"
"$bin" keygen -o "$tmp/key-dangling" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && [ ! -e "$tmp/key-elsewhere" ] && ok "keygen -o a dangling symlink: exit 2, nothing created" ||
	no "keygen -o dangling: exit $rc" "$(cat "$tmp/err")"
(umask 000; "$bin" keygen -o "$tmp/new.key" >/dev/null 2>&1)
[ "$(stat -c '%a %s' "$tmp/new.key" 2>/dev/null)" = "600 32" ] && ok "keygen -o: 0600 whatever the umask" ||
	no "keygen mode" "$(ls -la "$tmp/new.key")"
ls -a "$tmp" | grep -q '\.tmp$' && no "a temporary file was left behind" "$(ls -la "$tmp")"

# ------------------------------------------------------------ special files

"$bin" check -f "$broken" -o json=/dev/null >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && [ -c /dev/null ] && ok "-o json=/dev/null: written in place" || no "-o /dev/null: exit $rc" "$(cat "$tmp/err")"
"$bin" check -f "$broken" -o json=/dev/stdout 2>"$tmp/err" | grep -q '"findings"' &&
	ok "-o json=/dev/stdout into a pipe" || no "-o /dev/stdout pipe" "$(cat "$tmp/err")"
"$bin" check -f "$broken" -o text -o json=/dev/stdout >"$tmp/stdout.txt" 2>"$tmp/err"
grep -q '\[CMF002\]' "$tmp/stdout.txt" && grep -q '"findings"' "$tmp/stdout.txt" &&
	ok "-o json=/dev/stdout into a file: appended after the text report" ||
	no "-o /dev/stdout file" "$(cat "$tmp/stdout.txt" "$tmp/err")"
"${pr[@]}" --report /dev/stderr <"$small" >/dev/null 2>"$tmp/err"
grep -q '^# cmf-validate .* post-render' "$tmp/err" && ok "--report /dev/stderr" || no "--report /dev/stderr" "$(cat "$tmp/err")"

# a process substitution (/dev/fd/63: /dev/fd -> /proc/self/fd, walked)
timeout 10 "${pr[@]}" --report >(cat >"$tmp/procsub.txt") <"$small" >/dev/null 2>"$tmp/err"; rc=$?
for _ in 1 2 3 4 5 6 7 8 9 10; do grep -q '^# cmf-validate' "$tmp/procsub.txt" 2>/dev/null && break; sleep 0.2; done
[ $rc = 0 ] && grep -q '^# cmf-validate .* post-render' "$tmp/procsub.txt" && ok "--report >(cat): written in place" ||
	no "--report >(cat): exit $rc" "$(cat "$tmp/err")"
"${pr[@]}" --report /dev/null <"$small" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 0 ] && [ -c /dev/null ] && ! grep -q warning "$tmp/err" && ok "--report /dev/null" || no "--report /dev/null: exit $rc" "$(cat "$tmp/err")"
# a FIFO with a reader, and through a symlink of our own
mkfifo "$tmp/fifo"
ln -s "$tmp/fifo" "$tmp/fifo-link"
for t in fifo fifo-link; do
	rm -f "$tmp/fifo.out"
	timeout 10 cat "$tmp/fifo" >"$tmp/fifo.out" &
	reader=$!
	timeout 10 "${pr[@]}" --report "$tmp/$t" <"$small" >/dev/null 2>"$tmp/err"; rc=$?
	wait $reader
	[ $rc = 0 ] && [ -p "$tmp/fifo" ] && [ -L "$tmp/fifo-link" ] && grep -q '^# cmf-validate .* post-render' "$tmp/fifo.out" &&
		ok "--report to a FIFO with a reader ($t): written in place" || no "--report $t: exit $rc" "$(cat "$tmp/err")"
done
# report_unread PATH PATTERN OK NO: post-render with --report PATH that no
# one reads: the stream out and exit 0 within 4.5 s, a warning matching
# PATTERN on stderr
report_unread() {
	local start ms rc
	start=$(date +%s%N)
	timeout 10 "${pr[@]}" --report "$1" <"$small" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	[ $rc = 0 ] && [ -s "$tmp/out" ] && [ $ms -lt 4500 ] && grep -q "$2" "$tmp/err" &&
		ok "$3 after ${ms} ms" || no "$4: exit $rc in $ms ms" "$(cat "$tmp/err")"
}
# a FIFO no one reads: given 3 s like an input FIFO, never a hang
report_unread "$tmp/fifo" 'warning: cannot write the report.*FIFO that no one read from within 3 s' \
	"--report to a FIFO no one reads: a warning, the release goes on" "--report reader-less FIFO"
start=$(date +%s%N)
timeout 10 "$bin" check -f "$broken" -o "json=$tmp/fifo" >/dev/null 2>"$tmp/err"; rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ $rc = 3 ] && [ $ms -lt 4500 ] && grep -q 'FIFO that no one read from' "$tmp/err" &&
	ok "-o json= to a FIFO no one reads: exit 3 after ${ms} ms" || no "-o reader-less FIFO: exit $rc in $ms ms" "$(cat "$tmp/err")"

# ------------------------------------------------------------ the default report's folder

# a folder that is a symlink, or writable by others: refused with a
# warning; the release itself goes on (exit 0, the manifests written)
reset_victim
mkdir -p "$tmp/cache" "$tmp/elsewhere-dir"
rm -rf "$tmp/cache/cmf-validate"
ln -s "$tmp/elsewhere-dir" "$tmp/cache/cmf-validate"
ln -s "$victim" "$tmp/elsewhere-dir/last-report.txt"
"${pr[@]}" <"$small" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc = 0 ] && [ -s "$tmp/out" ] && victim_ok && grep -q 'warning: cannot write the report.*symlink' "$tmp/err" &&
	ok "default report folder is a symlink: refused with a warning, release not failed" ||
	no "folder symlink: exit $rc" "$(cat "$tmp/err")"
rm -f "$tmp/cache/cmf-validate"
mkdir -m 777 "$tmp/cache/cmf-validate"
chmod 777 "$tmp/cache/cmf-validate"
"${pr[@]}" <"$small" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc = 0 ] && [ ! -e "$tmp/cache/cmf-validate/last-report.txt" ] && grep -q 'writable by others' "$tmp/err" &&
	ok "default report folder mode 0777: refused" || no "folder 0777: exit $rc" "$(cat "$tmp/err")"
rm -rf "$tmp/cache/cmf-validate"
"${pr[@]}" <"$small" >/dev/null 2>&1
# the folders above ours (issue 13 round 2): one writable by everyone and
# not sticky is refused; a symlink of our own on the way is followed
mkdir -p "$tmp/ww" && chmod 777 "$tmp/ww"
HELM_CACHE_HOME=$tmp/ww/helm/cache "${pr[@]}" <"$small" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc = 0 ] && [ -s "$tmp/out" ] && [ ! -e "$tmp/ww/helm" ] && grep -q 'writable by everyone and not sticky.*on the way' "$tmp/err" &&
	ok "an ancestor of the report folder writable by everyone: refused with a warning" || no "ancestor 0777: exit $rc" "$(cat "$tmp/err")"
mkdir -p "$tmp/real-cache" && ln -sfn "$tmp/real-cache" "$tmp/my-link"
HELM_CACHE_HOME=$tmp/my-link/helm "${pr[@]}" <"$small" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 0 ] && [ -f "$tmp/real-cache/helm/cmf-validate/last-report.txt" ] &&
	ok "a symlink of our own above the report folder: followed" || no "own link: exit $rc" "$(cat "$tmp/err")"
[ "$(stat -c %a "$tmp/cache/cmf-validate")" = 700 ] && [ "$(stat -c %a "$tmp/cache/cmf-validate/last-report.txt")" = 600 ] &&
	ok "default report folder made 0700, report 0600" || no "modes" "$(ls -la "$tmp/cache/cmf-validate")"
# -o into a world-writable folder without the sticky bit: anyone could swap the file
mkdir -m 777 "$tmp/open"
chmod 777 "$tmp/open"
"$bin" check -f "$broken" -o "json=$tmp/open/r.json" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 3 ] && [ ! -e "$tmp/open/r.json" ] && grep -q 'not sticky' "$tmp/err" &&
	ok "-o into a world-writable folder (not sticky): exit 3, refused" || no "open folder: exit $rc" "$(cat "$tmp/err")"

# a group-writable folder (umask 002) is the user's own business: written
mkdir -m 775 "$tmp/shared-group"
chmod 775 "$tmp/shared-group"
"$bin" check -f "$broken" -o "json=$tmp/shared-group/r.json" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && grep -q '"findings"' "$tmp/shared-group/r.json" && ok "-o into a group-writable folder (umask 002): written" ||
	no "group folder: exit $rc" "$(cat "$tmp/err")"

# ------------------------------------------------------------ a real second user (root only)

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	user=cmfv-test
	id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user" 2>/dev/null
fi
if [ "$(id -u)" = 0 ] && id "${user:-cmfv-test}" >/dev/null 2>&1; then
	uid=$(id -u "$user") gid=$(id -g "$user")
	as_user() { setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"; }
	# root's 0600 file, the report's folder made by the other user with
	# links for every coming name (the old PID-named temporaries too)
	secret=$tmp/root-only
	printf 'ROOT\n' >"$secret"
	chmod 600 "$secret"
	shared=$tmp/shared
	mkdir -m 1777 "$shared"
	chmod 1777 "$shared"
	as_user mkdir -m 755 "$shared/cmf-validate"
	pid=$$
	as_user sh -c 'cd "$1/cmf-validate" && ln -s "$2" last-report.txt &&
		for i in $(seq "$3" $(($3 + 400))); do ln -s "$2" "last-report.txt.$i.tmp"; done' \
		sh "$shared" "$secret" "$pid"
	HELM_CACHE_HOME=$shared "${pr[@]}" <"$small" >"$tmp/out" 2>"$tmp/err"; rc=$?
	[ $rc = 0 ] && [ "$(cat "$secret")" = ROOT ] && grep -q 'owned by someone else' "$tmp/err" &&
		ok "second user's report folder with planted PID links: refused, root's file untouched" ||
		no "second user's folder: exit $rc, file '$(cat "$secret")'" "$(cat "$tmp/err")"
	# a symlink of the other user's above the report folder (in a sticky
	# shared folder, $HELM_CACHE_HOME=/tmp/x/helm with /tmp/x theirs):
	# refused, nothing made where it points
	mkdir -m 700 "$tmp/root-dir"
	as_user ln -s "$tmp/root-dir" "$shared/cache-link"
	HELM_CACHE_HOME=$shared/cache-link/helm "${pr[@]}" <"$small" >"$tmp/out" 2>"$tmp/err"; rc=$?
	[ $rc = 0 ] && [ -s "$tmp/out" ] && [ -z "$(ls -A "$tmp/root-dir")" ] && grep -q "symlink owned by uid $uid" "$tmp/err" &&
		ok "second user's symlink above the report folder: refused, nothing made behind it" ||
		no "ancestor link: exit $rc, $(ls -A "$tmp/root-dir")" "$(cat "$tmp/err")"
	# a folder of the other user's above the report folder (not a link):
	# they could rename what is in it and put anything there, so the walk
	# (openat from /, each folder checked on its descriptor) refuses it
	as_user mkdir -m 755 "$shared/theirs"
	HELM_CACHE_HOME=$shared/theirs/helm "${pr[@]}" <"$small" >"$tmp/out" 2>"$tmp/err"; rc=$?
	[ $rc = 0 ] && [ -s "$tmp/out" ] && [ ! -e "$shared/theirs/helm" ] && grep -q "theirs: is owned by uid $uid (not root, not us), on the way" "$tmp/err" &&
		ok "second user's folder above the report folder: refused, nothing made in it" ||
		no "ancestor folder: exit $rc" "$(cat "$tmp/err")"
	# a path the user named through the other user's symlink in a sticky
	# folder they do not own (fs.protected_symlinks' rule, whatever the
	# sysctl says): refused with exit 3, nothing made where it points
	as_user ln -s "$tmp/root-dir" "$shared/their-link"
	"$bin" check -f "$broken" -o "json=$shared/their-link/r.json" >/dev/null 2>"$tmp/err"; rc=$?
	[ $rc = 3 ] && [ -z "$(ls -A "$tmp/root-dir")" ] && grep -q "their-link: is a symlink owned by uid $uid" "$tmp/err" &&
		ok "-o through the second user's symlink in a sticky folder: exit 3, nothing written behind it" ||
		no "-o their link: exit $rc, $(ls -A "$tmp/root-dir")" "$(cat "$tmp/err")"
	"${pr[@]}" --report "$shared/their-link/r.txt" <"$small" >/dev/null 2>"$tmp/err"; rc=$?
	[ $rc = 0 ] && [ -z "$(ls -A "$tmp/root-dir")" ] && grep -q "warning: cannot write the report.*symlink owned by uid $uid" "$tmp/err" &&
		ok "--report through the second user's symlink: refused with a warning" ||
		no "--report their link: exit $rc" "$(cat "$tmp/err")"
	# the other user swapping a folder of theirs with a link to root's
	# folder as fast as they can, under a sticky shared folder: no run ever
	# creates anything in root's folder
	mkdir -m 700 "$tmp/root-dir/x"
	as_user sh -c 'end=$(($(date +%s) + 3)); cd "$1"; while [ $(date +%s) -lt $end ]; do
		mkdir -p sw/x 2>/dev/null; mv -T sw sw.old 2>/dev/null; ln -sfn "$2" sw; rm -f sw; mv -T sw.old sw 2>/dev/null; done' \
		sh "$shared" "$tmp/root-dir" &
	racer=$!
	n=0
	while kill -0 $racer 2>/dev/null && [ $n -lt 200 ]; do
		HELM_CACHE_HOME=$shared/sw/x "${pr[@]}" <"$small" >/dev/null 2>&1
		"$bin" check -f "$broken" -o "json=$shared/sw/x/r.json" >/dev/null 2>&1
		n=$((n + 1))
	done
	kill $racer 2>/dev/null
	wait $racer 2>/dev/null
	[ -z "$(ls -A "$tmp/root-dir/x")" ] && [ $n -gt 10 ] &&
		ok "second user swapping a folder for a link while root writes: $n runs, nothing behind the link" ||
		no "swap race: $(ls -A "$tmp/root-dir/x")"
	# racing: the other user keeps planting links at the target and at
	# random-looking names in a sticky shared folder while root writes
	# --report there again and again
	as_user sh -c 'end=$(($(date +%s) + 6)); while [ $(date +%s) -lt $end ]; do
		ln -sfn "$2" "$1/r.txt" 2>/dev/null; ln -sfn "$2" "$1/.r.txt.tmp" 2>/dev/null; done' \
		sh "$shared" "$secret" &
	racer=$!
	n=0 bad_runs=0
	while kill -0 $racer 2>/dev/null && [ $n -lt 200 ]; do
		"${pr[@]}" --report "$shared/r.txt" <"$small" >/dev/null 2>&1
		"$bin" check -f "$broken" -o "json=$shared/r.txt" >/dev/null 2>&1
		[ "$(cat "$secret")" = ROOT ] || bad_runs=$((bad_runs + 1))
		n=$((n + 1))
	done
	kill $racer 2>/dev/null
	wait $racer 2>/dev/null
	[ $bad_runs = 0 ] && [ $n -gt 10 ] && [ "$(stat -c %a "$secret")" = 600 ] &&
		ok "second user racing links at --report / -o in a sticky folder: $n runs, root's file untouched" ||
		no "race: $bad_runs of $n runs wrote through, file '$(cat "$secret")'"
	# FIFOs of the other user's (issue 13 round 3)
	fifos=$tmp/fifos
	mkdir -m 1777 "$fifos" && chmod 1777 "$fifos"
	as_user sh -c 'mkdir -m 755 "$1/nb" && mkfifo "$1/nb/f" && ln -s "$1/nb" "$1/evil" && mkfifo -m 600 "$1/report.txt"' sh "$fifos"
	# their FIFO in their own folder (not planted: theirs to offer), no
	# one reading: 3 s as for an input FIFO, then a warning, never a hang
	report_unread "$fifos/nb/f" 'FIFO that no one read from within 3 s' \
		"second user's reader-less FIFO in their folder: a warning" "their FIFO in their folder"
	# their link on the way to their FIFO, in a sticky folder: refused as
	# for a regular file, though they read it
	rm -f "$tmp/fifo.out"
	as_user timeout 5 cat "$fifos/nb/f" >"$tmp/fifo.out" &
	reader=$!
	timeout 10 "${pr[@]}" --report "$fifos/evil/f" <"$small" >/dev/null 2>"$tmp/err"; rc=$?
	timeout 10 "$bin" check -f "$broken" -o "json=$fifos/evil/f" >/dev/null 2>"$tmp/err2"; rc2=$?
	kill $reader 2>/dev/null
	wait $reader 2>/dev/null
	[ $rc = 0 ] && [ $rc2 = 3 ] && [ ! -s "$tmp/fifo.out" ] && grep -q "evil: is a symlink owned by uid $uid" "$tmp/err" &&
		grep -q "evil: is a symlink owned by uid $uid" "$tmp/err2" &&
		ok "--report / -o through the second user's link to their FIFO: refused, nothing written" ||
		no "their link to a FIFO: exits $rc $rc2, read '$(cat "$tmp/fifo.out")'" "$(cat "$tmp/err" "$tmp/err2")"
	# their FIFO (no one reads it) at root's --report in the sticky shared
	# folder: planted (fs.protected_fifos' rule), refused at once, no hang
	report_unread "$fifos/report.txt" "FIFO owned by uid $uid in a shared sticky folder" \
		"second user's reader-less FIFO at --report: refused with a warning" "their reader-less FIFO"
	# the same FIFO of theirs with them reading: still refused, nothing read
	rm -f "$tmp/fifo.out"
	as_user timeout 5 cat "$fifos/report.txt" >"$tmp/fifo.out" 2>/dev/null &
	reader=$!
	timeout 10 "$bin" check -f "$broken" -o "json=$fifos/report.txt" >/dev/null 2>"$tmp/err"; rc=$?
	kill $reader 2>/dev/null
	wait $reader 2>/dev/null
	[ $rc = 3 ] && [ ! -s "$tmp/fifo.out" ] && grep -q "FIFO owned by uid $uid" "$tmp/err" &&
		ok "-o to the second user's FIFO in a sticky folder: exit 3, nothing written" ||
		no "their FIFO with a reader: exit $rc" "$(cat "$tmp/err")"
	# the race of issue 13 round 3: the other user flips their own link
	# between /dev and a folder of theirs where "stderr" links to root's
	# 0600 file, while root writes --report LINK/stderr: never appended to
	as_user sh -c 'mkdir -m 755 "$1/nb2" && ln -s "$2" "$1/nb2/stderr" && ln -s /dev "$1/sw"' sh "$fifos" "$secret"
	as_user /usr/bin/python3 -c '
import os, sys, time
os.chdir(sys.argv[1])
end, i = time.time() + 4, 0
while time.time() < end:
    os.symlink("/dev" if i % 2 else sys.argv[1] + "/nb2", "sw.new")
    os.rename("sw.new", "sw")
    i += 1' "$fifos" &
	racer=$!
	n=0
	while kill -0 $racer 2>/dev/null && [ $n -lt 150 ]; do
		timeout 10 "${pr[@]}" --report "$fifos/sw/stderr" <"$small" >/dev/null 2> >(cat >/dev/null)
		timeout 10 "$bin" check -f "$broken" -o "json=$fifos/sw/stderr" >/dev/null 2> >(cat >/dev/null)
		n=$((n + 1))
	done
	kill $racer 2>/dev/null
	wait $racer 2>/dev/null
	[ "$(cat "$secret")" = ROOT ] && [ $n -gt 10 ] &&
		ok "second user flipping their link between /dev and their folder: $n runs, root's file untouched" ||
		no "flip race: $n runs, file '$(cat "$secret")'"
	printf 'ROOT\n' >"$secret"
	# a CI container running as root in a workspace another uid owns: -o is
	# written there, and a link that user planted at the target is replaced
	as_user mkdir -m 755 "$shared/workspace"
	as_user ln -s "$secret" "$shared/workspace/cmf.sarif"
	"$bin" check -f "$broken" -o "sarif=$shared/workspace/cmf.sarif" >/dev/null 2>"$tmp/err"; rc=$?
	[ $rc = 1 ] && [ "$(cat "$secret")" = ROOT ] && [ ! -L "$shared/workspace/cmf.sarif" ] &&
		grep -q '"runs"' "$shared/workspace/cmf.sarif" &&
		ok "root writing -o into another user's workspace: written, the planted link replaced" ||
		no "workspace: exit $rc" "$(cat "$tmp/err")"
	# the spool file for a long pipe: in $TMPDIR, never a name to plant
	as_user mkdir -m 1777 "$shared/tmpdir" 2>/dev/null
	python3 "$root/bench/gen.py" 17000 >"$tmp/big.yaml"
	cat "$tmp/big.yaml" | TMPDIR=$shared/tmpdir "${pr[@]}" >"$tmp/out" 2>/dev/null; rc=$?
	[ $rc = 0 ] && [ -z "$(ls -A "$shared/tmpdir")" ] && ok "spool of a long pipe: anonymous, nothing left in \$TMPDIR" ||
		no "spool: exit $rc" "$(ls -la "$shared/tmpdir")"
else
	echo "skip the second-user cases: not root, or no setpriv/useradd"
fi

# ------------------------------------------------------------ no spool
# a long pipe and no usable $TMPDIR: memory holds at most 96 MiB of it,
# then exit 3 saying why (it took all of --max-input, 266 MB and more)
python3 -c "
import sys
d = b'---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: ' + b'x' * (1 << 20) + b'}\n'
sys.stdout.buffer.write(d * 110)" >"$tmp/long.yaml"
/usr/bin/time -f '%M' -o "$tmp/rss" sh -c 'cat "$1" | TMPDIR=/nonexistent "$0" post-render >/dev/null 2>"$2"' "$bin" "$tmp/long.yaml" "$tmp/err"; rc=$?
[ $rc = 3 ] && grep -q 'no temporary file could be made in /nonexistent' "$tmp/err" && [ "$(tail -1 "$tmp/rss")" -lt 200000 ] &&
	ok "a 110 MiB pipe with no usable TMPDIR: exit 3 in $(tail -1 "$tmp/rss") KB" || no "no spool: exit $rc, $(tail -1 "$tmp/rss") KB" "$(cat "$tmp/err")"
rm -f "$tmp/long.yaml"

# ------------------------------------------------------------ signals
# SIGTERM, SIGINT, SIGHUP landing while a temporary exists (strace delivers
# each at the fchmod right after the file is created): the process dies of
# the signal and leaves nothing behind, the target untouched (issue 13
# round 2: ".NAME.<random>.tmp" was left).
if command -v strace >/dev/null; then
	for sig in TERM INT HUP; do
		d=$tmp/sig-$sig
		mkdir -p "$d/cache"
		inject=(strace -f -qq -o /dev/null -e trace=fchmod -e "inject=fchmod:signal=SIG$sig")
		"${inject[@]}" "${pr[@]}" --report "$d/rep.txt" <"$small" >/dev/null 2>&1; r1=$?
		"${inject[@]}" "$bin" check -f "$broken" -o "json=$d/out.json" >/dev/null 2>&1; r2=$?
		HELM_CACHE_HOME=$d/cache "${inject[@]}" "${pr[@]}" <"$small" >/dev/null 2>&1; r3=$?
		"${inject[@]}" "$bin" keygen -o "$d/new.key" >/dev/null 2>&1; r4=$?
		left=$(cd "$d" && find . -type f)
		[ -z "$left" ] && [ $r1 -gt 128 ] && [ $r2 -gt 128 ] && [ $r3 -gt 128 ] && [ $r4 -gt 128 ] &&
			ok "SIG$sig while --report, -o json=, the default report and keygen -o are written: nothing left" ||
			no "SIG$sig: exits $r1 $r2 $r3 $r4, left: $left"
	done
	# the handler never removes what it did not create: keygen -o onto an
	# existing key is refused before any file is made, signal or not
	printf 'OLDKEY' >"$tmp/old.key"
	strace -f -qq -o /dev/null -e trace=openat -e 'inject=openat:signal=SIGTERM:when=10+' \
		"$bin" keygen -o "$tmp/old.key" >/dev/null 2>&1
	[ "$(cat "$tmp/old.key")" = OLDKEY ] && ok "SIGTERM around keygen -o onto an existing file: the file stays" ||
		no "keygen signal removed an existing file"
	# the wrapper's temporaries (the copy of -f -, the report file) and the
	# chart a GitOps check pulls: a SIGTERM at each of the first system
	# calls that make files or folders, the ones that make them included,
	# leaves nothing in TMPDIR; and a signal during a slow `helm pull`
	# stops the pull, so that it cannot make the folder again
	h3=$(bash "$root/tests/helm/fetch-helm.sh" 3 2>/dev/null) && [ -x "$h3" ] || h3=
	tw=$tmp/sig-tw
	mkdir -p "$tw" "$tmp/pulled/templates"
	printf 'apiVersion: v2\nname: c\nversion: 0.1.0\n' >"$tmp/pulled/Chart.yaml"
	: >"$tmp/pulled/values.yaml"
	left=
	for n in $(seq 1 24); do
		if [ -n "$h3" ]; then
			TMPDIR=$tw HELM_BIN=$h3 strace -f -qq -o /dev/null -e trace=openat \
				-e "inject=openat:signal=SIGTERM:when=$n" \
				"$bin" template r "$root/testdata/charts/cmf" -f - <"$root/testdata/examples/values-prod.yaml" >/dev/null 2>&1
			[ -z "$(ls -A "$tw")" ] || left="$left wrapper@openat$n:$(ls -A "$tw")"
			rm -rf "${tw:?}"/*
		fi
		[ $n -le 4 ] || continue
		TMPDIR=$tw HELM_BIN=$root/tests/hostile/fake-helm FAKE_CHART=$tmp/pulled strace -qq -o /dev/null \
			-e trace=mkdir -e "inject=mkdir:signal=SIGTERM:when=$n" \
			"$bin" check --argocd-app "$root/tests/hostile/argocd-app-repo.yaml" >/dev/null 2>&1
		[ -z "$(ls -A "$tw")" ] || left="$left gitops@mkdir$n:$(ls -A "$tw")"
		rm -rf "${tw:?}"/*
	done
	TMPDIR=$tw HELM_BIN=$root/tests/hostile/fake-helm FAKE_CHART=$tmp/pulled FAKE_SLOW=1 \
		"$bin" check --argocd-app "$root/tests/hostile/argocd-app-repo.yaml" >/dev/null 2>&1 &
	p=$!
	sleep 0.4
	kill -TERM $p
	wait $p
	r=$?
	sleep 1.2
	[ -z "$(ls -A "$tw")" ] && [ $r = 143 ] || left="$left slow-pull(exit $r):$(ls -A "$tw")"
	[ -z "$left" ] && ok "SIGTERM at each file the wrapper and a GitOps check make, and during a slow helm pull: nothing left in TMPDIR" ||
		no "SIGTERM left temporaries:$left"
else
	echo "skip the signal cases: no strace"
fi

echo "files: $pass passed, $fail failed"
[ $fail = 0 ]
