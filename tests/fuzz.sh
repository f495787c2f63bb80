#!/usr/bin/env bash
# Fuzzing (issue 5): libFuzzer harnesses built with clang and
# -fsanitize=fuzzer,address,undefined against the real sources (every
# src/*.c but main.c):
#
#   fuzz_request  a request through serve(): CGI variables, body, routing,
#                 proof (signed with the endpoint's secret or not, fixed
#                 clock), every preset's normalisation, an in-memory store,
#                 the answer (tests/fuzz/fuzz_request.c says the input format)
#   fuzz_sig      signature headers: verify_standard (v1 and v1a),
#                 verify_flipdish, verify_hmac_hex, and the libsodium
#                 calls under them (src/util.c): our own signatures
#                 verify, others' never do, and what the base64 reader
#                 accepts is what libsodium's encoder writes
#   fuzz_config   conf_load_ex on any bytes, then the lookups
#   fuzz_json     a body through every preset that reads JSON (json-c
#                 underneath) and hb_json_string, against oracles: a UTF-8
#                 table written in the harness, and json-c asked alone
#
#   tests/fuzz.sh [SECONDS]     (default 60 per harness; FUZZ_SECONDS too)
#
# Seeds are made from tests/fixtures and conf/*.conf into
# build/fuzz/seeds/<harness>/; the corpus grows in build/fuzz/corpus/.
# Every file under tests/fuzz/regress/<harness>/ (a crash once found,
# kept as a regression case) is replayed first. A crash leaves its input
# in build/fuzz/crashes/; copy it to tests/fuzz/regress/<harness>/ once
# fixed. Prints PASS/FAIL per harness and "# <harness>: N execs, M crashes".
set -u
. "$(dirname "$0")/lib/common.sh"
cd "$TOP" || exit 1

SECS=${1:-${FUZZ_SECONDS:-60}}
OUT=$TOP/build/fuzz
HARNESSES=${FUZZ_ONLY:-"fuzz_request fuzz_sig fuzz_config fuzz_json"}
failures=0
fail() { printf 'FAIL %s: %s\n' "$1" "${2//$'\n'/\\n}"; failures=$((failures + 1)); }
START=$SECONDS

CC=${FUZZ_CC:-clang}
PKGS="fcgi json-c sqlite3 libsodium libpq"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-g -O1 -fno-omit-frame-pointer -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -Isrc $(pkg-config --cflags $PKGS 2>/dev/null)"
LIBS="$(pkg-config --libs $PKGS 2>/dev/null || echo -lfcgi -ljson-c -lsqlite3 -lsodium -lpq) -lpthread"

# clang with libFuzzer: installed when missing and root (Debian packages).
have_fuzzer() {
	printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$OUT/probe.c"
	"$CC" -fsanitize=fuzzer,address "$OUT/probe.c" -o "$OUT/probe" >/dev/null 2>&1
}
mkdir -p "$OUT/obj" "$OUT/crashes"
if ! have_fuzzer; then
	if [ "$(id -u)" -eq 0 ]; then
		sh tests/lib/deps.sh clang libclang-rt-14-dev >&2 || sh tests/lib/deps.sh clang >&2
		CC=${FUZZ_CC:-$(command -v clang || command -v clang-14 || echo clang)}
	fi
	if ! have_fuzzer; then
		fail "fuzz: setup" "clang with libFuzzer is missing (apt-get install clang libclang-rt-14-dev)"
		exit 1
	fi
fi

# Build: the sources once, instrumented for coverage, then each harness.
objs=()
for src in src/*.c; do
	[ "$src" = src/main.c ] && continue
	obj=$OUT/obj/$(basename "${src%.c}").o
	# shellcheck disable=SC2086
	if ! "$CC" $CFLAGS $SAN -fsanitize=fuzzer-no-link -c "$src" -o "$obj" 2>"$OUT/build.log"; then
		fail "fuzz: build $src" "$(tail -n 5 "$OUT/build.log")"
		exit 1
	fi
	objs+=("$obj")
done
for h in $HARNESSES; do
	# shellcheck disable=SC2086
	if ! "$CC" $CFLAGS $SAN -fsanitize=fuzzer "tests/fuzz/$h.c" "${objs[@]}" $LIBS \
		-o "$OUT/$h" 2>"$OUT/build.log"; then
		fail "fuzz: build $h" "$(tail -n 5 "$OUT/build.log")"
		exit 1
	fi
done

# Seeds, in each harness's input format.
rm -rf "$OUT/seeds"
mkdir -p "$OUT/seeds/fuzz_request" "$OUT/seeds/fuzz_sig" "$OUT/seeds/fuzz_config" "$OUT/seeds/fuzz_json"
python3 - "$OUT/seeds" tests/fixtures conf <<'PY'
import glob, os, sys
seeds, fixtures, confdir = sys.argv[1:4]
eps = ["catalog", "leads", "fdv3", "fdlegacy", "reflow", "shop", "std", "gen",
       "genform", "nohooks"]
want = {"flipsnack": ["catalog", "nohooks"], "fliplink": ["leads"],
        "flipdish": ["fdv3", "fdlegacy"], "reflow": ["reflow"],
        "quickbutik": ["shop"]}
n = 0
def req(ep, flags, head, body, name):
    global n
    n += 1
    with open(os.path.join(seeds, "fuzz_request", "%03d-%s" % (n, name)), "wb") as f:
        f.write(bytes([eps.index(ep), flags, 0]) + head + b"\n\n" + body)
for path in sorted(glob.glob(os.path.join(fixtures, "*"))):
    base = os.path.basename(path)
    if not (base.endswith(".json") or base.endswith(".query")):
        continue
    body = open(path, "rb").read()
    prov = base.split("-")[0]
    for ep in want.get(prov, []):
        if base.endswith(".query"):
            req(ep, 0x01, b"QUERY_STRING=" + body.strip(), b"", base)
            req(ep, 0x00, b"CONTENT_TYPE=application/x-www-form-urlencoded", body.strip(), base)
        else:
            head = b""
            if ep == "fdv3":
                head = b"HTTP_X_FLIPDISH_EVENT_TYPE=" + base[len("flipdish-"):-5].encode()
            req(ep, 0x08, head, body, base)
            req(ep, 0x00, head, body, base + "-unsigned")
req("std", 0x08, b"", b'{"type":"invoice.paid","data":{"id":"inv_1"}}', "std")
req("gen", 0x08, b"", b'{"kind":"order.paid","uid":"u-1","order":{"id":7}}', "generic")
req("genform", 0x00, b"", b"a%2Fb=x&kind=order&uid=9", "form")
req("catalog", 0x04, b"", b'{"type":"orders","order_id":"1"}', "short-cl")
req("catalog", 0x02, b"", b'{"type":"orders","order_id":18446744073709551616}', "bignum")
# fuzz_json: the bodies as they are, and a few edge cases
for path in sorted(glob.glob(os.path.join(fixtures, "*.json"))):
    with open(os.path.join(seeds, "fuzz_json", os.path.basename(path)), "wb") as f:
        f.write(open(path, "rb").read())
for i, text in enumerate([b'{"a":"\\ud83d\\ude00","b":"\xf0\x9f\x98\x80"}', b'[18446744073709551615,-9223372036854775808]',
                          b'[18446744073709551616]', b' -0.5e-3 ', b'"\\u0000"', b'[[[[[[[[]]]]]]]]', b'{"a":{"b":[true,false,null]}}',
                          b'{"type":"orders","order_id":18446744073709551615,"x":[NaN,-Infinity,1.,-.5,-01]}',
                          b'{"event":"lead","id":"\xff","data":{"a_id":-9223372036854775808,"b_id":"\\ud800"}}',
                          b"{'kind':\"k\",\"a\":[{\"id\":\"\x01\"}],\"\":\"r\"}"]):
    with open(os.path.join(seeds, "fuzz_json", "edge-%d" % i), "wb") as f:
        f.write(text)
# fuzz_sig: HEADER \0 SECRET \0 ID \0 TS \0 BODY
sig = [
    (b"v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=", b"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
     b"msg_p5jXN8AQM9LWM0D4loKWxJek", b"1614265330", b'{"test": 2432232314}'),
    (b"t=2023-11-14T22:13:20.000Z,sha256=" + b"0" * 64, b"secret", b"", b"", b'{"a":1}'),
    (b"sha256=" + b"ab" * 32, b"reflow_test_secret", b"", b"", b'{"id":"evt"}'),
    (b"K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=", b"s", b"id", b"1700000000", b"body"),
    (b"v1a,Ykcu7AtGZGmZxFEH1Gaa2Nd7feY/CTuruoL4fqgnKwfbHU4DhemoVHZdvGfIvKvn4BIgwktLGGPGIr/i9nK7AA== v1,-_8",
     b"whpk_iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=", b"msg_p5jXN8AQM9LWM0D4loKWxJek", b"1614265330",
     b'{"test": 2432232314}'),
]
for i, parts in enumerate(sig):
    with open(os.path.join(seeds, "fuzz_sig", "%02d" % i), "wb") as f:
        f.write(b"\0".join(parts))
    with open(os.path.join(seeds, "fuzz_sig", "%02d-good" % i), "wb") as f:
        f.write(b"\x01" + b"\0".join(parts))
# fuzz_config: a first byte (check_exec), then the config
for i, path in enumerate(sorted(glob.glob(os.path.join(confdir, "*.conf")))):
    text = open(path, "rb").read()
    if not text.lstrip().startswith((b"{", b"//")):
        continue
    with open(os.path.join(seeds, "fuzz_config", "%02d-%s" % (i, os.path.basename(path))), "wb") as f:
        f.write(b"\x00" + text)
with open(os.path.join(seeds, "fuzz_config", "generic"), "wb") as f:
    f.write(b'\x00{"database":"d.db","endpoints":{"forms":{"provider":"generic","token":"0123456789abcdef",'
            b'"type_pointer":"/kind","key_pointer":"/uid","resource_pointer":"/order/id",'
            b'"signature_header":"X-Signature","secret":"s",'
            b'"hooks":{"order.*":{"run":["/bin/true","x"],"timeout":5},"*":{"run":["/bin/true"]}}}}}')
PY

max_len() {
	case $1 in
	fuzz_request) echo 16384 ;;
	fuzz_sig) echo 4096 ;;
	fuzz_config) echo 8192 ;;
	fuzz_json) echo 16384 ;;
	esac
}

total_execs=0
for h in $HARNESSES; do
	# Regressions: every crash once found is replayed, and must pass.
	reg=(tests/fuzz/regress/$h/*)
	if [ -e "${reg[0]}" ]; then
		if "$OUT/$h" "${reg[@]}" >"$OUT/$h.regress.log" 2>&1; then
			pass "$h: ${#reg[@]} regression input(s) replayed"
		else
			fail "$h: ${#reg[@]} regression input(s) replayed" \
				"$(grep -m1 -E 'ERROR|runtime error|Running:' "$OUT/$h.regress.log")"
		fi
	fi

	mkdir -p "$OUT/corpus/$h"
	before=$(ls "$OUT/crashes" | grep -c "^$h-")
	"$OUT/$h" -max_total_time="$SECS" -max_len="$(max_len "$h")" \
		-dict=tests/fuzz/json.dict -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$OUT/crashes/$h-" -print_final_stats=1 \
		"$OUT/corpus/$h" "$OUT/seeds/$h" >"$OUT/$h.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$h.log" | tail -n 1)
	after=$(ls "$OUT/crashes" | grep -c "^$h-")
	crashes=$((after - before))
	echo "# $h: ${execs:-0} execs, $crashes crashes in ${SECS} s"
	total_execs=$((total_execs + ${execs:-0}))
	if [ "$rc" -eq 0 ] && [ "$crashes" -eq 0 ]; then
		pass "$h: ${SECS} s without a crash"
	else
		fail "$h: ${SECS} s without a crash" \
			"exit $rc; $(grep -m1 -E 'ERROR: |runtime error|==[0-9]+==|deadly signal' "$OUT/$h.log"); input kept in build/fuzz/crashes/"
	fi
done
echo "# fuzz: $total_execs execs in all; runtime $((SECONDS - START)) s"
[ "$failures" -eq 0 ]
