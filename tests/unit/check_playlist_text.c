/* check_playlist_text - playlist quirks, refusals, bounds, keys, ranges */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "playlist.h"
#include "check-main.h"

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))
#define B "https://h.example/p/pl.m3u8"
#define HB "https://h.example/p/"

static struct hls_playlist *
parse_text(const char *text, size_t len, struct err *err)
{
	struct hls_playlist *pl = NULL;

	if (playlist_parse(text, len, B, &pl, err) == -1) {
		ck_assert_ptr_null(pl);
		return NULL;
	}
	ck_assert_ptr_nonnull(pl);
	return pl;
}

/* Real-world quirks that must parse; n counts segments (or variants). */
static const struct {
	const char *text;
	size_t n;
	const char *uri0;		/* first segment or variant */
	double total;
} quirks[] = {
	/* CRLF, CR-only and missing final newline */
	{ "#EXTM3U\r\n#EXTINF:4,\r\na.ts\r\n#EXT-X-ENDLIST\r\n", 1,
	  HB "a.ts", 4 },
	{ "#EXTM3U\r#EXTINF:4,\ra.ts\r#EXTINF:2,\rb.ts", 2, HB "a.ts", 6 },
	/* UTF-8 byte order mark */
	{ "\xef\xbb\xbf#EXTM3U\n#EXTINF:4,\na.ts\n", 1, HB "a.ts", 4 },
	/* blanks around lines, blank lines anywhere */
	{ "\n\n  #EXTM3U  \n\n\t#EXTINF:4.5 ,\n\n  a.ts  \n\n", 1, HB "a.ts",
	  4.5 },
	/* comments before the header, IPTV attributes after it */
	{ "# made by hand\n#\n#EXTM3U\n#EXTINF:1,\na.ts\n", 1, HB "a.ts", 1 },
	{ "#EXTM3U x-tvg-url=\"http://x\"\n#EXTINF:1,\na.ts\n", 1, HB "a.ts",
	  1 },
	/* unknown tags, comments and tolerated tags in between */
	{ "#EXTM3U\n#EXT-X-FOO:bar\n# note\n#EXT-X-INDEPENDENT-SEGMENTS\n"
	  "#EXT-X-START:TIME-OFFSET=-2.5\n#EXT-X-SESSION-KEY:METHOD=AES-128,"
	  "URI=\"k\"\n#EXTINF:3,\n#EXT-X-PROGRAM-DATE-TIME:2020-01-01T00:00:"
	  "00Z\n#EXT-X-GAP\n#EXT-X-DATERANGE:ID=\"a\",START-DATE=\"2020\"\n"
	  "a.ts\n#EXT-X-ENDLIST\n", 1, HB "a.ts", 3 },
	/* EXTINF forms: integer, float, title with commas, no comma, spaces */
	{ "#EXTM3U\n#EXTINF:10\na.ts\n#EXTINF:9.97,Title, with, commas\nb.ts\n"
	  "#EXTINF: 0.03 ,\"quoted\"\nc.ts\n#EXTINF:1e1,\nd.ts\n", 4,
	  HB "a.ts", 30 },
	/* no EXT-X-VERSION, lowercase tag names */
	{ "#extm3u\n#extinf:2,\na.ts\n#ext-x-endlist\n", 1, HB "a.ts", 2 },
	/* URIs: absolute, network-path, absolute-path, parent, query */
	{ "#EXTM3U\n#EXTINF:1,\n//cdn2.example/x.ts\n", 1,
	  "https://cdn2.example/x.ts", 1 },
	{ "#EXTM3U\n#EXTINF:1,\n/root.ts?a=1&b=2\n", 1,
	  "https://h.example/root.ts?a=1&b=2", 1 },
	{ "#EXTM3U\n#EXTINF:1,\n../up/a.ts\n", 1, "https://h.example/up/a.ts",
	  1 },
	{ "#EXTM3U\n#EXTINF:1,\nhttp://other.example/a.ts\n", 1,
	  "http://other.example/a.ts", 1 },
	/* a trailing EXTINF without its URI is dropped */
	{ "#EXTM3U\n#EXTINF:1,\na.ts\n#EXTINF:1,\n", 1, HB "a.ts", 1 },
	/* masters: URI after comments and blanks; quoted commas; blanks */
	{ "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\n# c\n\nv1.m3u8\n", 1,
	  HB "v1.m3u8", 0 },
	{ "#EXTM3U\n#EXT-X-STREAM-INF: BANDWIDTH = 1000 , CODECS=\"avc1.4d401f,"
	  "mp4a.40.2\" , RESOLUTION=640x360\nv1.m3u8\n"
	  "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=10,URI=\"i.m3u8\"\n", 1,
	  HB "v1.m3u8", 0 },
	/* a dangling STREAM-INF at the end is dropped */
	{ "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n"
	  "#EXT-X-STREAM-INF:BANDWIDTH=2\n", 1, HB "v.m3u8", 0 },
	/* lowercase enumerated values */
	{ "#EXTM3U\n#EXT-X-MEDIA:TYPE=audio,GROUP-ID=\"a\",NAME=\"x\","
	  "DEFAULT=yes,URI=\"a.m3u8\"\n#EXT-X-STREAM-INF:BANDWIDTH=1,"
	  "AUDIO=\"a\"\nv.m3u8\n", 1, HB "v.m3u8", 0 },
};

START_TEST(quirk_table)
{
	struct err err;
	struct hls_playlist *pl = parse_text(quirks[_i].text,
	    strlen(quirks[_i].text), &err);

	ck_assert_msg(pl != NULL, "case %d: %s", _i, err.msg);
	if (pl->is_master) {
		ck_assert_int_eq(pl->nvariants, quirks[_i].n);
		ck_assert_str_eq(pl->variants[0].uri, quirks[_i].uri0);
	} else {
		ck_assert_msg(pl->nsegments == quirks[_i].n, "case %d: %zu", _i,
		    pl->nsegments);
		ck_assert_str_eq(pl->segments[0].uri, quirks[_i].uri0);
		ck_assert_double_eq_tol(pl->total_duration, quirks[_i].total,
		    1e-9);
	}
	playlist_free(pl);
}
END_TEST

/* Nonsense is refused with a message naming the line. */
static const struct {
	const char *text;
	const char *want;		/* the whole message, or its start */
} bad[] = {
	{ "", "Invalid m3u8: no #EXTM3U header" },
	{ "\n\n  \n", "Invalid m3u8: no #EXTM3U header" },
	{ "<!DOCTYPE html>\n<html><body>Access denied</body></html>\n",
	  "Invalid m3u8: no #EXTM3U header" },
	{ "#EXTINF:1,\na.ts\n", "Invalid m3u8: no #EXTM3U header" },
	{ "#EXTM3UX\n#EXTINF:1,\na.ts\n", "Invalid m3u8: no #EXTM3U header" },
	{ "{\"error\": \"expired\"}", "Invalid m3u8: no #EXTM3U header" },
	{ "#EXTM3U\n#EXTINF:abc,\na.ts\n",
	  "Invalid m3u8: line 2: bad EXTINF duration \"abc\"" },
	{ "#EXTM3U\n\n#EXTINF:,\na.ts\n",
	  "Invalid m3u8: line 3: bad EXTINF duration" },
	{ "#EXTM3U\n#EXTINF:nan,\na.ts\n", "Invalid m3u8: line 2: bad EXTINF" },
	{ "#EXTM3U\n#EXTINF:inf,\na.ts\n", "Invalid m3u8: line 2: bad EXTINF" },
	{ "#EXTM3U\n#EXTINF:-5,\na.ts\n", "Invalid m3u8: line 2: bad EXTINF" },
	{ "#EXTM3U\n#EXTINF:0x10,\na.ts\n",
	  "Invalid m3u8: line 2: bad EXTINF" },
	{ "#EXTM3U\n#EXTINF:5s,\na.ts\n", "Invalid m3u8: line 2: bad EXTINF" },
	{ "#EXTM3U\n#EXT-X-TARGETDURATION:ten\n",
	  "Invalid m3u8: line 2: bad EXT-X-TARGETDURATION \"ten\"" },
	{ "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:1.5\n",
	  "Invalid m3u8: line 2: bad EXT-X-MEDIA-SEQUENCE \"1.5\"" },
	{ "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:99999999999999999999999\n",
	  "Invalid m3u8: line 2: bad EXT-X-MEDIA-SEQUENCE" },
	{ "#EXTM3U\n#EXT-X-DISCONTINUITY-SEQUENCE:x\n",
	  "Invalid m3u8: line 2: bad EXT-X-DISCONTINUITY-SEQUENCE" },
	{ "#EXTM3U\n#EXT-X-VERSION:three\n",
	  "Invalid m3u8: line 2: bad EXT-X-VERSION" },
	{ "#EXTM3U\n#EXTINF:1,\n#EXT-X-BYTERANGE:abc\na.ts\n",
	  "Invalid m3u8: line 3: bad EXT-X-BYTERANGE \"abc\"" },
	{ "#EXTM3U\n#EXTINF:1,\n#EXT-X-BYTERANGE:10@x\na.ts\n",
	  "Invalid m3u8: line 3: bad EXT-X-BYTERANGE" },
	/* the reason stays printable UTF-8 whatever the playlist holds */
	{ "#EXTM3U\n#EXTINF:\x1b[31m\xff\xfe,\na.ts\n",
	  "Invalid m3u8: line 2: bad EXTINF duration \"?[31m??\"" },
	{ "#EXTM3U\n#EXTINF:\xc3\xa9t\xc3\xa9,\na.ts\n",
	  "Invalid m3u8: line 2: bad EXTINF duration \"\xc3\xa9t\xc3\xa9\"" },
	{ "#EXTM3U\n#EXTINF:\xed\xa0\x80\xc0\xaf\xe2\x82,\na.ts\n",
	  "Invalid m3u8: line 2: bad EXTINF duration \"???????\"" },
	/* chained byte ranges cannot overflow */
	{ "#EXTM3U\n#EXTINF:1,\n#EXT-X-BYTERANGE:4611686018427387903@"
	  "4611686018427387903\na.ts\n",
	  "Invalid m3u8: line 4: EXT-X-BYTERANGE ends past byte "
	  "4611686018427387903" },
	{ "#EXTM3U\n#EXTINF:1,\n#EXT-X-BYTERANGE:4611686018427387000@0\na\n"
	  "#EXTINF:1,\n#EXT-X-BYTERANGE:4611686018427387000\na\n",
	  "Invalid m3u8: line 7: EXT-X-BYTERANGE ends past byte" },
	{ "#EXTM3U\n#EXT-X-MAP:URI=\"i\",BYTERANGE=\"4611686018427387903@1\"\n",
	  "Invalid m3u8: line 2: EXT-X-MAP BYTERANGE ends past byte" },
	{ "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"a,b\",AUDIO=\"x\","
	  "SUBTITLES=\"s\"\n#EXT-X-STREAM-INF:BANDWIDTH=2\nv.m3u8\n",
	  "Invalid m3u8: line 3: EXT-X-STREAM-INF without a URI line" },
	{ "#EXTM3U\n#EXT-X-KEY:URI=\"k\"\n",
	  "Invalid m3u8: line 2: EXT-X-KEY without METHOD" },
	{ "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128\n",
	  "Invalid m3u8: line 2: EXT-X-KEY METHOD=AES-128 without URI" },
	{ "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0xZZ\n",
	  "Invalid m3u8: line 2: bad IV \"0xZZ\"" },
	{ "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=1234\n",
	  "Invalid m3u8: line 2: bad IV" },
	{ "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0x"
	  "000000000000000000000000000000001\n",	/* 33 digits */
	  "Invalid m3u8: line 2: bad IV" },
	{ "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\n",
	  "Invalid m3u8: line 2: attribute URI: unterminated quoted string" },
	{ "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\"x\n",
	  "Invalid m3u8: line 2: attribute URI: text after quoted string" },
	{ "#EXTM3U\n#EXT-X-KEY:METHOD\n",
	  "Invalid m3u8: line 2: attribute without a value" },
	{ "#EXTM3U\n#EXT-X-MAP:BYTERANGE=\"1@0\"\n",
	  "Invalid m3u8: line 2: EXT-X-MAP without URI" },
	{ "#EXTM3U\n#EXT-X-MAP:URI=\"i.mp4\",BYTERANGE=\"x\"\n",
	  "Invalid m3u8: line 2: bad EXT-X-MAP BYTERANGE" },
	{ "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=lots\nv.m3u8\n",
	  "Invalid m3u8: line 2: bad BANDWIDTH \"lots\"" },
	{ "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=1280-720\nv\n",
	  "Invalid m3u8: line 2: bad RESOLUTION" },
	{ "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=0x0\nv\n",
	  "Invalid m3u8: line 2: bad RESOLUTION" },
	{ "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,FRAME-RATE=fast\nv\n",
	  "Invalid m3u8: line 2: bad FRAME-RATE" },
	{ "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n"
	  "#EXT-X-STREAM-INF:BANDWIDTH=2\nv.m3u8\n",
	  "Invalid m3u8: line 3: EXT-X-STREAM-INF without a URI line" },
	{ "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,NAME=\"x\"\n",
	  "Invalid m3u8: line 2: EXT-X-MEDIA without GROUP-ID" },
	{ "#EXTM3U\n", "No segments found" },
	{ "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXT-X-ENDLIST\n",
	  "No segments found" },
	{ "#EXTM3U\n#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI=\"i.m3u8\"\n",
	  "Invalid m3u8: master playlist has only I-frame streams, nothing to "
	  "download" },
	{ "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"x\"\n",
	  "Invalid m3u8: master playlist has no variant streams" },
	{ "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n#EXTINF:1,\na.ts\n",
	  "Invalid m3u8: mixes variant streams and media segments" },
	{ "#EXTM3U\n#EXTINF:1,\na.ts\nb.ts\n",
	  "Invalid m3u8: line 4: URI line without EXTINF" },
	{ "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"x\"\n"
	  "v.m3u8\n",
	  "Invalid m3u8: line 3: URI line without EXT-X-STREAM-INF" },
	/* an https playlist cannot send the fetcher to local files */
	{ "#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n",
	  "Invalid m3u8: line 3: URI \"file:///etc/passwd\" has an unsupported "
	  "scheme" },
	{ "#EXTM3U\n#EXT-X-MAP:URI=\"gopher://h/x\"\n",
	  "Invalid m3u8: line 2: URI \"gopher://h/x\" has an unsupported" },
	{ "#EXTM3U\n#EXTINF:1,\nhttp:a.ts\n",
	  "Invalid m3u8: line 3: Invalid URL" },
};

START_TEST(bad_table)
{
	struct err err;
	struct hls_playlist *pl;

	err.msg[0] = '\0';
	pl = parse_text(bad[_i].text, strlen(bad[_i].text), &err);
	ck_assert_msg(pl == NULL, "case %d parsed", _i);
	ck_assert_msg(strncmp(err.msg, bad[_i].want, strlen(bad[_i].want)) == 0,
	    "case %d: got \"%s\", want \"%s\"", _i, err.msg, bad[_i].want);
}
END_TEST

START_TEST(bad_bytes_and_sizes)
{
	static const char nul[] = "#EXTM3U\n#EXTINF:1,\na\0b.ts\n";
	struct err err;
	char *big;
	size_t n = 70000;

	ck_assert_ptr_null(parse_text(nul, sizeof(nul) - 1, &err));
	ck_assert_str_eq(err.msg, "Invalid m3u8: line 3: NUL byte");

	big = malloc(n + 32);
	memcpy(big, "#EXTM3U\n#EXTINF:1,\n", 19);
	memset(big + 19, 'a', n);
	ck_assert_ptr_null(parse_text(big, n + 19, &err));
	ck_assert_str_eq(err.msg, "Invalid m3u8: line 3: longer than 65536 "
	    "bytes");
	free(big);

	/* refused before a byte is read: calloc'd pages stay untouched */
	big = calloc(1, (64u << 20) + 1);
	ck_assert_ptr_null(parse_text(big, (64u << 20) + 1, &err));
	ck_assert_str_eq(err.msg, "Invalid m3u8: larger than 67108864 bytes");
	free(big);
}
END_TEST

/* Builds a playlist of n copies of item after the header. */
static char *
repeat(const char *item, size_t n, size_t *len)
{
	size_t il = strlen(item);
	char *s = malloc(8 + il * n + 1), *p = s;

	memcpy(p, "#EXTM3U\n", 8);
	p += 8;
	for (size_t i = 0; i < n; i++, p += il)
		memcpy(p, item, il);
	*p = '\0';
	*len = (size_t)(p - s);
	return s;
}

START_TEST(bounds)
{
	struct err err;
	struct hls_playlist *pl;
	size_t len;
	char *s;

	s = repeat("#EXTINF:1,\nhttp://h/a.ts\n", 200000, &len);
	ck_assert_ptr_nonnull(pl = parse_text(s, len, &err));
	ck_assert_int_eq(pl->nsegments, 200000);
	ck_assert_int_eq(pl->segments[199999].sequence, 199999);
	ck_assert_double_eq_tol(pl->total_duration, 200000, 1e-6);
	playlist_free(pl);
	free(s);
	s = repeat("#EXTINF:1,\nhttp://h/a.ts\n", 200001, &len);
	ck_assert_ptr_null(parse_text(s, len, &err));
	ck_assert_str_eq(err.msg, "Invalid m3u8: line 400003: more than "
	    "200000 segments");
	free(s);

	s = repeat("#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n", 1000, &len);
	ck_assert_ptr_nonnull(pl = parse_text(s, len, &err));
	ck_assert_int_eq(pl->nvariants, 1000);
	playlist_free(pl);
	free(s);
	s = repeat("#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n", 1001, &len);
	ck_assert_ptr_null(parse_text(s, len, &err));
	ck_assert_str_eq(err.msg, "Invalid m3u8: line 2002: more than 1000 "
	    "variants");
	free(s);
}
END_TEST

START_TEST(bad_base_url)
{
	static const char *const bases[] = { "", "pl.m3u8", "/p/pl.m3u8",
	    "http://" };
	const char *t = "#EXTM3U\n#EXTINF:1,\na.ts\n";
	struct hls_playlist *pl;
	struct err err;

	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		ck_assert_int_eq(playlist_parse(t, strlen(t), bases[i], &pl,
		    &err), -1);
		ck_assert_ptr_null(pl);
		ck_assert(strstr(err.msg, "base URL") != NULL);
	}
	ck_assert_int_eq(playlist_parse(t, strlen(t), NULL, &pl, &err), -1);
	/* a NULL err is allowed: the caller does not want the reason */
	ck_assert_int_eq(playlist_parse("x", 1, B, &pl, NULL), -1);
}
END_TEST

static const struct {
	const char *iv;
	const char *want;		/* 32 hex digits; NULL: refused */
} ivs[] = {
	{ "0x00000000000000000000000000000001",
	  "00000000000000000000000000000001" },
	{ "0X10ef8f758ca555115584bb5b3c687f52",
	  "10ef8f758ca555115584bb5b3c687f52" },
	{ "0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
	  "ffffffffffffffffffffffffffffffff" },
	/* short values are integers: right-aligned, zero-padded */
	{ "0x1", "00000000000000000000000000000001" },
	{ "0x123", "00000000000000000000000000000123" },
	{ "0xAbCdEf", "00000000000000000000000000abcdef" },
	{ "0x", NULL },
	{ "0xg1", NULL },
	{ "10ef8f758ca555115584bb5b3c687f52", NULL },
	{ "0x12 34", NULL },
	{ "0x100000000000000000000000000000000", NULL },
	/* quoted by mistake: harmless, taken */
	{ "\"0x01\"", "00000000000000000000000000000001" },
};

START_TEST(iv_table)
{
	char text[256], hex[33];
	struct hls_playlist *pl;
	struct err err;

	snprintf(text, sizeof(text), "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,"
	    "URI=\"k.bin\",IV=%s\n#EXTINF:1,\na.ts\n", ivs[_i].iv);
	pl = parse_text(text, strlen(text), &err);
	if (ivs[_i].want == NULL) {
		ck_assert_msg(pl == NULL, "case %d parsed", _i);
		ck_assert_msg(strstr(err.msg, "Invalid m3u8: line 2: bad IV") ==
		    err.msg, "case %d: %s", _i, err.msg);
		return;
	}
	ck_assert_msg(pl != NULL, "case %d: %s", _i, err.msg);
	ck_assert(pl->keys[0].has_iv);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", pl->keys[0].iv[i]);
	ck_assert_str_eq(hex, ivs[_i].want);
	playlist_free(pl);
}
END_TEST

#define WV "KEYFORMAT=\"urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed\""
#define FP "KEYFORMAT=\"com.apple.streamingkeydelivery\""

/* Keys: which one applies to each segment, with which method. */
static const struct {
	const char *keys;		/* EXT-X-KEY lines before segment 0 */
	int method;			/* of segment 0's key; -1: clear */
	const char *uri, *keyformat;	/* of that key */
	size_t nkeys;
} keysets[] = {
	/* one key in several formats: keep the identity one */
	{ "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"data:text/plain;base64,AA\","
	  WV "\n#EXT-X-KEY:METHOD=AES-128,URI=\"k.bin\"\n",
	  HLS_KEY_AES128, HB "k.bin", NULL, 1 },
	{ "#EXT-X-KEY:METHOD=AES-128,URI=\"k.bin\",KEYFORMAT=\"identity\"\n"
	  "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://k\"," FP "\n",
	  HLS_KEY_AES128, HB "k.bin", "identity", 1 },
	/* DRM only: never looks like a key we can fetch */
	{ "#EXT-X-KEY:METHOD=AES-128,URI=\"https://lic.example/wv\","
	  "KEYFORMAT=\"com.widevine\"\n", HLS_KEY_OTHER,
	  "https://lic.example/wv", "com.widevine", 1 },
	{ "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://k\"," FP "\n"
	  "#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI=\"data:text/plain;base64,AA\","
	  WV "\n", HLS_KEY_OTHER, "data:text/plain;base64,AA",
	  "urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed", 1 },
	{ "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"k\"\n", HLS_KEY_SAMPLE_AES,
	  HB "k", NULL, 1 },
	{ "#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI=\"k\"\n", HLS_KEY_OTHER,
	  HB "k", NULL, 1 },
	{ "#EXT-X-KEY:METHOD=aes-128,uri=\"K.bin\"\n", HLS_KEY_AES128,
	  HB "K.bin", NULL, 1 },
	/* two identity keys in a row: the later one rules */
	{ "#EXT-X-KEY:METHOD=AES-128,URI=\"k1\"\n"
	  "#EXT-X-KEY:METHOD=AES-128,URI=\"k2\"\n", HLS_KEY_AES128, HB "k2",
	  NULL, 1 },
	{ "#EXT-X-KEY:METHOD=AES-128,URI=\"k1\"\n#EXT-X-KEY:METHOD=NONE\n",
	  -1, NULL, NULL, 0 },
	{ "#EXT-X-KEY:METHOD=NONE,URI=\"\"\n", -1, NULL, NULL, 0 },
	{ "", -1, NULL, NULL, 0 },
};

START_TEST(keyset_table)
{
	char text[1024];
	struct hls_playlist *pl;
	struct err err;
	const struct hls_key *k;

	snprintf(text, sizeof(text), "#EXTM3U\n%s#EXTINF:1,\na.ts\n",
	    keysets[_i].keys);
	pl = parse_text(text, strlen(text), &err);
	ck_assert_msg(pl != NULL, "case %d: %s", _i, err.msg);
	ck_assert_msg(pl->nkeys == keysets[_i].nkeys, "case %d: %zu keys", _i,
	    pl->nkeys);
	if (keysets[_i].method == -1) {
		ck_assert_int_eq(pl->segments[0].key, -1);
		playlist_free(pl);
		return;
	}
	ck_assert_int_ge(pl->segments[0].key, 0);
	k = &pl->keys[pl->segments[0].key];
	ck_assert_msg((int)k->method == keysets[_i].method, "case %d: %d", _i,
	    k->method);
	ck_assert_str_eq(k->uri, keysets[_i].uri);
	if (keysets[_i].keyformat == NULL)
		ck_assert_ptr_null(k->keyformat);
	else
		ck_assert_str_eq(k->keyformat, keysets[_i].keyformat);
	playlist_free(pl);
}
END_TEST

/* Keys apply to following segments until the next EXT-X-KEY. */
START_TEST(key_spans)
{
	const char *t = "#EXTM3U\n#EXTINF:1,\na.ts\n"
	    "#EXT-X-KEY:METHOD=AES-128,URI=\"k1\"\n#EXTINF:1,\nb.ts\n"
	    "#EXTINF:1,\nc.ts\n#EXT-X-KEY:METHOD=NONE\n#EXTINF:1,\nd.ts\n"
	    "#EXT-X-KEY:METHOD=AES-128,URI=\"k2\",IV=0x2\n#EXTINF:1,\ne.ts\n";
	static const int want[] = { -1, 0, 0, -1, 1 };
	struct hls_playlist *pl;
	struct err err;

	ck_assert_ptr_nonnull(pl = parse_text(t, strlen(t), &err));
	ck_assert_int_eq(pl->nsegments, 5);
	for (size_t i = 0; i < 5; i++)
		ck_assert_int_eq(pl->segments[i].key, want[i]);
	ck_assert(!pl->keys[0].has_iv);
	ck_assert(pl->keys[1].has_iv);
	ck_assert_int_eq(pl->keys[1].iv[15], 2);
	playlist_free(pl);
}
END_TEST

/* EXT-X-BYTERANGE "n" without "@o": after the previous range of the URI. */
static const struct {
	const char *body;
	int64_t off[3], len[3];		/* per segment */
} ranges[] = {
	{ "#EXTINF:1,\n#EXT-X-BYTERANGE:100@0\na.ts\n"
	  "#EXTINF:1,\n#EXT-X-BYTERANGE:50\na.ts\n"
	  "#EXTINF:1,\n#EXT-X-BYTERANGE:25\na.ts\n",
	  { 0, 100, 150 }, { 100, 50, 25 } },
	/* another URI starts at 0 */
	{ "#EXTINF:1,\n#EXT-X-BYTERANGE:100@10\na.ts\n"
	  "#EXTINF:1,\n#EXT-X-BYTERANGE:50\nb.ts\n"
	  "#EXTINF:1,\n#EXT-X-BYTERANGE:25\nb.ts\n",
	  { 10, 0, 50 }, { 100, 50, 25 } },
	/* after the EXT-X-MAP range of the same file (single-file fMP4) */
	{ "#EXT-X-MAP:URI=\"f.mp4\",BYTERANGE=\"720@0\"\n"
	  "#EXTINF:1,\n#EXT-X-BYTERANGE:1000\nf.mp4\n"
	  "#EXTINF:1,\n#EXT-X-BYTERANGE:500\nf.mp4\n"
	  "#EXTINF:1,\n#EXT-X-BYTERANGE:300@5000\nf.mp4\n",
	  { 720, 1720, 5000 }, { 1000, 500, 300 } },
	/* a range applies to the next segment only */
	{ "#EXTINF:1,\n#EXT-X-BYTERANGE:100@0\na.ts\n#EXTINF:1,\na.ts\n"
	  "#EXT-X-BYTERANGE:7\n#EXTINF:1,\na.ts\n",
	  { 0, -1, 100 }, { 100, -1, 7 } },
};

START_TEST(range_table)
{
	char text[1024];
	struct hls_playlist *pl;
	struct err err;

	snprintf(text, sizeof(text), "#EXTM3U\n%s", ranges[_i].body);
	ck_assert_ptr_nonnull(pl = parse_text(text, strlen(text), &err));
	ck_assert_int_eq(pl->nsegments, 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_msg(pl->segments[i].offset == ranges[_i].off[i] &&
		    pl->segments[i].length == ranges[_i].len[i],
		    "case %d seg %d: %lld@%lld", _i, i,
		    (long long)pl->segments[i].length,
		    (long long)pl->segments[i].offset);
	}
	playlist_free(pl);
}
END_TEST

/*
 * EXT-X-GAP marks the one segment it precedes, wherever it sits among that
 * segment's tags; the segment keeps its URI, EXTINF and sequence.
 */
static const struct {
	const char *body;
	bool gap[3];
} gaps[] = {
	{ "#EXTINF:2,\na.ts\n#EXT-X-GAP\n#EXTINF:2,\nb.ts\n#EXTINF:2,\n"
	  "c.ts\n", { false, true, false } },
	{ "#EXTINF:2,\n#EXT-X-GAP\na.ts\n#EXTINF:2,\nb.ts\n#EXTINF:2,\n"
	  "#ext-x-gap\nc.ts\n", { true, false, true } },
	/* between a key and its segment; twice in a row is still one */
	{ "#EXTINF:2,\na.ts\n#EXT-X-KEY:METHOD=NONE\n#EXT-X-GAP\n"
	  "#EXT-X-GAP\n#EXTINF:2,\nb.ts\n#EXTINF:2,\nc.ts\n",
	  { false, true, false } },
	/* an attribute list after it (none is defined) is ignored */
	{ "#EXT-X-GAP:X=1\n#EXTINF:2,\na.ts\n#EXTINF:2,\nb.ts\n"
	  "#EXTINF:2,\nc.ts\n", { true, false, false } },
};

START_TEST(gap_table)
{
	char text[1024];
	struct hls_playlist *pl;
	struct err err;

	snprintf(text, sizeof(text), "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:5\n%s"
	    "#EXT-X-ENDLIST\n", gaps[_i].body);
	ck_assert_ptr_nonnull(pl = parse_text(text, strlen(text), &err));
	ck_assert_int_eq(pl->nsegments, 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_msg(pl->segments[i].gap == gaps[_i].gap[i],
		    "case %d seg %d: gap %d", _i, i, pl->segments[i].gap);
		ck_assert_int_eq(pl->segments[i].sequence, 5 + i);
		ck_assert_double_eq_tol(pl->segments[i].duration, 2, 1e-9);
	}
	ck_assert_str_eq(pl->segments[1].uri, HB "b.ts");
	/* the source's duration: gaps included */
	ck_assert_double_eq_tol(pl->total_duration, 6, 1e-9);
	playlist_free(pl);
}
END_TEST

static Suite *
text_suite(void)
{
	Suite *s = suite_create("playlist_text");
	TCase *tc = tcase_create("inline");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, quirk_table, 0, N(quirks));
	tcase_add_loop_test(tc, bad_table, 0, N(bad));
	tcase_add_test(tc, bad_bytes_and_sizes);
	tcase_add_test(tc, bad_base_url);
	tcase_add_loop_test(tc, iv_table, 0, N(ivs));
	tcase_add_loop_test(tc, keyset_table, 0, N(keysets));
	tcase_add_test(tc, key_spans);
	tcase_add_loop_test(tc, range_table, 0, N(ranges));
	tcase_add_loop_test(tc, gap_table, 0, N(gaps));
	suite_add_tcase(s, tc);
	/* 400 000 segments parsed: slow under ASan on a loaded machine */
	tc = tcase_create("bounds");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, bounds);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(text_suite())
