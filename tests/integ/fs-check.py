#!/usr/bin/env python3
"""fs-check - reads every file of an m3u8nas-fs mount and checks it against
the store, which it reads on its own with Python's sqlite3 (read-only).

    fs-check.py tree MNT DB      every job's files, views and /status
    fs-check.py errors MNT ID    every refused operation gives its errno

Exits non-zero with one line per mismatch.
"""
import errno
import json
import os
import sqlite3
import sys
import time

FILES = ["progress", "status", "title", "url", "error", "speed", "eta",
         "size", "output", "info.json", "ctl"]
STATUSES = ["pending", "downloading", "merging", "paused", "completed",
            "failed", "cancelled"]
problems = []


def bad(msg):
    problems.append(msg)


def human(n):
    units = ["B", "kB", "MB", "GB", "TB", "PB"]
    u = 0
    n = max(float(n), 0.0)
    while n >= 1000 and u + 1 < len(units):
        n /= 1000
        u += 1
    return "%.0f B" % n if u == 0 else "%.1f %s" % (n, units[u])


def duration(s):
    if s < 0:
        return "-"
    if s >= 3600:
        return "%d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60)
    return "%d:%02d" % (s // 60, s % 60)


def expected(r):
    """The text of every fixed file, in the formats m3u8nas-fs serves."""
    active = r["status"] in ("downloading", "merging")
    speed = human(r["speed_bps"] if active else 0) + "/s"
    eta = duration(r["eta_s"] if active else -1)
    pct = min(max(r["progress"], 0.0), 100.0)

    def line(v):
        return v + "\n" if v else ""
    return {
        "progress": "%.1f%% %d/%d segments %s ETA %s\n" % (
            pct, r["segments_done"], r["segments_total"], speed, eta),
        "status": line(r["status"]),
        "title": line(r["title"]),
        "url": line(r["url"]),
        "error": line(r["error_msg"]),
        "speed": speed + "\n",
        "eta": eta + "\n",
        "size": human(r["size_bytes"] if r["size_bytes"] > 0
                      else r["bytes_done"]) + "\n",
        "output": line(r["file_path"]),
        "ctl": "",
    }


def read(path):
    with open(path, "rb") as f:
        return f.read().decode()


def check_job(mnt, r):
    d = os.path.join(mnt, "jobs", r["id"])
    want = expected(r)
    names = set(os.listdir(d))
    for f in FILES:
        if f not in names:
            bad("%s: %s not listed" % (r["id"], f))
    for f, text in want.items():
        got = read(os.path.join(d, f))
        if got != text:
            bad("%s/%s: got %r, want %r" % (r["id"], f, got, text))
        size = os.stat(os.path.join(d, f)).st_size
        if size != len(text.encode()):
            bad("%s/%s: st_size %d for %d bytes" % (r["id"], f, size,
                                                    len(text.encode())))
    info = json.loads(read(os.path.join(d, "info.json")))
    for col in r.keys():
        if col in ("headers_json",):
            continue
        if info.get(col) != r[col]:
            bad("%s/info.json: %s is %r, store has %r" % (
                r["id"], col, info.get(col), r[col]))
    mode = os.stat(os.path.join(d, "ctl")).st_mode & 0o777
    if mode != 0o600:
        bad("%s/ctl: mode %o" % (r["id"], mode))
    check_video(d, r, names)


def check_video(d, r, names):
    extra = names - set(FILES)
    path = r["file_path"]
    if r["status"] == "completed" and path and os.path.isfile(path):
        base = os.path.basename(path)
        if extra != {base}:
            bad("%s: video entry %r, want %r" % (r["id"], extra, base))
            return
        with open(path, "rb") as f:
            real = f.read()
        with open(os.path.join(d, base), "rb") as f:
            shown = f.read()
        if real != shown:
            bad("%s: video bytes differ (%d vs %d)" % (r["id"], len(shown),
                                                       len(real)))
        st = os.stat(os.path.join(d, base))
        if not (st.st_mode & 0o170000) == 0o100000 or st.st_size != len(real):
            bad("%s: video is not a regular file of the right size" % r["id"])
    elif extra:
        bad("%s: unexpected entries %r" % (r["id"], extra))


def check_views(mnt, rows):
    for s in STATUSES:
        want = sorted(r["id"] for r in rows if r["status"] == s)
        got = sorted(os.listdir(os.path.join(mnt, "by-status", s)))
        if got != want:
            bad("by-status/%s: %r, want %r" % (s, got, want))
        for i in got:
            p = os.path.join(mnt, "by-status", s, i)
            if os.readlink(p) != "../../jobs/" + i:
                bad("%s: link %r" % (p, os.readlink(p)))
            if read(os.path.join(p, "status")) != s + "\n":
                bad("%s/status through the link" % p)
    # by-name: the newest job of each name has the plain name.
    newest = {}
    for r in sorted(rows, key=lambda r: (r["created_at"], r["rowid"])):
        if r["job_name"]:
            newest[r["job_name"]] = r["id"]
    names = os.listdir(os.path.join(mnt, "by-name"))
    named = [r for r in rows if r["job_name"]]
    if len(names) != len(named):
        bad("by-name: %d entries for %d named jobs" % (len(names),
                                                       len(named)))
    for name, i in newest.items():
        p = os.path.join(mnt, "by-name", name)
        if os.readlink(p) != "../jobs/" + i:
            bad("by-name/%s -> %r, want %s" % (name, os.readlink(p), i))
        if json.loads(read(os.path.join(p, "info.json")))["id"] != i:
            bad("by-name/%s/info.json is not job %s" % (name, i))


def check_status(mnt, rows, db):
    hb = db.execute("SELECT value FROM spooler WHERE key = 'heartbeat'")
    hb = hb.fetchone()
    t0 = time.time()
    text = read(os.path.join(mnt, "status"))
    t1 = time.time()
    facts = dict(l.split(": ", 1) for l in text.splitlines())
    count = {s: sum(1 for r in rows if r["status"] == s) for s in STATUSES}
    want = {"queue": count["pending"],
            "active": count["downloading"] + count["merging"],
            "completed": count["completed"], "failed": count["failed"],
            "cancelled": count["cancelled"], "total": len(rows)}
    for k, v in want.items():
        if facts.get(k) != str(v):
            bad("status: %s is %r, want %d" % (k, facts.get(k), v))
    # Alive means a heartbeat at most 5 s old (whole seconds) when read.
    hb = int(hb[0]) if hb is not None else None
    if facts.get("spooler") == "alive":
        ok = hb is not None and int(t0) - hb <= 5
    else:
        ok = hb is None or int(t1) + 1 - hb > 5
    if not ok or facts.get("spooler") not in ("alive", "stopped"):
        bad("status: spooler %r, heartbeat %r at %d" % (
            facts.get("spooler"), hb, t0))
    if "disk_free" not in facts or facts.get("store") != "ok":
        bad("status: %r" % text)


def rows_of(db):
    db.row_factory = sqlite3.Row
    cur = db.execute(
        "SELECT j.rowid AS rowid, j.*, m.referer, m.user_agent, "
        "m.source_page, m.resolution, m.duration FROM jobs j "
        "LEFT JOIN job_metadata m ON m.job_id = j.id")
    return [dict(r) for r in cur]


def tree(mnt, dbpath):
    db = sqlite3.connect("file:%s?mode=ro" % dbpath, uri=True)
    rows = rows_of(db)
    check_status(mnt, rows, db)
    got = sorted(os.listdir(os.path.join(mnt, "jobs")))
    if got != sorted(r["id"] for r in rows):
        bad("jobs/: %r" % got)
    for r in rows:
        check_job(mnt, {k: v for k, v in r.items() if k != "rowid"})
    check_views(mnt, rows)
    top = sorted(os.listdir(mnt))
    if top != ["by-name", "by-status", "jobs", "status"]:
        bad("top: %r" % top)


def expect_errno(what, want, fn):
    try:
        fn()
    except OSError as e:
        if e.errno not in want:
            bad("%s: %s, want %s" % (what, errno.errorcode.get(e.errno),
                                     "/".join(errno.errorcode[w]
                                              for w in want)))
        return
    bad("%s: succeeded, want %s" % (what, errno.errorcode[want[0]]))


def errors(mnt, jid):
    j = os.path.join(mnt, "jobs", jid)
    ro = (errno.EROFS, errno.EACCES)

    def write(path, flags=os.O_WRONLY | os.O_TRUNC):
        def go():
            fd = os.open(path, flags)
            os.close(fd)
        return go
    cases = [
        ("write progress", ro, write(j + "/progress")),
        ("append info.json", ro, write(j + "/info.json",
                                      os.O_WRONLY | os.O_APPEND)),
        ("write status", ro, write(mnt + "/status", os.O_RDWR)),
        ("create in job", ro, write(j + "/new", os.O_WRONLY | os.O_CREAT)),
        ("create at top", ro, write(mnt + "/x", os.O_WRONLY | os.O_CREAT)),
        ("mkdir jobs/new", ro, lambda: os.mkdir(mnt + "/jobs/new")),
        ("mkdir top", ro, lambda: os.mkdir(mnt + "/d")),
        ("unlink progress", ro, lambda: os.unlink(j + "/progress")),
        ("rmdir job", ro + (errno.ENOTEMPTY,), lambda: os.rmdir(j)),
        ("rename job", ro, lambda: os.rename(j, mnt + "/jobs/other")),
        ("rename file", ro, lambda: os.rename(j + "/title", j + "/t2")),
        ("symlink", ro, lambda: os.symlink("x", mnt + "/by-name/x")),
        ("link", ro, lambda: os.link(j + "/title", j + "/t3")),
        ("chmod", ro, lambda: os.chmod(j + "/title", 0o666)),
        ("truncate title", ro, lambda: os.truncate(j + "/title", 0)),
        ("utime title", ro, lambda: os.utime(j + "/title", (1, 1))),
        ("unknown job", (errno.ENOENT,), lambda: read(mnt + "/jobs/nope/url")),
        ("unknown file", (errno.ENOENT,), lambda: read(j + "/nope")),
        ("unknown top", (errno.ENOENT,), lambda: os.stat(mnt + "/nope")),
        ("unknown status dir", (errno.ENOENT,),
         lambda: os.listdir(mnt + "/by-status/bogus")),
        ("unknown name", (errno.ENOENT,),
         lambda: os.stat(mnt + "/by-name/no-such-name")),
        ("wrong status link", (errno.ENOENT,),
         lambda: os.lstat(mnt + "/by-status/cancelled/" + jid)),
        ("file as dir", (errno.ENOENT, errno.ENOTDIR),
         lambda: os.listdir(j + "/progress")),
        ("ctl bad word", (errno.EINVAL,), lambda: ctl_write(j, b"delete\n")),
        ("ctl empty word", (errno.EINVAL,), lambda: ctl_write(j, b"\n")),
    ]
    for what, want, fn in cases:
        expect_errno(what, want, fn)


def ctl_write(j, data):
    fd = os.open(j + "/ctl", os.O_WRONLY | os.O_TRUNC)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def main():
    if sys.argv[1] == "tree":
        tree(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "errors":
        errors(sys.argv[2], sys.argv[3])
    for p in problems:
        print("fs-check: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
