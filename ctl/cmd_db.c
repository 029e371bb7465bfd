/*
 * cmd_db.c: `bsc-ctl db migrate [--status]`.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "db.h"
#include "migrate.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: bsc-ctl db migrate [--status] [--json]\n"
	    "  migrate           apply every pending migration, each once,\n"
	    "                    in its own transaction\n"
	    "  migrate --status  list migrations and whether each is applied\n");
}

static int
migrate_status_cmd(struct ctl *c, struct db *d)
{
	char	 err[1024];
	cJSON	*a, *o;

	if ((a = migrate_status(d, err, sizeof(err))) == NULL) {
		ctl_err("%s", err);
		return CTL_EXIT_ERROR;
	}
	if (c->json)
		ctl_print_json(a);
	else {
		printf("%-8s %-32s %-8s %s\n", "VERSION", "NAME", "STATE",
		    "APPLIED AT");
		cJSON_ArrayForEach(o, a) {
			cJSON	*at = cJSON_GetObjectItem(o, "applied_at");
			int	 applied = cJSON_IsTrue(cJSON_GetObjectItem(o,
				    "applied"));
			const char *state = !applied ? "pending" :
			    cJSON_IsTrue(cJSON_GetObjectItem(o, "unknown")) ?
			    "unknown" : cJSON_IsTrue(cJSON_GetObjectItem(o,
			    "modified")) ? "MODIFIED" : "applied";

			printf("%-8d %-32s %-8s %s\n",
			    cJSON_GetObjectItem(o, "version")->valueint,
			    cJSON_GetObjectItem(o, "name")->valuestring, state,
			    cJSON_IsString(at) ? at->valuestring : "-");
		}
	}
	cJSON_Delete(a);
	return CTL_EXIT_OK;
}

int
cmd_db(struct ctl *c, int argc, char **argv)
{
	struct db	*d;
	char		 err[1024];
	int		 n, status = 0, i;

	if (argc < 2 || ctl_is_help(argv[1])) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	if (strcmp(argv[1], "migrate") != 0) {
		ctl_err("unknown db command '%s'", argv[1]);
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--status") == 0)
			status = 1;
		else if (ctl_is_help(argv[i])) {
			usage(stdout);
			return CTL_EXIT_OK;
		} else {
			ctl_err("db migrate: unknown argument '%s'", argv[i]);
			return CTL_EXIT_USAGE;
		}
	}
	if ((d = ctl_db(c)) == NULL)
		return CTL_EXIT_CONFIG;
	if (!db_is_up(d)) {
		ctl_err("%s", db_error(d));
		return CTL_EXIT_NOTRUNNING;
	}
	if (status)
		return migrate_status_cmd(c, d);
	if (migrate_apply(d, &n, err, sizeof(err)) == -1) {
		ctl_err("%s", err);
		ctl_audit(c, "db migrate", NULL, NULL, 0, err);
		return CTL_EXIT_ERROR;
	}
	ctl_audit(c, "db migrate", NULL, NULL, 1, NULL);
	if (c->json)
		printf("{\"applied\":%d}\n", n);
	else if (n == 0)
		printf("database is up to date\n");
	else
		printf("applied %d migration%s\n", n, n == 1 ? "" : "s");
	return CTL_EXIT_OK;
}
