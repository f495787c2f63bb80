/*
 * The request as the web server hands it over: CGI meta-variables
 * (RFC 3875 section 4.1) from environ under CGI or from the FastCGI params,
 * and the body from stdin or the FastCGI stream. Both arrive here as an
 * envp array and a reader callback, so CGI, FastCGI and `simulate` share
 * one path. Every field has a limit, checked before it is copied.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hookbox.h"

/* The meta-variables hookbox reads, found in one pass over envp. */
enum meta {
	M_REMOTE_ADDR, M_REQUEST_METHOD, M_PATH_INFO, M_REQUEST_URI,
	M_SCRIPT_NAME, M_QUERY_STRING, M_CONTENT_TYPE, M_CONTENT_LENGTH,
	M_HTTPS, M_REQUEST_SCHEME,
	M__MAX
};
#define META(name)	{ name, sizeof(name) - 1 }
static const struct {
	const char	*name;
	size_t		 len;
} meta_names[M__MAX] = {
	META("REMOTE_ADDR"), META("REQUEST_METHOD"), META("PATH_INFO"),
	META("REQUEST_URI"), META("SCRIPT_NAME"), META("QUERY_STRING"),
	META("CONTENT_TYPE"), META("CONTENT_LENGTH"), META("HTTPS"),
	META("REQUEST_SCHEME"),
};

/* A header's variable (RFC 3875 section 4.1.18). */
static int
is_http(const char *var)
{
	return var[0] == 'H' && var[1] == 'T' && var[2] == 'T' &&
	    var[3] == 'P' && var[4] == '_';
}

/* A variable set twice counts as its first value, as getenv() has it. */
static void
meta_set(const char **meta, const char *var)
{
	const char *eq = strchr(var, '=');
	size_t n, i;

	if (eq == NULL)
		return;
	n = (size_t)(eq - var);
	for (i = 0; i < M__MAX; i++)
		if (n == meta_names[i].len && var[0] == meta_names[i].name[0] &&
		    memcmp(var, meta_names[i].name, n) == 0) {
			if (meta[i] == NULL)
				meta[i] = eq + 1;
			return;
		}
}

static int
has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int
has_crlf(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

/*
 * A copy of s[0..n) in r->text. Its room was reserved for every string
 * of the environment at once (req_from_env), so it never moves and the
 * pointers into it stay good: one allocation a request, not one a field.
 */
static char *
keep(struct request *r, const char *s, size_t n)
{
	char *p;

	if (r->text.data == NULL || n + 1 > r->text.cap - r->text.len)
		return NULL;
	p = r->text.data + r->text.len;
	memcpy(p, s, n);
	p[n] = '\0';
	r->text.len += n + 1;
	return p;
}

/*
 * HTTP_X_VERIFY_TOKEN=v becomes the header "x-verify-token". Servers
 * already turned '-' into '_', so the reverse mapping is exact for every
 * header a provider sends.
 */
static int
add_header(struct request *r, const char *var, const char *eq,
    struct answer *a)
{
	const char *value = eq + 1;
	size_t i, n = (size_t)(eq - var);
	char *name;

	if (r->nheaders == MAX_HEADERS) {
		answer_set(a, OUT_BAD_REQUEST, "too many request headers "
		    "(at most %d)", MAX_HEADERS);
		return -1;
	}
	if (strlen(value) > MAX_HEADER_LEN || has_crlf(value)) {
		char shown[64];

		hb_escape(shown, sizeof(shown), var, n);
		answer_set(a, OUT_BAD_REQUEST, "request header %s is over %d "
		    "bytes or holds a line break", shown, MAX_HEADER_LEN);
		return -1;
	}
	if ((name = keep(r, var, n)) == NULL)
		return -1;
	for (i = 0; name[i]; i++)
		name[i] = name[i] == '_' ? '-' :
		    (char)tolower((unsigned char)name[i]);
	r->headers[r->nheaders].name = name;
	if ((r->headers[r->nheaders].value = keep(r, value,
	    strlen(value))) == NULL)
		return -1;
	r->nheaders++;
	return 0;
}

static char *
keep_limited(struct request *r, const char *s, size_t max)
{
	size_t n;

	if (s == NULL)
		s = "";
	if ((n = strlen(s)) > max)
		return NULL;
	return keep(r, s, n);
}

/*
 * The file name this program was started as (argv[0] without its
 * directory), set by main: the URL component that names the script when
 * the web server does not say where the script's part of the URL ends.
 */
static const char *script_file;

void
req_set_script(const char *argv0)
{
	const char *slash;

	script_file = NULL;
	if (argv0 == NULL)
		return;
	slash = strrchr(argv0, '/');
	if (slash != NULL)
		argv0 = slash + 1;
	/* An empty or absurd name could only match by accident. */
	if (*argv0 != '\0' && strlen(argv0) <= MAX_NAME_LEN)
		script_file = argv0;
}

/*
 * Checks every component of the raw URL path p[0..n) (after its leading
 * '/'), and finds where the component naming this program ends. Returns
 * that offset, 0 when no component names it, or -1 for a path hookbox
 * will not guess at: a component that does not decode, an encoded '/',
 * "." or ".." (also encoded), or an empty one ("//") other than a
 * trailing slash. The web server matched its location on the path after
 * it had decoded and normalised it; this one is raw, and a path whose
 * two readings can differ is refused rather than read one way here and
 * another way there.
 */
static long
uri_scan(const char *p, size_t n)
{
	char comp[MAX_PATH_LEN + 1];
	size_t i = 1, j, len;
	long found = 0;

	while (i <= n) {
		for (j = i; j < n && p[j] != '/'; j++)
			;
		if (j - i > MAX_PATH_LEN ||
		    hb_urldecode(comp, &len, p + i, j - i) == -1)
			return -1;
		if ((len == 0 && j < n) || memchr(comp, '/', len) != NULL ||
		    strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0)
			return -1;
		if (found == 0 && script_file != NULL &&
		    strcmp(comp, script_file) == 0)
			found = (long)j;
		i = j + 1;
	}
	return found;
}

/*
 * The endpoint path, "/<endpoint>[/<token>]" or "", from PATH_INFO when
 * the server sets it (lighttpd, Apache mod_fcgid and mod_cgi, CGI).
 *
 * Otherwise it is what follows the script's part of REQUEST_URI, up to the
 * query, percent-decoded. Some servers leave PATH_INFO empty for a prefix
 * match and set SCRIPT_NAME to that prefix. nginx with its stock
 * fastcgi_params, and Apache mod_proxy_fcgi without proxy-fcgi-pathinfo,
 * send no PATH_INFO and put the whole (decoded, normalised) path in
 * SCRIPT_NAME; there the script's part ends with the component that names
 * this program (/cgi-bin/hookbox.fcgi), and the first such component
 * counts: the location the server matched starts the path.
 *
 * Returns the path, "" when the URL cannot be placed (a 404 that says
 * how the URL is made), or NULL for a path that is too long or that
 * uri_scan refuses. The part after the script has the limits PATH_INFO
 * has: MAX_PATH_LEN bytes, raw.
 */
static const char *
derive_path(const char **meta, char *tmp, size_t tmpsz, const char **script,
    size_t *scriptlen)
{
	const char *pi = meta[M_PATH_INFO];
	const char *uri = meta[M_REQUEST_URI];
	const char *sn = meta[M_SCRIPT_NAME];
	size_t snlen = sn != NULL ? strlen(sn) : 0, n, start;
	long named;

	/* The script's own URL path, before the endpoint's (the inbox's
	   links): SCRIPT_NAME, unless the path comes from REQUEST_URI. */
	*script = sn != NULL ? sn : "";
	*scriptlen = snlen;
	if (pi != NULL && *pi != '\0')
		return pi;
	if (uri == NULL)
		return "";
	/*
	 * A request line in absolute form (RFC 9112 section 3.2.2): Apache
	 * passes it on as it came, nginx passes only its path. The server
	 * has routed by that path; the scheme and host name no script.
	 */
	if (strncasecmp(uri, "http://", 7) == 0 ||
	    strncasecmp(uri, "https://", 8) == 0) {
		uri = strstr(uri, "://") + 3;
		uri += strcspn(uri, "/?");
	}
	/* Origin form, then: "*" or anything else names no script. */
	if (uri[0] != '/')
		return "";
	n = strcspn(uri, "?");
	/* The script's part and the endpoint's, each at most this long. */
	if (n > 2 * MAX_PATH_LEN || (named = uri_scan(uri, n)) == -1)
		return NULL;
	/* SCRIPT_NAME a prefix of the path, ending at a component. */
	if (snlen > 0 && snlen < n && strncmp(uri, sn, snlen) == 0 &&
	    uri[snlen] == '/')
		start = snlen;
	else if (named > 0)
		start = (size_t)named;
	else
		return "";
	*script = uri;
	*scriptlen = start;
	n -= start;
	if (n >= tmpsz)
		return NULL;
	/* REQUEST_URI is still percent-encoded; PATH_INFO is not. */
	if (hb_urldecode(tmp, &n, uri + start, n) == -1)
		return NULL;
	return tmp;
}

/*
 * Fills r from the CGI meta-variables in envp. Returns 0, or -1 with the
 * answer set (400 for a field over its limit, 413 for CONTENT_LENGTH over
 * max_body_bytes is decided later by the caller, which knows the limit).
 */
int
req_from_env(struct request *r, char **envp, struct answer *a)
{
	char pathbuf[MAX_PATH_LEN + 1];
	const char *meta[M__MAX] = { NULL }, *m, *cl, *path, *script = "";
	size_t scriptlen = 0;
	char **e;
	size_t room = sizeof("?") + sizeof("OTHER");

	memset(r, 0, sizeof(*r));
	r->content_length = -1;
	for (e = envp; e != NULL && *e != NULL; e++) {
		/* Each string kept is a variable's part, or "?" or "OTHER". */
		room += strlen(*e) + 1;
		if (!is_http(*e))
			meta_set(meta, *e);
	}
	if (buf_reserve(&r->text, room) == -1) {
		answer_set(a, OUT_UNAVAILABLE, "out of memory");
		return -1;
	}
	/* First, so that even a refused request says where it came from. */
	if ((r->remote_addr = keep_limited(r, meta[M_REMOTE_ADDR],
	    MAX_ADDR_LEN)) == NULL)
		r->remote_addr = keep(r, "?", 1);
	m = meta[M_REQUEST_METHOD];
	if (m == NULL || strlen(m) > MAX_METHOD_LEN)
		m = "OTHER";	/* answered 405 with Allow, once routed */
	r->method_name = keep(r, m, strlen(m));
	r->method = strcmp(m, "GET") == 0 ? REQ_GET :
	    strcmp(m, "POST") == 0 ? REQ_POST : REQ_OTHER;

	if ((path = derive_path(meta, pathbuf, sizeof(pathbuf), &script,
	    &scriptlen)) == NULL ||
	    (r->path = keep_limited(r, path, MAX_PATH_LEN)) == NULL) {
		answer_set(a, OUT_NOT_FOUND, "the URL path is too long, "
		    "badly encoded, or holds \"..\", \".\", \"//\" or an "
		    "encoded \"/\"");
		return -1;
	}
	if (scriptlen > MAX_PATH_LEN || (r->script = keep(r, script,
	    scriptlen)) == NULL) {
		answer_set(a, OUT_NOT_FOUND, "the script's URL path is too "
		    "long");
		return -1;
	}
	m = meta[M_HTTPS];
	r->https = (m != NULL && (strcasecmp(m, "on") == 0 ||
	    strcmp(m, "1") == 0)) || (meta[M_REQUEST_SCHEME] != NULL &&
	    strcasecmp(meta[M_REQUEST_SCHEME], "https") == 0);
	if ((r->query = keep_limited(r, meta[M_QUERY_STRING],
	    MAX_QUERY_LEN)) == NULL) {
		answer_set(a, OUT_BAD_REQUEST, "the query string is over %d "
		    "bytes", MAX_QUERY_LEN);
		return -1;
	}
	if ((r->content_type = keep_limited(r, meta[M_CONTENT_TYPE],
	    MAX_HEADER_LEN)) == NULL || has_ctl(r->content_type)) {
		answer_set(a, OUT_BAD_REQUEST, "Content-Type is over %d bytes "
		    "or holds control bytes", MAX_HEADER_LEN);
		return -1;
	}
	for (e = envp; e != NULL && *e != NULL; e++) {
		const char *eq;

		if (!is_http(*e) || (eq = strchr(*e, '=')) == NULL)
			continue;
		if (add_header(r, *e + 5, eq, a) == -1) {
			if (a->outcome == OUT_NONE)
				answer_set(a, OUT_UNAVAILABLE, "out of memory");
			return -1;
		}
	}

	/* RFC 3875 section 4.1.2: a decimal count of body bytes. */
	cl = meta[M_CONTENT_LENGTH];
	if (cl != NULL && *cl != '\0') {
		const char *errstr;
		long long n;

		n = hb_strtonum(cl, 0, LLONG_MAX, &errstr);
		if (errstr != NULL && strcmp(errstr, "too large") == 0)
			n = LLONG_MAX;
		else if (errstr != NULL) {
			answer_set(a, OUT_BAD_REQUEST, "Content-Length is "
			    "not a number of bytes");
			return -1;
		}
		r->content_length = n;
	}
	return 0;
}

#define READ_STEP	16384	/* bytes asked of the reader at a time */

/*
 * Reads exactly CONTENT_LENGTH bytes, which the caller has already
 * compared with max_body_bytes. A body that ends early is a 400: the
 * sender will retry, and a cut order must never be stored.
 *
 * Without CONTENT_LENGTH (Apache mod_cgi passes a chunked body that way)
 * the body runs to the end of input, and one byte over max is a 413.
 */
int
req_read_body(struct request *r, long long max, req_reader rd, void *ctx,
    struct answer *a)
{
	int to_eof = r->content_length < 0 && r->method == REQ_POST;
	long long want = to_eof ? max + 1 :
	    r->content_length < 0 ? 0 : r->content_length;

	if (!to_eof && want > max) {
		answer_set(a, OUT_TOO_LARGE, "the body is over max_body_bytes "
		    "(%lld bytes)", max);
		return -1;
	}
	if (buf_add(&r->body, "", 0) == -1)
		goto oom;
	/*
	 * Straight into the body buffer, a read at a time: a stack buffer
	 * would be copied once more and stays touched in every worker.
	 * READ_STEP bounds what a sender that claims a long body and sends
	 * little makes us allocate ahead.
	 */
	while ((long long)r->body.len < want) {
		size_t n = READ_STEP;
		long got;

		if ((long long)n > want - (long long)r->body.len)
			n = (size_t)(want - (long long)r->body.len);
		if (buf_reserve(&r->body, n) == -1)
			goto oom;
		if ((got = rd(ctx, r->body.data + r->body.len, n)) <= 0)
			break;
		r->body.len += (size_t)got;
		r->body.data[r->body.len] = '\0';
	}
	if (to_eof) {
		if ((long long)r->body.len > max) {
			answer_set(a, OUT_TOO_LARGE, "the body is over "
			    "max_body_bytes (%lld bytes)", max);
			return -1;
		}
		return 0;
	}
	/*
	 * FastCGI hands over the whole body: it can be longer, too, and the
	 * specification (6.2) says to abort an update then.
	 */
	if ((long long)r->body.len == want && r->input_ends) {
		char more;

		if (rd(ctx, &more, 1) > 0) {
			answer_set(a, OUT_BAD_REQUEST, "the body is longer "
			    "than its Content-Length (%lld bytes)", want);
			return -1;
		}
	}
	if ((long long)r->body.len != want) {
		answer_set(a, OUT_BAD_REQUEST, "the body is shorter than its "
		    "Content-Length (%zu, not %lld bytes)", r->body.len, want);
		return -1;
	}
	return 0;
 oom:
	answer_set(a, OUT_UNAVAILABLE, "out of memory");
	return -1;
}

/* The value of a header by its lower-case name, or NULL. */
const char *
req_header(const struct request *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++)
		if (strcmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

void
req_free(struct request *r)
{
	buf_free(&r->text);		/* every string of the request */
	buf_free(&r->body);
	memset(r, 0, sizeof(*r));
}
