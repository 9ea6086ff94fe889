/* xmalloc - allocation that cannot fail: out of memory is fatal */
#ifndef M3U8NAS_XMALLOC_H
#define M3U8NAS_XMALLOC_H

#include <stddef.h>

/*
 * On a NAS daemon, running out of memory is not a condition any caller can
 * mend; these abort with a message instead, so callers never check for NULL.
 * Each returns memory the caller owns and frees with free(3).
 */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grows *array of *cap elements of elsize so that index `need` fits. */
void *xgrow(void *array, size_t *cap, size_t need, size_t elsize);
char *xstrdup(const char *s);
/* At most n bytes of s, stopping early at a NUL; always terminated. */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
