#!/bin/sh
# Hook for Mollie payments (the endpoint "mollie", commented out in the
# hookbox.conf that install.sh writes until you turn it on; every event
# type: "*"). hookbox runs it in this folder once per call, after Mollie
# has had its answer, and retries it until it exits 0.
#
# stdin: what Mollie sent. A Mollie webhook carries no payment, only its id,
# as a form:
#   id=tr_5B8cwPMGnU6qLbRvo7qEZo
# Mollie calls again with the same id each time the payment changes (paid,
# failed, expired, canceled, refunded, charged back), so the only way to
# learn what happened is to ask Mollie's API, with your API key.
# environment: HOOKBOX_EVENT_TYPE is "payment" for a tr_… id ("order" for
# an ord_… id of Mollie's Orders API); HOOKBOX_RESOURCE_ID is the id.
# Mollie's next-gen webhooks (beta) post a signed JSON event instead; this
# hook keeps those as they came.
# Webhooks: https://docs.mollie.com/reference/webhooks
#
# Before you turn it on: put your Mollie API key (live_… or test_…, from
# Mollie's Dashboard: Developers > API keys) in ~/hookbox/conf/mollie-api-key,
# readable only by you:
#   (umask 077 && printf '%s\n' 'live_YOUR-KEY' > ~/hookbox/conf/mollie-api-key)
#
# As shipped it saves the payment as Mollie's API returns it, as
# ../orders/mollie-<id>.json (replaced at each change), and prints its
# status: `hookbox show ID` displays that line. Put your own handling where
# it says so below. Exit 0 when done, 65 to give up on this event for good;
# anything else is retried later (here: Mollie's API unreachable or busy,
# or no usable API key yet).
set -eu

case $HOOKBOX_EVENT_TYPE in
payment) api=payments ;;
order) api=orders ;;
*) exec ./save-order.sh ;; # a next-gen event: the body is the event
esac

id=$HOOKBOX_RESOURCE_ID
case $id in
'' | *[!A-Za-z0-9_]*)
	echo "not a Mollie id: $id"
	exit 65
	;;
esac

keyfile=../conf/mollie-api-key
key=
[ ! -r "$keyfile" ] || key=$(head -n 1 "$keyfile" | tr -d '[:space:]')
case $key in
live_* | test_*) ;;
*)
	echo "no Mollie API key (live_… or test_…) in $keyfile: see the top of $0" >&2
	exit 75 # retried: once the file is there, the next attempt works
	;;
esac
case $key in
*[!A-Za-z0-9_]*)
	echo "$keyfile holds something other than a Mollie API key" >&2
	exit 75
	;;
esac
command -v curl >/dev/null 2>&1 || {
	echo "this hook needs curl" >&2
	exit 75
}

mkdir -p ../orders
file=../orders/mollie-$id.json
tmp=$file.tmp
# The key goes to curl on its standard input (-K -), not on its command
# line, where other users of a shared host could read it.
rc=0
code=$(curl -sS --max-time 20 --proto =https -o "$tmp" -w '%{http_code}' -K - \
	"https://api.mollie.com/v2/$api/$id" <<CURLCONF
header = "Authorization: Bearer $key"
CURLCONF
) || rc=$?
if [ "$rc" -ne 0 ]; then
	rm -f "$tmp"
	echo "Mollie's API did not answer (curl exit $rc); trying again later" >&2
	exit 75
fi
case $code in
200) ;;
404 | 410)
	rm -f "$tmp"
	echo "Mollie knows no $api/$id (HTTP $code): nothing to do"
	exit 65
	;;
401 | 403)
	rm -f "$tmp"
	echo "Mollie refused the API key in $keyfile (HTTP $code); fix it, this is retried" >&2
	exit 75
	;;
*)
	rm -f "$tmp"
	echo "Mollie's API answered HTTP $code; trying again later" >&2
	exit 75
	;;
esac
mv "$tmp" "$file"

# The first "status" in the answer: the payment's own (open, pending,
# authorized, paid, canceled, expired, failed), unless your shop put a
# field named "status" in the payment's metadata.
status=$(grep -o '"status" *: *"[a-z_]*"' "$file" | head -n 1 | sed 's/.*"\([a-z_]*\)"$/\1/')

case $status in
paid)
	# Your handling of a paid payment goes here (mark the order paid,
	# send the goods). A refund or chargeback calls again with the same
	# id: the payment stays "paid" and its "amountRefunded" grows.
	;;
canceled | expired | failed)
	# A payment that will never be paid: release the order here.
	;;
esac
echo "saved $api/$id (status ${status:-unknown}) to $file"
