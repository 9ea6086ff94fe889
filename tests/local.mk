# tests/local.mk - Check unit suites and integration scripts (make check)
#
# Unit suites are tests/check_*.c (Check). Integration scripts are
# tests/t-*.sh: they start the real programs against the local HLS origin
# (tests/origin.py) serving streams made with ffmpeg (tests/mkstreams.sh).
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

check_PROGRAMS += tests/check_conf
TESTS += tests/check_conf
tests_check_conf_SOURCES = tests/check_conf.c
tests_check_conf_CFLAGS = $(UNIT_CFLAGS)
tests_check_conf_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/check_file
TESTS += tests/check_file
tests_check_file_SOURCES = tests/check_file.c
tests_check_file_CFLAGS = $(UNIT_CFLAGS)
tests_check_file_LDADD = $(UNIT_LDADD)

EXTRA_DIST += tests/lib.sh

# Each block below belongs to one part; add your tests inside your block.

# --- playlist + url (parser) ---
check_PROGRAMS += tests/check_playlist tests/check_playlist_text \
	tests/check_playlist_choose tests/check_url
TESTS += tests/check_playlist tests/check_playlist_text \
	tests/check_playlist_choose tests/check_url
tests_check_playlist_text_SOURCES = tests/check_playlist_text.c
tests_check_playlist_text_CFLAGS = $(UNIT_CFLAGS)
tests_check_playlist_text_LDADD = $(UNIT_LDADD)
tests_check_playlist_choose_SOURCES = tests/check_playlist_choose.c
tests_check_playlist_choose_CFLAGS = $(UNIT_CFLAGS)
tests_check_playlist_choose_LDADD = $(UNIT_LDADD)
tests_check_playlist_SOURCES = tests/check_playlist.c
tests_check_playlist_CFLAGS = $(UNIT_CFLAGS)
tests_check_playlist_LDADD = $(UNIT_LDADD)
tests_check_url_SOURCES = tests/check_url.c
tests_check_url_CFLAGS = $(UNIT_CFLAGS)
tests_check_url_LDADD = $(UNIT_LDADD)
# libFuzzer harness, built by hand with clang (see its header comment)
EXTRA_DIST += tests/fuzz_playlist.c tests/fuzz_playlist.dict

# --- remux ---
check_PROGRAMS += tests/check_remux
TESTS += tests/check_remux
tests_check_remux_SOURCES = tests/check_remux.c tests/remux-fixture.c \
	tests/remux-fixture.h
tests_check_remux_CFLAGS = $(UNIT_CFLAGS)
tests_check_remux_LDADD = $(UNIT_LDADD)
check_PROGRAMS += tests/check_remux_bad
TESTS += tests/check_remux_bad
tests_check_remux_bad_SOURCES = tests/check_remux_bad.c \
	tests/remux-fixture.c tests/remux-fixture.h
tests_check_remux_bad_CFLAGS = $(UNIT_CFLAGS)
tests_check_remux_bad_LDADD = $(UNIT_LDADD)

# --- origin + streams (test harness) ---
# tests/origin.py (local HLS origin), tests/mkstreams.sh (ffmpeg-made test
# streams), tests/lib.sh (helpers every t-*.sh sources).  The streams are made
# once, before any test log, into tests/streams/ (a few MB, ~10 s).
TESTS += tests/t-origin.sh
EXTRA_DIST += tests/origin.py tests/mkstreams.sh tests/t-origin.sh
$(TEST_LOGS): tests/streams/.done
tests/streams/.done: $(top_srcdir)/tests/mkstreams.sh
	$(AM_V_GEN)FFMPEG='$(FFMPEG)' $(SHELL) $(top_srcdir)/tests/mkstreams.sh \
	  tests/streams && touch tests/streams/.done || \
	  echo "tests/streams not made (no ffmpeg?)" >&2
clean-local: clean-local-streams
clean-local-streams:
	-rm -rf tests/streams
.PHONY: clean-local-streams

# --- fetch + crypt + download + get (engine) ---
check_PROGRAMS += tests/check_crypt tests/check_fetch
TESTS += tests/check_crypt tests/check_fetch
tests_check_crypt_SOURCES = tests/check_crypt.c
tests_check_crypt_CFLAGS = $(UNIT_CFLAGS)
tests_check_crypt_LDADD = $(UNIT_LDADD)
tests_check_fetch_SOURCES = tests/check_fetch.c
tests_check_fetch_CFLAGS = $(UNIT_CFLAGS)
tests_check_fetch_LDADD = $(UNIT_LDADD)
ENGINE_T = tests/t-get-streams.sh tests/t-get-quality.sh \
	tests/t-get-errors.sh tests/t-get-protected.sh tests/t-get-resume.sh \
	tests/t-get-live.sh tests/t-get-memory.sh tests/t-get-diskfull.sh \
	tests/t-get-http.sh
TESTS += $(ENGINE_T)
EXTRA_DIST += $(ENGINE_T)

# --- job + store ---
check_PROGRAMS += tests/check_job tests/check_store
TESTS += tests/check_job tests/check_store
tests_check_job_SOURCES = tests/check_job.c
tests_check_job_CFLAGS = $(UNIT_CFLAGS)
tests_check_job_LDADD = $(UNIT_LDADD)
tests_check_store_SOURCES = tests/check_store.c
tests_check_store_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS)
tests_check_store_LDADD = $(UNIT_LDADD)

# --- spooler ---
check_PROGRAMS += tests/check_guard tests/check_spool
TESTS += tests/check_guard tests/check_spool
tests_check_guard_SOURCES = tests/check_guard.c
tests_check_guard_CFLAGS = $(UNIT_CFLAGS)
tests_check_guard_LDADD = $(UNIT_LDADD)
tests_check_spool_SOURCES = tests/check_spool.c
tests_check_spool_CFLAGS = $(UNIT_CFLAGS)
tests_check_spool_LDADD = $(UNIT_LDADD)
SPOOL_TESTS = tests/t-spool-basic.sh tests/t-spool-bad.sh \
	tests/t-spool-many.sh tests/t-spool-control.sh tests/t-spool-kill.sh \
	tests/t-spool-disk.sh tests/t-spool-live.sh tests/t-spool-mergefull.sh
TESTS += $(SPOOL_TESTS)
EXTRA_DIST += tests/spool-lib.sh $(SPOOL_TESTS)

# --- fs ---
check_PROGRAMS += tests/fs-seed tests/check_fs
tests_fs_seed_SOURCES = tests/fs-seed.c
tests_fs_seed_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
tests_fs_seed_LDADD = $(ALL_LIBS)
TESTS += tests/check_fs
tests_check_fs_SOURCES = tests/check_fs.c $(FS_CORE)
tests_check_fs_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/fs
tests_check_fs_LDADD = $(UNIT_LDADD)
check_PROGRAMS += tests/check_fs_source
TESTS += tests/check_fs_source
tests_check_fs_source_SOURCES = tests/check_fs_source.c fs/source.c \
	fs/source.h $(FS_CORE)
tests_check_fs_source_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS) \
	-I$(top_srcdir)/fs
tests_check_fs_source_LDADD = $(UNIT_LDADD)
TESTS += tests/t-fs-tree.sh tests/t-fs-ctl.sh tests/t-fs-robust.sh \
	tests/t-fs-many.sh tests/t-fs-live.sh tests/t-fs-samba.sh
EXTRA_DIST += tests/fs-lib.sh tests/fs-check.py tests/t-fs-tree.sh \
	tests/t-fs-ctl.sh tests/t-fs-robust.sh tests/t-fs-many.sh \
	tests/t-fs-live.sh tests/t-fs-samba.sh

# --- httpd + add ---
check_PROGRAMS += tests/check_httpd_limit
TESTS += tests/check_httpd_limit
tests_check_httpd_limit_SOURCES = tests/check_httpd_limit.c \
	helper/httpd-limit.c
tests_check_httpd_limit_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/helper \
	$(EVENT_CFLAGS) $(OPENSSL_CFLAGS)
tests_check_httpd_limit_LDADD = $(UNIT_LDADD)
check_PROGRAMS += tests/check_httpd_frame
TESTS += tests/check_httpd_frame
tests_check_httpd_frame_SOURCES = tests/check_httpd_frame.c \
	helper/httpd-frame.c helper/httpd-frame.h
tests_check_httpd_frame_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/helper
tests_check_httpd_frame_LDADD = $(UNIT_LDADD)
check_PROGRAMS += tests/httpd-seed
tests_httpd_seed_SOURCES = tests/httpd-seed.c
tests_httpd_seed_CFLAGS = $(UNIT_CFLAGS)
tests_httpd_seed_LDADD = $(UNIT_LDADD)
TESTS += tests/t-httpd-api.sh tests/t-httpd-guard.sh tests/t-httpd-probe.sh \
	tests/t-httpd-add.sh tests/t-httpd-e2e.sh tests/t-httpd-frame.sh
EXTRA_DIST += tests/httpd-lib.sh tests/httpd-raw.py tests/t-httpd-api.sh \
	tests/t-httpd-frame.sh \
	tests/t-httpd-guard.sh tests/t-httpd-probe.sh tests/t-httpd-add.sh \
	tests/t-httpd-e2e.sh

# --- extension ---
TESTS += tests/t-ext-unit.sh tests/t-ext-e2e.sh
EXTRA_DIST += tests/t-ext-unit.sh tests/t-ext-e2e.sh

# --- end of blocks ---
EXTRA_DIST += tests/corpus
