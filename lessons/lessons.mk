# lessons.mk - the lessons' part of the Makefile (included by it).
#
# Lessons are found by their directories, lessons/NN_name/: the files
# test_*.c are the lesson's tests, main.c is its program, and every other .c
# file is its library. A lesson may use the lessons before it, never after:
# it is compiled with their headers only and linked with their libraries only
# (tests/check-includes proves it). Each lesson adds its program to PROGRAMS
# and its test runner to TEST_RUNNERS.
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

# Every lesson's library, later lessons first (for optlab, which uses them all).
ALL_LESSON_LIBS := $(foreach l,$(call reverse,$(LESSONS)),$(BUILD)/lib/lib$(l).a)

# Lesson 12 runs its ranks on OpenMPI when the MPI headers are there
# (scripts/deps.sh installs them), and on threads in any case. Deferred (=),
# because scripts/deps.sh may install OpenMPI during this very run.
MPI_CFLAGS = $(shell pkg-config --cflags mpi-c 2>/dev/null && echo -DHAVE_MPI)
MPI_LIBS = $(shell pkg-config --libs mpi-c 2>/dev/null)
$(BUILD)/obj/lessons/12_zero/mpi_comm.o: CPPFLAGS += $(MPI_CFLAGS)
$(BUILD)/bin/12_zero: LDLIBS += $(MPI_LIBS)
