# bench/local.mk - build fragment for bench/ (included by the top Makefile.am)
EXTRA_DIST += bench/get-bench.sh bench/get-bench-lib.sh
EXTRA_DIST += bench/spool-bench.sh
EXTRA_DIST += bench/fs-bench.sh
EXTRA_DIST += bench/httpd-bench.sh bench/httpd-post.lua
EXTRA_DIST += bench/web-bench.sh bench/web-bench.mjs
