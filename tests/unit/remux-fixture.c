/* remux-fixture - test inputs made with ffmpeg, and ways to compare outputs */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "remux-fixture.h"
#include "xmalloc.h"

/*
 * Inputs are made at test time with Debian's ffmpeg: tiny (160x120, a few
 * seconds, 1 s segments) h264 + AAC, cut by ffmpeg's own hls and segment
 * muxers, in one temporary directory shared by every case.
 *
 * "Decoded output = source" is checked by decoding both with ffmpeg and
 * comparing MD5s of every video frame (-fps_mode passthrough, so that no
 * frame is duplicated or dropped on the way) and of every audio sample.
 * Audio is compared decoded, as it is, with no edit-list trick: our output
 * puts the first AAC packet at the same place ffmpeg's own "-c copy" does,
 * so the plain decode of the MP4 equals the plain decode of the
 * concatenated segments. corrupted_output_changes_md5 proves the
 * comparison can fail.
 */

char dir[64];
const char *ffmpeg = "ffmpeg";



struct source src[NSRC] = {
	[SRC_TS] = { "ts", "ts" },
	[SRC_FMP4] = { "fmp4", "m4s" },
	[SRC_TS2] = { "ts2", "ts" },
	[SRC_FMP4_2] = { "fmp42", "m4s" },
	[SRC_VIDEO] = { "video", "ts" },
	[SRC_AUDIO_TS] = { "audiots", "ts" },
	[SRC_AUDIO_AAC] = { "aac", "aac" },
	[SRC_SUBS] = { "subs", "mp4" },
};

int
sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int rc;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) == -1)
		abort();
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
	free(cmd);
	return rc;
}

int
sh_template(const char *tmpl, const char *a, const char *b)
{
	char cmd[1024];

	/* The templates are ours, in the test tables. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(cmd, sizeof(cmd), tmpl, a, b);
#pragma GCC diagnostic pop
	return sh("%s", cmd);
}

/* The first line a shell command prints, or "" */
char *
sh_line(const char *fmt, ...)
{
	char line[256] = "";
	va_list ap;
	char *cmd;
	FILE *fp;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) == -1)
		abort();
	va_end(ap);
	if ((fp = popen(cmd, "r")) != NULL) {
		if (fgets(line, sizeof(line), fp) == NULL)
			line[0] = '\0';
		pclose(fp);
	}
	free(cmd);
	line[strcspn(line, "\n")] = '\0';
	return xstrdup(line);
}

/* MD5 of every decoded frame of one kind ("v" or "a") of a file. */
char *
decoded_md5(const char *file, const char *kind)
{
	return sh_line("%s -nostdin -v error -i '%s' -map 0:%s:0 %s "
	    "-f md5 - 2>/dev/null", ffmpeg, file, kind,
	    kind[0] == 'v' ? "-fps_mode passthrough" : "");
}

/* Same, of two files decoded one after the other. */
char *
decoded_md5_cat(const char *a, const char *b, const char *kind)
{
	const char *f = kind[0] == 'v' ? "-fps_mode passthrough -f rawvideo" :
	    "-f s16le";

	return sh_line("{ %s -nostdin -v error -i '%s' -map 0:%s:0 %s -; "
	    "%s -nostdin -v error -i '%s' -map 0:%s:0 %s -; } | md5sum",
	    ffmpeg, a, kind, f, ffmpeg, b, kind, f);
}

char *
decoded_md5_raw(const char *file, const char *kind)
{
	return sh_line("%s -nostdin -v error -i '%s' -map 0:%s:0 %s - | "
	    "md5sum", ffmpeg, file, kind, kind[0] == 'v' ?
	    "-fps_mode passthrough -f rawvideo" : "-f s16le");
}

/*
 * MD5 of the audio packets' payload of one file, or two one after the
 * other (b may be NULL): what a stream copy must keep bit for bit. ADTS
 * headers are taken off as MP4 has none.
 */
char *
audio_packets_md5(const char *a, const char *b)
{
	const char *f = "-map 0:a:0 -c copy -bsf:a aac_adtstoasc -f data -";

	return sh_line("{ %s -nostdin -v error -i '%s' %s; %s%s%s%s%s%s; } | "
	    "md5sum", ffmpeg, a, f, b != NULL ? ffmpeg : "true",
	    b != NULL ? " -nostdin -v error -i '" : "", b != NULL ? b : "",
	    b != NULL ? "' " : "", b != NULL ? f : "", "");
}

/* Bytes of decoded audio (s16) of one file, or two (b may be NULL). */
char *
decoded_len(const char *a, const char *b)
{
	const char *f = "-map 0:a:0 -f s16le -";

	return sh_line("{ %s -nostdin -v error -i '%s' %s; %s%s%s%s%s; } | "
	    "wc -c", ffmpeg, a, f, b != NULL ? ffmpeg : "true",
	    b != NULL ? " -nostdin -v error -i '" : "", b != NULL ? b : "",
	    b != NULL ? "' " : "", b != NULL ? f : "");
}

static void
collect(struct source *s)
{
	struct stat st;
	char *p;
	size_t i;

	for (i = 0; i < MAXPARTS; i++) {
		p = xasprintf("%s/%s/seg%zu.%s", dir, s->name, i, s->ext);
		if (stat(p, &st) == -1) {
			free(p);
			break;
		}
		s->paths[s->n++] = p;
	}
	p = xasprintf("%s/%s/init.mp4", dir, s->name);
	if (stat(p, &st) == 0)
		s->init = p;
	else
		free(p);
	s->all = xasprintf("%s/%s/all.%s", dir, s->name,
	    s->init != NULL ? "mp4" : s->ext);
	if (sh("cat %s %s/%s/seg?.%s > %s", s->init != NULL ? s->init : "",
	    dir, s->name, s->ext, s->all) != 0)
		abort();
}

#define LAVFI_V	"-f lavfi -i testsrc=size=160x120:rate=25"
#define LAVFI_V2 "-f lavfi -i testsrc2=size=160x120:rate=25"
#define LAVFI_A	"-f lavfi -i sine=frequency=440:sample_rate=44100"
#define LAVFI_A2 "-f lavfi -i sine=frequency=880:sample_rate=44100"
#define ENC_V	"-pix_fmt yuv420p -c:v libx264 -preset ultrafast -g 25"
#define ENC_A	"-c:a aac -b:a 64k"
#define HLS(d)	"-f hls -hls_time 1 -hls_list_size 0 " \
	"-hls_segment_filename %s/" d "/seg%%d.ts %s/" d "/index.m3u8"

static void
make_sources(void)
{
	const char *q = "-nostdin -v error -y";
	size_t i;
	int rc = 0;

	for (i = 0; i < NSRC; i++)
		rc |= sh("mkdir -p %s/%s", dir, src[i].name);
	rc |= sh("%s %s " LAVFI_V " " LAVFI_A " -t 5 " ENC_V " " ENC_A " "
	    HLS("ts"), ffmpeg, q, dir, dir);
	rc |= sh("%s %s " LAVFI_V " " LAVFI_A " -t 5 " ENC_V " " ENC_A
	    " -f hls -hls_time 1 -hls_list_size 0 -hls_segment_type fmp4 "
	    "-hls_segment_filename %s/fmp4/seg%%d.m4s %s/fmp4/index.m3u8",
	    ffmpeg, q, dir, dir);
	rc |= sh("%s %s " LAVFI_V2 " " LAVFI_A2 " -t 3 " ENC_V " " ENC_A " "
	    HLS("ts2"), ffmpeg, q, dir, dir);
	/* Another encoder's settings (CABAC...): other parameter sets. */
	rc |= sh("%s %s " LAVFI_V2 " " LAVFI_A2 " -t 3 " ENC_V " -preset "
	    "veryfast " ENC_A " -f hls -hls_time 1 -hls_list_size 0 "
	    "-hls_segment_type fmp4 -hls_segment_filename %s/fmp42/seg%%d.m4s "
	    "%s/fmp42/index.m3u8", ffmpeg, q, dir, dir);
	rc |= sh("%s %s " LAVFI_V " -t 4 " ENC_V " -an " HLS("video"),
	    ffmpeg, q, dir, dir);
	rc |= sh("%s %s " LAVFI_A " -t 4 " ENC_A " -vn " HLS("audiots"),
	    ffmpeg, q, dir, dir);
	rc |= sh("%s %s " LAVFI_A " -t 4 " ENC_A " -f segment -segment_time 1 "
	    "-segment_format adts %s/aac/seg%%d.aac", ffmpeg, q, dir);
	/* One fragmented MP4 as the only segment, with mov_text subtitles. */
	rc |= sh("printf '1\\n00:00:00,500 --> 00:00:01,500\\nHello\\n\\n"
	    "2\\n00:00:02,000 --> 00:00:03,000\\nWorld\\n' > %s/subs/s.srt",
	    dir);
	rc |= sh("%s %s " LAVFI_V " " LAVFI_A " -i %s/subs/s.srt -t 4 -map 0 "
	    "-map 1 -map 2 " ENC_V " " ENC_A " -c:s mov_text -movflags "
	    "frag_keyframe+empty_moov+default_base_moof %s/subs/seg0.mp4",
	    ffmpeg, q, dir, dir);
	if (rc != 0)
		abort();
	for (i = 0; i < NSRC; i++)
		collect(&src[i]);
}

void
setup(void)
{
	const char *env = getenv("FFMPEG");

	if (env != NULL && *env != '\0')
		ffmpeg = env;
	log_open("check_remux", LOG_TEXT, 0);
	strcpy(dir, "/tmp/check_remux.XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	make_sources();
}

void
teardown(void)
{
	size_t i, k;

	for (i = 0; i < NSRC; i++) {
		for (k = 0; k < src[i].n; k++)
			free(src[i].paths[k]);
		free(src[i].init);
		free(src[i].all);
	}
	if (getenv("KEEP_TMP") == NULL)
		sh("rm -rf %s", dir);
}


void
track_add(struct track_buf *b, const struct source *s, int disc)
{
	size_t i;

	b->t.parts = b->parts;
	for (i = 0; i < s->n; i++)
		b->parts[b->t.nparts++] = (struct remux_part){
		    .path = s->paths[i], .discontinuity = disc,
		    .init_path = s->init };
}

char *
out_path(const char *name)
{
	return xasprintf("%s/%s.mp4", dir, name);
}


int
on_progress(void *arg, double f)
{
	struct prog *p = arg;

	if (f < p->last || f < 0 || f > 1)
		p->monotonic = false;
	p->last = f;
	p->calls++;
	return p->cancel_at > 0 && f >= p->cancel_at;
}

void
assert_same_decode(const char *out, const char *ref, const char *kind)
{
	char *a = decoded_md5(out, kind), *b = decoded_md5(ref, kind);

	ck_assert_msg(strncmp(a, "MD5=", 4) == 0, "no %s md5 of %s", kind,
	    out);
	ck_assert_msg(strcmp(a, b) == 0, "%s of %s (%s) differs from %s (%s)",
	    kind, out, a, ref, b);
	free(a);
	free(b);
}


void
need_ffmpeg(const char *prog)
{
	const char *env = getenv("FFMPEG");

	if (sh("command -v '%s' >/dev/null", env != NULL && *env != '\0' ?
	    env : "ffmpeg") != 0) {
		printf("%s: ffmpeg not found: skipped\n", prog);
		exit(77);
	}
}
