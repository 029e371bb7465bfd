/*
 * tu_stratd.h: test support for stratd's trading suites (check_stratd,
 * check_live): private configs and databases, config edits, SQL, local
 * chains, stratd's status.
 */
#ifndef BSC_TU_STRATD_H
#define BSC_TU_STRATD_H

#include <stddef.h>

#include <cJSON.h>

struct tus_env {
	char	dir[256];	/* private directory */
	char	conf[300];	/* its bsc-mm.conf */
	char	dburl[512];	/* its own database */
	char	chain[300];	/* its own chain's ENVDIR, "" when none */
};

/*
 * Set key = value in [section] of the config file at path (replacing the
 * key's line, or adding it after the section header, or appending the
 * section). value NULL removes the key. Returns 0 or -1.
 */
int	tus_conf_set(const char *path, const char *section, const char *key,
	    const char *value);

/*
 * A private config (tu_private_conf) on a fresh, migrated database.
 * Returns 0 or -1.
 */
int	tus_env_new(struct tus_env *, const char *prefix);

/*
 * A private environment with its own local chain in <dir>/chain (so the
 * test may stop, pause or fill it at will): a fresh database, and a config
 * written from the chain's chain.env like scripts/localenv's, with the
 * chain's TRADER1 key imported as [stratd] wallet and short stale limits.
 * Returns 0 or -1.
 */
int	tus_env_chain(struct tus_env *, const char *prefix);

/* Stop what tus_env_chain started (daemons, chain). TUS_KEEP=1 in the
 * environment keeps everything running (debugging). */
void	tus_env_stop(struct tus_env *);

/* Remove the env's private directory (not with TUS_KEEP). */
void	tus_env_remove(struct tus_env *);

/*
 * A registry of the environments tus_env_chain makes, for the runner
 * process: Check's forked tests that fail run no teardown, so main()
 * opens the registry before srunner_run_all and cleans up after it.
 */
void	tus_registry_open(void);
void	tus_registry_cleanup(void);

/* A value of <chain>/chain.env in a static buffer ("" when absent). */
const char *tus_chain_env(const struct tus_env *, const char *key);

/*
 * Run a query on the env's database; the first value of the first row
 * into out (cap bytes, "" when no row). Returns 0, or -1 on error.
 */
int	tus_sql(const struct tus_env *, char *out, size_t cap, const char *fmt,
	    ...) __attribute__((format(printf, 4, 5)));

/* The same, as a long (-1 on error). */
long	tus_sql_long(const struct tus_env *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* bsc-ctl with the env's config; stdout and stderr into out. Exit code. */
int	tus_ctl(const struct tus_env *, char *out, size_t cap, const char *fmt,
	    ...) __attribute__((format(printf, 4, 5)));

/*
 * stratd's status "engine" object over its control endpoint (caller
 * frees), or NULL when it does not answer.
 */
cJSON	*tus_engine_status(const struct tus_env *);

/* A tick.<SYMBOL> body (static buffer): reserves of 100 base at price,
 * 18 decimals both, fee 30 bps. */
const char *tus_tick(const char *symbol, unsigned long long block,
	    double price, int stale);

/* Monotonic milliseconds. */
long long tus_ms(void);

#endif
