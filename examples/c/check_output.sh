#!/usr/bin/env bash
# Run an example and check what it prints (the ctest tests of examples/c):
#   check_output.sh PROGRAM [ARG...] -- PATTERN...
# Passes when PROGRAM exits 0 and its standard output matches every
# extended regular expression PATTERN (grep -E), each on some line.
set -u
args=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do args+=("$1"); shift; done
[ $# -gt 0 ] && shift
out=$("${args[@]}")
rc=$?
printf '%s\n' "$out"
if [ "$rc" -ne 0 ]; then
	echo "FAIL: ${args[0]} exited $rc" >&2
	exit 1
fi
failed=0
for pattern in "$@"; do
	if ! printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
		echo "FAIL: no line matches: $pattern" >&2
		failed=1
	fi
done
exit $failed
