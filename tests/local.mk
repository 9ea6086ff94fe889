# tests/local.mk - Check unit suites and integration scripts (make check)
#
# tests/unit/    Check suites check_*.c, one main() for all (check-main.h)
# tests/integ/   t-*.sh: the real programs against the local HLS origin
#                (origin.py) serving streams made with ffmpeg (mkstreams.sh),
#                and the helpers they source or run
# tests/fuzz/    libFuzzer harnesses and their corpus: scripts/fuzz.sh (CI)
# tests/corpus/  real playlists from other projects' test suites
# A script exits 77 to be counted as skipped when something it needs
# (ffmpeg, /dev/fuse, chromium) is absent.
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; top_builddir='$(abs_top_builddir)'; \
	FFMPEG='$(FFMPEG)'; PYTHON3='$(PYTHON3)'; SANITIZED='$(SAN_CFLAGS)'; \
	export top_srcdir top_builddir FFMPEG PYTHON3 SANITIZED;
UNIT_LDADD = $(ALL_LIBS) $(CHECK_LIBS)
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(CURL_CFLAGS) \
	$(JANSSON_CFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'

check_PROGRAMS += tests/unit/check_conf
TESTS += tests/unit/check_conf
tests_unit_check_conf_SOURCES = tests/unit/check_conf.c
tests_unit_check_conf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_conf_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_file
TESTS += tests/unit/check_file
tests_unit_check_file_SOURCES = tests/unit/check_file.c
tests_unit_check_file_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_file_LDADD = $(UNIT_LDADD)

EXTRA_DIST += tests/unit/check-main.h tests/integ/lib.sh

# Playlist parser and URLs
check_PROGRAMS += tests/unit/check_playlist tests/unit/check_playlist_text \
	tests/unit/check_playlist_choose tests/unit/check_url
TESTS += tests/unit/check_playlist tests/unit/check_playlist_text \
	tests/unit/check_playlist_choose tests/unit/check_url
tests_unit_check_playlist_text_SOURCES = tests/unit/check_playlist_text.c
tests_unit_check_playlist_text_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_playlist_text_LDADD = $(UNIT_LDADD)
tests_unit_check_playlist_choose_SOURCES = tests/unit/check_playlist_choose.c
tests_unit_check_playlist_choose_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_playlist_choose_LDADD = $(UNIT_LDADD)
tests_unit_check_playlist_SOURCES = tests/unit/check_playlist.c
tests_unit_check_playlist_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_playlist_LDADD = $(UNIT_LDADD)
tests_unit_check_url_SOURCES = tests/unit/check_url.c
tests_unit_check_url_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_url_LDADD = $(UNIT_LDADD)
# The parser's libFuzzer harness, built by hand with clang (see its header)
EXTRA_DIST += tests/fuzz/fuzz_playlist.c tests/fuzz/fuzz_playlist.dict \
	tests/fuzz/fuzz_job.c tests/fuzz/fuzz_http_head.c tests/fuzz/corpus

# Remuxer (the fixture makes its inputs with ffmpeg)
check_PROGRAMS += tests/unit/check_remux
TESTS += tests/unit/check_remux
tests_unit_check_remux_SOURCES = tests/unit/check_remux.c \
	tests/unit/remux-fixture.c tests/unit/remux-fixture.h
tests_unit_check_remux_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_remux_LDADD = $(UNIT_LDADD)
check_PROGRAMS += tests/unit/check_remux_wait
TESTS += tests/unit/check_remux_wait
tests_unit_check_remux_wait_SOURCES = tests/unit/check_remux_wait.c \
	tests/unit/remux-fixture.c tests/unit/remux-fixture.h
tests_unit_check_remux_wait_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_remux_wait_LDADD = $(UNIT_LDADD)
check_PROGRAMS += tests/unit/check_tracks
TESTS += tests/unit/check_tracks
tests_unit_check_tracks_SOURCES = tests/unit/check_tracks.c \
	tests/unit/remux-fixture.c tests/unit/remux-fixture.h
tests_unit_check_tracks_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_tracks_LDADD = $(UNIT_LDADD)
check_PROGRAMS += tests/unit/check_remux_bad
TESTS += tests/unit/check_remux_bad
tests_unit_check_remux_bad_SOURCES = tests/unit/check_remux_bad.c \
	tests/unit/remux-fixture.c tests/unit/remux-fixture.h
tests_unit_check_remux_bad_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_remux_bad_LDADD = $(UNIT_LDADD)

# The test origin and its streams: origin.py (local HLS origin), mkstreams.sh
# (ffmpeg-made test streams), lib.sh (helpers every t-*.sh sources).  The
# streams are made once, before any test log, into the build tree's
# tests/streams/ (a few MB, ~10 s).
TESTS += tests/integ/t-origin.sh
EXTRA_DIST += tests/integ/origin.py tests/integ/mkstreams.sh \
	tests/integ/t-origin.sh tests/integ/cues-check.py \
	tests/integ/pacing-check.py tests/integ/ranges-check.py
$(TEST_LOGS): tests/streams/.done
tests/streams/.done: $(top_srcdir)/tests/integ/mkstreams.sh
	$(AM_V_GEN)FFMPEG='$(FFMPEG)' $(SHELL) \
	  $(top_srcdir)/tests/integ/mkstreams.sh tests/streams && \
	  touch tests/streams/.done || \
	  echo "tests/streams not made (no ffmpeg?)" >&2
clean-local: clean-local-streams
clean-local-streams:
	-rm -rf tests/streams
.PHONY: clean-local-streams

# Fetcher, decryption and the download engine (m3u8nas get)
check_PROGRAMS += tests/unit/check_crypt tests/unit/check_fetch
TESTS += tests/unit/check_crypt tests/unit/check_fetch
tests_unit_check_crypt_SOURCES = tests/unit/check_crypt.c
tests_unit_check_crypt_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_crypt_LDADD = $(UNIT_LDADD)
tests_unit_check_fetch_SOURCES = tests/unit/check_fetch.c
tests_unit_check_fetch_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_fetch_LDADD = $(UNIT_LDADD)
ENGINE_T = tests/integ/t-get-streams.sh tests/integ/t-get-quality.sh \
	tests/integ/t-get-errors.sh tests/integ/t-get-protected.sh \
	tests/integ/t-get-resume.sh tests/integ/t-get-refresh.sh \
	tests/integ/t-get-live.sh \
	tests/integ/t-get-memory.sh tests/integ/t-get-diskfull.sh \
	tests/integ/t-get-http.sh tests/integ/t-get-tracks.sh \
	tests/integ/t-get-pacing.sh tests/integ/t-get-gap.sh \
	tests/integ/t-get-h2.sh tests/integ/t-get-overlap.sh \
	tests/integ/t-get-tail.sh
TESTS += $(ENGINE_T)
EXTRA_DIST += $(ENGINE_T)

# Job files and the store
check_PROGRAMS += tests/unit/check_job tests/unit/check_store
TESTS += tests/unit/check_job tests/unit/check_store
tests_unit_check_job_SOURCES = tests/unit/check_job.c
tests_unit_check_job_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_job_LDADD = $(UNIT_LDADD)
tests_unit_check_store_SOURCES = tests/unit/check_store.c
tests_unit_check_store_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_check_store_LDADD = $(UNIT_LDADD)

# Spooler: the SSRF guard, the spool directories, m3u8nas-spoold
check_PROGRAMS += tests/unit/check_guard tests/unit/check_spool
TESTS += tests/unit/check_guard tests/unit/check_spool
tests_unit_check_guard_SOURCES = tests/unit/check_guard.c
tests_unit_check_guard_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_guard_LDADD = $(UNIT_LDADD)
tests_unit_check_spool_SOURCES = tests/unit/check_spool.c
tests_unit_check_spool_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_spool_LDADD = $(UNIT_LDADD)
SPOOL_TESTS = tests/integ/t-spool-basic.sh tests/integ/t-spool-bad.sh \
	tests/integ/t-spool-many.sh tests/integ/t-spool-control.sh \
	tests/integ/t-spool-kill.sh tests/integ/t-spool-disk.sh \
	tests/integ/t-spool-live.sh tests/integ/t-spool-tracks.sh \
	tests/integ/t-spool-mergefull.sh \
	tests/integ/t-spool-links.sh tests/integ/t-spool-crash.sh \
	tests/integ/t-spool-store.sh \
	tests/integ/t-spool-refresh.sh tests/integ/t-spool-gap.sh
TESTS += $(SPOOL_TESTS)
EXTRA_DIST += tests/integ/spool-lib.sh $(SPOOL_TESTS)

# m3u8nas-fs (fs-seed fills a store for the t-fs-*.sh scripts)
check_PROGRAMS += tests/integ/fs-seed tests/unit/check_fs
tests_integ_fs_seed_SOURCES = tests/integ/fs-seed.c
tests_integ_fs_seed_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
tests_integ_fs_seed_LDADD = $(ALL_LIBS)
TESTS += tests/unit/check_fs
tests_unit_check_fs_SOURCES = tests/unit/check_fs.c $(FS_CORE)
tests_unit_check_fs_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/fs
tests_unit_check_fs_LDADD = $(UNIT_LDADD)
check_PROGRAMS += tests/unit/check_fs_source
TESTS += tests/unit/check_fs_source
tests_unit_check_fs_source_SOURCES = tests/unit/check_fs_source.c fs/source.c \
	fs/source.h $(FS_CORE)
tests_unit_check_fs_source_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS) \
	-I$(top_srcdir)/fs
tests_unit_check_fs_source_LDADD = $(UNIT_LDADD)
TESTS += tests/integ/t-fs-tree.sh tests/integ/t-fs-ctl.sh \
	tests/integ/t-fs-robust.sh tests/integ/t-fs-many.sh \
	tests/integ/t-fs-live.sh tests/integ/t-fs-samba.sh
EXTRA_DIST += tests/integ/fs-lib.sh tests/integ/fs-check.py \
	tests/integ/t-fs-tree.sh tests/integ/t-fs-ctl.sh \
	tests/integ/t-fs-robust.sh tests/integ/t-fs-many.sh \
	tests/integ/t-fs-live.sh tests/integ/t-fs-samba.sh

# m3u8nas-httpd and m3u8nas add (httpd-seed fills a store for t-httpd-*.sh)
check_PROGRAMS += tests/unit/check_httpd_limit
TESTS += tests/unit/check_httpd_limit
tests_unit_check_httpd_limit_SOURCES = tests/unit/check_httpd_limit.c \
	helper/httpd-limit.c
tests_unit_check_httpd_limit_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/helper \
	$(EVENT_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_check_httpd_limit_LDADD = $(UNIT_LDADD)
check_PROGRAMS += tests/unit/check_httpd_frame
TESTS += tests/unit/check_httpd_frame
tests_unit_check_httpd_frame_SOURCES = tests/unit/check_httpd_frame.c \
	helper/httpd-frame.c helper/httpd-frame.h
tests_unit_check_httpd_frame_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/helper
tests_unit_check_httpd_frame_LDADD = $(UNIT_LDADD)
check_PROGRAMS += tests/integ/httpd-seed
tests_integ_httpd_seed_SOURCES = tests/integ/httpd-seed.c
tests_integ_httpd_seed_CFLAGS = $(UNIT_CFLAGS)
tests_integ_httpd_seed_LDADD = $(UNIT_LDADD)
TESTS += tests/integ/t-httpd-api.sh tests/integ/t-httpd-guard.sh \
	tests/integ/t-httpd-probe.sh tests/integ/t-httpd-add.sh \
	tests/integ/t-httpd-e2e.sh tests/integ/t-httpd-frame.sh
EXTRA_DIST += tests/integ/httpd-lib.sh tests/integ/t-httpd-frame.sh tests/integ/httpd-raw.py \
	tests/integ/t-httpd-api.sh tests/integ/t-httpd-guard.sh \
	tests/integ/t-httpd-probe.sh tests/integ/t-httpd-add.sh \
	tests/integ/t-httpd-e2e.sh

# The browser extension
TESTS += tests/integ/t-ext-unit.sh tests/integ/t-ext-e2e.sh
EXTRA_DIST += tests/integ/t-ext-unit.sh tests/integ/t-ext-e2e.sh \
	tests/integ/e2e-lib.sh

# The Debian package, units, config documentation
DEB_T = tests/integ/t-deb-confdoc.sh tests/integ/t-deb-fsmount.sh \
	tests/integ/t-deb-errors.sh \
	tests/integ/t-deb-package.sh
TESTS += $(DEB_T)
EXTRA_DIST += $(DEB_T)

# The playlist corpus the parser suite reads
EXTRA_DIST += tests/corpus

# --- web: the NAS's own page (issue 12) ---
check_PROGRAMS += tests/unit/check_bandwidth
tests_unit_check_bandwidth_SOURCES = tests/unit/check_bandwidth.c
tests_unit_check_bandwidth_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_bandwidth_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/check_bandwidth tests/integ/t-web-api.sh \
	tests/integ/t-web-bandwidth.sh tests/integ/t-web-e2e.sh
EXTRA_DIST += tests/integ/t-web-api.sh tests/integ/t-web-bandwidth.sh \
	tests/integ/t-web-e2e.sh tests/integ/web-e2e.mjs
clean-local: clean-local-web-e2e
clean-local-web-e2e:
	-rm -rf web-e2e
.PHONY: clean-local-web-e2e

# Operations: metrics, alert rules, log reopen and TLS reload on SIGHUP
TESTS += tests/integ/t-ops-logs.sh tests/integ/t-ops-tls.sh \
	tests/integ/t-ops-alerts.sh tests/integ/t-ops-metrics.sh
EXTRA_DIST += tests/integ/t-ops-logs.sh tests/integ/t-ops-tls.sh \
	tests/integ/t-ops-alerts.sh tests/integ/t-ops-metrics.sh
# What lands in the library (issue 13): names, sidecars
check_PROGRAMS += tests/unit/check_name
TESTS += tests/unit/check_name
tests_unit_check_name_SOURCES = tests/unit/check_name.c
tests_unit_check_name_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_name_LDADD = $(UNIT_LDADD)
TESTS += tests/integ/t-library.sh
EXTRA_DIST += tests/integ/t-library.sh
check_PROGRAMS += tests/unit/check_sidecar
TESTS += tests/unit/check_sidecar
tests_unit_check_sidecar_SOURCES = tests/unit/check_sidecar.c
tests_unit_check_sidecar_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_sidecar_LDADD = $(UNIT_LDADD)
