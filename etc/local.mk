# etc/local.mk - build fragment for etc/ (included by the top Makefile.am)
# One line per file, so that each part's additions merge cleanly.
EXTRA_DIST += etc/m3u8nas.conf
EXTRA_DIST += etc/m3u8nas-spoold.service.in
EXTRA_DIST += etc/m3u8nas-fs.service.in
EXTRA_DIST += etc/smb.conf.snippet
EXTRA_DIST += etc/m3u8nas-httpd.service.in
EXTRA_DIST += etc/sysusers.conf.in
EXTRA_DIST += etc/tmpfiles.conf.in
EXTRA_DIST += etc/m3u8nas.conf.5.in
# Operations: Prometheus alert rules, log rotation, certbot deploy hook
EXTRA_DIST += etc/m3u8nas.logrotate

# --- installation: the same set as the Debian package -----------------
# Units, sysusers.d, tmpfiles.d, the man page and the installed copies of
# the sample config and Samba snippet are generated here with the
# configured paths (sbindir, sysconfdir, localstatedir), so that what is
# installed runs what was installed. The sources in etc/ say
# /var/spool/m3u8nas and /mnt/m3u8nas: the defaults of a --localstatedir=/var
# build.
M3U8NAS_MOUNT = /mnt/m3u8nas
etc_subst = sed -e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@localstatedir[@]|$(localstatedir)|g' \
	-e 's|@M3U8NAS_MOUNT[@]|$(M3U8NAS_MOUNT)|g' \
	-e 's|/var/spool/m3u8nas|$(localstatedir)/spool/m3u8nas|g'
ETC_GEN = etc/m3u8nas-spoold.service etc/m3u8nas-fs.service \
	etc/m3u8nas-httpd.service etc/sysusers.d/m3u8nas.conf \
	etc/tmpfiles.d/m3u8nas.conf etc/m3u8nas.conf.inst \
	etc/smb.conf.snippet.inst etc/m3u8nas.conf.5
CLEANFILES += $(ETC_GEN)
etc/m3u8nas-spoold.service: $(top_srcdir)/etc/m3u8nas-spoold.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && $(etc_subst) \
	  $(top_srcdir)/etc/m3u8nas-spoold.service.in >$@.tmp && mv $@.tmp $@
etc/m3u8nas-fs.service: $(top_srcdir)/etc/m3u8nas-fs.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && $(etc_subst) \
	  $(top_srcdir)/etc/m3u8nas-fs.service.in >$@.tmp && mv $@.tmp $@
etc/m3u8nas-httpd.service: $(top_srcdir)/etc/m3u8nas-httpd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && $(etc_subst) \
	  $(top_srcdir)/etc/m3u8nas-httpd.service.in >$@.tmp && mv $@.tmp $@
etc/sysusers.d/m3u8nas.conf: $(top_srcdir)/etc/sysusers.conf.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc/sysusers.d && $(etc_subst) \
	  $(top_srcdir)/etc/sysusers.conf.in >$@.tmp && mv $@.tmp $@
etc/tmpfiles.d/m3u8nas.conf: $(top_srcdir)/etc/tmpfiles.conf.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc/tmpfiles.d && $(etc_subst) \
	  $(top_srcdir)/etc/tmpfiles.conf.in >$@.tmp && mv $@.tmp $@
etc/m3u8nas.conf.5: $(top_srcdir)/etc/m3u8nas.conf.5.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && $(etc_subst) \
	  $(top_srcdir)/etc/m3u8nas.conf.5.in >$@.tmp && mv $@.tmp $@
etc/m3u8nas.conf.inst: $(top_srcdir)/etc/m3u8nas.conf Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && $(etc_subst) $(top_srcdir)/etc/m3u8nas.conf \
	  >$@.tmp && mv $@.tmp $@
etc/smb.conf.snippet.inst: $(top_srcdir)/etc/smb.conf.snippet Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && $(etc_subst) \
	  $(top_srcdir)/etc/smb.conf.snippet >$@.tmp && mv $@.tmp $@

systemdsystemunit_DATA = etc/m3u8nas-spoold.service etc/m3u8nas-fs.service \
	etc/m3u8nas-httpd.service
sysusers_DATA = etc/sysusers.d/m3u8nas.conf
tmpfiles_DATA = etc/tmpfiles.d/m3u8nas.conf
man_MANS = etc/m3u8nas.conf.5
all-local: $(ETC_GEN)

# Operations: alert rules and the certbot hook beside the sample config
# (the admin points Prometheus at the first and links the second into
# /etc/letsencrypt/renewal-hooks/deploy/ once tls_cert/tls_key are set);
# the logrotate snippet where logrotate reads it (harmless without a
# log_file).
dist_pkgdata_DATA = etc/m3u8nas-alerts.yml
dist_pkgdata_SCRIPTS = etc/m3u8nas-certbot-deploy-hook
logrotatedir = $(sysconfdir)/logrotate.d
logrotate_DATA = etc/logrotate.d/m3u8nas
ETC_GEN += etc/logrotate.d/m3u8nas
etc/logrotate.d/m3u8nas: $(top_srcdir)/etc/m3u8nas.logrotate Makefile
	$(AM_V_GEN)$(MKDIR_P) etc/logrotate.d && $(etc_subst) \
	  $(top_srcdir)/etc/m3u8nas.logrotate >$@.tmp && mv $@.tmp $@

# The extension, to load unpacked (chrome://extensions) from the NAS's share.
extensiondir = $(pkgdatadir)/extension
extension_DATA = extension/README.md extension/manifest.json \
	extension/background.js extension/popup.html extension/popup.js \
	extension/popup.css extension/options.html extension/options.js \
	extension/options.css extension/common.css
extensionlibdir = $(pkgdatadir)/extension/lib
extensionlib_DATA = extension/lib/api.js extension/lib/format.js \
	extension/lib/headers.js extension/lib/hls.js extension/lib/jobs.js \
	extension/lib/settings.js extension/lib/streams.js
extensioniconsdir = $(pkgdatadir)/extension/icons
extensionicons_DATA = extension/icons/icon.svg extension/icons/icon16.png \
	extension/icons/icon32.png extension/icons/icon48.png \
	extension/icons/icon128.png

# The config: installed only when absent (an edited one is never replaced),
# mode 0640 (it holds the tokens), group m3u8nas when that group exists
# (systemd-sysusers makes it from sysusers.d) so that the daemons can read
# it; removed by uninstall only when unchanged. The Samba snippet sits in
# $(pkgdatadir) for `include =` or copying.
M3U8NAS_CONF = $(DESTDIR)$(sysconfdir)/m3u8nas/m3u8nas.conf
install-data-local: etc/m3u8nas.conf.inst etc/smb.conf.snippet.inst
	$(MKDIR_P) '$(DESTDIR)$(sysconfdir)/m3u8nas' '$(DESTDIR)$(pkgdatadir)'
	@if test -f '$(M3U8NAS_CONF)'; then \
	  echo "keeping $(M3U8NAS_CONF) (the sample is $(pkgdatadir)/m3u8nas.conf)"; \
	else \
	  echo " $(INSTALL) -m 0640 etc/m3u8nas.conf.inst '$(M3U8NAS_CONF)'"; \
	  $(INSTALL) -m 0640 etc/m3u8nas.conf.inst '$(M3U8NAS_CONF)' || exit 1; \
	  if test -z '$(DESTDIR)' && getent group m3u8nas >/dev/null 2>&1; then \
	    chgrp m3u8nas '$(M3U8NAS_CONF)'; fi; \
	fi
	$(INSTALL_DATA) etc/m3u8nas.conf.inst '$(DESTDIR)$(pkgdatadir)/m3u8nas.conf'
	$(INSTALL_DATA) etc/smb.conf.snippet.inst \
	  '$(DESTDIR)$(pkgdatadir)/smb.conf.snippet'
uninstall-local:
	-cmp -s etc/m3u8nas.conf.inst '$(M3U8NAS_CONF)' && rm -f '$(M3U8NAS_CONF)'
	-rmdir '$(DESTDIR)$(sysconfdir)/m3u8nas' 2>/dev/null
	rm -f '$(DESTDIR)$(pkgdatadir)/m3u8nas.conf' \
	  '$(DESTDIR)$(pkgdatadir)/smb.conf.snippet'
