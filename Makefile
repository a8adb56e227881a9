# nslab - Linux namespaces, rebuilt in C one step at a time.
# `make help` lists the targets.

CC       ?= cc
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
CPPFLAGS += -MMD -MP
LDFLAGS  += -Wl,--as-needed

# make test SANITIZE=1: the same build and tests under AddressSanitizer and UBSan.
ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

# Lazily expanded (=): `make deps` may install libmnl and check in the same run.
MNL_CFLAGS   = $(shell pkg-config --cflags libmnl 2>/dev/null)
MNL_LIBS     = $(shell pkg-config --libs libmnl 2>/dev/null || echo -lmnl)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

BUILD := build

# Every stage directory NN-name/ holds one program, NN-name/name.c.  A stage whose
# lesson is big keeps part of it in further files beside it (05-bridge-dhcp/dhcp-client.c):
# those go into liblessons.a, which every stage program, the unit tests and the fuzz
# targets link, so a later stage reuses an earlier stage's lesson from its own file.
STAGE_DIRS    := $(sort $(patsubst %/,%,$(dir $(wildcard [0-9][0-9]-*/*.c))))
STAGE_SRCS    := $(foreach d,$(STAGE_DIRS),$(d)/$(patsubst $(firstword $(subst -, ,$(d)))-%,%,$(d)).c)
STAGES        := $(STAGE_SRCS:.c=)
STAGE_NUMS    := $(STAGE_DIRS)
LESSON_SRCS   := $(filter-out $(STAGE_SRCS),$(sort $(wildcard [0-9][0-9]-*/*.c)))
LESSON_OBJS   := $(LESSON_SRCS:%.c=$(BUILD)/%.o)
LIBLESSONS    := $(BUILD)/liblessons.a

COMMON_SRCS := $(sort $(wildcard common/*.c))
COMMON_OBJS := $(COMMON_SRCS:%.c=$(BUILD)/%.o)
LIBNSLAB    := $(BUILD)/libnslab.a

UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/%.o)
UNIT_BIN  := $(BUILD)/unit-tests

# Fuzz targets: every tests/fuzz/fuzz_NAME.c, seeds in tests/fuzz/corpus/NAME/.  Each
# is built twice: with the normal compiler and tests/fuzz/replay.c, which make test
# runs on the corpus (build/tests/fuzz/replay_NAME), and for make fuzz with clang's
# libFuzzer (build/fuzz/fuzz_NAME).
FUZZ_SRCS    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES   := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
REPLAY_BINS  := $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/replay_%)

# Debian packages, by what needs them.  make deps installs (as root) or names what a
# student's make uses: running the course and its tests; make fuzz and make lint add
# their own.  The names exist on Debian 12 and 13 and on Ubuntu 22.04 and 24.04,
# unversioned where Debian has a meta package (clang, libclang-rt-dev: clang's
# libFuzzer and sanitizer runtimes, which clang only recommends; deps installs no
# recommends).
# - dnsmasq-base is dnsmasq's program without the system service: the course starts
#   its own dnsmasq inside a lab namespace and must not get one on the host.
# - The article's DHCP clients are optional: chapter 5 compares them with the
#   course's own, and a distribution without one loses only what needs it.
# - apparmor gives apparmor_parser, which checks scripts/apparmor's profile without
#   loading it (tests/apparmor.bats).  Its postinst loads profiles only where the
#   kernel has AppArmor enabled, and enables its boot service without starting it:
#   on a kernel without AppArmor it changes nothing.
# - strace shows exercise 3.1's order of calls without root (and checks the narration
#   in the tests); python3 sends the flood of junk DHCP packets (tests/dhcp-flood.py),
#   clang builds every stage a second time (tests/make.bats).
# - debootstrap builds the Debian 13 root that CI runs the course in (.ci/debian13).
DEBS_RUN     := build-essential pkg-config libmnl-dev iproute2 procps iputils-ping util-linux strace \
                dnsmasq-base
DEBS_CLIENTS := isc-dhcp-client udhcpc
DEBS_TEST    := check bats bats-support bats-assert python3 clang apparmor
DEBS_LINT    := clang-format shellcheck cppcheck
DEBS_CI      := debootstrap
DEBS         := $(DEBS_RUN) $(DEBS_TEST)

.PHONY: all help deps deps-run deps-fuzz deps-lint deps-ci allow-userns demo doctor exercise test test-unit fuzz lint fmt bench clean $(addprefix run-,$(foreach s,$(STAGE_NUMS),$(firstword $(subst -, ,$(s)))))

all: $(STAGES)

help:
	@echo "nslab - Linux namespaces, rebuilt in C one step at a time"
	@echo
	@echo "  sudo make demo     build and run every stage's demo in order (NOPAUSE=1: no pauses)"
	@echo "  sudo make test     build and run every test (unit, behaviour, tutorial)"
	@echo "  sudo make run-NN   build and run stage NN (e.g. make run-01)"
	@echo "  make               build every stage"
	@echo "  sudo make deps     install the Debian packages the course and its tests need"
	@echo "                     (deps-run: only running it; deps-fuzz, deps-lint: make fuzz's, lint's)"
	@echo "  sudo make allow-userns  let the stages have user namespaces under Ubuntu's AppArmor restriction"
	@echo "  make exercise EX=N check a tutorial exercise (EX=1.1 ...; rootless when not root)"
	@echo "  make doctor        say why a stage would fail on this machine, before it does"
	@echo "  make fuzz          run every fuzz target with libFuzzer (FUZZ_SECONDS=10 each)"
	@echo "  make lint          clang-format check, shellcheck, cppcheck"
	@echo "  make fmt           reformat the C sources"
	@echo "  sudo make bench    time the stages against the standard tools"
	@echo "  make clean         remove what make built"
	@echo
	@echo "  Stages: $(STAGE_NUMS)"
	@echo "  Options: SANITIZE=1 (ASan+UBSan build), CC=clang, NSLAB_STRICT=1 (a skipped test fails)"

# What each purpose needs (scripts/deps.sh): installed when root, otherwise named with
# the one command whoever administers the machine runs, once, for every user of it.
OPTIONAL_CLIENTS = $(addprefix --optional ,$(DEBS_CLIENTS))
deps:
	@scripts/deps.sh $(DEBS) $(OPTIONAL_CLIENTS)
deps-run:
	@scripts/deps.sh $(DEBS_RUN) $(OPTIONAL_CLIENTS)
# Ubuntu 22.04 has no libclang-rt-dev: there clang 14's libFuzzer and sanitizer
# runtimes come with clang itself (libclang-common-14-dev), so it is optional.
deps-fuzz:
	@scripts/deps.sh clang --optional libclang-rt-dev
deps-lint:
	@scripts/deps.sh $(DEBS_LINT)
deps-ci:
	@scripts/deps.sh $(DEBS_CI)

# Ubuntu 23.10+ (kernel.apparmor_restrict_unprivileged_userns = 1): once, as root,
# installs and loads an AppArmor profile that grants the five stage programs of this
# checkout the userns permission; refuses in one line without AppArmor or root.
allow-userns:
	@scripts/apparmor/allow-userns.sh install

# The same profile, for this checkout, to read before an administrator installs it.
$(BUILD)/apparmor/nslab-userns: scripts/apparmor/nslab-userns.in scripts/apparmor/allow-userns.sh
	@mkdir -p $(dir $@)
	@scripts/apparmor/allow-userns.sh profile "$$(pwd -P)" > $@.tmp && mv $@.tmp $@

# A stamp of the compiler and flags: switching SANITIZE or CC rebuilds everything.
$(BUILD)/flags.stamp: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CC) $(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(CFLAGS) $(LDFLAGS)' > $@
FORCE:

$(BUILD)/%.o: %.c $(BUILD)/flags.stamp
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(MNL_CFLAGS) -c -o $@ $<

$(LIBNSLAB): $(COMMON_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(LIBLESSONS): $(LESSON_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

# NN-name/prog from NN-name/prog.c and the common library.
$(STAGES): %: $(BUILD)/%.o $(LIBLESSONS) $(LIBNSLAB)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBLESSONS) $(LIBNSLAB) $(MNL_LIBS)

$(BUILD)/tests/unit/%.o: private CFLAGS += $(CHECK_CFLAGS)
$(UNIT_BIN): $(UNIT_OBJS) $(LIBLESSONS) $(LIBNSLAB)
	$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJS) $(LIBLESSONS) $(LIBNSLAB) $(MNL_LIBS) $(CHECK_LIBS)

# make run-01 ... run-05: build, then run that stage's demo.  Not root: with -U, in a
# user namespace of one's own (TUTORIAL.md, "A lab of one's own"), said in one line.
USERNS := $(shell [ "$$(id -u)" = 0 ] || echo -U)
define RUN_RULE
run-$(firstword $(subst -, ,$(1))): deps-run
	@$$(MAKE) --no-print-directory $(filter $(1)/%,$(STAGES))
	$(if $(USERNS),@echo "make run-$(firstword $(subst -, ,$(1))): not root: rootless mode (-U: a user namespace of your own)")
	./$(filter $(1)/%,$(STAGES)) $(USERNS) $$(ARGS)
endef
$(foreach s,$(STAGE_NUMS),$(eval $(call RUN_RULE,$(s))))

# The README's first command: every stage's demo, in order.
demo: deps-run
	@$(MAKE) --no-print-directory all
	$(if $(USERNS),@echo "make demo: not root: every stage rootless (-U: a user namespace of your own)")
	@scripts/demo.sh $(if $(NOPAUSE),--no-pause) $(if $(USERNS),--userns) $(STAGES)

# Why a stage would fail on this machine, before it does.
# scripts/doctor-probe.c tries the kernel features no command-line tool shows.
$(BUILD)/doctor-probe: scripts/doctor-probe.c $(BUILD)/flags.stamp
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

doctor: $(BUILD)/doctor-probe
	@scripts/doctor.sh $(DEBS_RUN) $(OPTIONAL_CLIENTS)

# The check of one exercise of TUTORIAL.md: make exercise EX=1.2 CMD='sleep 300'
exercise: deps-run
	@scripts/exercises.sh $(EX) $(if $(CMD),-- $(CMD))

# The README's second command: unit tests, behaviour tests, tutorial checks.
test: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(REPLAY_BINS) $(BUILD)/doctor-probe
	@tests/run-all.sh

test-unit: $(UNIT_BIN)
	$(UNIT_BIN)

SHELL_FILES = $(wildcard scripts/*.sh tests/*.sh tests/*.bash tests/*.bats ) .ci/run .ci/debian13
C_FILES     = $(wildcard common/*.[ch] [0-9][0-9]-*/*.[ch] tests/unit/*.[ch] tests/fuzz/*.c scripts/*.c)

# Clean with Debian 12's tools and Debian 13's (clang-format 14 and 19, cppcheck 2.10
# and 2.17): CI runs it on both (.ci/debian13).  cppcheck 2.17's note that it limits
# its analysis of branches is not a finding.
lint: deps-lint
	clang-format --dry-run -Werror $(C_FILES)
	shellcheck -x $(SHELL_FILES)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
	  --inline-suppr --suppress=normalCheckLevelMaxBranches --std=c11 -D__GNUC__ -D_GNU_SOURCE $(C_FILES)

fmt:
	clang-format -i $(C_FILES)

bench: deps-run
	@$(MAKE) --no-print-directory all
	@scripts/bench.sh

clean:
	rm -rf $(BUILD) $(STAGES)

# ---- fuzzing ---------------------------------------------------------------------
# A replay runner per target, with the normal compiler and flags (SANITIZE=1 too).
$(BUILD)/tests/fuzz/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o \
                              $(LIBLESSONS) $(LIBNSLAB)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/tests/fuzz/replay.o $(LIBLESSONS) $(LIBNSLAB) $(MNL_LIBS)

# make fuzz: the targets, the common library and the lesson files built again by
# clang in their own directory, all with coverage for libFuzzer and ASan+UBSan (any
# report is a crash), then run.sh runs each for FUZZ_SECONDS (0: until it fails).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 10
FUZZ_BUILD   := $(BUILD)/fuzz
FUZZ_CFLAGS  := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral \
                -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=all
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_LIBNSLAB    := $(FUZZ_BUILD)/libnslab.a
FUZZ_LIBLESSONS  := $(FUZZ_BUILD)/liblessons.a

fuzz: deps-fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BUILD) $(FUZZ_NAMES)

$(FUZZ_BUILD)/flags.stamp: FORCE
	@mkdir -p $(FUZZ_BUILD)
	@echo '$(FUZZ_CC) $(FUZZ_CFLAGS)' | cmp -s - $@ || echo '$(FUZZ_CC) $(FUZZ_CFLAGS)' > $@

$(FUZZ_BUILD)/%.o: %.c $(FUZZ_BUILD)/flags.stamp
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(MNL_CFLAGS) -c -o $@ $<

$(FUZZ_LIBNSLAB): $(COMMON_SRCS:%.c=$(FUZZ_BUILD)/%.o)
	rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_LIBLESSONS): $(LESSON_SRCS:%.c=$(FUZZ_BUILD)/%.o)
	rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_LIBLESSONS) $(FUZZ_LIBNSLAB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(FUZZ_LIBLESSONS) \
	  $(FUZZ_LIBNSLAB) $(MNL_LIBS)

SHELL_FILES += $(wildcard tests/fuzz/*.sh scripts/apparmor/*.sh)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
