/* sidecar - what media servers read beside a video: .nfo and a poster */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sidecar.h"
#include "xmalloc.h"

/* Length of the valid UTF-8 sequence at s that XML 1.0 may hold, 0 if
 * none (invalid, overlong, surrogate, C0 control but tab/LF/CR). */
static size_t
xml_char_len(const unsigned char *s)
{
	size_t len, i;
	unsigned cp;

	if (s[0] < 0x80)
		return s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' ||
		    s[0] == '\r' ? 1 : 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 ||
	    cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp == 0xfffe || cp == 0xffff)
		return 0;
	return len;
}

/* Appends the escaped text of s to the growing buffer. */
static void
put_escaped(char **buf, size_t *len, size_t *cap, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	const char *rep;
	char one[5];
	size_t n, rn;

	while (*p != '\0') {
		n = xml_char_len(p);
		rep = one;
		rn = n;
		if (n == 0) {		/* dropped */
			p++;
			continue;
		}
		switch (*p) {
		case '&': rep = "&amp;"; rn = 5; break;
		case '<': rep = "&lt;"; rn = 4; break;
		case '>': rep = "&gt;"; rn = 4; break;
		case '"': rep = "&quot;"; rn = 6; break;
		case '\'': rep = "&apos;"; rn = 6; break;
		default: memcpy(one, p, n); break;
		}
		while (*len + rn + 1 > *cap) {
			*cap *= 2;
			*buf = xrealloc(*buf, *cap);
		}
		memcpy(*buf + *len, rep, rn);
		*len += rn;
		(*buf)[*len] = '\0';
		p += n;
	}
}

static void
put_raw(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);

	while (*len + n + 1 > *cap) {
		*cap *= 2;
		*buf = xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

static void
put_elem(char **buf, size_t *len, size_t *cap, const char *indent,
    const char *name, const char *value)
{
	put_raw(buf, len, cap, indent);
	put_raw(buf, len, cap, "<");
	put_raw(buf, len, cap, name);
	put_raw(buf, len, cap, ">");
	put_escaped(buf, len, cap, value);
	put_raw(buf, len, cap, "</");
	put_raw(buf, len, cap, name);
	put_raw(buf, len, cap, ">\n");
}

char *
nfo_render(const struct nfo_info *in)
{
	size_t len = 0, cap = 1024;
	char *buf = xmalloc(cap), num[64], date[32] = "";
	time_t t = (time_t)in->added;
	struct tm tm;

	buf[0] = '\0';
	if (in->added > 0 && localtime_r(&t, &tm) != NULL)
		strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	put_raw(&buf, &len, &cap, "<?xml version=\"1.0\" encoding=\"UTF-8\" "
	    "standalone=\"yes\"?>\n<movie>\n");
	put_elem(&buf, &len, &cap, "  ", "title", in->title);
	if (in->source_page != NULL && *in->source_page != '\0') {
		put_elem(&buf, &len, &cap, "  ", "website", in->source_page);
		put_raw(&buf, &len, &cap, "  <plot>");
		put_raw(&buf, &len, &cap, "Downloaded from ");
		put_escaped(&buf, &len, &cap, in->source_page);
		put_raw(&buf, &len, &cap, "</plot>\n");
	}
	if (*date != '\0')
		put_elem(&buf, &len, &cap, "  ", "dateadded", date);
	if (in->duration > 0) {
		snprintf(num, sizeof(num), "%d", (int)(in->duration / 60 + 0.5));
		put_elem(&buf, &len, &cap, "  ", "runtime", num);
	}
	put_raw(&buf, &len, &cap, "  <fileinfo>\n    <streamdetails>\n"
	    "      <video>\n");
	if (in->width > 0 && in->height > 0) {
		snprintf(num, sizeof(num), "%d", in->width);
		put_elem(&buf, &len, &cap, "        ", "width", num);
		snprintf(num, sizeof(num), "%d", in->height);
		put_elem(&buf, &len, &cap, "        ", "height", num);
	}
	if (in->duration > 0) {
		snprintf(num, sizeof(num), "%d", (int)(in->duration + 0.5));
		put_elem(&buf, &len, &cap, "        ", "durationinseconds", num);
	}
	put_raw(&buf, &len, &cap, "      </video>\n    </streamdetails>\n"
	    "  </fileinfo>\n</movie>\n");
	return buf;
}

static char *
beside(const char *video, const char *suffix)
{
	size_t n = strlen(video);

	if (n > 4 && strcmp(video + n - 4, ".mp4") == 0)
		n -= 4;
	return xasprintf("%.*s%s", (int)n, video, suffix);
}

char *
sidecar_nfo_path(const char *video)
{
	return beside(video, ".nfo");
}

char *
sidecar_poster_path(const char *video)
{
	return beside(video, "-poster.jpg");
}

void
sidecar_remove(const char *video)
{
	char *a = sidecar_nfo_path(video), *b = sidecar_poster_path(video);

	unlink(a);
	unlink(b);
	free(a);
	free(b);
}
