# etc/local.mk - build fragment for etc/ (included by the top Makefile.am)
# One line per file, so that each part's additions merge cleanly.
EXTRA_DIST += etc/m3u8nas.conf
EXTRA_DIST += etc/m3u8nas-spoold.service
EXTRA_DIST += etc/m3u8nas-fs.service
EXTRA_DIST += etc/smb.conf.snippet
EXTRA_DIST += etc/m3u8nas-httpd.service
# operations (issue 18): alert rules, log rotation, certbot deploy hook
EXTRA_DIST += etc/m3u8nas-alerts.yml
EXTRA_DIST += etc/m3u8nas.logrotate
EXTRA_DIST += etc/m3u8nas-certbot-deploy-hook
