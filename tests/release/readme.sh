#!/usr/bin/env bash
# The README's two commands, as typed. They are the first two ```sh blocks of
# README.md, one line each.
#   - .ci/run runs both, verbatim: each is a line of it, the last one the test
#     command (so CI runs exactly what the README says).
#   - The first runs here verbatim (bash -c, real apt-get) in this tree
#     (CMFV_README_FRESH=1: in a fresh copy): once as it is, once with a
#     `sudo` on PATH (it must be used);
#     its last lines are exactly the block the README says it prints, in this
#     plain, non-terminal shell.
#   - The install part of the second (all but `&& bash ./tests/run-all.sh`)
#     runs verbatim with a Node.js-style npm on PATH and an apt-get that
#     refuses npm the way Debian does next to such a Node.js
#     (`nodejs : Conflicts: npm`): it must not ask for npm.
# Needs root or sudo (apt-get); exits 77 (skipped) without either.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -20; }

# block N [LANG]: the N-th fenced block with that info string (sh, or none)
block() {
	awk -v n="$1" -v lang="${2:-}" '
		inb && /^```$/ { inb = 0; if (mine && k == n) exit; next }
		inb { if (mine && k == n) print; next }
		/^```/ { inb = 1; mine = substr($0, 4) == lang; if (mine) k++ }
	' "$root/README.md"
}
cmd1=$(block 1 sh) cmd2=$(block 2 sh)
[ -n "$cmd1" ] && [ "$(wc -l <<<"$cmd1")" = 1 ] && ok "README: the first command is one line" || no "README first command" "$cmd1"
[ -n "$cmd2" ] && [ "$(wc -l <<<"$cmd2")" = 1 ] && ok "README: the test command is one line" || no "README test command" "$cmd2"
test_part=' && bash ./tests/run-all.sh'
install2=${cmd2%"$test_part"}
[ "$install2" != "$cmd2" ] && ok "README: the test command ends with$test_part" || no "README: the test command does not end with$test_part"
grep -qxF -- "$cmd1" "$root/.ci/run" && ok ".ci/run runs the README's first command verbatim" || no ".ci/run lacks the README's first command"
[ "$(grep -v '^\s*$' "$root/.ci/run" | tail -1)" = "$cmd2" ] &&
	ok ".ci/run ends with the README's test command, verbatim" || no ".ci/run does not end with the README's test command"
# the output the README promises: the first plain block (it follows the commands)
want=$(block 1)
[ -n "$want" ] && ok "README: the promised output ($(wc -l <<<"$want") lines)" || no "README: no output block after the commands"

if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
	echo "readme.sh: neither root nor sudo: cannot run apt-get (skipped)"
	echo "$pass passed, $fail failed"
	[ $fail = 0 ] || exit 1
	exit 77
fi
export DEBIAN_FRONTEND=noninteractive

# In this tree: CI's .ci/run has just run the command here on a fresh
# checkout, and its build folder is the one ctest runs from (rebuilding it
# elsewhere would only cost minutes). CMFV_README_FRESH=1: in a fresh copy.
copy=$root
if [ "${CMFV_README_FRESH:-0}" = 1 ]; then
	copy=$tmp/checkout
	mkdir -p "$copy"
	(cd "$root" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$copy"
fi
(cd "$copy" && bash -c "$cmd1") >"$tmp/out1" 2>&1
rc=$?
[ $rc = 0 ] && ok "the first command, verbatim: exit 0" || no "the first command: exit $rc" "$(cat "$tmp/out1")"
got=$(tail -n "$(wc -l <<<"$want")" "$tmp/out1")
[ "$got" = "$want" ] && ok "the first command ends with exactly what the README shows" ||
	no "the first command's output differs from the README" "$(diff <(echo "$want") <(echo "$got"))"

# with sudo: the prefix must be used (this sudo runs the command as it is)
mkdir -p "$tmp/sudo"
printf '#!/bin/sh\necho "$*" >>"%s/sudo.log"\nexec "$@"\n' "$tmp" >"$tmp/sudo/sudo"
chmod +x "$tmp/sudo/sudo"
(cd "$copy" && PATH=$tmp/sudo:$PATH bash -c "$cmd1") >"$tmp/out2" 2>&1
rc=$?
[ $rc = 0 ] && grep -q '^apt-get install -y ' "$tmp/sudo.log" && grep -q '^apt-get update$' "$tmp/sudo.log" &&
	ok "the first command with sudo on PATH: apt-get runs through sudo, exit 0" || no "the first command with sudo (exit $rc)" "$(cat "$tmp/out2" "$tmp/sudo.log" 2>&1)"
[ "$(tail -n "$(wc -l <<<"$want")" "$tmp/out2")" = "$want" ] && ok "with sudo: the same last lines" || no "with sudo: other output"

# the test command's install part next to a Node.js that brings its own npm
mkdir -p "$tmp/node"
printf '#!/bin/sh\necho 10.9.2\n' >"$tmp/node/npm"
real_apt=$(command -v apt-get)
cat >"$tmp/node/apt-get" <<EOF
#!/bin/sh
for a in "\$@"; do
	if [ "\$a" = npm ]; then
		echo "The following packages have unmet dependencies:" >&2
		echo " nodejs : Conflicts: npm" >&2
		echo "E: Unable to correct problems, you have held broken packages." >&2
		exit 100
	fi
done
exec "$real_apt" "\$@"
EOF
chmod +x "$tmp/node/apt-get"
(cd "$copy" && PATH=$tmp/node:$PATH bash -c "$install2") >"$tmp/out3" 2>&1
rc=$?
[ $rc = 0 ] && ok "the test command's install part, next to Node.js's own npm: exit 0" || no "install part with Node.js's npm (exit $rc)" "$(cat "$tmp/out3")"
# the control: that apt-get does refuse npm
PATH=$tmp/node:$PATH apt-get install -y npm >/dev/null 2>&1
[ $? = 100 ] && ok "control: the test's apt-get refuses npm as Debian does next to Node.js" || no "control: the apt-get stand-in accepts npm"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
