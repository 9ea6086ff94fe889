# spooler/local.mk - build fragment for spooler/ (included by the top Makefile.am)
