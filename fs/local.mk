# fs/local.mk - build fragment for fs/ (included by the top Makefile.am)
