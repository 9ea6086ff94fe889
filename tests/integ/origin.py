#!/usr/bin/python3
# origin.py - a local HLS origin for the integration tests (stdlib only).
#
# Usage:
#   python3 tests/integ/origin.py --root DIR --port-file FILE [--latency-ms N]
#       [--rate BYTES_PER_SEC] [--max-seconds S] [--max-requests N]
#       [--log FILE] [--live-speed X] [--protect-referer R] [--protect-cookie C]
#       [--tls-cert PEM --tls-key PEM] [--token-segments N]
#       [--range honour|ignore|wrong]
#
# Binds 127.0.0.1 on an ephemeral port and writes the port to FILE (tmp +
# rename) once listening; with --tls-cert/--tls-key it speaks HTTPS.  Serves
# DIR over HTTP/1.1 keep-alive with single Range support; playlists have
# "{{ORIGIN}}" replaced by http(s)://127.0.0.1:PORT.  --range ignore answers
# every Range with the whole file (200), --range wrong with a 206 of the
# bytes one past the start asked for (an honest Content-Range of another
# range); set?range= changes it at run time.
# The --log lines: "T GET PATH STATUS port=P [range=bytes=A-B] t0=T0 sent=N":
# T when the answer was sent, T0 when the request was read, N body bytes.
# Special trees:
#   /protected/...   403 unless Referer == R and the Cookie header has C
#   /ct/<x>          DIR/ct/<x> served as application/vnd.apple.mpegurl
#   /r/<path>        302 redirect to /<path> (query kept)
#   /signed/<path>   DIR/<path> behind a CDN-style signed link: every request
#                    needs ?token=T (any T not yet expired); a playlist
#                    fetched with T lists its URIs (segments, keys, maps)
#                    with ?token=T; with --token-segments N a token expires
#                    once N segments (media files: .ts .m4s .mp4 .m4a .aac;
#                    keys and playlists do not count) were served with it
#                    (counted when each
#                    request is taken, so deterministic, not wall time):
#                    then every request with it gets 403 "token expired"
#   /live/<n>/index.m3u8   a sliding 3-segment window over DIR/live/<n>/full.m3u8,
#                    advancing with (time since first request) * live-speed;
#                    with a file DIR/live/<n>/loop it repeats forever
# Control API (never counted in the stats, never delayed):
#   /_ctl/stats                    {"total": N, "paths": {"/p": n, ...},
#                                  "bytes": body bytes sent, "connections": N,
#                                  "max_inflight": most requests at once}
#   /_ctl/stat?key=K               one of those numbers, as text
#   /_ctl/headers?path=P           JSON of the headers of P's last request
#   /_ctl/header?path=P&name=N     header N of P's last request, as text
#   /_ctl/count?path=P             requests for P so far (query ignored)
#   /_ctl/reset-stats
#   /_ctl/fault?path=P&kind=K&count=N   next N requests for P get fault K:
#       500 503 403 404 | reset (half the body then RST) | stall (headers
#       then 60 s of silence) | truncate (half the body then FIN);
#       count=0: every request for P until /_ctl/clear-faults
#   /_ctl/clear-faults
#   /_ctl/set?latency_ms=N&rate=BYTES_PER_SEC   (rate 0 = unlimited)
#            &range=honour|ignore|wrong
#   /_ctl/live-reset[?name=N]      restart the live clock(s)
#   /_ctl/quit                     stop the server
# Exits by itself after --max-seconds or --max-requests, and on SIGTERM/SIGINT.

import argparse
import json
import os
import re
import select
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 16 * 1024
STALL_SECONDS = 60.0
LIVE_WINDOW = 3

CTYPES = {
    '.m3u8': 'application/vnd.apple.mpegurl',
    '.m3u': 'application/vnd.apple.mpegurl',
    '.ts': 'video/mp2t',
    '.m4s': 'video/mp4',
    '.mp4': 'video/mp4',
    '.m4a': 'audio/mp4',
    '.aac': 'audio/aac',
    '.key': 'application/octet-stream',
    '.bin': 'application/octet-stream',
    '.html': 'text/html; charset=utf-8',
    '.json': 'application/json',
    '.vtt': 'text/vtt',
}
HLS_TYPE = CTYPES['.m3u8']
SEGMENT_EXTS = ('.ts', '.m4s', '.mp4', '.m4a', '.aac')  # what a token counts
RANGE_MODES = ('honour', 'ignore', 'wrong')
FAULT_KINDS = ('500', '503', '403', '404', 'reset', 'stall', 'truncate')


class State:
    """Everything the handler threads share, under one lock."""

    def __init__(self, args):
        self.lock = threading.Lock()
        self.args = args
        self.root = os.path.realpath(args.root)
        self.latency_ms = args.latency_ms
        self.rate = args.rate
        self.range_mode = args.range
        self.reset()
        self.faults = {}        # path -> [kind, remaining]
        self.live_start = {}    # name -> monotonic time of first request
        self.requests = 0       # every request, for --max-requests
        self.stop = threading.Event()
        self.port = 0
        self.origin = ''        # http(s)://127.0.0.1:PORT
        self.logf = open(args.log, 'a', buffering=1) if args.log else None
        self.tokens = {}        # token -> segments served with it

    def reset(self):
        """Zero the stats (caller holds the lock, or no threads yet)."""
        self.total = 0
        self.paths = {}
        self.bytes = 0          # body bytes sent for stream requests
        self.connections = 0    # TCP connections accepted
        self.inflight = 0
        self.max_inflight = 0   # most stream requests served at once
        self.headers = {}       # path -> headers of its last request

    def begin(self, path, headers):
        with self.lock:
            self.total += 1
            self.paths[path] = self.paths.get(path, 0) + 1
            self.headers[path] = headers
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)

    def end(self, sent):
        with self.lock:
            self.inflight -= 1
            self.bytes += sent

    def take_fault(self, path):
        with self.lock:
            f = self.faults.get(path)
            if not f:
                return None
            if f[1] == 0:       # count=0: every request until clear-faults
                return f[0]
            f[1] -= 1
            if f[1] <= 0:
                del self.faults[path]
            return f[0]

    def take_token(self, token, segment):
        """True if a /signed/ request with token may be served; a
        segment counts against the token's --token-segments."""
        limit = self.args.token_segments
        with self.lock:
            n = self.tokens.get(token, 0)
            if limit > 0 and n >= limit:
                return False
            if segment:
                self.tokens[token] = n + 1
            return True

    def log(self, line):
        if self.logf:
            with self.lock:
                self.logf.write('%.3f %s\n' % (time.time(), line))


def parse_range(header, size):
    """Return (start, end) inclusive, None for 'serve whole', or 'bad'."""
    if not header:
        return None
    m = re.fullmatch(r'\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*', header)
    if not m:
        return None         # multiple or odd ranges: a 200 is allowed
    a, b = m.group(1), m.group(2)
    if a == '' and b == '':
        return 'bad'
    if a == '':
        n = int(b)
        if n == 0:
            return 'bad'
        return (max(0, size - n), size - 1)
    start = int(a)
    end = int(b) if b != '' else size - 1
    if start >= size or end < start:
        return 'bad'
    return (start, min(end, size - 1))


def live_playlist(full_text, elapsed, loop=False):
    """The sliding window of a live stream at media time `elapsed` s.
    With loop, the segments repeat forever (a discontinuity at each wrap)
    and the playlist never ends."""
    header, segs, pending = [], [], []
    seq0 = 0
    for line in full_text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith('#EXT-X-MEDIA-SEQUENCE:'):
            seq0 = int(line.split(':', 1)[1])
        elif line.startswith('#EXT-X-ENDLIST') or \
                line.startswith('#EXT-X-PLAYLIST-TYPE'):
            continue
        elif line.startswith('#EXTINF:'):
            pending.append(line)
        elif line.startswith('#') and not pending and not segs:
            header.append(line)
        elif line.startswith('#'):
            pending.append(line)
        else:
            dur = 0.0
            for p in pending:
                if p.startswith('#EXTINF:'):
                    dur = float(p[8:].split(',', 1)[0])
            segs.append((pending, line, dur))
            pending = []
    n = len(segs)
    cycle = sum(d for _, _, d in segs)
    published, base = 0, 0
    if loop and n and cycle > 0:
        laps = int(elapsed // cycle)
        published, base = laps * n, laps * n
        elapsed -= laps * cycle
    t = 0.0
    for _, _, dur in segs:
        if t <= elapsed:
            published += 1
        t += dur
    first = max(0, published - LIVE_WINDOW)
    out = [h for h in header if h != '#EXTM3U']
    out.insert(0, '#EXTM3U')
    out.append('#EXT-X-MEDIA-SEQUENCE:%d' % (seq0 + first))
    if loop:
        out.append('#EXT-X-DISCONTINUITY-SEQUENCE:%d' %
                   ((first - 1) // n if first > 0 else 0))
    for i in range(first, published):
        tags, uri, _ = segs[i % n]
        if loop and i > 0 and i % n == 0:
            out.append('#EXT-X-DISCONTINUITY')
        out.extend(tags)
        out.append(uri)
    if not loop and published == n:
        out.append('#EXT-X-ENDLIST')
    return '\n'.join(out) + '\n'


def sign_playlist(data, token):
    """The playlist with ?token=T on every URI line and URI= attribute."""
    def sign(uri):
        return uri + ('&' if '?' in uri else '?') + 'token=' + token
    out = []
    for line in data.decode('utf-8', 'replace').splitlines():
        s = line.strip()
        if s and not s.startswith('#'):
            line = sign(s)
        elif 'URI="' in s:
            line = re.sub(r'URI="([^"]*)"',
                          lambda m: 'URI="%s"' % sign(m.group(1)), line)
        out.append(line)
    return ('\n'.join(out) + '\n').encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'm3u8nas-test-origin/1'
    timeout = 30    # an idle keep-alive connection is closed after 30 s
    # Headers and body leave in separate writes: with Nagle on, the body
    # waits for the client's delayed ACK (40 ms a response), and the origin,
    # not the client, would set the pace.
    disable_nagle_algorithm = True

    # -- plumbing ---------------------------------------------------------

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        st = self.server.state
        with st.lock:
            st.connections += 1

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError,
                socket.timeout, TimeoutError):
            self.close_connection = True
        except OSError:
            self.close_connection = True

    def do_HEAD(self):
        self.serve(head=True)

    def do_GET(self):
        self.serve(head=False)

    def send_simple(self, code, body=b'', ctype='text/plain', extra=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not self.head:
            self.wfile.write(body)
        self.status = code

    def write_paced(self, data):
        """Write data in chunks; with a rate, chunk k+1 leaves no earlier
        than (bytes up to it) / rate after the first, so the whole body
        takes about len / rate seconds."""
        st = self.state
        t0 = time.monotonic()
        sent = 0
        view = memoryview(data) if not isinstance(data, memoryview) else data
        while sent < len(view):
            rate = st.rate
            # ~20 writes a second: small enough to pace slow rates smoothly,
            # big enough that fast rates are not lost to sleep overhead.
            n = CHUNK if not rate else max(1024, min(16 * CHUNK, rate // 20))
            chunk = view[sent:sent + n]
            if rate and rate > 0:
                due = (sent + len(chunk)) / rate - (time.monotonic() - t0)
                if due > 0:
                    time.sleep(min(due, 5.0))
            self.wfile.write(chunk)
            sent += len(chunk)
            self.sent = sent
            if st.stop.is_set():
                raise ConnectionAbortedError('server stopping')

    def wait_client_gone(self, seconds):
        """Stall: wait until the client closes, the server stops, or time."""
        end = time.monotonic() + seconds
        sock = self.connection
        while time.monotonic() < end and not self.state.stop.is_set():
            r, _, _ = select.select([sock], [], [], 0.2)
            if r:
                # Consumes what the client sends: the connection is closed
                # after a stall anyway.  (No MSG_PEEK: TLS sockets refuse it.)
                try:
                    if not sock.recv(4096):
                        return
                except (OSError, ValueError):
                    return

    # -- request dispatch -------------------------------------------------

    def serve(self, head):
        st = self.state = self.server.state
        self.head = head
        self.status = 0
        self.sent = 0
        t0 = time.time()    # the request's start, for the log
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        query = urllib.parse.parse_qs(url.query)
        with st.lock:
            st.requests += 1
            if st.requests >= st.args.max_requests:
                st.stop.set()
        try:
            if path.startswith('/_ctl/'):
                self.control(path[6:], query)
            else:
                hdrs = {}
                for k, v in self.headers.items():
                    hdrs[k] = hdrs[k] + ', ' + v if k in hdrs else v
                st.begin(path, hdrs)
                try:
                    if st.latency_ms > 0:
                        time.sleep(st.latency_ms / 1000.0)
                    self.stream(path, url.query)
                finally:
                    st.end(self.sent)
        finally:
            rng = self.headers.get('Range')
            # The line's time is the request's end; t0 its start and
            # sent its body bytes (tests read requests in flight).
            st.log('%s %s %s port=%s%s t0=%.4f sent=%d' % (
                self.command, self.path, self.status, self.client_address[1],
                ' range=' + rng if rng else '', t0, self.sent))

    def control(self, cmd, q):
        st = self.state
        one = lambda k, d=None: q.get(k, [d])[0]
        with st.lock:
            if cmd == 'stats':
                body = json.dumps({
                    'total': st.total, 'paths': st.paths, 'bytes': st.bytes,
                    'connections': st.connections,
                    'max_inflight': st.max_inflight,
                    'latency_ms': st.latency_ms, 'rate': st.rate},
                    sort_keys=True)
            elif cmd == 'stat':
                v = {'total': st.total, 'bytes': st.bytes,
                     'connections': st.connections,
                     'max_inflight': st.max_inflight, 'inflight': st.inflight,
                     'latency_ms': st.latency_ms, 'rate': st.rate}
                body = str(v.get(one('key', ''), ''))
            elif cmd == 'header':
                p = urllib.parse.urlsplit(one('path', '')).path
                name = one('name', '').lower()
                h = st.headers.get(p, {})
                body = next((v for k, v in h.items() if k.lower() == name), '')
            elif cmd == 'headers':
                p = urllib.parse.urlsplit(one('path', '')).path
                body = json.dumps(st.headers.get(p, {}), sort_keys=True)
            elif cmd == 'count':
                p = urllib.parse.urlsplit(one('path', '')).path
                body = str(st.paths.get(p, 0))
            elif cmd == 'reset-stats':
                st.reset()
                body = 'ok'
            elif cmd == 'fault':
                p, kind = one('path'), one('kind')
                try:
                    n = int(one('count', '1'))
                except ValueError:
                    n = -1
                if not p or kind not in FAULT_KINDS or n < 0:
                    body = None
                else:
                    p = urllib.parse.urlsplit(p).path
                    st.faults[p] = [kind, n]
                    body = 'ok'
            elif cmd == 'clear-faults':
                st.faults = {}
                body = 'ok'
            elif cmd == 'set':
                try:
                    if one('latency_ms') is not None:
                        st.latency_ms = max(0, int(one('latency_ms')))
                    if one('rate') is not None:
                        st.rate = max(0, int(one('rate')))
                    if one('range') is not None:
                        if one('range') not in RANGE_MODES:
                            raise ValueError('range')
                        st.range_mode = one('range')
                    body = 'ok'
                except ValueError:
                    body = None
            elif cmd == 'live-reset':
                name = one('name')
                if name:
                    st.live_start.pop(name, None)
                else:
                    st.live_start = {}
                body = 'ok'
            elif cmd == 'quit':
                st.stop.set()
                body = 'ok'
            else:
                self.send_simple(404, 'no such control\n')
                return
        if body is None:
            self.send_simple(400, 'bad control arguments\n')
        else:
            self.send_simple(200, body + '\n',
                             'application/json' if body.startswith('{')
                             else 'text/plain')

    def resolve(self, path):
        """Map a URL path to a regular file under root, or None."""
        root = self.state.root
        rel = os.path.normpath(path.lstrip('/'))
        if rel.startswith('..') or os.path.isabs(rel) or '\0' in rel:
            return None
        full = os.path.realpath(os.path.join(root, rel))
        if not full.startswith(root + os.sep) or not os.path.isfile(full):
            return None
        return full

    def allowed(self, path):
        if not path.startswith('/protected/'):
            return True
        a = self.state.args
        if self.headers.get('Referer', '') != a.protect_referer:
            return False
        cookies = [c.strip() for h in self.headers.get_all('Cookie', [])
                   for c in h.split(';')]
        return a.protect_cookie in cookies

    def stream(self, path, query):
        st = self.state
        if not self.allowed(path):
            self.send_simple(403, 'forbidden\n')
            return
        token = None
        if path.startswith('/signed/'):
            token = urllib.parse.parse_qs(query).get('token', [''])[0]
            path = path[7:]
            media = os.path.splitext(path)[1].lower() in SEGMENT_EXTS
            if not token or not st.take_token(token, media):
                self.send_simple(403, 'token expired\n')
                return
        fault = st.take_fault(path)
        if fault in ('500', '503', '403', '404'):
            self.send_simple(int(fault), 'injected fault %s\n' % fault)
            return
        if path.startswith('/r/'):
            loc = urllib.parse.quote(path[2:]) + ('?' + query if query else '')
            self.send_simple(302, 'moved\n', extra={'Location': loc})
            return
        m = re.fullmatch(r'/live/([A-Za-z0-9_.-]+)/index\.m3u8', path)
        if m:
            data = self.live(m.group(1))
            if data is None:
                self.send_simple(404, 'not found\n')
                return
            self.send_body(data, HLS_TYPE, fault)
            return
        full = self.resolve(path)
        if full is None:
            self.send_simple(404, 'not found\n')
            return
        ext = os.path.splitext(full)[1].lower()
        if path.startswith('/ct/'):
            ctype = HLS_TYPE
        else:
            ctype = CTYPES.get(ext, 'application/octet-stream')
        with open(full, 'rb') as f:
            if ctype == HLS_TYPE:
                data = f.read(16 << 20).replace(b'{{ORIGIN}}', (
                    st.origin).encode())
                if token is not None:
                    data = sign_playlist(data, token)
                self.send_body(data, ctype, fault)
            else:
                self.send_body(f, ctype, fault)

    def live(self, name):
        st = self.state
        full = self.resolve('/live/%s/full.m3u8' % name)
        if full is None:
            return None
        with st.lock:
            start = st.live_start.setdefault(name, time.monotonic())
        elapsed = (time.monotonic() - start) * st.args.live_speed
        loop = os.path.isfile(os.path.join(os.path.dirname(full), 'loop'))
        with open(full) as f:
            return live_playlist(f.read(), elapsed, loop).encode()

    def send_body(self, src, ctype, fault):
        """Send src (bytes, or an open file) honouring Range, the fault and
        the rate; a plain file with no rate goes out with sendfile(2)."""
        if isinstance(src, bytes):
            size = len(src)
        else:
            size = os.fstat(src.fileno()).st_size
        rng = parse_range(self.headers.get('Range'), size)
        mode = self.state.range_mode
        if mode == 'ignore' and rng != 'bad':
            rng = None
        elif mode == 'wrong' and isinstance(rng, tuple) and rng[0] < rng[1]:
            rng = (rng[0] + 1, rng[1])
        if rng == 'bad':
            self.send_simple(416, 'range not satisfiable\n',
                             extra={'Content-Range': 'bytes */%d' % size})
            return
        code, start, length = 200, 0, size
        if rng is not None:
            code, start, length = 206, rng[0], rng[1] + 1 - rng[0]
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(length))
        self.send_header('Accept-Ranges', 'bytes')
        if code == 206:
            self.send_header('Content-Range',
                             'bytes %d-%d/%d' % (rng[0], rng[1], size))
        if fault in ('reset', 'truncate', 'stall'):
            self.send_header('Connection', 'close')
        self.end_headers()
        self.status = code
        if self.head:
            return
        if fault == 'stall':
            self.wfile.flush()
            self.status = '%d-stall' % code
            self.wait_client_gone(STALL_SECONDS)
            self.close_connection = True
            return
        if fault in ('reset', 'truncate'):
            length //= 2
        if isinstance(src, bytes):
            self.write_paced(memoryview(src)[start:start + length])
        elif not self.state.rate and not fault:
            self.sent = self.connection.sendfile(src, start, length)
            if self.sent != length:
                raise ConnectionAbortedError('short sendfile')
        else:
            src.seek(start)
            self.write_paced(src.read(length))
        if fault in ('reset', 'truncate'):
            self.wfile.flush()
            self.status = '%d-%s' % (code, fault)
            self.close_connection = True
            if fault == 'reset':
                # SO_LINGER 0: close() sends RST instead of FIN.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack('ii', 1, 0))
                with self.state.lock:
                    self.server.aborted.add(self.connection)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def shutdown_request(self, request):
        with self.state.lock:
            abort = request in self.aborted
            self.aborted.discard(request)
        if abort:
            request.close()     # no SHUT_WR first: the RST must be the end
            return
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description='Local HLS origin for tests.')
    ap.add_argument('--root', required=True)
    ap.add_argument('--port-file', required=True)
    ap.add_argument('--latency-ms', type=int, default=0)
    ap.add_argument('--rate', type=int, default=0,
                    help='bytes/s per connection, 0 = unlimited')
    ap.add_argument('--max-seconds', type=float, default=600.0)
    ap.add_argument('--max-requests', type=int, default=200000)
    ap.add_argument('--log')
    ap.add_argument('--live-speed', type=float, default=1.0)
    ap.add_argument('--protect-referer', default='http://site.example/watch')
    ap.add_argument('--protect-cookie', default='session=letmein')
    ap.add_argument('--tls-cert', help='serve HTTPS with this PEM cert')
    ap.add_argument('--tls-key', help='and this PEM key')
    ap.add_argument('--range', choices=RANGE_MODES, default='honour',
                    help='honour Range, ignore it (200), or answer another '
                    'range (206)')
    ap.add_argument('--token-segments', type=int, default=0,
                    help='a /signed/ token expires after N segments '
                    '(0 = never)')
    args = ap.parse_args()
    if not os.path.isdir(args.root):
        ap.error('--root %s is not a directory' % args.root)

    state = State(args)
    srv = Server(('127.0.0.1', 0), Handler)
    srv.timeout = 0.5
    srv.state = state
    srv.aborted = set()
    state.port = srv.server_address[1]
    scheme = 'http'
    if args.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        # Handshake in the handler thread, not in accept(): a silent client
        # must not block the server.
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
        scheme = 'https'
    state.origin = '%s://127.0.0.1:%d' % (scheme, state.port)

    def stop(signum, frame):
        state.stop.set()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    t = threading.Thread(target=srv.serve_forever, kwargs={'poll_interval': 0.2},
                         daemon=True)
    t.start()
    tmp = '%s.tmp.%d' % (args.port_file, os.getpid())
    with open(tmp, 'w') as f:
        f.write('%d\n' % state.port)
    os.rename(tmp, args.port_file)
    state.log('listening on 127.0.0.1:%d' % state.port)

    state.stop.wait(args.max_seconds)
    state.stop.set()
    state.log('stopping')
    srv.shutdown()
    srv.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
