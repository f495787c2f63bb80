#!/usr/bin/env bash
# `make run`: serves the receiver on 127.0.0.1:8080 behind a real lighttpd
# (mod_fastcgi) with conf/demo.conf, its data in data/ (ignored by git),
# prints each endpoint's URL, and stops cleanly on Ctrl-C.
set -u
. "$(dirname "$0")/lib/common.sh"
. "$TOP/tests/lib/servers.sh"

server_require || exit 1
DATA=$TOP/data
CONF=$TOP/conf/demo.conf
PORT=${PORT:-8080}
mkdir -p "$DATA/hooks" "$DATA/server"
chmod 700 "$DATA"
install -m 0755 "$TOP/conf/hooks/save-order.sh" "$DATA/hooks/save-order.sh"
HOOKBOX_CONF=$CONF "$HOOKBOX" init >/dev/null || exit 1
# The inbox's password: made up on the first run and printed once.
INBOX_PW=
if ! HOOKBOX_CONF=$CONF "$HOOKBOX" passwd --check >/dev/null 2>&1; then
	INBOX_PW=$(head -c 15 /dev/urandom | base64 | tr '+/' '-_')
	printf '%s\n' "$INBOX_PW" | HOOKBOX_CONF=$CONF "$HOOKBOX" passwd >/dev/null || exit 1
fi

# Runs as whoever runs `make run`: the checkout may not be reachable by a
# system user such as www-data.
rm -rf "$DATA/server" && mkdir -p "$DATA/server"
SERVER_USER= SERVER_PORT=$PORT server_start lighttpd-fastcgi "$DATA/server" "$HOOKBOX" "$CONF" ||
	{ echo "could not start lighttpd on 127.0.0.1:$PORT (is the port taken?)" >&2; exit 1; }
trap 'echo; echo stopping; server_stop; exit 0' INT TERM

cat <<EOT

hookbox is serving on $SERVER_URL (lighttpd + FastCGI), config $CONF
data in $DATA (database, orders saved by the demo hook in data/orders)

endpoints:
EOT
HOOKBOX_CONF=$CONF "$HOOKBOX" check | sed -n "s#^endpoint \([^ ]*\) (\([^)]*\)): <script URL>\(.*\)#  \2\t$SERVER_URL\3#p" | expand -t 14
echo
echo "inbox:        $SERVER_URL/_inbox"
if [ -n "$INBOX_PW" ]; then
	echo "  password:   $INBOX_PW   (shown this once; change it: HOOKBOX_CONF=conf/demo.conf cgi-bin/hookbox.fcgi passwd)"
else
	echo "  password:   the one set earlier (a new one: HOOKBOX_CONF=conf/demo.conf cgi-bin/hookbox.fcgi passwd)"
fi
cat <<EOT

try:
  curl --data-binary @tests/fixtures/flipsnack-orders.json $SERVER_URL/catalog/demo-catalog-token-0123456789
  HOOKBOX_CONF=conf/demo.conf cgi-bin/hookbox.fcgi list

Ctrl-C stops the server. Server log: $SERVER_LOG
EOT
while kill -0 "$SERVER_PID" 2>/dev/null; do
	sleep 1 &
	wait $!
done
echo "lighttpd stopped; see $SERVER_LOG"
server_stop
