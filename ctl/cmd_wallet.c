/*
 * cmd_wallet.c: `bsc-ctl wallet generate|list|import|address`: keystore
 * (Web3 Secret Storage v3) files for the bot's wallets.
 *
 * The keystore directory is --out/--dir, else [wallets] keystore_dir; the
 * password comes from --password-file, else [wallets] password_file, else
 * a prompt on the terminal. Private keys and passwords are never printed,
 * logged or put in an error message, and are wiped after use.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "ctl.h"
#include "keystore.h"
#include "secp.h"

#define PROMPT_MAX	1024

struct wopts {
	const char	*dir;		/* --out / --dir */
	const char	*pwfile;	/* --password-file */
	const char	*keyfile;	/* --private-key-file */
	const char	*file;		/* positional FILE (address) */
	uint64_t	 scrypt_n;	/* --scrypt-n, 0 = default */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: bsc-ctl wallet COMMAND [OPTIONS] [--json]\n"
	    "  generate [--out DIR] [--password-file F] [--scrypt-n N]\n"
	    "                 new random key, written as a keystore file\n"
	    "  list [--dir DIR]\n"
	    "                 addresses and files in the keystore directory\n"
	    "  import --private-key-file F [--out DIR] [--password-file F]\n"
	    "         [--scrypt-n N]\n"
	    "                 encrypt an existing hex private key\n"
	    "  address FILE   the address a keystore file declares (no "
	    "password)\n"
	    "DIR defaults to [wallets] keystore_dir and the password to the\n"
	    "first line of [wallets] password_file (else a prompt).\n"
	    "COMMAND --help for details.\n");
}

static void
usage_generate(FILE *f)
{
	fprintf(f,
	    "usage: bsc-ctl wallet generate [--out DIR] [--password-file F]\n"
	    "           [--scrypt-n N] [--json]\n"
	    "Create a new random private key and write it encrypted (scrypt,\n"
	    "aes-128-ctr) to DIR/UTC--<time>--<address>, mode 0600. DIR\n"
	    "(default [wallets] keystore_dir) is created mode 0700 if missing.\n"
	    "The password is the first line of F (default [wallets]\n"
	    "password_file), else it is asked for on the terminal; it must not\n"
	    "be empty.\n"
	    "  --scrypt-n N   scrypt cost, a power of two (default 262144, about\n"
	    "                 256 MiB and a second per unlock; lower values are\n"
	    "                 for tests and throwaway keys only)\n"
	    "Prints the address, then the file's path, one per line\n"
	    "(--json: {\"address\", \"file\"}).\n");
}

static void
usage_list(FILE *f)
{
	fprintf(f,
	    "usage: bsc-ctl wallet list [--dir DIR] [--json]\n"
	    "List the keystore files in DIR (default [wallets] keystore_dir)\n"
	    "with the address each declares. Hidden files, backups (~),\n"
	    "subdirectories, files that are not keystores and files readable\n"
	    "by group or others are left out and counted.\n");
}

static void
usage_import(FILE *f)
{
	fprintf(f,
	    "usage: bsc-ctl wallet import --private-key-file F [--out DIR]\n"
	    "           [--password-file F] [--scrypt-n N] [--json]\n"
	    "Encrypt the private key in F (64 hex digits, optional 0x; F must\n"
	    "be mode 0600) into a new keystore file in DIR, as generate does.\n"
	    "Refuses a key whose address already has a file in DIR. Delete F\n"
	    "yourself afterwards.\n");
}

static void
usage_address(FILE *f)
{
	fprintf(f,
	    "usage: bsc-ctl wallet address FILE [--json]\n"
	    "Print the EIP-55 address that keystore FILE declares, without\n"
	    "decrypting it. FILE must be mode 0600.\n");
}

static int
parse_scrypt_n(const char *s, uint64_t *n)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || v < 2 ||
	    (v & (v - 1)) != 0) {
		ctl_err("--scrypt-n: '%s' is not a power of two >= 2", s);
		return -1;
	}
	*n = v;
	return 0;
}

/*
 * Options shared by the subcommands; allowed is a string of the letters
 * of the options this subcommand takes (o out/dir, p password-file,
 * k private-key-file, n scrypt-n, f positional FILE). Returns -1 after
 * printing the problem (usage error), 1 for --help, 0 otherwise.
 */
static int
parse_opts(int argc, char **argv, const char *allowed, struct wopts *o)
{
	const char	*name, *val, *eq;
	size_t		 nl;
	int		 i;

	memset(o, 0, sizeof(*o));
	for (i = 2; i < argc; i++) {
		if (ctl_is_help(argv[i]))
			return 1;
		if (strncmp(argv[i], "--", 2) != 0) {
			if (strchr(allowed, 'f') == NULL || o->file != NULL) {
				ctl_err("wallet %s: unexpected argument '%s'",
				    argv[1], argv[i]);
				return -1;
			}
			o->file = argv[i];
			continue;
		}
		name = argv[i];
		if ((eq = strchr(name, '=')) != NULL) {
			nl = (size_t)(eq - name);
			val = eq + 1;
		} else {
			nl = strlen(name);
			val = i + 1 < argc ? argv[i + 1] : NULL;
			if (val != NULL)
				i++;
		}
#define OPT(s)	(nl == strlen(s) && strncmp(name, s, nl) == 0)
		if (!(OPT("--out") || OPT("--dir") || OPT("--password-file") ||
		    OPT("--private-key-file") || OPT("--scrypt-n")) ||
		    ((OPT("--out") || OPT("--dir")) &&
		    strchr(allowed, 'o') == NULL) ||
		    (OPT("--password-file") && strchr(allowed, 'p') == NULL) ||
		    (OPT("--private-key-file") &&
		    strchr(allowed, 'k') == NULL) ||
		    (OPT("--scrypt-n") && strchr(allowed, 'n') == NULL)) {
			ctl_err("wallet %s: unknown option '%.*s'", argv[1],
			    (int)nl, name);
			return -1;
		}
		if (val == NULL || *val == '\0') {
			ctl_err("wallet %s: %.*s needs a value", argv[1],
			    (int)nl, name);
			return -1;
		}
		if (OPT("--out") || OPT("--dir"))
			o->dir = val;
		else if (OPT("--password-file"))
			o->pwfile = val;
		else if (OPT("--private-key-file"))
			o->keyfile = val;
		else if (parse_scrypt_n(val, &o->scrypt_n) == -1)
			return -1;
#undef OPT
	}
	return 0;
}

/* The keystore directory: the option, else the config's. */
static int
resolve_dir(struct ctl *c, struct wopts *o)
{
	struct config	*cfg;

	if (o->dir != NULL)
		return CTL_EXIT_OK;
	if ((cfg = ctl_config(c)) == NULL)
		return CTL_EXIT_CONFIG;
	if (cfg->wallets.keystore_dir == NULL ||
	    *cfg->wallets.keystore_dir == '\0') {
		ctl_err("no keystore directory: give --out DIR or set "
		    "[wallets] keystore_dir");
		return CTL_EXIT_CONFIG;
	}
	o->dir = cfg->wallets.keystore_dir;
	return CTL_EXIT_OK;
}

/* mkdir -p with mode 0700 for what is created. */
static int
ensure_dir(const char *dir)
{
	struct stat	st;
	char		p[PATH_MAX];
	size_t		i, n = strlen(dir);

	if (n == 0 || n >= sizeof(p)) {
		ctl_err("bad keystore directory '%s'", dir);
		return -1;
	}
	memcpy(p, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST) {
			ctl_err("cannot create %s: %s", p, strerror(errno));
			return -1;
		}
		if (i < n)
			p[i] = '/';
	}
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		ctl_err("%s is not a directory", dir);
		return -1;
	}
	if ((st.st_mode & 077) != 0)
		fprintf(stderr, "bsc-ctl: warning: keystore directory %s is "
		    "accessible by group or others (mode %04o); chmod 700 it\n",
		    dir, (unsigned)(st.st_mode & 07777));
	return 0;
}

/* Read one line from the terminal without echo; NULL on failure. */
static char *
prompt_line(int fd, const char *prompt)
{
	struct termios	 t, quiet;
	char		*buf;
	size_t		 n = 0;
	ssize_t		 r;
	char		 ch;
	int		 restore;

	if ((buf = malloc(PROMPT_MAX)) == NULL)
		return NULL;
	restore = tcgetattr(fd, &t) == 0;
	if (restore) {
		quiet = t;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		(void)tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	if (write(fd, prompt, strlen(prompt)) < 0) {
		/* nothing useful to do; the read below still works */
	}
	for (;;) {
		r = read(fd, &ch, 1);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0 || ch == '\n')
			break;
		if (n + 1 < PROMPT_MAX)
			buf[n++] = ch;
	}
	buf[n] = '\0';
	if (restore)
		(void)tcsetattr(fd, TCSAFLUSH, &t);
	if (write(fd, "\n", 1) < 0) {
		/* as above */
	}
	if (r < 0) {
		explicit_bzero(buf, PROMPT_MAX);
		free(buf);
		return NULL;
	}
	return buf;
}

static void
free_secret(char **s)
{
	if (*s != NULL) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

/*
 * The password for a new key file: --password-file, [wallets]
 * password_file, or the terminal (asked twice). Returns a string to free
 * with free_secret, or NULL after printing why (*rc is the exit code).
 */
static char *
get_password(struct ctl *c, const struct wopts *o, int *rc)
{
	struct keystore_error	 e;
	struct config		*cfg;
	const char		*file = o->pwfile;
	char			*pw, *again;
	int			 fd;

	*rc = CTL_EXIT_ERROR;
	if (file == NULL) {
		if ((cfg = ctl_config(c)) == NULL) {
			*rc = CTL_EXIT_CONFIG;
			return NULL;
		}
		file = cfg->wallets.password_file;
	}
	if (file != NULL && *file != '\0') {
		if ((pw = keystore_read_password_file(file, &e)) == NULL) {
			ctl_err("password file: %s", e.msg);
			return NULL;
		}
		if (*pw == '\0') {
			free_secret(&pw);
			ctl_err("password file %s holds an empty password; a "
			    "key file needs a real one", file);
			return NULL;
		}
		return pw;
	}
	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) == -1) {
		ctl_err("no password: give --password-file F or set [wallets] "
		    "password_file (no terminal to ask on)");
		*rc = CTL_EXIT_USAGE;
		return NULL;
	}
	pw = prompt_line(fd, "keystore password: ");
	again = pw ? prompt_line(fd, "again: ") : NULL;
	close(fd);
	if (pw == NULL || again == NULL) {
		free_secret(&pw);
		free_secret(&again);
		ctl_err("cannot read the password from the terminal");
		return NULL;
	}
	if (strcmp(pw, again) != 0 || *pw == '\0') {
		ctl_err("%s", *pw == '\0' ? "empty password" :
		    "the passwords differ");
		free_secret(&pw);
		free_secret(&again);
		return NULL;
	}
	free_secret(&again);
	return pw;
}

static int
print_written(struct ctl *c, const uint8_t addr[20], const char *path)
{
	struct addr	 a;
	char		 s[ADDR_STR_MAX];
	cJSON		*o;

	memcpy(a.b, addr, 20);
	addr_format(&a, s);
	/* The audit log gets the address and file, never key or password;
	 * only when a config is in use (--out alone needs none). */
	if (c->cfg != NULL) {
		cJSON	*args = cJSON_CreateObject();

		cJSON_AddStringToObject(args, "address", s);
		cJSON_AddStringToObject(args, "file", path);
		if (ctl_audit(c, "wallet write", args, NULL, 1, NULL) == -1)
			fprintf(stderr, "bsc-ctl: note: database unreachable, "
			    "not recorded in the audit log\n");
		cJSON_Delete(args);
	}
	if (!c->json) {
		printf("%s\n%s\n", s, path);
		return CTL_EXIT_OK;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(o, "address", s) == NULL ||
	    cJSON_AddStringToObject(o, "file", path) == NULL) {
		cJSON_Delete(o);
		ctl_err("out of memory");
		return CTL_EXIT_ERROR;
	}
	ctl_print_json(o);
	cJSON_Delete(o);
	return CTL_EXIT_OK;
}

/* Encrypt key into o->dir and report it. Wipes nothing: caller owns key. */
static int
write_key(struct ctl *c, struct wopts *o, const uint8_t key[32])
{
	struct keystore_params	 p = keystore_params_default();
	struct keystore_error	 e;
	uint8_t			 addr[20];
	char			 path[PATH_MAX], *pw;
	int			 rc;

	if (o->scrypt_n != 0)
		p.scrypt_n = o->scrypt_n;
	if ((pw = get_password(c, o, &rc)) == NULL)
		return rc;
	if (ensure_dir(o->dir) == -1) {
		free_secret(&pw);
		return CTL_EXIT_ERROR;
	}
	rc = keystore_write(o->dir, key, pw, &p, path, sizeof(path), &e);
	free_secret(&pw);
	if (rc == -1) {
		ctl_err("%s", e.msg);
		return e.code == KEYSTORE_E_UNSUPPORTED ? CTL_EXIT_USAGE :
		    CTL_EXIT_ERROR;
	}
	if (secp_key_address(key, addr) == -1) {
		ctl_err("internal error: key went bad");
		return CTL_EXIT_ERROR;
	}
	return print_written(c, addr, path);
}

static int
wallet_generate(struct ctl *c, int argc, char **argv)
{
	struct wopts	o;
	uint8_t		key[32];
	int		rc;

	if ((rc = parse_opts(argc, argv, "opn", &o)) != 0) {
		usage_generate(rc == 1 ? stdout : stderr);
		return rc == 1 ? CTL_EXIT_OK : CTL_EXIT_USAGE;
	}
	if ((rc = resolve_dir(c, &o)) != CTL_EXIT_OK)
		return rc;
	if (secp_key_generate(key) == -1) {
		ctl_err("cannot generate a key: getrandom: %s",
		    strerror(errno));
		return CTL_EXIT_ERROR;
	}
	rc = write_key(c, &o, key);
	explicit_bzero(key, sizeof(key));
	return rc;
}

static int
wallet_import(struct ctl *c, int argc, char **argv)
{
	struct keystore_error	 e;
	struct keystore_entry	*v = NULL;
	struct wopts		 o;
	struct addr		 a;
	uint8_t			 key[32];
	size_t			 n = 0, i;
	char			 s[ADDR_STR_MAX];
	int			 rc;

	if ((rc = parse_opts(argc, argv, "opkn", &o)) != 0) {
		usage_import(rc == 1 ? stdout : stderr);
		return rc == 1 ? CTL_EXIT_OK : CTL_EXIT_USAGE;
	}
	if (o.keyfile == NULL) {
		ctl_err("wallet import: --private-key-file F is required");
		usage_import(stderr);
		return CTL_EXIT_USAGE;
	}
	if ((rc = resolve_dir(c, &o)) != CTL_EXIT_OK)
		return rc;
	if (keystore_read_key_file(o.keyfile, key, &e) == -1) {
		ctl_err("%s", e.msg);
		return CTL_EXIT_ERROR;
	}
	if (secp_key_address(key, a.b) == -1) {
		explicit_bzero(key, sizeof(key));
		ctl_err("%s: not a valid private key", o.keyfile);
		return CTL_EXIT_ERROR;
	}
	/* One file per address: a second copy only confuses `list`. */
	if (keystore_list(o.dir, &v, &n, NULL, &e) == 0) {
		for (i = 0; i < n; i++) {
			if (memcmp(v[i].addr, a.b, 20) != 0)
				continue;
			ctl_err("%s is already in %s as %s",
			    addr_format(&a, s), o.dir, v[i].name);
			free(v);
			explicit_bzero(key, sizeof(key));
			return CTL_EXIT_ERROR;
		}
		free(v);
	}
	rc = write_key(c, &o, key);
	explicit_bzero(key, sizeof(key));
	return rc;
}

static int
wallet_list(struct ctl *c, int argc, char **argv)
{
	struct keystore_error	 e;
	struct keystore_entry	*v;
	struct wopts		 o;
	struct addr		 a;
	size_t			 n, skipped, i;
	char			 s[ADDR_STR_MAX];
	cJSON			*root, *arr, *it;
	int			 rc;

	if ((rc = parse_opts(argc, argv, "o", &o)) != 0) {
		usage_list(rc == 1 ? stdout : stderr);
		return rc == 1 ? CTL_EXIT_OK : CTL_EXIT_USAGE;
	}
	if ((rc = resolve_dir(c, &o)) != CTL_EXIT_OK)
		return rc;
	if (keystore_list(o.dir, &v, &n, &skipped, &e) == -1) {
		ctl_err("keystore directory: %s", e.msg);
		return CTL_EXIT_ERROR;
	}
	if (c->json) {
		root = cJSON_CreateObject();
		arr = cJSON_AddArrayToObject(root, "wallets");
		cJSON_AddStringToObject(root, "dir", o.dir);
		cJSON_AddNumberToObject(root, "skipped", (double)skipped);
		for (i = 0; i < n; i++) {
			memcpy(a.b, v[i].addr, 20);
			it = cJSON_CreateObject();
			cJSON_AddStringToObject(it, "address",
			    addr_format(&a, s));
			cJSON_AddStringToObject(it, "file", v[i].name);
			cJSON_AddItemToArray(arr, it);
		}
		ctl_print_json(root);
		cJSON_Delete(root);
	} else {
		if (n == 0)
			printf("no keystore files in %s\n", o.dir);
		else
			printf("%-42s  %s\n", "ADDRESS", "FILE");
		for (i = 0; i < n; i++) {
			memcpy(a.b, v[i].addr, 20);
			printf("%-42s  %s\n", addr_format(&a, s), v[i].name);
		}
		if (skipped > 0)
			fprintf(stderr, "bsc-ctl: note: %zu other file%s in %s "
			    "skipped (not keystore files, or readable by group "
			    "or others)\n", skipped, skipped == 1 ? "" : "s",
			    o.dir);
	}
	free(v);
	return CTL_EXIT_OK;
}

static int
wallet_address(struct ctl *c, int argc, char **argv)
{
	struct keystore_error	 e;
	struct wopts		 o;
	struct addr		 a;
	char			 s[ADDR_STR_MAX];
	cJSON			*root;
	int			 rc;

	if ((rc = parse_opts(argc, argv, "f", &o)) != 0) {
		usage_address(rc == 1 ? stdout : stderr);
		return rc == 1 ? CTL_EXIT_OK : CTL_EXIT_USAGE;
	}
	if (o.file == NULL) {
		ctl_err("wallet address: FILE is required");
		usage_address(stderr);
		return CTL_EXIT_USAGE;
	}
	if (keystore_read_address(o.file, a.b, &e) == -1) {
		ctl_err("%s", e.msg);
		return CTL_EXIT_ERROR;
	}
	addr_format(&a, s);
	if (!c->json) {
		printf("%s\n", s);
		return CTL_EXIT_OK;
	}
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "address", s);
	cJSON_AddStringToObject(root, "file", o.file);
	ctl_print_json(root);
	cJSON_Delete(root);
	return CTL_EXIT_OK;
}

int
cmd_wallet(struct ctl *c, int argc, char **argv)
{
	static const struct {
		const char	*name;
		int		(*fn)(struct ctl *, int, char **);
	} subs[] = {
		{ "generate", wallet_generate },
		{ "list", wallet_list },
		{ "import", wallet_import },
		{ "address", wallet_address },
		{ NULL, NULL },
	};
	int	i;

	if (argc < 2 || ctl_is_help(argv[1])) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	for (i = 0; subs[i].name != NULL; i++)
		if (strcmp(subs[i].name, argv[1]) == 0)
			return subs[i].fn(c, argc, argv);
	ctl_err("unknown wallet command '%s'", argv[1]);
	usage(stderr);
	return CTL_EXIT_USAGE;
}
