/* xmalloc - allocation that cannot fail: out of memory is fatal */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		fatalx("out of memory (%zu bytes)", size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatalx("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *
xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		fatalx("out of memory (%zu bytes)", size);
	return p;
}

void *
xgrow(void *array, size_t *cap, size_t need, size_t elsize)
{
	size_t newcap;

	if (need < *cap)
		return array;
	newcap = *cap ? *cap * 2 : 8;
	while (newcap <= need)
		newcap *= 2;
	if (newcap > SIZE_MAX / elsize)
		fatalx("array too large");
	array = xrealloc(array, newcap * elsize);
	memset((char *)array + *cap * elsize, 0, (newcap - *cap) * elsize);
	*cap = newcap;
	return array;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	n = strnlen(s, n);
	p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		fatalx("out of memory formatting a string");
	va_end(ap);
	return s;
}
