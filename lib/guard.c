/* guard - what may become a name on disk, and what a job may point at */
#include "config.h"

#include <ctype.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch-addr.h"
#include "guard.h"
#include "url.h"
#include "xmalloc.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are refused. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

static bool
id_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* Appends one byte, collapsing spaces; out has room (bounded by caller). */
static void
put(char *out, size_t *o, char c)
{
	if (c == ' ' && (*o == 0 || out[*o - 1] == ' '))
		return;
	out[(*o)++] = c;
}

static size_t
sanitize_id(const unsigned char *in, char *out)
{
	size_t i, o = 0;

	for (i = 0; in[i] != '\0' && o < GUARD_MAX_ID; i++)
		out[o++] = id_char(in[i]) ? (char)in[i] : '_';
	return o;
}

static size_t
sanitize_title(const unsigned char *in, char *out)
{
	size_t i = 0, o = 0, n, left = strlen((const char *)in);

	while (i < left) {
		if (in[i] < 0x20 || in[i] == 0x7f) {
			/* Tabs and newlines read as a space, the rest vanish. */
			if (in[i] == '\t' || in[i] == '\n' || in[i] == '\r')
				put(out, &o, ' ');
			i++;
			continue;
		}
		n = utf8_len(in + i, left - i);
		if (n == 0 || (n == 1 && strchr("/\\<>:\"|?*", in[i]))) {
			n = n == 0 ? 1 : n;
			if (o + 1 > GUARD_MAX_TITLE)
				break;
			put(out, &o, '_');
		} else {
			if (o + n > GUARD_MAX_TITLE)
				break;	/* cut on a character boundary */
			if (n == 1)
				put(out, &o, (char)in[i]);
			else {
				memcpy(out + o, in + i, n);
				o += n;
			}
		}
		i += n;
	}
	return o;
}

char *
guard_sanitize_name(const char *in, enum guard_name kind)
{
	char buf[GUARD_MAX_TITLE + GUARD_MAX_ID + 1];
	size_t start = 0, end;

	if (in == NULL)
		in = "";
	if (kind == GUARD_ID)
		end = sanitize_id((const unsigned char *)in, buf);
	else
		end = sanitize_title((const unsigned char *)in, buf);
	/* No hidden files, no "." or "..", nothing that reads as an option. */
	while (start < end && strchr(". -", buf[start]) != NULL)
		start++;
	while (end > start && strchr(". ", buf[end - 1]) != NULL)
		end--;
	if (start == end)
		return xstrdup(kind == GUARD_ID ? "job" : "video");
	return xstrndup(buf + start, end - start);
}

int
guard_check_title(const char *title, struct err *err)
{
	const unsigned char *s;
	size_t n;

	if (title == NULL)
		return 0;
	for (s = (const unsigned char *)title; *s != '\0'; s++)
		if ((*s < 0x20 && *s != '\t') || *s == 0x7f)
			return err_setk(err, ERR_INVALID,
			    "Invalid job: \"title\" holds "
			    "control characters");
	/* ".." between separators (or the ends) is a path component. */
	for (s = (const unsigned char *)title; *s != '\0'; s += n) {
		n = strcspn((const char *)s, "/\\");
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return err_setk(err, ERR_INVALID,
			    "Invalid job: \"title\" holds a "
			    "'..' path component");
		if (s[n] != '\0')
			n++;
	}
	return 0;
}

/* A literal address (or localhost) the NAS must not fetch from. */
static bool
host_is_private(const char *host)
{
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(host);
	const char *dot;

	if (strcasecmp(host, "localhost") == 0 ||
	    ((dot = strrchr(host, '.')) != NULL &&
	    (strcasecmp(dot, ".localhost") == 0 ||
	    strcasecmp(dot, ".localhost.") == 0)))
		return true;
	/* The fetcher's classifier, so both checks refuse the same ranges. */
	if (fetch_addr_is_private_str(host) == 1)
		return true;
	if (n > 2 && host[0] == '[' && n - 2 < sizeof(buf)) {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		/* Drop a zone id ("%eth0"): only link-local addresses have one. */
		if (strchr(buf, '%') != NULL)
			return true;
		return fetch_addr_is_private_str(buf) == 1;
	}
	return false;
}

int
guard_check_url(const char *url, bool allow_private, struct err *err)
{
	char *scheme = NULL, *host = NULL;
	int rc = -1;

	if (url == NULL || *url == '\0')
		return err_setk(err, ERR_INVALID, "the url is empty");
	/* url.c keeps schemes curl does not fetch (ftp://...), so that the
	 * message can name the scheme. The scheme is judged before the host:
	 * "file:///etc/shadow" has none, and its scheme is the reason. */
	if ((scheme = url_scheme(url)) == NULL) {
		/* Never quoted: the text may be anything (a header line). */
		err_setk(err, ERR_INVALID, "not a valid URL");
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		if (guard_scheme_nameable(scheme, strlen(scheme)))
			err_setk(err, ERR_INVALID, "unsupported scheme '%.32s' "
			    "(only http and https)", scheme);
		else
			err_setk(err, ERR_INVALID,
			    "unsupported scheme (only http and https)");
		goto out;
	}
	if (url_scheme_host(url, NULL, &host, NULL) < 0) {
		err_setk(err, ERR_INVALID, "not a valid URL (no host)");
		goto out;
	}
	if (!allow_private && host_is_private(host)) {
		err_setk(err, ERR_REFUSED, "refused: host %.100s is a "
		    "loopback, private or link-local address "
		    "(allow_private_targets is off)", host);
		goto out;
	}
	rc = 0;
out:
	free(host);
	free(scheme);
	return rc;
}

bool
guard_scheme_nameable(const char *scheme, size_t n)
{
	static const char *const known[] = { "file", "ftp", "ftps", "sftp",
		"data", "javascript", "gopher", "rtmp", "rtmps", "rtsp", "ws",
		"wss", "smb", "blob", "about", "mailto", "tel", "ldap", "dict",
		"telnet", "tftp", "scp", "chrome", "chrome-extension", "hls",
		"concat", "udp", "tcp", NULL };
	const char *const *k;

	for (k = known; *k != NULL; k++)
		if (strlen(*k) == n && strncasecmp(*k, scheme, n) == 0)
			return true;
	return false;
}

/* The authority of an http(s) URL: where it starts (after "://"), or
 * NULL for another text. */
static const char *
http_authority(const char *u, size_t *scheme_len)
{
	if (strncasecmp(u, "http://", 7) == 0) {
		*scheme_len = 4;
		return u + 7;
	}
	if (strncasecmp(u, "https://", 8) == 0) {
		*scheme_len = 5;
		return u + 8;
	}
	return NULL;
}

/* The host[:port] of the authority [a, end): past any userinfo. */
static const char *
past_userinfo(const char *a, const char *end)
{
	const char *p, *host = a;

	for (p = a; p < end; p++)
		if (*p == '@')
			host = p + 1;
	return host;
}

/* Where the port's ':' is in host[:port] [h, end), or end. */
static const char *
port_colon(const char *h, const char *end)
{
	const char *p = h;

	if (p < end && *p == '[')	/* [v6]:port */
		while (p < end && *p != ']')
			p++;
	while (p < end && *p != ':')
		p++;
	return p;
}

char *
guard_url_public(const char *url)
{
	const char *a, *aend, *h, *colon, *path;
	size_t slen, plen, i;
	char *out, *host;
	bool dflt;

	if ((a = http_authority(url, &slen)) == NULL)
		return xstrndup(url, strcspn(url, "?#"));
	aend = a + strcspn(a, "/?#");
	h = past_userinfo(a, aend);
	colon = port_colon(h, aend);
	path = aend;
	plen = strcspn(path, "?#");
	if (*path != '/')
		plen = 0;
	dflt = colon == aend || (slen == 4 && aend - colon == 3 &&
	    strncmp(colon, ":80", 3) == 0) || (slen == 5 &&
	    aend - colon == 4 && strncmp(colon, ":443", 4) == 0);
	host = xstrndup(h, (size_t)((dflt ? colon : aend) - h));
	for (i = 0; host[i] != '\0'; i++)
		host[i] = (char)tolower((unsigned char)host[i]);
	out = xasprintf("%s://%s%.*s", slen == 4 ? "http" : "https", host,
	    plen > 0 ? (int)plen : 1, plen > 0 ? path : "/");
	free(host);
	return out;
}

char *
guard_url_host(const char *url)
{
	const char *a, *aend, *h, *colon;
	size_t slen, i;
	char *host;

	if (url == NULL || (a = http_authority(url, &slen)) == NULL)
		return NULL;
	aend = a + strcspn(a, "/?#");
	h = past_userinfo(a, aend);
	colon = port_colon(h, aend);
	if (colon == h)
		return NULL;
	host = xstrndup(h, (size_t)(colon - h));
	for (i = 0; host[i] != '\0'; i++)
		host[i] = (char)tolower((unsigned char)host[i]);
	return host;
}

/* What ends a URL inside a text: blanks and quotes. */
#define URL_END " \t\r\n'\"<>`"

void
guard_redact_text(char *text)
{
	char *r = text, *w = text, *end, *aend, *h, *keep;
	size_t slen;

	while (*r != '\0') {
		if ((r == text || !isalnum((unsigned char)r[-1])) &&
		    http_authority(r, &slen) != NULL) {
			end = r + strcspn(r, URL_END);
			aend = r + slen + 3;
			/* scheme:// */
			while (r < aend)
				*w++ = *r++;
			aend = r + strcspn(r, "/?#" URL_END);
			if (aend > end)
				aend = end;
			h = (char *)past_userinfo(r, aend);
			r = h;
			keep = r + strcspn(r, "?#" URL_END);
			if (keep > end)
				keep = end;
			while (r < keep)
				*w++ = *r++;
			r = end;	/* the query and fragment go */
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
}

bool
guard_utf8_ok(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned int cp, n, i;

	while (*s != '\0') {
		if (*s < 0x80) {
			s++;
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf)
			n = 1, cp = *s & 0x1f;
		else if (*s >= 0xe0 && *s <= 0xef)
			n = 2, cp = *s & 0x0f;
		else if (*s >= 0xf0 && *s <= 0xf4)
			n = 3, cp = *s & 0x07;
		else
			return false;
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n + 1;
	}
	return true;
}
