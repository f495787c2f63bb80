#!/usr/bin/env bash
# The receiver as a web server runs it: the binary as a CGI program, with
# an empty environment plus the CGI meta-variables, the body on stdin,
# and the answer (Status line, headers, blank line, JSON) on stdout.
# Then the CLI on the same database.
#
# Output contract: one line per case, "PASS <name>" or "FAIL <name>: <why>"
# (tests/lib/common.sh); exits non-zero if any case failed.
#
# Time: signed requests carry the real clock (hookbox checks them against
# its own, within 300 s); nothing here waits for time to pass. Where a test
# needs a chosen time (dedupe windows), it uses `simulate --now`.
set -u
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/cgi.sh"
. "$(dirname "$0")/lib/fixtures.sh"
cd "$TOP"

if [ ! -x "$HOOKBOX" ]; then
	fail "setup" "$HOOKBOX is not built (make cgi-bin/hookbox.fcgi)"
	exit 1
fi
for tool in sqlite3 openssl python3 xxd; do
	command -v $tool >/dev/null || { fail "setup" "$tool is missing"; exit 1; }
done

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# ---- the configs ----

TOK_CATALOG=cat-0123456789abcdef-tok
TOK_LEADS=leads-0123456789abcdef
TOK_SHOP=shop-0123456789abcdef
FD_SECRET=fd-v3-shared-secret-0123
FD_VERIFY=fd-legacy-verify-0123
REFLOW_SECRET=reflow_test_secret
STD_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
# A Standard Webhooks v1a sender, its Ed25519 key made by openssl (apart
# from libsodium): the raw public key is the DER public key's last 32 bytes.
openssl genpkey -algorithm ed25519 -out "$T/std-ed25519.pem" 2>/dev/null
STD_PK="whpk_$(openssl pkey -in "$T/std-ed25519.pem" -pubout -outform DER |
	tail -c 32 | base64)"
# Issue 22's presets: each secret (and Square's URL) is its fixture's,
# from the "# secret:" note of tests/fixtures/<fixture>.headers (fnote:
# tests/lib/fixtures.sh).
WOO_SECRET=$(fnote woocommerce-order.created secret)
SHOPIFY_SECRET=$(fnote shopify-orders-create secret)
STRIPE_SECRET=$(fnote stripe-payment_intent.succeeded secret)
STRIPE_OLD=$(fnote stripe-payment_intent.succeeded.rotated old-secret)
PADDLE_SECRET=$(fnote paddle-transaction.completed secret)
SQUARE_SECRET=$(fnote square-payment.updated secret)
SQUARE_URL=$(fnote square-payment.updated url)
GITHUB_SECRET=$(fnote github-push secret)
MOLLIE_SECRET=$(fnote mollie-payment-link.paid secret)
TOK_MOLLIE=mollie-0123456789abcdef
SECRETS=("$TOK_CATALOG" "$TOK_LEADS" "$TOK_SHOP" "$FD_SECRET" "$FD_VERIFY"
	"$REFLOW_SECRET" "$STD_SECRET" "${STD_SECRET#whsec_}" "$WOO_SECRET"
	"$SHOPIFY_SECRET" "$STRIPE_SECRET" "$PADDLE_SECRET" "$SQUARE_SECRET"
	"$GITHUB_SECRET" "$MOLLIE_SECRET" "$TOK_MOLLIE")

# write_conf FILE DATABASE MAX_BODY: every config here has the same
# endpoints; they differ in their database and body limit.
write_conf() {
	cat >"$1" <<EOF
// receiver.sh: JSON with // comments, as users write it.
{
  "database": "$2",
  "max_body_bytes": $3,
  "busy_timeout_ms": 100,   // the lock test waits this long, no more
  "endpoints": {
    "catalog":  { "provider": "flipsnack",  "token": "$TOK_CATALOG" },
    "leads":    { "provider": "fliplink",   "token": "$TOK_LEADS" },
    "fdv3":     { "provider": "flipdish",   "secret": "$FD_SECRET" },
    "fdlegacy": { "provider": "flipdish",   "verify_token": "$FD_VERIFY" },
    "reflow":   { "provider": "reflow",     "secret": "$REFLOW_SECRET" },
    "shop":     { "provider": "quickbutik", "token": "$TOK_SHOP" },
    // every repeat of an id-less signal is a new event
    "burst":    { "provider": "quickbutik", "token": "$TOK_SHOP", "dedupe_window": 0 },
    "std":      { "provider": "standard",   "secret": "$STD_SECRET" },
    "stdpk":    { "provider": "standard",   "public_key": "$STD_PK" },
    "woo":      { "provider": "woocommerce", "secret": "$WOO_SECRET" },
    "shopify":  { "provider": "shopify",    "secret": "$SHOPIFY_SECRET" },
    "stripe":   { "provider": "stripe",     "secret": "$STRIPE_SECRET" },
    "stripeold": { "provider": "stripe",    "secret": "$STRIPE_OLD" },
    "paddle":   { "provider": "paddle",     "secret": "$PADDLE_SECRET" },
    "square":   { "provider": "square",     "secret": "$SQUARE_SECRET",
                  "notification_url": "$SQUARE_URL" },
    "github":   { "provider": "github",     "secret": "$GITHUB_SECRET" },
    // classic (the token) and next-gen (the secret) webhooks both
    "mollie":   { "provider": "mollie",     "token": "$TOK_MOLLIE", "secret": "$MOLLIE_SECRET" },
    // next-gen only: an unsigned request has nothing to prove it
    "molliesig": { "provider": "mollie",    "secret": "$MOLLIE_SECRET" }
  }
}
EOF
}

MAIN_DB=$T/hookbox.db
write_conf "$T/main.conf" "$MAIN_DB" 65536
write_conf "$T/small.conf" "$MAIN_DB" 2048
write_conf "$T/nodb.conf" "$T/no-such-dir/sub/hookbox.db" 65536
write_conf "$T/sim.conf" "$T/sim.db" 65536
CONF=$T/main.conf
DB=$MAIN_DB

# ---- running the binary as CGI ----
# cgi() and the contract every answer keeps (answer_why) are tests/lib/cgi.sh's.

# expect NAME CODE STATUS: the last answer had this code and status and
# keeps the contract (answer_why); here also, it never repeats a secret
# or a token, and every 4xx, and nothing else, is kept in `rejects`.
# One case line.
n4xx=0
expect() {
	local name=$1 code=$2 status=$3 why s
	why=$(answer_why "$code" "$status")
	for s in "${SECRETS[@]}"; do
		if [ -z "$why" ] && grep -qF -- "$s" "$T/out"; then
			why="the answer contains a configured secret ($s)"
		fi
	done
	if [ -z "$why" ] && [ "$DB" = "$MAIN_DB" ]; then
		if [ "${code:0:1}" = 4 ] && [ "$R_DELTA" -ne 1 ]; then
			why="a $code added $R_DELTA refusals to rejects, want 1"
		elif [ "${code:0:1}" != 4 ] && [ "$R_DELTA" -ne 0 ]; then
			why="a $code added $R_DELTA refusals to rejects, want 0"
		fi
	fi
	[ "$DB" = "$MAIN_DB" ] && [ "${CODE:0:1}" = 4 ] && n4xx=$((n4xx + 1))
	if [ -z "$why" ]; then pass "$name"; else fail "$name" "$why"; fi
}

# ---- signing, with openssl as an independent implementation ----
# (hmac_hex, header_vars, stripe_sig and paddle_sig: tests/lib/fixtures.sh)

now_iso_ms() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }

# flipdish_sig FILE FORM [T]: "t=<T>,sha256=<hex>"; FORM is tbody or body.
flipdish_sig() {
	local t=${3:-$(now_iso_ms)}
	if [ "$2" = tbody ]; then
		printf 't=%s,sha256=%s' "$t" "$({ printf '%s.' "$t"; cat "$1"; } | hmac_hex "$FD_SECRET")"
	else
		printf 't=%s,sha256=%s' "$t" "$(hmac_hex "$FD_SECRET" <"$1")"
	fi
}

# std_sig ID TS FILE: a Standard Webhooks "v1,<base64>" header value.
std_sig() {
	local key
	key=$(printf '%s' "${STD_SECRET#whsec_}" | base64 -d | xxd -p -c 256)
	printf 'v1,%s' "$({ printf '%s.%s.' "$1" "$2"; cat "$3"; } |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | base64)"
}

# std_v1a_sig ID TS FILE: a "v1a,<base64 Ed25519 signature>" value.
std_v1a_sig() {
	{ printf '%s.%s.' "$1" "$2"; cat "$3"; } >"$T/std-signed"
	printf 'v1a,%s' "$(openssl pkeyutl -sign -rawin -inkey "$T/std-ed25519.pem" \
		-in "$T/std-signed" | base64 -w 0)"
}

# ---- the store, read with sqlite3 ----

row() {	# ID: "type|key|resource|endpoint|provider"
	sqlite3 -separator '|' "$DB" "SELECT event_type, event_key, resource_id,
		endpoint, provider FROM events WHERE id = $1"
}
sql() { sqlite3 "$DB" "$1"; }
hex_of() { xxd -p "$1" | tr -d '\n' | tr a-f A-F; }

# ---- 1. every fixture: accepted, stored exactly, then a duplicate ----

# send_fixture FILE: sends it the way its platform does.
send_fixture() {
	local f=$1 base
	base=$(basename "$f")
	case $base in
	flipsnack-*)
		cgi POST "/catalog/$TOK_CATALOG" "" "$f" ;;
	fliplink-*)
		cgi POST "/leads/$TOK_LEADS" "" "$f" ;;
	flipdish-*.v1.json)	# webhooks v3, signed over "t.body"
		local t type=${base#flipdish-}
		type=${type%.json}
		t=$(now_iso_ms)
		cgi POST /fdv3 "" "$f" HTTP_X_FLIPDISH_EVENT_TYPE="$type" \
			HTTP_X_FLIPDISH_EVENT_VERSION=v1 HTTP_X_FLIPDISH_TIMESTAMP="$t" \
			HTTP_X_FLIPDISH_SIGNATURE="$(flipdish_sig "$f" tbody "$t")" ;;
	flipdish-*)	# legacy webhooks, static verify token
		cgi POST /fdlegacy "" "$f" HTTP_X_VERIFY_TOKEN="$FD_VERIFY" ;;
	reflow-*)
		cgi POST /reflow "" "$f" HTTP_SIGNATURE="$(hmac_hex "$REFLOW_SECRET" <"$f")" ;;
	quickbutik-*.query)	# GET, the query is the whole message
		cgi GET "/shop/$TOK_SHOP" "$(cat "$f")" - ;;
	# Issue 22: each with the headers of its .headers file, the
	# platform's own signature among them; Stripe and Paddle sign a
	# timestamp, so theirs is made afresh (openssl) at the real clock.
	stripe-*)
		header_vars "${f%.*}.headers" stripe-signature
		cgi POST /stripe "" "$f" "${HV[@]}" HTTP_STRIPE_SIGNATURE="$(stripe_sig "$f")" ;;
	paddle-*)
		header_vars "${f%.*}.headers" paddle-signature
		cgi POST /paddle "" "$f" "${HV[@]}" HTTP_PADDLE_SIGNATURE="$(paddle_sig "$f")" ;;
	woocommerce-*|shopify-*|square-*|github-*)
		header_vars "${f%.*}.headers"
		local ep=${base%%-*}
		[ "$ep" = woocommerce ] && ep=woo
		cgi POST "/$ep" "" "$f" "${HV[@]}" ;;
	mollie-*)
		header_vars "${f%.*}.headers"
		cgi POST "/mollie/$TOK_MOLLIE" "" "$f" "${HV[@]}" ;;
	*)
		return 1 ;;
	esac
}

# The type, key and resource each fixture is stored under are those of
# its golden file (tests/fixtures/<fixture>.out, which the unit tests
# hold the providers to); here they are checked once more through CGI,
# sent as its platform sends it. The proof is as that platform proves
# itself, which for legacy Flipdish (a verify token) is not the golden
# file's signature.
# file | endpoint | proof
expectations='
flipsnack-orders.json|catalog|url token
flipsnack-order-help-article.json|catalog|url token
fliplink-lead.captured.json|leads|url token
flipdish-order.created.json|fdlegacy|x-verify-token
flipdish-sale.created.v1.json|fdv3|flipdish-v3 hmac(t.body)
reflow-order.created.json|reflow|reflow hmac
reflow-products.changed.json|reflow|reflow hmac
quickbutik-order.new.query|shop|url token
quickbutik-product.update.query|shop|url token
woocommerce-order.created.json|woo|woocommerce hmac
shopify-orders-create.json|shopify|shopify hmac
stripe-payment_intent.succeeded.json|stripe|stripe v1
paddle-transaction.completed.json|paddle|paddle h1
square-payment.updated.json|square|square hmac(url.body)
github-push.json|github|github sha256
mollie-payment.form|mollie|url token
mollie-payment-link.paid.json|mollie|mollie hmac
'

# golden FIXTURE FIELD: the field's line of the fixture's golden file.
golden() {
	sed -n "s/^$2: \{0,1\}//p" "${1%.*}.out"
}

for f in "$FIXTURES"/*; do
	base=$(basename "$f")
	case $base in
	# the ping, and the rotated signature of an event sent already:
	# section 2 sends them
	woocommerce-ping.form|*.rotated.json) continue ;;
	*.json|*.query|*.form) ;;
	*) continue ;;
	esac
	line=$(grep "^$base|" <<<"$expectations")
	if [ -z "$line" ]; then
		fail "fixture $base" "no expectation for it in tests/receiver.sh"
		continue
	fi
	IFS='|' read -r _ want_ep want_proof <<<"$line"
	want_prov=${base%%-*}
	want_type=$(golden "$f" type)
	want_res=$(golden "$f" resource)
	# A regex of the key; an id-less signal's stored key is one
	# occurrence of it: "<key>@<time>.<16 hex digits>".
	want_key=$(golden "$f" key | sed 's/[][\\.*^$+?(){}|]/\\&/g')
	[ "$(golden "$f" windowed)" = 1 ] && want_key="$want_key@[0-9]+[.][0-9a-f]{16}"

	send_fixture "$f"
	expect "fixture $base accepted" 200 accepted
	id=$A_ID
	[ "$A_STATUS" = accepted ] || continue

	IFS='|' read -r got_type got_key got_res got_ep got_prov <<<"$(row "$id")"
	check "fixture $base stored type/resource/endpoint/provider" \
		"$want_type|$want_res|$want_ep|$want_prov" \
		"$got_type|$got_res|$got_ep|$got_prov"
	check_match "fixture $base stored key" "^$want_key\$" "$got_key"
	check "fixture $base proof" "$want_proof" "$(sql "SELECT proof FROM events WHERE id = $id")"
	if [[ $base == *.query ]]; then
		check "fixture $base stored query, no body" "$(cat "$f")|" \
			"$(sql "SELECT query || '|' || hex(body) FROM events WHERE id = $id")"
	else
		check "fixture $base body bytes identical" "$(hex_of "$f")" \
			"$(sql "SELECT hex(body) FROM events WHERE id = $id")"
	fi

	# The platform retries: same key, same id, nothing new stored.
	# (product.update is id-less: a repeat within dedupe_window.)
	n=$(sql 'SELECT count(*) FROM events')
	send_fixture "$f"
	expect "fixture $base again is a duplicate" 200 duplicate
	check "fixture $base duplicate has the same id" "$id" "$A_ID"
	check "fixture $base duplicate stores nothing" "$n" "$(sql 'SELECT count(*) FROM events')"
done

# ---- 2. the other ways the platforms send ----

# Flipdish v3 signed over the body alone (the signed form is unconfirmed):
# a different event, so that it is not a duplicate.
sed 's/0d1f8e2a-5b6c-4d7e-8f90-a1b2c3d4e5f6/0d1f8e2a-5b6c-4d7e-8f90-a1b2c3d4e5f7/' \
	"$FIXTURES/flipdish-sale.created.v1.json" >"$T/sale2.json"
cgi POST /fdv3 "" "$T/sale2.json" HTTP_X_FLIPDISH_EVENT_TYPE=sale.created.v1 \
	HTTP_X_FLIPDISH_SIGNATURE="$(flipdish_sig "$T/sale2.json" body)"
expect "flipdish v3 signed over the body alone" 200 accepted
check "flipdish v3 body-alone proof recorded" "flipdish-v3 hmac(body), freshness unproven" \
	"$(sql "SELECT proof FROM events WHERE id = ${A_ID:-0}")"

# Issue 24: one captured signed request, re-sent 250 s later under other
# X-Flipdish-Event-Types, is the same event: a duplicate of it, stored
# under the body's type. In both signed forms, and for an id-less body.
printf '{"saleId":"3N356","note":"no type, no id"}' >"$T/bare.json"
for form in tbody body; do
	for f in "$T/sale2.json" "$T/bare.json"; do
		sed "s/3N356/3N$form/; s/a1b2c3d4e5f7/a1b2c3d4e5f7-$form/" "$f" >"$T/cap.json"
		ts=$(date -u -d '-250 sec' +%Y-%m-%dT%H:%M:%S.%3NZ)
		sig=$(flipdish_sig "$T/cap.json" $form "$ts")
		cgi POST /fdv3 "" "$T/cap.json" HTTP_X_FLIPDISH_EVENT_TYPE=sale.created.v1 \
			HTTP_X_FLIPDISH_SIGNATURE="$sig"
		expect "flipdish $form $(basename "$f"): the captured request" 200 accepted
		first=$A_ID
		want=$(sql "SELECT event_type FROM events WHERE id = ${first:-0}")
		for other in order.refunded sale.created.v1; do
			cgi POST /fdv3 "" "$T/cap.json" HTTP_X_FLIPDISH_EVENT_TYPE=$other \
				HTTP_X_FLIPDISH_SIGNATURE="$sig"
			expect "flipdish $form $(basename "$f"): replayed as $other is a duplicate" 200 duplicate
			check "flipdish $form $(basename "$f"): replay as $other has the first id" "$first" "$A_ID"
		done
		check "flipdish $form $(basename "$f"): the stored type is the body's" \
			"$([ "$f" = "$T/bare.json" ] && echo flipdish.untyped || echo sale.created.v1)" "$want"
	done
done

cgi POST /fdv3 "" "$T/sale2.json" HTTP_X_FLIPDISH_EVENT_TYPE=sale.created.v1 \
	HTTP_X_FLIPDISH_SIGNATURE="$(flipdish_sig "$T/sale2.json" tbody "$(date -u -d '-10 min' +%Y-%m-%dT%H:%M:%S.%3NZ)")"
expect "flipdish v3 stale t= is 401" 401 rejected
cgi POST /fdv3 "" "$T/sale2.json" HTTP_X_FLIPDISH_EVENT_TYPE=sale.created.v1
expect "flipdish v3 without a signature is 401" 401 rejected
cgi POST /fdlegacy "" "$FIXTURES/flipdish-order.created.json" HTTP_X_VERIFY_TOKEN=wrong
expect "flipdish legacy wrong X-Verify-Token is 401" 401 rejected

# Quickbutik's tutorial POSTs: a form body, a JSON body, or the query.
printf 'event_type=order.done&order_id=555' >"$T/qb-form"
cgi POST "/shop/$TOK_SHOP" "" "$T/qb-form" CONTENT_TYPE=application/x-www-form-urlencoded
expect "quickbutik POST urlencoded body" 200 accepted
check "quickbutik POST urlencoded stored" "order.done|order.done:555|555|shop|quickbutik" "$(row "${A_ID:-0}")"
printf '{"event_type":"order.cancelled","order_id":"556"}' >"$T/qb-json"
cgi POST "/shop/$TOK_SHOP" "" "$T/qb-json"
expect "quickbutik POST JSON body" 200 accepted
check "quickbutik POST JSON stored" "order.cancelled|order.cancelled:556|556|shop|quickbutik" "$(row "${A_ID:-0}")"
printf '' >"$T/empty"
cgi POST "/shop/$TOK_SHOP" "event_type=order.done&order_id=557" "$T/empty"
expect "quickbutik POST with the query, empty body" 200 accepted
check "quickbutik POST query stored" "order.done|order.done:557|557|shop|quickbutik" "$(row "${A_ID:-0}")"

# Standard Webhooks, signed with openssl from the whsec_ key.
printf '{"type":"invoice.paid","data":{"id":"inv_42"}}' >"$T/std.json"
ts=$(date +%s)
cgi POST /std "" "$T/std.json" HTTP_WEBHOOK_ID=msg_receiver_1 HTTP_WEBHOOK_TIMESTAMP="$ts" \
	HTTP_WEBHOOK_SIGNATURE="$(std_sig msg_receiver_1 "$ts" "$T/std.json")"
expect "standard webhooks signed" 200 accepted
check "standard webhooks stored" "invoice.paid|msg_receiver_1|inv_42|std|standard" "$(row "${A_ID:-0}")"
old=$((ts - 600))
cgi POST /std "" "$T/std.json" HTTP_WEBHOOK_ID=msg_receiver_2 HTTP_WEBHOOK_TIMESTAMP="$old" \
	HTTP_WEBHOOK_SIGNATURE="$(std_sig msg_receiver_2 "$old" "$T/std.json")"
expect "standard webhooks stale timestamp is 401" 401 rejected
cgi POST /std "" "$T/std.json" HTTP_WEBHOOK_ID=msg_receiver_3 HTTP_WEBHOOK_TIMESTAMP="$ts" \
	HTTP_WEBHOOK_SIGNATURE="$(std_sig msg_receiver_1 "$ts" "$T/std.json")"
expect "standard webhooks signature for another id is 401" 401 rejected

# Standard Webhooks v1a: Ed25519 under the endpoint's public_key.
cgi POST /stdpk "" "$T/std.json" HTTP_WEBHOOK_ID=msg_v1a_1 HTTP_WEBHOOK_TIMESTAMP="$ts" \
	HTTP_WEBHOOK_SIGNATURE="$(std_v1a_sig msg_v1a_1 "$ts" "$T/std.json")"
expect "standard webhooks v1a signed (openssl Ed25519)" 200 accepted
check "standard webhooks v1a stored" "invoice.paid|msg_v1a_1|inv_42|stdpk|standard" "$(row "${A_ID:-0}")"
check "standard webhooks v1a proof recorded" "standard-webhooks v1a" \
	"$(sql "SELECT proof FROM events WHERE id = ${A_ID:-0}")"
cgi POST /stdpk "" "$T/std.json" HTTP_WEBHOOK_ID=msg_v1a_2 HTTP_WEBHOOK_TIMESTAMP="$ts" \
	HTTP_WEBHOOK_SIGNATURE="$(std_sig msg_v1a_2 "$ts" "$T/std.json") $(std_v1a_sig msg_v1a_2 "$ts" "$T/std.json")"
expect "standard webhooks v1 and v1a in one header, v1a matches" 200 accepted
cgi POST /stdpk "" "$T/std.json" HTTP_WEBHOOK_ID=msg_v1a_3 HTTP_WEBHOOK_TIMESTAMP="$ts" \
	HTTP_WEBHOOK_SIGNATURE="$(std_v1a_sig msg_v1a_1 "$ts" "$T/std.json")"
expect "standard webhooks v1a signature for another id is 401" 401 rejected
cgi POST /stdpk "" "$T/std.json" HTTP_WEBHOOK_ID=msg_v1a_4 HTTP_WEBHOOK_TIMESTAMP="$ts" \
	HTTP_WEBHOOK_SIGNATURE="$(std_sig msg_v1a_4 "$ts" "$T/std.json")"
expect "standard webhooks v1 to a public-key-only endpoint is 401" 401 rejected
cgi POST /std "" "$T/std.json" HTTP_WEBHOOK_ID=msg_v1a_5 HTTP_WEBHOOK_TIMESTAMP="$ts" \
	HTTP_WEBHOOK_SIGNATURE="$(std_v1a_sig msg_v1a_5 "$ts" "$T/std.json")"
expect "standard webhooks v1a to a secret-only endpoint is 401" 401 rejected

# ---- 2b. issue 22's presets: refusals, the ping, rotation ----

# no_store NAME: the last request stored no event.
no_store() { check "$1 stores nothing" 0 "$E_DELTA"; }

f=$FIXTURES/woocommerce-order.created.json
header_vars "${f%.*}.headers" x-wc-webhook-signature
cgi POST /woo "" "$f" "${HV[@]}" HTTP_X_WC_WEBHOOK_SIGNATURE=FPic/J2z1gVNVwGQWMgfmB0N3s7PLtaXGLk9uJrxI69=
expect "woocommerce wrong signature is 401" 401 rejected; no_store "woocommerce wrong signature"
# WooCommerce's ping: exactly 200, nothing stored, not a refusal.
f=$FIXTURES/woocommerce-ping.form
header_vars "${f%.*}.headers"
cgi POST /woo "" "$f" "${HV[@]}"
expect "woocommerce ping is 200" 200 ping; no_store "woocommerce ping"
printf 'webhook_id=42&x=1' >"$T/notping"
cgi POST /woo "" "$T/notping" CONTENT_TYPE=application/x-www-form-urlencoded
expect "woocommerce unsigned form that is not the ping is 401" 401 rejected
# Two different orders in the same second share a delivery id: both kept.
f=$FIXTURES/woocommerce-order.created.json
sed 's/"id":727,/"id":728,/' "$f" >"$T/woo2.json"
header_vars "${f%.*}.headers" x-wc-webhook-signature
cgi POST /woo "" "$T/woo2.json" "${HV[@]}" \
	HTTP_X_WC_WEBHOOK_SIGNATURE="$(openssl dgst -sha256 -hmac "$WOO_SECRET" -binary <"$T/woo2.json" | base64)"
expect "woocommerce a second order under the same delivery id is accepted" 200 accepted
check "woocommerce second order stored under its own resource" 728 \
	"$(sql "SELECT resource_id FROM events WHERE id = ${A_ID:-0}")"

for p in shopify square github; do
	f=$(ls "$FIXTURES"/$p-*.json)
	header_vars "${f%.*}.headers"
	printf ' ' >>"$T/$p.json.tmp"; cat "$f" "$T/$p.json.tmp" >"$T/$p.json"
	cgi POST "/$p" "" "$T/$p.json" "${HV[@]}"
	expect "$p body changed after signing is 401" 401 rejected; no_store "$p changed body"
done

f=$FIXTURES/stripe-payment_intent.succeeded.json
cgi POST /stripe "" "$f" HTTP_STRIPE_SIGNATURE="$(stripe_sig "$f" $(( $(date +%s) - 600 )))"
expect "stripe stale timestamp is 401" 401 rejected; no_store "stripe stale timestamp"
cgi POST /stripe "" "$f" HTTP_STRIPE_SIGNATURE="$(stripe_sig "$f" "" "whsec_wrong")"
expect "stripe wrong signature is 401" 401 rejected; no_store "stripe wrong signature"
# Rotation: an old and a new v1 (and a v0 to ignore) in one header;
# either secret proves it. The same event: a duplicate on /stripe.
t=$(date +%s)
rot="t=$t,v1=$({ printf '%s.' "$t"; cat "$f"; } | hmac_hex "$STRIPE_OLD"),v1=$({ printf '%s.' "$t"; cat "$f"; } | hmac_hex "$STRIPE_SECRET"),v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"
cgi POST /stripe "" "$f" HTTP_STRIPE_SIGNATURE="$rot"
expect "stripe rotated header, the same event, is a duplicate" 200 duplicate
cgi POST /stripeold "" "$f" HTTP_STRIPE_SIGNATURE="$rot"
expect "stripe rotated header verifies under the old secret" 200 accepted

f=$FIXTURES/paddle-transaction.completed.json
cgi POST /paddle "" "$f" HTTP_PADDLE_SIGNATURE="$(paddle_sig "$f" $(( $(date +%s) - 600 )))"
expect "paddle stale timestamp is 401" 401 rejected; no_store "paddle stale timestamp"
cgi POST /paddle "" "$f" HTTP_PADDLE_SIGNATURE="ts=$(date +%s);h1=0000000000000000000000000000000000000000000000000000000000000000"
expect "paddle wrong signature is 401" 401 rejected; no_store "paddle wrong signature"

# Square's signature covers the configured URL: the same body to an
# endpoint whose notification_url differs is a 401.
f=$FIXTURES/square-payment.updated.json
header_vars "${f%.*}.headers"
cgi POST /square "" "$f" "${HV[@]}" HTTP_X_SQUARE_HMACSHA256_SIGNATURE=LQzf+HHHIgoYJwNFPvvob0idUSKjALlMlp6Nkcln6Cd=
expect "square wrong signature is 401" 401 rejected; no_store "square wrong signature"

# GitHub: the type takes the body's action; a wrong secret is a 401.
printf '{"action":"opened","issue":{"number":12}}' >"$T/gh.json"
cgi POST /github "" "$T/gh.json" HTTP_X_GITHUB_EVENT=issues HTTP_X_GITHUB_DELIVERY=gh-del-1 \
	HTTP_X_HUB_SIGNATURE_256="sha256=$(hmac_hex "$GITHUB_SECRET" <"$T/gh.json")"
expect "github issues.opened accepted" 200 accepted
GH_KEY=sha256:$({ printf 'issues.opened\n'; cat "$T/gh.json"; } | sha256sum | cut -c1-64)
check "github type has the action, key the type and signed body, resource the number" \
	"issues.opened|$GH_KEY|12|github|github" "$(row "${A_ID:-0}")"
# The delivery id is outside the signature: a captured request re-sent
# under another one is the same event, and runs no hook again.
cgi POST /github "" "$T/gh.json" HTTP_X_GITHUB_EVENT=issues HTTP_X_GITHUB_DELIVERY=gh-del-9 \
	HTTP_X_HUB_SIGNATURE_256="sha256=$(hmac_hex "$GITHUB_SECRET" <"$T/gh.json")"
expect "github the same signed body under another delivery id is a duplicate" 200 duplicate
cgi POST /github "" "$T/gh.json" HTTP_X_GITHUB_EVENT=issues HTTP_X_GITHUB_DELIVERY=gh-del-2 \
	HTTP_X_HUB_SIGNATURE_256="sha256=$(hmac_hex wrong-secret <"$T/gh.json")"
expect "github wrong signature is 401" 401 rejected; no_store "github wrong signature"

# Mollie: a classic request without the token is a 401; a next-gen one
# with a wrong signature too; to a secret-only endpoint, an unsigned
# classic request has nothing to prove it.
cgi POST /mollie "" "$FIXTURES/mollie-payment.form" CONTENT_TYPE=application/x-www-form-urlencoded
expect "mollie classic without the token is 401" 401 rejected
f=$FIXTURES/mollie-payment-link.paid.json
cgi POST "/mollie/$TOK_MOLLIE" "" "$f" HTTP_X_MOLLIE_SIGNATURE=sha256=00
expect "mollie next-gen wrong signature is 401" 401 rejected; no_store "mollie wrong signature"
cgi POST /molliesig "" "$FIXTURES/mollie-payment.form" CONTENT_TYPE=application/x-www-form-urlencoded
expect "mollie classic to a secret-only endpoint is 401" 401 rejected
header_vars "${f%.*}.headers"
cgi POST /molliesig "" "$f" "${HV[@]}"
expect "mollie next-gen to a secret-only endpoint accepted" 200 accepted

# A signed event with no type: stored as <provider>.untyped.
printf '{"id":"evt_untyped_1","data":{"object":{"id":"x"}}}' >"$T/untyped.json"
cgi POST /stripe "" "$T/untyped.json" HTTP_STRIPE_SIGNATURE="$(stripe_sig "$T/untyped.json")"
expect "stripe signed event without a type accepted" 200 accepted
check "stripe event without a type is stripe.untyped" "stripe.untyped|evt_untyped_1" \
	"$(sql "SELECT event_type || '|' || event_key FROM events WHERE id = ${A_ID:-0}")"

# ---- 3. the answers table (README.md, "Answers") ----

printf '{"type":"orders","order_id":"T-1"}' >"$T/order1.json"
printf '{"type":"orders","order_id":"T-2"}' >"$T/order2.json"
printf '{"type":"orders","order_id":"T-3"}' >"$T/order3.json"

printf '{"type":"orders", order_id: T-9' >"$T/bad.json"
cgi POST "/catalog/$TOK_CATALOG" "" "$T/bad.json"
expect "400 invalid JSON" 400 rejected
printf '{"type":"orders","total":5}' >"$T/noid.json"
cgi POST "/catalog/$TOK_CATALOG" "" "$T/noid.json"
expect "400 required field missing" 400 rejected
check_match "400 names the missing field" order_id "$A_ERROR"
cgi POST "/catalog/$TOK_CATALOG" "" "$T/order1.json" CONTENT_LENGTH=$(( $(wc -c <"$T/order1.json") + 10 ))
expect "400 body shorter than CONTENT_LENGTH" 400 rejected
check "short body stored nothing" 0 "$(sql "SELECT count(*) FROM events WHERE event_key = 'T-1'")"

# Refused while the request itself is read: still a 400 with a reject
# row, and the row still says who sent it.
cgi GET "/shop/$TOK_SHOP" "event_type=order.new&order_id=1&pad=$(printf '%08200d' 0)" -
expect "400 query string over 8192 bytes" 400 rejected
check "400 long query keeps the sender's address in rejects" 127.0.0.1 \
	"$(sql 'SELECT remote_addr FROM rejects ORDER BY id DESC LIMIT 1')"
cgi POST "/catalog/$TOK_CATALOG" "" "$T/order1.json" HTTP_X_EVIL=$'a\r\nSet-Cookie: x=1'
expect "400 header value with a line break" 400 rejected
check "400 line break never reaches the answer headers" "" "$(grep -i '^Set-Cookie' <<<"$HDRS")"

cgi POST /catalog "" "$T/order1.json"
expect "401 missing token" 401 rejected
cgi POST /catalog/wrong-token "" "$T/order1.json"
expect "401 wrong token" 401 rejected
cgi POST /catalog "token=wrong" "$T/order1.json"
expect "401 wrong token as ?token=" 401 rejected
cgi POST /catalog "token=$TOK_CATALOG" "$T/order1.json"
expect "token as ?token= query parameter accepted" 200 accepted
check "?token= is not stored in the query" "" "$(sql "SELECT query FROM events WHERE id = ${A_ID:-0}")"
cgi POST /reflow "" "$FIXTURES/reflow-order.created.json" HTTP_SIGNATURE=0000000000000000000000000000000000000000000000000000000000000000
expect "401 bad signature" 401 rejected
cgi POST /reflow "" "$FIXTURES/reflow-order.created.json"
expect "401 missing signature" 401 rejected

cgi POST /nowhere/x "" "$T/order2.json"
expect "404 unknown endpoint" 404 rejected
cgi POST / "" "$T/order2.json"
expect "404 no endpoint" 404 rejected
cgi POST "" "" "$T/order2.json"
expect "404 empty path" 404 rejected
cgi POST "/catalog/$TOK_CATALOG/extra" "" "$T/order2.json"
expect "404 extra path segments" 404 rejected

cgi GET "/catalog/$TOK_CATALOG" "" -
expect "405 GET to flipsnack" 405 rejected
check_match "405 GET to flipsnack has Allow: POST" $'(^|\n)Allow: POST($|\n)' "$HDRS"
cgi PUT "/shop/$TOK_SHOP" "event_type=order.new&order_id=1" -
expect "405 PUT to quickbutik" 405 rejected
check_match "405 PUT to quickbutik has Allow with GET and POST" \
	$'(^|\n)Allow: GET, POST($|\n)' "$HDRS"

# HTTP requires Allow on every 405, whatever the method was.
cgi PROPFIND-AND-THEN-SOME "/catalog/$TOK_CATALOG" "" -
expect "405 overlong method" 405 rejected
check_match "405 overlong method has Allow" $'(^|\n)Allow: [A-Z]' "$HDRS"

# 413: decided from CONTENT_LENGTH alone. No body is sent: had the binary
# tried to read it, it would have found none and answered 400 instead.
CONF=$T/small.conf
cgi POST "/catalog/$TOK_CATALOG" "" - CONTENT_LENGTH=4096 CONTENT_TYPE=application/json
expect "413 CONTENT_LENGTH over max_body_bytes, body never read" 413 rejected
cgi POST "/catalog/$TOK_CATALOG" "" - CONTENT_LENGTH=99999999999999999999999 CONTENT_TYPE=application/json
expect "413 CONTENT_LENGTH too large to count" 413 rejected
CONF=$T/main.conf

# 503: a database that cannot be opened (a folder that does not exist;
# as root a read-only folder would still be writable).
CONF=$T/nodb.conf DB=$T/no-such-dir/sub/hookbox.db
cgi POST "/catalog/$TOK_CATALOG" "" "$T/order2.json"
expect "503 database cannot be opened" 503 unavailable
check_match "503 has Retry-After" $'(^|\n)Retry-After: [0-9]+($|\n)' "$HDRS"
check "503 did not create the database folder" no "$([ -e "$T/no-such-dir" ] && echo yes || echo no)"
CONF=$T/main.conf DB=$MAIN_DB

# 503: no config at all (a config that does not load).
printf '{ "database": ' >"$T/broken.conf"
CONF=$T/broken.conf DB=$T/none.db
cgi POST "/catalog/$TOK_CATALOG" "" "$T/order2.json"
expect "503 config does not load" 503 unavailable
check_match "503 config has Retry-After" $'(^|\n)Retry-After: [0-9]+($|\n)' "$HDRS"
CONF=$T/main.conf DB=$MAIN_DB

# 503: the store is busy past busy_timeout_ms. Another connection holds
# the write lock until told to let go; it says "locked" once it holds it.
coproc LOCK { python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
c.execute("ROLLBACK")
' "$MAIN_DB"; }
read -r locked <&"${LOCK[0]}"
if [ "${locked:-}" != locked ]; then
	fail "503 store busy" "could not take the write lock with python3's sqlite3"
else
	events_before=$(sql 'SELECT count(*) FROM events')
	cgi POST "/catalog/$TOK_CATALOG" "" "$T/order2.json"
	expect "503 store busy past busy_timeout_ms" 503 unavailable
	check_match "503 busy has Retry-After" $'(^|\n)Retry-After: [0-9]+($|\n)' "$HDRS"
	check "503 busy stored nothing" "$events_before" "$(sql 'SELECT count(*) FROM events')"
	echo >&"${LOCK[1]}"
fi
wait "$LOCK_PID" 2>/dev/null
cgi POST "/catalog/$TOK_CATALOG" "" "$T/order2.json"
expect "after the lock is released the same request is accepted" 200 accepted

# Every 4xx above is counted in `rejects`, and only those (a row stands
# for each refusal of its cause, address and second).
check "rejects counts one refusal per 4xx answer" "$n4xx" "$(sql 'SELECT sum(count) FROM rejects')"
check "rejects keep the reason" 0 "$(sql "SELECT count(*) FROM rejects WHERE reason = ''")"
check "rejects keep the address of a wrong token" 127.0.0.1 \
	"$(sql "SELECT DISTINCT remote_addr FROM rejects WHERE status = 401")"
check "no reject row holds a token or secret" 0 \
	"$(sql "SELECT count(*) FROM rejects WHERE reason LIKE '%$TOK_CATALOG%' OR endpoint LIKE '%$TOK_CATALOG%'")"

# What is stored for the owner to read never holds a token or a secret
# (X-Verify-Token is a header; ?token= is in the query).
leaks=""
for s in "${SECRETS[@]}"; do
	n=$(sql "SELECT count(*) FROM events WHERE instr(headers, '$s') OR instr(query, '$s')")
	[ "$n" = 0 ] || leaks="$leaks $s"
done
check "stored headers and queries hold no token or secret" "" "$leaks"
check_match "stored headers keep the other headers" '"x-flipdish-event-type":"sale.created.v1"' \
	"$(sql "SELECT headers FROM events WHERE endpoint = 'fdv3' LIMIT 1")"

# A header that carries a credential is kept as "[redacted]": its presence
# visible, its value gone. Headers that only describe the event stay.
printf '{"type":"orders","order_id":"T-creds"}' >"$T/creds.json"
cgi POST "/catalog/$TOK_CATALOG" "" "$T/creds.json" \
	HTTP_X_API_KEY=k-apikey-1 HTTP_X_SHOP_APIKEY=k-apikey-2 \
	HTTP_PROXY_AUTHORIZATION="Basic cHJveHk6cHc=" HTTP_X_AUTH_TOKEN=k-auth-3 \
	HTTP_X_SHOPIFY_HMAC_SHA256=k-hmac-4 HTTP_STRIPE_SIGNATURE="t=1,v1=k-sig-5" \
	HTTP_WEBHOOK_SIGNATURE="v1,k-sig-6" HTTP_X_HUB_SIGNATURE_256=sha256=k-sig-7 \
	HTTP_X_WC_WEBHOOK_SIGNATURE=k-sig-8 HTTP_X_FLIPDISH_SIGNATURE=k-sig-9 \
	HTTP_X_PASSWORD=k-pw-10 HTTP_SET_COOKIE="s=k-cookie-11" \
	HTTP_X_FLIPDISH_EVENT_TYPE=order.created HTTP_WEBHOOK_ID=msg_kept \
	HTTP_USER_AGENT=kept-agent/1.0
expect "an order with credential headers is accepted" 200 accepted
check "stored headers: every credential value redacted, its name kept, the rest in clear" ok \
	"$(sql "SELECT headers FROM events WHERE id = $A_ID" | python3 -c '
import json, sys
h = json.load(sys.stdin)
secret = ["x-api-key", "x-shop-apikey", "proxy-authorization", "x-auth-token",
    "x-shopify-hmac-sha256", "stripe-signature", "webhook-signature",
    "x-hub-signature-256", "x-wc-webhook-signature", "x-flipdish-signature",
    "x-password", "set-cookie"]
kept = {"x-flipdish-event-type": "order.created", "webhook-id": "msg_kept",
    "user-agent": "kept-agent/1.0"}
bad = [n for n in secret if h.get(n) != "[redacted]"]
bad += [n for n, v in kept.items() if h.get(n) != v]
bad += [n for n, v in h.items() if "k-" in v and n not in kept]
print("ok" if not bad else "wrong: " + " ".join(sorted(set(bad))))
')"

# A header value (and a name) that is not UTF-8 is stored as valid JSON,
# each byte that starts no UTF-8 sequence replaced by U+FFFD
# (hb_json_string in serve.c's headers_json): any JSON reader can read it.
printf '{"type":"orders","order_id":"T-utf8"}' >"$T/utf8.json"
cgi POST "/catalog/$TOK_CATALOG" "" "$T/utf8.json" HTTP_X_NOTE=$'a\xff\xfeb' \
	HTTP_X_$'\xc3'=v
expect "a header value that is not UTF-8 is accepted" 200 accepted
check "stored headers that were not UTF-8 are valid JSON, each bad byte U+FFFD" ok \
	"$(sqlite3 "$DB" "SELECT headers FROM events WHERE id = $A_ID" | python3 -c '
import json, sys
raw = sys.stdin.buffer.read()
h = json.loads(raw.decode("utf-8"))     # strict: invalid UTF-8 raises
ok = h.get("x-note") == "a\ufffd\ufffdb" and h.get("x-\ufffd") == "v"
print("ok" if ok else "wrong: %r" % h)
' 2>&1)"

# ---- 4. the CLI on the same database ----

# cli ARGS...: the binary as a command, not as CGI. Its stderr is passed
# on, and kept to look for sanitizer reports at the end.
cli() {
	local rc
	env -i PATH="$PATH" HOOKBOX_CONF="$CONF" "${SAN_ENV[@]}" \
		"$HOOKBOX" "$@" </dev/null 2>"$T/cli.err"
	rc=$?
	cat "$T/cli.err" >&2
	cat "$T/cli.err" >>"$T/cli-all.err"
	return $rc
}
: >"$T/cli-all.err"

out=$(cli check 2>&1); rc=$?
check "check exits 0 for a good config" 0 "$rc"
missing=""
for ep in "catalog/$TOK_CATALOG" "leads/$TOK_LEADS" fdv3 fdlegacy reflow \
	"shop/$TOK_SHOP" "burst/$TOK_SHOP" std; do
	grep -q -- "/$ep\$" <<<"$out" || missing="$missing /$ep"
done
check "check prints each endpoint's URL path" "" "$missing"

sed 's/"provider": "flipsnack",/"provider": "flipsnack", "colour": "red",/' \
	"$T/main.conf" >"$T/badkey.conf"
out=$(CONF=$T/badkey.conf cli check 2>&1); rc=$?
check "check exits non-zero for an unknown key" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"
check_match "check names the unknown key" "endpoints\.catalog\.colour" "$out"

# Issue 24: an endpoint nothing proves is a config error naming it,
# unless it says "proof": "none", which check warns about and explains.
sed 's/"shop":     { "provider": "quickbutik", "token": "[^"]*" }/"shop": { "provider": "quickbutik" }/' \
	"$T/main.conf" >"$T/open.conf"
out=$(CONF=$T/open.conf cli check 2>&1); rc=$?
check "check exits non-zero for an endpoint with no proof" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"
check_match "check names the open endpoint and says why" \
	"endpoints\.shop: has no proof at all: anyone who learns its URL can store events and run its hooks" "$out"
sed 's/"shop":     { "provider": "quickbutik", "token": "[^"]*" }/"shop": { "provider": "quickbutik", "proof": "none" }/' \
	"$T/main.conf" >"$T/open.conf"
out=$(CONF=$T/open.conf cli check 2>&1); rc=$?
check "check exits 0 for \"proof\": \"none\"" 0 "$rc"
check_match "check warns what \"proof\": \"none\" allows" \
	'warning: endpoint shop has "proof": "none": anyone who learns its URL .* can store events in it and run its hooks' "$out"

# Issue 22: a secret that can make no key is a config error that check
# names, and the receiver answers 503 until it is fixed.
for bad in 'stripe|"secret": "whsec_"' 'std|"secret": "whsec_!!not-base64!!"' \
	"stripe|\"secret\": \"$STD_PK\""; do
	ep=${bad%%|*} kv=${bad#*|}
	sed "s#^\(    \"$ep\": *{ \"provider\": \"[a-z]*\", *\)\"secret\": \"[^\"]*\"#\1$kv#" \
		"$T/main.conf" >"$T/badsecret.conf"
	out=$(CONF=$T/badsecret.conf cli check 2>&1); rc=$?
	check "check exits non-zero for $kv on $ep" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"
	check_match "check names endpoints.$ep.secret ($kv)" "endpoints\.$ep\.secret: " "$out"
	CONF=$T/badsecret.conf DB=$T/badsecret.db
	cgi POST /woo "" "$FIXTURES/woocommerce-order.created.json"
	expect "$kv on $ep: the receiver answers 503" 503 unavailable
	CONF=$T/main.conf DB=$MAIN_DB
done
sed "s#\"secret\": \"$GITHUB_SECRET\"#\"secret\": \"short-secret\"#" "$T/main.conf" >"$T/short.conf"
out=$(CONF=$T/short.conf cli check 2>&1); rc=$?
check "check exits 0 for a short secret" 0 "$rc"
check_match "check warns about a secret under 24 bytes" \
	"warning: endpoint github: the secret is 12 bytes, shorter than 24" "$out"

out=$(cli list 2>&1); rc=$?
check "list exits 0" 0 "$rc"
check_match "list shows events" "6a1f0c2e9b7d4e55" "$out"

cli list --json --limit 1000 >"$T/list.json" 2>"$T/list.err"; rc=$?
check "list --json exits 0" 0 "$rc"
check "list --json prints one JSON object per event" \
	"$(sql 'SELECT count(*) FROM events')" \
	"$(python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert isinstance(o, dict) and "id" in o and "event_type" in o
    n += 1
print(n)' "$T/list.json" 2>&1)"

cli list --json --endpoint catalog --type order >"$T/filtered.json" 2>&1
check "list --endpoint catalog --type order filters" \
	"$(sql "SELECT count(*) FROM events WHERE endpoint = 'catalog' AND event_type = 'order'")|ok" \
	"$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ok = all(r["endpoint"] == "catalog" and r["event_type"] == "order" for r in rows)
print("%d|%s" % (len(rows), "ok" if ok else "other rows"))' "$T/filtered.json" 2>&1)"
cli list --json --type order.* >"$T/family.json" 2>&1
check "list --type order.* lists the family" \
	"$(sql "SELECT count(*) FROM events WHERE event_type LIKE 'order.%'")" \
	"$(grep -c . "$T/family.json")"

id=$(sql "SELECT id FROM events WHERE event_key = '6a1f0c2e9b7d4e55'")
cli show "$id" >"$T/show.out" 2>&1; rc=$?
check "show exits 0" 0 "$rc"
check "show prints the body" yes "$(python3 -c '
import sys
print("yes" if open(sys.argv[2], "rb").read() in open(sys.argv[1], "rb").read() else "no")
' "$T/show.out" "$FIXTURES/flipsnack-orders.json")"
cli show 999999 >/dev/null 2>&1; rc=$?
check "show of a missing id exits non-zero" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"

out=$(cli rejects 2>&1); rc=$?
check "rejects exits 0" 0 "$rc"
check_match "rejects lists refusals" "401 +catalog" "$out"
check_match "rejects lists 404s with the endpoint asked for" "404 +nowhere" "$out"

# simulate, on a fresh database.
CONF=$T/sim.conf DB=$T/sim.db
out=$(cli simulate catalog "$FIXTURES/flipsnack-orders.json" 2>&1)
check_match "simulate on a fresh database accepts" '^200 \{"status":"accepted","id":[0-9]+\}$' "$out"
out=$(cli simulate catalog "$FIXTURES/flipsnack-orders.json" 2>&1)
check_match "simulate again is a duplicate" '^200 \{"status":"duplicate","id":[0-9]+\}$' "$out"
out=$(cli simulate reflow "$FIXTURES/reflow-order.created.json" 2>&1)
check_match "simulate signs reflow itself" '^200 \{"status":"accepted"' "$out"
out=$(cli simulate reflow "$FIXTURES/reflow-products.changed.json" --unsigned 2>&1); rc=$?
check_match "simulate --unsigned reflow is 401" '^401 \{"status":"rejected","error":' "$out"
check "simulate --unsigned exits non-zero" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"
out=$(cli simulate fdv3 "$FIXTURES/flipdish-sale.created.v1.json" 2>&1)
check_match "simulate signs flipdish v3 itself" '^200 \{"status":"accepted"' "$out"
out=$(cli simulate std "$T/std.json" 2>&1)
check_match "simulate signs standard webhooks itself" '^200 \{"status":"accepted"' "$out"

# simulate signs for every preset (its row's sign), Stripe and Paddle at
# the fixture's --now, Square with its notification_url.
for f in woocommerce-order.created.json shopify-orders-create.json \
	square-payment.updated.json github-push.json mollie-payment-link.paid.json \
	stripe-payment_intent.succeeded.json paddle-transaction.completed.json; do
	ep=${f%%-*}
	case $ep in woocommerce) ep=woo ;; mollie) ep=molliesig ;; esac
	now=$(fnote "${f%.json}" now)
	out=$(cli simulate $ep "$FIXTURES/$f" ${now:+--now "$now"} 2>&1)
	check_match "simulate signs $ep itself" '^200 \{"status":"accepted"' "$out"
	out=$(cli simulate $ep "$FIXTURES/$f" ${now:+--now "$now"} --unsigned 2>&1)
	check_match "simulate --unsigned $ep is 401" '^401 \{"status":"rejected"' "$out"
done
out=$(cli simulate woo "$FIXTURES/woocommerce-ping.form" --unsigned 2>&1)
check "simulate of WooCommerce's ping" '200 {"status":"ping"}' "$out"
out=$(cli simulate stripe "$FIXTURES/stripe-payment_intent.succeeded.json" 2>&1)
check_match "simulate stripe at the real clock is another event's time, still signed" \
	'^200 \{"status":"duplicate"' "$out"

# Dedupe windows at chosen times (simulate --now): id-less Quickbutik
# product signals are duplicates within dedupe_window (300 s) only.
q=$FIXTURES/quickbutik-product.update.query
out=$(cli simulate shop "$q" --now 1700000000 2>&1)
check_match "window: first product.update accepted" '^200 \{"status":"accepted"' "$out"
out=$(cli simulate shop "$q" --now 1700000299 2>&1)
check_match "window: 299 s later is a duplicate" '^200 \{"status":"duplicate"' "$out"
out=$(cli simulate shop "$q" --now 1700000300 2>&1)
check_match "window: 300 s later is a new event" '^200 \{"status":"accepted"' "$out"
out=$(cli simulate burst "$q" --now 1700000000 2>&1)
check_match "window 0: first accepted" '^200 \{"status":"accepted"' "$out"
out=$(cli simulate burst "$q" --now 1700000001 2>&1)
check_match "window 0: a repeat 1 s later is a new event" '^200 \{"status":"accepted"' "$out"
out=$(cli simulate burst "$q" --now 1700000001 2>&1)
check_match "window 0: a repeat in the same second is a new event" '^200 \{"status":"accepted"' "$out"
CONF=$T/main.conf DB=$MAIN_DB

# Through CGI too: two product.update within the window (the tests take
# far less than 300 s) are one event.
cgi GET "/shop/$TOK_SHOP" "event_type=product.update&product_id=4242" -
expect "quickbutik product.update via CGI" 200 accepted
first=$A_ID
cgi GET "/shop/$TOK_SHOP" "event_type=product.update&product_id=4242" -
expect "quickbutik product.update again within the window" 200 duplicate
check "quickbutik product.update duplicate has the same id" "$first" "$A_ID"

check "CLI runs had no sanitizer report" "" \
	"$(grep -m1 -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error:' "$T/cli-all.err")"

[ "$FAILURES" -eq 0 ]
