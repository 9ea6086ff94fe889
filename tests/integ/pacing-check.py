#!/usr/bin/env python3
"""pacing-check.py LOG PATTERN J - idle connections, as the origin saw them.

Reads origin.py's request log (end time first, t0=start, port=client
port), keeps the GETs whose path matches PATTERN and, per connection, the
time between a response's end and that connection's next request: how
long the client left the slot idle. Prints the requests in flight on
average, the median idle time and how many exceed 80 ms; exits 1 when more
than 5% do. A client that refills a slot when its loop next wakes in
fixed 100 ms slices leaves a good part of them idle ~100 ms; one that
refills at once, only a scheduling hiccup of a loaded machine now and then.
"""
import re
import sys

LONG = 0.080


def main():
    log, pattern, j = sys.argv[1], sys.argv[2], int(sys.argv[3])
    spans = []
    with open(log) as f:
        for line in f:
            m = re.match(r'^(\d+\.\d+) GET (\S+) 200 port=(\d+).* '
                         r't0=(\d+\.\d+)', line)
            if m and re.search(pattern, m.group(2)):
                spans.append((float(m.group(4)), float(m.group(1)),
                              m.group(3)))
    if len(spans) < 4 * j:
        print('only %d requests matched %s' % (len(spans), pattern))
        return 1
    first = min(s for s, _, _ in spans)
    last = max(e for _, e, _ in spans)
    busy = sum(e - s for s, e, _ in spans)
    inflight = busy / (last - first) if last > first else 0.0
    idle = []
    by_port = {}
    for s, e, port in sorted(spans):
        if port in by_port:
            idle.append(max(0.0, s - by_port[port]))
        by_port[port] = e
    idle.sort()
    long = sum(1 for g in idle if g >= LONG)
    median = idle[len(idle) // 2] * 1000 if idle else 0.0
    print('%d requests on %d connections, %.2f in flight on average of %d, '
          'idle between requests: median %.1f ms, %d over %d ms' % (
              len(spans), len(by_port), inflight, j, median, long,
              LONG * 1000))
    return 0 if long * 20 <= len(idle) else 1


if __name__ == '__main__':
    sys.exit(main())
