# lib/local.mk - libm3u8nas.a: everything the programs share, one file per concern
noinst_LIBRARIES += lib/libm3u8nas.a
lib_libm3u8nas_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(SQLITE_CFLAGS) \
	$(AVFORMAT_CFLAGS) $(AVCODEC_CFLAGS) $(AVUTIL_CFLAGS) $(CONFIG_CFLAGS) \
	$(OPENSSL_CFLAGS) $(JANSSON_CFLAGS)
lib_libm3u8nas_a_SOURCES = \
	lib/err.c lib/err.h \
	lib/clock.c lib/clock.h \
	lib/file.c lib/file.h \
	lib/job-status.c lib/job-status.h \
	lib/log.c lib/log.h \
	lib/xmalloc.c lib/xmalloc.h \
	lib/conf.c lib/conf.h \
	lib/bandwidth.c lib/bandwidth.h

# Each block below belongs to one part; add your files inside your block
# (lib_libm3u8nas_a_SOURCES += ...) so that parallel work merges cleanly.

# --- playlist + url (parser) ---
lib_libm3u8nas_a_SOURCES += lib/url.c lib/url.h \
	lib/hlsattr.c lib/hlsattr.h \
	lib/playlist.c lib/playlist_int.h lib/playlist_tags.c \
	lib/playlist_master.c lib/playlist_choose.c

# --- remux ---
lib_libm3u8nas_a_SOURCES += lib/remux.c lib/remux-input.c \
	lib/remux-verify.c lib/remux-av.c lib/remux-bsf.c lib/remux-map.c \
	lib/remux-int.h

# --- fetch + crypt + download (engine) ---
lib_libm3u8nas_a_SOURCES += lib/netaddr.c lib/netaddr.h \
	lib/fetch.c \
	lib/crypt.c lib/crypt.h \
	lib/download.c lib/download-int.h lib/download-plan.c \
	lib/download-seg.c lib/download-merge.c lib/download-state.c

# --- job + store ---
lib_libm3u8nas_a_SOURCES += lib/job.c lib/store.c

# --- spool + guard (spooler) ---
lib_libm3u8nas_a_SOURCES += lib/guard.c lib/guard.h \
	lib/spool.c lib/spool.h

# --- end of blocks ---
EXTRA_DIST += lib/playlist.h lib/remux.h lib/fetch.h lib/download.h \
	lib/job.h lib/store.h
