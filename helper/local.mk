# helper/local.mk - build fragment for helper/ (included by the top Makefile.am)
