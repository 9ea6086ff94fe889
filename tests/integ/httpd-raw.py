#!/usr/bin/env python3
"""httpd-raw - what curl(1) will not do, for tests/integ/t-httpd-guard.sh.

usage: httpd-raw.py PORT MODE [ARG]
  tls VERSION   handshake with exactly TLSv1_1 / TLSv1_2 / TLSv1_3; prints
                "ok TLSv1.2" or "refused <reason>"
  garbage       TLS, then bytes that are no HTTP; prints the status line
                the server answers with, or "closed"
  half          TLS, then half a request; prints "closed <seconds>" when
                the server hangs up (its timeout), "open" if it never does
  plain         no TLS at all: an HTTP request in clear; prints "closed"
                when the server drops it
  hold N        opens N TLS connections and keeps them until killed
  send          TLS, then the bytes of stdin as they are; prints the
                status lines answered (one a line), then "closed" if the
                server hung up
  trickle       TLS, then a POST head one byte every 0.2 s, for ever;
                prints the status line the server cuts it off with
Every wait is bounded (10 s); loopback only.
"""
import socket
import ssl
import sys
import time
import warnings

warnings.simplefilter("ignore", DeprecationWarning)

HOST = "127.0.0.1"


def context(version=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if version is not None:
        v = getattr(ssl.TLSVersion, version)
        # OpenSSL 3 will not even offer TLS 1.1 at the default security
        # level; lower it so the refusal comes from the server.
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = v
        ctx.maximum_version = v
    return ctx


def connect(port, version=None):
    raw = socket.create_connection((HOST, port), timeout=10)
    return context(version).wrap_socket(raw, server_hostname="localhost")


def read_all(s, limit=10.0):
    data = b""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            chunk = s.recv(4096)
        except (ssl.SSLError, OSError):
            break
        if not chunk:
            break
        data += chunk
    return data


def main():
    port, mode = int(sys.argv[1]), sys.argv[2]
    if mode == "tls":
        try:
            s = connect(port, sys.argv[3])
            print("ok", s.version())
            s.close()
        except (ssl.SSLError, OSError) as e:
            print("refused", e)
    elif mode == "garbage":
        s = connect(port)
        s.sendall(b"\x00\x01\xff garbage \xfe\r\n\x7f\x00 \r\n\r\n")
        data = read_all(s)
        print(data.split(b"\r\n")[0].decode("latin-1") if data else "closed")
    elif mode == "half":
        s = connect(port)
        s.sendall(b"POST /api/download HTTP/1.1\r\nHost: x\r\nContent-Le")
        t0 = time.monotonic()
        data = read_all(s)
        took = time.monotonic() - t0
        print("closed %.1f" % took if took < 9.5 else "open", data[:60])
    elif mode == "plain":
        raw = socket.create_connection((HOST, port), timeout=10)
        raw.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
        data = read_all(raw)
        print("answered" if data.startswith(b"HTTP/") else "closed")
    elif mode == "send":
        s = connect(port)
        s.sendall(sys.stdin.buffer.read())
        data = read_all(s)
        for line in data.split(b"\r\n"):
            if line.startswith(b"HTTP/"):
                print(line.decode("latin-1"))
        print("closed")
    elif mode == "trickle":
        s = connect(port)
        s.settimeout(0.2)
        head = b"POST /api/download HTTP/1.1\r\nHost: x\r\nX-Pad: " + \
            b"a" * 10000
        data = b""
        end = time.monotonic() + 60
        for i in range(len(head)):
            if time.monotonic() > end:
                break
            try:
                s.sendall(head[i:i + 1])
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
                if b"\r\n" in data:
                    break
            except socket.timeout:
                continue
            except (ssl.SSLError, OSError):
                break
        print(data.split(b"\r\n")[0].decode("latin-1") if data else "closed")
    elif mode == "hold":
        socks = [connect(port) for _ in range(int(sys.argv[3]))]
        print("holding", len(socks), flush=True)
        time.sleep(60)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
