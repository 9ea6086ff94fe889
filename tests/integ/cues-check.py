#!/usr/bin/env python3
"""cues-check.py CUES FILE [SHIFT] - the cues of FILE (WebVTT or SubRip, e.g.
a sidecar or `ffmpeg -map 0:s:N -f webvtt`) equal the test cues in CUES
(lines "start end text", "|" a new line; see mkstreams.sh): same number,
same text, and times within one frame (1/24 s) of CUES + SHIFT seconds."""
import re
import sys

FRAME = 1.0 / 24
TIME = re.compile(r'(?:(\d+):)?(\d+):(\d+)[.,](\d{3})')


def seconds(s):
    m = TIME.fullmatch(s.strip().split()[0])
    if not m:
        raise ValueError('bad time %r' % s)
    h, mi, se, ms = m.groups()
    return int(h or 0) * 3600 + int(mi) * 60 + int(se) + int(ms) / 1000


def parse(path):
    cues, lines = [], open(path, encoding='utf-8-sig').read().splitlines()
    i = 0
    while i < len(lines):
        if '-->' in lines[i]:
            a, b = lines[i].split('-->')
            text = []
            i += 1
            while i < len(lines) and lines[i].strip():
                text.append(lines[i])
                i += 1
            cues.append((seconds(a), seconds(b), '\n'.join(text)))
        i += 1
    return cues


def main():
    want = []
    for line in open(sys.argv[1]):
        a, b, text = line.rstrip('\n').split(' ', 2)
        want.append((float(a), float(b), text.replace('|', '\n')))
    shift = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    got = parse(sys.argv[2])
    if len(got) != len(want):
        sys.exit('%s: %d cues, want %d: %r' % (sys.argv[2], len(got),
                                               len(want), got))
    for (ga, gb, gt), (wa, wb, wt) in zip(got, want):
        if gt != wt:
            sys.exit('%s: cue text %r, want %r' % (sys.argv[2], gt, wt))
        if abs(ga - wa - shift) > FRAME or abs(gb - wb - shift) > FRAME:
            sys.exit('%s: cue %r at %.3f-%.3f, want %.3f-%.3f' % (
                sys.argv[2], gt, ga, gb, wa + shift, wb + shift))


main()
