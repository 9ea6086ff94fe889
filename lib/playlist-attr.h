/* playlist-attr - RFC 8216 attribute lists and the value types they carry */
#ifndef M3U8NAS_PLAYLIST_ATTR_H
#define M3U8NAS_PLAYLIST_ATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * Internal to the playlist parser. An attribute list is
 * NAME=VALUE[,NAME=VALUE...] where VALUE is a quoted string (which may hold
 * commas), a hexadecimal sequence, a decimal number, a resolution or an
 * enumerated string. Whitespace around names and values is tolerated.
 * Messages set in err carry no "Invalid m3u8" prefix: the caller adds it.
 */
#define PLAYLIST_ATTR_MAX 64

struct playlist_attr {
	const char *name;	/* points into playlist_attr_list.buf */
	const char *value;	/* unquoted; points into buf */
};

struct playlist_attr_list {
	char *buf;		/* owned copy of the text, NULs written in */
	struct playlist_attr attrs[PLAYLIST_ATTR_MAX];
	size_t n;
};

/* Parses text into al; on failure al holds nothing to free. */
int playlist_attr_parse(const char *text, struct playlist_attr_list *al, struct err *err);
void playlist_attr_free(struct playlist_attr_list *al);
/* The value of attribute name (case-insensitive), or NULL if absent. */
const char *playlist_attr_get(const struct playlist_attr_list *al, const char *name);

/* Each parses the whole string s (surrounding blanks allowed) or fails. */
int playlist_attr_int(const char *s, int64_t min, int64_t max, int64_t *out);
/* A finite decimal number within [min, max] ("10", "9.97", "1e1"). */
int playlist_attr_float(const char *s, double min, double max, double *out);
/* "0x" + 1..32 hex digits, as a 128-bit big-endian integer. */
int playlist_attr_hex128(const char *s, unsigned char out[16]);
/* "WIDTHxHEIGHT", each 1..65535. */
int playlist_attr_resolution(const char *s, int *w, int *h);
/* "n[@o]": *offset = -1 when "@o" is absent. */
int playlist_attr_byterange(const char *s, int64_t *length, int64_t *offset);
/* YES/NO (case-insensitive); anything else is NO. */
bool playlist_attr_yes(const char *s);

#endif
