# hookbox: see README.md. `make` builds cgi-bin/hookbox.fcgi.

CC	?= cc
PKGS	 = fcgi json-c sqlite3 libsodium
# PostgreSQL: hookbox loads libpq when a config names a PostgreSQL
# database (src/store_pg.c), so it is not linked; building needs its header.
# Without libpq's development files the program stores into SQLite alone,
# and says so to a config that names PostgreSQL. The unit tests link it:
# they look into the database themselves.
HAVE_PQ != pkg-config --exists libpq 2>/dev/null && echo yes || echo no
ifeq ($(HAVE_PQ),yes)
PQ_CFLAGS != pkg-config --cflags libpq
PQ_TEST_LIBS = -lpq
else
NO_PG	 = -DHOOKBOX_NO_PG
endif
WARN	 = -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wmissing-prototypes \
	   -Wstrict-prototypes -Wmissing-declarations -Wsign-compare \
	   -Wwrite-strings -Wformat=2
# No -g by default: the binary is what goes to the host (make CFLAGS=-g).
CFLAGS	?= -O2
PKG_CFLAGS != pkg-config --cflags $(PKGS) 2>/dev/null || true
PKG_LIBS   != pkg-config --libs $(PKGS) 2>/dev/null || echo -lfcgi -ljson-c -lsqlite3 -lsodium
PKG_LIBS  += -ldl
ALL_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -pthread $(WARN) $(PKG_CFLAGS) $(PQ_CFLAGS) $(NO_PG) $(CFLAGS)

SRCS	 = src/main.c src/serve.c src/fcgi.c src/request.c src/answer.c \
	   src/providers.c src/verify.c src/store.c src/store_write.c \
	   src/store_run.c src/store_read.c src/store_inbox.c src/hooks.c \
	   src/config.c src/cli.c src/util.c src/buf.c src/auth.c src/html.c \
	   src/inbox.c src/store_upkeep.c src/notify.c src/prune.c \
	   src/store_sql.c src/store_pg.c src/migrate.c
LIBSRCS	 = $(filter-out src/main.c,$(SRCS))
HDRS	 = src/hookbox.h src/store_int.h src/upkeep.h
# The unit tests: a harness and one file of cases per module.
UNIT_SRCS = $(wildcard tests/unit/*.c)
BIN	 = cgi-bin/hookbox.fcgi

# The sanitizer build lives apart so that both can exist at once.
ASAN_DIR = build/asan
ASAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	     -fno-sanitize-recover=undefined

DEBIAN_BUILD_PKGS = build-essential pkg-config libfcgi-dev libjson-c-dev \
		    libsqlite3-dev libsodium-dev libpq-dev
DEBIAN_TEST_PKGS  = lighttpd apache2 libapache2-mod-fcgid nginx spawn-fcgi curl sqlite3 \
		    python3 wrk valgrind clang libclang-rt-14-dev \
		    chromium chromium-driver python3-selenium \
		    postgresql

.PHONY: all deps test-deps run test check-asan unit static fuzz clean

all: $(BIN)

$(BIN): $(SRCS) $(HDRS) Makefile
	$(CC) $(ALL_CFLAGS) -o $@ $(SRCS) $(PKG_LIBS) $(LDFLAGS)

build/unit: $(UNIT_SRCS) tests/unit/unit.h $(LIBSRCS) $(HDRS) Makefile
	@mkdir -p build
	$(CC) $(ALL_CFLAGS) -Isrc -o $@ $(UNIT_SRCS) $(LIBSRCS) $(PKG_LIBS) \
	    $(PQ_TEST_LIBS)

$(ASAN_DIR)/hookbox.fcgi: $(SRCS) $(HDRS) Makefile
	@mkdir -p $(ASAN_DIR)
	$(CC) -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -pthread $(WARN) \
	    $(PKG_CFLAGS) $(PQ_CFLAGS) $(NO_PG) $(ASAN_FLAGS) -o $@ $(SRCS) \
	    $(PKG_LIBS)

$(ASAN_DIR)/unit: $(UNIT_SRCS) tests/unit/unit.h $(LIBSRCS) $(HDRS) Makefile
	@mkdir -p $(ASAN_DIR)
	$(CC) -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -pthread $(WARN) \
	    $(PKG_CFLAGS) $(PQ_CFLAGS) $(NO_PG) $(ASAN_FLAGS) -Isrc -o $@ \
	    $(UNIT_SRCS) $(LIBSRCS) $(PQ_TEST_LIBS) \
	    $(PKG_LIBS)

# One self-contained binary for hosts without the libraries (install.sh
# uses it when it cannot build). It stores into SQLite only: a static
# program cannot load libpq. glibc warns that getpwuid and the resolver
# would need its shared NSS modules at run time: hookbox resolves no host
# names, and a hook's HOME falls back to "/" without them.
STATIC	= cgi-bin/hookbox-static.fcgi
static: $(STATIC)

$(STATIC): $(SRCS) $(HDRS) Makefile
	@mkdir -p build
	$(CC) $(ALL_CFLAGS) -DHOOKBOX_NO_PG -static -o $@.tmp $(SRCS) \
	    -lfcgi -ljson-c -lsqlite3 -lsodium -lm -lpthread -ldl \
	    2>build/static.log; rc=$$?; \
	    grep -v -e 'statically linked applications requires' \
	    -e ': in function' build/static.log >&2; \
	    [ $$rc -eq 0 ] && mv $@.tmp $@

# A plain `make` only builds. These install what is missing when root,
# otherwise say what to install; `make run`, `make test` and `make bench`
# call them first.
deps:
	@sh tests/lib/deps.sh $(DEBIAN_BUILD_PKGS)

test-deps:
	@sh tests/lib/deps.sh $(DEBIAN_BUILD_PKGS) $(DEBIAN_TEST_PKGS)

# After the packages are in, a second make reads pkg-config's answers,
# which the first one read before they were there.
run: test-deps
	@$(MAKE) --no-print-directory all
	@bash tests/run-demo.sh

test: test-deps
	@$(MAKE) --no-print-directory $(BIN) $(STATIC) build/unit \
	    $(ASAN_DIR)/hookbox.fcgi $(ASAN_DIR)/unit
	@bash tests/run.sh

check-asan: test-deps
	@$(MAKE) --no-print-directory $(ASAN_DIR)/hookbox.fcgi $(ASAN_DIR)/unit
	@HOOKBOX_SUITES=asan bash tests/run.sh

# libFuzzer harnesses (tests/fuzz/), each for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
fuzz: test-deps
	@bash tests/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf build $(BIN) $(STATIC)

# Speed, side by side with the ceilings (tests/bench/bench.sh); not a test.
.PHONY: bench
bench: test-deps
	@$(MAKE) --no-print-directory all $(STATIC)
	@bash tests/bench/bench.sh
