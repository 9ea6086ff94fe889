/* clock - the one clock: monotonic milliseconds for timers, wall time for rows */
#ifndef M3U8NAS_CLOCK_H
#define M3U8NAS_CLOCK_H

#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC: for intervals, timeouts and rates
 * (never jumps when the NAS's clock is set). */
int64_t clock_ms(void);
/* Microseconds on CLOCK_MONOTONIC: for timing what takes under a
 * millisecond (an HTTP request in the access log). */
int64_t clock_us(void);
/* Milliseconds since the epoch (CLOCK_REALTIME): for what a person reads
 * and what the store records. */
int64_t clock_wall_ms(void);

#endif
