/*
 * Writing HTML that shows what strangers sent (the inbox, inbox.c).
 * Every byte that did not come from hookbox itself goes through
 * html_esc (text and quoted attribute values alike) or html_url (a part
 * of a URL, inside an attribute), never through a plain printf: html_fmt
 * is the one way pages are written, and its %s is for hookbox's own
 * text only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hookbox.h"

/*
 * s[0..n) as HTML text, safe in an element's content and inside a quoted
 * attribute value: & < > " ' become references; bytes that are not
 * valid UTF-8 become U+FFFD (a browser would guess otherwise); control
 * bytes other than tab and newline are shown as \xNN. Returns 0 or -1.
 */
int
html_esc(struct buf *b, const void *s, size_t n)
{
	const unsigned char *p = s, *end = p + n;
	struct buf fixed = { 0 };
	int rc = 0;

	if (n == 0)
		return buf_add(b, "", 0);
	/* Invalid UTF-8 first: hb_utf8_fix writes U+FFFD for it. */
	if (hb_utf8_prefix(s, n) != n) {
		if (hb_utf8_fix(&fixed, s, n) == -1)
			return -1;
		p = (const unsigned char *)fixed.data;
		end = p + fixed.len;
	}
	while (rc == 0 && p < end) {
		const unsigned char *q = p;

		while (q < end && *q >= 0x20 && *q != 0x7f && *q != '&' &&
		    *q != '<' && *q != '>' && *q != '"' && *q != '\'')
			q++;
		if (q > p)
			rc = buf_add(b, p, (size_t)(q - p));
		if (rc != 0 || q == end)
			break;
		switch (*q) {
		case '&': rc = buf_addstr(b, "&amp;"); break;
		case '<': rc = buf_addstr(b, "&lt;"); break;
		case '>': rc = buf_addstr(b, "&gt;"); break;
		case '"': rc = buf_addstr(b, "&quot;"); break;
		case '\'': rc = buf_addstr(b, "&#39;"); break;
		case '\t': rc = buf_add(b, "\t", 1); break;
		case '\n': rc = buf_add(b, "\n", 1); break;
		default: rc = buf_printf(b, "\\x%02x", *q); break;
		}
		p = q + 1;
	}
	buf_free(&fixed);
	return rc;
}

/*
 * s[0..n) as one part of a URL (a query value, a path segment): every
 * byte but RFC 3986's unreserved ones percent-encoded, so that the part
 * can end nothing and start no scheme. Returns 0 or -1.
 */
int
html_url(struct buf *b, const void *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = s;
	size_t i;
	int rc = buf_add(b, "", 0);

	for (i = 0; rc == 0 && i < n; i++) {
		unsigned char c = p[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			rc = buf_add(b, &p[i], 1);
		else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };

			rc = buf_add(b, e, 3);
		}
	}
	return rc;
}

/*
 * A piece of a page, printf-like with verbs of its own:
 *	%s	hookbox's own text (a literal, a name from the code), as is
 *	%H	a NUL-terminated string, escaped (html_esc); NULL is ""
 *	%T	a struct store_text, escaped (SQL NULL is "")
 *	%U	a NUL-terminated string as a URL part (html_url)
 *	%d	an int;	%L a long long
 *	%%	'%'
 * Returns 0 or -1.
 */
int
html_fmt(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	const char *p, *s;
	struct store_text t;
	int rc = 0;

	va_start(ap, fmt);
	for (p = fmt; rc == 0 && *p != '\0'; p++) {
		const char *q = strchr(p, '%');

		if (q == NULL) {
			rc = buf_addstr(b, p);
			break;
		}
		if (q > p)
			rc = buf_add(b, p, (size_t)(q - p));
		p = q + 1;
		switch (*p) {
		case 's':
			s = va_arg(ap, const char *);
			rc |= buf_addstr(b, s != NULL ? s : "");
			break;
		case 'H':
			s = va_arg(ap, const char *);
			rc |= html_esc(b, s != NULL ? s : "",
			    s != NULL ? strlen(s) : 0);
			break;
		case 'T':
			t = va_arg(ap, struct store_text);
			rc |= html_esc(b, t.s != NULL ? t.s : "",
			    t.s != NULL ? t.len : 0);
			break;
		case 'U':
			s = va_arg(ap, const char *);
			rc |= html_url(b, s != NULL ? s : "",
			    s != NULL ? strlen(s) : 0);
			break;
		case 'd':
			rc |= buf_printf(b, "%d", va_arg(ap, int));
			break;
		case 'L':
			rc |= buf_printf(b, "%lld", va_arg(ap, long long));
			break;
		case '%':
			rc |= buf_add(b, "%", 1);
			break;
		default:	/* a mistake in hookbox's own format */
			rc = -1;
			p--;
			break;
		}
	}
	va_end(ap);
	return rc ? -1 : 0;
}
