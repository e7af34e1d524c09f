#!/usr/bin/env bash
# Text output on a terminal: colour (unless NO_COLOR) and the source line with
# a caret under the column. Off a terminal: neither. Uses script(1) for a pty.
set -u
bin=$1
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
dir=$(cd "$(dirname "$0")/../../testdata/check/quoted-true" && pwd)
pass=0 fail=0
t() { if eval "$2"; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; echo "$out" | od -c | head -20; fi; }
if ! command -v script >/dev/null; then echo "script(1) missing"; exit 1; fi
out=$(cd "$dir" && env -u NO_COLOR TERM=xterm script -qec "$bin check -f values.yaml" /dev/null)
t "colour on a terminal" '[[ "$out" == *$'"'"'\033[1;31merror:'"'"'* ]]'
t "source line on a terminal" '[[ "$out" == *"    3 |     production: \"true\""* ]]'
t "caret under column 17" '[[ "$out" == *"      |                 "$'"'"'\033[1;32m^'"'"'* ]]'
t "tally on the terminal" '[[ "$out" == *"1 error, 0 warnings"* ]]'
out=$(cd "$dir" && NO_COLOR=1 TERM=xterm script -qec "$bin check -f values.yaml" /dev/null)
t "NO_COLOR: no escapes" '[[ "$out" != *$'"'"'\033'"'"'* ]]'
t "NO_COLOR: still the caret" '[[ "$out" == *"      |                 ^"* ]]'
out=$(cd "$dir" && env -u NO_COLOR TERM=xterm "$bin" check -f values.yaml 2>&1)
t "pipe: no escapes" '[[ "$out" != *$'"'"'\033'"'"'* ]]'
t "pipe: one line per finding" '[ "$(printf "%s\n" "$out" | wc -l)" = 1 ]'
echo "$pass passed, $fail failed"
[ $fail = 0 ]
