/*
 * conditional.c: conditional orders (see conditional.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conditional.h"
#include "db.h"
#include "ledger.h"

static const char *const kind_names[] = { "limit_buy", "limit_sell",
	"stop_loss", "take_profit" };

struct cond_set {
	struct cond	*v;
	size_t		 n, cap;
};

int
cond_kind_parse(const char *s, enum cond_kind *out)
{
	int	i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, kind_names[i]) == 0) {
			*out = (enum cond_kind)i;
			return 0;
		}
	return -1;
}

const char *
cond_kind_name(enum cond_kind k)
{
	return kind_names[k];
}

int
cond_holds(enum cond_kind k, double price, double trigger)
{
	switch (k) {
	case COND_LIMIT_BUY:
	case COND_STOP_LOSS:
		return price <= trigger;
	case COND_LIMIT_SELL:
	case COND_TAKE_PROFIT:
		return price >= trigger;
	}
	return 0;
}

int
cond_is_buy(enum cond_kind k)
{
	return k == COND_LIMIT_BUY;
}

struct cond_set *
cond_set_new(void)
{
	return calloc(1, sizeof(struct cond_set));
}

void
cond_set_free(struct cond_set **s)
{
	if (s == NULL || *s == NULL)
		return;
	free((*s)->v);
	free(*s);
	*s = NULL;
}

#define COND_COLS "id, coalesce(strategy_id, 0), symbol, kind, mode, " \
	"trigger_price::text, amount::text, coalesce(slippage_bps, -1), " \
	"coalesce(extract(epoch FROM expires_at)::bigint, 0) " \
	"FROM conditional_orders "

static int
read_cond(PGresult *r, int i, struct cond *c)
{
	memset(c, 0, sizeof(*c));
	c->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
	c->strategy_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
	snprintf(c->symbol, sizeof(c->symbol), "%s", PQgetvalue(r, i, 2));
	if (cond_kind_parse(PQgetvalue(r, i, 3), &c->kind) == -1)
		return -1;
	c->live = strcmp(PQgetvalue(r, i, 4), "live") == 0;
	snprintf(c->trigger_text, sizeof(c->trigger_text), "%s",
	    PQgetvalue(r, i, 5));
	c->trigger = strtod(c->trigger_text, NULL);
	if (u256_from_dec(&c->amount, PQgetvalue(r, i, 6)) == -1)
		return -1;
	c->slippage_bps = atoi(PQgetvalue(r, i, 7));
	c->expires_at = strtoll(PQgetvalue(r, i, 8), NULL, 10);
	return 0;
}

static int
push(struct cond_set *s, const struct cond *c)
{
	if (s->n == s->cap) {
		size_t		 cap = s->cap ? s->cap * 2 : 16;
		struct cond	*t = realloc(s->v, cap * sizeof(*t));

		if (t == NULL)
			return -1;
		s->v = t;
		s->cap = cap;
	}
	s->v[s->n++] = *c;
	return 0;
}

int
cond_set_load(struct cond_set *s, struct db *d)
{
	struct cond_set	 tmp = { NULL, 0, 0 };
	struct cond	 c;
	PGresult	*r;
	int		 i, n;

	if ((r = db_query(d, "SELECT " COND_COLS "WHERE status = 'open' "
	    "ORDER BY id", 0, NULL)) == NULL)
		return -1;
	n = PQntuples(r);
	for (i = 0; i < n; i++)
		if (read_cond(r, i, &c) == 0 && push(&tmp, &c) == -1) {
			free(tmp.v);
			PQclear(r);
			return -1;
		}
	PQclear(r);
	free(s->v);
	*s = tmp;
	return (int)s->n;
}

void
cond_set_remove(struct cond_set *s, long long id)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].id == id) {
			memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) *
			    sizeof(s->v[0]));
			s->n--;
			return;
		}
}

int
cond_set_refresh(struct cond_set *s, struct db *d, long long id)
{
	char		 ib[24];
	const char	*p[1] = { ib };
	struct cond	 c;
	PGresult	*r;
	int		 rc = 0;

	snprintf(ib, sizeof(ib), "%lld", id);
	if ((r = db_query(d, "SELECT " COND_COLS "WHERE id = $1 AND status = "
	    "'open'", 1, p)) == NULL)
		return -1;
	cond_set_remove(s, id);
	if (PQntuples(r) == 1 && read_cond(r, 0, &c) == 0)
		rc = push(s, &c);
	PQclear(r);
	return rc;
}

void
cond_set_clear(struct cond_set *s, long long sid)
{
	size_t	i, j = 0;

	for (i = 0; i < s->n; i++)
		if (sid > 0 && s->v[i].strategy_id != sid)
			s->v[j++] = s->v[i];
	s->n = j;
}

const struct cond *
cond_set_find(const struct cond_set *s, long long id)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].id == id)
			return &s->v[i];
	return NULL;
}

size_t
cond_set_count(const struct cond_set *s)
{
	return s->n;
}

const struct cond *
cond_set_at(const struct cond_set *s, size_t i)
{
	return i < s->n ? &s->v[i] : NULL;
}

int
cond_fire(struct db *d, const struct cond *c, long long *oid)
{
	struct ledger_order	 o;
	char			 ib[24], n[16];
	const char		*p[1] = { ib };

	snprintf(ib, sizeof(ib), "%lld", c->id);
	if (db_begin(d) == -1)
		return -1;
	if (db_query_value(d, n, sizeof(n), "WITH u AS (UPDATE "
	    "conditional_orders SET status = 'triggered', triggered_at = now() "
	    "WHERE id = $1 AND status = 'open' RETURNING 1) SELECT count(*) "
	    "FROM u", 1, p) != 1)
		goto fail;
	if (atoi(n) == 0) {
		db_rollback(d);
		return 0;
	}
	memset(&o, 0, sizeof(o));
	o.strategy_id = c->strategy_id;
	o.cond_id = c->id;
	o.symbol = c->symbol;
	o.side = cond_is_buy(c->kind) ? "buy" : "sell";
	o.kind = "conditional";
	o.mode = c->live ? "live" : "paper";
	o.level = -1;
	o.amount_in = c->amount;
	o.price = c->trigger_text;
	o.status = "pending";
	if (ledger_insert_order(d, &o, oid) == -1 || db_commit(d) == -1)
		goto fail;
	return 1;
fail:
	n[0] = strcmp(db_sqlstate(d), "BSE01") == 0;
	db_rollback(d);
	return n[0] ? -2 : -1;
}

int
cond_expire(struct db *d, const struct cond *c)
{
	char		 ib[24];
	const char	*p[1] = { ib };

	snprintf(ib, sizeof(ib), "%lld", c->id);
	return db_exec(d, "UPDATE conditional_orders SET status = 'cancelled', "
	    "cancelled_at = now(), cancel_reason = 'expired' WHERE id = $1 AND "
	    "status = 'open'", 1, p);
}
