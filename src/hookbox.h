/*
 * hookbox: a webhook inbox for small shops on shared hosting.
 *
 * The internal header every file shares (the store's files also share
 * store_int.h, their own). Prototypes are grouped by the file that defines
 * them. Data flows one way:
 *	request -> provider -> verify -> store -> answer -> hooks
 * Structs that belong to one module are opaque to the others.
 */
#ifndef HOOKBOX_H
#define HOOKBOX_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <stdio.h>
#include <time.h>

#define HOOKBOX_VERSION		"0.1.0"

#ifndef HOOKBOX_DEFAULT_CONF
#define HOOKBOX_DEFAULT_CONF	"/etc/hookbox/hookbox.conf"
#endif

/*
 * Limits, each named once, here, as SQLite's sqliteLimit.h names its own.
 * A value the config may set has its _DEFAULT beside the _MIN and _MAX
 * the config accepts (config.c refuses anything outside them, naming the
 * key); README.md's "Config" table quotes the defaults. Every input has a
 * fixed limit, checked before anything is allocated for it (README.md,
 * "Limits"). A module's own tuning, which no user meets as a limit
 * (fcgi.c's workers and watchdog, hooks.c's rests, store.c's WAL), is
 * named at the top of its file.
 */

/* The config file, and the values it may set. */
#define CONF_MAX_BYTES		(1024 * 1024)	/* the config file itself */
/* max_body_bytes: a larger body is a 413 before it is read. */
#define MAX_BODY_DEFAULT	(1024 * 1024)
#define MAX_BODY_MIN		1024
#define MAX_BODY_CEILING	(64 * 1024 * 1024) /* its maximum */
/* max_running_hooks: hooks running at once, across all processes. */
#define MAX_RUNNING_HOOKS_DEFAULT 4
#define MAX_RUNNING_HOOKS_MIN	1
#define MAX_RUNNING_HOOKS_MAX	256
/* busy_timeout_ms: a request's wait for the database before its 503. */
#define BUSY_TIMEOUT_MS_DEFAULT	5000
#define BUSY_TIMEOUT_MS_MIN	0
#define BUSY_TIMEOUT_MS_MAX	60000
/* endpoints.NAME.dedupe_window: seconds an id-less repeat is a duplicate. */
#define DEDUPE_WINDOW_DEFAULT	300
#define DEDUPE_WINDOW_MIN	0
#define DEDUPE_WINDOW_MAX	(86400 * 30)
/* endpoints.NAME.hooks.TYPE.timeout: seconds a hook may run. */
#define HOOK_TIMEOUT_DEFAULT	30
#define HOOK_TIMEOUT_MIN	1
#define HOOK_TIMEOUT_MAX	86400
/* ... retry_delay: seconds before the first retry, doubling after each. */
#define HOOK_RETRY_DELAY_DEFAULT 30
#define HOOK_RETRY_DELAY_MIN	1
#define HOOK_RETRY_DELAY_MAX	86400
/* ... max_attempts: runs before a delivery is dead. */
#define HOOK_MAX_ATTEMPTS_DEFAULT 8
#define HOOK_MAX_ATTEMPTS_MIN	1
#define HOOK_MAX_ATTEMPTS_MAX	100
#define MAX_HOOK_ARGV		64		/* ... run: program and arguments */
/* endpoints.NAME.token: 1 to MAX_TOKEN_LEN URL-safe characters. */
#define MAX_TOKEN_LEN		256
#define MIN_TOKEN_LEN		16		/* `check` warns about shorter */
#define MIN_SECRET_LEN		24		/* a secret's bytes: `check` warns
						   about shorter */
/* endpoints.NAME.tolerance: seconds a signed timestamp may be from now,
   either way (schemes whose signed text holds {t}). */
#define TOLERANCE_DEFAULT	300
#define TOLERANCE_MIN		1
#define TOLERANCE_MAX		86400
/* endpoints.NAME.notification_url: Square's signed URL, as entered. */
#define MAX_URL_LEN		2048
#define MAX_NAME_LEN		64		/* endpoint names; the script's name */

/* A request. */
#define MAX_METHOD_LEN		16		/* REQUEST_METHOD: longer is OTHER */
#define MAX_ADDR_LEN		64		/* REMOTE_ADDR: longer is "?" */
#define MAX_QUERY_LEN		8192		/* QUERY_STRING bytes */
#define MAX_QUERY_PARAMS	64		/* name=value pairs in a query or form */
#define MAX_PATH_LEN		1024		/* PATH_INFO bytes */
#define MAX_HEADER_LEN		8192		/* one header value */
#define MAX_HEADERS		64		/* HTTP_* variables kept */
#define HEADER_NAME_SIZE	128		/* a header name copied, with its NUL */
#define MAX_JSON_DEPTH		64		/* nesting of a JSON body */
#define MAX_JSON_OBJECTS	10000		/* objects in a JSON body */
#define MAX_JSON_VALUES		50000		/* values in a JSON body */
#define MAX_FIELD_LEN		512		/* event type, key, resource id, + NUL */
#define MAX_EVENT_TYPE_LEN	128		/* but an event type at most this */
#define MAX_WEBHOOK_ID_LEN	256		/* Standard Webhooks' webhook-id */
#define CLOCK_SKEW_SECS		TOLERANCE_DEFAULT /* signed timestamps, either
						   way, unless "tolerance" */

/* What is kept, and how hookbox answers and runs hooks. */
#define REJECTS_CAP		1000		/* rows kept in `rejects` */
#define REJECT_BODY_BYTES	256		/* body bytes kept per reject */
#define RETRY_AFTER_SECS	30		/* Retry-After on 503 */
#define RETRY_BACKOFF_MAX	86400		/* a hook's retry waits at most a day */
#define RUNNER_NICE		19		/* hooks' CPU priority */

/* The owner's inbox (inbox.c, auth.c). */
#define PASSWORD_MIN		8		/* bytes of the inbox's password */
#define PASSWORD_MAX		1024
/*
 * Argon2id's cost (crypto_pwhash_str): libsodium's interactive
 * opslimit, with 32 MiB rather than its 64: a shared host often caps a
 * process's memory, and a FastCGI process already holds its own. One
 * verification at a time per process (auth.c).
 */
#define PWHASH_OPSLIMIT		2
#define PWHASH_MEMLIMIT		(32 << 20)
/* inbox_session_hours: a session of the inbox unused this long ends. */
#define INBOX_SESSION_HOURS_DEFAULT 12
#define INBOX_SESSION_HOURS_MIN	1
#define INBOX_SESSION_HOURS_MAX	720		/* 30 days */
#define AUTH_COOKIE		"hookbox_inbox"
/*
 * The sign-in form's own token (login CSRF): a random value in this
 * cookie, echoed by the form, before there is a session.
 */
#define SIGNIN_COOKIE		"hookbox_signin"
#define SIGNIN_COOKIE_SECS	3600		/* a sign-in form stays good */
#define AUTH_TOKEN_LEN		43		/* 32 random bytes, base64url */
/* Failed sign-ins: these many cost nothing, then 1, 2, 4 ... s up to cap. */
#define THROTTLE_FREE_ADDR	0
#define THROTTLE_CAP_ADDR	900
#define THROTTLE_FREE_ALL	20
#define THROTTLE_CAP_ALL	300
#define INBOX_FORM_MAX		4096		/* a form the inbox is sent */
#define INBOX_PAGE_ROWS		50		/* events a page */
#define INBOX_PAGE_MAX		10000		/* pages of events */
#define INBOX_SEARCH_MAX	200		/* bytes of a search */
/* keep_days (top level and endpoints.NAME): events kept; 0 keeps all. */
#define KEEP_DAYS_DEFAULT	90
#define KEEP_DAYS_MIN		0
#define KEEP_DAYS_MAX		36500
/* prune_interval: seconds between two automatic prunes. */
#define PRUNE_INTERVAL_DEFAULT	3600
#define PRUNE_INTERVAL_MIN	1
#define PRUNE_INTERVAL_MAX	(86400 * 7)
/* endpoints.NAME.quiet_after: seconds without an event before a notice. */
#define QUIET_AFTER_MIN		60
#define QUIET_AFTER_MAX		(86400 * 365)
/* notify.window: seconds, at most one message per cause in it. */
#define NOTIFY_WINDOW_DEFAULT	3600
#define NOTIFY_WINDOW_MIN	1
#define NOTIFY_WINDOW_MAX	(86400 * 7)
/* notify.failures: an event's hook failing this many times in a row. */
#define NOTIFY_FAILURES_DEFAULT	3
#define NOTIFY_FAILURES_MIN	1
#define NOTIFY_FAILURES_MAX	HOOK_MAX_ATTEMPTS_MAX
/* notify.refused: refusals in an hour after a day without any. */
#define NOTIFY_REFUSED_DEFAULT	10
#define NOTIFY_REFUSED_MIN	1
#define NOTIFY_REFUSED_MAX	100000
#define NOTIFY_SENDMAIL_DEFAULT	"/usr/sbin/sendmail"
#define MAX_EMAIL_LEN		254		/* RFC 5321's path limit */

/* util.c */
void	 hb_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 hb_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
long long hb_strtonum(const char *, long long, long long, const char **);
size_t	 hb_escape(char *, size_t, const void *, size_t);
void	 hb_hmac_sha256(unsigned char [32], const void *, size_t,
	    const void *, size_t);
void	 hb_sha256_hex(char [65], const void *, size_t);
int	 hb_base64_any(unsigned char *, size_t, size_t *, const char *, size_t);
int	 hb_urldecode(char *, size_t *, const char *, size_t);
/* One name=value pair of a query or a urlencoded form, as sent. */
struct hb_param {
	const char	*name;		/* the pair: name[0..len) */
	size_t		 len;
	size_t		 nlen;		/* its name, undecoded */
	const char	*value;		/* after the first '=', undecoded */
	size_t		 vlen;
};
int	 hb_query_next(const char **, struct hb_param *);
int	 hb_param_is(const struct hb_param *, const char *);
time_t	 hb_parse_iso8601(const char *);
void	 hb_iso8601(char [32], time_t);
char	*hb_strndup(const char *, size_t);
long long hb_proc_start(pid_t);
long long hb_mono_ms(void);
long long hb_mono_us(void);
struct buf;
struct json_object;
size_t	 hb_utf8_prefix(const char *, size_t);
int	 hb_utf8_fix(struct buf *, const char *, size_t);
struct json_object *hb_json_string(const char *, size_t);

/* buf.c: a growable byte buffer, always NUL-terminated */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};
int	 buf_reserve(struct buf *, size_t);
int	 buf_add(struct buf *, const void *, size_t);
int	 buf_addstr(struct buf *, const char *);
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 buf_vprintf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
void	 buf_free(struct buf *);

/* config.c */
struct conf;
struct hook {
	const char	*pattern;	/* "order", "product.*", "*" */
	char		**argv;		/* NULL-terminated */
	int		 timeout;	/* seconds */
	int		 retry_delay;	/* seconds, doubling */
	int		 max_attempts;
};
struct endpoint {
	const char	*name;
	const struct provider *provider;
	const char	*token;
	const char	*secret;
	const char	*public_key;	/* standard: whpk_, for v1a */
	const char	*verify_token;
	const char	*type_pointer;	/* generic / standard */
	const char	*key_pointer;
	const char	*resource_pointer;
	const char	*signature_header;
	const char	*notification_url; /* square: part of the signed text */
	const struct scheme *scheme;	/* what verifies it: its row's, or
					   generic's "scheme" (or NULL) */
	struct scheme	*own_scheme;	/* generic's spelt-out scheme: owned */
	int		 tolerance;	/* seconds, for a signed timestamp */
	int		 proof_none;	/* "proof": "none": open on purpose */
	int		 dedupe_window;
	int		 keep_days;	/* 0: kept for ever */
	int		 quiet_after;	/* seconds; 0: never a notice */
	struct hook	*hooks;
	size_t		 nhooks;
};
/* "notify": where a notice goes (notify.c). */
struct notify_conf {
	const char	*email;		/* or NULL */
	const char	*sendmail;	/* the program */
	struct hook	 run;		/* run.argv NULL: no script */
	const char	*url;		/* the program's URL, for links; or NULL */
	int		 window;	/* seconds */
	int		 failures;
	int		 refused;
};
struct conf	*conf_load(const char *, struct buf *);
struct conf	*conf_load_ex(const char *, int, struct buf *);
void		 conf_free(struct conf *);
const char	*conf_path(void);
const char	*conf_file(const struct conf *);
const char	*conf_database(const struct conf *);
const char	*conf_state(const struct conf *);
long long	 conf_max_body(const struct conf *);
int		 conf_max_running(const struct conf *);
int		 conf_busy_timeout(const struct conf *);
int		 conf_synchronous_full(const struct conf *);
size_t		 conf_nendpoints(const struct conf *);
int		 conf_has_hooks(const struct conf *);
const struct endpoint *conf_endpoint_at(const struct conf *, size_t);
const struct endpoint *conf_endpoint(const struct conf *, const char *);
const struct hook *conf_match_hook(const struct endpoint *, const char *);
const struct notify_conf *conf_notify(const struct conf *); /* or NULL */
int		 conf_keep_days(const struct conf *);
int		 conf_prune_interval(const struct conf *);
int		 conf_inbox_session_hours(const struct conf *);
int		 conf_valid_email(const char *);

/* request.c */
enum req_method { REQ_GET, REQ_POST, REQ_OTHER };
struct header {
	char	*name;		/* lower case, '-' separated */
	char	*value;
};
struct request {
	enum req_method	 method;
	char		*method_name;
	char		*path;		/* PATH_INFO, or derived */
	char		*script;	/* the script's URL path, before path */
	int		 https;		/* HTTPS=on or REQUEST_SCHEME=https */
	char		*query;		/* raw QUERY_STRING */
	char		*content_type;
	char		*remote_addr;
	struct header	 headers[MAX_HEADERS];
	size_t		 nheaders;
	long long	 content_length; /* -1 when absent */
	int		 input_ends;	/* the input ends with the body (FastCGI):
					   a byte past CONTENT_LENGTH is a 400 */
	struct buf	 body;
	struct buf	 text;		/* the strings above, in one piece */
};
/* Reads up to n bytes; returns bytes read, 0 at end, -1 on error. */
typedef long	(*req_reader)(void *, char *, size_t);
struct answer;
void		 req_set_script(const char *);
int		 req_from_env(struct request *, char **, struct answer *);
int		 req_read_body(struct request *, long long, req_reader, void *,
		    struct answer *);
const char	*req_header(const struct request *, const char *);
void		 req_free(struct request *);

/* answer.c: the one place that maps an outcome to HTTP */
enum outcome {
	OUT_NONE,		/* not decided yet */
	OUT_ACCEPTED,		/* 200 accepted */
	OUT_DUPLICATE,		/* 200 duplicate */
	OUT_PING,		/* 200 ping: a platform's test, not stored */
	OUT_BAD_REQUEST,	/* 400 */
	OUT_UNAUTHORIZED,	/* 401 */
	OUT_NOT_FOUND,		/* 404 */
	OUT_BAD_METHOD,		/* 405 */
	OUT_TOO_LARGE,		/* 413 */
	OUT_UNAVAILABLE,	/* 503 */
	OUT__MAX
};
struct answer {
	enum outcome	 outcome;
	long long	 id;		/* accepted / duplicate */
	char		 error[256];	/* a sentence for the sender */
	char		 allow[32];	/* 405 */
	int		 hooks_due;	/* the runner has work */
};
int		 answer_status(enum outcome);
int		 answer_format(const struct answer *, struct buf *, int);
void		 answer_set(struct answer *, enum outcome, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* providers.c */
struct event {
	char		 type[MAX_FIELD_LEN];
	char		 key[MAX_FIELD_LEN];
	char		 resource[MAX_FIELD_LEN];
	int		 windowed;	/* id-less: dedupe within a window */
	int		 body_signed;	/* a verify proved the body by a MAC
					   or a signature (not a token) */
	char		 proof[64];	/* how the sender proved itself */
	/* Where fields are read, in this order; NULL when not there. */
	const char	*query;		/* the query's name=value pairs */
	const char	*form;		/* a urlencoded body */
	struct json_object *json;	/* a JSON object body's tree: owned */
	const char	*body;		/* json's text */
	size_t		 body_len;
};
/*
 * A platform is one row of providers[] (providers.c): what the rest of
 * hookbox asks of a platform, it asks of the row. The flags say which
 * endpoint keys the row's verify reads, so that the config can require
 * them, refuse the ones it never reads and tell which make a proof.
 */
#define PROV_SECRET	0x01	/* "secret" proves a sender */
#define PROV_SIGNED	0x02	/* every request is signed: an endpoint
				   needs its secret (or public_key) */
#define PROV_WHSEC	0x04	/* "secret" is whsec_ and base64, decoded
				   when the config loads (Standard Webhooks) */
#define PROV_PUBLIC_KEY	0x08	/* "public_key" (whpk_, Ed25519) proves one */
#define PROV_VERIFY_TOKEN 0x10	/* "verify_token" (a static header) proves one */
#define PROV_SIG_HEADER	0x20	/* "secret" proves only with the
				   "signature_header" that carries its MAC */
#define PROV_URL	0x40	/* "notification_url" is part of the signed
				   text: required (Square) */
#define PROV_SCHEME	0x80	/* "scheme" names or spells one (generic) */
/*
 * Where a row reads a field (struct provider's type_from, key_from,
 * resource_from): each source a JSON pointer ("/data/id") or, not
 * starting with '/', a header's name in lower case; the first that
 * yields wins.
 */
#define READ_ACTION	0x01	/* the type, then "." and the body's
				   "action" when it has one (GitHub) */
#define READ_KEY_BODY	0x02	/* the key is the SHA-256 of the type and
				   the signed body: the platform's ids
				   travel in headers its signature does
				   not cover (WooCommerce, Shopify, GitHub) */
struct provider {
	const char	*name;
	unsigned	 methods;	/* 1 << REQ_GET | 1 << REQ_POST */
	const char	*allow;		/* Allow header for 405 */
	unsigned	 flags;		/* PROV_* */
	const char	*proof_hint;	/* for a config error: what proves a
					   sender besides a URL token, or NULL */
	const char	*title;		/* the platform's name, as it spells it */
	const char	*where;		/* where in its settings the URL goes
					   (the inbox's Endpoints page) */
	const struct scheme *scheme;	/* how its senders sign, or NULL */
	/* Where norm_row() reads the fields (READ_* above), or NULL. */
	const char *const *type_from;
	const char *const *key_from;
	const char *const *resource_from;
	unsigned	 read;		/* READ_* */
	/*
	 * Each callback gets the endpoint, and through ep->provider its
	 * own row, so that rows which differ only in data (a header's
	 * name, a signed template) can share one.
	 */
	int		(*normalise)(const struct endpoint *,
			    const struct request *, struct event *,
			    struct answer *);
	/* NULL: the URL token is the only proof. */
	int		(*verify)(const struct endpoint *,
			    const struct request *, time_t, struct event *,
			    struct answer *);
	/*
	 * verify's inverse, for `hookbox simulate` and the round-trip test:
	 * appends to headers, one "Name: value\n" line each, what makes
	 * body, sent at now, pass verify for the endpoint. Returns 0 (and
	 * adds nothing when the endpoint has no key that signs: the request
	 * then goes as it is), or -1 with a sentence in why. NULL exactly
	 * when verify is.
	 */
	int		(*sign)(const struct endpoint *, const void *, size_t,
			    time_t, struct buf *, struct buf *);
};
const struct provider *prov_find(const char *);
const struct provider *prov_at(size_t);
const char	*prov_names(char *, size_t, unsigned);

struct json_object *prov_query_object(const char *, struct answer *);
void		 prov_event_free(struct event *);

/* verify.c */
#define QUERY_TOKEN	"token"	/* the query parameter of the URL token */
#define STD_SECRET_MAX	256	/* bytes of a secret, decoded (whsec_) or
				   as given */
/*
 * A signature scheme, as data (README "Signature schemes"): which header
 * carries the proof and how it splits, what is signed (a template over
 * {t}, {id}, {url} and {body}), the MAC and its encoding, and the secret's
 * form. verify_scheme() runs any row; the rows are providers.c's.
 */
enum sig_split {
	SPLIT_WHOLE,		/* "<prefix><sig>", several split by sep */
	SPLIT_PAIRS,		/* "t=<t>,v1=<sig>,v1=<sig>" (sep, '=') */
	SPLIT_TAGGED		/* "v1,<sig> v1a,<sig>" (sep, ',') */
};
enum sig_mac { MAC_HMAC_SHA256, MAC_ED25519 };
enum sig_enc { ENC_HEX, ENC_BASE64, ENC_HEX_OR_BASE64 };
enum sig_key { KEY_RAW, KEY_WHSEC };
enum sig_time { TIME_UNIX, TIME_ISO8601 };
struct scheme {
	const char	*name;		/* "stripe": generic's "scheme" */
	const char	*header;	/* lower case; NULL: signature_header */
	const char	*header_alt;	/* read when header is absent */
	enum sig_split	 split;
	char		 sep;		/* between entries */
	const char	*prefix;	/* WHOLE: may precede each entry */
	const char	*t_key;		/* PAIRS: the timestamp's key */
	const char	*sig_key;	/* PAIRS: a MAC's key; TAGGED: its tag */
	const char	*ed_key;	/* TAGGED: an Ed25519 signature's tag */
	const char	*t_header;	/* {t} from a header (Standard) */
	const char	*t_header_alt;
	const char	*id_header;	/* {id} from a header (Standard) */
	const char	*id_header_alt;
	const char	*signed_text;	/* "{t}.{body}" */
	enum sig_mac	 mac;		/* of sig_key's entries */
	enum sig_enc	 enc;
	enum sig_key	 key;
	enum sig_time	 time;
	const char	*proof;		/* stored as the event's proof */
	const char	*proof_ed;	/* ... when ed_key's entry matched */
	int		 internal;	/* not a name generic's "scheme" takes */
};
/* What a request offers a scheme: its headers' values, body and clock. */
struct sig_input {
	const char	*sig;		/* the signature header's value */
	const char	*t;		/* t_header's value */
	const char	*id;		/* id_header's value */
	const char	*url;		/* the endpoint's notification_url */
	const void	*body;
	size_t		 len;
	time_t		 now;
	int		 tolerance;	/* seconds either way, for {t} */
};
enum sig_result { SIG_NONE = 0, SIG_MAC, SIG_ED25519 };
/* The rows (verify.c): generic's "scheme" names one, a preset points at one. */
enum scheme_id {
	SCH_HMAC, SCH_REFLOW, SCH_STANDARD, SCH_FLIPDISH, SCH_FLIPDISH_BODY,
	SCH_WOOCOMMERCE, SCH_SHOPIFY, SCH_STRIPE, SCH_PADDLE, SCH_SQUARE,
	SCH_GITHUB, SCH_MOLLIE, SCH__MAX
};
extern const struct scheme schemes[SCH__MAX];
const struct scheme *scheme_find(const char *);
int	 scheme_has(const struct scheme *, const char *);
const unsigned char *scheme_key(const struct scheme *, const char *,
	    unsigned char [STD_SECRET_MAX], size_t *);
int	 scheme_message(const struct scheme *, const char *, const char *,
	    const char *, const void *, size_t, struct buf *);
enum sig_result verify_scheme(const struct scheme *, const char *,
	    const char *, const struct sig_input *);
int	 verify_token(const struct endpoint *, const struct request *,
	    struct answer *);
int	 verify_hmac_hex(const char *, const void *, size_t, const char *);
/* Which Standard Webhooks entry proved a request. */
enum std_proof { STD_NONE = 0, STD_V1, STD_V1A };
int	 verify_std_secret(const char *, unsigned char [STD_SECRET_MAX],
	    size_t *);
int	 verify_std_public_key(const char *, unsigned char [32]);
enum std_proof verify_standard(const char *, const char *, const char *,
	    const char *, const char *, const void *, size_t, time_t);
/*
 * What verify_flipdish() says matched, stored as the event's proof. Both
 * begin with FD_PROOF_SIGNED, by which the normaliser knows that the body
 * is signed and that no unsigned header may decide its type or key.
 */
#define FD_PROOF_SIGNED	"flipdish-v3 "
#define FD_PROOF_TBODY	FD_PROOF_SIGNED "hmac(t.body)"
#define FD_PROOF_BODY	FD_PROOF_SIGNED "hmac(body), freshness unproven"
int	 verify_flipdish(const char *, const char *, const void *, size_t,
	    time_t, const char **);
int	 verify_flipdish_tol(const char *, const char *, const void *, size_t,
	    time_t, int, const char **);
int	 verify_path_token(const struct request *, const char *);

/*
 * The store: one SQLite file, or a PostgreSQL database (a URI as
 * `database`); nothing outside the store's files knows which. store.c
 * the connection and schema, store_write.c events and rejects,
 * store_run.c the hook runner's side, store_read.c the command line's
 * queries, store_pg.c PostgreSQL's own. struct store is theirs alone
 * (store_int.h).
 */
struct store;
enum store_err { ST_OK = 0, ST_DUPLICATE, ST_BUSY, ST_FAIL };
struct stored_event {
	const char	*endpoint;
	const char	*provider;
	const struct event *ev;
	const struct request *req;
	const char	*query;		/* redacted */
	const char	*headers;	/* JSON, redacted */
	const char	*hook;		/* matched pattern, or NULL */
	int		 dedupe_window;
	time_t		 now;
};
/* store_open flags */
#define STORE_SYNC_FULL	0x1	/* synchronous=FULL, else NORMAL */
#define STORE_QUEUE	0x2	/* one thread, SIGALRM unused: queue to write */
#define STORE_GROUP	0x4	/* the one writer of a process: no looks first */
void		 store_setup(void);
int		 store_is_pg(const char *);
void		 store_where(const char *, char *, size_t);
struct store	*store_open(const char *, int, int, struct buf *);
void		 store_close(struct store *);
int		 store_init(const char *, struct buf *);
int		 store_migrate(const char *, const char *, int, FILE *,
		    struct buf *);
struct reject {
	const char	*endpoint;
	int		 status;
	const char	*reason;
	const char	*addr;
	const void	*body;
	size_t		 len;
	time_t		 now;
};
/* One write of a batch: an event (se) or a reject (rj). */
struct store_item {
	const struct stored_event *se;
	const struct reject *rj;
	enum store_err	 result;
	long long	 id;
};
void		 store_write(struct store *, struct store_item *, size_t);
void		 store_reject(struct store *, const struct reject *);
int		 store_check(struct store *, struct buf *);

/* store_run.c: one claimed delivery, the attempt and the event it carries */
struct delivery {
	long long	 id;		/* the attempt's row */
	long long	 event_id;
	int		 attempt;
	int		 retry;		/* claimed from a failed attempt */
	char		*hook, *endpoint, *provider, *type, *key, *resource;
	char		*method, *query;
	time_t		 received_at;
	struct buf	 body;
};
/*
 * A delivery's state. The database stores its name, the same word
 * (delivery_status_name); this is the one place that maps the two.
 */
enum delivery_status {
	DS_PENDING,		/* waiting: the first attempt */
	DS_RUNNING,
	DS_SUCCEEDED,
	DS_FAILED,		/* waiting for its retry, or superseded by it */
	DS_DEAD,		/* never retried */
	DS__MAX
};
const char	*delivery_status_name(enum delivery_status);
enum delivery_status delivery_status_of(const char *);
struct attempt_result {
	long long	 delivery;	/* its deliveries row */
	enum delivery_status status;	/* succeeded, failed, dead */
	int		 exit_code;	/* -1 if none */
	int		 signal;	/* 0 if none */
	const char	*output;	/* the tail */
	char		 error[256];
	time_t		 finished_at;
	time_t		 next_at;	/* retry time, or 0 */
};
int		 store_claim(struct store *, time_t, int, int,
		    const struct attempt_result *, struct delivery *);
int		 store_started(struct store *, long long, pid_t, long long,
		    time_t);
int		 store_due(struct store *, time_t, int);
time_t		 store_next_due(struct store *);
long long	 store_newest_event(struct store *);
/* store_replay's result */
enum replay_result {
	REPLAY_ERROR = -1,
	REPLAY_DUE,		/* its hook runs again: it is due now */
	REPLAY_RUNNING,		/* its hook is running now: left alone */
	REPLAY_NO_EVENT
};
enum replay_result store_replay(struct store *, long long, const char *,
		    time_t);
/* store_mark_done's result */
enum done_result {
	DONE_ERROR = -1,
	DONE_OK,		/* marked: not retried, not shown as failing */
	DONE_RUNNING,		/* its hook is running now: left alone */
	DONE_NOTHING		/* succeeded, already done, or no hook */
};
enum done_result store_mark_done(struct store *, long long, time_t);
void		 delivery_free(struct delivery *);

/*
 * store_read.c: the command line's queries. Each gives its rows to a
 * callback, whose pointers hold until it returns; the callback returns 0
 * to go on, anything else to stop. Each returns the number of rows given,
 * or -1 on an error (store_errmsg says which).
 */
struct store_text {
	const char	*s;		/* NULL for SQL NULL */
	size_t		 len;		/* bytes (a sender's: any bytes) */
};
struct list_filter {
	const char	*endpoint;	/* NULL: any */
	const char	*type;		/* NULL: any; "order.*": the family */
	const char	*status;	/* the hook state, or NULL: any */
	time_t		 since;
	time_t		 until;		/* 0: now */
	const char	*text;		/* NULL, or a resource id, an event
					   key, or text in the body */
	long long	 limit;
	long long	 offset;	/* rows skipped (a page) */
};
struct event_row {
	long long	 id;
	time_t		 received_at;
	struct store_text endpoint, type, key, resource, method, remote_addr,
			 proof;
	struct store_text hook_status;	/* s NULL: no hook matched */
};
struct event_detail {
	long long	 id;
	time_t		 received_at;
	struct store_text endpoint, provider, type, key, resource, method,
			 query, content_type, remote_addr, proof, headers;
	struct store_text body;		/* s NULL when empty */
};
struct attempt_row {
	long long	 id;
	int		 attempt;
	struct store_text hook, status, error, output;
	int		 exit_code;	/* -1 if none */
	int		 signal;	/* -1 if none */
	time_t		 started_at, finished_at, next_at; /* 0 if none */
};
struct reject_row {
	long long	 id;
	time_t		 received_at;
	int		 status;
	struct store_text endpoint, remote_addr, reason, body_head;
	long long	 count;
};
/* `hookbox stats`: its sections */
enum store_count { COUNT_EVENTS, COUNT_HOOKS, COUNT_ATTEMPTS };
struct count_row {
	struct store_text endpoint;
	struct store_text name;		/* the event type, or the hook */
	struct store_text state;	/* "" for COUNT_EVENTS */
	long long	 n;
};
const char	*store_errmsg(struct store *);
int		 store_list(struct store *, const struct list_filter *,
		    int (*)(void *, const struct event_row *), void *);
int		 store_event_detail(struct store *, long long,
		    int (*)(void *, const struct event_detail *), void *);
int		 store_attempts(struct store *, long long,
		    int (*)(void *, const struct attempt_row *), void *);
int		 store_queued_hook(struct store *, long long,
		    int (*)(void *, const char *), void *);
int		 store_event_type(struct store *, long long,
		    int (*)(void *, const char *, const char *), void *);
int		 store_rejects(struct store *, long long,
		    int (*)(void *, const struct reject_row *), void *);
int		 store_counts(struct store *, enum store_count,
		    int (*)(void *, const struct count_row *), void *);
int		 store_dead_events(struct store *, const char *, long long,
		    int (*)(void *, long long), void *);
int		 store_dead_counts(struct store *,
		    int (*)(void *, struct store_text, long long), void *);

/*
 * store_inbox.c: what the inbox keeps (password hash, sessions, the
 * sign-in throttle) and its front page's summaries. Rows go to a
 * callback as in store_read.c.
 */
struct attention_row {
	long long	 id;		/* the event */
	time_t		 received_at;
	struct store_text endpoint, type, resource, status, error;
	int		 attempt;
	int		 exit_code;	/* -1 if none */
	time_t		 finished_at, next_at;	/* 0 if none */
};
struct endpoint_events {
	struct store_text endpoint;
	time_t		 last_at;
	long long	 today, week;
};
struct endpoint_rejects {
	struct store_text endpoint;
	long long	 today, unauthorized_today, unauthorized_before;
	time_t		 last_at;
};
int		 store_setting(struct store *, const char *, struct buf *);
int		 store_setting_set(struct store *, const char *, const char *);
int		 store_session_new(struct store *, const char *, const char *,
		    time_t);
int		 store_session(struct store *, const char *, char [65],
		    time_t *);
int		 store_session_seen(struct store *, const char *, time_t);
int		 store_session_end(struct store *, const char *);
int		 store_session_expire(struct store *, time_t);
int		 store_throttle(struct store *, const char *, int *, time_t *);
int		 store_throttle_fail(struct store *, const char *, time_t);
int		 store_throttle_clear(struct store *, const char *);
int		 store_attention(struct store *, long long,
		    int (*)(void *, const struct attention_row *), void *);
int		 store_endpoint_events(struct store *, time_t, time_t,
		    int (*)(void *, const struct endpoint_events *), void *);
int		 store_endpoint_rejects(struct store *, time_t, time_t,
		    int (*)(void *, const struct endpoint_rejects *), void *);

/* html.c: what the inbox writes, escaped for where it goes */
int		 html_esc(struct buf *, const void *, size_t);
int		 html_url(struct buf *, const void *, size_t);
int		 html_fmt(struct buf *, const char *, ...);

/* auth.c: the inbox's password, sessions, CSRF tokens and throttle */
enum auth_session {
	SESSION_ERROR = -1,
	SESSION_NONE,		/* no cookie, or not a session */
	SESSION_OK,
	SESSION_EXPIRED		/* it was, but idle too long */
};
long		 auth_backoff(int, int, long);
int		 auth_password_set(struct store *);
int		 auth_set_password(struct store *, const char *, size_t,
		    struct buf *);
int		 auth_password_ok(struct store *, const char *, size_t);
long		 auth_throttle_wait(struct store *, const char *, time_t);
int		 auth_throttle_note(struct store *, const char *, int, time_t);
int		 auth_token_valid(const char *);
int		 auth_session_new(struct store *, const char *, time_t, long,
		    char [AUTH_TOKEN_LEN + 1]);
enum auth_session auth_session_check(struct store *, const char *, time_t,
		    long);
int		 auth_session_end(struct store *, const char *);
void		 auth_csrf(const char *, char [65]);
int		 auth_csrf_ok(const char *, const char *, size_t);
int		 auth_cookie(const char *, const char *, char [AUTH_TOKEN_LEN + 1]);
void		 auth_signin_new(char [AUTH_TOKEN_LEN + 1]);
int		 auth_signin_ok(const char *, const char *, size_t);

/* inbox.c: the owner's pages, at <script URL>/_inbox */
#define INBOX_NAME	"_inbox"
int		 inbox_path(const char *);
int		 inbox_serve(const struct conf *, struct request *, req_reader,
		    void *, int, struct buf *);

/* serve.c: one request through the pipeline */
struct serve_ctx {
	const struct conf *conf;
	struct store	*store;		/* opened on first use */
	time_t		 now;		/* 0: the real clock */
	int		 cgi;		/* a CGI process: one request, then exit */
	int		 store_failed;	/* the store failed: a runner is to send
					   the owner's notice (notify.c) */
};
/* A request between serve_begin() and serve_end(): its one write. */
struct intake {
	struct store_item item;		/* .se or .rj: what to write */
	struct event	 ev;
	struct stored_event se;
	struct reject	 rj;
	const struct hook *hook;
	char		*headers, *query;
	char		 name[MAX_NAME_LEN * 4 + 8];
	time_t		 now;
};
void		 serve_begin(struct serve_ctx *, struct request *, req_reader,
		    void *, struct answer *, struct intake *);
void		 serve_end(struct intake *, struct answer *);
void		 serve(struct serve_ctx *, struct request *, req_reader,
		    void *, struct answer *);
int		 serve_cgi(void);
int		 serve_header_secret(const char *);
struct conf	*serve_load_conf(const char *);
void		 serve_unconfigured(struct answer *);

/* fcgi.c: the FastCGI responder on libfcgi, with group commit */
int		 fcgi_listening(void);
int		 fcgi_main(void);

/* hooks.c */
int		 hooks_due(struct store *, const struct conf *, time_t);
void		 hooks_kick(const char *);
int		 hooks_run(const struct conf *, struct store *, int);

/* hooks.c: a program run the way a hook is (notify.c's sendmail and script) */
struct run_result {
	int		 status;	/* the wait status */
	int		 timed_out;
	char		 error[256];	/* why it could not start, or "" */
};
int		 hooks_exec(const struct hook *, const char *const *,
		    const void *, size_t, struct buf *, struct run_result *);

/*
 * store_upkeep.c and notify.c: notices to the owner and retention
 * (README "Notifications and retention"). The upkeep runs after hooks,
 * from the same runner, at most once per interval.
 */
int		 upkeep_due(struct store *, const struct conf *, time_t);
void		 upkeep_run(const struct conf *, struct store *, int);
int		 notify_store_failed(const char *, const char *);
int		 cli_prune(int, char **);
int		 cli_notify(int, char **);

/* cli.c */
int		 cli_main(int, char **);

#endif
