# rawnet: one non-recursive Makefile.
#   make              build/rawnet, build/librawnet.a, build/librawnet.so
#   make check        unit tests (cmocka), golden tests, namespace tests (root)
#   make SAN=1 check  the same with ASan+UBSan, in build-san/
#   make CC=clang     any compiler; -Wall -Wextra -Werror always
#   make install PREFIX=/usr/local DESTDIR=
#   make demo         the guided tour in two namespaces (root)

CC      ?= cc
PREFIX  ?= /usr/local
VERSION := 0.1.0

ifeq ($(SAN),1)
BUILD   ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT     ?= -O1 -g
else
BUILD   ?= build
SANFLAGS :=
OPT     ?= -O2 -g
endif

PCAP_CFLAGS := $(shell pkg-config --cflags libpcap 2>/dev/null)
PCAP_LIBS   := $(shell pkg-config --libs libpcap 2>/dev/null || echo -lpcap)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
PCRE2_CFLAGS := $(shell pkg-config --cflags libpcre2-8 2>/dev/null)
PCRE2_LIBS   := $(shell pkg-config --libs libpcre2-8 2>/dev/null || echo -lpcre2-8)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-missing-field-initializers
CPPFLAGS += -Iinclude -Isrc -D_GNU_SOURCE -DRAWNET_VERSION=\"$(VERSION)\"
CFLAGS   += -std=c11 $(OPT) $(WARN) $(SANFLAGS) -fPIC -MMD -MP $(PCAP_CFLAGS) $(PCRE2_CFLAGS)
LDFLAGS  += $(SANFLAGS)
LDLIBS   += $(PCAP_LIBS) $(PCRE2_LIBS) -lm

LIB_SRC  := $(sort $(wildcard src/*/*.c))
TOOL_SRC := $(sort $(wildcard tools/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
EX_SRC   := $(sort $(wildcard examples/*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
TOOL_OBJ := $(TOOL_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
EX_BIN   := $(EX_SRC:examples/%.c=$(BUILD)/examples/%)

LIB_A  := $(BUILD)/librawnet.a
LIB_SO := $(BUILD)/librawnet.so
BIN    := $(BUILD)/rawnet

.PHONY: all check unit tests demo deps install clean bench
all: $(BIN) $(LIB_A) $(LIB_SO) $(EX_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB_A): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIB_SO): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,librawnet.so.0 $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN): $(TOOL_OBJ) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $(TOOL_OBJ) $(LIB_A) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/unit -o $@ $< $(LIB_A) $(CMOCKA_LIBS) $(LDLIBS)

$(BUILD)/examples/%: examples/%.c $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LIB_A) $(LDLIBS)

tests: $(TEST_BIN)

# Installs missing Debian packages when run as root; a no-op when all are there.
deps:
	@if [ "$$(id -u)" = 0 ]; then scripts/deps.sh; else scripts/deps.sh build || true; fi

# T=pattern limits the run to tests whose path contains it (make check T=ping).
check: deps
	@$(MAKE) --no-print-directory all tests
	@BUILD=$(BUILD) RAWNET=$(abspath $(BIN)) tests/run.sh $(T)

unit: tests
	@BUILD=$(BUILD) RAWNET=$(abspath $(BIN)) tests/run.sh unit/

demo: deps
	@$(MAKE) --no-print-directory all
	@RAWNET=$(abspath $(BIN)) scripts/demo.sh

bench: all
	@RAWNET=$(abspath $(BIN)) bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/include/rawnet $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/rawnet
	install -m 644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/librawnet.a
	install -m 755 $(LIB_SO) $(DESTDIR)$(PREFIX)/lib/librawnet.so.0
	ln -sf librawnet.so.0 $(DESTDIR)$(PREFIX)/lib/librawnet.so
	install -m 644 include/rawnet/*.h $(DESTDIR)$(PREFIX)/include/rawnet/
	install -m 644 docs/rawnet.8 $(DESTDIR)$(PREFIX)/share/man/man8/rawnet.8
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' rawnet.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/rawnet.pc

clean:
	rm -rf build build-san

-include $(LIB_OBJ:.o=.d) $(TOOL_OBJ:.o=.d)
