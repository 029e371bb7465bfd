# bsc-mm top-level Makefile.
#
#   make            build everything into build/ (build-san/ with SANITIZE=1)
#   make check      unit and integration tests against a throwaway PostgreSQL
#                   and a local Hardhat chain (SANITIZE=1: ASan+UBSan build)
#   make bench      benchmarks, printing figures
#   make demo       local environment, all daemons, strategies trading
#   make demo-stop  stop everything the demo started
#   make deps       install what a fresh Debian 12 machine lacks
#   make install    PREFIX=/usr/local DESTDIR=
#
# Sources are found by wildcard: a new common/foo.c joins libbsccommon.a, a
# new t/check_foo.c becomes a test binary, a new stratd/foo.c joins stratd.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKGS    := libzmq libpq libcurl libcjson libsecp256k1 openssl

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check zlib 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check zlib 2>/dev/null)

WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-unused-parameter -Wno-format-truncation
DEFS    := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
           -DBSC_PREFIX='"$(PREFIX)"'
CFLAGS  ?= -O2 -g
ALL_CFLAGS = $(WARN) $(DEFS) $(CFLAGS) $(PKG_CFLAGS) -Icommon -I$(B)/gen
LDLIBS  := $(PKG_LIBS) -lm -lpthread

ifeq ($(SANITIZE),1)
B       := build-san
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=undefined
SAN_LD  := -fsanitize=address,undefined
else
B       := build
SAN_LD  :=
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

DAEMONS := marketd stratd fundsd monitord

COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(B)/%.o) $(B)/gen/sql_embed.o
COMMON_LIB := $(B)/libbsccommon.a

# Per-daemon code other than main.c goes into a per-daemon library so that
# tests can link it (t/check_grid.c tests stratd/grid.c).
define daemon_rules
$(1)_SRC := $$(filter-out $(1)/main.c,$$(wildcard $(1)/*.c))
$(1)_OBJ := $$($(1)_SRC:%.c=$(B)/%.o)
$(B)/lib$(1).a: $$($(1)_OBJ)
	@mkdir -p $$(@D)
	$(Q)rm -f $$@ && ar rcs $$@ $$^
$(B)/bin/$(1): $(B)/$(1)/main.o $(B)/lib$(1).a $(COMMON_LIB)
	@mkdir -p $$(@D)
	@$(if $(Q),echo "  LD      $$@")
	$(Q)$$(CC) $(SAN_LD) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) \
	    $$(filter %.a,$$^) $(COMMON_LIB) $$(LDLIBS)
endef
$(foreach d,$(DAEMONS) ctl,$(eval $(call daemon_rules,$(d))))

# bsc-ctl runs some daemon code in-process (candle import, backtests use
# marketd's importer and stratd's grid engine): it links every daemon lib.
$(B)/bin/ctl: $(DAEMONS:%=$(B)/lib%.a)

BINS := $(DAEMONS:%=$(B)/bin/%) $(B)/bin/bsc-ctl
DAEMON_LIBS := $(DAEMONS:%=$(B)/lib%.a) $(B)/libctl.a

$(B)/bin/bsc-ctl: $(B)/bin/ctl
	$(Q)cp $< $@
	$(Q)ln -sf bsc-ctl $(B)/bin/bsc-bot

TEST_SRC  := $(wildcard t/check_*.c)
TEST_BINS := $(TEST_SRC:t/%.c=$(B)/t/%)
TEST_SUPPORT_SRC := $(filter-out t/check_%.c,$(wildcard t/*.c))
TEST_SUPPORT := $(TEST_SUPPORT_SRC:t/%.c=$(B)/t/%.o)

BENCH_SRC  := $(wildcard bench/bench_*.c)
BENCH_BINS := $(BENCH_SRC:bench/%.c=$(B)/bench/%)

SQL_FILES := $(sort $(wildcard sql/*.sql))

.PHONY: all check bench benches demo demo-stop deps install clean tests
# Test support objects are not intermediates: keep them between builds.
.PRECIOUS: $(B)/t/%.o
all: $(BINS)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/gen/sql_embed.c: $(SQL_FILES) scripts/embed-sql
	@mkdir -p $(@D)
	$(Q)sh scripts/embed-sql $(SQL_FILES) > $@.tmp && mv $@.tmp $@

$(B)/gen/sql_embed.o: $(B)/gen/sql_embed.c
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(COMMON_LIB): $(COMMON_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/t/%.o: t/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -It -MMD -MP -c -o $@ $<

$(B)/t/check_%: t/check_%.c $(TEST_SUPPORT) $(DAEMON_LIBS) $(COMMON_LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -It $(SAN_LD) $(LDFLAGS) -o $@ $< \
	    $(TEST_SUPPORT) $(DAEMON_LIBS) $(COMMON_LIB) $(CHECK_LIBS) $(LDLIBS)

# Benchmarks may use the test support objects (t/httpstub.c as a stub
# JSON-RPC server, for one).
$(B)/bench/bench_%: bench/bench_%.c $(TEST_SUPPORT) $(DAEMON_LIBS) $(COMMON_LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  BENCH   $@")
	$(Q)$(CC) $(ALL_CFLAGS) -It $(SAN_LD) $(LDFLAGS) -o $@ $< \
	    $(TEST_SUPPORT) $(DAEMON_LIBS) \
	    $(COMMON_LIB) $(CHECK_LIBS) $(LDLIBS)

tests: $(BINS) $(TEST_BINS)

check: tests
	BSC_BUILD=$(B) sh t/run-tests $(TEST_BINS)

benches: $(BENCH_BINS)

bench: $(BINS) $(BENCH_BINS)
	BSC_BUILD=$(B) sh bench/run-bench $(BENCH_BINS)

deps:
	sh scripts/deps

demo: all
	BSC_BUILD=$(B) sh scripts/demo start

demo-stop:
	BSC_BUILD=$(B) sh scripts/demo stop

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/bsc-mm
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	ln -sf bsc-ctl $(DESTDIR)$(PREFIX)/bin/bsc-bot
	install -d $(DESTDIR)$(PREFIX)/share/bsc-mm/sql
	install -m 0644 $(SQL_FILES) $(DESTDIR)$(PREFIX)/share/bsc-mm/sql/
	cp -R etc $(DESTDIR)$(PREFIX)/share/bsc-mm/
	cp -R runbook $(DESTDIR)$(PREFIX)/share/bsc-mm/

clean:
	rm -rf build build-san

-include $(shell find $(B) -name '*.d' 2>/dev/null)
