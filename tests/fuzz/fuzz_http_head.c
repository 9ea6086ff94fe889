/* fuzz_http_head - libFuzzer harness for the endpoint's framing judge */
/*
 * Built and run by scripts/fuzz.sh. httpd_frame_check reads exactly `len`
 * bytes (ASan sees any over-read: the input is copied to an exact-size
 * buffer), and its answers are consistent: FRAME_OK means a body length
 * within the limit, anything else has a status and a message.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpd-frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct frame_reason *fr;
	struct frame_info fi;
	char *head = malloc(size + 4);
	int why;

	/* The gate only ever judges a head that ends in an empty line. */
	memcpy(head, data, size);
	memcpy(head + size, "\r\n\r\n", 4);
	why = httpd_frame_check(head, size + 4, 65536, &fi);
	if (why == FRAME_OK) {
		if (fi.body_len < 0 || fi.body_len > 65536)
			abort();
	} else if ((fr = httpd_frame_reason(why)) == NULL || fr->status < 400 ||
	    fr->msg == NULL || fr->msg[0] == '\0')
		abort();
	free(head);
	return 0;
}
