/*
 * libFuzzer harness: one request through the whole pipeline, serve() of
 * src/serve.c, as CGI and FastCGI run it: req_from_env on a CGI
 * environment, then routing, method, token, body, proof (with a fixed
 * clock), the provider's normalisation and the store (an in-memory
 * SQLite database), then the answer.
 *
 * The input:
 *	byte 0	the endpoint (one per preset, two generic)
 *	byte 1	flags: 0x01 GET, 0x02 no CONTENT_LENGTH, 0x04 CONTENT_LENGTH
 *		off by byte 2, 0x08 signed with the endpoint's secret,
 *		0x10 no token in the path, 0x20 the token as ?token=,
 *		0x40 another method
 *	byte 2	CONTENT_LENGTH offset (signed)
 *	then	"NAME=value" lines (QUERY_STRING, HTTP_*, CONTENT_TYPE,
 *		PATH_INFO... put first, so they win over the defaults),
 *		ended by an empty line; the rest is the body.
 *
 * Checked beyond the sanitizers: every answer is a JSON object with a
 * "status", a 2xx has a positive id, and nothing answers 500.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sodium.h>

#include "hookbox.h"

#define NOW	((time_t)1700000000)	/* 2023-11-14T22:13:20Z */
#define TOKEN	"fuzz-token-0123456789"
#define SECRET	"fuzz-secret-0123456789"
#define WHSEC	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

/* The Standard sender's Ed25519 key pair, from a seed of 0x01 bytes. */
static unsigned char std_sk[crypto_sign_SECRETKEYBYTES];
static char std_whpk[64];

static struct conf *conf;
static struct store *store;
static unsigned long runs;

static const struct {
	const char	*name;
	const char	*provider;
} eps[] = {
	{ "catalog", "flipsnack" }, { "leads", "fliplink" },
	{ "fdv3", "flipdish" }, { "fdlegacy", "flipdish" },
	{ "reflow", "reflow" }, { "shop", "quickbutik" },
	{ "std", "standard" }, { "gen", "generic" }, { "genform", "generic" },
	{ "nohooks", "flipsnack" },
};
#define NEPS	(sizeof(eps) / sizeof(eps[0]))

static void
die(const char *what, struct buf *err)
{
	fprintf(stderr, "fuzz_request: %s: %s\n", what,
	    err != NULL && err->data != NULL ? err->data : "");
	abort();
}

static void
open_store(void)
{
	struct buf err = { 0 };

	if ((store = store_open(":memory:", 0, 0, &err)) == NULL)
		die("store_open", &err);
	buf_free(&err);
}

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/hbfuzz.XXXXXX", path[64];
	struct buf err = { 0 };
	FILE *f;

	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		die("sodium_init", NULL);
	{
		unsigned char seed[32], pk[32];
		char b64[48];

		memset(seed, 1, sizeof(seed));
		crypto_sign_seed_keypair(pk, std_sk, seed);
		sodium_bin2base64(b64, sizeof(b64), pk, sizeof(pk),
		    sodium_base64_VARIANT_ORIGINAL);
		snprintf(std_whpk, sizeof(std_whpk), "whpk_%s", b64);
	}
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", NULL);
	snprintf(path, sizeof(path), "%s/hookbox.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		die("fopen", NULL);
	fprintf(f,
	    "{ \"database\": \"%s/unused.db\", \"max_body_bytes\": 65536,\n"
	    "  \"endpoints\": {\n"
	    "  \"catalog\": { \"provider\": \"flipsnack\", \"token\": \"" TOKEN "\",\n"
	    "    \"hooks\": { \"order\": { \"run\": [\"/bin/true\"] } } },\n"
	    "  \"leads\": { \"provider\": \"fliplink\", \"token\": \"" TOKEN "\",\n"
	    "    \"hooks\": { \"lead.*\": { \"run\": [\"/bin/true\"] }, \"*\": { \"run\": [\"/bin/true\"] } } },\n"
	    "  \"fdv3\": { \"provider\": \"flipdish\", \"secret\": \"" SECRET "\" },\n"
	    "  \"fdlegacy\": { \"provider\": \"flipdish\", \"verify_token\": \"" TOKEN "\" },\n"
	    "  \"reflow\": { \"provider\": \"reflow\", \"secret\": \"" SECRET "\" },\n"
	    "  \"shop\": { \"provider\": \"quickbutik\", \"token\": \"" TOKEN "\", \"dedupe_window\": 60,\n"
	    "    \"hooks\": { \"product.*\": { \"run\": [\"/bin/true\"] } } },\n"
	    "  \"std\": { \"provider\": \"standard\", \"secret\": \"" WHSEC "\",\n"
	    "    \"public_key\": \"%s\", \"resource_pointer\": \"/data/id\" },\n"
	    "  \"gen\": { \"provider\": \"generic\", \"token\": \"" TOKEN "\",\n"
	    "    \"type_pointer\": \"/kind\", \"key_pointer\": \"/uid\",\n"
	    "    \"resource_pointer\": \"/order/id\", \"signature_header\": \"X-Signature\",\n"
	    "    \"secret\": \"" SECRET "\" },\n"
	    "  \"genform\": { \"provider\": \"generic\", \"token\": \"" TOKEN "\",\n"
	    "    \"type_pointer\": \"/a~1b/~0c\" },\n"
	    "  \"nohooks\": { \"provider\": \"flipsnack\", \"token\": \"" TOKEN "\" }\n"
	    "} }\n", dir, std_whpk);
	fclose(f);
	if ((conf = conf_load(path, &err)) == NULL)
		die("conf_load", &err);
	buf_free(&err);
	unlink(path);
	rmdir(dir);
	open_store();
	return 0;
}

struct mem {
	const uint8_t	*p;
	size_t		 n, off;
};

static long
mem_read(void *ctx, char *buf, size_t n)
{
	struct mem *m = ctx;

	if (n > m->n - m->off)
		n = m->n - m->off;
	memcpy(buf, m->p + m->off, n);
	m->off += n;
	return (long)n;
}

static char *
xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
xprintf(const char *fmt, ...)
{
	struct buf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	if (buf_vprintf(&b, fmt, ap) == -1)
		abort();
	va_end(ap);
	return b.data;
}

static char *
hmac_hex(const char *key, const void *prefix, size_t plen, const void *body,
    size_t blen)
{
	struct buf msg = { 0 };
	unsigned char mac[32];
	char hex[65];

	buf_add(&msg, prefix, plen);
	buf_add(&msg, body, blen);
	hb_hmac_sha256(mac, key, strlen(key), msg.data, msg.len);
	buf_free(&msg);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	return strdup(hex);
}

/* The headers that prove the body, made as the sender would. */
static size_t
sign(size_t ep, const uint8_t *body, size_t len, char **env, size_t n)
{
	const char *name = eps[ep].name;
	char *hex;

	if (strcmp(name, "reflow") == 0) {
		hex = hmac_hex(SECRET, "", 0, body, len);
		env[n++] = xprintf("HTTP_SIGNATURE=%s", hex);
		free(hex);
	} else if (strcmp(name, "gen") == 0) {
		hex = hmac_hex(SECRET, "", 0, body, len);
		env[n++] = xprintf("HTTP_X_SIGNATURE=sha256=%s", hex);
		free(hex);
	} else if (strcmp(name, "fdv3") == 0) {
		const char *t = "2023-11-14T22:13:20.000Z";
		char *prefix = xprintf("%s.", t);

		hex = hmac_hex(SECRET, prefix, strlen(prefix), body, len);
		env[n++] = xprintf("HTTP_X_FLIPDISH_SIGNATURE=t=%s,sha256=%s",
		    t, hex);
		free(prefix);
		free(hex);
	} else if (strcmp(name, "std") == 0) {
		unsigned char key[STD_SECRET_MAX], mac[32], sig[64];
		char b64[48], b64sig[96];
		size_t keylen;
		struct buf msg = { 0 };

		if (verify_std_secret(WHSEC, key, &keylen) == -1)
			abort();
		buf_printf(&msg, "msg_fuzz.%lld.", (long long)NOW);
		buf_add(&msg, body, len);
		hb_hmac_sha256(mac, key, keylen, msg.data, msg.len);
		crypto_sign_detached(sig, NULL, (const unsigned char *)msg.data,
		    msg.len, std_sk);
		buf_free(&msg);
		sodium_bin2base64(b64, sizeof(b64), mac, sizeof(mac),
		    sodium_base64_VARIANT_ORIGINAL);
		sodium_bin2base64(b64sig, sizeof(b64sig), sig, sizeof(sig),
		    sodium_base64_VARIANT_ORIGINAL);
		env[n++] = xprintf("HTTP_WEBHOOK_ID=msg_fuzz");
		env[n++] = xprintf("HTTP_WEBHOOK_TIMESTAMP=%lld", (long long)NOW);
		/* Odd bodies prove themselves by v1a, even ones by v1. */
		if (len % 2 == 1)
			env[n++] = xprintf("HTTP_WEBHOOK_SIGNATURE=v1a,%s",
			    b64sig);
		else
			env[n++] = xprintf("HTTP_WEBHOOK_SIGNATURE=v1,%s", b64);
	} else if (strcmp(name, "fdlegacy") == 0)
		env[n++] = xprintf("HTTP_X_VERIFY_TOKEN=%s", TOKEN);
	return n;
}

/* The answer is one JSON object with a status, and never a 500. */
static void
check_answer(const struct answer *a)
{
	struct buf out = { 0 };
	struct json_object *o, *s, *id;
	int code = answer_status(a->outcome);
	const char *json;

	if (code == 500 || answer_format(a, &out, 1) == -1)
		abort();
	if ((json = strstr(out.data, "\r\n\r\n")) == NULL)
		abort();
	o = json_tokener_parse(json + 4);
	if (o == NULL || !json_object_object_get_ex(o, "status", &s))
		abort();
	if (code == 200 && (!json_object_object_get_ex(o, "id", &id) ||
	    json_object_get_int64(id) <= 0))
		abort();
	json_object_put(o);
	buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *env[200];
	size_t n = 0, i, ep, head_len, nfuzz = 0;
	const uint8_t *body, *sep;
	struct request r;
	struct answer a;
	struct mem m;
	struct serve_ctx ctx;
	unsigned flags;
	int cl_off;
	const char *method;

	if (size < 3)
		return 0;
	ep = data[0] % NEPS;
	flags = data[1];
	cl_off = (int8_t)data[2];
	data += 3;
	size -= 3;
	sep = memmem(data, size, "\n\n", 2);
	head_len = sep != NULL ? (size_t)(sep - data) : 0;
	body = sep != NULL ? sep + 2 : data;
	m = (struct mem){ body, size - (size_t)(body - data), 0 };

	if (flags & 0x08)
		n = sign(ep, m.p, m.n, env, n);
	/* The sender's lines: each one NUL-free "NAME=value". */
	for (i = 0; i < head_len && n < 150; ) {
		const uint8_t *nl = memchr(data + i, '\n', head_len - i);
		size_t len = nl != NULL ? (size_t)(nl - (data + i)) : head_len - i;

		if (len > 0 && memchr(data + i, '\0', len) == NULL &&
		    memchr(data + i, '=', len) != NULL) {
			env[n++] = strndup((const char *)data + i, len);
			nfuzz++;
		}
		i += len + 1;
	}
	method = flags & 0x40 ? "PUT" : flags & 0x01 ? "GET" : "POST";
	env[n++] = xprintf("GATEWAY_INTERFACE=CGI/1.1");
	env[n++] = xprintf("REQUEST_METHOD=%s", method);
	env[n++] = xprintf("SCRIPT_NAME=/cgi-bin/hookbox.fcgi");
	env[n++] = xprintf("PATH_INFO=/%s%s", eps[ep].name,
	    flags & 0x10 ? "" : "/" TOKEN);
	if (flags & 0x20)
		env[n++] = xprintf("QUERY_STRING=token=%s", TOKEN);
	env[n++] = xprintf("REMOTE_ADDR=192.0.2.1");
	env[n++] = xprintf("CONTENT_TYPE=%s", strcmp(eps[ep].name,
	    "genform") == 0 ? "application/x-www-form-urlencoded" :
	    "application/json");
	if (!(flags & 0x02))
		env[n++] = xprintf("CONTENT_LENGTH=%lld", (long long)m.n +
		    (flags & 0x04 ? cl_off : 0));
	env[n] = NULL;

	memset(&a, 0, sizeof(a));
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = conf;
	ctx.store = store;
	ctx.now = NOW;
	req_from_env(&r, env, &a);
	serve(&ctx, &r, mem_read, &m, &a);
	check_answer(&a);
	req_free(&r);
	/* serve() closes a store that failed; and memory is kept bounded. */
	store = ctx.store;
	if (store != NULL && ++runs % 5000 == 0) {
		store_close(store);
		store = NULL;
	}
	if (store == NULL)
		open_store();
	for (i = 0; i < n; i++)
		free(env[i]);
	(void)nfuzz;
	return 0;
}
