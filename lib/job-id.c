/* job-id - what a job id may be, and how a new one is made */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "job-id.h"

static bool
id_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

bool
job_id_valid_n(const char *id, size_t n)
{
	size_t i;

	if (n == 0 || n > JOB_ID_MAX || id[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!id_byte(id[i]))
			return false;
	return true;
}

bool
job_id_valid(const char *id)
{
	return id != NULL && job_id_valid_n(id, strnlen(id, JOB_ID_MAX + 1));
}

int
job_new_id(char *id, size_t size, struct err *err)
{
	unsigned char b[6];

	if (size < JOB_ID_NEW_SIZE)
		return err_set(err, "job id buffer too small");
	if (RAND_bytes(b, sizeof(b)) != 1)
		return err_set(err, "no random bytes for a job id");
	snprintf(id, size, "j%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
	    b[4], b[5]);
	return 0;
}
