# optlab.mk - the lab bench's part of the Makefile (included by it):
# build/bin/optlab sees every lesson's headers and links every lesson's
# library; its test runner links the registry and runs the program (the
# memory accounting `optlab memory` prints is lesson 10's library,
# lessons/10_memory/accounting.c, and tested there).
OPTLAB_SRC := $(filter-out optlab/test_%.c,$(wildcard optlab/*.c))
$(BUILD)/obj/optlab/%.o: CPPFLAGS += -Ioptlab $(addprefix -I,$(LESSON_DIRS))
$(BUILD)/bin/optlab: $(patsubst %.c,$(BUILD)/obj/%.o,$(OPTLAB_SRC)) $(ALL_LESSON_LIBS) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/test/optlab: $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard optlab/test_*.c)) \
                      $(BUILD)/obj/optlab/registry.o $(TESTING_OBJ) $(ALL_LESSON_LIBS) $(COMMON_LIB) | $(BUILD)/bin/optlab
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(CHECK_LIBS) $(LDLIBS)

PROGRAMS += $(BUILD)/bin/optlab
