# web/local.mk - the NAS's own page (issue 12): plain files, no build step.
#
# Installed to $(pkgdatadir)/web, where m3u8nas-httpd looks by default
# (http.web_dir); the quickstart and the tests point web_dir at the source
# tree's web/ instead. Listed one by one so `make dist` carries exactly
# what is served.
webdir = $(pkgdatadir)/web
dist_web_DATA = \
	web/index.html \
	web/style.css \
	web/icon.svg \
	web/app.js \
	web/api.js \
	web/format.js \
	web/queue.js
