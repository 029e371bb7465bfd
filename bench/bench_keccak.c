/*
 * bench_keccak.c: Keccak-256 throughput beside OpenSSL's SHA3-256 (the
 * same permutation with different padding, so the fairest yardstick).
 * Hashes 64 MiB per row as independent messages of the given size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "keccak.h"

#define TOTAL	(64u << 20)

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Returns seconds; folds the digests into *sink so nothing is elided. */
static double
run_keccak(const uint8_t *buf, size_t msg, size_t count, uint8_t *sink)
{
	uint8_t	out[32];
	double	t0 = now();
	size_t	i;

	for (i = 0; i < count; i++) {
		keccak256(buf + (i * msg) % (TOTAL - msg + 1), msg, out);
		*sink ^= out[0];
	}
	return now() - t0;
}

static double
run_sha3(const uint8_t *buf, size_t msg, size_t count, uint8_t *sink)
{
	EVP_MD_CTX	*c = EVP_MD_CTX_new();
	const EVP_MD	*md = EVP_sha3_256();
	uint8_t		 out[32];
	unsigned	 olen;
	double		 t0;
	size_t		 i;

	if (c == NULL) {
		fprintf(stderr, "bench_keccak: EVP_MD_CTX_new failed\n");
		exit(1);
	}
	t0 = now();
	for (i = 0; i < count; i++) {
		if (EVP_DigestInit_ex(c, md, NULL) != 1 ||
		    EVP_DigestUpdate(c, buf + (i * msg) % (TOTAL - msg + 1),
		    msg) != 1 || EVP_DigestFinal_ex(c, out, &olen) != 1) {
			fprintf(stderr, "bench_keccak: EVP digest failed\n");
			exit(1);
		}
		*sink ^= out[0];
	}
	t0 = now() - t0;
	EVP_MD_CTX_free(c);
	return t0;
}

int
main(void)
{
	static const size_t	sizes[] = { 1u << 20, 4096, 136, 64, 32 };
	uint8_t			*buf, sink = 0;
	size_t			 i, k, count;
	double			 tk, ts;

	if ((buf = malloc(TOTAL)) == NULL) {
		fprintf(stderr, "bench_keccak: out of memory\n");
		return 1;
	}
	for (i = 0; i < TOTAL; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	/* Warm up caches and the CPU clock. */
	run_keccak(buf, 4096, 4096, &sink);
	run_sha3(buf, 4096, 4096, &sink);

	printf("Keccak-256 vs OpenSSL %s SHA3-256, %u MiB per row\n\n",
	    OpenSSL_version(OPENSSL_VERSION), TOTAL >> 20);
	printf("%10s %10s | %12s %10s | %12s %10s | %7s\n", "msg bytes",
	    "messages", "keccak MB/s", "ns/msg", "sha3 MB/s", "ns/msg",
	    "ratio");
	printf("---------------------------------------------------------"
	    "-----------------------------\n");
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		count = TOTAL / sizes[k];
		tk = run_keccak(buf, sizes[k], count, &sink);
		ts = run_sha3(buf, sizes[k], count, &sink);
		printf("%10zu %10zu | %12.1f %10.1f | %12.1f %10.1f | %7.2f\n",
		    sizes[k], count, TOTAL / tk / 1e6, tk / count * 1e9,
		    TOTAL / ts / 1e6, ts / count * 1e9, ts / tk);
	}
	printf("\nratio = SHA3 time / Keccak time (> 1: ours is faster)\n");
	/* Keep the digests observable. */
	printf("(digest fold %02x)\n", sink);
	free(buf);
	return 0;
}
