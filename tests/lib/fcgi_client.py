#!/usr/bin/env python3
"""A FastCGI web server in miniature, for tests: starts the binary as a
FastCGI responder (a listening unix socket as its fd 0, as lighttpd and
mod_fcgid do) and sends it requests with parameters no real web server
would pass on (a 1 MiB QUERY_STRING, thousands of headers).

    fcgi_client.py BINARY REQUESTS.jsonl ANSWERS.jsonl STDERR_FILE

REQUESTS: one JSON object a line: {"params": {NAME: VALUE, ...},
"stdin_file": PATH} (stdin_file optional). ANSWERS: one JSON object a line
per request: {"code": N, "headers": "...", "body": "..."}, code 0 when the
program answered nothing. The program's environment is HOOKBOX_CONF,
ASAN_OPTIONS and UBSAN_OPTIONS from ours, nothing else; its stderr goes
to STDERR_FILE. Exits 0, or 1 if the program died during the run (its
exit status is printed).
"""
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile

BEGIN, END, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7


def record(rtype, content, rid=1):
    out = b""
    while True:
        chunk, content = content[:65535], content[65535:]
        out += struct.pack(">BBHHBB", 1, rtype, rid, len(chunk), 0, 0) + chunk
        if not content:
            return out


def pair(name, value):
    def length(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return length(len(name)) + length(len(value)) + name + value


def request(path, params, body):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    msg = record(BEGIN, struct.pack(">HB5x", 1, 0))
    p = b"".join(pair(k.encode(), v.encode("utf-8", "surrogateescape"))
                 for k, v in params.items())
    if p:
        msg += record(PARAMS, p)
    msg += record(PARAMS, b"")
    if body:
        msg += record(STDIN, body)
    msg += record(STDIN, b"")
    try:
        s.sendall(msg)
    except OSError:
        pass	# it may answer (and close) before reading everything
    out = b""
    buf = b""
    while True:
        try:
            data = s.recv(65536)
        except OSError:
            break
        if not data:
            break
        buf += data
        while len(buf) >= 8:
            _, rtype, _, clen, plen, _ = struct.unpack(">BBHHBB", buf[:8])
            if len(buf) < 8 + clen + plen:
                break
            content = buf[8:8 + clen]
            buf = buf[8 + clen + plen:]
            if rtype == STDOUT:
                out += content
            elif rtype == END:
                s.close()
                return out
    s.close()
    return out


def parse(out):
    text = out.decode("utf-8", "replace")
    head, _, body = text.partition("\r\n\r\n")
    code = 0
    first = head.split("\r\n", 1)[0]
    if first.startswith("Status: "):
        code = int(first.split()[1])
    return {"code": code, "headers": head, "body": body}


def main():
    binary, reqs, answers, errfile = sys.argv[1:5]
    tmp = tempfile.mkdtemp(prefix="hbfcgi.")
    path = os.path.join(tmp, "sock")
    ls = socket.socket(socket.AF_UNIX)
    ls.bind(path)
    ls.listen(16)
    env = {k: os.environ[k] for k in ("HOOKBOX_CONF", "ASAN_OPTIONS",
                                       "UBSAN_OPTIONS") if k in os.environ}
    with open(errfile, "wb") as err:
        proc = subprocess.Popen([binary], stdin=ls.fileno(),
                                stdout=subprocess.DEVNULL, stderr=err,
                                env=env, close_fds=True)
    ls.close()
    died = None
    with open(reqs) as f, open(answers, "w") as out:
        for line in f:
            spec = json.loads(line)
            body = b""
            if spec.get("stdin_file"):
                with open(spec["stdin_file"], "rb") as b:
                    body = b.read()
            try:
                ans = parse(request(path, spec["params"], body))
            except OSError as e:
                ans = {"code": 0, "headers": "", "body": str(e)}
            out.write(json.dumps(ans) + "\n")
            if proc.poll() is not None:
                died = proc.returncode
                break
    stop = ""
    if died is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            stop = "the FastCGI program ignored SIGTERM for 10 s"
            proc.kill()
            proc.wait()
    os.unlink(path)
    os.rmdir(tmp)
    if died is not None:
        print("the FastCGI program exited %d during the run" % died)
        return 1
    if stop:
        print(stop)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
