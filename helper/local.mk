# helper/local.mk - the client m3u8nas and the endpoint m3u8nas-httpd
bin_PROGRAMS += helper/m3u8nas
helper_m3u8nas_SOURCES = helper/m3u8nas.c helper/cmd.h \
	helper/cmd-get.c \
	helper/cmd-add.c
helper_m3u8nas_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS)
helper_m3u8nas_LDADD = $(ALL_LIBS)

# m3u8nas-httpd (issue 5) goes below.
dist_man_MANS += helper/m3u8nas-get.1
