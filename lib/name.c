/* name - the library name of a finished video: the name_template */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "name.h"
#include "xmalloc.h"

static const char *const field_names[] = { "title", "job", "site", "date",
	"height", "id", NULL };

/* The field named by [s, s + n), or -1. */
static int
field_index(const char *s, size_t n)
{
	int i;

	for (i = 0; field_names[i] != NULL; i++)
		if (strlen(field_names[i]) == n &&
		    strncmp(field_names[i], s, n) == 0)
			return i;
	return -1;
}

static const char *
field_value(const struct name_fields *f, int i)
{
	const char *v[] = { f->title, f->job, f->site, f->date, f->height,
		f->id };

	return v[i] != NULL ? v[i] : "";
}

int
name_template_check(const char *t, struct err *err)
{
	const char *p, *close;
	int depth = 1;

	if (t == NULL || *t == '\0')
		return err_set(err, "the name template is empty");
	if (strlen(t) > NAME_MAX_TEMPLATE)
		return err_set(err, "the name template is longer than %d "
		    "characters", NAME_MAX_TEMPLATE);
	if (*t == '/')
		return err_set(err, "the name template must be relative (it "
		    "names a file under its folder)");
	for (p = t; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return err_set(err, "the name template holds control "
			    "characters");
		if (*p == '/')
			depth++;
		if (*p == '}')
			return err_set(err, "unmatched '}' in the name "
			    "template");
		if (*p != '{')
			continue;
		if ((close = strchr(p, '}')) == NULL)
			return err_set(err, "unclosed '{' in the name "
			    "template");
		if (field_index(p + 1, (size_t)(close - p - 1)) < 0)
			return err_set(err, "unknown field {%.*s} in the name "
			    "template (known: {title}, {job}, {site}, {date}, "
			    "{height}, {id})", (int)(close - p - 1) > 32 ? 32 :
			    (int)(close - p - 1), p + 1);
		p = close;
	}
	if (depth > NAME_MAX_DEPTH)
		return err_set(err, "the name template has more than %d "
		    "components", NAME_MAX_DEPTH);
	return 0;
}

/* Expands the fields of the template component [s, e). */
static char *
expand_component(const char *s, const char *e, const struct name_fields *f)
{
	size_t len = 0, cap = 64;
	char *out = xmalloc(cap);
	const char *v, *close;
	size_t vn;
	int i;

	while (s < e) {
		v = s;
		vn = 1;
		if (*s == '{' && (close = memchr(s, '}', (size_t)(e - s))) !=
		    NULL && (i = field_index(s + 1, (size_t)(close - s - 1))) >=
		    0) {
			v = field_value(f, i);
			vn = strlen(v);
			s = close + 1;
		} else
			s++;
		while (len + vn + 1 > cap)
			cap *= 2;
		out = xrealloc(out, cap);
		memcpy(out + len, v, vn);
		len += vn;
	}
	out[len] = '\0';
	return out;
}

/* Nothing a name could be made of: only blanks, dots and dashes. */
static bool
blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s) && *s != '.' && *s != '-' &&
		    *s != '_')
			return false;
	return true;
}

char *
name_expand(const char *tmpl, const struct name_fields *f)
{
	const char *s = tmpl, *e;
	char *path = xstrdup(""), *raw, *safe, *next;
	int depth = 0;

	for (;;) {
		e = s + strcspn(s, "/");
		raw = expand_component(s, e, f);
		if (*e == '\0') {	/* the file's own name */
			safe = guard_sanitize_name(blank(raw) ? f->title : raw,
			    GUARD_TITLE);
			next = xasprintf("%s%s", path, safe);
			free(safe);
			free(raw);
			free(path);
			return next;
		}
		if (!blank(raw) && depth < NAME_MAX_DEPTH - 1) {
			safe = guard_sanitize_name(raw, GUARD_TITLE);
			next = xasprintf("%s%s/", path, safe);
			free(safe);
			free(path);
			path = next;
			depth++;
		}
		free(raw);
		s = e + 1;
	}
}

bool
name_is_generated(const char *n)
{
	size_t i;

	if (n == NULL || n[0] != 'j' || strlen(n) != 13)
		return false;
	for (i = 1; i < 13; i++)
		if (!isxdigit((unsigned char)n[i]) || isupper((unsigned char)n[i]))
			return false;
	return true;
}
