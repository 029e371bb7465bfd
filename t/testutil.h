/*
 * testutil.h: shared support for the Check suites in t/.
 *
 * t/run-tests starts one throwaway PostgreSQL (and the local chain when
 * it can) for the whole run and exports:
 *   BSC_TEST_PGURL     conninfo of the server's maintenance database
 *   BSC_TEST_ENVDIR    the local environment directory (config, chain.env)
 *   BSC_TEST_CONF      the local environment's bsc-mm.conf
 *   BSC_TEST_RPC       the local chain's JSON-RPC URL (absent: no chain)
 *   BSC_BUILD          the build directory holding the binaries
 *   BSC_SKIP_FILE      where TU_SKIP records skipped tests
 * Tests that need something absent call TU_SKIP, which records the skip so
 * that the closing summary counts it, and returns from the test.
 */
#ifndef BSC_TESTUTIL_H
#define BSC_TESTUTIL_H

#include <stddef.h>

/*
 * Path of a file under ../shared (rel such as "vectors/RLPTests/x.json"),
 * in a static buffer, or NULL when ../shared is absent (a user's clone).
 */
const char	*tu_shared(const char *rel);

/* Read a whole file; NUL-terminated, length in *len (may be NULL).
 * Returns NULL on error. Caller frees. */
char		*tu_read_file(const char *path, size_t *len);

/* Read a whole gzip file (the ethers vector files); NUL-terminated, length
 * in *len (may be NULL). Returns NULL on error. Caller frees. */
char		*tu_read_gz(const char *path, size_t *len);

/* Record a skipped test (name and reason) in BSC_SKIP_FILE. */
void		 tu_skip(const char *test, const char *why);

/*
 * Create a fresh, empty database on the test server and return its
 * conninfo in a new string (caller frees), or NULL when no server was
 * started (BSC_TEST_PGURL unset) or creation failed.
 */
char		*tu_db_create(const char *prefix);

/* Path of a built binary ("bsc-ctl", "marketd") in a static buffer. */
const char	*tu_bin(const char *name);

/*
 * Run a shell command line, capture at most cap-1 bytes of its stdout
 * into out (NUL-terminated; out may be NULL). Returns the exit status
 * (0..255), or -1 if it could not be run or was killed by a signal.
 */
int		 tu_run(char *out, size_t cap, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/*
 * A private copy of $BSC_TEST_CONF for one test: its own run, state and
 * log locations under a new directory /tmp/<prefix>-XXXXXX (so its
 * daemons never meet another test's), and, when dburl is not NULL, that
 * database instead of the environment's. Writes the directory into dir
 * and the config path into conf. Returns 0 or -1.
 */
int		 tu_private_conf(const char *prefix, const char *dburl,
		    char *dir, size_t dirlen, char *conf, size_t conflen);

/*
 * Run `bsc-ctl -c conf ARGS 2>&1` (ARGS from fmt) and capture its output
 * into out as tu_run does. Returns the exit status, or -1.
 */
int		 tu_ctl(const char *conf, char *out, size_t cap, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));

/* Hex text (optional 0x) to bytes in a new buffer (caller frees), length
 * in *n; NULL on bad hex. */
unsigned char	*tu_unhex(const char *s, size_t *n);

/* Skip the current test (return from it) with a recorded reason. */
#define TU_SKIP(why) do { tu_skip(__func__, (why)); return; } while (0)

/* Skip unless the named environment variable is set. */
#define TU_REQUIRE_ENV(var) do {					\
	if (getenv(var) == NULL || *getenv(var) == '\0')		\
		TU_SKIP(var " not set (no local environment)");		\
} while (0)

#endif
