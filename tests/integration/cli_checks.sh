# Shared by the command-line tests (test_cli.sh; the stores of either
# backend are in cli_store.sh): run the tool and check what it did. Sourced
# after ECL (the tool), PY (python3) and tmp (a scratch directory) are set.
# Each check prints one line; the caller ends with "$passed passed, $failed
# failed".

UUID_PAT='[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'
UUID_RE="^$UUID_PAT\$"
passed=0
failed=0
out=""
err=""
rc=0

# run ARGS...: run the tool; sets $out, $err and $rc.
run() {
	"$ECL" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	out=$(cat "$tmp/stdout")
	err=$(cat "$tmp/stderr")
}

pass() {
	passed=$((passed + 1))
	echo "ok   - $1"
}

fail() {
	failed=$((failed + 1))
	echo "FAIL - $1: $2"
	echo "       exit $rc; stdout: $(head -c 300 <<<"$out")"
	echo "       stderr: $(head -c 300 <<<"$err")"
}

# expect DESC STATUS [STDOUT-REGEX [STDERR-REGEX]]: the last run exited with
# STATUS and its output matches the (extended) regular expressions.
expect() {
	local desc=$1 want=$2 out_re=${3-} err_re=${4-}
	if [ "$rc" -ne "$want" ]; then
		fail "$desc" "expected exit $want"
	elif [ -n "$out_re" ] && ! grep -Eq -- "$out_re" <<<"$out"; then
		fail "$desc" "stdout does not match /$out_re/"
	elif [ -n "$err_re" ] && ! grep -Eq -- "$err_re" <<<"$err"; then
		fail "$desc" "stderr does not match /$err_re/"
	else
		pass "$desc"
	fi
}

# json_true EXPR: stdout is JSON and the Python expression EXPR over it
# (named d) is true.
json_true() {
	"$PY" -c 'import json, sys
d = json.load(sys.stdin)
sys.exit(0 if eval(sys.argv[1]) else 1)' "$1" <<<"$out" 2>/dev/null
}

# expect_json DESC EXPR: exit 0, valid JSON, EXPR true.
expect_json() {
	if [ "$rc" -ne 0 ]; then
		fail "$1" "expected exit 0"
	elif ! json_true "${2:-True}"; then
		fail "$1" "not valid JSON or not ($2)"
	else
		pass "$1"
	fi
}
