# lib/local.mk - libm3u8nas.a: everything the programs share, one file per concern
noinst_LIBRARIES += lib/libm3u8nas.a
lib_libm3u8nas_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(SQLITE_CFLAGS) \
	$(AVFORMAT_CFLAGS) $(AVCODEC_CFLAGS) $(AVUTIL_CFLAGS) $(CONFIG_CFLAGS) \
	$(OPENSSL_CFLAGS) $(JANSSON_CFLAGS)
lib_libm3u8nas_a_SOURCES = \
	lib/err.c lib/err.h \
	lib/log.c lib/log.h \
	lib/xmalloc.c lib/xmalloc.h \
	lib/conf.c lib/conf.h
# Headers whose implementation is still on its way (see docs/ARCHITECTURE.md).
EXTRA_DIST += lib/playlist.h lib/remux.h lib/fetch.h lib/download.h \
	lib/job.h lib/store.h
