# etc/local.mk - build fragment for etc/ (included by the top Makefile.am)
