/* guard - what may become a name on disk, and what a job may point at */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "guard.h"
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
			return err_set(err, "Invalid job: \"title\" holds "
			    "control characters");
	/* ".." between separators (or the ends) is a path component. */
	for (s = (const unsigned char *)title; *s != '\0'; s += n) {
		n = strcspn((const char *)s, "/\\");
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return err_set(err, "Invalid job: \"title\" holds a "
			    "'..' path component");
		if (s[n] != '\0')
			n++;
	}
	return 0;
}

bool
guard_addr_is_private(int family, const void *addr)
{
	const uint8_t *b;
	uint32_t a;

	if (family == AF_INET6) {
		const struct in6_addr *a6 = addr;

		b = a6->s6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a6) || IN6_IS_ADDR_V4COMPAT(a6))
			return guard_addr_is_private(AF_INET, b + 12);
		return IN6_IS_ADDR_UNSPECIFIED(a6) || IN6_IS_ADDR_LOOPBACK(a6) ||
		    (b[0] & 0xfe) == 0xfc ||			/* fc00::/7 ULA */
		    (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||	/* fe80::/10 */
		    (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) ||	/* fec0::/10 */
		    b[0] == 0xff;				/* multicast */
	}
	if (family != AF_INET)
		return true;
	b = addr;
	a = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
	    b[3];
	return (a >> 24) == 0 ||			/* 0.0.0.0/8 */
	    (a >> 24) == 10 ||				/* 10/8 */
	    (a >> 24) == 127 ||				/* loopback */
	    (a >> 22) == (100u << 2 | 1) ||		/* 100.64/10 CGNAT */
	    (a >> 16) == (169u << 8 | 254) ||		/* link-local */
	    (a >> 20) == (172u << 4 | 1) ||		/* 172.16/12 */
	    (a >> 16) == (192u << 8 | 168) ||		/* 192.168/16 */
	    (a >> 8) == (192u << 16 | 0 << 8 | 0) ||	/* 192.0.0/24 */
	    (a >> 17) == (198u << 7 | 9) ||		/* 198.18/15 */
	    (a >> 28) >= 14;				/* multicast, 240/4 */
}

/* A literal address (or localhost) the NAS must not fetch from. */
static bool
host_is_private(const char *host)
{
	char buf[INET6_ADDRSTRLEN + 2];
	unsigned char addr[sizeof(struct in6_addr)];
	size_t n = strlen(host);
	const char *dot;

	if (strcasecmp(host, "localhost") == 0 ||
	    ((dot = strrchr(host, '.')) != NULL &&
	    (strcasecmp(dot, ".localhost") == 0 ||
	    strcasecmp(dot, ".localhost.") == 0)))
		return true;
	if (inet_pton(AF_INET, host, addr) == 1)
		return guard_addr_is_private(AF_INET, addr);
	if (n > 2 && host[0] == '[' && n - 2 < sizeof(buf)) {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		/* Drop a zone id ("%eth0"): only link-local addresses have one. */
		if (strchr(buf, '%') != NULL)
			return true;
		if (inet_pton(AF_INET6, buf, addr) == 1)
			return guard_addr_is_private(AF_INET6, addr);
	}
	return false;
}

int
guard_check_url(const char *url, bool allow_private, struct err *err)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL;
	int rc = -1;

	if (url == NULL || *url == '\0')
		return err_set(err, "the url is empty");
	u = curl_url();
	/* Without CURLU_NON_SUPPORT_SCHEME curl refuses ftp:// etc. itself,
	 * with a vaguer message; we want to name the scheme. */
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) !=
	    CURLUE_OK) {
		err_set(err, "not a valid URL: '%.200s'", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		err_set(err, "not a valid URL (no scheme): '%.200s'", url);
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		err_set(err, "unsupported scheme '%.32s' (only http and https)",
		    scheme);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    *host == '\0') {
		err_set(err, "not a valid URL (no host): '%.200s'", url);
		goto out;
	}
	if (!allow_private && host_is_private(host)) {
		err_set(err, "refused: host %.100s is a loopback, private or "
		    "link-local address (allow_private_targets is off)", host);
		goto out;
	}
	rc = 0;
out:
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	return rc;
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
