/*
 * Unit tests of src/util.c.
 */
#include "unit.h"

static void
t_strtonum_ok(void)
{
	const char *e = "unset";

	EXPECT_INT(hb_strtonum("42", 0, 100, &e), 42);
	EXPECT(e == NULL);
	EXPECT_INT(hb_strtonum("-5", -10, 10, &e), -5);
	EXPECT(e == NULL);
	EXPECT_INT(hb_strtonum("0", 0, 0, &e), 0);
	EXPECT(e == NULL);
}

static void
t_strtonum_bounds(void)
{
	const char *e;

	EXPECT_INT(hb_strtonum("100", 0, 100, &e), 100);
	EXPECT(e == NULL);
	EXPECT_INT(hb_strtonum("101", 0, 100, &e), 0);
	EXPECT_STR(e, "too large");
	EXPECT_INT(hb_strtonum("-1", 0, 100, &e), 0);
	EXPECT_STR(e, "too small");
	EXPECT_INT(hb_strtonum("1", 1, 1, &e), 1);
	EXPECT(e == NULL);
}

static void
t_strtonum_junk(void)
{
	static const char *const bad[] = { "12a", "a", " 12", "12 ", "0x10",
	    "1.5", "-", "1e3", "\t7", NULL };
	const char *const *s;
	const char *e;

	for (s = bad; *s != NULL; s++) {
		e = NULL;
		EXPECT_INT(hb_strtonum(*s, -1000, 1000, &e), 0);
		if (e == NULL || strcmp(e, "invalid") != 0)
			note(__LINE__, "[%s]: errstr %s, want invalid", *s,
			    e ? e : "(null)");
	}
}

static void
t_strtonum_empty(void)
{
	const char *e = NULL;

	EXPECT_INT(hb_strtonum("", 0, 10, &e), 0);
	EXPECT_STR(e, "invalid");
	e = NULL;
	EXPECT_INT(hb_strtonum(NULL, 0, 10, &e), 0);
	EXPECT_STR(e, "invalid");
}

static void
t_strtonum_overflow(void)
{
	const char *e;

	EXPECT(hb_strtonum("9223372036854775807", 0, LLONG_MAX, &e) ==
	    LLONG_MAX);
	EXPECT(e == NULL);
	EXPECT_INT(hb_strtonum("9223372036854775808", 0, LLONG_MAX, &e), 0);
	EXPECT_STR(e, "too large");
	EXPECT_INT(hb_strtonum("99999999999999999999999", 0, LLONG_MAX, &e),
	    0);
	EXPECT_STR(e, "too large");
	EXPECT_INT(hb_strtonum("-9223372036854775809", LLONG_MIN, 0, &e), 0);
	EXPECT_STR(e, "too small");
}

static void
t_escape_control(void)
{
	static const char in[] = "a\nb\rc\td\\e\x01" "f\x7f" "g\x80";
	char out[128];
	size_t n;

	n = hb_escape(out, sizeof(out), in, sizeof(in) - 1);
	EXPECT_STR(out, "a\\nb\\rc\\td\\\\e\\x01f\\x7fg\x80");
	EXPECT_INT(n, strlen(out));
	/* A NUL inside the bytes is shown, not taken as the end. */
	n = hb_escape(out, sizeof(out), "x\0y", 3);
	EXPECT_STR(out, "x\\x00y");
	EXPECT_INT(n, 6);
}

static void
t_escape_truncation(void)
{
	char src[200], out[32];
	size_t n;

	memset(src, 'x', sizeof(src));
	memset(out, '#', sizeof(out));
	n = hb_escape(out, 16, src, sizeof(src));
	EXPECT(n < 16);
	EXPECT_INT(strlen(out), n);
	EXPECT(n >= 3 && strcmp(out + n - 3, "...") == 0);
	EXPECT(out[16] == '#');		/* nothing written past dstsz */
	/* An escape sequence is never cut in half. */
	memset(src, '\n', sizeof(src));
	n = hb_escape(out, 16, src, sizeof(src));
	EXPECT(n < 16);
	EXPECT(n >= 3 && strcmp(out + n - 3, "...") == 0);
	EXPECT((n - 3) % 2 == 0);
	/* Tiny buffers are still NUL-terminated. */
	memset(out, '#', sizeof(out));
	EXPECT_INT(hb_escape(out, 1, "abc", 3), 0);
	EXPECT(out[0] == '\0' && out[1] == '#');
	memset(out, '#', sizeof(out));
	n = hb_escape(out, 3, "abcdef", 6);
	EXPECT(n < 3 && out[n] == '\0' && out[3] == '#');
	memset(out, '#', sizeof(out));
	EXPECT_INT(hb_escape(out, 0, "abc", 3), 0);
	EXPECT(out[0] == '#');
}

/* The comment in util.c: cut "when dst is too small", and only then. */
static void
t_escape_exact_fit(void)
{
	char out[16];

	hb_escape(out, 7, "abcdef", 6);		/* 6 bytes + NUL = 7 */
	EXPECT_STR(out, "abcdef");
	hb_escape(out, 3, "ab", 2);
	EXPECT_STR(out, "ab");
}

static void
t_base64_decode(void)
{
	static const struct {
		const char	*in;
		const char	*out;
		size_t		 len;
	} ok[] = {
		{ "YWJj", "abc", 3 },
		{ "YWI=", "ab", 2 },
		{ "YWI", "ab", 2 },
		{ "YQ==", "a", 1 },
		{ "YQ", "a", 1 },
		{ "", "", 0 },
		{ "YWJjZA==", "abcd", 4 },
		{ "YWJjZA", "abcd", 4 },
		{ "+/+/", "\xfb\xff\xbf", 3 },
		/* RFC 4648 section 5, the URL-safe alphabet, either padding */
		{ "-_-_", "\xfb\xff\xbf", 3 },
		{ "-w==", "\xfb", 1 },
		{ "-w", "\xfb", 1 },
		{ "_-8", "\xff\xef", 2 },
	};
	unsigned char out[64];
	size_t i, n;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		n = 999;
		if (hb_base64_any(out, sizeof(out), &n, ok[i].in,
		    strlen(ok[i].in)) != 0)
			note(__LINE__, "[%s] refused", ok[i].in);
		else if (n != ok[i].len || memcmp(out, ok[i].out, n) != 0)
			note(__LINE__, "[%s] decoded to %zu bytes, want %zu",
			    ok[i].in, n, ok[i].len);
	}
	/* The Standard Webhooks test key is 24 bytes. */
	EXPECT_INT(hb_base64_any(out, sizeof(out), &n,
	    "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 32), 0);
	EXPECT_INT(n, 24);
	/* A result over the room given is refused, not cut. */
	EXPECT_INT(hb_base64_any(out, 2, &n, "YWJj", 4), -1);
	EXPECT_INT(hb_base64_any(out, 3, &n, "YWJj", 4), 0);
}

static void
t_base64_invalid(void)
{
	/*
	 * "YR", "YR==" and "YWK" have stray low bits (libsodium reads base64
	 * canonically, so one text is one value): "YR" is not "YQ". Bytes
	 * from 0x80 up are no digits, whatever libsodium 1.0.18 makes of them.
	 */
	static const char *const bad[] = { "Y", "YWJjZ", "YQ===", "YW!j",
	    "YW Jj", "Y===", "YWJj\n", "+_", "-/+_", "YWJj=", "YR", "YR==",
	    "YWK", "YWJ\x80", "YWJ\xff", "YW\xc3\xa9", "\x95\x95\x95\x95",
	    NULL };
	const char *const *s;
	unsigned char out[64];
	size_t n;

	for (s = bad; *s != NULL; s++)
		if (hb_base64_any(out, sizeof(out), &n, *s, strlen(*s)) != -1)
			note(__LINE__, "[%s] accepted (%zu bytes)", *s, n);
}

/* RFC 4648: '=' is padding at the end only, never a digit. */
static void
t_base64_inner_padding(void)
{
	static const char *const bad[] = { "YW=j", "=WJj", "YQ==YWJj", NULL };
	const char *const *s;
	unsigned char out[64];
	size_t n;

	for (s = bad; *s != NULL; s++)
		if (hb_base64_any(out, sizeof(out), &n, *s, strlen(*s)) != -1)
			note(__LINE__, "[%s] accepted (%zu bytes)", *s, n);
}

/* What we send (libsodium's encoder) reads back through what we accept. */
static void
t_base64_roundtrip(void)
{
	unsigned char in[32], out[40];
	char enc[48];
	size_t i, len, n;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 37 + 11);
	for (len = 0; len <= sizeof(in); len++) {
		sodium_bin2base64(enc, sizeof(enc), in, len,
		    sodium_base64_VARIANT_ORIGINAL);
		if (hb_base64_any(out, sizeof(out), &n, enc, strlen(enc)) != 0 ||
		    n != len || memcmp(in, out, len) != 0)
			note(__LINE__, "%zu bytes do not round-trip", len);
		sodium_bin2base64(enc, sizeof(enc), in, len,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		if (hb_base64_any(out, sizeof(out), &n, enc, strlen(enc)) != 0 ||
		    n != len || memcmp(in, out, len) != 0)
			note(__LINE__, "%zu bytes do not round-trip url-safe",
			    len);
	}
	sodium_bin2base64(enc, sizeof(enc), in, 32,
	    sodium_base64_VARIANT_ORIGINAL);
	EXPECT_INT(strlen(enc), 44);
}

static void
t_urldecode(void)
{
	char out[64];
	size_t n;

	EXPECT_INT(hb_urldecode(out, &n, "a+b%20c", 7), 0);
	EXPECT_STR(out, "a b c");
	EXPECT_INT(n, 5);
	EXPECT_INT(hb_urldecode(out, &n, "%41%4a%4A%2B", 12), 0);
	EXPECT_STR(out, "AJJ+");
	EXPECT_INT(hb_urldecode(out, &n, "", 0), 0);
	EXPECT_STR(out, "");
	EXPECT_INT(n, 0);
	/* Only len bytes are read. */
	EXPECT_INT(hb_urldecode(out, &n, "abc%zz", 3), 0);
	EXPECT_STR(out, "abc");
	EXPECT_INT(hb_urldecode(out, &n, "%e2%82%ac", 9), 0);
	EXPECT_STR(out, "\xe2\x82\xac");
}

static void
t_urldecode_bad(void)
{
	static const char *const bad[] = { "%", "%4", "a%2", "%zz", "%4g",
	    "%g4", "%00", "a%00b", "%%41", NULL };
	const char *const *s;
	char out[64];
	size_t n;

	for (s = bad; *s != NULL; s++)
		if (hb_urldecode(out, &n, *s, strlen(*s)) != -1)
			note(__LINE__, "[%s] accepted as [%s]", *s, out);
}

/*
 * The one query splitter: pairs split at '&' (empty ones skipped), a
 * name at its first '=', spans as sent; names compared decoded.
 */
static void
t_query_next(void)
{
	static const struct {
		const char *name, *value;	/* value NULL: no '=' */
	} want[] = {
		{ "a", "1" }, { "b", "" }, { "c", NULL }, { "%74oken", "x%3Dy" },
		{ "d", "e=f" }, { "", "g" }, { "t+k", "%zz" },
	};
	const char *q = "&a=1&b=&&c&%74oken=x%3Dy&d=e=f&=g&t+k=%zz&";
	struct hb_param p;
	size_t i = 0;

	while (hb_query_next(&q, &p)) {
		if (i == sizeof(want) / sizeof(want[0])) {
			note(__LINE__, "a pair too many: [%.*s]", (int)p.len,
			    p.name);
			break;
		}
		if (p.nlen != strlen(want[i].name) ||
		    memcmp(p.name, want[i].name, p.nlen) != 0)
			note(__LINE__, "pair %zu: name [%.*s], want [%s]", i,
			    (int)p.nlen, p.name, want[i].name);
		if (want[i].value == NULL ? p.vlen != 0 ||
		    p.len != p.nlen : p.vlen != strlen(want[i].value) ||
		    memcmp(p.value, want[i].value, p.vlen) != 0 ||
		    p.len != p.nlen + 1 + p.vlen)
			note(__LINE__, "pair %zu: value [%.*s], want [%s]", i,
			    (int)p.vlen, p.value, want[i].value ?
			    want[i].value : "(none)");
		i++;
	}
	EXPECT_INT(i, sizeof(want) / sizeof(want[0]));
	EXPECT_STR(q, "&");	/* at the end, only separators are left */
	q = NULL;
	EXPECT_INT(hb_query_next(&q, &p), 0);
	q = "";
	EXPECT_INT(hb_query_next(&q, &p), 0);
	q = "&&&";
	EXPECT_INT(hb_query_next(&q, &p), 0);
}

static void
t_param_is(void)
{
	static const struct {
		const char *pair, *name;
		int is;
	} cases[] = {
		{ "token=x", "token", 1 },
		{ "token", "token", 1 },
		{ "%74oken=x", "token", 1 },
		{ "%74%6F%6b%65%6E=x", "token", 1 },
		{ "tok%65n", "token", 1 },
		{ "tokenx=x", "token", 0 },
		{ "toke=x", "token", 0 },
		{ "Token=x", "token", 0 },
		{ "token%20=x", "token", 0 },
		{ "token+=x", "token", 0 },
		{ "%7token=x", "token", 0 },	/* a bad escape: no name */
		{ "token%=x", "token", 0 },
		{ "token%00=x", "token", 0 },
		{ "to%00ken=x", "token", 0 },
		{ "a+b=1", "a b", 1 },
		{ "=x", "", 1 },
		{ "%2F=x", "/", 1 },
	};
	struct hb_param p;
	const char *q;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		q = cases[i].pair;
		if (!hb_query_next(&q, &p)) {
			note(__LINE__, "[%s]: no pair", cases[i].pair);
			continue;
		}
		if (hb_param_is(&p, cases[i].name) != cases[i].is)
			note(__LINE__, "[%s] is [%s]: %d, want %d",
			    cases[i].pair, cases[i].name, !cases[i].is,
			    cases[i].is);
	}
}

static void
t_iso8601(void)
{
	char out[32];

	EXPECT_INT(hb_parse_iso8601("2025-08-14T12:34:56.789Z"), 1755174896);
	EXPECT_INT(hb_parse_iso8601("2025-08-14T12:34:56Z"), 1755174896);
	EXPECT_INT(hb_parse_iso8601("2025-08-14T12:34:56"), 1755174896);
	EXPECT_INT(hb_parse_iso8601("2025-08-14T12:34:56+00:00"), 1755174896);
	EXPECT_INT(hb_parse_iso8601("2025-08-14T12:34:56.1+00:00"),
	    1755174896);
	EXPECT_INT(hb_parse_iso8601("1970-01-01T00:00:00Z"), 0);
	hb_iso8601(out, 1755174896);
	EXPECT_STR(out, "2025-08-14T12:34:56Z");
	EXPECT_INT(hb_parse_iso8601(out), 1755174896);
}

static void
t_iso8601_junk(void)
{
	static const char *const bad[] = { "", "junk", "2025-08-14",
	    "2025-08-14 12:34:56Z", "2025-08-14T12:34:56.Z",
	    "2025-08-14T12:34:56+01:00", "2025-08-14T12:34:56Zx",
	    "2025-08-14T12:34:56ZZ", "2025-13-14T12:34:56Z",
	    "1614265330", NULL };
	const char *const *s;

	for (s = bad; *s != NULL; s++)
		if (hb_parse_iso8601(*s) != -1)
			note(__LINE__, "[%s] accepted", *s);
}

static void
t_sha256_hmac(void)
{
	char hex[65];

	hb_sha256_hex(hex, "abc", 3);
	EXPECT_STR(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	/* RFC 4231, test case 2. */
	hex_of_hmac(hex, "Jefe", "what do ya want for nothing?", 28);
	EXPECT_STR(hex, "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
}

/* FIPS 180-2 appendix B: one block, two blocks, a million bytes; and "". */
static void
t_sha256_fips(void)
{
	char hex[65], *big;

	hb_sha256_hex(hex, "", 0);
	EXPECT_STR(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	hb_sha256_hex(hex, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56);
	EXPECT_STR(hex, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
	if ((big = malloc(1000000)) == NULL)
		abort();
	memset(big, 'a', 1000000);
	hb_sha256_hex(hex, big, 1000000);
	free(big);
	EXPECT_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
}

/* RFC 4231 section 4: keys shorter than, equal to and longer than a block. */
static void
t_hmac_rfc4231(void)
{
	unsigned char key[131], data[152], mac[32];
	char hex[65];
	size_t i;

	memset(key, 0x0b, 20);
	hb_hmac_sha256(mac, key, 20, "Hi There", 8);
	tohex(hex, mac);
	EXPECT_STR(hex, "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7");

	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	hb_hmac_sha256(mac, key, 20, data, 50);
	tohex(hex, mac);
	EXPECT_STR(hex, "773ea91e36800e46854db8ebd09181a7"
	    "2959098b3ef8c122d9635514ced565fe");

	for (i = 0; i < 25; i++)
		key[i] = (unsigned char)(i + 1);
	memset(data, 0xcd, 50);
	hb_hmac_sha256(mac, key, 25, data, 50);
	tohex(hex, mac);
	EXPECT_STR(hex, "82558a389a443c0ea4cc819899f2083a"
	    "85f0faa3e578f8077a2e3ff46729665b");

	memset(key, 0xaa, 131);
	hb_hmac_sha256(mac, key, 131,
	    "Test Using Larger Than Block-Size Key - Hash Key First", 54);
	tohex(hex, mac);
	EXPECT_STR(hex, "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54");

	hb_hmac_sha256(mac, key, 131, "This is a test using a larger than "
	    "block-size key and a larger than block-size data. The key needs "
	    "to be hashed before being used by the HMAC algorithm.", 152);
	tohex(hex, mac);
	EXPECT_STR(hex, "9b09ffa71b942fcb27635fbcd5b0e944"
	    "bfdc63644f0713938a7f51535c3a35e2");
}

/*
 * hb_hmac_sha256 takes keys of any length through libsodium's
 * init/update/final: with a 32-byte key it must equal libsodium's
 * one-shot HMAC, and a key over the 64-byte block must act as its
 * SHA-256 (RFC 2104 section 2).
 */
static void
t_hmac_any_key(void)
{
	unsigned char key[200], hk[32], msg[300], a[32], b[32];
	char hex[65];
	size_t i, len;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)(i * 7 + 3);
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)(i * 13 + 1);
	for (len = 0; len <= sizeof(msg); len += 23) {
		hb_hmac_sha256(a, key, 32, msg, len);
		crypto_auth_hmacsha256(b, msg, len, key);
		if (memcmp(a, b, 32) != 0)
			note(__LINE__, "32-byte key, %zu bytes differ", len);
		EXPECT_INT(crypto_auth_hmacsha256_verify(a, msg, len, key), 0);
	}
	crypto_hash_sha256(hk, key, sizeof(key));
	hb_hmac_sha256(a, key, sizeof(key), msg, sizeof(msg));
	hb_hmac_sha256(b, hk, sizeof(hk), msg, sizeof(msg));
	EXPECT(memcmp(a, b, 32) == 0);
	/* An empty key and an empty message are still an HMAC. */
	hb_hmac_sha256(a, "", 0, "", 0);
	tohex(hex, a);
	EXPECT_STR(hex, "b613679a0814d9ec772f95d778c35fc5"
	    "ff1697c493715653c6c712144292c5ad");
}

const struct unit_case util_cases[] = {
	{ "util strtonum ok", t_strtonum_ok },
	{ "util strtonum bounds", t_strtonum_bounds },
	{ "util strtonum junk", t_strtonum_junk },
	{ "util strtonum empty", t_strtonum_empty },
	{ "util strtonum overflow", t_strtonum_overflow },
	{ "util escape control bytes", t_escape_control },
	{ "util escape truncation", t_escape_truncation },
	{ "util escape exact fit is not cut", t_escape_exact_fit },
	{ "util base64 decode", t_base64_decode },
	{ "util base64 invalid", t_base64_invalid },
	{ "util base64 '=' inside refused", t_base64_inner_padding },
	{ "util base64 round trip", t_base64_roundtrip },
	{ "util urldecode", t_urldecode },
	{ "util urldecode bad escapes and %00", t_urldecode_bad },
	{ "util query splitter: pairs as sent", t_query_next },
	{ "util query splitter: names compared decoded", t_param_is },
	{ "util iso8601", t_iso8601 },
	{ "util iso8601 junk", t_iso8601_junk },
	{ "util sha256 and hmac vectors", t_sha256_hmac },
	{ "sha256 FIPS 180-2 vectors", t_sha256_fips },
	{ "hmac RFC 4231 vectors", t_hmac_rfc4231 },
	{ "hmac keys of any length (libsodium)", t_hmac_any_key },
	{ NULL, NULL }
};
