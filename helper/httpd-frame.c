/* httpd-frame - one request head judged before libevent parses it */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "httpd-frame.h"

/*
 * evhttp (libevent 2.1) reads a request leniently: a bare LF ends a line,
 * a line starting with a space is folded into the one before, the first
 * of two Content-Length headers wins, Transfer-Encoding: chunked is
 * honoured next to a Content-Length. A proxy or a second parser that
 * reads the same bytes differently sees a different request boundary
 * (request smuggling). So the head is judged here, strictly (RFC 9112),
 * and anything that two honest parsers could read two ways is refused.
 * The reasons are a table so that the refusal can travel to the reply
 * as a number (httpd-conn.c).
 */
static const struct frame_reason reasons[] = {
	[FRAME_OK] = { 0, "" },
	[FRAME_BARE_CR] = { 400, "a CR not followed by LF in the request head" },
	[FRAME_BARE_LF] = { 400, "a line ends with a bare LF (CRLF required)" },
	[FRAME_REQLINE] = { 400, "malformed request line" },
	[FRAME_VERSION] = { 505, "only HTTP/1.0 and HTTP/1.1 are served" },
	[FRAME_FOLD] = { 400, "obsolete line folding in a header" },
	[FRAME_NAME] = { 400, "malformed header name (or space before the colon)" },
	[FRAME_CTL] = { 400, "a control character in a header value" },
	[FRAME_CL_DUP] = { 400, "more than one Content-Length header" },
	[FRAME_CL_BAD] = { 400, "Content-Length is not a number" },
	[FRAME_TE_CL] = { 400, "both Transfer-Encoding and Content-Length" },
	[FRAME_TE] = { 411, "Transfer-Encoding is not accepted: send "
	    "Content-Length" },
	[FRAME_HOST_DUP] = { 400, "more than one Host header" },
	[FRAME_TOO_BIG] = { 413, "request body too large" },
	[FRAME_HEAD_BIG] = { 431, "request head too large" },
	[FRAME_TIMEOUT] = { 408, "request not received in time" },
};

const struct frame_reason *
httpd_frame_reason(int why)
{
	if (why < 0 || why >= FRAME_NREASONS)
		return NULL;
	return &reasons[why];
}

/* RFC 9110 tchar */
static bool
tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

static bool
name_is(const char *p, size_t n, const char *want)
{
	return n == strlen(want) && strncasecmp(p, want, n) == 0;
}

/* The request line: METHOD SP target SP HTTP/1.x */
static int
check_request_line(const char *p, size_t n)
{
	size_t i = 0, t;

	while (i < n && tchar((unsigned char)p[i]))
		i++;
	if (i == 0 || i >= n || p[i] != ' ')
		return FRAME_REQLINE;
	t = ++i;
	while (i < n && (unsigned char)p[i] > 0x20 && p[i] != 0x7f)
		i++;
	if (i == t || i >= n || p[i] != ' ')
		return FRAME_REQLINE;
	i++;
	if (n - i != 8 || strncmp(p + i, "HTTP/1.", 7) != 0)
		return n - i == 8 && strncmp(p + i, "HTTP/", 5) == 0 ?
		    FRAME_VERSION : FRAME_REQLINE;
	if (p[i + 7] != '0' && p[i + 7] != '1')
		return FRAME_VERSION;
	return FRAME_OK;
}

/* 1*DIGIT surrounded by optional SP/HTAB, at most 18 digits. */
static int
parse_length(const char *v, size_t n, int64_t *out)
{
	size_t i = 0, d = 0;
	int64_t x = 0;

	while (i < n && (v[i] == ' ' || v[i] == '\t'))
		i++;
	while (i < n && v[i] >= '0' && v[i] <= '9') {
		if (++d > 18)
			return -1;
		x = x * 10 + (v[i++] - '0');
	}
	while (i < n && (v[i] == ' ' || v[i] == '\t'))
		i++;
	if (d == 0 || i != n)
		return -1;
	*out = x;
	return 0;
}

int
httpd_frame_check(const char *head, size_t len, int64_t max_body,
    struct frame_info *fi)
{
	const char *p = head, *end = head + len, *eol, *colon, *v;
	bool first = true, have_cl = false, have_te = false, have_host = false;
	size_t i, n;
	int rc;

	memset(fi, 0, sizeof(*fi));
	/* Line endings first: every LF after a CR, every CR before an LF. */
	for (i = 0; i < len; i++) {
		if (head[i] == '\r' && (i + 1 == len || head[i + 1] != '\n'))
			return FRAME_BARE_CR;
		if (head[i] == '\n' && (i == 0 || head[i - 1] != '\r'))
			return FRAME_BARE_LF;
	}
	while (p < end) {
		eol = memchr(p, '\r', (size_t)(end - p));
		if (eol == NULL)
			return FRAME_BARE_LF;	/* the head must end in CRLF */
		n = (size_t)(eol - p);
		if (n == 0)
			break;			/* the empty line: end of head */
		if (first) {
			if ((rc = check_request_line(p, n)) != FRAME_OK)
				return rc;
			first = false;
			p = eol + 2;
			continue;
		}
		if (p[0] == ' ' || p[0] == '\t')
			return FRAME_FOLD;
		colon = memchr(p, ':', n);
		if (colon == NULL || colon == p)
			return FRAME_NAME;
		for (v = p; v < colon; v++)
			if (!tchar((unsigned char)*v))
				return FRAME_NAME;
		for (v = colon + 1; v < eol; v++)
			if (((unsigned char)*v < 0x20 && *v != '\t') ||
			    *v == 0x7f)
				return FRAME_CTL;
		v = colon + 1;
		if (name_is(p, (size_t)(colon - p), "Content-Length")) {
			if (have_cl)
				return FRAME_CL_DUP;
			have_cl = true;
			if (parse_length(v, (size_t)(eol - v),
			    &fi->body_len) != 0)
				return FRAME_CL_BAD;
		} else if (name_is(p, (size_t)(colon - p),
		    "Transfer-Encoding"))
			have_te = true;
		else if (name_is(p, (size_t)(colon - p), "Host")) {
			if (have_host)
				return FRAME_HOST_DUP;
			have_host = true;
		} else if (name_is(p, (size_t)(colon - p), "Expect")) {
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			if ((size_t)(eol - v) >= 12 &&
			    strncasecmp(v, "100-continue", 12) == 0)
				fi->expect_continue = true;
		}
		p = eol + 2;
	}
	if (first)
		return FRAME_REQLINE;
	if (have_te)
		return have_cl ? FRAME_TE_CL : FRAME_TE;
	if (fi->body_len > max_body)
		return FRAME_TOO_BIG;
	return FRAME_OK;
}
