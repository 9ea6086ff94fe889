/* fuzz_job - libFuzzer harness for the .job codec (job_parse, job_encode) */
/*
 * Built and run by scripts/fuzz.sh (clang -fsanitize=fuzzer,address).
 * Invariants: a refusal has a one-line reason; an accepted job has a URL
 * and a quality, and its encoding parses again to the same job.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct job_spec a, b;
	struct err err;
	char *text;
	size_t i;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (job_parse((const char *)data, size, &a, &err) != 0) {
		if (err.msg[0] == '\0' || strchr(err.msg, '\n') != NULL)
			abort();
		job_spec_free(&a);
		return 0;
	}
	if (a.url == NULL || a.quality == NULL || a.nheaders > JOB_MAX_HEADERS)
		abort();
	text = job_encode(&a);
	if (job_parse(text, strlen(text), &b, &err) != 0)
		abort();		/* what we write, we must read */
	if (!same(a.url, b.url) || !same(a.title, b.title) ||
	    !same(a.quality, b.quality) || !same(a.referer, b.referer) ||
	    !same(a.source_page, b.source_page) || a.nheaders != b.nheaders)
		abort();
	for (i = 0; i < a.nheaders; i++)
		if (!same(a.headers[i].name, b.headers[i].name) ||
		    !same(a.headers[i].value, b.headers[i].value))
			abort();
	free(text);
	job_spec_free(&a);
	job_spec_free(&b);
	return 0;
}
