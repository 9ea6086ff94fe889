# extension/local.mk - build fragment for extension/ (included by the top Makefile.am)
