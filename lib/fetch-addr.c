/* fetch-addr - is an address one the NAS must not connect to for a stranger? */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fetch-addr.h"

/* IPv4 ranges outside the public internet: network, prefix length. */
static const struct {
	uint32_t net;
	int bits;
} private4[] = {
	{ 0x00000000, 8 },	/* "this" network, unspecified */
	{ 0x0a000000, 8 },	/* 10/8 */
	{ 0x64400000, 10 },	/* 100.64/10 carrier-grade NAT */
	{ 0x7f000000, 8 },	/* loopback */
	{ 0xa9fe0000, 16 },	/* link-local */
	{ 0xac100000, 12 },	/* 172.16/12 */
	{ 0xc0000000, 24 },	/* 192.0.0/24 IETF */
	{ 0xc0a80000, 16 },	/* 192.168/16 */
	{ 0xc6120000, 15 },	/* 198.18/15 benchmarking */
	{ 0xe0000000, 4 },	/* multicast */
	{ 0xf0000000, 4 },	/* reserved + broadcast */
};

static bool
private_v4(uint32_t a)
{
	size_t i;

	for (i = 0; i < sizeof(private4) / sizeof(private4[0]); i++) {
		uint32_t mask = 0xffffffffu << (32 - private4[i].bits);

		if ((a & mask) == private4[i].net)
			return true;
	}
	return false;
}

static uint32_t
v4_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static bool
private_v6(const uint8_t *a)
{
	static const uint8_t zero[12], mapped[12] =
	    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b };

	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return private_v4(v4_at(a + 12));
	if (memcmp(a, zero, 12) == 0)	/* ::, ::1 and compatible ::a.b.c.d */
		return v4_at(a + 12) <= 1 || private_v4(v4_at(a + 12));
	if (a[0] == 0x20 && a[1] == 0x02)	/* 6to4 */
		return private_v4(v4_at(a + 2));
	if ((a[0] & 0xfe) == 0xfc)		/* ULA fc00::/7 */
		return true;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)	/* link-local */
		return true;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)	/* site-local */
		return true;
	if (a[0] == 0xff)			/* multicast */
		return true;
	return false;
}

bool
fetch_addr_is_private(const struct sockaddr *sa)
{
	struct sockaddr_in in;
	struct sockaddr_in6 in6;

	/* Copies, not casts: curl hands us a struct sockaddr. */
	if (sa->sa_family == AF_INET) {
		memcpy(&in, sa, sizeof(in));
		return private_v4(ntohl(in.sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(&in6, sa, sizeof(in6));
		return private_v6(in6.sin6_addr.s6_addr);
	}
	return true;
}

int
fetch_addr_is_private_str(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	/* Straight to the classifiers: no sockaddr type punning. */
	if (inet_pton(AF_INET, addr, &a4) == 1)
		return private_v4(ntohl(a4.s_addr));
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return private_v6(a6.s6_addr);
	return -1;
}

void
fetch_addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *a = NULL;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (a == NULL || inet_ntop(sa->sa_family, a, buf, len) == NULL)
		snprintf(buf, len, "?");
}
