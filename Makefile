# Optimizers in C - build, run, test.
#
#   make test            build everything (warnings are errors) and run every test
#   make book            the book: build/book/html/index.html and build/book/optimizers-in-c.pdf
#   make lesson L=01     build and run one lesson: its tables, its figures in build/fig/
#   make grade           grade your work in exercises/ (same as make test WORK=exercises)
#   make handout         a student's copy without solutions/ (build/handout/)
#   make autograder      a Gradescope autograder (build/autograder.zip)
#   make                 build everything
#   make bench           time the tiny GPT, and every optimizer's step against memory (minutes)
#   make gpu             the GPU chapter's kernels, with nvcc (make bench-gpu times them)
#   make test SANITIZE=1 the same tests under AddressSanitizer and UBSan (build/sanitize/)
#   make deps            install what is missing (scripts/deps.sh)
#   make clean           remove build/
#
# Everything is built out of tree in build/. This file holds the settings and
# the targets above; the rules are in the file of what they build:
# common/common.mk (libcommon, how every .c file compiles), lessons/lessons.mk,
# optlab/optlab.mk, tools/optimizer_bench.mk (make bench-optimizers),
# exercises/grade.mk (exercises, grading), wasm/wasm.mk, gpu/gpu.mk,
# book/book.mk and scripts/deps.mk
# (installing what is missing).

BUILD ?= build
CC ?= cc
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
  BUILD := build/sanitize
  SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
  # Tests that would run for many minutes under the sanitizers check this.
  SAN_CPPFLAGS := -DOPTIMIZERS_SANITIZE=1
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
# -ffp-contract=off: a * b + c rounded twice, as PyTorch's CPU kernels and
# the GPU kernels built with -fmad=false round it (GCC does so in C11 mode
# anyway; clang would fuse it on a CPU with FMA).
CFLAGS += -std=c11 -ffp-contract=off -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -MMD -MP $(SANFLAGS)
# Every file sees common/; which lessons' headers it sees depends on where it
# is (a lesson: itself and the lessons before it; lessons/lessons.mk).
CPPFLAGS += -Icommon $(PATH_DEFS) $(CHECK_CFLAGS) $(SAN_CPPFLAGS)
LDFLAGS += $(SANFLAGS)
LDLIBS := -lz -lm

.PHONY: all test lesson book grade deps clean
.DEFAULT_GOAL := all
# Stamps and woven chapters are intermediate files that must survive the run.
.SECONDARY:

# ---- the rules, by what they build ---------------------------------------------
include common/common.mk
include lessons/lessons.mk
include optlab/optlab.mk
include tools/optimizer_bench.mk
# Every test runner, in the order make test runs them; last the build's own
# rules: no lesson sees a later lesson's headers (check-includes), the book's
# snippet markers (check-weave), the WebAssembly build traces as the
# native one (check-wasm), and the GPU kernels compile (check-cuda). exercises/grade.mk adds the exercise sets.
TEST_RUNNERS := $(BUILD)/test/common $(TEST_RUNNERS) $(BUILD)/test/optlab \
                tests/check-includes tests/check-weave wasm/check-wasm gpu/check-cuda
include exercises/grade.mk
include wasm/wasm.mk
include gpu/gpu.mk
include book/book.mk
include scripts/deps.mk

# ---- what users type --------------------------------------------------------------
all: $(PROGRAMS) $(TEST_RUNNERS)

ifeq ($(WORK),exercises)
test: grade
else
test: $(PROGRAMS) $(TEST_RUNNERS) wasm gpu
	@OPTIMIZERS_BUILD=$(BUILD) scripts/run-tests.sh $(BUILD)/tap $(TEST_RUNNERS)
endif

# make lesson L=01: the lesson's tables on the terminal and in build/out/, its
# figures in build/fig/ (L=13: the GPU chapter's, measured on the CPU).
# L=01 or L=01_sgd names lesson 01 (% and spaces name none)
LESSON_NAME = $(if $(findstring %,$(L))$(word 2,$(L)),,$(filter $(L) $(L)_%,$(LESSONS) $(GPU_CHAPTER)))
lesson: $(BUILD)/.deps-lesson
	@test -n "$(L)" || { echo "usage: make lesson L=NN  (lessons: $(LESSONS) $(GPU_CHAPTER))" >&2; exit 2; }
	@test -n "$(LESSON_NAME)" || { echo "no lesson '$(L)' (lessons: $(LESSONS) $(GPU_CHAPTER))" >&2; exit 2; }
	@$(MAKE) --no-print-directory $(BUILD)/bin/$(LESSON_NAME)
	$(BUILD)/bin/$(LESSON_NAME) --out=$(BUILD)

deps:
	@scripts/deps.sh all

clean:
	rm -rf build
