# etc/local.mk - build fragment for etc/ (included by the top Makefile.am)
EXTRA_DIST += etc/m3u8nas-httpd.service
