/* httpd-frame - strict judgement of a request head (RFC 9112 framing) */
#ifndef M3U8NAS_HTTPD_FRAME_H
#define M3U8NAS_HTTPD_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	FRAME_OK, FRAME_BARE_CR, FRAME_BARE_LF, FRAME_REQLINE, FRAME_VERSION,
	FRAME_FOLD, FRAME_NAME, FRAME_CTL, FRAME_CL_DUP, FRAME_CL_BAD,
	FRAME_TE_CL, FRAME_TE, FRAME_HOST_DUP, FRAME_TOO_BIG, FRAME_HEAD_BIG,
	FRAME_TIMEOUT, FRAME_NREASONS
};

struct frame_reason {
	int status;		/* the HTTP status answered */
	const char *msg;	/* the JSON error, for people */
};

struct frame_info {
	int64_t body_len;	/* Content-Length, 0 without one */
	bool expect_continue;
};

/*
 * `head` is the request line and headers up to and including the empty
 * line (CRLF CRLF), `len` bytes, not NUL-terminated. FRAME_OK fills fi;
 * any other value names the refusal (httpd_frame_reason). Pure: no I/O,
 * no allocation (fuzzed by tests/fuzz_http_head.c).
 */
int httpd_frame_check(const char *head, size_t len, int64_t max_body,
    struct frame_info *fi);
/* The status and message of a FRAME_* value; NULL out of range. */
const struct frame_reason *httpd_frame_reason(int why);

#endif
