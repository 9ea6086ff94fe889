/* conf - the one configuration file every program reads (libconfig) */
#ifndef M3U8NAS_CONF_H
#define M3U8NAS_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include "bandwidth.h"
#include "err.h"

/*
 * Every key has a default (conf_defaults); a file only overrides what it
 * names. etc/m3u8nas.conf documents every key. Unknown keys are refused so
 * that a typo is reported instead of silently ignored.
 *
 * Paths derived from spool_dir (incoming/, control/, processing/, failed/,
 * state/) are not configurable: they are the spool's contract (spool.h).
 */
#define CONF_DEFAULT_PATH SYSCONFDIR "/m3u8nas/m3u8nas.conf"
#define CONF_DEFAULT_SPOOL LOCALSTATEDIR "/spool/m3u8nas"
#define CONF_SAMPLE_TOKEN "change-me"	/* the sample file's; never served */
#define CONF_MAX_TOKENS 16
#define CONF_MAX_FOLDERS 32
/* The folder name of library_dir, the default destination. */
#define CONF_LIBRARY_FOLDER "library"

/* A named destination a job may pick with "folder" (folders = { ... }). */
struct conf_folder {
	char *name;			/* [A-Za-z0-9._-], not "library" */
	char *path;			/* absolute */
};

struct conf_http {
	char *listen;			/* "0.0.0.0:8443" */
	char *plain_listen;		/* "" = off; loopback only */
	char *tokens[CONF_MAX_TOKENS];
	int ntokens;
	int rate_limit_per_minute;	/* POSTs per client; 0 = off */
	char *tls_cert;			/* "" = self-signed in state/ */
	char *tls_key;
	int max_connections;
	int max_connections_per_address;
	int request_timeout_s;		/* first byte to last of a request */
	int64_t max_body_bytes;
	char *web_dir;			/* the page's files (PKGDATADIR/web) */
	int session_ttl_s;		/* a signed-in session lasts this long */
	int signin_per_minute;		/* sign-in attempts per client */
};

struct conf {
	char *path;			/* the file read, or NULL: defaults */
	char *spool_dir;
	char *library_dir;
	char *mount_point;
	int max_jobs;
	int segment_concurrency;
	bool allow_private_targets;
	int64_t min_free_bytes;		/* pause below this (min_free_mb) */
	int live_max_seconds;		/* stop recording a live stream after */
	int64_t max_segment_bytes;	/* max_segment_mb */
	int64_t max_playlist_bytes;	/* max_playlist_kb */
	int64_t max_job_file_bytes;	/* a .job larger than this is refused */
	int connect_timeout_s;
	int low_speed_time_s;		/* stall: < 1 KB/s for this long */
	int retries;			/* per request, backoff 1 s, 2 s, 4 s, ... */
	char *tls_ca_file;		/* "" = the system's CAs only */
	bool lossy_skip_segments;	/* skip a segment that keeps failing */
	char *subtitles_as;		/* "track", "sidecar" or "both" */
	char *subtitle_format;		/* sidecars: "vtt" or "srt" */
	char *log_file;			/* "" = stderr */
	bool log_json;
	/* bandwidth_limit and schedule: the spooler's one shared budget
	 * (state/settings.json, written at run time, overrides these) */
	struct bw_settings bandwidth;
	/* What lands in the library (issue 13) */
	char *name_template;		/* "{title}" (lib/name.h) */
	struct conf_folder folders[CONF_MAX_FOLDERS];
	int nfolders;
	bool nfo;			/* a Kodi/Jellyfin <name>.nfo */
	bool poster;			/* <name>-poster.jpg */
	char *on_complete;		/* "" = none; a program, no shell */
	int on_complete_timeout_s;
	struct conf_http http;
};

/* Fills c with every default; spool_dir etc. under `root` if non-NULL. */
void conf_defaults(struct conf *c, const char *root);
/*
 * Reads `path` over the defaults. A syntax error or a bad value fails with
 * "FILE:LINE: key: reason". 0 or -1.
 */
int conf_load(struct conf *c, const char *path, struct err *err);
/*
 * The directory of the folder `name`: library_dir for NULL, "" or
 * "library", a configured folder's path, or NULL when no folder has that
 * name.
 */
const char *conf_folder_path(const struct conf *c, const char *name);
/* Frees every string the conf owns; c itself is the caller's. */
void conf_free(struct conf *c);
/*
 * The file a program reads: `path` (-c FILE), else CONF_DEFAULT_PATH when
 * it exists, else the defaults. Every error names the file. 0 or -1.
 */
int conf_load_default(struct conf *c, const char *path, struct err *err);
/* The file the conf came from, or words saying it is the built-in one. */
const char *conf_source(const struct conf *c);
/* Is "HOST:PORT" on loopback only (127.0.0.0/8, [::1], localhost)? */
bool conf_listen_is_loopback(const char *listen);
/*
 * The endpoint's start check: refuses an empty http.tokens, and the
 * sample token when http.listen is beyond loopback, with one line saying
 * which file and how to set one. 0 or -1.
 */
int conf_check_tokens(const struct conf *c, struct err *err);

#endif
