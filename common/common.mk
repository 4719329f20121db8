# common.mk - the shared core and how every C file is built, included by the
# top-level Makefile.
#
# common/*.c is libcommon, except its tests (test_*.c) and what every test
# runner links (check_main.c, testing.c). Each .c file compiles to
# $(BUILD)/obj/ under its own path; its flags come from the file that owns
# its directory (lessons/lessons.mk, optlab/optlab.mk, exercises/grade.mk).
COMMON_SRC := $(filter-out common/check_main.c common/testing.c common/test_%.c,$(wildcard common/*.c))
COMMON_LIB := $(BUILD)/lib/libcommon.a
TESTING_OBJ := $(BUILD)/obj/common/check_main.o $(BUILD)/obj/common/testing.o

$(COMMON_LIB): $(patsubst %.c,$(BUILD)/obj/%.o,$(COMMON_SRC))

$(BUILD)/test/common: $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard common/test_*.c)) \
                      $(TESTING_OBJ) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(CHECK_LIBS) $(LDLIBS)

# The tiny GPT's programs (tools/): `make bench` times one training step and
# says where the time goes; `make gpt-evidence` trains it with Adam and with
# SGD against the floor (minutes). gpt_evidence makes its optimizers with
# optlab's registry, so it links what optlab links (named in the recipe:
# those rules come later in the Makefile). Later benchmarks add themselves
# as prerequisites of bench.
$(BUILD)/bin/gpt_bench: $(BUILD)/obj/tools/gpt_bench.o $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/obj/tools/gpt_evidence.o: CPPFLAGS += -Ioptlab $(addprefix -I,$(LESSON_DIRS))
$(BUILD)/bin/gpt_evidence: $(BUILD)/obj/tools/gpt_evidence.o $(BUILD)/bin/optlab $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/obj/optlab/registry.o $(ALL_LESSON_LIBS) $(COMMON_LIB) $(LDLIBS)
PROGRAMS += $(BUILD)/bin/gpt_bench $(BUILD)/bin/gpt_evidence
$(BUILD)/test/common: | $(BUILD)/bin/gpt_bench   # test_gpt.c runs its refusals
.PHONY: bench bench-gpt gpt-evidence
bench: bench-gpt
bench-gpt: $(BUILD)/bin/gpt_bench
	$(BUILD)/bin/gpt_bench
gpt-evidence: $(BUILD)/bin/gpt_evidence
	$(BUILD)/bin/gpt_evidence

# ---- generic rules ----------------------------------------------------------------
$(BUILD)/obj/%.o: %.c | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/lib/%.a:
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
