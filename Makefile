# Optimizers in C - build, run, test.
#
#   make test            build everything (warnings are errors) and run every test
#   make book            the book: build/book/html/index.html and build/book/optimizers-in-c.pdf
#   make lesson L=01     build and run one lesson: its tables, its figures in build/fig/
#   make grade           grade your work in exercises/ (same as make test WORK=exercises)
#   make handout         a student's copy without solutions/ (build/handout/)
#   make autograder      a Gradescope autograder (build/autograder.zip)
#   make                 build everything
#   make test SANITIZE=1 the same tests under AddressSanitizer and UBSan (build/sanitize/)
#   make deps            install what is missing (scripts/deps.sh)
#   make clean           remove build/
#
# Everything is built out of tree in build/; the book's rules are in
# book/book.mk, the exercises' and the grader's in exercises/grade.mk.
# Lessons are found by their directories, lessons/NN_name/: the files
# test_*.c are the lesson's tests, main.c is its program, and every other .c
# file is its library. A lesson may use the lessons before it, never after:
# it is compiled with their headers only and linked with their libraries only.

BUILD ?= build
CC ?= cc
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
  BUILD := build/sanitize
  SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif

# Deferred (=), because scripts/deps.sh may install Check during this very run.
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit)

LESSON_DIRS := $(sort $(wildcard lessons/[0-9][0-9]_*))
LESSONS := $(notdir $(LESSON_DIRS))

# Paths the programs and tests need, baked in as absolute paths so that they
# run from any directory.
PATH_DEFS := -DOPTIMIZERS_DATA_DIR='"$(abspath common/data)"' \
             -DOPTIMIZERS_GOLDEN_DIR='"$(abspath tests/golden)"' \
             -DOPTIMIZERS_BIN_DIR='"$(abspath $(BUILD)/bin)"'

CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -MMD -MP $(SANFLAGS)
# Every file sees common/; which lessons' headers it sees depends on where it
# is (a lesson: itself and the lessons before it; see the rules below).
CPPFLAGS += -Icommon $(PATH_DEFS) $(CHECK_CFLAGS)
LDFLAGS += $(SANFLAGS)
LDLIBS := -lz -lm

.PHONY: all test lesson book grade deps clean
.DEFAULT_GOAL := all
# Stamps and woven chapters are intermediate files that must survive the run.
.SECONDARY:

# ---- common/: the shared core -------------------------------------------------
COMMON_SRC := $(filter-out common/check_main.c common/testing.c common/test_%.c,$(wildcard common/*.c))
COMMON_LIB := $(BUILD)/lib/libcommon.a
TESTING_OBJ := $(BUILD)/obj/common/check_main.o $(BUILD)/obj/common/testing.o

$(COMMON_LIB): $(patsubst %.c,$(BUILD)/obj/%.o,$(COMMON_SRC))

# ---- lessons ------------------------------------------------------------------
reverse = $(if $(1),$(call reverse,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))

# $(1) = lesson name, e.g. 01_sgd; $(2) = the lessons up to and including it
define LESSON_RULES
$(1)_SRC := $$(filter-out lessons/$(1)/main.c lessons/$(1)/test_%.c,$$(wildcard lessons/$(1)/*.c))
$(1)_LIB := $(BUILD)/lib/lib$(1).a
# Later lessons first: a static library may only use the ones after it.
$(1)_LINK := $$(foreach l,$$(call reverse,$(2)),$(BUILD)/lib/lib$$(l).a) $(COMMON_LIB)

$$($(1)_LIB): $$(patsubst %.c,$(BUILD)/obj/%.o,$$($(1)_SRC))

# Its headers and those before it, never after; the same for its exercises.
$(BUILD)/obj/lessons/$(1)/%.o $(BUILD)/obj/exercises/$(1)/%.o $(BUILD)/obj/solutions/$(1)/%.o \
$(BUILD)/obj/submission/$(1)/%.o: CPPFLAGS += $(addprefix -Ilessons/,$(2))

$(BUILD)/bin/$(1): $(BUILD)/obj/lessons/$(1)/main.o $$($(1)_LINK)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)

# The tests run the lesson program too (a smoke run), so it is built first.
$(BUILD)/test/$(1): $$(patsubst %.c,$(BUILD)/obj/%.o,$$(wildcard lessons/$(1)/test_*.c)) \
                    $(TESTING_OBJ) $$($(1)_LINK) | $(BUILD)/bin/$(1)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o %.a,$$^) $$(CHECK_LIBS) $$(LDLIBS)

PROGRAMS += $(BUILD)/bin/$(1)
TEST_RUNNERS += $(BUILD)/test/$(1)
endef

LESSONS_SO_FAR :=
$(foreach l,$(LESSONS),$(eval LESSONS_SO_FAR += $(l))$(eval $(call LESSON_RULES,$(l),$(LESSONS_SO_FAR))))

ALL_LESSON_LIBS := $(foreach l,$(call reverse,$(LESSONS)),$(BUILD)/lib/lib$(l).a)

# ---- optlab: the lab bench ------------------------------------------------------
OPTLAB_SRC := $(filter-out optlab/test_%.c,$(wildcard optlab/*.c))
$(BUILD)/obj/optlab/%.o: CPPFLAGS += -Ioptlab $(addprefix -I,$(LESSON_DIRS))
$(BUILD)/bin/optlab: $(patsubst %.c,$(BUILD)/obj/%.o,$(OPTLAB_SRC)) $(ALL_LESSON_LIBS) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/test/optlab: $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard optlab/test_*.c)) \
                      $(BUILD)/obj/optlab/registry.o $(TESTING_OBJ) $(ALL_LESSON_LIBS) $(COMMON_LIB) | $(BUILD)/bin/optlab
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(CHECK_LIBS) $(LDLIBS)

$(BUILD)/test/common: $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard common/test_*.c)) \
                      $(TESTING_OBJ) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(CHECK_LIBS) $(LDLIBS)

PROGRAMS += $(BUILD)/bin/optlab
# The build's own rules: no lesson sees a later lesson's headers
# (check-includes); the book's snippet markers (check-weave).
TEST_RUNNERS := $(BUILD)/test/common $(TEST_RUNNERS) $(BUILD)/test/optlab \
                tests/check-includes tests/check-weave

# ---- generic rules ----------------------------------------------------------------
$(BUILD)/obj/%.o: %.c | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/lib/%.a:
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- exercises: tests on solutions/, grading, handout, autograder ---------------
include exercises/grade.mk

# ---- the book: book/book.mk -------------------------------------------------------
include book/book.mk

# ---- what users type --------------------------------------------------------------
all: $(PROGRAMS) $(TEST_RUNNERS)

ifeq ($(WORK),exercises)
test: grade
else
test: $(PROGRAMS) $(TEST_RUNNERS)
	@scripts/run-tests.sh $(BUILD)/tap $(TEST_RUNNERS)
endif

# make lesson L=01: the lesson's tables on the terminal and in build/out/, its
# figures in build/fig/.
LESSON_NAME = $(notdir $(wildcard lessons/$(L)_*))
lesson: $(BUILD)/.deps-lesson
	@test -n "$(L)" || { echo "usage: make lesson L=NN  (lessons: $(LESSONS))"; exit 2; }
	@test -n "$(LESSON_NAME)" || { echo "no lesson $(L) (lessons: $(LESSONS))"; exit 2; }
	@$(MAKE) --no-print-directory $(BUILD)/bin/$(LESSON_NAME)
	$(BUILD)/bin/$(LESSON_NAME) --out=$(BUILD)

# Installs missing system packages once; scripts/deps.sh says what it needs.
# Every rule that runs an installed tool waits for the stamp of its level
# (build: the compiler and Check; lesson: + gnuplot; book: + pandoc, XeLaTeX).
# The levels run one after the other, so make -j never starts two installs.
# Each asks for the widest level this run needs, so that a user who types
# `make book` is given one line with everything missing, not three in turn.
deps_level = $(firstword $(filter book,$(1) $(MAKECMDGOALS)) $(filter lesson,$(1) $(MAKECMDGOALS)) build)
$(BUILD)/.deps-%: scripts/deps.sh
	@scripts/deps.sh $(call deps_level,$*)
	@mkdir -p $(@D) && touch $@
$(BUILD)/.deps-lesson: | $(BUILD)/.deps-build
$(BUILD)/.deps-book: | $(BUILD)/.deps-lesson

deps:
	@scripts/deps.sh all

clean:
	rm -rf build
