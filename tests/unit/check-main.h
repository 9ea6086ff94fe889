/* check-main - the main() every Check suite shares: suites in, exit status out */
#ifndef M3U8NAS_CHECK_MAIN_H
#define M3U8NAS_CHECK_MAIN_H

#include <check.h>
#include <stddef.h>
#include <stdlib.h>

/*
 * Runs the n suites in one SRunner (CK_NORMAL output, the fork mode Check
 * takes from CK_FORK) and frees it, and with it the suites. Returns
 * EXIT_SUCCESS if no test failed, EXIT_FAILURE otherwise.
 */
static inline int
check_run_suites(Suite *const *suites, size_t n)
{
	SRunner *sr;
	size_t i;
	int failed;

	sr = srunner_create(n > 0 ? suites[0] : NULL);
	for (i = 1; i < n; i++)
		srunner_add_suite(sr, suites[i]);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* check_run(s1, s2, ...): the suites as a list. */
#define check_run(...) check_run_suites((Suite *[]){ __VA_ARGS__ }, \
	sizeof((Suite *[]){ __VA_ARGS__ }) / sizeof(Suite *))

/* A suite file's whole main(): CHECK_MAIN(foo_suite()) */
#define CHECK_MAIN(...) \
	int main(void) { return check_run(__VA_ARGS__); }

#endif
