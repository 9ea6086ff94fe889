/* httpd-session - the page's sign-in: API token for a session cookie, CSRF */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "clock.h"
#include "httpd.h"
#include "log.h"
#include "xmalloc.h"

/*
 * The page signs in once with an API token (POST /api/session, a JSON body
 * {"token": "..."}), and gets a session: a random 256-bit id in a cookie
 * (HttpOnly: page scripts never see it; SameSite=Strict: other sites'
 * requests do not carry it; Secure on the TLS listener; Max-Age =
 * http.session_ttl) and a CSRF token in the answer. The session ends at
 * its fixed expiry, on sign-out, or when the table is full and it is the
 * oldest (HTTPD_SESSIONS); sessions live in this process only, so a
 * restart signs everybody out.
 *
 * CSRF: SameSite does not cover a page on the same host at another port
 * (same site, other origin), so every state-changing request of a session
 * must also carry X-CSRF-Token (only the page's own script knows it, and
 * a cross-origin script cannot set a custom header without a preflight
 * this server never grants), and its Origin, when sent, must be this
 * server's. Sign-in attempts have their own limiter
 * (http.signin_per_minute per client address), right or wrong. Ids and
 * tokens are compared with CRYPTO_memcmp, and never logged.
 */
#define ID_HEX		64	/* 32 random bytes */

struct session {
	char id[ID_HEX + 1];
	char csrf[ID_HEX + 1];
	int64_t expires_ms;	/* clock_ms() */
	int64_t created_ms;
};

struct sessions {
	struct session s[HTTPD_SESSIONS];
	struct limiter *signin;
	int ttl_s;
};

struct sessions *
sessions_new(int ttl_s, int signin_per_minute)
{
	struct sessions *s = xcalloc(1, sizeof(*s));

	s->ttl_s = ttl_s;
	s->signin = limiter_new(signin_per_minute, HTTPD_LIMITER_SLOTS);
	return s;
}

void
sessions_free(struct sessions *s)
{
	if (s == NULL)
		return;
	limiter_free(s->signin);
	OPENSSL_cleanse(s->s, sizeof(s->s));
	free(s);
}

static void
random_hex(char *out)
{
	unsigned char b[ID_HEX / 2];
	int i;

	if (RAND_bytes(b, sizeof(b)) != 1)
		fatalx("RAND_bytes failed");
	for (i = 0; i < (int)sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* The value of our cookie in r's Cookie header, copied to out (ID_HEX). */
static bool
cookie_value(struct httpd_req *r, char *out)
{
	const char *c = httpd_header(r, "Cookie");
	const char *p, *end;
	size_t n = strlen(SESSION_COOKIE);

	for (p = c; p != NULL && *p != '\0'; p = end) {
		while (*p == ' ' || *p == ';')
			p++;
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) == n + 1 + ID_HEX &&
		    strncmp(p, SESSION_COOKIE "=", n + 1) == 0) {
			memcpy(out, p + n + 1, ID_HEX);
			out[ID_HEX] = '\0';
			return true;
		}
	}
	return false;
}

/* The live session whose id is `id`, looked for in constant time. */
static struct session *
find(struct sessions *ss, const char *id)
{
	struct session *hit = NULL;
	int64_t now = clock_ms();
	int i;

	for (i = 0; i < HTTPD_SESSIONS; i++) {
		struct session *s = &ss->s[i];
		int same = CRYPTO_memcmp(s->id, id, ID_HEX) == 0;

		if (same && s->id[0] != '\0')
			hit = s;
	}
	if (hit != NULL && hit->expires_ms <= now) {
		OPENSSL_cleanse(hit, sizeof(*hit));	/* expired: gone */
		hit = NULL;
	}
	return hit;
}

static struct session *
current(struct httpd_req *r)
{
	char id[ID_HEX + 1];

	if (r->h->sessions == NULL || !cookie_value(r, id))
		return NULL;
	return find(r->h->sessions, id);
}

bool
session_valid(struct httpd_req *r)
{
	return current(r) != NULL;
}

int64_t
session_expiry(struct httpd_req *r)
{
	struct session *s = current(r);

	return s != NULL ? s->expires_ms : 0;
}

/* "https://host:port" (what an Origin of this server looks like). */
static bool
origin_is_ours(struct httpd_req *r, const char *origin)
{
	const char *host = httpd_header(r, "Host");
	const char *scheme = httpd_req_tls(r) ? "https://" : "http://";
	size_t n = strlen(scheme);

	if (host == NULL || strncmp(origin, scheme, n) != 0)
		return false;
	return strcmp(origin + n, host) == 0;
}

bool
session_csrf_ok(struct httpd_req *r)
{
	struct session *s = current(r);
	const char *tok = httpd_header(r, "X-CSRF-Token");
	const char *origin = httpd_header(r, "Origin");
	const char *site = httpd_header(r, "Sec-Fetch-Site");

	if (s == NULL || tok == NULL || strlen(tok) != ID_HEX ||
	    CRYPTO_memcmp(tok, s->csrf, ID_HEX) != 0)
		return false;
	if (origin != NULL && !origin_is_ours(r, origin))
		return false;
	if (site != NULL && strcmp(site, "same-origin") != 0)
		return false;
	return true;
}

/* Set-Cookie: the session's id, or an expired one to remove it. */
static void
set_cookie(struct httpd_req *r, const char *id, int max_age)
{
	char *v = xasprintf("%s=%s; Path=/; Max-Age=%d; HttpOnly; "
	    "SameSite=Strict%s", SESSION_COOKIE, id, max_age,
	    httpd_req_tls(r) ? "; Secure" : "");

	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Set-Cookie", v);
	free(v);
}

static struct session *
session_add(struct sessions *ss)
{
	struct session *s = &ss->s[0];
	int64_t now = clock_ms();
	int i;

	/* a free or expired slot, else the oldest */
	for (i = 0; i < HTTPD_SESSIONS; i++) {
		if (ss->s[i].id[0] == '\0' || ss->s[i].expires_ms <= now) {
			s = &ss->s[i];
			break;
		}
		if (ss->s[i].created_ms < s->created_ms)
			s = &ss->s[i];
	}
	random_hex(s->id);
	random_hex(s->csrf);
	s->created_ms = now;
	s->expires_ms = now + (int64_t)ss->ttl_s * 1000;
	return s;
}

static json_t *
session_json(const struct session *s)
{
	return json_pack("{s:b, s:s, s:I}", "signed_in", 1, "csrf", s->csrf,
	    "expires_in_s", (json_int_t)((s->expires_ms - clock_ms()) / 1000));
}

static void
sign_in(struct httpd_req *r)
{
	struct sessions *ss = r->h->sessions;
	const char *type = httpd_header(r, "Content-Type");
	json_t *body = NULL, *tok;
	struct session *s;
	char after[16];
	size_t len;
	char *raw;
	int wait;

	if ((wait = limiter_take(ss->signin, r->peer, clock_ms() / 1e3)) > 0) {
		r->h->rate_limited++;
		snprintf(after, sizeof(after), "%d", wait);
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "Retry-After", after);
		log_event(LOG_WARN, "rate-limited", NULL, "%s sign-in", r->peer);
		httpd_reply_error(r, 429, "too many sign-in attempts, retry "
		    "in %d s", wait);
		return;
	}
	/* JSON only: a cross-site form cannot send it without a preflight */
	if (type == NULL || strncasecmp(type, "application/json", 16) != 0) {
		httpd_reply_error(r, 415, "sign in with a JSON body "
		    "{\"token\": \"...\"}");
		return;
	}
	raw = httpd_req_body(r, &len);
	body = json_loadb(raw, len, 0, NULL);
	OPENSSL_cleanse(raw, len);
	free(raw);
	tok = json_object_get(body, "token");
	if (!json_is_string(tok) || !httpd_token_ok(&r->h->conf.http,
	    json_string_value(tok), json_string_length(tok))) {
		log_event(LOG_WARN, "sign-in", NULL, "%s: wrong token", r->peer);
		httpd_reply_error(r, 401, "wrong API token");
		goto out;
	}
	s = session_add(ss);
	set_cookie(r, s->id, ss->ttl_s);
	log_event(LOG_INFO, "sign-in", NULL, "%s signed in", r->peer);
	httpd_reply_json(r, 200, session_json(s));
out:
	json_decref(body);
}

/*
 * POST: sign in. GET: the session's state (and its CSRF token, for a page
 * reloaded while signed in). DELETE: sign out (a CSRF-checked change).
 */
void
route_session(struct httpd_req *r)
{
	enum evhttp_cmd_type m = evhttp_request_get_command(r->req);
	struct session *s;

	if (m == EVHTTP_REQ_POST) {
		sign_in(r);
		return;
	}
	s = current(r);
	if (m == EVHTTP_REQ_DELETE) {
		if (s != NULL && session_csrf_ok(r))
			OPENSSL_cleanse(s, sizeof(*s));
		else if (s != NULL) {
			httpd_reply_error(r, 403, "cross-site request refused");
			return;
		}
		set_cookie(r, "-", 0);
		httpd_reply_json(r, 200, json_pack("{s:b}", "signed_in", 0));
		return;
	}
	if (s == NULL)
		httpd_reply_json(r, 200, json_pack("{s:b}", "signed_in", 0));
	else
		httpd_reply_json(r, 200, session_json(s));
}
