# spooler/local.mk - m3u8nas-spoold: a thin main and its event loop
sbin_PROGRAMS += spooler/m3u8nas-spoold
spooler_m3u8nas_spoold_SOURCES = spooler/spoold.c spooler/spoold.h \
	spooler/loop.c spooler/loop.h \
	spooler/intake.c spooler/runner.c spooler/control.c \
	spooler/dedupe.c spooler/hook.c
spooler_m3u8nas_spoold_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS) \
	$(SQLITE_CFLAGS)
spooler_m3u8nas_spoold_LDADD = $(ALL_LIBS)
dist_man_MANS += spooler/m3u8nas-spoold.8
