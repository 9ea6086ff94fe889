# bench/local.mk - build fragment for bench/ (included by the top Makefile.am)
EXTRA_DIST += bench/get-bench.sh
