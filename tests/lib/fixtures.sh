# shellcheck shell=bash
# Sending tests/fixtures as their platforms send them: a fixture's
# .headers file (tests/fixtures/README.md) and its notes, and signatures
# made afresh with openssl (an implementation apart from hookbox's) where
# a platform signs a timestamp or a URL. Sourced, after common.sh, by
# receiver.sh, static.sh and servers.sh.

# fnote FIXTURE NOTE: the value of the "# NOTE: value" line of
# tests/fixtures/FIXTURE.headers (FIXTURE without .json or .form).
fnote() { sed -n "s/^# $2: //p" "$FIXTURES/$1.headers"; }

hmac_hex() {	# SECRET < data: lowercase hex HMAC-SHA256
	openssl dgst -sha256 -hmac "$1" -r | cut -d ' ' -f 1
}

hmac_b64() {	# SECRET [DIGEST] < data: base64 HMAC (SHA-256 unless DIGEST)
	openssl dgst "-${2:-sha256}" -hmac "$1" -binary | base64 -w 0
}

# header_lines FILE [SKIP...]: a .headers file's headers, "Name: value"
# each, into HL, as a sender puts them on the wire: '#' notes and
# Content-Length (the sender's HTTP library's own) left out, and the
# headers named SKIP (lowercase; to be signed afresh).
header_lines() {
	local line name skip file=$1
	shift
	HL=()
	while IFS= read -r line; do
		case $line in '#'*|'') continue ;; esac
		name=${line%%:*}
		name=${name,,}
		[ "$name" = content-length ] && continue
		for skip in "$@"; do
			[ "$name" = "$skip" ] && continue 2
		done
		HL+=("$line")
	done <"$file"
}

# header_vars FILE [SKIP...]: the same headers as the web server hands
# them over to a CGI program, into HV: HTTP_NAME=value, and CONTENT_TYPE.
header_vars() {
	local h name value
	header_lines "$@"
	HV=()
	for h in "${HL[@]}"; do
		name=${h%%:*} value=${h#*: }
		if [ "${name,,}" = content-type ]; then
			HV+=("CONTENT_TYPE=$value")
			continue
		fi
		name=${name^^}
		HV+=("HTTP_${name//-/_}=$value")
	done
}

# stripe_sig FILE [T] [SECRET]: "t=<T>,v1=<hex>" over "<T>.<body>"; T
# defaults to now, SECRET to $STRIPE_SECRET.
stripe_sig() {
	local t=${2:-$(date +%s)}
	printf 't=%s,v1=%s' "$t" "$({ printf '%s.' "$t"; cat "$1"; } | hmac_hex "${3:-$STRIPE_SECRET}")"
}

# paddle_sig FILE [T] [SECRET]: "ts=<T>;h1=<hex>" over "<T>:<body>"; T
# defaults to now, SECRET to $PADDLE_SECRET.
paddle_sig() {
	local t=${2:-$(date +%s)}
	printf 'ts=%s;h1=%s' "$t" "$({ printf '%s:' "$t"; cat "$1"; } | hmac_hex "${3:-$PADDLE_SECRET}")"
}

# square_sig FILE URL SECRET [DIGEST]: base64 HMAC over "<URL><body>",
# SHA-256 (x-square-hmacsha256-signature) unless DIGEST (sha1: the
# legacy x-square-signature).
square_sig() {
	{ printf '%s' "$2"; cat "$1"; } | hmac_b64 "$3" "${4:-sha256}"
}
