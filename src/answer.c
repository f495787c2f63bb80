/*
 * The one place that turns an outcome into HTTP, as README.md's "Answers"
 * table has it.
 * Every answer is JSON with "status"; errors add "error", a sentence the
 * sender's operator can act on. Nothing else in hookbox prints a status.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "hookbox.h"

static const struct {
	int		 code;
	const char	*reason;
	const char	*status;
} answers[OUT__MAX] = {
	{ 500, "Internal Server Error", "error" },	/* OUT_NONE */
	{ 200, "OK", "accepted" },			/* OUT_ACCEPTED */
	{ 200, "OK", "duplicate" },			/* OUT_DUPLICATE */
	{ 200, "OK", "ping" },				/* OUT_PING */
	{ 400, "Bad Request", "rejected" },		/* OUT_BAD_REQUEST */
	{ 401, "Unauthorized", "rejected" },		/* OUT_UNAUTHORIZED */
	{ 404, "Not Found", "rejected" },		/* OUT_NOT_FOUND */
	{ 405, "Method Not Allowed", "rejected" },	/* OUT_BAD_METHOD */
	{ 413, "Payload Too Large", "rejected" },	/* OUT_TOO_LARGE */
	{ 503, "Service Unavailable", "unavailable" },	/* OUT_UNAVAILABLE */
};

int
answer_status(enum outcome o)
{
	return answers[o].code;
}

/* Decides the answer, unless an earlier step already did. */
void
answer_set(struct answer *a, enum outcome o, const char *fmt, ...)
{
	va_list ap;

	if (a->outcome != OUT_NONE)
		return;
	a->outcome = o;
	va_start(ap, fmt);
	vsnprintf(a->error, sizeof(a->error), fmt, ap);
	va_end(ap);
}

/* Every request answers, so no printf: it cost more than the rest. */
static int
add_number(struct buf *out, long long n)
{
	char text[24], *p = text + sizeof(text);
	unsigned long long u = n < 0 ? 0 - (unsigned long long)n :
	    (unsigned long long)n;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (n < 0)
		*--p = '-';
	return buf_add(out, p, (size_t)(text + sizeof(text) - p));
}

/*
 * {"status":…,"error":…} and a newline, through json-c; the sentence is
 * made valid UTF-8 first (it may hold a sender's bytes). Returns 0 or -1.
 */
static int
error_json(struct buf *out, const char *status, const char *error)
{
	struct json_object *o = json_object_new_object();
	struct json_object *s = json_object_new_string(status);
	struct json_object *e = hb_json_string(error, strlen(error));
	const char *text;
	size_t len;
	int rc = -1;

	if (o != NULL && s != NULL && e != NULL &&
	    json_object_object_add(o, "status", s) == 0) {
		s = NULL;
		if (json_object_object_add(o, "error", e) == 0) {
			e = NULL;
			text = json_object_to_json_string_length(o,
			    JSON_C_TO_STRING_PLAIN |
			    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
			if (text != NULL && buf_add(out, text, len) == 0 &&
			    buf_add(out, "\n", 1) == 0)
				rc = 0;
		}
	}
	json_object_put(s);
	json_object_put(e);
	json_object_put(o);
	return rc;
}

/*
 * Appends the whole answer to out: the CGI header block ("Status:" is how
 * both CGI and FastCGI responders set the code, RFC 3875 section 6.3.3)
 * when with_headers, then the JSON body. Returns 0 or -1.
 */
int
answer_format(const struct answer *a, struct buf *out, int with_headers)
{
	enum outcome oc = a->outcome;
	int rc = 0;

	if (oc <= OUT_NONE || oc >= OUT__MAX)
		oc = OUT_NONE;
	if (with_headers) {
		/* One call a statement: C leaves the order of a | b open. */
		rc |= buf_addstr(out, "Status: ");
		rc |= add_number(out, answers[oc].code);
		rc |= buf_addstr(out, " ");
		rc |= buf_addstr(out, answers[oc].reason);
		rc |= buf_addstr(out, "\r\nContent-Type: application/json\r\n"
		    "Cache-Control: no-store\r\n");
		if (oc == OUT_BAD_METHOD && a->allow[0] != '\0')
			rc |= buf_printf(out, "Allow: %s\r\n", a->allow);
		if (oc == OUT_UNAVAILABLE)
			rc |= buf_printf(out, "Retry-After: %d\r\n",
			    RETRY_AFTER_SECS);
		rc |= buf_addstr(out, "\r\n");
	}
	/*
	 * A 200 is every accepted request and holds nothing a sender wrote:
	 * a status from the table and a number, written as they are. An
	 * error's sentence may quote the sender: json-c writes it.
	 */
	if (oc == OUT_ACCEPTED || oc == OUT_DUPLICATE) {
		rc |= buf_addstr(out, "{\"status\":\"");
		rc |= buf_addstr(out, answers[oc].status);
		rc |= buf_addstr(out, "\",\"id\":");
		rc |= add_number(out, a->id);
		rc |= buf_addstr(out, "}\n");
		return rc ? -1 : 0;
	}
	/* A platform's test (WooCommerce's ping): nothing was stored. */
	if (oc == OUT_PING)
		return rc | buf_addstr(out, "{\"status\":\"ping\"}\n");
	return rc | error_json(out, answers[oc].status, a->error[0] ?
	    a->error : "internal error");
}
