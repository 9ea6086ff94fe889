/* fetch-addr - is an address one the NAS must not connect to for a stranger? */
#ifndef M3U8NAS_FETCH_ADDR_H
#define M3U8NAS_FETCH_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include <sys/socket.h>

/*
 * The SSRF guard's classification, kept pure so that it can be tested on a
 * table. "Private" here means any address that does not belong to the public
 * internet: loopback (127/8, ::1), RFC 1918 (10/8, 172.16/12, 192.168/16),
 * CGNAT (100.64/10), link-local (169.254/16, fe80::/10), unspecified
 * (0/8, ::), multicast (224/4, ff00::/8), reserved (240/4, broadcast),
 * benchmarking (198.18/15), IETF (192.0.0/24), IPv6 ULA (fc00::/7) and
 * site-local (fec0::/10); IPv4 embedded in IPv6 (mapped ::ffff:a.b.c.d,
 * compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) is judged by the
 * IPv4 address inside.
 */

/* True if sa (AF_INET or AF_INET6) is private; other families: true. */
bool fetch_addr_is_private(const struct sockaddr *sa);
/* The same for a numeric address string; -1 if it is not one. */
int fetch_addr_is_private_str(const char *addr);
/* Writes the numeric form of sa into buf ("?" if unknown). */
void fetch_addr_format(const struct sockaddr *sa, char *buf, size_t len);

#endif
