/* url - URL resolution and inspection through libcurl's CURLU API */
#ifndef M3U8NAS_URL_H
#define M3U8NAS_URL_H

#include <stdbool.h>

#include "err.h"

/*
 * Every function here parses with curl_url() and never cuts strings by
 * hand, so that "../", "//host/x", queries and fragments follow RFC 3986
 * the way libcurl (which will fetch the result) understands them.
 */

/*
 * Resolves ref against base, which must be an absolute URL with a scheme.
 * ref may be absolute, network-path ("//host/x"), absolute-path, relative,
 * a query ("?x") or a fragment ("#x"); an empty ref gives the base itself.
 * Schemes libcurl does not fetch (e.g. "skd://") are accepted.
 * Returns a new absolute URL the caller frees with free(3), or NULL with
 * err set ("Invalid URL ...").
 */
char *url_resolve(const char *base, const char *ref, struct err *err);

/*
 * A base URL parsed once, for resolving many references against it (a
 * playlist's segments). url_base_new returns NULL with err set when base
 * is not absolute; url_base_free(NULL) is a no-op.
 */
struct url_base;
struct url_base *url_base_new(const char *base, struct err *err);
void url_base_free(struct url_base *b);
/*
 * Like url_resolve against b. When scheme is non-NULL it receives the
 * result's scheme, lowercased (the caller frees it with free(3)).
 */
char *url_base_resolve(const struct url_base *b, const char *ref,
    char **scheme, struct err *err);

/*
 * Splits an absolute URL into its scheme and host, both lowercased and
 * newly allocated (the caller frees them with free(3)); either pointer may
 * be NULL when not wanted. Returns 0, or -1 with err set (nothing
 * allocated) when url is not absolute or has no host.
 */
int url_scheme_host(const char *url, char **scheme, char **host,
    struct err *err);

/* True only for a well-formed absolute http:// or https:// URL. */
bool url_is_http(const char *url);

/* The URL's scheme, lowercased (free(3) it), or NULL if not absolute. */
char *url_scheme(const char *url);

/* True when the URL's scheme (lowercased) equals scheme. */
bool url_has_scheme(const char *url, const char *scheme);

/*
 * The last component of the URL's path, without query or fragment,
 * percent-decoded when that yields a plain name (else left encoded), for
 * naming files: "https://h/a/My%20Show.m3u8?t=1" -> "My Show.m3u8".
 * NULL when the path ends in "/" or is empty, or the URL does not parse.
 * The caller frees the result with free(3); it still needs sanitizing.
 */
char *url_last_segment(const char *url);

/*
 * The URL without its query and fragment ("https://h:8/a/b.m3u8"; scheme
 * and host lowercased), for
 * logs, error lines and comparing links whose tokens differ: a query
 * often holds a signature or a session. NULL when url does not parse.
 * The caller frees it with free(3).
 */
char *url_without_query(const char *url);

/*
 * The same stream once the query is set aside: scheme, host, port and
 * path equal (a signed CDN link with a fresh token). False when either
 * does not parse.
 */
bool url_same_stream(const char *a, const char *b);

/*
 * text with the query of every http(s) URL in it cut ("HTTP 403 ...
 * fetching https://h/s.ts?token=x" -> "... fetching https://h/s.ts"),
 * for lines a person or a log reads. Newly allocated.
 */
char *url_redact_queries(const char *text);

#endif
