#!/bin/sh
# t-ext-unit.sh - the Chrome extension's pure logic (extension/lib/) under
# Node's built-in test runner: detection, folding, formatting, API errors.
set -eu
node=$(command -v node || true)
if [ -z "$node" ]; then
	echo "t-ext-unit: node not found; skipped"
	exit 77
fi
# node --test with files as arguments needs Node 18 or later.
major=$("$node" -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 18 ]; then
	echo "t-ext-unit: node $major is older than 18; skipped"
	exit 77
fi
exec "$node" --test "$top_srcdir"/extension/test/*.test.mjs
