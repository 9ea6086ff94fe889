# e2e-lib.sh - what the two Chromium end-to-end tests (t-ext-e2e.sh,
# t-web-e2e.sh) set up alike. Source it with set -eu, after `skip`, and
# with E2E (the test's name, e.g. ext-e2e), src and build set. Gives:
#   chromium ffmpeg httpd spoold  the programs (skipped when one is missing)
#   pw       a directory whose node_modules holds playwright-core
#   out      $build/$E2E (screenshots land in $out/shots)
#   tmp      the test's scratch directory, removed at exit
#   pids     add every background process: killed and reaped at exit
#   free_port  a port nothing listens on yet
command -v node >/dev/null 2>&1 || skip "node not found"
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || skip "no Chromium at $chromium (apt-get install chromium)"
ffmpeg=${FFMPEG:-ffmpeg}
command -v "$ffmpeg" >/dev/null 2>&1 || skip "ffmpeg not found"
command -v curl >/dev/null 2>&1 || skip "curl not found"
httpd=$build/helper/m3u8nas-httpd
spoold=$build/spooler/m3u8nas-spoold
[ -x "$httpd" ] || skip "$httpd not built"
[ -x "$spoold" ] || skip "$spoold not built"

# playwright-core: a developer's `npm ci` in extension/, else our own copy.
if [ -f "$src/extension/node_modules/playwright-core/package.json" ]; then
	pw=$src/extension
else
	pw=$build/$E2E/npm
	if [ ! -f "$pw/node_modules/playwright-core/package.json" ]; then
		command -v npm >/dev/null 2>&1 || skip "npm not found"
		mkdir -p "$pw"
		cp "$src/extension/package.json" "$src/extension/package-lock.json" "$pw/"
		chmod u+w "$pw/package.json" "$pw/package-lock.json"
		(cd "$pw" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit \
			--no-fund --loglevel=error) || skip "npm ci of playwright-core failed"
	fi
fi

out=$build/$E2E
mkdir -p "$out"
rm -rf "$out/shots"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t-$E2E.XXXXXX")
pids=""
_e2e_cleanup() {
	status=$?
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	for p in $pids; do
		wait "$p" 2>/dev/null || true
	done
	if [ "$status" != 0 ] && [ "$status" != 77 ]; then
		for f in "$tmp"/*.log; do
			[ -f "$f" ] && { echo "=== $f"; tail -40 "$f"; }
		done
	fi
	[ -d "$tmp/shots" ] && mv "$tmp/shots" "$out/shots"
	rm -rf "$tmp"
}
trap _e2e_cleanup EXIT
trap 'exit 1' INT TERM

# A port nothing listens on yet (the kernel picks it; the tiny race with
# other tests is harmless here: the daemon then fails to start and says so).
free_port() {
	node -e 'const s = require("net").createServer();
s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}
