#!/usr/bin/env bash
# install.sh as a new customer of a shared host runs it: as an ordinary user
# (created here when we are root, and removed at the end; otherwise the
# current user with a temporary HOME) with only a home directory, then a
# real Apache serving that user's public_html the way a host does: the
# .htaccess that install.sh writes is all that makes hookbox run, once
# under mod_fcgid and once as plain CGI. Then upgrade, uninstall, and the
# choice of program when no --binary is given. The config's commented-out
# platform entries, uncommented, and README's examples of issue 22's
# presets each pass `check`.
#
# Output contract: one line per case, "PASS <name>" or "FAIL <name>: <why>"
# (tests/lib/common.sh); exits non-zero if any case failed.
set -u
. "$(dirname "$0")/lib/common.sh"
. "$TOP/tests/lib/servers.sh"

case $HOOKBOX in /*) ;; *) HOOKBOX=$TOP/$HOOKBOX ;; esac

failures=0
fail() {
	local why=${2//$'\r'/}
	printf 'FAIL %s: %s\n' "$1" "${why//$'\n'/\\n}"
	failures=$((failures + 1))
}
# ok NAME WHY COMMAND...: PASS when the command succeeds, else FAIL with WHY.
ok() {
	local name=$1 why=$2
	shift 2
	if "$@"; then pass "$name"; else fail "$name" "$why"; fi
}

if [ ! -x "$HOOKBOX" ]; then
	fail "setup" "$HOOKBOX is not built (make)"
	exit 1
fi
server_require || { fail "setup" "Apache, mod_fcgid or curl is missing"; exit 1; }

BASE=$(mktemp -d /tmp/hbinst.XXXXXX)
chmod 755 "$BASE"
PATH_USER=/usr/local/bin:/usr/bin:/bin
if [ "$(id -u)" -eq 0 ]; then
	U=
	for _ in 1 2 3 4 5; do
		U=hbtest$RANDOM
		id "$U" >/dev/null 2>&1 || break
	done
	H=$BASE/$U
	if ! useradd -m -d "$H" -s /bin/sh "$U" 2>"$BASE/useradd.err"; then
		fail "setup" "useradd $U: $(cat "$BASE/useradd.err")"
		rm -rf "$BASE"
		exit 1
	fi
	as_user() {
		runuser -u "$U" -- env -i HOME="$H" USER="$U" LOGNAME="$U" \
			PATH="$PATH_USER" LANG=C.UTF-8 "$@"
	}
else
	U=$(id -un)
	H=$BASE/home
	mkdir -m 700 "$H"
	as_user() {
		env -i HOME="$H" USER="$U" LOGNAME="$U" PATH="$PATH_USER" LANG=C.UTF-8 "$@"
	}
fi

CGIBIN=$H/public_html/cgi-bin
PROG=$CGIBIN/hookbox.fcgi
HB=$H/hookbox
CONF=$HB/conf/hookbox.conf

# prog_pids PATH: processes started as the program PATH (argv[0]).
prog_pids() {
	local dir
	local -a argv
	for dir in /proc/[0-9]*; do
		{ mapfile -d '' -t argv <"$dir/cmdline"; } 2>/dev/null || continue
		[ "${argv[0]-}" = "$1" ] && echo "${dir#/proc/}"
	done
}

# runner_pids CONF: hook runners (`hookbox run --linger`, which the
# program starts by re-executing itself) working for the config CONF.
runner_pids() {
	local dir
	local -a argv env
	for dir in /proc/[0-9]*; do
		{ mapfile -d '' -t argv <"$dir/cmdline"; } 2>/dev/null || continue
		[ "${argv[*]}" = "hookbox run --linger" ] || continue
		{ mapfile -d '' -t env <"$dir/environ"; } 2>/dev/null || continue
		[[ " ${env[*]} " == *" HOOKBOX_CONF=$1 "* ]] && echo "${dir#/proc/}"
	done
}

cleanup() {
	local pids
	server_stop
	# What is left of ours: hook runners (they re-execute the installed
	# program), and as root anything of the throwaway user.
	pids=$(prog_pids "$PROG"; runner_pids "$CONF"; runner_pids "$H/hb2/conf/hookbox.conf")
	if [ "$(id -u)" -eq 0 ] && [ -n "$U" ]; then
		pids="$pids $(ps -o pid= -u "$U" 2>/dev/null)"
	fi
	# shellcheck disable=SC2086  # a list of pids
	[ -z "${pids// /}" ] || kill -KILL $pids 2>/dev/null
	if [ "$(id -u)" -eq 0 ] && [ -n "$U" ]; then
		userdel -r "$U" >/dev/null 2>&1 || userdel "$U" >/dev/null 2>&1
	fi
	rm -rf "$BASE"
}
trap cleanup EXIT

# What a user downloads: install.sh with conf/hooks and the fixtures, and
# the program, somewhere the user can read (the checkout may not be).
DIST=$BASE/dist
mkdir -p "$DIST/src/conf" "$DIST/src/tests"
cp "$TOP/install.sh" "$DIST/src/"
cp -r "$TOP/conf/hooks" "$DIST/src/conf/"
cp -r "$TOP/tests/fixtures" "$DIST/src/tests/"
cp "$HOOKBOX" "$DIST/hookbox.fcgi"
# The "new version" for the upgrade: the same program with bytes appended
# (an ELF file runs the same), so that the copy can be told apart.
{ cat "$HOOKBOX"; printf '\nhookbox upgrade test %s\n' "$$"; } >"$DIST/hookbox-v2.fcgi"
chmod -R a+rX "$DIST"
chmod 755 "$DIST"/*.fcgi
INSTALL=$DIST/src/install.sh

mode() { stat -c %a "$1" 2>/dev/null; }
owner() { stat -c %U "$1" 2>/dev/null; }
tokens() { sed -n '/^[[:space:]]*\/\//d; s/.*"token": "\([^"]*\)".*/\1/p' "$CONF"; }

# http PATH...: "<code> <body>" of a GET.
http() {
	curl -s --noproxy '*' --max-time 30 --path-as-is -o "$BASE/answer" -w '%{http_code}' "$@"
	printf ' %s' "$(head -c 300 "$BASE/answer" | tr -d '\0')"
}
post() {	# URL FILE
	curl -s --noproxy '*' --max-time 30 -o "$BASE/answer" -w '%{http_code}' \
		-H 'Content-Type: application/json' --data-binary @"$2" "$1"
	printf ' %s' "$(cat "$BASE/answer")"
}

# ---- refusals: nothing is changed ----

if [ "$(id -u)" -eq 0 ]; then
	out=$(sh "$INSTALL" --binary "$DIST/hookbox.fcgi" --cgi-bin "$BASE/root-site/cgi-bin" \
		--home "$BASE/root-home" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && [[ $out == *"not as root"* ]] && [ ! -e "$BASE/root-site" ] &&
		[ ! -e "$BASE/root-home" ]; then
		pass "install: refuses to run as root"
	else
		fail "install: refuses to run as root" "exit $rc: $out"
	fi
fi

out=$(as_user sh "$INSTALL" --binary "$DIST/hookbox.fcgi" --home "$H/public_html/hookbox" 2>&1)
rc=$?
if [ $rc -ne 0 ] && [[ $out == *"inside the web site"* ]] && [ ! -e "$H/public_html" ]; then
	pass "install: refuses a --home inside the document root, changes nothing"
else
	fail "install: refuses a --home inside the document root, changes nothing" "exit $rc: $out"
fi

# ---- 1. a fresh user runs ./install.sh with the defaults ----

as_user sh "$INSTALL" --binary "$DIST/hookbox.fcgi" >"$BASE/install1.out" 2>&1
rc=$?
out=$(cat "$BASE/install1.out")
check "install: exit status" 0 "$rc"
[ $rc -eq 0 ] || printf '%s\n' "$out" | sed 's/^/    /' >&2

ok "install: program in the cgi-bin, mode 755, the given binary" \
	"$(ls -l "$PROG" 2>&1)" \
	eval '[ "$(mode "$PROG")" = 755 ] && cmp -s "$PROG" "$DIST/hookbox.fcgi"'
check "install: config mode 600, the user's" "600 $U" "$(mode "$CONF") $(owner "$CONF")"
check "install: data folder mode 700" 700 "$(mode "$HB/data")"
check "install: database created by init, the user's" "$U" "$(owner "$HB/data/hookbox.db")"
hooks_ok=1
# Every example hook that conf/hooks ships (and install.sh copies).
hooks=()
for f in "$TOP"/conf/hooks/*.sh "$TOP"/conf/hooks/*.php; do
	[ -f "$f" ] && hooks+=("${f##*/}")
done
[ ${#hooks[@]} -ge 14 ] || { hooks_ok=0; fail "install: example hooks" "only ${#hooks[@]} in $TOP/conf/hooks"; }
for f in "${hooks[@]}"; do
	if [ ! -x "$HB/hooks/$f" ] || [ "$(owner "$HB/hooks/$f")" != "$U" ] ||
		! cmp -s "$HB/hooks/$f" "$TOP/conf/hooks/$f"; then
		hooks_ok=0
		fail "install: example hooks" "$HB/hooks/$f: $(ls -l "$HB/hooks/$f" 2>&1)"
	fi
done
[ $hooks_ok -eq 1 ] && pass "install: example hooks copied, executable, the user's"

mapfile -t toks < <(tokens)
bad=
for t in "${toks[@]}"; do
	[[ $t =~ ^[A-Za-z0-9_-]{32}$ ]] || bad="$bad [$t]"
done
check "install: four endpoints with a token each" 4 "${#toks[@]}"
check "install: tokens are 32 base64url characters" "" "$bad"
check "install: tokens are all different" 4 "$(printf '%s\n' "${toks[@]}" | sort -u | wc -l)"

ht=$CGIBIN/.htaccess
ok "install: .htaccess block sets HOOKBOX_CONF, mode 644" "$(cat "$ht" 2>&1)" \
	eval '[ "$(mode "$ht")" = 644 ] &&
	grep -qxF "SetEnv HOOKBOX_CONF \"$CONF\"" "$ht" &&
	[ "$(grep -cx "# BEGIN hookbox" "$ht")" = 1 ] && [ "$(grep -cx "# END hookbox" "$ht")" = 1 ]'
# The one warning: notify is a comment until the owner gives an address.
ok "install: check passed with no warning but the absent notify" "$out" \
	eval 'grep -q "0 error(s), 1 warning(s)" "$BASE/install1.out" &&
	grep -q "^ *warning: no \"notify\" in the config" "$BASE/install1.out"'
# Nothing secret in the document root: only the program and .htaccess.
found=$(cd "$H/public_html" && find . -type f | sort | tr '\n' ' ')
check "install: the document root holds only the program and .htaccess" \
	"./cgi-bin/.htaccess ./cgi-bin/hookbox.fcgi " "$found"
leak=
for t in "${toks[@]}"; do
	grep -rqF -- "$t" "$H/public_html" && leak="$leak $t"
done
check "install: no token in the document root" "" "$leak"

FLIP_URL=$(grep -o 'https://YOUR-SITE/cgi-bin/hookbox\.fcgi/catalog/[A-Za-z0-9_-]*' "$BASE/install1.out" | head -n 1)
check "install: prints the Flipsnack URL with its token" \
	"https://YOUR-SITE/cgi-bin/hookbox.fcgi/catalog/${toks[0]:-}" "$FLIP_URL"
ok "install: says where each platform's URL goes" "$out" \
	eval 'grep -q "Settings > Integrations > Webhooks" "$BASE/install1.out" &&
	grep -q "Control Panel > Settings > Webhooks" "$BASE/install1.out" &&
	[ "$(grep -c "goes in: " "$BASE/install1.out")" = 4 ]'
ok "install: prints a curl command with the Flipsnack fixture" "$out" \
	grep -qF "@$DIST/src/tests/fixtures/flipsnack-orders.json" "$BASE/install1.out"
# The inbox: its URL, and a password made up (no terminal here), printed
# once, that `passwd --check` finds set; the database holds its hash.
check "install: prints the inbox's URL" "https://YOUR-SITE/cgi-bin/hookbox.fcgi/_inbox" \
	"$(grep -o 'https://YOUR-SITE/cgi-bin/hookbox\.fcgi/_inbox' "$BASE/install1.out" | head -n 1)"
INBOX_PW=$(sed -n 's/^  password: \([A-Za-z0-9_-]*\)$/\1/p' "$BASE/install1.out")
check_match "install: makes up an inbox password and prints it" '^[A-Za-z0-9_-]{20}$' "$INBOX_PW"
ok "install: the inbox has its password" "$out" \
	as_user env HOOKBOX_CONF="$CONF" "$PROG" passwd --check

# ---- the config's commented-out entries, and README's examples ----

# Each platform's entry that install.sh writes commented out passes
# `check` once its // are removed and a secret is pasted, as the comment
# above them says to do: the examples cannot drift from what the program
# accepts. So do README's examples (under "Connect a platform") of issue
# 22's presets, with the hooks that install.sh copied.
ENTRIES="store signed woocommerce shopify stripe paddle square github mollie forms"
NEW_PRESETS="woocommerce shopify stripe paddle square github mollie"
FILL=hookboxInstallTest0123456789abcdefXYZ	# a pasted secret, 37 bytes
FILL_B64=$(printf 'hookbox install test key 32 byt' | base64)	# 32 bytes, for whsec_

# uncommented NAME < config: the config with the entry NAME's // removed
# (from its line '// "NAME": {' to the '// },' at the same indent) and
# its PASTE-... placeholders filled in.
uncommented() {
	awk -v name="$1" '
	!on && match($0, "^[ ]*// \"" name "\": [{]$") {
		on = 1
		indent = substr($0, 1, index($0, "//") - 1)
	}
	on {
		end = ($0 == indent "// },")
		sub(/\/\/ ?/, "")
		gsub(/"whsec_PASTE-[A-Z-]*"/, "\"whsec_" b64 "\"")
		gsub(/PASTE-[A-Z-]*/, fill)
		print
		if (end) on = 0
		next
	}
	{ print }
	' fill="$FILL" b64="$FILL_B64"
}

# check_conf NAME FILE: the user's `check` of the config FILE (written as
# the user, mode 600, beside the installed one) exits 0 with no error and
# no warning but that notify is absent, and lists the endpoint NAME;
# prints why not.
check_conf() {
	local name=$1 file=$2 out rc
	out=$(as_user env HOOKBOX_CONF="$file" "$PROG" check 2>&1)
	rc=$?
	# A config without "notify" warns of it (`check`): the one
	# warning allowed here.
	if [ $rc -ne 0 ] || [[ $out != *"0 error(s), "[01]" warning(s)"* ]] ||
		grep -v '^warning: no "notify" in the config' <<<"$out" | grep -q '^warning:' ||
		! grep -qE "/$name(/[A-Za-z0-9_-]+)?\$" <<<"$out"; then
		printf 'exit %s: %s' "$rc" "$out"
	fi
}

found=$(sed -n 's|^[ ]*// "\([a-z]*\)": {$|\1|p' "$CONF" | tr '\n' ' ')
check "install: the config holds the commented entries of every platform" "$ENTRIES " "$found"
for name in $ENTRIES; do
	as_user sh -c 'umask 077 && cat >"$1"' sh "$HB/conf/uncommented-$name.conf" \
		< <(uncommented "$name" <"$CONF")
	check "install: the commented $name entry, uncommented with a secret, passes check" "" \
		"$(check_conf "$name" "$HB/conf/uncommented-$name.conf")"
	rm -f "$HB/conf/uncommented-$name.conf"
done

# README's examples: each '"name": {' line that starts an entry, up to the
# next blank or comment line, of the first jsonc block under "Connect a
# platform"; its placeholders filled in, and its hooks the installed ones.
command -v python3 >/dev/null || fail "install: README's examples" "python3 is missing"
python3 - "$TOP/README.md" "$BASE/readme" "$FILL" "$HB" $NEW_PRESETS <<'PY'
import os, re, sys
readme, out, fill, hb, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
text = open(readme, encoding="utf-8").read()
text = text[text.index("\n## Connect a platform"):]
block = text[text.index("```jsonc\n") + 9:]
block = block[:block.index("```")]
entries, cur = {}, None
for line in block.split("\n"):
    m = re.match(r'"([a-z]+)": \{', line)
    if m:
        cur = m.group(1)
        entries[cur] = []
    elif not line.strip() or line.lstrip().startswith("//"):
        cur = None
        continue
    if cur:
        entries[cur].append(line)
os.makedirs(out, exist_ok=True)
for name in names:
    if name not in entries:
        continue
    e = "\n".join(entries[name])
    e = e.replace("/home/you/hookbox/", hb + "/")
    # the secret and token placeholders: "THE-...", "LONG-RANDOM", "whsec_…"
    e = re.sub(r'"(secret|token)": "([a-z_]*)[^"]*"', lambda m: '"%s": "%s%s"' % (m.group(1), m.group(2), fill), e)
    with open(os.path.join(out, name + ".conf"), "w") as f:
        f.write('{ "database": "../data/hookbox.db",\n  "endpoints": {\n%s\n  }\n}\n' % e)
PY
for name in $NEW_PRESETS; do
	if [ ! -f "$BASE/readme/$name.conf" ]; then
		fail "install: README's $name example passes check" "no \"$name\": { ... } entry in README's jsonc examples"
		continue
	fi
	as_user sh -c 'umask 077 && cat >"$1"' sh "$HB/conf/readme-$name.conf" <"$BASE/readme/$name.conf"
	check "install: README's $name example passes check" "" \
		"$(check_conf "$name" "$HB/conf/readme-$name.conf")"
	rm -f "$HB/conf/readme-$name.conf"
done

# ---- 2. a real Apache, configured by nothing but that .htaccess ----

# served_by_fcgid: a long-lived FastCGI process runs the program.
served_by_fcgid() { [ -n "$(prog_pids "$PROG")" ]; }
not_running() { [ -z "$(prog_pids "$PROG")" ]; }

secrets_not_served() {
	local p got bad=
	for p in /hookbox/conf/hookbox.conf /hookbox/data/hookbox.db /conf/hookbox.conf \
		/data/hookbox.db /../hookbox/conf/hookbox.conf /cgi-bin/../../hookbox/conf/hookbox.conf \
		/%2e%2e/hookbox/conf/hookbox.conf /cgi-bin/hookbox.fcgi/../../../hookbox/conf/hookbox.conf \
		"/~$U/hookbox/conf/hookbox.conf" /cgi-bin/.htaccess /cgi-bin/; do
		got=$(http "$SERVER_URL$p")
		case ${got%% *} in
		400 | 403 | 404) ;;
		*) bad="$bad $p:${got%% *}"; continue ;;
		esac
		if grep -qF -e "${toks[0]}" -e "SQLite format" -e "HOOKBOX_CONF" "$BASE/answer"; then
			bad="$bad $p:leaked"
		fi
	done
	[ -z "$bad" ] || { echo "$bad"; return 1; }
}

# log_clean KIND: after server_stop, nothing from hookbox (its warnings
# start "hookbox: "), mod_cgi or mod_fcgid in the error log. (The probes
# above leave authz_core and core errors; the SIGTERM case has its own.)
log_clean() {
	local why
	why=$(grep -h -E '\[(cgi|fcgid):(error|warn)\]|hookbox: |End of script output' "$SERVER_LOG" |
		grep -v 'still did not exit')
	check "$1: no errors from hookbox, mod_cgi or mod_fcgid in the server log" "" "$why"
}

id=0
for kind in apache-userdir-cgi apache-userdir-fcgid; do
	case $kind in
	*-cgi) fix=$FIXTURES/flipsnack-orders.json ;;
	*) fix=$FIXTURES/flipsnack-order-help-article.json ;;
	esac
	mkdir -p "$BASE/srv-${kind##*-}"
	if ! server_start_userdir "$kind" "$BASE/srv-${kind##*-}" "$H/public_html" "$U"; then
		fail "$kind: start" "the server did not start"
		continue
	fi
	url=${FLIP_URL/https:\/\/YOUR-SITE/$SERVER_URL}
	got=$(post "$url" "$fix")
	id=$((id + 1))
	check "$kind: the printed Flipsnack URL accepts an order" "200 {\"status\":\"accepted\",\"id\":$id}" "$got"
	if [ "$kind" = apache-userdir-fcgid ]; then
		ok "$kind: served by a mod_fcgid process (SetEnv reached it)" \
			"no long-lived $PROG process" served_by_fcgid
	else
		ok "$kind: served as plain CGI (no process stays)" \
			"$PROG still runs: $(prog_pids "$PROG")" wait_for not_running
	fi
	saved=$HB/orders/catalog-$id.json
	if wait_for test -s "$saved"; then
		check "$kind: the example hook saved the order in ~/hookbox/orders, as the user" \
			"$U identical" "$(owner "$saved") $(cmp -s "$fix" "$saved" && echo identical)"
	else
		fail "$kind: the example hook saved the order in ~/hookbox/orders, as the user" \
			"no $saved; $(as_user env HOOKBOX_CONF="$CONF" "$PROG" show "$id" 2>&1 | tail -n 5)"
	fi
	got=$(post "$url" "$fix")
	check "$kind: the same order again is a duplicate" "200 {\"status\":\"duplicate\",\"id\":$id}" "$got"
	got=$(post "${url%/*}/wrong-token-0123456789" "$fix")
	check_match "$kind: a wrong token is refused" '^401 ' "$got"
	why=$(secrets_not_served)
	check "$kind: config, database and .htaccess cannot be fetched" "" "$why"
	# Keep the FastCGI server for the upgrade below.
	if [ "$kind" != apache-userdir-fcgid ]; then
		server_stop
		log_clean "$kind"
	fi
done

# ---- 3. install.sh again: an upgrade under a running mod_fcgid ----

# The user's own lines around the block, and their own mode and hook edit.
as_user sh -c '
	ht=$1
	{ printf "# my own rules\nAddType text/plain .log\n"; cat "$ht"; printf "AddDefaultCharset UTF-8\n"; } >"$ht.new" &&
	mv "$ht.new" "$ht" && chmod 604 "$ht" &&
	echo "# my change" >>"$2"' sh "$ht" "$HB/hooks/flipsnack.sh"
user_top=$'# my own rules\nAddType text/plain .log'
user_bottom='AddDefaultCharset UTF-8'
cp "$CONF" "$BASE/conf.before"
cp "$HB/hooks/flipsnack.sh" "$BASE/hook.before"

upgrade_url=${SERVER_URL:-http://127.0.0.1:1}/cgi-bin/hookbox.fcgi
as_user sh "$INSTALL" --binary "$DIST/hookbox-v2.fcgi" --url "$upgrade_url" >"$BASE/install2.out" 2>&1
rc=$?
check "reinstall: exit status" 0 "$rc"
[ $rc -eq 0 ] || sed 's/^/    /' "$BASE/install2.out" >&2
ok "reinstall: replaced the program (atomically: no temporary file left)" "$(ls -la "$CGIBIN")" \
	eval 'cmp -s "$PROG" "$DIST/hookbox-v2.fcgi" && [ "$(mode "$PROG")" = 755 ] &&
	[ -z "$(find "$CGIBIN" -name ".hookbox-install*")" ]'
ok "reinstall: config byte for byte the same (tokens kept)" "$(diff "$BASE/conf.before" "$CONF")" \
	cmp -s "$BASE/conf.before" "$CONF"
ok "reinstall: the user's hook edit kept" "$(tail -n 2 "$HB/hooks/flipsnack.sh")" \
	cmp -s "$BASE/hook.before" "$HB/hooks/flipsnack.sh"
ok "reinstall: .htaccess keeps the user's lines and mode, one block" "$(mode "$ht"): $(cat "$ht")" \
	eval '[ "$(mode "$ht")" = 604 ] && [ "$(head -n 2 "$ht")" = "$user_top" ] &&
	[ "$(tail -n 1 "$ht")" = "$user_bottom" ] && [ "$(grep -cx "# BEGIN hookbox" "$ht")" = 1 ]'
n=$(as_user env HOOKBOX_CONF="$CONF" "$PROG" list --json 2>&1 | grep -c '"id"')
check "reinstall: the events are still there" "$id" "$n"
leads_url=$(grep -o "$upgrade_url/leads/[A-Za-z0-9_-]*" "$BASE/install2.out" | head -n 1)
check "reinstall: --url gives complete URLs" "$upgrade_url/leads/${toks[1]:-}" "$leads_url"
if [ "$SERVER_KIND" = apache-userdir-fcgid ]; then
	got=$(post "$leads_url" "$FIXTURES/fliplink-lead.captured.json")
	id=$((id + 1))
	check "reinstall: the new program answers under mod_fcgid" "200 {\"status\":\"accepted\",\"id\":$id}" "$got"
	ok "reinstall: its hook runs" "no $HB/orders/leads-$id.json" \
		wait_for test -s "$HB/orders/leads-$id.json"
	server_stop
	# mod_fcgid stops its processes with SIGTERM (also when idle, or
	# replaced by an upgrade), and kills them 8 s later if they are
	# still there.
	why=$(grep -h 'still did not exit' "$SERVER_LOG")
	check "apache-userdir-fcgid: hookbox exits when mod_fcgid stops it (SIGTERM)" "" "$why"
	log_clean apache-userdir-fcgid
fi

# ---- 4. --uninstall: program and block gone, everything else kept ----

as_user sh "$INSTALL" --uninstall >"$BASE/uninstall.out" 2>&1
rc=$?
check "uninstall: exit status" 0 "$rc"
ok "uninstall: the program is gone" "$(ls -la "$CGIBIN")" test ! -e "$PROG"
check "uninstall: .htaccess is exactly the user's lines again" "$user_top"$'\n'"$user_bottom" \
	"$(cat "$ht" 2>&1)"
ok "uninstall: says what it kept" "$(cat "$BASE/uninstall.out")" \
	grep -q "Kept $HB" "$BASE/uninstall.out"
ok "uninstall: config unchanged, database, hooks and orders kept" "$(ls -R "$HB")" \
	eval 'cmp -s "$BASE/conf.before" "$CONF" && [ -s "$HB/data/hookbox.db" ] &&
	[ -x "$HB/hooks/flipsnack.sh" ] && [ -s "$HB/orders/catalog-1.json" ]'
n=$(as_user env HOOKBOX_CONF="$CONF" "$DIST/hookbox.fcgi" list --json 2>&1 | grep -c '"id"')
check "uninstall: the events are still in the database" "$id" "$n"
as_user sh "$INSTALL" --uninstall >/dev/null 2>&1
check "uninstall: a second time is harmless" 0 "$?"

# ---- 5. which program, without --binary ----

# A copy of what a user gets without a compiler: install.sh, the hooks and
# the static program built elsewhere; no Makefile, so no build is tried.
STATIC=$TOP/cgi-bin/hookbox-static.fcgi
[ -x "$STATIC" ] || STATIC=$HOOKBOX
for with in static none; do
	d=$BASE/dist-$with
	mkdir -p "$d/conf" "$d/cgi-bin"
	cp "$TOP/install.sh" "$d/"
	cp -r "$TOP/conf/hooks" "$d/conf/"
	[ $with = none ] || cp "$STATIC" "$d/cgi-bin/hookbox-static.fcgi"
	chmod -R a+rX "$d"
	out=$(as_user sh "$d/install.sh" --cgi-bin "$H/site2/cgi-bin" --home "$H/hb2" 2>&1)
	rc=$?
	if [ $with = static ]; then
		ok "install without a compiler: uses cgi-bin/hookbox-static.fcgi" "exit $rc: $out" \
			eval '[ $rc -eq 0 ] && cmp -s "$H/site2/cgi-bin/hookbox.fcgi" "$STATIC"'
		rm -f "$H/site2/cgi-bin/hookbox.fcgi"
	else
		ok "install with no program at all: a clear error" "exit $rc: $out" \
			eval '[ $rc -ne 0 ] && [[ $out == *"no program to install"*"make static"* ]] &&
			[ ! -e "$H/site2/cgi-bin/hookbox.fcgi" ]'
	fi
done

# A block whose end marker is gone: rewriting it could eat the user's
# lines, so install.sh stops before changing anything.
as_user sh -c 'mkdir -p "$1" && printf "mine\n# BEGIN hookbox\nmine too\n" >"$1/.htaccess"' sh "$H/site3/cgi-bin"
cp "$H/site3/cgi-bin/.htaccess" "$BASE/ht3"
out=$(as_user sh "$INSTALL" --binary "$DIST/hookbox.fcgi" --cgi-bin "$H/site3/cgi-bin" --home "$H/hb3" 2>&1)
rc=$?
ok "install: stops at an .htaccess block without its end, changes nothing" "exit $rc: $out" \
	eval '[ $rc -ne 0 ] && [[ $out == *"without its"* ]] && cmp -s "$BASE/ht3" "$H/site3/cgi-bin/.htaccess" &&
	[ ! -e "$H/site3/cgi-bin/hookbox.fcgi" ] && [ ! -e "$H/hb3" ]'

# --email: the notices' address goes into a new config, which passes
# check; without it (and no terminal) nothing is asked and notify is a
# comment; a bad address stops before anything is written.
out=$(as_user sh "$INSTALL" --binary "$DIST/hookbox.fcgi" --cgi-bin "$H/site4/cgi-bin" \
	--home "$H/hb4" --email owner@shop.example --url https://shop.example/cgi-bin/hookbox.fcgi 2>&1)
rc=$?
ok "install --email: the address is in the config, which passes check" "exit $rc: $out" \
	eval '[ $rc -eq 0 ] && grep -q "^  \"notify\": { \"email\": \"owner@shop.example\", \"url\": \"https://shop.example/cgi-bin/hookbox.fcgi\" },\$" "$H/hb4/conf/hookbox.conf" &&
	grep -q "^  \"keep_days\": 90,\$" "$H/hb4/conf/hookbox.conf"'
ok "install without --email and no terminal: notify is a comment" "$(grep notify "$CONF")" \
	eval 'grep -q "^  // \"notify\": { \"email\": \"you@example.com\"" "$CONF"'
out=$(as_user sh "$INSTALL" --binary "$DIST/hookbox.fcgi" --cgi-bin "$H/site5/cgi-bin" \
	--home "$H/hb5" --email 'a@b.example, c@d.example' 2>&1)
rc=$?
ok "install --email: a bad address is refused, no config written" "exit $rc: $out" \
	eval '[ $rc -ne 0 ] && [[ $out == *"not one plain address"* ]] && [ ! -e "$H/hb5/conf/hookbox.conf" ]'

# The PHP example does what the shell one does (where PHP is installed).
if command -v php >/dev/null 2>&1; then
	fix=$FIXTURES/flipsnack-orders.json
	got=$(cd "$HB/hooks" && as_user env HOOKBOX_ENDPOINT=php HOOKBOX_EVENT_ID=7 \
		HOOKBOX_EVENT_TYPE=order HOOKBOX_RESOURCE_ID=6a1f0c2e9b7d4e55 ./save-order.php <"$fix" 2>&1)
	ok "save-order.php saves the order like save-order.sh" "$got" \
		eval 'cmp -s "$fix" "$HB/orders/php-7.json" && [[ $got == *"(2 items)"* ]]'
fi

[ "$failures" -eq 0 ]
