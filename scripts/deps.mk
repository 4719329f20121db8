# deps.mk - installing what is missing, once (included by the Makefile).
#
# scripts/deps.sh says what it needs. Every rule that runs an installed tool
# waits for the stamp of its level (build: the compiler and Check; lesson: +
# gnuplot; book: + pandoc, XeLaTeX). The levels run one after the other, so
# make -j never starts two installs. Each asks for the widest level this run
# needs, so that a user who types `make book` is given one line with
# everything missing, not three in turn.
deps_level = $(firstword $(filter book,$(1) $(MAKECMDGOALS)) $(filter lesson,$(1) $(MAKECMDGOALS)) build)
$(BUILD)/.deps-%: scripts/deps.sh
	@scripts/deps.sh $(call deps_level,$*)
	@mkdir -p $(@D) && touch $@
$(BUILD)/.deps-lesson: | $(BUILD)/.deps-build
$(BUILD)/.deps-book: | $(BUILD)/.deps-lesson
