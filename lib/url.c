/* url - URL resolution and inspection through libcurl's CURLU API */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "log.h"
#include "url.h"
#include "xmalloc.h"

/* Accept schemes curl does not fetch (key URIs like skd://) as URLs. */
#define URL_FLAGS CURLU_NON_SUPPORT_SCHEME

/* Copies a curl-allocated string into our own heap, freeing the original. */
static char *
own(char *curlstr)
{
	char *s = xstrdup(curlstr);

	curl_free(curlstr);
	return s;
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* A CURLU holding an absolute URL, or NULL with err set. */
static CURLU *
parse_abs(const char *url, struct err *err)
{
	CURLU *u = curl_url();
	CURLUcode rc;

	if (u == NULL)
		fatalx("out of memory (curl_url)");
	rc = curl_url_set(u, CURLUPART_URL, url, URL_FLAGS);
	if (rc != CURLUE_OK) {
		curl_url_cleanup(u);
		err_set(err, "Invalid URL \"%.200s\": %s", url,
		    curl_url_strerror(rc));
		return NULL;
	}
	return u;
}

struct url_base {
	CURLU *u;
	char *text;		/* as given, for messages */
};

struct url_base *
url_base_new(const char *base, struct err *err)
{
	struct url_base *b;
	CURLU *u;

	if ((u = parse_abs(base, err)) == NULL)
		return NULL;
	b = xmalloc(sizeof(*b));
	b->u = u;
	b->text = xstrdup(base);
	return b;
}

void
url_base_free(struct url_base *b)
{
	if (b == NULL)
		return;
	curl_url_cleanup(b->u);
	free(b->text);
	free(b);
}

char *
url_base_resolve(const struct url_base *b, const char *ref, char **scheme,
    struct err *err)
{
	CURLU *u = curl_url_dup(b->u);
	CURLUcode rc;
	char *out = NULL, *s = NULL, *res = NULL;

	if (u == NULL)
		fatalx("out of memory (curl_url_dup)");
	/*
	 * curl 7.88 resolves "" and "#frag" against the base's directory;
	 * RFC 3986 keeps the whole base, so set those parts explicitly.
	 */
	if (*ref == '\0')
		rc = curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	else if (*ref == '#')
		rc = curl_url_set(u, CURLUPART_FRAGMENT, ref + 1, 0);
	else
		rc = curl_url_set(u, CURLUPART_URL, ref, URL_FLAGS);
	if (rc == CURLUE_OK)
		rc = curl_url_get(u, CURLUPART_URL, &out, 0);
	if (rc == CURLUE_OK && scheme != NULL)
		rc = curl_url_get(u, CURLUPART_SCHEME, &s, 0);
	if (rc != CURLUE_OK) {
		err_set(err, "Invalid URL \"%.200s\" (relative to %.200s): %s",
		    ref, b->text, curl_url_strerror(rc));
		goto out;
	}
	res = own(out);
	out = NULL;
	if (scheme != NULL) {
		*scheme = own(s);
		s = NULL;
		lower(*scheme);
	}
out:
	curl_free(s);
	curl_free(out);
	curl_url_cleanup(u);
	return res;
}

char *
url_resolve(const char *base, const char *ref, struct err *err)
{
	struct url_base *b;
	char *res;

	if ((b = url_base_new(base, err)) == NULL)
		return NULL;
	res = url_base_resolve(b, ref, NULL, err);
	url_base_free(b);
	return res;
}

int
url_scheme_host(const char *url, char **scheme, char **host,
    struct err *err)
{
	CURLU *u;
	char *s = NULL, *h = NULL;
	int ret = -1;

	if ((u = parse_abs(url, err)) == NULL)
		return -1;
	if (curl_url_get(u, CURLUPART_SCHEME, &s, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || *h == '\0') {
		err_set(err, "Invalid URL \"%.200s\": no host", url);
		goto out;
	}
	if (scheme != NULL) {
		*scheme = xstrdup(s);
		lower(*scheme);
	}
	if (host != NULL) {
		*host = xstrdup(h);
		lower(*host);
	}
	ret = 0;
out:
	curl_free(h);
	curl_free(s);
	curl_url_cleanup(u);
	return ret;
}

char *
url_scheme(const char *url)
{
	CURLU *u;
	char *s = NULL, *res = NULL;

	if ((u = parse_abs(url, NULL)) == NULL)
		return NULL;
	if (curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK) {
		res = own(s);
		lower(res);
	}
	curl_url_cleanup(u);
	return res;
}

bool
url_has_scheme(const char *url, const char *scheme)
{
	CURLU *u;
	char *s = NULL;
	bool ok;

	if ((u = parse_abs(url, NULL)) == NULL)
		return false;
	ok = curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK &&
	    strcasecmp(s, scheme) == 0;
	curl_free(s);
	curl_url_cleanup(u);
	return ok;
}

bool
url_is_http(const char *url)
{
	char *s;
	bool ok;

	if (url_scheme_host(url, &s, NULL, NULL) == -1)
		return false;
	ok = strcmp(s, "http") == 0 || strcmp(s, "https") == 0;
	free(s);
	return ok;
}

/* A decoded name is usable when it holds no '/', NUL or control byte. */
static bool
plain_name(const char *s, int len)
{
	for (int i = 0; i < len; i++)
		if (s[i] == '/' || (unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

char *
url_last_segment(const char *url)
{
	CURLU *u;
	char *path = NULL, *dec = NULL, *res = NULL;
	const char *last;
	int declen;

	if ((u = parse_abs(url, NULL)) == NULL)
		return NULL;
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		goto out;
	last = strrchr(path, '/');
	last = last != NULL ? last + 1 : path;
	if (*last == '\0' || strcmp(last, ".") == 0 || strcmp(last, "..") == 0)
		goto out;
	/* Decode the segment alone so that "%2F" cannot split it. */
	dec = curl_easy_unescape(NULL, last, 0, &declen);
	if (dec != NULL && declen > 0 && plain_name(dec, declen) &&
	    strcmp(dec, ".") != 0 && strcmp(dec, "..") != 0)
		res = xstrdup(dec);
	else
		res = xstrdup(last);
out:
	curl_free(dec);
	curl_free(path);
	curl_url_cleanup(u);
	return res;
}

char *
url_without_query(const char *url)
{
	CURLU *u;
	char *s = NULL, *res = NULL;

	if ((u = parse_abs(url, NULL)) == NULL)
		return NULL;
	/* Scheme and host compare without case (RFC 3986 6.2.2.1). */
	if (curl_url_get(u, CURLUPART_HOST, &s, 0) == CURLUE_OK) {
		lower(s);
		curl_url_set(u, CURLUPART_HOST, s, 0);
		curl_free(s);
		s = NULL;
	}
	if (curl_url_set(u, CURLUPART_QUERY, NULL, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &s, URL_FLAGS) == CURLUE_OK)
		res = own(s);
	curl_url_cleanup(u);
	return res;
}

bool
url_same_stream(const char *a, const char *b)
{
	char *x = a != NULL ? url_without_query(a) : NULL;
	char *y = b != NULL ? url_without_query(b) : NULL;
	bool same = x != NULL && y != NULL && strcmp(x, y) == 0;

	free(x);
	free(y);
	return same;
}

char *
url_redact_queries(const char *text)
{
	size_t n = strlen(text), i = 0, o = 0;
	char *out = xmalloc(n + 1);
	bool in_url = false;

	while (i < n) {
		if (!in_url && (strncasecmp(text + i, "http://", 7) == 0 ||
		    strncasecmp(text + i, "https://", 8) == 0))
			in_url = true;
		else if (in_url && isspace((unsigned char)text[i]))
			in_url = false;
		if (in_url && (text[i] == '?' || text[i] == '#')) {
			while (i < n && !isspace((unsigned char)text[i]))
				i++;
			in_url = false;
			continue;
		}
		out[o++] = text[i++];
	}
	out[o] = '\0';
	return out;
}
