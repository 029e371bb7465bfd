/*
 * dec.h: decimal numbers as text, for prices and volumes.
 *
 * Candle prices and volumes are stored as PostgreSQL numeric, exactly as
 * the source gave them; they never pass through a double on the way. These
 * helpers validate and normalise number text ("9.417e-05" becomes
 * "0.00009417", shifting the decimal point, not rounding), compare two
 * normalised decimals, and turn an exact integer ratio (pool reserves,
 * swap amounts) into decimal text.
 */
#ifndef MARKETD_DEC_H
#define MARKETD_DEC_H

#include <stddef.h>

#include "u256.h"

#define DEC_MAX		96	/* a normalised decimal with its NUL */
#define DEC_FRAC	18	/* fractional digits of computed prices */

/*
 * Normalise the number text in[0..len): digits with at most one '.', at
 * least one digit, optionally an exponent ("e-5", "E+03"); no sign, no
 * blanks. Writes the plain form into out (cap bytes): no exponent, no
 * leading zeros before the integer digit ("0.5", not ".5" or "00.5"), the
 * given fractional digits kept (trailing zeros too, as the source wrote
 * them). Returns 0, or -1 on bad text or when the result does not fit.
 */
int	dec_normalize(const char *in, size_t len, char *out, size_t cap);

/* Compare two normalised decimals: -1, 0 or 1. */
int	dec_cmp(const char *a, const char *b);

/* Predicate: 1 when the normalised decimal a is zero, else 0. */
int	dec_is_zero(const char *a);

/*
 * (num / 10^num_dec) / (den / 10^den_dec) as decimal text with DEC_FRAC
 * fractional digits, truncated, trailing zeros removed ("20000",
 * "0.000028"). out holds DEC_MAX bytes. Returns 0, or -1 when den is zero
 * or the result does not fit 256 bits.
 */
int	dec_ratio(const u256 *num, unsigned num_dec, const u256 *den,
	    unsigned den_dec, char out[DEC_MAX]);

#endif
