/* httpd-settings - GET/PUT /api/settings: the bandwidth limit and schedule */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bandwidth.h"
#include "file.h"
#include "httpd.h"
#include "log.h"
#include "xmalloc.h"

/*
 * The endpoint never applies a setting: PUT checks the body with the
 * spooler's own parser (lib/bandwidth) and writes it, normalized, as
 * control/settings; the spooler applies it to every transfer at once and
 * keeps it in state/settings.json, which GET reads (else the config
 * file's bandwidth_limit and schedule). "pending": true while the spooler
 * has not taken the request yet.
 */
#define SETTINGS_MAX	(16 * 1024)
#define SETTINGS_STATE	"settings.json"
#define SETTINGS_CTL	"settings"

static void
current(struct httpd *h, struct bw_settings *bw)
{
	struct err err;
	char *text = NULL;
	size_t len;
	int dfd;

	*bw = h->conf.bandwidth;
	if ((dfd = open(h->state, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	if (file_read_bounded(dfd, SETTINGS_STATE, SETTINGS_MAX, &text, &len,
	    &err) == 0 && bw_from_json(text, len, bw, &err) != 0) {
		log_event(LOG_WARN, "settings", NULL, "%s/%s: %s", h->state,
		    SETTINGS_STATE, err.msg);
		*bw = h->conf.bandwidth;
	}
	free(text);
	close(dfd);
}

static void
reply(struct httpd_req *r, int code, const struct bw_settings *bw)
{
	char *text = bw_to_json(bw);
	char *path = xasprintf("%s/%s", r->h->control, SETTINGS_CTL);
	struct stat sb;
	json_t *j = json_loads(text, 0, NULL);

	json_object_set_new(j, "pending", json_boolean(lstat(path, &sb) == 0));
	free(path);
	free(text);
	httpd_reply_json(r, code, j);
}

void
route_settings(struct httpd_req *r)
{
	struct bw_settings bw;
	struct err err;
	char *body, *text;
	size_t len;

	if (evhttp_request_get_command(r->req) != EVHTTP_REQ_PUT) {
		current(r->h, &bw);
		reply(r, 200, &bw);
		return;
	}
	body = httpd_req_body(r, &len);
	if (bw_from_json(body, len, &bw, &err) != 0) {
		free(body);
		httpd_reply_error(r, 400, "%s", err.msg);
		return;
	}
	free(body);
	text = bw_to_json(&bw);
	if (httpd_write_control(r->h, SETTINGS_CTL, text, &err) != 0) {
		free(text);
		log_event(LOG_ERROR, "settings", NULL, "%s", err.msg);
		httpd_reply_error(r, 500, "cannot write the settings request");
		return;
	}
	log_event(LOG_INFO, "settings", NULL, "requested %s", text);
	free(text);
	reply(r, 202, &bw);
}
