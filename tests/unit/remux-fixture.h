/* remux-fixture - test inputs made with ffmpeg, and ways to compare outputs */
#ifndef M3U8NAS_REMUX_FIXTURE_H
#define M3U8NAS_REMUX_FIXTURE_H

#include <stdbool.h>

#include "remux.h"

#define MAXPARTS 16

struct source {
	const char *name;	/* subdirectory */
	const char *ext;	/* segment extension */
	char *paths[MAXPARTS];
	size_t n;
	char *init;		/* fMP4 init section or NULL */
	char *all;		/* the segments concatenated, for reference */
};

enum { SRC_TS, SRC_FMP4, SRC_TS2, SRC_FMP4_2, SRC_VIDEO, SRC_AUDIO_TS, SRC_AUDIO_AAC,
    SRC_SUBS, NSRC };

/* A track made of sources, each its own discontinuity group. */
struct track_buf {
	struct remux_part parts[2 * MAXPARTS];
	struct remux_track t;
};

struct prog {
	int calls;
	double last;
	bool monotonic;
	double cancel_at;	/* > 0: cancel once past this */
};

extern char dir[64];		/* the temporary directory of this run */
extern const char *ffmpeg;
extern struct source src[NSRC];

/* Makes every source (unchecked fixture) and removes them. */
void setup(void);
void teardown(void);
/* Runs a shell command; its exit status. */
int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A command from a test table: %1$s and %2$s are a and b. */
int sh_template(const char *tmpl, const char *a, const char *b);
/* The first line a shell command prints, or "" (caller frees). */
char *sh_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Hashes (caller frees): see remux-fixture.c for what each covers. */
char *decoded_md5(const char *file, const char *kind);
char *decoded_md5_cat(const char *a, const char *b, const char *kind);
char *decoded_md5_raw(const char *file, const char *kind);
char *audio_packets_md5(const char *a, const char *b);
char *decoded_len(const char *a, const char *b);
void track_add(struct track_buf *b, const struct source *s, int disc);
char *out_path(const char *name);
int on_progress(void *arg, double f);
void assert_same_decode(const char *out, const char *ref, const char *kind);
/* Exits 77 (skip) when ffmpeg is missing. */
void need_ffmpeg(const char *prog);

#endif
