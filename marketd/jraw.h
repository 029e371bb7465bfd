/*
 * jraw.h: a strict JSON parser that keeps numbers as their source text.
 *
 * cJSON turns every number into a double, so "7267451.9000000004" or a
 * 19-digit volume would be stored rounded. Candle files (freqtrade arrays,
 * pandas column dumps) and Binance kline replies are parsed with this
 * instead: every value remembers the text it came from and the line it
 * starts on (for "line N" in import errors).
 *
 * Values point into the parsed text, which must outlive the document.
 * String values are the raw bytes between the quotes: escapes are checked
 * but not decoded (nothing here needs a decoded string with escapes).
 */
#ifndef MARKETD_JRAW_H
#define MARKETD_JRAW_H

#include <stddef.h>

enum jr_type { JR_NULL, JR_FALSE, JR_TRUE, JR_NUM, JR_STR, JR_ARR, JR_OBJ };

struct jr {
	enum jr_type	 type;
	const char	*s;	/* JR_NUM: number text; JR_STR: raw content */
	size_t		 len;
	const char	*key;	/* member of an object: raw name */
	size_t		 keylen;
	int		 line;	/* 1-based line the value starts on */
	size_t		 n;	/* JR_ARR/JR_OBJ: number of children */
	struct jr	*child;	/* first child */
	struct jr	*next;	/* next sibling */
};

struct jr_doc;

/*
 * Parse text[0..len) (one value; blanks around it allowed, nothing else).
 * Returns a document (free with jr_free), or NULL with a message naming
 * the line in err ("line 3: expected ',' or ']'").
 */
struct jr_doc	*jr_parse(const char *text, size_t len, char *err,
		    size_t errlen);
void		 jr_free(struct jr_doc **);

/* The top-level value. */
const struct jr	*jr_root(const struct jr_doc *);

/* Member key of object o, or NULL. */
const struct jr	*jr_get(const struct jr *o, const char *key);

/* 1 when v is a string whose raw content equals s, else 0. */
int		 jr_str_eq(const struct jr *v, const char *s);

#endif
