/* conf - the one configuration file every program reads (libconfig) */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

#include "conf.h"
#include "job-id.h"
#include "name.h"
#include "xmalloc.h"

enum conf_type { T_STR, T_INT, T_INT64_MB, T_INT64_KB, T_BOOL, T_TOKENS,
	T_RATE, T_SCHEDULE };

/* One row per key: where it lives in struct conf and its bounds. */
struct conf_key {
	const char *name;
	enum conf_type type;
	size_t offset;
	long long min, max;
};

#define K(name, type, field, min, max) \
	{ name, type, offsetof(struct conf, field), min, max }
static const struct conf_key top_keys[] = {
	K("spool_dir", T_STR, spool_dir, 0, 0),
	K("library_dir", T_STR, library_dir, 0, 0),
	K("mount_point", T_STR, mount_point, 0, 0),
	K("max_jobs", T_INT, max_jobs, 1, 64),
	K("segment_concurrency", T_INT, segment_concurrency, 1, 64),
	K("allow_private_targets", T_BOOL, allow_private_targets, 0, 0),
	K("min_free_mb", T_INT64_MB, min_free_bytes, 0, 1 << 24),
	K("live_max_seconds", T_INT, live_max_seconds, 1, 7 * 24 * 3600),
	K("max_segment_mb", T_INT64_MB, max_segment_bytes, 1, 4096),
	K("max_playlist_kb", T_INT64_KB, max_playlist_bytes, 1, 1 << 20),
	K("max_job_file_kb", T_INT64_KB, max_job_file_bytes, 1, 1024),
	K("connect_timeout", T_INT, connect_timeout_s, 1, 600),
	K("low_speed_time", T_INT, low_speed_time_s, 1, 3600),
	K("retries", T_INT, retries, 0, 10),
	K("tls_ca_file", T_STR, tls_ca_file, 0, 0),
	K("lossy_skip_segments", T_BOOL, lossy_skip_segments, 0, 0),
	K("subtitles_as", T_STR, subtitles_as, 0, 0),
	K("subtitle_format", T_STR, subtitle_format, 0, 0),
	K("log_file", T_STR, log_file, 0, 0),
	K("log_json", T_BOOL, log_json, 0, 0),
	K("bandwidth_limit", T_RATE, bandwidth, 0, 0),
	K("schedule", T_SCHEDULE, bandwidth, 0, 0),
	K("name_template", T_STR, name_template, 0, 0),
	K("nfo", T_BOOL, nfo, 0, 0),
	K("poster", T_BOOL, poster, 0, 0),
	K("on_complete", T_STR, on_complete, 0, 0),
	K("on_complete_timeout", T_INT, on_complete_timeout_s, 1, 24 * 3600),
	{ NULL, 0, 0, 0, 0 }
};
#define H(name, type, field, min, max) \
	{ name, type, offsetof(struct conf, http) + \
	    offsetof(struct conf_http, field), min, max }
static const struct conf_key http_keys[] = {
	H("listen", T_STR, listen, 0, 0),
	H("plain_listen", T_STR, plain_listen, 0, 0),
	H("tokens", T_TOKENS, tokens, 0, 0),
	H("rate_limit_per_minute", T_INT, rate_limit_per_minute, 0, 100000),
	H("tls_cert", T_STR, tls_cert, 0, 0),
	H("tls_key", T_STR, tls_key, 0, 0),
	H("max_connections", T_INT, max_connections, 1, 100000),
	H("max_connections_per_address", T_INT, max_connections_per_address,
	    1, 100000),
	H("request_timeout", T_INT, request_timeout_s, 1, 3600),
	H("max_body_kb", T_INT64_KB, max_body_bytes, 1, 1 << 20),
	H("web_dir", T_STR, web_dir, 0, 0),
	H("session_ttl", T_INT, session_ttl_s, 2, 30 * 24 * 3600),
	H("signin_per_minute", T_INT, signin_per_minute, 1, 10000),
	{ NULL, 0, 0, 0, 0 }
};

static void
set_str(char **slot, const char *value)
{
	free(*slot);
	*slot = xstrdup(value);
}

void
conf_defaults(struct conf *c, const char *root)
{
	memset(c, 0, sizeof(*c));
	if (root != NULL) {
		c->spool_dir = xasprintf("%s/spool", root);
		c->library_dir = xasprintf("%s/library", root);
		c->mount_point = xasprintf("%s/mnt", root);
	} else {
		c->spool_dir = xstrdup(CONF_DEFAULT_SPOOL);
		c->library_dir = xstrdup(CONF_DEFAULT_SPOOL "/completed");
		c->mount_point = xstrdup("/mnt/m3u8nas");
	}
	c->max_jobs = 3;
	c->segment_concurrency = 10;
	c->allow_private_targets = false;
	c->min_free_bytes = 256LL << 20;
	c->live_max_seconds = 4 * 3600;
	c->max_segment_bytes = 256LL << 20;
	c->max_playlist_bytes = 8LL << 20;
	c->max_job_file_bytes = 64LL << 10;
	c->connect_timeout_s = 15;
	c->low_speed_time_s = 30;
	c->retries = 3;
	c->tls_ca_file = xstrdup("");
	c->lossy_skip_segments = false;
	c->subtitles_as = xstrdup("track");
	c->subtitle_format = xstrdup("vtt");
	c->log_file = xstrdup("");
	c->log_json = true;
	c->name_template = xstrdup(NAME_DEFAULT_TEMPLATE);
	c->nfo = false;
	c->poster = false;
	c->on_complete = xstrdup("");
	c->on_complete_timeout_s = 60;
	c->http.listen = xstrdup("0.0.0.0:8443");
	c->http.plain_listen = xstrdup("");
	c->http.tokens[0] = xstrdup(CONF_SAMPLE_TOKEN);
	c->http.ntokens = 1;
	c->http.rate_limit_per_minute = 10;
	c->http.tls_cert = xstrdup("");
	c->http.tls_key = xstrdup("");
	c->http.max_connections = 512;
	c->http.max_connections_per_address = 32;
	c->http.request_timeout_s = 15;
	c->http.max_body_bytes = 64LL << 10;
	c->http.web_dir = xstrdup(PKGDATADIR "/web");
	c->http.session_ttl_s = 12 * 3600;
	c->http.signin_per_minute = 5;
}

static int
bad_value(const char *file, config_setting_t *s, const char *why,
    struct err *err)
{
	return err_set(err, "%s:%d: %s: %s", file,
	    config_setting_source_line(s), config_setting_name(s), why);
}

static int
load_tokens(struct conf *c, const char *file, config_setting_t *s,
    struct err *err)
{
	int i, n;
	const char *tok;

	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return bad_value(file, s, "must be a list of strings", err);
	n = config_setting_length(s);
	if (n > CONF_MAX_TOKENS)
		return bad_value(file, s, "too many tokens (at most 16)", err);
	for (i = 0; i < c->http.ntokens; i++) {
		free(c->http.tokens[i]);
		c->http.tokens[i] = NULL;
	}
	c->http.ntokens = 0;
	for (i = 0; i < n; i++) {
		tok = config_setting_get_string_elem(s, i);
		if (tok == NULL || strlen(tok) < 8)
			return bad_value(file, s,
			    "each token must be a string of 8 or more characters",
			    err);
		c->http.tokens[c->http.ntokens++] = xstrdup(tok);
	}
	return 0;
}

/* bandwidth_limit = "2M"; schedule = [ "01:00-07:00 unlimited", ... ]; */
static int
load_bandwidth(struct conf *c, const struct conf_key *k, const char *file,
    config_setting_t *s, struct err *err)
{
	struct bw_settings *bw = &c->bandwidth;
	struct err e;
	const char *w;
	int i, n;

	if (k->type == T_RATE) {
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return bad_value(file, s, "must be a string (\"2M\", "
			    "\"unlimited\")", err);
		if (bw_parse_rate(config_setting_get_string(s), &bw->limit_bps,
		    &e) != 0)
			return bad_value(file, s, e.msg, err);
		return 0;
	}
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return bad_value(file, s, "must be a list of strings", err);
	if ((n = config_setting_length(s)) > BW_MAX_WINDOWS)
		return bad_value(file, s, "too many windows (at most 16)", err);
	bw->nwindows = 0;
	for (i = 0; i < n; i++) {
		if ((w = config_setting_get_string_elem(s, i)) == NULL)
			return bad_value(file, s, "each window must be a "
			    "string (\"01:00-07:00 unlimited\")", err);
		if (bw_parse_window(w, &bw->w[bw->nwindows], &e) != 0)
			return bad_value(file, s, e.msg, err);
		bw->nwindows++;
	}
	return 0;
}

static void
free_folders(struct conf *c)
{
	int i;

	for (i = 0; i < c->nfolders; i++) {
		free(c->folders[i].name);
		free(c->folders[i].path);
	}
	c->nfolders = 0;
}

/* folders = { movies = "/srv/media/movies"; ... }; */
static int
load_folders(struct conf *c, const char *file, config_setting_t *g,
    struct err *err)
{
	config_setting_t *s;
	const char *name, *path;
	int i, j;

	if (!config_setting_is_group(g))
		return bad_value(file, g, "must be a group { name = \"/path\"; "
		    "... }", err);
	free_folders(c);
	for (i = 0; (s = config_setting_get_elem(g, i)) != NULL; i++) {
		name = config_setting_name(s);
		if (c->nfolders == CONF_MAX_FOLDERS)
			return bad_value(file, g, "too many folders (at most "
			    "32)", err);
		if (config_setting_type(s) != CONFIG_TYPE_STRING ||
		    (path = config_setting_get_string(s))[0] != '/')
			return bad_value(file, s, "must be an absolute path "
			    "(a string starting with /)", err);
		if (!job_id_valid(name) || strlen(name) > 64)
			return bad_value(file, s, "a folder name is letters, "
			    "digits, '.', '_' and '-'", err);
		if (strcmp(name, CONF_LIBRARY_FOLDER) == 0)
			return bad_value(file, s, "\"library\" is library_dir "
			    "(set that key instead)", err);
		for (j = 0; j < c->nfolders; j++)
			if (strcmp(c->folders[j].name, name) == 0)
				return bad_value(file, s, "named twice", err);
		c->folders[c->nfolders].name = xstrdup(name);
		c->folders[c->nfolders++].path = xstrdup(path);
	}
	return 0;
}

const char *
conf_folder_path(const struct conf *c, const char *name)
{
	int i;

	if (name == NULL || *name == '\0' ||
	    strcmp(name, CONF_LIBRARY_FOLDER) == 0)
		return c->library_dir;
	for (i = 0; i < c->nfolders; i++)
		if (strcmp(c->folders[i].name, name) == 0)
			return c->folders[i].path;
	return NULL;
}

/* Values a key's type cannot check. */
static int
check_key(struct conf *c, const struct conf_key *k, const char *file,
    config_setting_t *s, struct err *err)
{
	struct err why;

	if (strcmp(k->name, "name_template") == 0 &&
	    name_template_check(c->name_template, &why) == -1)
		return bad_value(file, s, why.msg, err);
	if (strcmp(k->name, "on_complete") == 0 && *c->on_complete != '\0' &&
	    *c->on_complete != '/')
		return bad_value(file, s, "must be an absolute path to a "
		    "program (it runs without a shell)", err);
	/* The daemons run from /; a relative name would mean nothing. */
	if (strcmp(k->name, "tls_ca_file") == 0 && *c->tls_ca_file != '\0' &&
	    *c->tls_ca_file != '/')
		return bad_value(file, s, "must be an absolute path to a PEM "
		    "file of CA certificates", err);
	return 0;
}

static int
load_key(struct conf *c, const struct conf_key *k, const char *file,
    config_setting_t *s, struct err *err)
{
	char *slot = (char *)c + k->offset;
	long long v;
	char why[128];

	switch (k->type) {
	case T_STR:
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return bad_value(file, s, "must be a string", err);
		set_str((char **)slot, config_setting_get_string(s));
		return 0;
	case T_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return bad_value(file, s, "must be true or false", err);
		*(bool *)slot = config_setting_get_bool(s);
		return 0;
	case T_TOKENS:
		return load_tokens(c, file, s, err);
	case T_RATE:
	case T_SCHEDULE:
		return load_bandwidth(c, k, file, s, err);
	default:
		break;
	}
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return bad_value(file, s, "must be an integer", err);
	v = config_setting_get_int64(s);
	if (v < k->min || v > k->max) {
		snprintf(why, sizeof(why), "must be between %lld and %lld",
		    k->min, k->max);
		return bad_value(file, s, why, err);
	}
	if (k->type == T_INT)
		*(int *)slot = (int)v;
	else
		*(int64_t *)slot = v << (k->type == T_INT64_MB ? 20 : 10);
	return 0;
}

static int
load_group(struct conf *c, const struct conf_key *keys, const char *file,
    config_setting_t *group, struct err *err)
{
	const struct conf_key *k;
	config_setting_t *s;
	int i;

	for (i = 0; (s = config_setting_get_elem(group, i)) != NULL; i++) {
		for (k = keys; k->name != NULL; k++)
			if (strcmp(k->name, config_setting_name(s)) == 0)
				break;
		if (k->name != NULL) {
			if (load_key(c, k, file, s, err) == -1 ||
			    (keys == top_keys && check_key(c, k, file, s,
			    err) == -1))
				return -1;
		} else if (keys == top_keys &&
		    strcmp(config_setting_name(s), "folders") == 0) {
			if (load_folders(c, file, s, err) == -1)
				return -1;
		} else if (keys == top_keys &&
		    strcmp(config_setting_name(s), "http") == 0) {
			if (!config_setting_is_group(s))
				return bad_value(file, s, "must be a group "
				    "{ ... }", err);
			if (load_group(c, http_keys, file, s, err) == -1)
				return -1;
		} else
			return bad_value(file, s, "unknown key", err);
	}
	return 0;
}

int
conf_load(struct conf *c, const char *path, struct err *err)
{
	config_t cf;
	int rc = -1;

	config_init(&cf);
	if (!config_read_file(&cf, path)) {
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
			err_errno(err, "%s: cannot read the configuration",
			    path);
		else
			err_set(err, "%s:%d: %s", path, config_error_line(&cf),
			    config_error_text(&cf));
		goto out;
	}
	if (load_group(c, top_keys, path, config_root_setting(&cf), err) == -1)
		goto out;
	if (strcmp(c->subtitles_as, "track") != 0 &&
	    strcmp(c->subtitles_as, "sidecar") != 0 &&
	    strcmp(c->subtitles_as, "both") != 0) {
		err_set(err, "%s: subtitles_as: must be \"track\", \"sidecar\" "
		    "or \"both\"", path);
		goto out;
	}
	if (strcmp(c->subtitle_format, "vtt") != 0 &&
	    strcmp(c->subtitle_format, "srt") != 0) {
		err_set(err, "%s: subtitle_format: must be \"vtt\" or \"srt\"",
		    path);
		goto out;
	}
	set_str(&c->path, path);
	rc = 0;
out:
	config_destroy(&cf);
	return rc;
}

void
conf_free(struct conf *c)
{
	int i;

	free(c->path);
	free(c->spool_dir);
	free(c->library_dir);
	free(c->mount_point);
	free(c->log_file);
	free(c->subtitles_as);
	free(c->subtitle_format);
	free(c->name_template);
	free(c->on_complete);
	free(c->tls_ca_file);
	free_folders(c);
	free(c->http.listen);
	free(c->http.plain_listen);
	for (i = 0; i < c->http.ntokens; i++)
		free(c->http.tokens[i]);
	free(c->http.tls_cert);
	free(c->http.tls_key);
	free(c->http.web_dir);
	memset(c, 0, sizeof(*c));
}

int
conf_load_default(struct conf *c, const char *path, struct err *err)
{
	conf_defaults(c, NULL);
	if (path == NULL && access(CONF_DEFAULT_PATH, F_OK) == -1)
		return 0;	/* no file: the built-in defaults */
	return conf_load(c, path != NULL ? path : CONF_DEFAULT_PATH, err);
}

const char *
conf_source(const struct conf *c)
{
	return c->path != NULL ? c->path :
	    "the built-in defaults (no " CONF_DEFAULT_PATH ")";
}

bool
conf_listen_is_loopback(const char *listen)
{
	static const char *const loop[] = { "127.", "[::1]:", "localhost:",
	    NULL };
	int i;

	for (i = 0; loop[i] != NULL; i++)
		if (strncmp(listen, loop[i], strlen(loop[i])) == 0)
			return true;
	return false;
}

int
conf_check_tokens(const struct conf *c, struct err *err)
{
	static const char how[] = "set one in the http group: "
	    "tokens = [ \"$(openssl rand -hex 16)\" ];";
	int i;

	if (c->http.ntokens == 0)
		return err_set(err, "%s: http.tokens is empty, no client could "
		    "ever connect; %s", conf_source(c), how);
	if (conf_listen_is_loopback(c->http.listen))
		return 0;
	for (i = 0; i < c->http.ntokens; i++)
		if (strcmp(c->http.tokens[i], CONF_SAMPLE_TOKEN) == 0)
			return err_set(err, "%s: http.tokens holds the sample "
			    "token \"%s\" and http.listen %s is beyond "
			    "loopback; %s", conf_source(c), CONF_SAMPLE_TOKEN,
			    c->http.listen, how);
	return 0;
}
