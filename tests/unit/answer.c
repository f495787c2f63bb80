/*
 * Unit tests of src/answer.c.
 */
#include "unit.h"

/*
 * Formats an answer with headers and splits it: the status line, the
 * header block, and the body parsed as JSON (NULL if it is not JSON).
 */
static struct json_object *
formatted(const struct answer *a, struct buf *out, const char **body)
{
	char *sep;

	out->len = 0;
	if (answer_format(a, out, 1) != 0) {
		note(__LINE__, "answer_format failed");
		return NULL;
	}
	if ((sep = strstr(out->data, "\r\n\r\n")) == NULL) {
		note(__LINE__, "no blank line in [%s]", out->data);
		return NULL;
	}
	*body = sep + 4;
	return json_tokener_parse(sep + 4);
}

static void
t_answer_each(void)
{
	static const struct {
		enum outcome	 o;
		const char	*line, *status;
	} want[] = {
		{ OUT_ACCEPTED, "Status: 200 OK\r\n", "accepted" },
		{ OUT_DUPLICATE, "Status: 200 OK\r\n", "duplicate" },
		{ OUT_BAD_REQUEST, "Status: 400 Bad Request\r\n", "rejected" },
		{ OUT_UNAUTHORIZED, "Status: 401 Unauthorized\r\n", "rejected" },
		{ OUT_NOT_FOUND, "Status: 404 Not Found\r\n", "rejected" },
		{ OUT_BAD_METHOD, "Status: 405 Method Not Allowed\r\n",
		    "rejected" },
		{ OUT_TOO_LARGE, "Status: 413 Payload Too Large\r\n",
		    "rejected" },
		{ OUT_UNAVAILABLE, "Status: 503 Service Unavailable\r\n",
		    "unavailable" },
		{ OUT_NONE, "Status: 500 Internal Server Error\r\n", "error" },
	};
	struct buf out = { 0 };
	struct json_object *o, *v;
	struct answer a;
	const char *body;
	size_t i;
	int ok2xx;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		memset(&a, 0, sizeof(a));
		a.outcome = want[i].o;
		a.id = 41;
		ok2xx = want[i].o == OUT_ACCEPTED || want[i].o == OUT_DUPLICATE;
		if (!ok2xx && want[i].o != OUT_NONE)
			snprintf(a.error, sizeof(a.error), "reason %zu", i);
		if (want[i].o == OUT_BAD_METHOD)
			snprintf(a.allow, sizeof(a.allow), "GET, POST");
		if ((o = formatted(&a, &out, &body)) == NULL) {
			note(__LINE__, "outcome %d: body [%s] is not JSON",
			    want[i].o, out.data);
			continue;
		}
		if (strncmp(out.data, want[i].line, strlen(want[i].line)) != 0)
			note(__LINE__, "outcome %d: [%.40s], want [%s]",
			    want[i].o, out.data, want[i].line);
		EXPECT_HAS(out.data, "\r\nContent-Type: application/json\r\n");
		EXPECT(json_object_object_get_ex(o, "status", &v) &&
		    strcmp(json_object_get_string(v), want[i].status) == 0);
		if (ok2xx) {
			EXPECT(json_object_object_get_ex(o, "id", &v) &&
			    json_object_get_int64(v) == 41);
			EXPECT(!json_object_object_get_ex(o, "error", NULL));
		} else {
			EXPECT(json_object_object_get_ex(o, "error", &v) &&
			    json_object_get_string_len(v) > 0);
			EXPECT(!json_object_object_get_ex(o, "id", NULL));
		}
		if ((want[i].o == OUT_BAD_METHOD) !=
		    (strstr(out.data, "\r\nAllow: ") != NULL))
			note(__LINE__, "outcome %d: Allow header wrong: [%s]",
			    want[i].o, out.data);
		if ((want[i].o == OUT_UNAVAILABLE) !=
		    (strstr(out.data, "\r\nRetry-After: ") != NULL))
			note(__LINE__, "outcome %d: Retry-After wrong: [%s]",
			    want[i].o, out.data);
		EXPECT_INT(answer_status(want[i].o), atoi(want[i].line + 8));
		json_object_put(o);
	}
	buf_free(&out);
}

static void
t_answer_headers(void)
{
	struct buf out = { 0 };
	struct json_object *o;
	struct answer a;
	const char *body;

	memset(&a, 0, sizeof(a));
	snprintf(a.allow, sizeof(a.allow), "GET, POST");
	answer_set(&a, OUT_BAD_METHOD, "quickbutik webhooks use GET, POST");
	o = formatted(&a, &out, &body);
	EXPECT_HAS(out.data, "\r\nAllow: GET, POST\r\n");
	json_object_put(o);
	memset(&a, 0, sizeof(a));
	answer_set(&a, OUT_UNAVAILABLE, "busy");
	o = formatted(&a, &out, &body);
	EXPECT_HAS(out.data, "\r\nRetry-After: 30\r\n");
	json_object_put(o);
	/* Without headers: the JSON body alone. */
	out.len = 0;
	EXPECT_INT(answer_format(&a, &out, 0), 0);
	EXPECT(out.data[0] == '{');
	EXPECT(strstr(out.data, "Status:") == NULL);
	buf_free(&out);
}

static void
t_answer_escaping(void)
{
	struct buf out = { 0 };
	struct json_object *o, *v;
	struct answer a;
	const char *body;

	memset(&a, 0, sizeof(a));
	answer_set(&a, OUT_BAD_REQUEST, "say \"hi\"\nand\\go\t\x01</script>");
	if ((o = formatted(&a, &out, &body)) == NULL)
		note(__LINE__, "not JSON: [%s]", out.data);
	else {
		EXPECT(json_object_object_get_ex(o, "error", &v) &&
		    strcmp(json_object_get_string(v),
		    "say \"hi\"\nand\\go\t\x01</script>") == 0);
		/* One line of JSON, then the newline that ends it. */
		EXPECT(strchr(body, '\n') == body + strlen(body) - 1);
	}
	json_object_put(o);
	buf_free(&out);
}

static void
t_answer_set_first_wins(void)
{
	struct answer a;

	memset(&a, 0, sizeof(a));
	answer_set(&a, OUT_UNAUTHORIZED, "first %d", 1);
	answer_set(&a, OUT_BAD_REQUEST, "second");
	EXPECT_INT(a.outcome, OUT_UNAUTHORIZED);
	EXPECT_STR(a.error, "first 1");
}

const struct unit_case answer_cases[] = {
	{ "answer each outcome", t_answer_each },
	{ "answer Allow and Retry-After", t_answer_headers },
	{ "answer escaping", t_answer_escaping },
	{ "answer first outcome wins", t_answer_set_first_wins },
	{ NULL, NULL }
};
