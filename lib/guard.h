/* guard - what may become a name on disk, and what a job may point at */
#ifndef M3U8NAS_GUARD_H
#define M3U8NAS_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/*
 * Names: a job id and a video title both end up as a path component (the
 * spool's processing/<id>/, the library's "<title>.mp4", the FUSE tree's
 * jobs/<id>/). guard_sanitize_name makes any input safe for that:
 *
 *   GUARD_ID     bytes [A-Za-z0-9._-] only (others become '_'), at most
 *                GUARD_MAX_ID bytes; "job" if nothing is left.
 *   GUARD_TITLE  UTF-8 kept; bytes < 0x20 and 0x7f dropped; '/' '\\' and
 *                the characters Windows (SMB clients) refuse in names
 *                (<>:"|?*) become '_'; invalid UTF-8 becomes '_'; runs of
 *                spaces collapse; at most GUARD_MAX_TITLE bytes, cut on a
 *                character boundary; "video" if nothing is left.
 *
 * Both: no leading '.', '-' or space (no hidden files, no "..", nothing
 * that reads as an option), no trailing '.' or space, never empty, never
 * containing '/'. The result is newly allocated (caller frees).
 */
#define GUARD_MAX_ID 64
#define GUARD_MAX_TITLE 180

enum guard_name { GUARD_ID, GUARD_TITLE };

char *guard_sanitize_name(const char *in, enum guard_name kind);

/*
 * A job's title as given: refused (0 or -1 with a reason) when it holds
 * control characters (tab aside) or a ".." path component: such a title
 * is an attack or a mistake, and the person should hear about it rather
 * than find a silently different name. A title that passes is still
 * sanitized (GUARD_TITLE) before it names a file.
 */
int guard_check_title(const char *title, struct err *err);
/*
 * true when s is well-formed UTF-8 (no overlong forms, surrogates or code
 * points past U+10FFFF): what JSON, and so a .job, can carry.
 */
bool guard_utf8_ok(const char *s);

/*
 * A job's stream URL, before any request is made: the scheme is http or
 * https ("unsupported scheme 'file' (only http and https)"), there is a
 * host, and unless allow_private the host is not "localhost" or a literal
 * address that fetch_addr_is_private_str (fetch-addr.h) calls private.
 * Host names are checked again, by the same classifier, on the address
 * actually connected to (fetch.h); this early check gives a clear .error
 * without a request. 0 or -1 with err set.
 */
int guard_check_url(const char *url, bool allow_private, struct err *err);

/*
 * Secrets on the way out. A stream URL's query string (signed tokens,
 * session ids) and its user:password@ are private to the job: they go to
 * the origin and nowhere else (not the store, the tree, the API, the logs,
 * failed/<id>.error).
 *
 * guard_url_public: scheme://host[:port]/path of url with scheme and host
 * in lower case, a default port dropped, userinfo, query and fragment
 * removed: the URL as a person may see it, and the identity of a stream
 * (two links to one stream differ only in their tokens). Newly allocated;
 * a text that is no http(s) URL comes back unchanged but cut at '?' or '#'.
 *
 * guard_redact_text: every http(s):// URL inside a free text (an error
 * message, a log line) loses its userinfo, query and fragment, in place
 * (the text only shrinks).
 */
char *guard_url_public(const char *url);
void guard_redact_text(char *text);
/* The lower-case host of an http(s) URL (no port), newly allocated, or
 * NULL. */
char *guard_url_host(const char *url);
/*
 * A scheme a refusal may name ("unsupported scheme 'ftp'"): one of the
 * well-known ones (file, ftp, data, javascript, rtmp...). Anything else is
 * not quoted: a refused file's first word ("Cookie:") may be a secret.
 */
bool guard_scheme_nameable(const char *scheme, size_t n);

#endif
