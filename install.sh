#!/bin/sh
# install.sh: installs hookbox into a web host's cgi-bin, as the ordinary
# user who owns the web site. Run it again to upgrade; --uninstall removes
# it and keeps the data. See "Install on a web host" in README.md.
#
#   ./install.sh [--cgi-bin DIR] [--home DIR] [--docroot DIR] [--binary FILE]
#                [--url URL] [--email ADDR] [--uninstall]
#
# What it does (every step is safe to repeat):
#  1. puts the program into the cgi-bin as hookbox.fcgi (mode 755): FILE
#     with --binary; else a fresh `make` when a compiler and the libraries
#     are here; else cgi-bin/hookbox-static.fcgi beside this script. The
#     copy is made under a temporary name and renamed, so the web server
#     never runs a half-written file.
#  2. writes HOME/conf/hookbox.conf (mode 600), only if it does not exist:
#     one endpoint per platform, each with a fresh random token, and hooks
#     that run the examples in HOME/hooks. An existing config is never
#     changed, so the tokens (and the URLs pasted into the platforms) stay.
#  3. creates HOME/data (700) and copies the example hooks into HOME/hooks,
#     never overwriting a file that is there.
#  4. writes (or replaces) the block between "# BEGIN hookbox" and
#     "# END hookbox" in the cgi-bin's .htaccess; other lines are untouched.
#  5. runs `hookbox init` (creates or upgrades the database) and `hookbox
#     check`, then prints the URL to paste into each platform.
#  6. gives the inbox (<script URL>/_inbox) a password if it has none:
#     typed on a terminal, else made up and printed once; prints its URL.
#
# Nothing secret goes inside the document root: HOME (config, database,
# hooks, saved orders) must be outside it, and install.sh refuses otherwise.
set -eu

me=install.sh
SRC=$(cd "$(dirname "$0")" && pwd -P)

usage() {
	cat <<EOF
usage: ./$me [options]
  --cgi-bin DIR   the cgi-bin to install into (default: ~/public_html/cgi-bin)
  --home DIR      config, database, hooks and saved orders, outside the web
                  root (default: ~/hookbox)
  --docroot DIR   the web site's document root (default: the folder holding
                  the cgi-bin); HOME must not be inside it
  --binary FILE   install this program instead of building one
  --url URL       the program's public URL, to print complete webhook URLs
                  (e.g. https://shop.example/cgi-bin/hookbox.fcgi)
  --email ADDR    where notices go (a dead hook, refused requests, a failing
                  store); asked for on a terminal when the config is new,
                  "--email ''" asks nothing and sends none
  --uninstall     remove the program and the .htaccess block; keep HOME
EOF
}

die() {
	printf '%s: %s\n' "$me" "$*" >&2
	exit 1
}

say() {
	printf '%s\n' "$*"
}

# abspath PATH: PATH made absolute, its existing part with symlinks
# resolved (so that "inside the document root" compares real locations).
abspath() {
	_p=$1 _rest=
	case $_p in /*) ;; *) _p=$PWD/$_p ;; esac
	while [ "$_p" != / ] && [ "${_p%/}" != "$_p" ]; do _p=${_p%/}; done
	while [ ! -d "$_p" ]; do
		_rest=/${_p##*/}$_rest
		_p=${_p%/*}
		[ -n "$_p" ] || _p=/
	done
	_p=$(cd "$_p" && pwd -P) || return 1
	printf '%s%s\n' "${_p%/}" "$_rest"
}

# q WORD: WORD quoted for a shell command line, when it needs to be.
q() {
	case $1 in
	*[!A-Za-z0-9_./:=@%+,~-]*) printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
	*) printf '%s' "$1" ;;
	esac
}

# inside PATH DIR: PATH is DIR or below it.
inside() {
	case $1 in "$2" | "$2"/*) return 0 ;; esac
	return 1
}

# tilde VALUE: "~/x" from an --opt=~/x argument (the shell leaves it alone).
tilde() {
	# shellcheck disable=SC2088  # a literal "~" is what is looked for
	case $1 in
	"~") printf '%s\n' "$HOME" ;;
	"~/"*) printf '%s/%s\n' "$HOME" "${1#"~/"}" ;;
	*) printf '%s\n' "$1" ;;
	esac
}

cgibin='' home='' docroot='' binary='' url='' uninstall=0 email='' email_set=0
while [ $# -gt 0 ]; do
	opt=$1
	case $opt in
	--*=*) val=$(tilde "${opt#*=}"); opt=${opt%%=*}; shift ;;
	--cgi-bin | --home | --docroot | --binary | --url | --email)
		[ $# -ge 2 ] || die "$opt needs a value"
		val=$2; shift 2 ;;
	*) val=; shift ;;
	esac
	case $opt in
	--cgi-bin) cgibin=$val ;;
	--home) home=$val ;;
	--docroot) docroot=$val ;;
	--binary) binary=$val ;;
	--url) url=$val ;;
	--email) email=$val; email_set=1 ;;
	--uninstall) uninstall=1 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown option: $opt" ;;
	esac
done

if [ "$(id -u)" -eq 0 ]; then
	die "run me as the account that owns the web site, not as root: hookbox runs as that account (as CGI programs do on shared hosts), and its config and data must belong to it"
fi
[ -n "${HOME:-}" ] || die "HOME is not set"

CGIBIN=$(abspath "${cgibin:-$HOME/public_html/cgi-bin}")
HB=$(abspath "${home:-$HOME/hookbox}")
DOCROOT=$(abspath "${docroot:-${CGIBIN%/*}}")
CONF=$HB/conf/hookbox.conf
PROG=$CGIBIN/hookbox.fcgi
HTACCESS=$CGIBIN/.htaccess
BEGIN_MARK='# BEGIN hookbox'
END_MARK='# END hookbox'

# The paths go into .htaccess and a JSON config: keep them plain.
for p in "$CGIBIN" "$HB"; do
	case $p in
	*'"'* | *\\* | *'
'*) die "quotes, backslashes and newlines in paths are not supported: $p" ;;
	esac
done

# The URL goes into the config's comments (and the Square example's
# "notification_url"): one plain line.
case $url in
*[[:space:]]* | *\"* | *\\*) die "--url: quotes, backslashes and white space are not supported: $url" ;;
esac

# Temporary files, removed on exit. Those beside their destination (for
# an atomic mv) are in folders only this user can write to.
tmpfiles='' tmpn=0
cleanup() {
	for _f in $tmpfiles; do rm -f "$_f"; done
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# newtmp DIR: sets tmp to a fresh temporary name in DIR (the same file
# system as the file it will replace, so that mv is a rename).
newtmp() {
	tmpn=$((tmpn + 1))
	tmp="$1/.hookbox-install.$$.$tmpn"
	tmpfiles="$tmpfiles $tmp"
	rm -f "$tmp"
}

# The .htaccess without our block; with it when HB_BLOCK is set. The block
# replaces the old one where it was, or goes at the end.
htaccess_filter() {
	awk -v b="$BEGIN_MARK" -v e="$END_MARK" '
		{ line = $0; sub(/\r$/, "", line) }
		line == b { skip = 1; if (!done && ENVIRON["HB_BLOCK"] != "") print ENVIRON["HB_BLOCK"]; done = 1; next }
		skip && line == e { skip = 0; next }
		skip { next }
		{ print }
		END { if (!done && ENVIRON["HB_BLOCK"] != "") print ENVIRON["HB_BLOCK"] }' "$@"
}

# htaccess_check: every "# BEGIN hookbox" has its "# END hookbox", so
# that rewriting the block cannot take the user's lines with it.
htaccess_check() {
	if [ -f "$HTACCESS" ] && ! awk -v b="$BEGIN_MARK" -v e="$END_MARK" '
		{ sub(/\r$/, "") }
		$0 == b { if (open) { bad = 1; exit } open = 1 }
		$0 == e { if (!open) { bad = 1; exit } open = 0 }
		END { exit bad || open }' "$HTACCESS"; then
		die "$HTACCESS has a \"$BEGIN_MARK\" line without its \"$END_MARK\" (or the other way round); fix it by hand and run me again"
	fi
}

# htaccess_write: rewrites .htaccess through htaccess_filter, keeping its
# mode, replacing it in one rename. A missing file is created (mode 644:
# the web server reads it).
htaccess_write() {
	htaccess_check
	newtmp "$CGIBIN"
	if [ -f "$HTACCESS" ]; then
		cp -p "$HTACCESS" "$tmp"
		htaccess_filter "$HTACCESS" >"$tmp"
	else
		(umask 022 && htaccess_filter /dev/null >"$tmp")
	fi
	mv -f "$tmp" "$HTACCESS"
}

# ---- uninstall ----

if [ "$uninstall" -eq 1 ]; then
	if [ -e "$PROG" ]; then
		rm -f "$PROG"
		say "removed $PROG"
	else
		say "no $PROG (already removed)"
	fi
	if [ -f "$HTACCESS" ] && grep -q "^$BEGIN_MARK" "$HTACCESS"; then
		HB_BLOCK=
		export HB_BLOCK
		htaccess_write
		if ! grep -q '[^[:space:]]' "$HTACCESS"; then
			rm -f "$HTACCESS"
			say "removed $HTACCESS (only hookbox's block was in it)"
		else
			say "removed the hookbox block from $HTACCESS (your other lines are still there)"
		fi
	fi
	say ""
	say "Kept $HB: the config (your tokens), the database with every event, the"
	say "hooks and saved orders. Back the database up, then delete the folder"
	say "yourself if you no longer need it:"
	say "  sqlite3 $(q "$HB/data/hookbox.db") \".backup '\$HOME/hookbox-backup.db'\""
	say "  rm -rf $(q "$HB")"
	say "Also remove the hookbox line from your crontab if you added one (crontab -e)."
	exit 0
fi

# ---- checks before changing anything ----

for d in "$HB" "$HB/conf" "$HB/data" "$HB/hooks" "$HB/orders"; do
	if inside "$d" "$DOCROOT" || inside "$d" "$CGIBIN"; then
		die "$d would be inside the web site ($DOCROOT), where anyone could download the config and the orders. Choose a folder outside it with --home (the default is ~/hookbox), or pass the real document root with --docroot."
	fi
done
htaccess_check
[ -r /dev/urandom ] || die "cannot read /dev/urandom for the tokens"
[ -z "$binary" ] || [ -f "$binary" ] || die "--binary $binary: no such file"

# ---- 1. the program ----

# can_build: a compiler, make, pkg-config and the four libraries' headers
# (libfcgi, json-c, SQLite, libsodium).
can_build() {
	[ -f "$SRC/Makefile" ] && [ -d "$SRC/src" ] || return 1
	command -v make >/dev/null 2>&1 || return 1
	command -v "${CC:-cc}" >/dev/null 2>&1 || return 1
	command -v pkg-config >/dev/null 2>&1 || return 1
	pkg-config --exists fcgi json-c sqlite3 libsodium 2>/dev/null
}

from=
if [ -n "$binary" ]; then
	from=$binary
elif can_build; then
	say "building hookbox (make) in $SRC"
	log=$(mktemp "${TMPDIR:-/tmp}/hookbox-build.XXXXXX")
	tmpfiles="$tmpfiles $log"
	if make -C "$SRC" cgi-bin/hookbox.fcgi >"$log" 2>&1; then
		from=$SRC/cgi-bin/hookbox.fcgi
	else
		say "the build failed; its last lines:"
		tail -n 15 "$log" | sed 's/^/  /'
	fi
fi
if [ -z "$from" ]; then
	if [ -f "$SRC/cgi-bin/hookbox-static.fcgi" ]; then
		from=$SRC/cgi-bin/hookbox-static.fcgi
		say "using the static program $from"
	else
		die "no program to install: this machine cannot build hookbox (it needs cc, make, pkg-config and the development files of libfcgi, json-c, SQLite and libsodium), and there is no $SRC/cgi-bin/hookbox-static.fcgi. Build it on another Linux machine with \`make static\`, copy cgi-bin/hookbox-static.fcgi here, and run me again (or pass --binary FILE)."
	fi
fi

if [ ! -d "$CGIBIN" ]; then
	# The web server must be able to enter it.
	(umask 022 && mkdir -p "$CGIBIN")
	say "created $CGIBIN (if your host's cgi-bin is elsewhere, run me with --cgi-bin DIR)"
fi
newtmp "$CGIBIN"
cp "$from" "$tmp"
chmod 755 "$tmp"
if ! "$tmp" version </dev/null >/dev/null 2>&1; then
	die "$from does not run on this machine ($("$tmp" version </dev/null 2>&1 | head -n 1)). Use the static program: build it with \`make static\` and run me with --binary cgi-bin/hookbox-static.fcgi."
fi
verb=installed
[ -e "$PROG" ] && verb=replaced
mv -f "$tmp" "$PROG"
say "$verb $PROG ($("$PROG" version </dev/null), from $from)"

# ---- 2. and 3. HOME: config, data, hooks ----

umask 077
mkdir -p "$HB/conf" "$HB/data" "$HB/hooks"
chmod 700 "$HB/data"

# The example hooks: copied once, never overwritten.
copied='' kept=''
for f in "$SRC"/conf/hooks/*.sh "$SRC"/conf/hooks/*.php; do
	[ -f "$f" ] || continue
	dst=$HB/hooks/${f##*/}
	if [ -e "$dst" ]; then
		kept="$kept ${f##*/}"
	else
		newtmp "$HB/hooks"
		cp "$f" "$tmp"
		chmod 700 "$tmp"
		mv "$tmp" "$dst"
		copied="$copied ${f##*/}"
	fi
done
[ -z "$copied" ] || say "example hooks copied to $HB/hooks:$copied"
[ -z "$kept" ] || say "hooks already in $HB/hooks, left as they are:$kept"

# token: 24 random bytes, base64url without padding (32 characters).
token() {
	if command -v base64 >/dev/null 2>&1; then
		_t=$(dd if=/dev/urandom bs=24 count=1 2>/dev/null | base64 | tr '+/' '-_' | tr -d '=\n')
	else
		_t=$(dd if=/dev/urandom bs=24 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')
	fi
	case $_t in
	*[!A-Za-z0-9_-]* | '') die "could not make a random token" ;;
	esac
	[ ${#_t} -ge 32 ] || die "could not make a random token"
	printf '%s\n' "$_t"
}

# base: the program's URL, for the webhook URLs in the config's comments
# and in what is printed at the end.
if [ -n "$url" ]; then
	base=${url%/}
else
	case $CGIBIN in
	"$DOCROOT"/*) rel=${CGIBIN#"$DOCROOT"} ;;
	*) rel=/cgi-bin ;;
	esac
	base="https://YOUR-SITE$rel/hookbox.fcgi"
fi

if [ -e "$CONF" ]; then
	say "config $CONF exists: kept as it is (tokens unchanged)"
	[ -z "$email" ] || say "--email is not written into an existing config: add \"notify\": { \"email\": \"$email\" } to it yourself (README \"Notifications and retention\")"
	conf_new=
else
	tok_catalog=$(token)
	tok_leads=$(token)
	tok_restaurant=$(token)
	tok_shop=$(token)
	tok_mollie=$(token)
	# Where notices go: asked only on a terminal (a script passes --email).
	if [ "$email_set" = 0 ] && [ -t 0 ] && [ -t 1 ]; then
		printf 'E-mail address for notices (a dead hook, refused requests, a failing store;\nempty for none): '
		read -r email || email=
	fi
	if [ -n "$email" ]; then
		case $email in
		*@*@* | @* | *@ | -*) die "--email: not one plain address: $email" ;;
		*@*) ;;
		*) die "--email: not an address: $email" ;;
		esac
		if printf '%s' "$email" | LC_ALL=C grep -q '[^A-Za-z0-9.!#$%&*+/=?^_{}~@-]' ||
		    [ ${#email} -gt 254 ]; then
			die "--email: not one plain address: $email"
		fi
		notify_line="\"notify\": { \"email\": \"$email\"${url:+, \"url\": \"$url\"} },"
	else
		notify_line="// \"notify\": { \"email\": \"you@example.com\"${url:+, \"url\": \"$url\"} },"
	fi
	newtmp "$HB/conf"
	cat >"$tmp" <<EOF
// hookbox configuration, written by install.sh on $(date -u +%Y-%m-%d).
// install.sh never changes this file again: edit it yourself, then run
//   HOOKBOX_CONF=$CONF $PROG check
//
// JSON with // comments. Keep it private (mode 600): the tokens below are
// what proves that a request comes from your platform. Relative paths are
// relative to this file's folder. The webhook URL of an endpoint is
//   https://YOUR-SITE/.../hookbox.fcgi/<endpoint name>/<token>
// and \`check\` prints each one. Changing a token means pasting the new URL
// into the platform.
{
  // Every event, recorded once. Back it up with:
  //   sqlite3 $HB/data/hookbox.db ".backup '$HOME/hookbox-backup.db'"
  "database": "../data/hookbox.db",

  // Notices: a hook that is dead, or failing 3 times in a row; refused
  // requests jumping at an endpoint; the store failing. One mail per cause
  // an hour at most, through the host's sendmail. Try it with
  //   HOOKBOX_CONF=$CONF $PROG notify --test
  $notify_line

  // Events are kept this many days (0: for ever), then deleted with their
  // hook attempts; an endpoint may set its own "keep_days".
  "keep_days": 90,

  "endpoints": {
    // Flipsnack orders. Paste the URL in Flipsnack: workspace Settings >
    // Integrations > Webhooks. Flipsnack cannot sign: the token is the proof.
    "catalog": {
      "provider": "flipsnack",
      "token": "$tok_catalog",
      "hooks": {
        "order": { "run": ["../hooks/flipsnack.sh"] }
        // the same in PHP: "order": { "run": ["../hooks/save-order.php"] }
      }
    },

    // FlipLink leads, views and sales. Paste the URL in the flipbook's
    // webhook settings.
    "leads": {
      "provider": "fliplink",
      "token": "$tok_leads",
      "hooks": {
        // one hook per type is possible too, e.g.
        // "lead.captured": { "run": ["../hooks/new-lead.sh"] },
        "*": { "run": ["../hooks/fliplink.sh"] }
      }
    },

    // Flipdish orders. Paste the URL in the Flipdish Portal: Settings >
    // Webhooks (webhooks v3), or Developer tools > Webhooks (legacy).
    "restaurant": {
      "provider": "flipdish",
      "token": "$tok_restaurant",
      // Then, to also check Flipdish's own proof, add one of these:
      //   v3: the subscription's shared secret, shown by Flipdish:
      // "secret": "PASTE-THE-V3-SHARED-SECRET",
      //   legacy: the verify token you typed into Flipdish:
      // "verify_token": "PASTE-THE-VERIFY-TOKEN",
      "hooks": {
        "order.*": { "run": ["../hooks/flipdish.sh"] },
        "sale.*":  { "run": ["../hooks/flipdish.sh"] }
      }
    },

    // Reflow, WooCommerce, Shopify, Stripe, Paddle, Square, GitHub,
    // Standard Webhooks senders and other platforms sign each request with a
    // secret that only the platform can give you, so these stay off until
    // you have it. To turn one on: remove the // in front of its lines,
    // paste the secret, and run check (or install.sh) again. README.md
    // ("Connect a platform") says where each platform shows it.
    //
    // Reflow: the project's webhook settings show the signing secret; the
    // URL to paste there is .../hookbox.fcgi/store
    // "store": {
    //   "provider": "reflow",
    //   "secret": "PASTE-REFLOW-SIGNING-SECRET",
    //   "hooks": { "order.*": { "run": ["../hooks/reflow.sh"] } }
    // },
    //
    // Standard Webhooks (https://www.standardwebhooks.com): paste the
    // sender's whsec_... secret; the URL is .../hookbox.fcgi/signed
    // "signed": {
    //   "provider": "standard",
    //   "secret": "whsec_PASTE-THE-SECRET",
    //   "hooks": { "*": { "run": ["../hooks/save-order.sh"] } }
    // },
    //
    // WooCommerce: WooCommerce > Settings > Advanced > Webhooks > Add
    // webhook. Delivery URL: $base/woocommerce
    // Type a long secret of letters and digits into its Secret field and
    // paste the same here. One webhook per topic (Order created, …).
    // "woocommerce": {
    //   "provider": "woocommerce",
    //   "secret": "PASTE-THE-WEBHOOK-SECRET",
    //   "hooks": { "order.*": { "run": ["../hooks/woocommerce.sh"] } }
    // },
    //
    // Shopify: Settings > Notifications > Webhooks > Create webhook, format
    // JSON, URL $base/shopify
    // Paste the key that page says your webhooks are signed with. A Shopify
    // topic has a "/": a hook names it exactly, or is "*".
    // "shopify": {
    //   "provider": "shopify",
    //   "secret": "PASTE-THE-SIGNING-KEY",
    //   "hooks": {
    //     "orders/create": { "run": ["../hooks/shopify.sh"] },
    //     "orders/paid":   { "run": ["../hooks/shopify.sh"] }
    //   }
    // },
    //
    // Stripe: Dashboard > Developers > Webhooks > Add endpoint, URL
    // $base/stripe
    // Paste the endpoint's signing secret, the whole whsec_... string.
    // "stripe": {
    //   "provider": "stripe",
    //   "secret": "whsec_PASTE-THE-SIGNING-SECRET",
    //   "hooks": {
    //     "payment_intent.*":   { "run": ["../hooks/stripe.sh"] },
    //     "checkout.session.*": { "run": ["../hooks/stripe.sh"] }
    //   }
    // },
    //
    // Paddle Billing: Developer tools > Notifications > New destination, URL
    // $base/paddle
    // Paste the destination's secret key (pdl_ntfset_...).
    // "paddle": {
    //   "provider": "paddle",
    //   "secret": "pdl_ntfset_PASTE-THE-SECRET-KEY",
    //   "hooks": { "transaction.completed": { "run": ["../hooks/paddle.sh"] } }
    // },
    //
    // Square: Developer Console > your application > Webhooks >
    // Subscriptions > Add subscription. Square signs the notification URL
    // too: "notification_url" must be exactly what you enter there (with
    // your site's address, https).
    // "square": {
    //   "provider": "square",
    //   "secret": "PASTE-THE-SIGNATURE-KEY",
    //   "notification_url": "$base/square",
    //   "hooks": { "payment.*": { "run": ["../hooks/square.sh"] } }
    // },
    //
    // GitHub: the repository's Settings > Webhooks > Add webhook. Payload
    // URL $base/github
    // content type application/json; type a long secret there, and here.
    // "github": {
    //   "provider": "github",
    //   "secret": "PASTE-THE-WEBHOOK-SECRET",
    //   "hooks": { "*": { "run": ["../hooks/github.sh"] } }
    // },
    //
    // Mollie sends no signature, only a payment's id: the token proves it,
    // and the hook asks Mollie's API for the payment. First put your API
    // key in the file $HB/conf/mollie-api-key
    // (see the top of hooks/mollie.sh).
    // The URL, which your shop's code gives Mollie as the webhookUrl of each
    // payment (or, for Mollie's next-gen webhooks, goes in its Dashboard >
    // Developers > Webhooks, with its signing secret as "secret" here):
    //   $base/mollie/$tok_mollie
    // "mollie": {
    //   "provider": "mollie",
    //   "token": "$tok_mollie",
    //   "hooks": { "*": { "run": ["../hooks/mollie.sh"] } }
    // },
    //
    // Anything else that posts JSON: JSON pointers say where its fields are.
    // The URL is .../hookbox.fcgi/forms/<token>; make a token with
    //   dd if=/dev/urandom bs=24 count=1 2>/dev/null | base64 | tr '+/' '-_' | tr -d '='
    // "forms": {
    //   "provider": "generic",
    //   "token": "PASTE-A-LONG-RANDOM-TOKEN",
    //   "type_pointer": "/kind", "key_pointer": "/uid", "resource_pointer": "/order/id",
    //   "hooks": { "*": { "run": ["../hooks/save-order.sh"], "timeout": 60 } }
    // },

    // Quickbutik orders. Paste the URL in Quickbutik: Control Panel >
    // Settings > Webhooks. Quickbutik sends only the order's id.
    "shop": {
      "provider": "quickbutik",
      "token": "$tok_shop",
      "hooks": {
        "order.*": { "run": ["../hooks/quickbutik.sh"], "timeout": 60 }
        // product signals, retried less eagerly:
        // , "product.*": { "run": ["../hooks/sync-stock.sh"], "retry_delay": 60, "max_attempts": 5 }
      }
    }
  }
}
EOF
	chmod 600 "$tmp"
	mv "$tmp" "$CONF"
	conf_new=1
	say "config written to $CONF (mode 600), with new random tokens"
fi

# ---- 4. .htaccess ----

# shellcheck disable=SC2089,SC2090  # the quotes are meant for Apache
HB_BLOCK="$BEGIN_MARK
# Written by install.sh, which replaces this block each time it runs and
# removes it with --uninstall. Lines outside the block are yours.
# Where hookbox's config is (outside the web root):
SetEnv HOOKBOX_CONF \"$CONF\"
# With mod_fcgid: one long-lived FastCGI process serves many requests.
<IfModule mod_fcgid.c>
  AddHandler fcgid-script .fcgi
</IfModule>
# Without it: plain CGI, one process per request.
<IfModule !mod_fcgid.c>
  AddHandler cgi-script .fcgi
</IfModule>
Options +ExecCGI
$END_MARK"
# shellcheck disable=SC2090
export HB_BLOCK
htaccess_write
say "wrote the hookbox block in $HTACCESS"

# ---- 5. database and check ----

HOOKBOX_CONF=$CONF "$PROG" init </dev/null ||
	die "\`hookbox init\` failed (above); fix that and run me again"
ok=1
checkout=$(HOOKBOX_CONF=$CONF "$PROG" check </dev/null 2>&1) || ok=0
say ""
say "hookbox check:"
printf '%s\n' "$checkout" | sed 's/^/  /'
if [ "$ok" -ne 1 ]; then
	say ""
	die "check found errors in $CONF (above). Fix them and run me again; nothing else needs undoing."
fi

# ---- what to paste where ----

# where PROVIDER: the platform's name and where its webhook URL goes.
where() {
	case $1 in
	flipsnack) echo "Flipsnack|workspace Settings > Integrations > Webhooks (Enterprise plan)" ;;
	fliplink) echo "FlipLink|the flipbook's webhook settings" ;;
	flipdish) echo "Flipdish|Portal > Settings > Webhooks (v3; then paste its shared secret as \"secret\" in the config), or Portal > Developer tools > Webhooks (legacy)" ;;
	reflow) echo "Reflow|the project's webhook settings (its signing secret goes in \"secret\")" ;;
	quickbutik) echo "Quickbutik|Control Panel > Settings > Webhooks" ;;
	standard) echo "Standard Webhooks sender|the sender's webhook settings (its whsec_ secret goes in \"secret\")" ;;
	woocommerce) echo "WooCommerce|WooCommerce > Settings > Advanced > Webhooks > Add webhook, as the Delivery URL (the Secret you type there goes in \"secret\")" ;;
	shopify) echo "Shopify|Settings > Notifications > Webhooks > Create webhook, format JSON (the key that page shows goes in \"secret\")" ;;
	stripe) echo "Stripe|Dashboard > Developers > Webhooks > Add endpoint (its whsec_ signing secret goes in \"secret\")" ;;
	paddle) echo "Paddle|Developer tools > Notifications > New destination (its pdl_ntfset_ secret key goes in \"secret\")" ;;
	square) echo "Square|Developer Console > your application > Webhooks > Subscriptions > Add subscription (this exact URL also goes in \"notification_url\", its Signature Key in \"secret\")" ;;
	github) echo "GitHub|the repository's Settings > Webhooks > Add webhook, content type application/json (the Secret you type there goes in \"secret\")" ;;
	mollie) echo "Mollie|the webhookUrl that your shop's code gives Mollie with each payment, or Mollie's Dashboard > Developers > Webhooks (next-gen; its signing secret goes in \"secret\"). The hook needs your API key in conf/mollie-api-key" ;;
	*) echo "$1|the sender's webhook settings" ;;
	esac
}

say ""
say "Webhook URLs: paste each one into its platform."
[ -n "$url" ] || say "(Replace https://YOUR-SITE with your site's address, e.g. https://shop.example)"
flipsnack_url=
eps=$(printf '%s\n' "$checkout" |
	sed -n 's/^endpoint \([^ ]*\) (\([^)]*\)): <script URL>\(.*\)$/\1 \2 \3/p')
while read -r ep provider path; do
	[ -n "$ep" ] || continue
	w=$(where "$provider")
	say ""
	say "  ${w%%|*} (endpoint \"$ep\"):"
	say "    $base$path"
	say "    goes in: ${w#*|}"
	if [ "$provider" = flipsnack ] && [ -z "$flipsnack_url" ]; then
		flipsnack_url=$base$path
	fi
done <<EOF
$eps
EOF

[ -z "$conf_new" ] || {
	say ""
	say "Reflow, WooCommerce, Shopify, Stripe, Paddle, Square, GitHub, Mollie,"
	say "Standard Webhooks and other senders are in the config but commented out:"
	say "most need a secret from the platform (Mollie an API key for its hook)."
	say "See $CONF."
}

if [ -n "$flipsnack_url" ]; then
	say ""
	say "Try it (a sample Flipsnack order):"
	if [ -f "$SRC/tests/fixtures/flipsnack-orders.json" ]; then
		say "  curl -H 'Content-Type: application/json' --data-binary $(q "@$SRC/tests/fixtures/flipsnack-orders.json") \\"
	else
		say "  curl -H 'Content-Type: application/json' --data '{\"type\":\"orders\",\"order_id\":\"test-1\",\"items\":[]}' \\"
	fi
	say "    '$flipsnack_url'"
	say "  answers {\"status\":\"accepted\",\"id\":1}; the example hook then saves the order in $HB/orders/"
fi

# ---- the owner's inbox ----

# A password for <script URL>/_inbox, once: typed here on a terminal, or
# made up and printed this once. hookbox keeps only its Argon2id hash.
inbox_pw=
if ! HOOKBOX_CONF=$CONF "$PROG" passwd --check </dev/null >/dev/null 2>&1; then
	if [ -t 0 ] && [ -t 1 ]; then
		say ""
		say "The inbox (your orders and hooks in a browser) needs a password."
		printf 'Type one (8 characters or more), or press Enter to have one made up: '
		stty -echo 2>/dev/null; read -r inbox_pw || inbox_pw=; stty echo 2>/dev/null; echo
	fi
	made=
	if [ -z "$inbox_pw" ]; then
		inbox_pw=$(token | cut -c1-20)
		made=1
	fi
	printf '%s\n' "$inbox_pw" | HOOKBOX_CONF=$CONF "$PROG" passwd >/dev/null ||
		die "\`hookbox passwd\` failed (above); run it yourself later: HOOKBOX_CONF=$(q "$CONF") $(q "$PROG") passwd"
	[ -n "$made" ] || inbox_pw="(the one you typed)"
fi
say ""
say "Your inbox, in a browser:"
say "  $base/_inbox"
if [ -n "$inbox_pw" ]; then
	say "  password: $inbox_pw"
	say "  (shown this once; change it with: HOOKBOX_CONF=$(q "$CONF") $(q "$PROG") passwd)"
fi

cmd="HOOKBOX_CONF=$(q "$CONF") $(q "$PROG")"
cat <<EOF

See what arrived:
  $cmd list
  $cmd show 1

Safety net for hooks (optional; add with crontab -e):
  */5 * * * * $cmd run

To upgrade later, run $me again: it keeps the config, tokens, hooks and data.
EOF
