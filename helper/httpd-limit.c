/* httpd-limit - per-client rate limit (token buckets) and the token check */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "httpd.h"
#include "xmalloc.h"

/*
 * One token bucket per client address: it holds at most per_minute tokens
 * and refills at per_minute/60 a second, so a client may burst a minute's
 * allowance and then goes at the steady rate. The table has a fixed number
 * of slots (open addressing, a short probe); when the probe finds no free
 * slot the least recently seen client in it is forgotten, so a flood of
 * addresses costs memory bounded by the table, never more.
 */
#define LIMITER_PROBE 8

struct bucket {
	char client[64];	/* "" = free */
	double tokens;
	double last;		/* seconds, monotonic */
};

struct limiter {
	struct bucket *slots;
	size_t nslots;		/* a power of two */
	double capacity, rate;	/* tokens, tokens per second */
};

struct limiter *
limiter_new(int per_minute, int slots)
{
	struct limiter *l = xcalloc(1, sizeof(*l));

	l->nslots = 1;
	while (l->nslots < (size_t)slots)
		l->nslots <<= 1;
	l->slots = xcalloc(l->nslots, sizeof(*l->slots));
	l->capacity = per_minute;
	l->rate = per_minute / 60.0;
	return l;
}

void
limiter_free(struct limiter *l)
{
	if (l == NULL)
		return;
	free(l->slots);
	free(l);
}

/* FNV-1a: cheap, and good enough to spread client names over slots. */
uint32_t
httpd_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The client's bucket, or a fresh (full) one in a free or evicted slot. */
static struct bucket *
limiter_slot(struct limiter *l, const char *client, double now)
{
	struct bucket *b, *victim = NULL;
	size_t i, mask = l->nslots - 1, start = httpd_hash(client) & mask;

	for (i = 0; i < LIMITER_PROBE; i++) {
		b = &l->slots[(start + i) & mask];
		if (strcmp(b->client, client) == 0)
			return b;
		if (victim == NULL || b->client[0] == '\0' ||
		    (victim->client[0] != '\0' && b->last < victim->last))
			victim = b;
	}
	snprintf(victim->client, sizeof(victim->client), "%s", client);
	victim->tokens = l->capacity;
	victim->last = now;
	return victim;
}

int
limiter_take(struct limiter *l, const char *client, double now)
{
	struct bucket *b = limiter_slot(l, client, now);

	b->tokens = fmin(l->capacity, b->tokens + (now - b->last) * l->rate);
	b->last = now;
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		return 0;
	}
	return (int)ceil((1.0 - b->tokens) / l->rate);
}

/*
 * Every configured token is compared, without stopping at a match, with
 * CRYPTO_memcmp (time independent of where the bytes differ); only the
 * lengths are compared plainly, which tells nothing about the bytes.
 */
bool
httpd_token_ok(const struct conf_http *hc, const char *given, size_t n)
{
	int i, ok = 0;

	for (i = 0; i < hc->ntokens; i++) {
		if (strlen(hc->tokens[i]) != n || n == 0)
			continue;
		ok |= CRYPTO_memcmp(hc->tokens[i], given, n) == 0;
	}
	return ok != 0;
}
