# extension/local.mk - build fragment for extension/ (included by the top Makefile.am)
#
# The Chrome extension is plain files (no build step): load extension/ as
# an unpacked extension.  Listed one by one so `make dist` carries exactly
# what is loaded and tested.
EXTRA_DIST += \
	extension/README.md \
	extension/manifest.json \
	extension/background.js \
	extension/popup.html extension/popup.js extension/popup.css \
	extension/options.html extension/options.js extension/options.css \
	extension/common.css \
	extension/lib/api.js extension/lib/format.js extension/lib/headers.js \
	extension/lib/hls.js extension/lib/jobs.js extension/lib/settings.js \
	extension/lib/streams.js \
	extension/icons/icon.svg extension/icons/make-icons.mjs \
	extension/icons/icon16.png extension/icons/icon32.png \
	extension/icons/icon48.png extension/icons/icon128.png \
	extension/package.json extension/package-lock.json \
	extension/test/api.test.mjs extension/test/format.test.mjs \
	extension/test/headers.test.mjs extension/test/hls.test.mjs \
	extension/test/jobs.test.mjs extension/test/streams.test.mjs \
	extension/test/second.test.mjs \
	extension/e2e/e2e.mjs

# tests/integ/t-ext-e2e.sh leaves playwright-core (npm ci) and the run's
# screenshots in the build tree.
clean-local: clean-local-ext-e2e
clean-local-ext-e2e:
	-rm -rf ext-e2e
.PHONY: clean-local-ext-e2e
