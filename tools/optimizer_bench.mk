# optimizer_bench.mk - `make bench-optimizers` (part of `make bench`): every
# optimizer's step against the memory roofline, lesson 10's measurement
# (lessons/10_memory/roofline.h says what it measures). Included by the Makefile.
#
# One program, built twice: with the project's CFLAGS (the teaching build)
# and with FAST_CFLAGS, the lessons' update functions compiled again with
# them into $(BUILD)/obj/fast/ (the teaching code itself, faster flags).
# Without OpenMP the fast build runs on one thread and says so; without
# python3-torch the PyTorch column says "no torch". Neither is a failure.
BENCH_SIZES ?= 10000000 100000000
BENCH_THREADS ?= 2
BENCH_REPEATS ?= 7
# The Python with torch (Debian's python3-torch lives under /usr/bin).
TORCH_PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)

# A flag when the compiler builds and links a program with it, else nothing.
cc_accepts = $(shell printf 'int main(void){return 0;}\n' | \
               $(CC) -Werror $(1) -x c - -o /dev/null >/dev/null 2>&1 && echo $(1))
# -O3: vectorize loops; -march=native: with this CPU's widest vectors;
# -fno-math-errno: sqrtf need not set errno for a negative argument, so it
# may be the vector square root instruction; -flto: optimize across files at
# link time, so that each update function is compiled into the bench's
# loop with its settings known (without it, RMSprop's loop must test
# cfg->momentum on every element: a store to param[i] might change it, as
# far as the compiler can tell); -fopenmp: the threads.
# Worked out once, when first needed: a make that never builds the bench
# asks the compiler nothing (a make -n that would build it does ask).
OPENMP_FLAG = $(eval OPENMP_FLAG := $(call cc_accepts,-fopenmp))$(OPENMP_FLAG)
FAST_CFLAGS = $(eval FAST_CFLAGS := -O3 \
    $(or $(call cc_accepts,-march=native),$(call cc_accepts,-mcpu=native)) -fno-math-errno \
    $(or $(call cc_accepts,-flto=auto),$(call cc_accepts,-flto)) $(OPENMP_FLAG))$(FAST_CFLAGS)

# The update functions the bench times, and lesson 10's roofline.c that
# times them (its chunks shared out among the fast build's threads).
BENCH_LESSON_SRC := $(addprefix lessons/,01_sgd/sgd.c 02_momentum/momentum.c \
    03_adagrad/adagrad.c 04_rmsprop/rmsprop.c 05_adam/adam.c 06_adamw/adamw.c \
    08_adafactor/adafactor.c 09_lion/lion.c 10_memory/adam8bit.c 10_memory/quantize.c \
    10_memory/roofline.c)
BENCH_FAST_OBJ := $(patsubst %.c,$(BUILD)/obj/fast/%.o,tools/optimizer_bench.c $(BENCH_LESSON_SRC))
BENCH_DEFS = -DBENCH_TEACHING_FLAGS='"$(strip $(filter -O% -m% -f%,$(CFLAGS)))"' \
            -DBENCH_FAST_FLAGS='"$(strip $(FAST_CFLAGS))"'

$(BUILD)/obj/tools/optimizer_bench.o: CPPFLAGS += $(addprefix -I,$(LESSON_DIRS)) $(BENCH_DEFS)
$(BUILD)/bin/optimizer_bench: $(BUILD)/obj/tools/optimizer_bench.o $(ALL_LESSON_LIBS) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/fast/%.o: CPPFLAGS += $(addprefix -I,$(LESSON_DIRS)) $(BENCH_DEFS) -DBENCH_FAST=1
$(BUILD)/obj/fast/%.o: %.c $(BUILD)/obj/fast/flags | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(FAST_CFLAGS) -c -o $@ $<
# The fast flags as last used: the objects are rebuilt when they change.
$(BUILD)/obj/fast/flags: bench-flags-check
	@mkdir -p $(@D)
	@echo '$(FAST_CFLAGS)' | cmp -s - $@ || echo '$(FAST_CFLAGS)' >$@
.PHONY: bench-flags-check
bench-flags-check:
$(BUILD)/bin/optimizer_bench_fast: $(BENCH_FAST_OBJ) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(FAST_CFLAGS) -o $@ $^ $(LDLIBS)

PROGRAMS += $(BUILD)/bin/optimizer_bench $(BUILD)/bin/optimizer_bench_fast
# Lesson 10's tests run both builds at a tiny size (well-formed rows, the
# same bits; never a timing).
$(BUILD)/test/10_memory: | $(BUILD)/bin/optimizer_bench $(BUILD)/bin/optimizer_bench_fast

.PHONY: bench-optimizers
bench: bench-optimizers
bench-optimizers: $(BUILD)/bin/optimizer_bench $(BUILD)/bin/optimizer_bench_fast
	@tools/optimizer_bench.sh $(BUILD) "$(TORCH_PYTHON)" $(BENCH_THREADS) $(BENCH_REPEATS) $(BENCH_SIZES)
