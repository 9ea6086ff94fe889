/* fuzz_playlist - libFuzzer harness for playlist_parse and the choosers */
/*
 * Not part of `make check`. Build and run by hand with clang:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I build -I lib \
 *     tests/fuzz/fuzz_playlist.c lib/playlist*.c lib/url.c \
 *     lib/xmalloc.c lib/err.c lib/log.c -lcurl -ljansson -o fuzz_playlist
 *   ./fuzz_playlist -max_total_time=300 -max_len=65536 fuzzcorpus/ \
 *     ../shared/corpus/m3u8/
 *
 * Any crash, leak, sanitizer report or broken invariant is a bug.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "playlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
invariants(const struct hls_playlist *pl)
{
	for (size_t i = 0; i < pl->nsegments; i++) {
		const struct hls_segment *s = &pl->segments[i];

		if (s->uri == NULL || s->key >= (int)pl->nkeys ||
		    s->map >= (int)pl->nmaps || s->duration < 0 ||
		    (s->offset < 0) != (s->length < 0))
			abort();
	}
	for (size_t i = 0; i < pl->nvariants; i++)
		if (pl->variants[i].uri == NULL)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const q[] = { "best", "worst", "720p", "480p",
	    "1000000", "0" };
	struct hls_playlist *pl;
	struct err err;
	int v;

	if (playlist_parse((const char *)data, size,
	    "https://h.example/a/b/pl.m3u8?t=1", &pl, &err) == -1) {
		if (pl != NULL || err.msg[0] == '\0')
			abort();
		for (const char *c = err.msg; *c != '\0'; c++)
			if ((unsigned char)*c < 0x20)
				abort();
		return 0;
	}
	invariants(pl);
	for (size_t i = 0; pl->is_master && i < sizeof(q) / sizeof(q[0]); i++) {
		v = playlist_choose_variant(pl, q[i], &err);
		if (v < 0 || (size_t)v >= pl->nvariants)
			abort();
		v = playlist_audio_for(pl, v);
		if (v >= (int)pl->nrenditions || (v >= 0 &&
		    pl->renditions[v].uri == NULL))
			abort();
	}
	playlist_free(pl);
	return 0;
}
