/*
 * echo_fcgi: a stand-in for hookbox used by tests/servers_selftest.sh to
 * check the web servers started by tests/lib/servers.sh. It answers every
 * request with one line of JSON describing what it received. It runs as
 * FastCGI when started on a listening socket and as plain CGI otherwise.
 *
 *   cc -o echo_fcgi echo_fcgi.c -lfcgi
 *
 * body_cksum is the POSIX cksum(1) CRC of the body, so a test can compare it
 * with `cksum < file`. Each request also writes "echo_fcgi stderr: PATH_INFO"
 * to stderr.
 */
#include <fcgiapp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static FCGX_Request req;
static int cgi;			/* 1: plain CGI (stdin/stdout/environ) */
static char out[16384];
static size_t outlen;

/* A request variable: from the environment (CGI) or the FastCGI params. */
static const char *param(const char *name)
{
	return cgi ? getenv(name) : FCGX_GetParam(name, req.envp);
}

static void add(const char *s, size_t n)
{
	if (n > sizeof(out) - outlen)
		n = sizeof(out) - outlen;
	memcpy(out + outlen, s, n);
	outlen += n;
}

/* "key":"value", with value JSON-escaped; null when unset. */
static void add_str(const char *key, const char *val)
{
	char buf[8];

	add(outlen > 1 ? ",\"" : "\"", outlen > 1 ? 2 : 1);
	add(key, strlen(key));
	if (val == NULL) {
		add("\":null", 6);
		return;
	}
	add("\":\"", 3);
	for (; *val; val++) {
		unsigned char c = (unsigned char)*val;
		if (c == '"' || c == '\\') {
			buf[0] = '\\';
			buf[1] = (char)c;
			add(buf, 2);
		} else if (c < 0x20) {
			snprintf(buf, sizeof(buf), "\\u%04x", c);
			add(buf, 6);
		} else
			add((const char *)&c, 1);
	}
	add("\"", 1);
}

static void add_num(const char *key, unsigned long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu", val);
	add(",\"", 2);
	add(key, strlen(key));
	add("\":", 2);
	add(buf, strlen(buf));
}

/* POSIX cksum: CRC-32 (poly 0x04C11DB7, MSB first) over the data and then
 * over its length, least significant byte first, complemented. */
static uint32_t crc_byte(uint32_t crc, unsigned char c)
{
	int i;

	crc ^= (uint32_t)c << 24;
	for (i = 0; i < 8; i++)
		crc = crc & 0x80000000u ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
	return crc;
}

static void serve(void)
{
	char buf[65536], cwd[4096], names[4096] = "", *slash;
	const char *conf = getenv("HOOKBOX_CONF");
	unsigned long len = 0, n;
	uint32_t crc = 0;
	size_t i;
	int got, conf_dir_writable = 0;
	char **e;

	for (;;) {
		got = cgi ? (int)fread(buf, 1, sizeof(buf), stdin)
			  : FCGX_GetStr(buf, sizeof(buf), req.in);
		if (got <= 0)
			break;
		for (i = 0; i < (size_t)got; i++)
			crc = crc_byte(crc, (unsigned char)buf[i]);
		len += (unsigned long)got;
	}
	for (n = len; n; n >>= 8)
		crc = crc_byte(crc, (unsigned char)(n & 0xff));
	crc = ~crc;

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		strcpy(cwd, "?");
	/* Can the program write where its config lives (hookbox's DB)? */
	if (conf && strlen(conf) < sizeof(buf) && (slash = strrchr(strcpy(buf, conf), '/'))) {
		*slash = '\0';
		conf_dir_writable = access(buf[0] ? buf : "/", W_OK) == 0;
	}
	/* Names of the process environment, to see what leaks through. */
	for (e = environ; *e; e++) {
		size_t k = strcspn(*e, "="), used = strlen(names);
		if (used + k + 2 < sizeof(names)) {
			if (used)
				strcat(names, " ");
			strncat(names, *e, k);
		}
	}

	/* The servers should put the program's stderr in their error log
	 * (where sanitizer reports will be looked for). */
	/* nginx and mod_proxy_fcgi send no PATH_INFO: the whole URI then. */
	fprintf(stderr, "echo_fcgi stderr: %s\n",
		param("PATH_INFO") && *param("PATH_INFO") ? param("PATH_INFO") :
		param("REQUEST_URI") ? param("REQUEST_URI") : "-");
	fflush(stderr);

	outlen = 0;
	add("{", 1);
	add_str("mode", cgi ? "cgi" : "fcgi");
	add_str("REQUEST_METHOD", param("REQUEST_METHOD"));
	add_str("SCRIPT_NAME", param("SCRIPT_NAME"));
	add_str("PATH_INFO", param("PATH_INFO"));
	add_str("QUERY_STRING", param("QUERY_STRING"));
	add_str("REQUEST_URI", param("REQUEST_URI"));
	add_str("CONTENT_LENGTH", param("CONTENT_LENGTH"));
	add_str("HOOKBOX_CONF", conf);
	add_str("ASAN_OPTIONS", getenv("ASAN_OPTIONS"));
	add_str("UBSAN_OPTIONS", getenv("UBSAN_OPTIONS"));
	add_str("canary", getenv("HOOKBOX_SELFTEST_CANARY"));
	add_str("cwd", cwd);
	add_str("env", names);
	add_num("uid", (unsigned long)getuid());
	add_num("conf_dir_writable", (unsigned long)conf_dir_writable);
	add_num("body_len", len);
	add_num("body_cksum", (unsigned long)crc);
	add("}\n", 2);

	snprintf(buf, sizeof(buf),
		 "Status: 200 OK\r\nContent-Type: application/json\r\n"
		 "Content-Length: %lu\r\n\r\n", (unsigned long)outlen);
	if (cgi) {
		fputs(buf, stdout);
		fwrite(out, 1, outlen, stdout);
		fflush(stdout);
	} else {
		FCGX_PutS(buf, req.out);
		FCGX_PutStr(out, (int)outlen, req.out);
	}
}

int main(void)
{
	/* FCGX_Accept_r has no CGI fallback: it fails when stdin is not a
	 * listening socket, so CGI is handled here. */
	cgi = FCGX_IsCGI();
	if (cgi) {
		serve();
		return 0;
	}
	FCGX_Init();
	FCGX_InitRequest(&req, 0, 0);
	while (FCGX_Accept_r(&req) >= 0) {
		serve();
		FCGX_Finish_r(&req);
	}
	return 0;
}
