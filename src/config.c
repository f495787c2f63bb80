/*
 * The configuration: JSON with // comments (json-c's default, non-strict
 * parser accepts them), validated strictly. Every error names the key it
 * is about, so that `hookbox check` can print a list a person can act on.
 *
 * The struct keeps the parsed json-c tree alive and points into it, so
 * there is one allocation to free and no copying.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sodium.h>

#include "hookbox.h"

struct conf {
	char			*file;
	char			*dir;		/* the config's folder, absolute */
	struct json_object	*root;
	struct json_object	*owned;		/* strings made here */
	const char		*database;
	long long		 max_body;
	int			 max_running;
	int			 busy_timeout;	/* milliseconds */
	int			 sync_full;
	int			 keep_days;
	int			 prune_interval;
	int			 inbox_session_hours;
	struct notify_conf	 notify;
	int			 has_notify;
	struct endpoint		*endpoints;
	size_t			 nendpoints;
};

/* Where the config is: $HOOKBOX_CONF, else the path fixed at build time. */
const char *
conf_path(void)
{
	const char *p = getenv("HOOKBOX_CONF");

	return (p != NULL && *p != '\0') ? p : HOOKBOX_DEFAULT_CONF;
}

static void conf_error(struct buf *, const char *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* One line per problem: "<key path>: <what to do>". */
static void
conf_error(struct buf *err, const char *key, const char *fmt, ...)
{
	va_list ap;

	buf_printf(err, "%s: ", key);
	va_start(ap, fmt);
	buf_vprintf(err, fmt, ap);
	va_end(ap);
	buf_addstr(err, "\n");
}

static int
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > MAX_NAME_LEN)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return 0;
	return 1;
}

/* Tokens travel in a URL path segment: keep them to unreserved bytes. */
static int
valid_token(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > MAX_TOKEN_LEN)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr("-._~", *s) == NULL)
			return 0;
	return 1;
}

static int
valid_pattern(const char *s)
{
	size_t n = strlen(s);
	const char *star = strchr(s, '*');

	if (n == 0 || n > MAX_FIELD_LEN - 1)
		return 0;
	for (const char *p = s; *p; p++)
		if (!isgraph((unsigned char)*p))
			return 0;
	if (star == NULL)
		return 1;
	if (strcmp(s, "*") == 0)
		return 1;
	/* Only a trailing ".*" is a wildcard. */
	return star == s + n - 1 && n >= 3 && s[n - 2] == '.';
}

/*
 * Reads an integer key of obj into *out if present. Returns 0, or -1 after
 * recording an error.
 */
static int
get_int(struct json_object *obj, const char *key, const char *path,
    long long min, long long max, long long *out, struct buf *err)
{
	struct json_object *v;
	char where[256];
	long long n;

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	snprintf(where, sizeof(where), "%s%s", path, key);
	if (!json_object_is_type(v, json_type_int)) {
		conf_error(err, where, "must be a whole number");
		return -1;
	}
	n = json_object_get_int64(v);
	if (n < min || n > max) {
		char range[64];

		snprintf(range, sizeof(range), "%lld..%lld", min, max);
		conf_error(err, where, "must be within %s", range);
		return -1;
	}
	*out = n;
	return 0;
}

static int
get_str(struct json_object *obj, const char *key, const char *path,
    const char **out, struct buf *err)
{
	struct json_object *v;
	char where[256];

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	snprintf(where, sizeof(where), "%s%s", path, key);
	if (!json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0) {
		conf_error(err, where, "must be a non-empty string");
		return -1;
	}
	*out = json_object_get_string(v);
	return 0;
}

static int
known_key(const char *key, const char *const *keys)
{
	for (; *keys; keys++)
		if (strcmp(key, *keys) == 0)
			return 1;
	return 0;
}

static int
check_keys(struct json_object *obj, const char *path,
    const char *const *keys, struct buf *err)
{
	int bad = 0;

	json_object_object_foreach(obj, key, val) {
		char where[256];

		(void)val;
		if (known_key(key, keys))
			continue;
		snprintf(where, sizeof(where), "%s%s", path, key);
		conf_error(err, where, "unknown key");
		bad = -1;
	}
	return bad;
}

/*
 * Relative paths in the config are relative to the config's own folder,
 * so that a config and its data and hooks can move together. Returns an
 * absolute path that lives as long as the conf.
 */
static const char *
resolve(struct conf *c, const char *path)
{
	struct json_object *s;
	struct buf b = { 0 };
	char *dir, *real = NULL;

	if (path[0] == '/' || c->dir == NULL)
		return path;
	if (buf_printf(&b, "%s/%s", c->dir, path) == -1)
		return path;
	/* Tidy "conf/../data/x.db" when the folder exists (for messages). */
	if ((dir = strdup(b.data)) != NULL) {
		*strrchr(dir, '/') = '\0';	/* b.data holds a '/' */
		real = realpath(dir, NULL);
	}
	if (real != NULL) {
		struct buf t = { 0 };

		if (buf_printf(&t, "%s/%s", real, strrchr(b.data, '/') + 1) ==
		    0) {
			buf_free(&b);
			b = t;
		} else
			buf_free(&t);
	}
	free(real);
	free(dir);
	s = json_object_new_string(b.data);
	buf_free(&b);
	if (s == NULL || json_object_array_add(c->owned, s) != 0) {
		json_object_put(s);
		return path;
	}
	return json_object_get_string(s);
}

static const char *const hook_keys[] = {
	"run", "timeout", "retry_delay", "max_attempts", NULL
};

static int
load_hook(struct conf *c, struct hook *h, const char *pattern,
    struct json_object *obj, const char *path, int check_exec,
    struct buf *err)
{
	struct json_object *run;
	char where[512];
	long long v;
	size_t i, n;
	int bad = 0;

	h->pattern = pattern;
	h->timeout = HOOK_TIMEOUT_DEFAULT;
	h->retry_delay = HOOK_RETRY_DELAY_DEFAULT;
	h->max_attempts = HOOK_MAX_ATTEMPTS_DEFAULT;
	if (!valid_pattern(pattern)) {
		snprintf(where, sizeof(where), "%s", path);
		conf_error(err, where, "is not an event type, \"prefix.*\" "
		    "or \"*\"");
		bad = -1;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		conf_error(err, path, "must be an object with \"run\"");
		return -1;
	}
	snprintf(where, sizeof(where), "%s.", path);
	if (check_keys(obj, where, hook_keys, err) == -1)
		bad = -1;
	v = h->timeout;
	if (get_int(obj, "timeout", where, HOOK_TIMEOUT_MIN,
	    HOOK_TIMEOUT_MAX, &v, err) == -1)
		bad = -1;
	h->timeout = (int)v;
	v = h->retry_delay;
	if (get_int(obj, "retry_delay", where, HOOK_RETRY_DELAY_MIN,
	    HOOK_RETRY_DELAY_MAX, &v, err) == -1)
		bad = -1;
	h->retry_delay = (int)v;
	v = h->max_attempts;
	if (get_int(obj, "max_attempts", where, HOOK_MAX_ATTEMPTS_MIN,
	    HOOK_MAX_ATTEMPTS_MAX, &v, err) == -1)
		bad = -1;
	h->max_attempts = (int)v;

	snprintf(where, sizeof(where), "%s.run", path);
	if (!json_object_object_get_ex(obj, "run", &run)) {
		conf_error(err, where, "is missing (an array: the program "
		    "and its arguments)");
		return -1;
	}
	if (!json_object_is_type(run, json_type_array) ||
	    (n = json_object_array_length(run)) == 0 || n > MAX_HOOK_ARGV) {
		conf_error(err, where, "must be a non-empty array of strings "
		    "(the program and its arguments)");
		return -1;
	}
	if ((h->argv = calloc(n + 1, sizeof(char *))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(run, i);

		if (!json_object_is_type(a, json_type_string)) {
			snprintf(where, sizeof(where), "%s.run[%zu]", path, i);
			conf_error(err, where, "must be a string");
			return -1;
		}
		h->argv[i] = (char *)json_object_get_string(a);
	}
	snprintf(where, sizeof(where), "%s.run[0]", path);
	/* No search path: a bare name is a file beside the config. */
	h->argv[0] = (char *)resolve(c, h->argv[0]);
	if (check_exec && access(h->argv[0], X_OK) == -1) {
		conf_error(err, where, "is not an executable file: %s",
		    h->argv[0]);
		bad = -1;
	}
	return bad;
}

static const char *const endpoint_keys[] = {
	"provider", "token", "secret", "public_key", "verify_token", "hooks",
	"dedupe_window", "type_pointer", "key_pointer", "resource_pointer",
	"signature_header", "proof", "tolerance", "notification_url", "scheme",
	"keep_days", "quiet_after", NULL
};

/* Whether the endpoint verifies Ed25519 signatures with "public_key". */
static int
reads_public_key(const struct endpoint *ep)
{
	return (ep->provider->flags & PROV_PUBLIC_KEY) || (ep->scheme != NULL &&
	    (ep->scheme->mac == MAC_ED25519 || ep->scheme->ed_key != NULL));
}

/*
 * Whether the endpoint's keys make a sender prove itself: a URL token
 * (any preset), or a key its preset actually checks (its row's flags). A
 * secret a preset never reads (Flipsnack, FlipLink, Quickbutik; generic
 * without signature_header) proves nothing, so it does not count.
 */
static int
has_proof(const struct endpoint *ep)
{
	unsigned f = ep->provider->flags;

	if (ep->token != NULL)
		return 1;
	if ((f & PROV_SECRET) && ep->secret != NULL &&
	    (!(f & PROV_SIG_HEADER) || ep->scheme != NULL))
		return 1;
	return (reads_public_key(ep) && ep->public_key != NULL) ||
	    ((f & PROV_VERIFY_TOKEN) && ep->verify_token != NULL);
}

/*
 * A secret or verify token that can be read but proves nothing useful,
 * or cannot be what the sender shows: only white space (json-c keeps
 * it, and anyone can send it), white space or a control byte at either
 * end or inside (a paste that took a line break with it would answer
 * 401 to every genuine request), or a bare "whsec_" prefix (a secret
 * copied without its body). Empty strings are get_str()'s. Returns 0,
 * or -1 after recording an error naming the key.
 */
static int
check_secret_text(const char *val, const char *path, const char *key,
    struct buf *err)
{
	char where[320];
	const char *why = NULL;
	size_t i, n = strlen(val), ws = 0;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)val[i];

		if (isspace(ch))
			ws++;
		else if (iscntrl(ch) && why == NULL)
			why = "holds a control character: copy it again";
	}
	if (n > 0 && ws == n)
		why = "is only white space: paste the real value";
	else if (n > 0 && (isspace((unsigned char)val[0]) ||
	    isspace((unsigned char)val[n - 1])))
		why = "begins or ends with white space or a line break: "
		    "copy it again without them";
	else if (strcmp(val, "whsec_") == 0)
		why = "is only the whsec_ prefix: paste the whole secret";
	if (why == NULL)
		return 0;
	snprintf(where, sizeof(where), "%s%s", path, key);
	conf_error(err, where, "%s", why);
	return -1;
}

/*
 * The keys an endpoint's preset reads, as its row's flags say: a preset
 * whose every request is signed needs its key, rather than trust what it
 * cannot check; Standard Webhooks keys are decoded here, once, so that a
 * key that could never verify anything is a config error naming it
 * rather than a 401 on every request (the Standard Webhooks spec: whsec_
 * secrets, whpk_ public keys); and a public key is refused where nothing
 * reads one. Returns 0, or -1 after recording the errors.
 */
static int
check_prov_keys(const struct endpoint *ep, const char *path, struct buf *err)
{
	unsigned char key[STD_SECRET_MAX], pk[32];
	unsigned f = ep->provider->flags;
	char where[320], names[256];
	size_t n;
	int bad = 0;

	if ((f & PROV_SIGNED) && ep->secret == NULL &&
	    (!reads_public_key(ep) || ep->public_key == NULL)) {
		snprintf(where, sizeof(where), "%ssecret", path);
		conf_error(err, where, "is missing: %s webhooks are signed, "
		    "paste the signing secret%s here%s", ep->provider->name,
		    f & PROV_WHSEC ? " (whsec_...)" : "", f & PROV_PUBLIC_KEY ?
		    ", or the public key (whpk_...) as public_key" : "");
		bad = -1;
	}
	/*
	 * A secret that can make no key under the endpoint's scheme (a
	 * whsec_ one that is not base64), or a public key pasted as the
	 * secret, would answer 401 to every genuine request, or sign with
	 * less than it seems: an error naming it, and the receiver answers
	 * 503 until it is fixed.
	 */
	if (ep->secret != NULL && strncmp(ep->secret, "whpk_", 5) == 0) {
		snprintf(where, sizeof(where), "%ssecret", path);
		conf_error(err, where, "%s", reads_public_key(ep) ? "is a "
		    "public key: put it in public_key" : "is a public key "
		    "(whpk_...), not a signing secret: paste the secret the "
		    "sender shows");
		bad = -1;
	} else if (ep->secret != NULL && ep->scheme != NULL &&
	    scheme_key(ep->scheme, ep->secret, key, &n) == NULL) {
		snprintf(where, sizeof(where), "%ssecret", path);
		conf_error(err, where, "must be whsec_ and the base64 "
		    "of the secret, as the sender shows it (1 to %d "
		    "bytes)", STD_SECRET_MAX);
		bad = -1;
	}
	sodium_memzero(key, sizeof(key));
	if (reads_public_key(ep) && ep->public_key != NULL &&
	    verify_std_public_key(ep->public_key, pk) == -1) {
		snprintf(where, sizeof(where), "%spublic_key", path);
		conf_error(err, where, "%s", strncmp(ep->public_key, "whsk_",
		    5) == 0 ? "is the sender's private signing key: paste "
		    "the public key (whpk_...) and keep whsk_ secret" :
		    "must be whpk_ and the base64 of a 32-byte Ed25519 "
		    "public key");
		bad = -1;
	}
	if (!reads_public_key(ep) && ep->public_key != NULL) {
		snprintf(where, sizeof(where), "%spublic_key", path);
		conf_error(err, where, "only the %s provider verifies "
		    "signatures with a public key (v1a), and generic with an "
		    "ed25519 \"scheme\"",
		    prov_names(names, sizeof(names), PROV_PUBLIC_KEY));
		bad = -1;
	}
	return bad;
}

/* "proof": only "none" is a value: it marks an endpoint open on purpose. */
static int
get_proof(struct json_object *obj, const char *path, struct endpoint *ep,
    struct buf *err)
{
	const char *v = NULL;
	char where[320];

	if (get_str(obj, "proof", path, &v, err) == -1)
		return -1;
	if (v == NULL)
		return 0;
	if (strcmp(v, "none") != 0) {
		snprintf(where, sizeof(where), "%sproof", path);
		conf_error(err, where, "the only value is \"none\" (an "
		    "endpoint open to anyone who learns its URL); leave it "
		    "out when a token or secret proves the sender");
		return -1;
	}
	ep->proof_none = 1;
	return 0;
}

/* A string made here, kept as long as the conf. Returns it, or NULL. */
static const char *
keep(struct conf *c, const char *text)
{
	struct json_object *o = json_object_new_string(text);

	if (o == NULL || json_object_array_add(c->owned, o) != 0) {
		json_object_put(o);
		return NULL;
	}
	return json_object_get_string(o);
}

/* A header's name, as "X-Signature": letters, digits and '-'. */
static int
valid_header_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= HEADER_NAME_SIZE)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-')
			return 0;
	return 1;
}

/* name in lower case, kept with the conf (headers are matched so). */
static const char *
keep_lower(struct conf *c, const char *name)
{
	char low[HEADER_NAME_SIZE];
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = '\0';
	return keep(c, low);
}

/*
 * One of a closed set of words at key of obj, into *out (its index);
 * absent leaves *out. Returns 0, or -1 after recording an error.
 */
static int
get_word(struct json_object *obj, const char *key, const char *path,
    const char *const *words, int *out, struct buf *err)
{
	const char *v = NULL;
	char where[320];
	struct buf list = { 0 };
	int i;

	if (get_str(obj, key, path, &v, err) == -1)
		return -1;
	if (v == NULL)
		return 0;
	for (i = 0; words[i] != NULL; i++)
		if (strcmp(v, words[i]) == 0) {
			*out = i;
			return 0;
		}
	for (i = 0; words[i] != NULL; i++)
		buf_printf(&list, "%s\"%s\"", i > 0 ? ", " : "", words[i]);
	snprintf(where, sizeof(where), "%s%s", path, key);
	conf_error(err, where, "must be one of %s", list.data);
	buf_free(&list);
	return -1;
}

static const char *const scheme_keys[] = {
	"header", "split", "separator", "prefix", "timestamp_key",
	"signature_key", "timestamp_header", "id_header", "signed", "mac",
	"encoding", "secret_form", "timestamp", NULL
};

/*
 * generic's "scheme" spelt out (README "Signature schemes"): an object
 * that makes a row of the same table the presets use, owned by the
 * endpoint. Returns 0, or -1 after recording the errors.
 */
static int
load_own_scheme(struct conf *c, struct endpoint *ep, struct json_object *obj,
    const char *path, struct buf *err)
{
	static const char *const splits[] = { "whole", "pairs", "tagged",
	    NULL };
	static const char *const macs[] = { "hmac-sha256", "ed25519", NULL };
	static const char *const encs[] = { "hex", "base64", NULL };
	static const char *const forms[] = { "raw", "whsec", NULL };
	static const char *const times[] = { "unix", "iso8601", NULL };
	struct scheme *s;
	const char *header = NULL, *sep = NULL, *p;
	char where[400], proof[96];
	int split = SPLIT_WHOLE, mac = MAC_HMAC_SHA256, enc = ENC_HEX;
	int form = KEY_RAW, tm = TIME_UNIX, bad = 0;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	ep->own_scheme = s;
	snprintf(where, sizeof(where), "%sscheme.", path);
	if (check_keys(obj, where, scheme_keys, err) == -1)
		bad = -1;
	if (get_str(obj, "header", where, &header, err) == -1 ||
	    get_str(obj, "separator", where, &sep, err) == -1 ||
	    get_str(obj, "prefix", where, &s->prefix, err) == -1 ||
	    get_str(obj, "timestamp_key", where, &s->t_key, err) == -1 ||
	    get_str(obj, "signature_key", where, &s->sig_key, err) == -1 ||
	    get_str(obj, "timestamp_header", where, &s->t_header, err) == -1 ||
	    get_str(obj, "id_header", where, &s->id_header, err) == -1 ||
	    get_str(obj, "signed", where, &s->signed_text, err) == -1 ||
	    get_word(obj, "split", where, splits, &split, err) == -1 ||
	    get_word(obj, "mac", where, macs, &mac, err) == -1 ||
	    get_word(obj, "encoding", where, encs, &enc, err) == -1 ||
	    get_word(obj, "secret_form", where, forms, &form, err) == -1 ||
	    get_word(obj, "timestamp", where, times, &tm, err) == -1)
		bad = -1;
	s->name = ep->name;
	s->split = (enum sig_split)split;
	s->mac = (enum sig_mac)mac;
	s->enc = (enum sig_enc)enc;
	s->key = (enum sig_key)form;
	s->time = (enum sig_time)tm;
	s->sep = s->split == SPLIT_TAGGED ? ' ' : ',';
	if (s->signed_text == NULL)
		s->signed_text = "{body}";
	if (header == NULL || !valid_header_name(header)) {
		snprintf(where, sizeof(where), "%sscheme.header", path);
		conf_error(err, where, "%s", header == NULL ? "is missing (the "
		    "header that carries the signature)" : "must be a "
		    "header's name: letters, digits and '-'");
		bad = -1;
	} else
		s->header = keep_lower(c, header);
	if (sep != NULL && (strlen(sep) != 1 || isalnum((unsigned char)*sep) ||
	    *sep == '=')) {
		snprintf(where, sizeof(where), "%sscheme.separator", path);
		conf_error(err, where, "must be one character that is no "
		    "letter, digit or '='");
		bad = -1;
	} else if (sep != NULL)
		s->sep = *sep;
	if (s->split != SPLIT_WHOLE && s->sig_key == NULL) {
		snprintf(where, sizeof(where), "%sscheme.signature_key", path);
		conf_error(err, where, "is missing: the key (\"pairs\") or "
		    "tag (\"tagged\") before each signature, as \"v1\"");
		bad = -1;
	}
	if (s->t_key != NULL && s->split != SPLIT_PAIRS) {
		snprintf(where, sizeof(where), "%sscheme.timestamp_key", path);
		conf_error(err, where, "is read only with \"split\": "
		    "\"pairs\"");
		bad = -1;
	}
	if (s->t_header != NULL && !valid_header_name(s->t_header)) {
		snprintf(where, sizeof(where), "%sscheme.timestamp_header",
		    path);
		conf_error(err, where, "must be a header's name");
		bad = -1;
	} else if (s->t_header != NULL)
		s->t_header = keep_lower(c, s->t_header);
	if (s->id_header != NULL && !valid_header_name(s->id_header)) {
		snprintf(where, sizeof(where), "%sscheme.id_header", path);
		conf_error(err, where, "must be a header's name");
		bad = -1;
	} else if (s->id_header != NULL)
		s->id_header = keep_lower(c, s->id_header);
	/* The template: {t}, {id}, {url} and {body}, each with its source. */
	snprintf(where, sizeof(where), "%sscheme.signed", path);
	for (p = s->signed_text; (p = strchr(p, '{')) != NULL; p++)
		if (strncmp(p, "{t}", 3) != 0 && strncmp(p, "{id}", 4) != 0 &&
		    strncmp(p, "{url}", 5) != 0 &&
		    strncmp(p, "{body}", 6) != 0) {
			conf_error(err, where, "knows only {t}, {id}, {url} "
			    "and {body}");
			bad = -1;
			break;
		}
	if (!scheme_has(s, "{body}")) {
		conf_error(err, where, "must hold {body}");
		bad = -1;
	}
	if (scheme_has(s, "{t}") && s->t_key == NULL && s->t_header == NULL) {
		conf_error(err, where, "holds {t}: say where it is, "
		    "\"timestamp_key\" or \"timestamp_header\"");
		bad = -1;
	}
	if (scheme_has(s, "{id}") && s->id_header == NULL) {
		conf_error(err, where, "holds {id}: say where it is, "
		    "\"id_header\"");
		bad = -1;
	}
	snprintf(proof, sizeof(proof), "%s %.48s", s->mac == MAC_ED25519 ?
	    "ed25519" : "hmac", s->header != NULL ? s->header : "");
	if ((s->proof = keep(c, proof)) == NULL)
		bad = -1;
	ep->scheme = s;
	return bad;
}

/*
 * The scheme that verifies the endpoint: its row's, or for generic a
 * row named by "scheme", one spelt out there, or the HMAC of the body in
 * "signature_header". With a named row, "signature_header" renames its
 * header. Returns 0, or -1 after recording the errors.
 */
static int
load_scheme(struct conf *c, struct endpoint *ep, struct json_object *obj,
    const char *path, struct buf *err)
{
	struct json_object *v;
	const struct scheme *row;
	char where[320];

	snprintf(where, sizeof(where), "%sscheme", path);
	ep->scheme = ep->provider->scheme;
	if (!json_object_object_get_ex(obj, "scheme", &v)) {
		if (ep->signature_header != NULL &&
		    (ep->provider->flags & PROV_SIG_HEADER))
			ep->scheme = &schemes[SCH_HMAC];
		return 0;
	}
	if (!(ep->provider->flags & PROV_SCHEME)) {
		conf_error(err, where, "only generic endpoints take a scheme; "
		    "%s has its own", ep->provider->name);
		return -1;
	}
	if (json_object_is_type(v, json_type_object)) {
		if (ep->signature_header != NULL) {
			snprintf(where, sizeof(where), "%ssignature_header",
			    path);
			conf_error(err, where, "name the header in the "
			    "scheme's \"header\" instead");
			return -1;
		}
		return load_own_scheme(c, ep, v, path, err);
	}
	if (!json_object_is_type(v, json_type_string) ||
	    (row = scheme_find(json_object_get_string(v))) == NULL) {
		struct buf names = { 0 };
		size_t i;

		for (i = 0; i < SCH__MAX; i++)
			if (!schemes[i].internal)
				buf_printf(&names, "%s\"%s\"", names.len ? ", " :
				    "", schemes[i].name);
		conf_error(err, where, "must be a scheme's name (%s) or an "
		    "object that spells one out", names.data);
		buf_free(&names);
		return -1;
	}
	ep->scheme = row;
	if (row->header == NULL && ep->signature_header == NULL) {
		snprintf(where, sizeof(where), "%ssignature_header", path);
		conf_error(err, where, "is missing: the %s scheme reads the "
		    "header it names", row->name);
		return -1;
	}
	if (row->header != NULL && ep->signature_header != NULL) {
		struct scheme *s;

		if (!valid_header_name(ep->signature_header)) {
			snprintf(where, sizeof(where), "%ssignature_header",
			    path);
			conf_error(err, where, "must be a header's name");
			return -1;
		}
		if ((s = malloc(sizeof(*s))) == NULL)
			return -1;
		*s = *row;
		s->header = keep_lower(c, ep->signature_header);
		s->header_alt = NULL;
		ep->own_scheme = s;
		ep->scheme = s;
	}
	return 0;
}

/*
 * "tolerance" where a timestamp is signed, and "notification_url" where
 * the URL is: required by the rows that sign it (Square), refused
 * elsewhere. The URL must be the one entered in the platform, as it is:
 * it is never taken from a request. Returns 0, or -1 after errors.
 */
static int
load_time_and_url(struct endpoint *ep, struct json_object *obj,
    const char *path, struct buf *err)
{
	const struct scheme *s = ep->scheme;
	char where[320];
	long long v = TOLERANCE_DEFAULT;
	const char *u;
	int bad = 0;

	if (get_int(obj, "tolerance", path, TOLERANCE_MIN, TOLERANCE_MAX, &v,
	    err) == -1)
		bad = -1;
	ep->tolerance = (int)v;
	if (json_object_object_get_ex(obj, "tolerance", NULL) &&
	    (s == NULL || !scheme_has(s, "{t}"))) {
		snprintf(where, sizeof(where), "%stolerance", path);
		conf_error(err, where, "only a scheme that signs a timestamp "
		    "reads it (stripe, paddle, standard, flipdish, or a "
		    "generic scheme with {t})");
		bad = -1;
	}
	if (get_str(obj, "notification_url", path, &ep->notification_url,
	    err) == -1)
		return -1;
	snprintf(where, sizeof(where), "%snotification_url", path);
	if (s != NULL && scheme_has(s, "{url}") && ep->notification_url == NULL &&
	    (ep->secret != NULL || (ep->provider->flags & PROV_URL))) {
		conf_error(err, where, "is missing: %s signs the URL its "
		    "notifications go to; paste it exactly as entered there",
		    ep->provider->name);
		bad = -1;
	} else if (ep->notification_url != NULL &&
	    (s == NULL || !scheme_has(s, "{url}"))) {
		conf_error(err, where, "only a scheme that signs the URL reads "
		    "it (square, or a generic scheme with {url})");
		bad = -1;
	} else if ((u = ep->notification_url) != NULL) {
		size_t i, n = strlen(u);
		int ok = n <= MAX_URL_LEN && (strncmp(u, "https://", 8) == 0 ||
		    strncmp(u, "http://", 7) == 0);

		for (i = 0; ok && i < n; i++)
			if (!isgraph((unsigned char)u[i]))
				ok = 0;
		if (!ok) {
			conf_error(err, where, "must be the whole https:// URL "
			    "(at most %d characters, no spaces), exactly as "
			    "entered in the platform", MAX_URL_LEN);
			bad = -1;
		}
	}
	return bad;
}

static int
load_endpoint(struct conf *c, struct endpoint *ep, const char *name,
    struct json_object *obj, int check_exec, struct buf *err)
{
	struct json_object *hooks;
	const char *prov = NULL;
	char path[256], where[320], names[512];
	long long v;
	int bad = 0;

	ep->name = name;
	ep->dedupe_window = DEDUPE_WINDOW_DEFAULT;
	snprintf(path, sizeof(path), "endpoints.%s.", name);
	if (!valid_name(name)) {
		snprintf(where, sizeof(where), "endpoints.%s", name);
		conf_error(err, where, "endpoint names are 1 to %d letters, "
		    "digits, '-' or '_'", MAX_NAME_LEN);
		bad = -1;
	}
	/* <script URL>/_inbox is the owner's inbox (inbox.c). */
	if (strcmp(name, INBOX_NAME) == 0) {
		snprintf(where, sizeof(where), "endpoints.%s", name);
		conf_error(err, where, "the name %s is the owner's inbox "
		    "(<script URL>/%s): name the endpoint otherwise",
		    INBOX_NAME, INBOX_NAME);
		bad = -1;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(where, sizeof(where), "endpoints.%s", name);
		conf_error(err, where, "must be an object");
		return -1;
	}
	if (check_keys(obj, path, endpoint_keys, err) == -1)
		bad = -1;
	if (get_str(obj, "provider", path, &prov, err) == -1)
		bad = -1;
	snprintf(where, sizeof(where), "%sprovider", path);
	if (prov == NULL) {
		conf_error(err, where, "is missing (one of: %s)",
		    prov_names(names, sizeof(names), 0));
		bad = -1;
	} else if ((ep->provider = prov_find(prov)) == NULL) {
		buf_printf(err, "%s: unknown provider \"%s\" (one of: %s)\n",
		    where, prov, prov_names(names, sizeof(names), 0));
		bad = -1;
	}
	if (get_str(obj, "token", path, &ep->token, err) == -1 ||
	    get_str(obj, "secret", path, &ep->secret, err) == -1 ||
	    get_str(obj, "public_key", path, &ep->public_key, err) == -1 ||
	    get_str(obj, "verify_token", path, &ep->verify_token, err) == -1 ||
	    get_str(obj, "type_pointer", path, &ep->type_pointer, err) == -1 ||
	    get_str(obj, "key_pointer", path, &ep->key_pointer, err) == -1 ||
	    get_str(obj, "resource_pointer", path, &ep->resource_pointer,
	    err) == -1 ||
	    get_str(obj, "signature_header", path, &ep->signature_header,
	    err) == -1)
		bad = -1;
	if (ep->secret != NULL &&
	    check_secret_text(ep->secret, path, "secret", err) == -1)
		bad = -1;
	if (ep->verify_token != NULL && check_secret_text(ep->verify_token,
	    path, "verify_token", err) == -1)
		bad = -1;
	if (get_proof(obj, path, ep, err) == -1)
		bad = -1;
	if (ep->token != NULL && !valid_token(ep->token)) {
		snprintf(where, sizeof(where), "%stoken", path);
		conf_error(err, where, "use up to %d letters, digits, "
		    "'-', '.', '_' or '~' (it travels in the URL)",
		    MAX_TOKEN_LEN);
		bad = -1;
	}
	v = ep->dedupe_window;
	if (get_int(obj, "dedupe_window", path, DEDUPE_WINDOW_MIN,
	    DEDUPE_WINDOW_MAX, &v, err) == -1)
		bad = -1;
	ep->dedupe_window = (int)v;
	v = c->keep_days;
	if (get_int(obj, "keep_days", path, KEEP_DAYS_MIN, KEEP_DAYS_MAX, &v,
	    err) == -1)
		bad = -1;
	ep->keep_days = (int)v;
	v = 0;
	if (get_int(obj, "quiet_after", path, QUIET_AFTER_MIN, QUIET_AFTER_MAX,
	    &v, err) == -1)
		bad = -1;
	ep->quiet_after = (int)v;

	if (ep->provider != NULL && (load_scheme(c, ep, obj, path,
	    err) == -1 || load_time_and_url(ep, obj, path, err) == -1))
		bad = -1;
	if (ep->provider != NULL && check_prov_keys(ep, path, err) == -1)
		bad = -1;
	if (ep->signature_header != NULL && ep->secret == NULL) {
		snprintf(where, sizeof(where), "%ssecret", path);
		conf_error(err, where, "is missing: signature_header needs "
		    "the signing secret");
		bad = -1;
	} else if (ep->provider != NULL && ep->scheme != NULL &&
	    (ep->provider->flags & PROV_SCHEME) &&
	    (ep->scheme->mac == MAC_ED25519 ? ep->public_key == NULL :
	    ep->secret == NULL && (ep->scheme->ed_key == NULL ||
	    ep->public_key == NULL))) {
		snprintf(where, sizeof(where), "%s%s", path,
		    ep->scheme->mac == MAC_ED25519 ? "public_key" : "secret");
		conf_error(err, where, "is missing: the scheme needs it");
		bad = -1;
	}

	/*
	 * No proof at all means anyone who learns the URL (a log, a
	 * referrer, a screenshot) can store events and run the hooks: an
	 * error unless the config says so on purpose.
	 */
	if (ep->provider != NULL) {
		snprintf(where, sizeof(where), "endpoints.%s", name);
		if (!has_proof(ep) && !ep->proof_none) {
			conf_error(err, where, "has no proof at all: anyone "
			    "who learns its URL can store events and run its "
			    "hooks; add a long random \"token\"%s%s, or say "
			    "\"proof\": \"none\" if that is meant",
			    ep->provider->proof_hint != NULL ? " or " : "",
			    ep->provider->proof_hint != NULL ?
			    ep->provider->proof_hint : "");
			bad = -1;
		} else if (has_proof(ep) && ep->proof_none) {
			conf_error(err, where, "says \"proof\": \"none\" "
			    "but has a token or secret that proves the sender: "
			    "remove one of them");
			bad = -1;
		}
	}

	if (!json_object_object_get_ex(obj, "hooks", &hooks))
		return bad;
	snprintf(where, sizeof(where), "%shooks", path);
	if (!json_object_is_type(hooks, json_type_object)) {
		conf_error(err, where, "must be an object of event type -> "
		    "hook");
		return -1;
	}
	ep->nhooks = (size_t)json_object_object_length(hooks);
	if ((ep->hooks = calloc(ep->nhooks + 1, sizeof(*ep->hooks))) == NULL)
		return -1;
	ep->nhooks = 0;
	json_object_object_foreach(hooks, pattern, hobj) {
		snprintf(where, sizeof(where), "%shooks.%s", path, pattern);
		if (load_hook(c, &ep->hooks[ep->nhooks++], pattern, hobj,
		    where, check_exec, err) == -1)
			bad = -1;
	}
	return bad;
}

static const char *const top_keys[] = {
	"database", "max_body_bytes", "max_running_hooks", "busy_timeout_ms",
	"synchronous", "endpoints", "keep_days", "prune_interval", "notify",
	"inbox_session_hours", NULL
};

static int load_notify(struct conf *, int, struct buf *);

static int
load_top(struct conf *c, int check_exec, struct buf *err)
{
	struct json_object *eps, *sync;
	long long v;
	int bad = 0;

	if (!json_object_is_type(c->root, json_type_object)) {
		buf_addstr(err, "the config must be a JSON object\n");
		return -1;
	}
	if (check_keys(c->root, "", top_keys, err) == -1)
		bad = -1;
	if (get_str(c->root, "database", "", &c->database, err) == -1)
		bad = -1;
	else if (c->database == NULL) {
		conf_error(err, "database", "is missing (the path of the SQLite "
		    "file, outside the web root, or a postgresql:// URI)");
		bad = -1;
	} else if (!store_is_pg(c->database))
		c->database = resolve(c, c->database);
	v = MAX_BODY_DEFAULT;
	if (get_int(c->root, "max_body_bytes", "", MAX_BODY_MIN,
	    MAX_BODY_CEILING, &v, err) == -1)
		bad = -1;
	c->max_body = v;
	v = MAX_RUNNING_HOOKS_DEFAULT;
	if (get_int(c->root, "max_running_hooks", "", MAX_RUNNING_HOOKS_MIN,
	    MAX_RUNNING_HOOKS_MAX, &v, err) == -1)
		bad = -1;
	c->max_running = (int)v;
	v = BUSY_TIMEOUT_MS_DEFAULT;
	if (get_int(c->root, "busy_timeout_ms", "", BUSY_TIMEOUT_MS_MIN,
	    BUSY_TIMEOUT_MS_MAX, &v, err) == -1)
		bad = -1;
	c->busy_timeout = (int)v;
	c->sync_full = 1;
	if (json_object_object_get_ex(c->root, "synchronous", &sync)) {
		const char *s = json_object_get_string(sync);

		if (!json_object_is_type(sync, json_type_string) ||
		    (strcmp(s, "full") != 0 && strcmp(s, "normal") != 0)) {
			conf_error(err, "synchronous", "must be \"full\" or "
			    "\"normal\"");
			bad = -1;
		} else
			c->sync_full = strcmp(s, "full") == 0;
	}
	v = KEEP_DAYS_DEFAULT;
	if (get_int(c->root, "keep_days", "", KEEP_DAYS_MIN, KEEP_DAYS_MAX, &v,
	    err) == -1)
		bad = -1;
	c->keep_days = (int)v;
	v = PRUNE_INTERVAL_DEFAULT;
	if (get_int(c->root, "prune_interval", "", PRUNE_INTERVAL_MIN,
	    PRUNE_INTERVAL_MAX, &v, err) == -1)
		bad = -1;
	c->prune_interval = (int)v;
	v = INBOX_SESSION_HOURS_DEFAULT;
	if (get_int(c->root, "inbox_session_hours", "", INBOX_SESSION_HOURS_MIN,
	    INBOX_SESSION_HOURS_MAX, &v, err) == -1)
		bad = -1;
	c->inbox_session_hours = (int)v;
	if (load_notify(c, check_exec, err) == -1)
		bad = -1;

	if (!json_object_object_get_ex(c->root, "endpoints", &eps)) {
		conf_error(err, "endpoints", "is missing");
		return -1;
	}
	if (!json_object_is_type(eps, json_type_object)) {
		conf_error(err, "endpoints", "must be an object of name -> "
		    "endpoint");
		return -1;
	}
	c->nendpoints = (size_t)json_object_object_length(eps);
	if ((c->endpoints = calloc(c->nendpoints + 1,
	    sizeof(*c->endpoints))) == NULL)
		return -1;
	c->nendpoints = 0;
	json_object_object_foreach(eps, name, eobj) {
		if (load_endpoint(c, &c->endpoints[c->nendpoints++], name,
		    eobj, check_exec, err) == -1)
			bad = -1;
	}
	return bad;
}

static char *
read_file(const char *path, size_t *len, struct buf *err)
{
	struct buf b = { 0 };
	char chunk[8192];
	FILE *f;
	size_t n;

	if ((f = fopen(path, "re")) == NULL) {
		buf_printf(err, "%s: cannot open the config: %s\n", path,
		    strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > CONF_MAX_BYTES || buf_add(&b, chunk, n) == -1) {
			buf_printf(err, "%s: the config is over %d bytes\n",
			    path, CONF_MAX_BYTES);
			fclose(f);
			buf_free(&b);
			return NULL;
		}
	}
	fclose(f);
	*len = b.len;
	if (b.data == NULL)
		buf_add(&b, "", 0);
	return b.data;
}

/*
 * Loads and validates the config at path. With check_exec, hook programs
 * must exist and be executable (what `check` reports). Returns the conf,
 * or NULL with one line per problem appended to err. A conf that loads
 * may still carry warnings appended to err by nobody: errors are fatal.
 */
struct conf *
conf_load_ex(const char *path, int check_exec, struct buf *err)
{
	struct json_tokener *tok;
	struct conf *c;
	char *text;
	size_t len;

	if ((text = read_file(path, &len, err)) == NULL)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->file = realpath(path, NULL)) == NULL ||
	    (c->dir = strdup(c->file)) == NULL ||
	    (c->owned = json_object_new_array()) == NULL ||
	    (tok = json_tokener_new_ex(MAX_JSON_DEPTH)) == NULL) {
		free(text);
		conf_free(c);
		buf_addstr(err, "out of memory\n");
		return NULL;
	}
	c->root = json_tokener_parse_ex(tok, text, (int)len);
	if (c->root == NULL ||
	    json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset < (int)len) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		if (c->root != NULL && e == json_tokener_success)
			buf_printf(err, "%s: unexpected text after the JSON "
			    "object at byte %d\n", path, tok->char_offset);
		else
			buf_printf(err, "%s: not valid JSON near byte %d: %s\n",
			    path, tok->char_offset, json_tokener_error_desc(
			    e == json_tokener_continue ?
			    json_tokener_error_parse_eof : e));
		json_tokener_free(tok);
		free(text);
		conf_free(c);
		return NULL;
	}
	json_tokener_free(tok);
	free(text);
	*strrchr(c->dir, '/') = '\0';
	if (load_top(c, check_exec, err) == -1) {
		conf_free(c);
		return NULL;
	}
	return c;
}

struct conf *
conf_load(const char *path, struct buf *err)
{
	return conf_load_ex(path, 0, err);
}

void
conf_free(struct conf *c)
{
	size_t i, j;

	if (c == NULL)
		return;
	for (i = 0; i < c->nendpoints; i++) {
		free(c->endpoints[i].own_scheme);
		for (j = 0; j < c->endpoints[i].nhooks; j++)
			free(c->endpoints[i].hooks[j].argv);
		free(c->endpoints[i].hooks);
	}
	free(c->endpoints);
	free(c->notify.run.argv);
	json_object_put(c->root);
	json_object_put(c->owned);
	free(c->file);
	free(c->dir);
	free(c);
}

const char *conf_file(const struct conf *c) { return c->file; }
const char *conf_database(const struct conf *c) { return c->database; }

/*
 * Where the files hookbox keeps beside its database go (the runner's
 * lock, the store-failure log): beside the SQLite file, named after it;
 * with PostgreSQL, beside the config file, named after that.
 */
const char *
conf_state(const struct conf *c)
{
	return store_is_pg(c->database) ? c->file : c->database;
}
long long conf_max_body(const struct conf *c) { return c->max_body; }
int conf_max_running(const struct conf *c) { return c->max_running; }
int conf_busy_timeout(const struct conf *c) { return c->busy_timeout; }
int conf_synchronous_full(const struct conf *c) { return c->sync_full; }

int
conf_inbox_session_hours(const struct conf *c)
{
	return c->inbox_session_hours;
}
size_t conf_nendpoints(const struct conf *c) { return c->nendpoints; }

/* Whether any endpoint has a hook: if none, nothing is ever due. */
int
conf_has_hooks(const struct conf *c)
{
	size_t i;

	for (i = 0; i < c->nendpoints; i++)
		if (c->endpoints[i].nhooks > 0)
			return 1;
	return 0;
}

const struct endpoint *
conf_endpoint_at(const struct conf *c, size_t i)
{
	return i < c->nendpoints ? &c->endpoints[i] : NULL;
}

const struct endpoint *
conf_endpoint(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nendpoints; i++)
		if (strcmp(c->endpoints[i].name, name) == 0)
			return &c->endpoints[i];
	return NULL;
}

/*
 * The most specific match runs (README.md, "Write a hook"), so that a
 * catch-all never takes an event a hook was written for: an exact type
 * wins, then the longest "prefix.*" whose prefix starts the type at a
 * dot boundary, then "*". Returns NULL when nothing matches.
 */
const struct hook *
conf_match_hook(const struct endpoint *ep, const char *type)
{
	const struct hook *best = NULL, *any = NULL;
	size_t i, bestlen = 0;

	for (i = 0; i < ep->nhooks; i++) {
		const struct hook *h = &ep->hooks[i];
		size_t n = strlen(h->pattern);

		if (strcmp(h->pattern, type) == 0)
			return h;
		if (strcmp(h->pattern, "*") == 0) {
			any = h;
			continue;
		}
		if (n >= 2 && h->pattern[n - 1] == '*' &&
		    strncmp(h->pattern, type, n - 1) == 0 &&
		    type[n - 1] != '\0' && n - 1 > bestlen) {
			best = h;
			bestlen = n - 1;
		}
	}
	return best != NULL ? best : any;
}

/*
 * An address that goes into a To: header as it is: printable ASCII, no
 * space, comma, angle bracket, quote or CR/LF, one '@' with text either
 * side, at most MAX_EMAIL_LEN bytes. Stricter than RFC 5322 on purpose:
 * nothing in it can end a header or add a recipient.
 */
int
conf_valid_email(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s);

	if (n == 0 || n > MAX_EMAIL_LEN || at == NULL || at == s ||
	    at[1] == '\0' || strchr(at + 1, '@') != NULL || s[0] == '-')
		return 0;
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f || strchr("<>()[]\\,;:\"'`|", *s))
			return 0;
	return 1;
}

static const char *const notify_keys[] = {
	"email", "sendmail", "run", "timeout", "url", "window", "failures",
	"refused", NULL
};

/* "notify": {"email": ..., "run": [...], ...} (README "Notifications"). */
static int
load_notify(struct conf *c, int check_exec, struct buf *err)
{
	struct notify_conf *n = &c->notify;
	struct json_object *obj, *run;
	long long v;
	int bad = 0;

	n->sendmail = NOTIFY_SENDMAIL_DEFAULT;
	n->window = NOTIFY_WINDOW_DEFAULT;
	n->failures = NOTIFY_FAILURES_DEFAULT;
	n->refused = NOTIFY_REFUSED_DEFAULT;
	if (!json_object_object_get_ex(c->root, "notify", &obj))
		return 0;
	if (!json_object_is_type(obj, json_type_object)) {
		conf_error(err, "notify", "must be an object with \"email\" "
		    "and/or \"run\"");
		return -1;
	}
	if (check_keys(obj, "notify.", notify_keys, err) == -1)
		bad = -1;
	if (get_str(obj, "email", "notify.", &n->email, err) == -1)
		bad = -1;
	else if (n->email != NULL && !conf_valid_email(n->email)) {
		conf_error(err, "notify.email", "must be one plain address "
		    "(name@host.example, at most %d characters, no spaces, "
		    "commas or angle brackets)", MAX_EMAIL_LEN);
		bad = -1;
	}
	if (get_str(obj, "sendmail", "notify.", &n->sendmail, err) == -1)
		bad = -1;
	else
		n->sendmail = resolve(c, n->sendmail);
	if (get_str(obj, "url", "notify.", &n->url, err) == -1)
		bad = -1;
	else if (n->url != NULL && (strncmp(n->url, "http", 4) != 0 ||
	    strlen(n->url) > MAX_URL_LEN || strpbrk(n->url, " \r\n\t") !=
	    NULL)) {
		conf_error(err, "notify.url", "must be the program's http(s) "
		    "URL, e.g. https://shop.example/cgi-bin/hookbox.fcgi");
		bad = -1;
	}
	v = NOTIFY_WINDOW_DEFAULT;
	if (get_int(obj, "window", "notify.", NOTIFY_WINDOW_MIN,
	    NOTIFY_WINDOW_MAX, &v, err) == -1)
		bad = -1;
	n->window = (int)v;
	v = NOTIFY_FAILURES_DEFAULT;
	if (get_int(obj, "failures", "notify.", NOTIFY_FAILURES_MIN,
	    NOTIFY_FAILURES_MAX, &v, err) == -1)
		bad = -1;
	n->failures = (int)v;
	v = NOTIFY_REFUSED_DEFAULT;
	if (get_int(obj, "refused", "notify.", NOTIFY_REFUSED_MIN,
	    NOTIFY_REFUSED_MAX, &v, err) == -1)
		bad = -1;
	n->refused = (int)v;
	if (json_object_object_get_ex(obj, "run", &run)) {
		/* The same contract as a hook's: load_hook checks it. */
		struct json_object *h = json_object_new_object();

		if (h == NULL || json_object_array_add(c->owned, h) != 0) {
			json_object_put(h);
			return -1;
		}
		json_object_object_add(h, "run", json_object_get(run));
		if (json_object_object_get_ex(obj, "timeout", &run))
			json_object_object_add(h, "timeout",
			    json_object_get(run));
		if (load_hook(c, &n->run, "*", h, "notify", check_exec,
		    err) == -1)
			bad = -1;
	} else if (json_object_object_get_ex(obj, "timeout", &run)) {
		v = HOOK_TIMEOUT_DEFAULT;
		if (get_int(obj, "timeout", "notify.", HOOK_TIMEOUT_MIN,
		    HOOK_TIMEOUT_MAX, &v, err) == -1)
			bad = -1;
		n->run.timeout = (int)v;
	}
	if (n->run.timeout == 0)
		n->run.timeout = HOOK_TIMEOUT_DEFAULT;
	if (n->email == NULL && n->run.argv == NULL) {
		conf_error(err, "notify", "needs \"email\" (an address) or "
		    "\"run\" (a program), or both");
		bad = -1;
	}
	c->has_notify = bad == 0;
	return bad;
}

const struct notify_conf *
conf_notify(const struct conf *c)
{
	return c->has_notify ? &c->notify : NULL;
}

int conf_keep_days(const struct conf *c) { return c->keep_days; }
int conf_prune_interval(const struct conf *c) { return c->prune_interval; }
