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

# ---- generic rules ----------------------------------------------------------------
$(BUILD)/obj/%.o: %.c | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/lib/%.a:
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
