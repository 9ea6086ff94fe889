/* playlist-attr - RFC 8216 attribute lists and the value types they carry */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "playlist-attr.h"
#include "xmalloc.h"

static char *
skip_blank(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static void
trim_end(char *start, char *end)
{
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
}

static bool
valid_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

/*
 * Reads one value starting at *pp (after "NAME="), NUL-terminates it in
 * place and leaves *pp after the separating comma (or at the end).
 */
static int
read_value(char **pp, const char **value, struct err *err)
{
	char *p = skip_blank(*pp), *end, *next;

	if (*p == '"') {
		*value = p + 1;
		if ((end = strchr(p + 1, '"')) == NULL)
			return err_set(err, "unterminated quoted string");
		*end = '\0';
		p = skip_blank(end + 1);
		if (*p != ',' && *p != '\0')
			return err_set(err, "text after quoted string");
		*pp = *p == ',' ? p + 1 : p;
		return 0;
	}
	*value = p;
	end = p + strcspn(p, ",");
	next = *end == ',' ? end + 1 : end;
	*end = '\0';
	trim_end(p, end);
	*pp = next;
	return 0;
}

int
playlist_attr_parse(const char *text, struct playlist_attr_list *al, struct err *err)
{
	char *p, *eq;

	memset(al, 0, sizeof(*al));
	al->buf = p = xstrdup(text);
	for (;;) {
		p = skip_blank(p);
		if (*p == '\0')
			break;
		if (al->n == PLAYLIST_ATTR_MAX) {
			err_set(err, "more than %d attributes", PLAYLIST_ATTR_MAX);
			goto fail;
		}
		if ((eq = strchr(p, '=')) == NULL ||
		    memchr(p, ',', (size_t)(eq - p)) != NULL) {
			err_set(err, "attribute without a value near \"%.40s\"",
			    p);
			goto fail;
		}
		*eq = '\0';
		trim_end(p, eq);
		if (!valid_name(p)) {
			err_set(err, "bad attribute name \"%.40s\"", p);
			goto fail;
		}
		al->attrs[al->n].name = p;
		p = eq + 1;
		if (read_value(&p, &al->attrs[al->n].value, err) == -1) {
			err_wrap(err, "attribute %s", al->attrs[al->n].name);
			goto fail;
		}
		al->n++;
	}
	return 0;
fail:
	playlist_attr_free(al);
	return -1;
}

void
playlist_attr_free(struct playlist_attr_list *al)
{
	free(al->buf);
	memset(al, 0, sizeof(*al));
}

const char *
playlist_attr_get(const struct playlist_attr_list *al, const char *name)
{
	for (size_t i = 0; i < al->n; i++)
		if (strcasecmp(al->attrs[i].name, name) == 0)
			return al->attrs[i].value;
	return NULL;
}

/* True when only blanks remain at end. */
static bool
only_blank(const char *end)
{
	while (*end == ' ' || *end == '\t')
		end++;
	return *end == '\0';
}

int
playlist_attr_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s) && !(*s == '-' &&
	    isdigit((unsigned char)s[1])))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || !only_blank(end) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
playlist_attr_float(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	while (*s == ' ' || *s == '\t')
		s++;
	/* strtod also takes "nan", "inf" and hex floats: not numbers here */
	if (!isdigit((unsigned char)*s) && *s != '.' && *s != '-')
		return -1;
	if (strpbrk(s, "xXnN") != NULL)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !only_blank(end) || !isfinite(v) ||
	    v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
playlist_attr_hex128(const char *s, unsigned char out[16])
{
	size_t n;
	int pos, v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -1;
	s += 2;
	n = strspn(s, "0123456789abcdefABCDEF");
	if (n == 0 || n > 32 || !only_blank(s + n))
		return -1;
	/* Right-aligned: a short value is a smaller integer, not a prefix. */
	memset(out, 0, 16);
	for (size_t i = 0; i < n; i++) {
		pos = (int)(n - 1 - i);	/* nibble index from the right */
		v = hexval((unsigned char)s[i]);
		out[15 - pos / 2] |= (unsigned char)(pos % 2 ? v << 4 : v);
	}
	return 0;
}

int
playlist_attr_resolution(const char *s, int *w, int *h)
{
	char buf[32], *x;
	int64_t a, b;

	if (strlen(s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	if ((x = strpbrk(buf, "xX")) == NULL)
		return -1;
	*x = '\0';
	if (playlist_attr_int(buf, 1, 65535, &a) == -1 ||
	    playlist_attr_int(x + 1, 1, 65535, &b) == -1)
		return -1;
	*w = (int)a;
	*h = (int)b;
	return 0;
}

int
playlist_attr_byterange(const char *s, int64_t *length, int64_t *offset)
{
	char buf[64], *at;
	int64_t n, o = -1;

	if (strlen(s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	if ((at = strchr(buf, '@')) != NULL) {
		*at = '\0';
		if (playlist_attr_int(at + 1, 0, INT64_MAX / 2, &o) == -1)
			return -1;
	}
	if (playlist_attr_int(buf, 0, INT64_MAX / 2, &n) == -1)
		return -1;
	*length = n;
	*offset = o;
	return 0;
}

bool
playlist_attr_yes(const char *s)
{
	return s != NULL && strcasecmp(s, "YES") == 0;
}
