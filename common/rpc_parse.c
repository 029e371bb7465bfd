/*
 * rpc_parse.c: strict parsers of JSON-RPC result values: quantities,
 * data, hashes, addresses (rpc.h).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "hex.h"
#include "log.h"
#include "rpc.h"
#include "rpc_int.h"

/* ---- value parsers ------------------------------------------------------ */

/* Describe a bad value for an error message. */
void
rpc_badval(const cJSON *v, const char *what, const char *want,
    struct rpc_error *e)
{
	char	ex[48];

	if (cJSON_IsString(v)) {
		rpc_excerpt(v->valuestring, strlen(v->valuestring), ex,
		    sizeof(ex));
		rpc_seterr(e, RPC_ERR_VALIDATION, -1, "%s: want %s, got '%s'",
		    what, want, ex);
	} else
		rpc_seterr(e, RPC_ERR_VALIDATION, -1, "%s: want %s, got %s",
		    what, want, v == NULL ? "nothing" : cJSON_IsNull(v) ?
		    "null" : cJSON_IsNumber(v) ? "a number" :
		    cJSON_IsBool(v) ? "a boolean" : cJSON_IsArray(v) ?
		    "an array" : cJSON_IsObject(v) ? "an object" :
		    "something else");
}

/*
 * Common check of a quantity: "0x" and 1..64 hex digits. Returns a
 * pointer to the first significant digit (the last digit for zero), or
 * NULL.
 */
static const char *
quantity_digits(const cJSON *v, const char *what, struct rpc_error *e)
{
	const char	*s, *p;
	size_t		 n;

	if (!cJSON_IsString(v) || (s = v->valuestring) == NULL ||
	    s[0] != '0' || s[1] != 'x') {
		rpc_badval(v, what, "a hex quantity", e);
		return NULL;
	}
	n = strlen(s + 2);
	if (n == 0 || n > 64 || strspn(s + 2, "0123456789abcdefABCDEF") !=
	    n) {
		rpc_badval(v, what, "a hex quantity", e);
		return NULL;
	}
	for (p = s + 2; *p == '0' && p[1] != '\0'; p++)
		;
	return p;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c - 'A' + 10;
}

int
rpc_parse_u64(const cJSON *v, const char *what, uint64_t *out,
    struct rpc_error *e)
{
	const char	*p;
	uint64_t	 x = 0;

	if ((p = quantity_digits(v, what, e)) == NULL)
		return -1;
	if (strlen(p) > 16) {
		rpc_badval(v, what, "a quantity below 2^64", e);
		return -1;
	}
	for (; *p != '\0'; p++)
		x = x << 4 | (uint64_t)hexval(*p);
	*out = x;
	return 0;
}

int
rpc_parse_u256(const cJSON *v, const char *what, u256 *out,
    struct rpc_error *e)
{
	if (quantity_digits(v, what, e) == NULL)
		return -1;
	if (u256_from_hex(out, v->valuestring) == -1) {
		rpc_badval(v, what, "a 256-bit hex quantity", e);
		return -1;
	}
	return 0;
}

/* Check "0x" + even hex digits; returns the number of bytes or -1. */
static long
data_len(const cJSON *v, const char *what, struct rpc_error *e)
{
	const char	*s;
	size_t		 n;

	if (!cJSON_IsString(v) || (s = v->valuestring) == NULL ||
	    s[0] != '0' || s[1] != 'x') {
		rpc_badval(v, what, "hex data", e);
		return -1;
	}
	n = strlen(s + 2);
	if (n % 2 != 0 || n / 2 > (size_t)LONG_MAX / 2 ||
	    strspn(s + 2, "0123456789abcdefABCDEF") != n) {
		rpc_badval(v, what, "hex data (even number of hex digits)", e);
		return -1;
	}
	return (long)(n / 2);
}

int
rpc_parse_data(const cJSON *v, const char *what, uint8_t **out,
    size_t *outlen, struct rpc_error *e)
{
	uint8_t	*b;
	long	 n;
	size_t	 got;

	if ((n = data_len(v, what, e)) < 0)
		return -1;
	if ((b = malloc((size_t)n + 1)) == NULL) {
		rpc_seterr(e, RPC_ERR_USAGE, -1, "%s: out of memory", what);
		return -1;
	}
	if (hex_decode(v->valuestring + 2, (size_t)n * 2, b, (size_t)n,
	    &got) == -1 || got != (size_t)n) {
		free(b);
		rpc_badval(v, what, "hex data", e);
		return -1;
	}
	*out = b;
	*outlen = got;
	return 0;
}

static int
parse_fixed(const cJSON *v, const char *what, uint8_t *out, size_t want,
    const char *desc, struct rpc_error *e)
{
	size_t	got;
	long	n;

	if ((n = data_len(v, what, e)) < 0)
		return -1;
	if ((size_t)n != want || hex_decode(v->valuestring + 2, want * 2, out,
	    want, &got) == -1 || got != want) {
		rpc_badval(v, what, desc, e);
		return -1;
	}
	return 0;
}

int
rpc_parse_hash(const cJSON *v, const char *what, uint8_t out[32],
    struct rpc_error *e)
{
	return parse_fixed(v, what, out, 32, "a 32-byte hash", e);
}

int
rpc_parse_address(const cJSON *v, const char *what, uint8_t out[20],
    struct rpc_error *e)
{
	return parse_fixed(v, what, out, 20, "a 20-byte address", e);
}
