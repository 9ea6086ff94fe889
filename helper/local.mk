# helper/local.mk - the client m3u8nas and the endpoint m3u8nas-httpd
bin_PROGRAMS += helper/m3u8nas
helper_m3u8nas_SOURCES = helper/m3u8nas.c helper/cmd.h \
	helper/cmd-get.c \
	helper/cmd-add.c
helper_m3u8nas_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS)
helper_m3u8nas_LDADD = $(ALL_LIBS)

# m3u8nas-httpd: the endpoint the extension talks to
sbin_PROGRAMS += helper/m3u8nas-httpd
helper_m3u8nas_httpd_SOURCES = helper/httpd.c helper/httpd.h \
	helper/httpd-tls.c helper/httpd-limit.c helper/httpd-recent.c \
	helper/httpd-reply.c helper/httpd-routes.c helper/httpd-jobs.c \
	helper/httpd-status.c helper/httpd-probe.c \
	helper/httpd-session.c helper/httpd-events.c helper/httpd-media.c \
	helper/httpd-settings.c helper/httpd-library.c \
	helper/httpd-conn.c helper/httpd-frame.c helper/httpd-frame.h \
	helper/httpd-body.c helper/httpd-body.h
helper_m3u8nas_httpd_SOURCES += helper/httpd-metrics.c
helper_m3u8nas_httpd_CFLAGS = $(AM_CFLAGS) $(EVENT_CFLAGS) \
	$(EVENT_SSL_CFLAGS) $(OPENSSL_CFLAGS) $(JANSSON_CFLAGS) \
	$(CURL_CFLAGS) $(CONFIG_CFLAGS)
helper_m3u8nas_httpd_LDADD = $(ALL_LIBS) $(EVENT_SSL_LIBS) $(EVENT_LIBS)
dist_man_MANS += helper/m3u8nas-httpd.8 helper/m3u8nas.1
dist_man_MANS += helper/m3u8nas-get.1
