# lib/local.mk - libm3u8nas.a: everything the programs share, one file per concern
noinst_LIBRARIES += lib/libm3u8nas.a
lib_libm3u8nas_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(SQLITE_CFLAGS) \
	$(AVFORMAT_CFLAGS) $(AVCODEC_CFLAGS) $(AVUTIL_CFLAGS) $(CONFIG_CFLAGS) \
	$(OPENSSL_CFLAGS) $(JANSSON_CFLAGS)
lib_libm3u8nas_a_SOURCES = \
	lib/err.c lib/err.h \
	lib/clock.c lib/clock.h \
	lib/crash.c lib/crash.h \
	lib/file.c lib/file.h \
	lib/job-status.c lib/job-status.h \
	lib/log.c lib/log.h \
	lib/xmalloc.c lib/xmalloc.h \
	lib/conf.c lib/conf.h \
	lib/bandwidth.c lib/bandwidth.h

# URLs and the HLS playlist parser
lib_libm3u8nas_a_SOURCES += lib/url.c lib/url.h \
	lib/playlist-attr.c lib/playlist-attr.h \
	lib/playlist.c lib/playlist-int.h lib/playlist-tags.c \
	lib/playlist-master.c lib/playlist-choose.c lib/playlist-select.c

# Remuxing segments into one MP4, and verifying it
lib_libm3u8nas_a_SOURCES += lib/remux.c lib/remux-input.c \
	lib/remux-verify.c lib/remux-av.c lib/remux-bsf.c lib/remux-map.c \
	lib/remux-subs.c \
	lib/remux-int.h

# The fetcher, AES-128 decryption and the download engine
lib_libm3u8nas_a_SOURCES += lib/fetch-addr.c lib/fetch-addr.h \
	lib/fetch.c \
	lib/crypt.c lib/crypt.h \
	lib/download.c lib/download-int.h lib/download-plan.c \
	lib/download-seg.c lib/download-tail.c lib/download-merge.c \
	lib/download-feed.c \
	lib/download-workdir.c

# Job files, their checks, ids and JSON, control requests, the job store
lib_libm3u8nas_a_SOURCES += lib/job.c lib/store.c \
	lib/job-validate.c lib/job-validate.h lib/job-id.c lib/job-id.h \
	lib/control.c lib/control.h lib/job-json.c lib/job-json.h

# The spool directories and the guard on names and URLs
lib_libm3u8nas_a_SOURCES += lib/guard.c lib/guard.h \
	lib/spool.c lib/spool.h

# Operations: a process's CPU time and memory for /metrics
lib_libm3u8nas_a_SOURCES += lib/procstat.c lib/procstat.h
# What lands in the library: names, .nfo sidecars, posters (issue 13)
lib_libm3u8nas_a_SOURCES += lib/name.c lib/name.h \
	lib/sidecar.c lib/sidecar.h lib/poster.c

# Headers of the modules above that their lines do not list
EXTRA_DIST += lib/playlist.h lib/remux.h lib/fetch.h lib/download.h \
	lib/job.h lib/store.h
