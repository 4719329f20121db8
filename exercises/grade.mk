# exercises/grade.mk - the exercises' part of the Makefile (included by it).
#
# exercises/NN_name/ holds the tasks (README.md), the stubs a student fills in
# (named in manifest.txt), the tests that grade them (test_*.c) and their
# points (points.txt); solutions/NN_name/ holds the same stubs solved.
#
#   make test                 also runs each set's tests on solutions/ (Check)
#   make grade                grades exercises/ with scripts/grade.sh
#   make test WORK=exercises  the same as make grade
#   make handout              build/handout/: a student's copy, without solutions/
#   make autograder           build/autograder.zip for Gradescope
#   (both from the last commit; FROM=tree takes this tree's files instead)
#
# scripts/grade.sh builds a pristine copy of the repository (never the
# student's tree) with the targets grade-parts, grade-compile and
# grade-link-commands below; the student's files reach it only as submission/NN_name/*.c.
WORK ?= solutions
EXERCISE_SETS := $(notdir $(wildcard exercises/[0-9][0-9]_*))
GRADED_OBJ := $(BUILD)/obj/exercises/graded.o

# Tests, solutions, stubs, submissions and the grading main() see graded.h.
$(BUILD)/obj/exercises/%.o $(BUILD)/obj/solutions/%.o $(BUILD)/obj/submission/%.o \
$(BUILD)/obj/tools/grade_child.o: CPPFLAGS += -Iexercises

# $(1) the set (01_sgd): the objects every grading binary of it links
grade_set_parts = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard exercises/$(1)/test_*.c)) \
                  $(GRADED_OBJ) $(BUILD)/obj/tools/grade_child.o $(BUILD)/obj/common/testing.o \
                  $($(1)_LINK)
grade_stub_objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out exercises/$(1)/test_%.c,$(wildcard exercises/$(1)/*.c)))

# $(1) the set
define EXERCISE_RULES
$(BUILD)/obj/solutions/$(1)/%.o $(BUILD)/obj/exercises/$(1)/%.o $(BUILD)/obj/submission/$(1)/%.o: \
    CPPFLAGS += -Iexercises/$(1)
$(BUILD)/test/ex-$(1): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard exercises/$(1)/test_*.c)) \
      $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard solutions/$(1)/*.c)) \
      $(GRADED_OBJ) $(TESTING_OBJ) $$($(1)_LINK)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o %.a,$$^) $$(CHECK_LIBS) $$(LDLIBS)
endef
$(foreach x,$(EXERCISE_SETS),$(eval $(call EXERCISE_RULES,$(x))))
# A handout has no solutions/: nothing to run there.
ifneq ($(wildcard solutions),)
TEST_RUNNERS += $(patsubst %,$(BUILD)/test/ex-%,$(EXERCISE_SETS))
endif

# The grader's own tests (tests/grader/): cheats that must score 0, graded
# by scripts/grade.sh and again through the Gradescope autograder. They do
# not depend on the sanitizers, so the sanitizer run leaves them out.
ifneq ($(SANITIZE),1)
TEST_RUNNERS += tests/grader/check-grader tests/grader/check-autograder
endif

# Students' code: warnings are shown but do not stop the grading.
$(BUILD)/obj/submission/%.o: CFLAGS += -Wno-error

# ---- the grader's own steps (run by scripts/grade.sh in the pristine copy) ----
GRADE_TOOLS := $(BUILD)/bin/grade_run $(BUILD)/bin/grade_check $(BUILD)/bin/grade_report
$(GRADE_TOOLS): $(BUILD)/bin/%: $(BUILD)/obj/tools/%.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^

.PHONY: grade-parts grade-compile grade-link-commands handout autograder
# make grade-parts SETS="01_sgd ..."   the tools, and each set's tests, libraries and stubs
grade-parts: $(GRADE_TOOLS) $(foreach s,$(SETS),$(call grade_set_parts,$(s)) $(call grade_stub_objs,$(s)))
# make -k grade-compile OBJS="..."     the student's files, each on its own
grade-compile: $(OBJS)
# make grade-link-commands SETS="..."  per set: SET, the linker, the objects, the libraries
# (tab-separated), so that scripts/grade.sh can link a binary per exercise
TAB := $(shell printf '\t')
grade-link-commands:
	@$(foreach s,$(SETS),printf '%s\n' '$(s)$(TAB)$(CC) $(LDFLAGS)$(TAB)$(filter %.o,$(call grade_set_parts,$(s)))$(TAB)$(filter %.a,$(call grade_set_parts,$(s))) $(CHECK_LIBS) $(LDLIBS)';)

# PRISTINE: where the tests come from (a directory; by default this
# repository's last commit, see scripts/grade.sh).
grade: | $(BUILD)/.deps-build
	@scripts/grade.sh . $(BUILD)/grade $(PRISTINE)

# FROM=tree: from the files of this tree instead of the last commit.
handout:
	@scripts/grade-handout.sh $(BUILD)/handout $(FROM)

autograder: | $(BUILD)/.deps-build
	@scripts/grade-autograder.sh $(BUILD)/autograder.zip $(FROM)
