#!/usr/bin/env python3
"""The FastCGI protocol as hookbox speaks it through libfcgi (src/fcgi.c),
spoken record by record to the
binary as a web server would start it: a listening unix socket as its fd 0
(lighttpd, mod_fcgid), HOOKBOX_CONF and the sanitizer options in its
environment and nothing else.

    fcgi_protocol.py BINARY

What tests/lib/fcgi_client.py cannot do is here: management records
(FCGI_GET_VALUES, unknown types), FCGI_KEEP_CONN, records split at every
byte, other roles, a second request on a busy connection, FCGI_ABORT_REQUEST,
many connections at once, a client that says nothing, SIGTERM.

Output contract (tests/lib/common.sh): one line per case, "PASS <name>" or
"FAIL <name>: <why>"; exits 1 if any case failed. Every socket read has a
timeout, so a server that hangs fails its case instead of the suite.
"""
import os
import re
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

(BEGIN, ABORT, END, PARAMS, STDIN, STDOUT, STDERR, DATA, GET_VALUES,
 GET_VALUES_RESULT, UNKNOWN_TYPE) = range(1, 12)
RESPONDER, AUTHORIZER = 1, 2
KEEP_CONN = 1
CANT_MPX_CONN, UNKNOWN_ROLE = 1, 3

TIMEOUT = 10.0	# for any one answer; the server answers in milliseconds
MAX_BODY = 2048	# max_body_bytes in the config (its minimum is 1024)
TOK = "fcgi-protocol-token-0123456789ab"
SAN_PATTERN = re.compile(
    r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
    r"SUMMARY: UndefinedBehaviorSanitizer|stack smashing|double free|"
    r"corrupted|Segmentation fault")

failures = 0


def report(name, why):
    global failures
    if why:
        failures += 1
        print("FAIL %s: %s" % (name, str(why).replace("\n", "\\n")),
              flush=True)
    else:
        print("PASS %s" % name, flush=True)


# ---- records ----

def record(rtype, content=b"", rid=1, pad=0):
    """One record (content up to 65535 bytes) with pad bytes of padding."""
    assert len(content) <= 65535
    return (struct.pack(">BBHHBB", 1, rtype, rid, len(content), pad, 0) +
            content + b"\0" * pad)


def stream(rtype, content, rid=1, size=65535):
    """A stream (PARAMS, STDIN) as records of size bytes, then its end."""
    out = b""
    for i in range(0, len(content), size):
        out += record(rtype, content[i:i + size], rid)
    return out + record(rtype, b"", rid)


def begin(rid=1, role=RESPONDER, keep=False):
    return record(BEGIN, struct.pack(">HB5x", role, KEEP_CONN if keep else 0),
                  rid)


def pair(name, value):
    def length(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return length(len(name)) + length(len(value)) + name + value


def pairs(d):
    return b"".join(pair(k.encode(), v.encode()) for k, v in d.items())


def unpairs(b):
    """Name-value pairs back to a list of (name, value), or None."""
    out = []
    i = 0
    while i < len(b):
        lens = []
        for _ in range(2):
            if i >= len(b):
                return None
            if b[i] < 128:
                lens.append(b[i])
                i += 1
            else:
                if i + 4 > len(b):
                    return None
                lens.append(struct.unpack(">I", b[i:i + 4])[0] & 0x7fffffff)
                i += 4
        if i + lens[0] + lens[1] > len(b):
            return None
        out.append((b[i:i + lens[0]].decode(),
                    b[i + lens[0]:i + lens[0] + lens[1]].decode()))
        i += lens[0] + lens[1]
    return out


def event_body(key):
    """A Flipsnack order: accepted and stored under event_key KEY."""
    return ('{"type":"orders","order_id":"%s"}' % key).encode()


def event_params(body, content_length=True, **extra):
    p = {"GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1",
         "REQUEST_METHOD": "POST", "SCRIPT_NAME": "/cgi-bin/hookbox.fcgi",
         "PATH_INFO": "/catalog/" + TOK, "QUERY_STRING": "",
         "REMOTE_ADDR": "127.0.0.1", "CONTENT_TYPE": "application/json"}
    if content_length:
        p["CONTENT_LENGTH"] = str(len(body))
    p.update(extra)
    return p


def request(key=None, rid=1, keep=False, body=None, **kw):
    """A whole responder request for a valid event KEY (or BODY)."""
    if body is None:
        body = event_body(key)
    return (begin(rid, keep=keep) +
            stream(PARAMS, pairs(event_params(body, **kw)), rid) +
            stream(STDIN, body, rid))


# ---- a connection, as the web server's end ----

class Closed(Exception):
    pass


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(TIMEOUT)
        self.s.connect(path)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def close(self):
        self.s.close()

    def record(self):
        """The next record as (type, id, content); Closed at EOF, and
        socket.timeout when nothing comes for TIMEOUT seconds."""
        while True:
            if len(self.buf) >= 8:
                ver, rtype, rid, clen, plen, _ = struct.unpack(
                    ">BBHHBB", self.buf[:8])
                if ver != 1:
                    raise Closed("a record of version %d" % ver)
                if len(self.buf) >= 8 + clen + plen:
                    content = self.buf[8:8 + clen]
                    self.buf = self.buf[8 + clen + plen:]
                    return rtype, rid, content
            data = self.s.recv(65536)
            if not data:
                raise Closed("the connection was closed" +
                             (" mid-record" if self.buf else ""))
            self.buf += data

    def answer(self, rid=1):
        """Records up to the END_REQUEST of rid: an Answer."""
        a = Answer()
        while True:
            rtype, r, content = self.record()
            a.records.append((rtype, r, content))
            if rtype == STDOUT and r == rid:
                a.stdout += content
            elif rtype == END and r == rid:
                a.end = content
                return a

    def at_eof(self):
        """True if the server closes the connection, sending nothing more."""
        try:
            self.record()
        except Closed:
            return not self.buf
        except socket.timeout:
            return False
        return False


class Answer:
    def __init__(self):
        self.records = []
        self.stdout = b""
        self.end = None

    def code(self):
        m = re.match(rb"Status: (\d+) ", self.stdout)
        return int(m.group(1)) if m else 0

    def protocol_status(self):
        return self.end[4] if self.end and len(self.end) == 8 else None

    def body(self):
        return self.stdout.partition(b"\r\n\r\n")[2].decode("utf-8", "replace")

    def __str__(self):
        return "%d %s" % (self.code(), self.body().strip() or
                          repr(self.stdout[:200]))


def accepted(a):
    """Why answer a is not a 200 "accepted" with an id, or ""."""
    if a.code() != 200 or not re.fullmatch(
            r'\{"status":"accepted","id":\d+\}\s*', a.body()):
        return "answered %s, want 200 accepted" % a
    if a.protocol_status() != 0:
        return "END_REQUEST protocolStatus %s, want 0" % a.protocol_status()
    return ""


# ---- the server ----

class Server:
    def __init__(self, binary, tmp, conf):
        self.dir = tempfile.mkdtemp(prefix="srv.", dir=tmp)
        self.path = os.path.join(self.dir, "sock")
        ls = socket.socket(socket.AF_UNIX)
        ls.bind(self.path)
        ls.listen(512)	# c_stalled_many connects 200 at once
        env = {"HOOKBOX_CONF": conf}
        for k in ("ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        self.errfile = os.path.join(self.dir, "stderr")
        with open(self.errfile, "wb") as err:
            self.proc = subprocess.Popen([binary], stdin=ls.fileno(),
                                         stdout=subprocess.DEVNULL,
                                         stderr=err, env=env, close_fds=True)
        ls.close()	# only the server holds the listener now

    def conn(self):
        return Conn(self.path)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait()

    def stderr(self):
        with open(self.errfile, "rb") as f:
            return f.read().decode("utf-8", "replace")


class Suite:
    def __init__(self, binary):
        self.binary = binary
        self.tmp = tempfile.mkdtemp(prefix="hookbox-fcgi-protocol.")
        os.chmod(self.tmp, 0o755)
        self.db = os.path.join(self.tmp, "hookbox.db")
        self.conf = os.path.join(self.tmp, "hookbox.conf")
        with open(self.conf, "w") as f:
            f.write("""// tests/fcgi_protocol.py: a small max_body_bytes
{
  "database": "%s",
  "max_body_bytes": %d,
  "endpoints": {
    "catalog": { "provider": "flipsnack", "token": "%s" }
  }
}
""" % (self.db, MAX_BODY, TOK))
        self.servers = []
        self.srv = None

    def server(self):
        """The running server; a new one if the last case killed it, so
        that one crash fails one case, not every case after it."""
        if self.srv is None or not self.srv.alive():
            self.srv = Server(self.binary, self.tmp, self.conf)
            self.servers.append(self.srv)
        return self.srv

    def rows(self, key=None):
        """Events stored (with event_key KEY): 0 before the database."""
        if not os.path.exists(self.db):
            return 0
        db = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True,
                             timeout=10)
        try:
            if key is None:
                return db.execute("SELECT count(*) FROM events").fetchone()[0]
            return db.execute("SELECT count(*) FROM events "
                              "WHERE event_key = ?", (key,)).fetchone()[0]
        finally:
            db.close()

    def stored_body(self, key):
        db = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True,
                             timeout=10)
        try:
            row = db.execute("SELECT body FROM events WHERE event_key = ?",
                             (key,)).fetchone()
            return row[0] if row else None
        finally:
            db.close()

    def case(self, name, fn):
        srv = self.server()
        try:
            why = fn(srv)
        except socket.timeout:
            why = "no answer within %g s" % TIMEOUT
        except (Closed, OSError) as e:
            why = "%s: %s" % (type(e).__name__, e)
        except Exception as e:	# an answer so odd that reading it broke
            why = "the test broke: %s: %s" % (type(e).__name__, e)
        if not srv.alive() and not getattr(srv, "stopped_on_purpose", False):
            why = ((why + "; ") if why else "") + \
                "the server exited %d: %s" % (srv.proc.returncode,
                                               srv.stderr()[-300:])
        report(name, why)

    def valid(self, srv, key):
        """Sends event KEY on a new connection: why it was not accepted
        and stored, or ""."""
        c = srv.conn()
        c.send(request(key))
        why = accepted(c.answer())
        c.close()
        if not why and self.rows(key) != 1:
            why = "answered 200 but %d rows hold %s" % (self.rows(key), key)
        return why


# ---- the cases ----

def get_values_then_request(suite, srv, names, want, key):
    # libfcgi 2.4.2 reads a management record before BEGIN_REQUEST but
    # may leave it unanswered (web servers do not send one); if it
    # answers, the values are its own (one request per connection). The
    # connection must stay usable: a request after it is served.
    c = srv.conn()
    c.send(record(GET_VALUES, b"".join(pair(n.encode(), b"") for n in names),
                  0))
    c.s.settimeout(1.0)
    try:
        rtype, rid, content = c.record()
    except socket.timeout:
        rtype = None
    c.s.settimeout(TIMEOUT)
    if rtype is not None:
        got = unpairs(content)
        if (rtype, rid) != (GET_VALUES_RESULT, 0) or got is None or \
                sorted(got) != sorted(want):
            c.close()
            return "expected GET_VALUES_RESULT id 0 with %s, got type %d " \
                "id %d %r" % (want, rtype, rid, content)
    c.send(request(key))
    why = accepted(c.answer())
    c.close()
    return why and "a request after GET_VALUES on the same connection: " + why


def c_get_values(suite, srv):
    return get_values_then_request(
        suite, srv, ["FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS"],
        [("FCGI_MAX_CONNS", "1"), ("FCGI_MAX_REQS", "1"),
         ("FCGI_MPXS_CONNS", "0")], "GV-1")


def c_get_values_unknown(suite, srv):
    # A name it does not know is left out (the specification).
    return get_values_then_request(suite, srv, ["FCGI_NO_SUCH_VALUE"], [],
                                   "GV-AFTER")


def c_unknown_type(suite, srv):
    c = srv.conn()
    c.send(record(99, b"whatever", 0))
    rtype, rid, content = c.record()
    c.close()
    if (rtype, rid) != (UNKNOWN_TYPE, 0) or len(content) != 8 or \
            content[0] != 99:
        return "expected FCGI_UNKNOWN_TYPE id 0 with 8 bytes starting 99, " \
            "got type %d id %d %r" % (rtype, rid, content)
    return ""


def c_keep_conn(suite, srv):
    # One request, then the next on the same connection once it is
    # answered (as lighttpd and nginx reuse a kept connection).
    c = srv.conn()
    for key in ("KEEP-1", "KEEP-2"):
        c.send(request(key, keep=True))
        why = accepted(c.answer())
        if why:
            c.close()
            return "%s: %s" % (key, why)
    # Kept: the server must not have closed it after either answer.
    c.send(request("KEEP-3", keep=True))
    why = accepted(c.answer())
    c.close()
    if why:
        return "a third request on the kept connection: " + why
    rows = [suite.rows(k) for k in ("KEEP-1", "KEEP-2", "KEEP-3")]
    return "" if rows == [1, 1, 1] else \
        "expected rows [1, 1, 1] for KEEP-1..3, got %s" % rows


def c_keep_conn_pipelined(suite, srv):
    # Both requests in one write. Web servers wait for END_REQUEST before
    # they reuse a kept connection, and libfcgi drops what it read past
    # the first request, so the second may go unanswered: then it must not
    # be stored either, and the server goes on serving.
    c = srv.conn()
    c.send(request("PIPE-1", keep=True) + request("PIPE-2", keep=True))
    why = accepted(c.answer())
    if why:
        c.close()
        return "PIPE-1: " + why
    c.s.settimeout(1.0)
    try:
        a2 = c.answer()
    except (socket.timeout, Closed):
        a2 = None
    c.close()
    if suite.rows("PIPE-1") != 1:
        return "PIPE-1 answered 200 but not stored"
    if a2 is not None and not accepted(a2) and suite.rows("PIPE-2") != 1:
        return "PIPE-2 answered 200 but not stored"
    if a2 is None and suite.rows("PIPE-2") != 0:
        return "PIPE-2 stored but not answered"
    why = suite.valid(srv, "PIPE-AFTER")
    return why and "a request after: " + why


def c_no_keep_closes(suite, srv):
    c = srv.conn()
    c.send(request("CLOSE-1"))
    why = accepted(c.answer())
    if not why and not c.at_eof():
        why = "the connection is still open %g s after END_REQUEST" % TIMEOUT
    c.close()
    return why


def c_byte_at_a_time(suite, srv):
    msg = request("SLOW-1")
    c = srv.conn()
    gap = 0.5 / len(msg)
    for i in range(len(msg)):
        c.send(msg[i:i + 1])
        time.sleep(gap)
    why = accepted(c.answer())
    c.close()
    if not why and suite.rows("SLOW-1") != 1:
        why = "answered 200 but SLOW-1 is not stored"
    return why


def c_split_records(suite, srv):
    # PARAMS in records of 1 to 5 bytes, so that pairs and their 4-byte
    # lengths straddle records (a value over 127 bytes has one), STDIN in
    # records of 3 bytes; some with padding, as Apache pads to 8 bytes.
    key = "SPLIT-1"
    body = ('{"type":"orders","order_id":"%s","note":"%s"}' %
            (key, "n" * 300)).encode()
    p = pairs(event_params(body, HTTP_X_LONG_HEADER="h" * 200))
    msg = begin()
    i = n = 0
    while i < len(p):
        size = 1 + n % 5
        msg += record(PARAMS, p[i:i + size], pad=n % 8)
        i += size
        n += 1
    msg += record(PARAMS, b"")
    for i in range(0, len(body), 3):
        msg += record(STDIN, body[i:i + 3], pad=(i // 3) % 8)
    msg += record(STDIN, b"")
    c = srv.conn()
    c.send(msg)
    why = accepted(c.answer())
    c.close()
    if why:
        return why
    got = suite.stored_body(key)
    return "" if got == body else \
        "the stored body is not the body sent: %r" % (got[:80] if got else got)


def c_authorizer(suite, srv):
    # A whole request with a valid event, in the authorizer role: libfcgi
    # hands it over, and hookbox refuses it (never a 200, which would
    # authorize) without storing it.
    rows = suite.rows()
    body = event_body("AUTH-1")
    c = srv.conn()
    c.send(record(BEGIN, struct.pack(">HB5x", AUTHORIZER, 0)) +
           stream(PARAMS, pairs(event_params(body))) + stream(STDIN, body))
    a = c.answer()
    c.close()
    if a.code() != 400:
        return "answered %s, want 400" % a
    if suite.rows() != rows:
        return "the authorizer's event was stored"
    return ""


def c_cant_mpx(suite, srv):
    # Request 1 half read (its PARAMS, part of its body); then request 2
    # begins. It gets FCGI_CANT_MPX_CONN and its event is not stored.
    # libfcgi may end request 1 there too: then it is refused, not stored.
    body1, body2 = event_body("MPX-1"), event_body("MPX-2")
    c = srv.conn()
    c.send(begin(1) + stream(PARAMS, pairs(event_params(body1)), 1) +
           record(STDIN, body1[:10], 1) + begin(2))
    rtype, rid, content = c.record()
    if (rtype, rid) != (END, 2) or len(content) != 8 or \
            content[4] != CANT_MPX_CONN:
        c.close()
        return "expected END_REQUEST id 2 protocolStatus %d, got type %d " \
            "id %d %r" % (CANT_MPX_CONN, rtype, rid, content)
    c.send(stream(PARAMS, pairs(event_params(body2)), 2) +
           record(STDIN, body1[10:], 1) + stream(STDIN, body2, 2) +
           record(STDIN, b"", 1))
    try:
        a = c.answer(1)
    except Closed:
        a = None
    c.close()
    if a is not None and [r for r in a.records if r[1] == 2]:
        return "records for request 2 after its END_REQUEST: %r" % [
            r for r in a.records if r[1] == 2]
    if suite.rows("MPX-2") != 0:
        return "request 2 was stored"
    if a is not None and not accepted(a):
        return "" if suite.rows("MPX-1") == 1 else \
            "request 1 answered 200 but not stored"
    return "" if suite.rows("MPX-1") == 0 else \
        "request 1 stored but answered %s" % a


def c_abort(suite, srv):
    # BEGIN and PARAMS, then ABORT. libfcgi ends the request there (a
    # refusal or a closed connection); the body sent after it must not
    # complete the request, and the server goes on serving.
    body = event_body("ABORT-1")
    c = srv.conn()
    c.send(begin(keep=True) + stream(PARAMS, pairs(event_params(body))) +
           record(ABORT))
    try:
        a = c.answer()
    except Closed:
        a = None
    if a is not None and not accepted(a):
        c.close()
        return "the aborted request was answered %s" % a
    try:
        c.send(stream(STDIN, body))
    except OSError:
        pass
    c.close()
    if suite.rows("ABORT-1") != 0:
        return "the aborted request was stored"
    why = suite.valid(srv, "ABORT-AFTER")
    return why and "a request after the abort: " + why


def too_large(suite, srv, content_length):
    # With CONTENT_LENGTH the 413 is decided from it; without (a chunked
    # body, as Apache passes one) fcgi.c keeps max_body_bytes + 1 bytes
    # and drops the rest as it comes. Either way the whole body is read,
    # so that the answer is not lost in a connection reset.
    rows = suite.rows()
    body = b"x" * (MAX_BODY * 100)	# 200 KiB: four STDIN records
    c = srv.conn()
    c.send(request(body=body, content_length=content_length))
    a = c.answer()
    c.close()
    if a.code() != 413 or '"rejected"' not in a.body():
        return "answered %s, want 413 rejected" % a
    if suite.rows() != rows:
        return "answered 413 but an event was stored"
    if not srv.alive():
        return ""	# case() says how it died
    why = suite.valid(srv, "AFTER-413-" + ("CL" if content_length else "EOF"))
    return why and "a valid request after the 413: " + why


def c_longer_than_cl(suite, srv, over_max):
    # The FastCGI specification (6.2): a responder doing an update
    # "should compare the number of bytes received on FCGI_STDIN with
    # CONTENT_LENGTH and abort the update if the two numbers are not
    # equal". Shorter is a 400 (hostile.sh); longer must not be stored
    # either, neither whole nor cut to CONTENT_LENGTH or max_body_bytes.
    key = "LONGER-%s" % ("OVERMAX" if over_max else "1")
    body = event_body(key)
    if over_max:
        # One byte over the limit, then more: what is kept of a body
        # (max_body_bytes + 1 bytes) would be valid JSON on its own.
        body = body[:-1] + b" " * (MAX_BODY + 1 - len(body)) + b"}" + \
            b"trailing bytes" * 100
    rows = suite.rows()
    c = srv.conn()
    c.send(request(body=body, CONTENT_LENGTH="10" if not over_max else "100"))
    a = c.answer()
    c.close()
    want = (400, 413) if over_max else (400,)
    if a.code() not in want or '"rejected"' not in a.body():
        stored = suite.stored_body(key)
        return "answered %s, want %s rejected%s" % (
            a, " or ".join(map(str, want)), "" if stored is None else
            "; stored %d of the %d bytes sent" % (len(stored), len(body)))
    return "" if suite.rows() == rows else "answered %s but stored" % a


def c_params_over(suite, srv):
    # 4 MiB and more of CGI variables: refused with 400, the process lives.
    # Variables request.c ignores (not HTTP_*, not one it reads), each
    # under every limit of its own: only fcgi.c's 4 MiB in all refuses
    # them, and without it the event would be accepted.
    rows = suite.rows()
    body = event_body("BIGPARAMS-1")
    big = {"PAD_%d" % i: "p" * 65000 for i in range(70)}
    c = srv.conn()
    c.send(begin() + stream(PARAMS, pairs(event_params(body, **big))) +
           stream(STDIN, body))
    a = c.answer()
    c.close()
    if a.code() != 400:
        return "answered %s, want 400" % a
    if suite.rows() != rows:
        return "answered 400 but the event was stored"
    if not srv.alive():
        return ""
    why = suite.valid(srv, "AFTER-BIGPARAMS")
    return why and "a valid request after the 400: " + why


def c_many(suite, srv):
    n = 40
    rows = suite.rows()
    conns = [srv.conn() for _ in range(n)]	# all connected first
    for i, c in enumerate(conns):
        c.send(request("MANY-%d" % i))
    whys = []
    ids = set()
    for i, c in enumerate(conns):
        try:
            a = c.answer()
            why = accepted(a)
            if not why:
                ids.add(re.search(r'"id":(\d+)', a.body()).group(1))
        except socket.timeout:
            why = "no answer within %g s" % TIMEOUT
        except (Closed, OSError) as e:
            why = str(e)
        if why:
            whys.append("MANY-%d: %s" % (i, why))
        c.close()
    if whys:
        return "%d of %d not accepted: %s" % (len(whys), n,
                                              "; ".join(whys[:3]))
    if len(ids) != n:
        return "%d distinct ids in %d answers" % (len(ids), n)
    return "" if suite.rows() - rows == n else \
        "expected %d new rows, got %d" % (n, suite.rows() - rows)


def c_silent_client(suite, srv):
    # One connected and silent, one stopped in the middle of a record
    # header: neither holds up a third.
    silent = srv.conn()
    half = srv.conn()
    half.send(begin()[:3])
    time.sleep(0.2)	# both accepted and read by now
    why = suite.valid(srv, "SILENT-OTHER")
    for c in (silent, half):
        c.close()
    return why


def c_stalled_workers(suite, srv):
    # More half-sent requests than the process has workers (16), each
    # stopped inside a record header: every worker is stuck reading one.
    # The watchdog drops a read that has not moved for 30 s, so a genuine
    # request gets through after that; 90 s is a generous bound, for a
    # slow machine. (A connection that sends nothing at all libfcgi
    # itself drops after 2 s.)
    stalled = []
    for _ in range(20):
        c = srv.conn()
        c.send(begin()[:3])
        stalled.append(c)
    c = srv.conn()
    c.s.settimeout(90)
    try:
        c.send(request("STALLED-AFTER"))
        why = accepted(c.answer())
    finally:
        c.close()
        for s in stalled:
            s.close()
    if not why and suite.rows("STALLED-AFTER") != 1:
        why = "answered 200 but not stored"
    return why


def silent_then_order(suite, srv, n, stall, key, bound):
    # n connections that send nothing (stall False: libfcgi itself gives
    # such a unix connection 2 s) or half a record header (stall True),
    # then a genuine order behind them. While connections wait to be
    # accepted, the watchdog drops a read that has not moved for 0.25 s.
    held = []
    for _ in range(n):
        c = srv.conn()
        if stall:
            c.send(begin()[:3])
        held.append(c)
    time.sleep(0.1)	# every worker has taken one by now
    c = srv.conn()
    c.s.settimeout(bound + 30)
    t = time.monotonic()
    try:
        c.send(request(key))
        why = accepted(c.answer())
        took = time.monotonic() - t
    finally:
        c.close()
        for h in held:
            h.close()
    if why:
        return why
    if suite.rows(key) != 1:
        return "answered 200 but not stored"
    print("# %s: answered after %.2f s" % (key, took))
    return "" if took <= bound else \
        "answered after %.1f s, want at most %g s" % (took, bound)


def c_silent_16(suite, srv):
    return silent_then_order(suite, srv, 16, False, "SILENT-16", 1.0)


def c_stalled_200(suite, srv):
    return silent_then_order(suite, srv, 200, True, "STALLED-200", 15.0)


def c_sigterm(suite, srv):
    # Web servers stop FastCGI programs with SIGTERM and wait: nothing in
    # progress here, so it exits at once (10 s is a generous bound), 0.
    why = suite.valid(srv, "TERM-1")
    if why:
        return "before SIGTERM: " + why
    srv.stopped_on_purpose = True
    srv.proc.send_signal(signal.SIGTERM)
    try:
        rc = srv.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        return "still running 10 s after SIGTERM"
    return "" if rc == 0 else "exited %d, want 0" % rc


def c_sigterm_in_progress(suite, srv):
    # SIGTERM while a request is half sent (its PARAMS, not its body): no
    # new connection is taken, but this one is finished and stored (its
    # web server is waiting for it), then the process exits 0.
    body = event_body("TERM-2")
    c = srv.conn()
    c.send(begin() + stream(PARAMS, pairs(event_params(body))))
    time.sleep(0.2)
    srv.stopped_on_purpose = True
    srv.proc.send_signal(signal.SIGTERM)
    # Until the signal is seen, connections are still taken; a slow
    # machine may take a while to get there, but it must get there.
    whys = ["new connections were still taken 10 s after SIGTERM"]
    until = time.monotonic() + 10
    while time.monotonic() < until:
        try:
            srv.conn().close()
        except ConnectionRefusedError:
            whys = []
            break
        time.sleep(0.05)
    c.send(stream(STDIN, body))
    a = c.answer()
    c.close()
    if accepted(a):
        whys.append(accepted(a))
    elif suite.rows("TERM-2") != 1:
        whys.append("answered 200 but TERM-2 is not stored")
    try:
        rc = srv.proc.wait(timeout=10)
        if rc != 0:
            whys.append("exited %d, want 0" % rc)
    except subprocess.TimeoutExpired:
        whys.append("still running 10 s after its last request")
    return "; ".join(whys)


def main():
    binary = sys.argv[1]
    suite = Suite(binary)
    cases = [
        ("GET_VALUES: libfcgi's values or no answer, then a request is "
         "served", c_get_values),
        ("GET_VALUES of an unknown name: an empty result or none, then a "
         "request is served", c_get_values_unknown),
        ("an unknown management type gets FCGI_UNKNOWN_TYPE", c_unknown_type),
        ("KEEP_CONN: requests one after another on one connection",
         c_keep_conn),
        ("KEEP_CONN: two requests in one write: nothing answered 200 "
         "unstored", c_keep_conn_pipelined),
        ("without KEEP_CONN the connection is closed after END_REQUEST",
         c_no_keep_closes),
        ("a request written one byte at a time is answered",
         c_byte_at_a_time),
        ("PARAMS and STDIN split across many padded records",
         c_split_records),
        ("the authorizer role is refused with 400, nothing stored",
         c_authorizer),
        ("a second request on a busy connection gets FCGI_CANT_MPX_CONN",
         c_cant_mpx),
        ("ABORT_REQUEST after PARAMS: nothing stored, then served", c_abort),
        ("a body over max_body_bytes (CONTENT_LENGTH) is 413, then served",
         lambda s, v: too_large(s, v, True)),
        ("a body over max_body_bytes (no CONTENT_LENGTH) is 413, then served",
         lambda s, v: too_large(s, v, False)),
        ("STDIN longer than CONTENT_LENGTH is refused, nothing stored",
         lambda s, v: c_longer_than_cl(s, v, False)),
        ("STDIN over max_body_bytes, CONTENT_LENGTH under: refused, nothing "
         "stored", lambda s, v: c_longer_than_cl(s, v, True)),
        ("PARAMS over 4 MiB are 400, then served", c_params_over),
        ("40 connections at once: all answered 200 and stored", c_many),
        ("a client that sends nothing does not hold up others",
         c_silent_client),
        ("more stalled reads than workers hold a request up for the "
         "watchdog's 30 s at most", c_stalled_workers),
        ("16 silent connections delay an order by 1 s at most",
         c_silent_16),
        ("200 stalled connections hold an order up for 15 s at most",
         c_stalled_200),
        ("SIGTERM: exit status 0 within 10 s", c_sigterm),
        ("SIGTERM during a request: no new connection, it is answered and "
         "stored, exit 0",
         c_sigterm_in_progress),
    ]
    try:
        for name, fn in cases:
            suite.case(name, lambda srv, fn=fn: fn(suite, srv))
        for srv in suite.servers:
            srv.stop()
        reports = [(i, m.group(0)) for i, srv in enumerate(suite.servers)
                   for m in [SAN_PATTERN.search(srv.stderr())] if m]
        report("no sanitizer report", reports and
               "server %d: %s" % reports[0])
    finally:
        for srv in suite.servers:
            srv.stop()
        shutil.rmtree(suite.tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
