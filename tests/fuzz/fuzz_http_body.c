/* fuzz_http_body - libFuzzer harness for the endpoint's JSON bodies */
/*
 * Built and run by scripts/fuzz.sh. The first byte picks the route
 * (POST /api/download with or without allow_private_targets, or
 * /api/probe), the rest is the body. Invariants: an accepted body is a
 * job with a URL and a quality whose encoding the spooler reads back the
 * same; a refused one says why in one line of kind invalid or refused.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "httpd-body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf conf[2];	/* [1]: allow_private_targets */
	static int ready;
	struct job_spec spec, back;
	struct err err;
	char *text;
	int rc, route;

	if (size == 0)
		return 0;
	if (!ready) {
		conf_defaults(&conf[0], NULL);
		conf_defaults(&conf[1], NULL);
		conf[1].allow_private_targets = true;
		ready = 1;
	}
	route = data[0] % 3;
	data++;
	size--;
	rc = route == 2 ? httpd_body_probe((const char *)data, size, &spec,
	    &err) : httpd_body_download((const char *)data, size, &conf[route == 1],
	    &spec, &err);
	if (rc != 0) {
		if ((err.kind != ERR_INVALID && err.kind != ERR_REFUSED) ||
		    err.msg[0] == '\0' || strchr(err.msg, '\n') != NULL)
			abort();
		return 0;
	}
	if (spec.url == NULL || spec.quality == NULL)
		abort();
	text = job_encode(&spec);
	if (job_parse(text, strlen(text), &back, &err) != 0 ||
	    strcmp(back.url, spec.url) != 0)
		abort();
	free(text);
	job_spec_free(&back);
	job_spec_free(&spec);
	return 0;
}
