/* httpd-recent - jobs this endpoint posted, remembered until the store has them */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "xmalloc.h"

/*
 * Between the POST that writes incoming/<id>.job and the spooler's insert
 * into the store, the job exists only as a file. This ring remembers the
 * last HTTPD_RECENT_SLOTS posts so that the same url posted again gets the
 * same id, and GET /api/jobs/{id} answers "pending" instead of 404 in that
 * window. The oldest entry is overwritten; the store is the truth as soon
 * as it knows the job (httpd-jobs.c asks it first).
 */
struct recent_slot {
	struct recent_job job;
	uint32_t hash;		/* of url; 0 with url NULL = free */
};

struct recent {
	struct recent_slot *slots;
	int nslots, next;
};

struct recent *
recent_new(int slots)
{
	struct recent *r = xcalloc(1, sizeof(*r));

	r->slots = xcalloc((size_t)slots, sizeof(*r->slots));
	r->nslots = slots;
	return r;
}

static void
slot_clear(struct recent_slot *s)
{
	free(s->job.url);
	free(s->job.title);
	free(s->job.quality);
	memset(s, 0, sizeof(*s));
}

void
recent_free(struct recent *r)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nslots; i++)
		slot_clear(&r->slots[i]);
	free(r->slots);
	free(r);
}

void
recent_add(struct recent *r, const char *id, const char *url,
    const char *title, const char *quality)
{
	struct recent_slot *s = &r->slots[r->next];

	r->next = (r->next + 1) % r->nslots;
	slot_clear(s);
	snprintf(s->job.id, sizeof(s->job.id), "%s", id);
	s->job.url = xstrdup(url);
	s->job.title = title != NULL ? xstrdup(title) : NULL;
	s->job.quality = xstrdup(quality != NULL ? quality : "best");
	s->job.created = time(NULL);
	s->hash = httpd_hash(url);
}

const struct recent_job *
recent_by_url(struct recent *r, const char *url)
{
	uint32_t h = httpd_hash(url);
	int i;

	for (i = 0; i < r->nslots; i++)
		if (r->slots[i].hash == h && r->slots[i].job.url != NULL &&
		    strcmp(r->slots[i].job.url, url) == 0)
			return &r->slots[i].job;
	return NULL;
}

const struct recent_job *
recent_by_id(struct recent *r, const char *id)
{
	int i;

	for (i = 0; i < r->nslots; i++)
		if (r->slots[i].job.url != NULL &&
		    strcmp(r->slots[i].job.id, id) == 0)
			return &r->slots[i].job;
	return NULL;
}

void
recent_forget(struct recent *r, const char *id)
{
	int i;

	for (i = 0; i < r->nslots; i++)
		if (r->slots[i].job.url != NULL &&
		    strcmp(r->slots[i].job.id, id) == 0)
			slot_clear(&r->slots[i]);
}
