# book.mk - how `make book` makes the book, included by the top-level Makefile.
#
# 1. each lesson program runs with its default flags and writes its tables to
#    build/book/run/out/NN_name/ and its figures to build/book/run/fig/ (the
#    book's own run: a reader's runs, with any flags, write to build/out/ and
#    build/fig/, which the book never reads); 2. book/weave.lua fills each
#    chapter with listings, tables, numbers and figures (build/book/src/);
#    3. book/render.lua and pandoc make one HTML page per chapter and the
#    whole PDF. See book/README.md.
BOOK := $(BUILD)/book
BOOK_RUN := $(BOOK)/run
PANDOC := pandoc
FRONT_PAGES := index preface
BACK_PAGES := race symbols glossary glossary_zh bibliography
# The chapters: the lessons, then the GPU chapter (gpu/gpu.mk), which closes the book.
CHAPTERS := $(LESSONS) $(GPU_CHAPTER)
PAGES := $(FRONT_PAGES) $(CHAPTERS) $(BACK_PAGES)
CHAPTER_MD := $(patsubst %,$(BOOK)/src/%.md,$(CHAPTERS))
HTML_PAGES := $(patsubst %,$(BOOK)/html/%.html,$(PAGES))
PDF := $(BOOK)/optimizers-in-c.pdf

# A chapter's directory; the markdown a page is made from, and its title
# (the first "# " line).
chapter_dir = $(if $(filter $(1),$(GPU_CHAPTER)),gpu,lessons/$(1))
page_src = $(if $(filter $(1),$(CHAPTERS)),$(BOOK)/src/$(1).md,$(if $(filter $(1),$(FRONT_PAGES)),book/front/$(1).md,book/back/$(1).md))
title_src = $(if $(filter $(1),$(CHAPTERS)),$(call chapter_dir,$(1))/README.md,$(call page_src,$(1)))
page_title = $(shell sed -n '/^# /{s/^# *//;s/ *{[^}]*} *$$//;p;q}' $(call title_src,$(1)))
chapter_number = $(if $(filter $(1),$(CHAPTERS)),$(shell echo $(1) | sed 's/_.*//;s/^0*//'))

$(BOOK_RUN)/out/%/.done: $(BUILD)/bin/% | $(BUILD)/.deps-book
	@rm -rf $(BOOK_RUN)/out/$* && mkdir -p $(BUILD)/log
	@echo "running $* (output in $(BUILD)/log/$*.txt)"
	@$(BUILD)/bin/$* --out=$(BOOK_RUN) > $(BUILD)/log/$*.txt
	@touch $@
# The book's numbers change when a device's recorded run does (gpu/gpu.mk).
$(BOOK_RUN)/out/$(GPU_CHAPTER)/.done: $(wildcard gpu/timings/*.txt)

# $(call weave,CHAPTER): chapter's README.md (the first prerequisite) woven into $@
weave = $(PANDOC) -f markdown-auto_identifiers -t markdown --lua-filter=book/weave.lua -M lesson=$(1) \
	  -M dir=$(call chapter_dir,$(1)) -M build=$(BUILD) -M run=$(BOOK_RUN) -M deps=$(BOOK)/meta/$(1).d \
	  -M used=$(BOOK)/meta/$(1).snippets -M figs=$(BOOK)/meta/$(1).figs -o $@ $<
$(BOOK)/src/%.md: lessons/%/README.md $(BOOK_RUN)/out/%/.done book/weave.lua | $(BUILD)/.deps-book
	@mkdir -p $(@D) $(BOOK)/meta
	$(call weave,$*)
$(BOOK)/src/$(GPU_CHAPTER).md: gpu/README.md $(BOOK_RUN)/out/$(GPU_CHAPTER)/.done book/weave.lua | $(BUILD)/.deps-book
	@mkdir -p $(@D) $(BOOK)/meta
	$(call weave,$(GPU_CHAPTER))

-include $(wildcard $(BOOK)/meta/*.d)

$(BOOK)/src/contents.md: $(foreach c,$(CHAPTERS),$(call chapter_dir,$(c))/README.md) book/book.mk
	@mkdir -p $(@D)
	@{ echo '## Contents'; echo; echo '::: contents'; echo '- [Preface](preface.html)'; \
	  $(foreach l,$(CHAPTERS),echo '- $(call chapter_number,$(l))\. [$(call page_title,$(l))]($(l).html)';) \
	  $(foreach b,$(BACK_PAGES),echo '- [$(call page_title,$(b))]($(b).html)';) echo ':::'; } > $@

HTML_OPTS = --template=book/template.html --mathml --highlight-style=book/listing.theme \
            --lua-filter=book/render.lua --citeproc --bibliography=book/references.bib \
            --section-divs --toc-depth=2

# $(1) page, $(2) previous page, $(3) next page
define PAGE_RULES
# (the neighbours' sources too: their titles are in the previous/next links)
$(BOOK)/html/$(1).html: $(call page_src,$(1)) $(if $(filter index,$(1)),$(BOOK)/src/contents.md) \
                        $(if $(2),$(call title_src,$(2))) $(if $(3),$(call title_src,$(3))) \
                        book/render.lua book/template.html book/references.bib book/listing.theme \
                        $(BOOK)/.playground | $(BOOK)/html/book.css $(BUILD)/.deps-book
	@mkdir -p $$(@D)/fig
	$(if $(filter $(1),$(CHAPTERS)),@for f in $$$$(cat $(BOOK)/meta/$(1).figs); do cp $(BOOK_RUN)/fig/$$$$f.svg $$(@D)/fig/; done)
	$(PANDOC) $(HTML_OPTS) $(if $(filter index,$(1)),,--toc) -M playground=$$$$(cat $(BOOK)/.playground) \
	  -M pagetitle="$(call page_title,$(1))" $(if $(call chapter_number,$(1)),-M chapter=$(call chapter_number,$(1)) --number-sections --number-offset=$(shell expr $(call chapter_number,$(1)) - 1)) \
	  $(if $(2),-M prev-url=$(2).html -M prev-title="$(call page_title,$(2))") \
	  $(if $(3),-M next-url=$(3).html -M next-title="$(call page_title,$(3))") \
	  -o $$@ $(call page_src,$(1)) $(if $(filter index,$(1)),$(BOOK)/src/contents.md)
endef
PREVIOUS_PAGES := _ $(PAGES)
$(foreach i,$(shell seq 1 $(words $(PAGES))),$(eval $(call PAGE_RULES,$(word $(i),$(PAGES)),$(filter-out _,$(word $(i),$(PREVIOUS_PAGES))),$(word $(shell expr $(i) + 1),$(PAGES)))))

# The playground (wasm/wasm.mk) in the HTML book, when the WebAssembly
# toolchain is there: decided as the recipe runs (scripts/deps.sh may have
# installed it during this very make), and told to the pages by the stamp
# ("yes" or "no"). Without it `make wasm` says so in one line, and the pages
# keep their static figures.
$(BOOK)/.playground: wasm/playground.js $(WASM_SRC) wasm/playground.c | $(BUILD)/.deps-book
	@mkdir -p $(BOOK)/html
	@if [ "$(WASM_READY)" = yes ]; then \
	  $(MAKE) --no-print-directory wasm-build && cp wasm/playground.js $(BOOK)/html/ && \
	  { printf 'window.PLAYGROUND_WASM = "'; base64 -w0 $(BUILD)/wasm/playground.wasm; printf '";\n'; } \
	    > $(BOOK)/html/playground-wasm.js && echo yes > $@; \
	else $(MAKE) --no-print-directory wasm && echo no > $@; fi

$(BOOK)/html/book.css: book/book.css
	@mkdir -p $(@D)
	cp $< $@

$(PDF): book/front/preface.md $(CHAPTER_MD) $(patsubst %,book/back/%.md,$(BACK_PAGES)) \
        book/render.lua book/latex-header.tex book/metadata.yaml book/references.bib book/listing.theme \
        | $(BUILD)/.deps-book
	$(PANDOC) --metadata-file=book/metadata.yaml -H book/latex-header.tex \
	  --lua-filter=book/render.lua --citeproc --bibliography=book/references.bib \
	  --top-level-division=chapter --number-sections --toc --highlight-style=book/listing.theme \
	  --resource-path=$(BOOK_RUN) --pdf-engine=xelatex \
	  -o $@ book/front/preface.md $(CHAPTER_MD) $(patsubst %,book/back/%.md,$(BACK_PAGES))

# A snippet not shown in a chapter its marker names (/* snippet: NAME, shown in
# NN_name */) is a listing the book forgot, or a marker that points elsewhere.
$(BOOK)/.snippets-checked: $(CHAPTER_MD) scripts/check-snippets.sh
	@scripts/check-snippets.sh $(BOOK)/meta
	@touch $@

# The interactive figures in headless Chromium (wasm/check_pages.mjs): each
# starts with no console error at 1280 and 390 px, its slider changes the
# drawing; screenshots in $(BOOK)/screens/. Only where the playground was built
# (make wasm has said why not).
$(BOOK)/.pages-checked: $(HTML_PAGES) wasm/check_pages.mjs
	@if [ "$$(cat $(BOOK)/.playground)" = yes ]; then node wasm/check_pages.mjs $(BOOK)/html $(BOOK)/screens; fi
	@touch $@

book: $(HTML_PAGES) $(BOOK)/html/optimizers-in-c.pdf $(BOOK)/.snippets-checked $(BOOK)/.pages-checked
	@echo "book: $(BOOK)/html/index.html and $(PDF)"

$(BOOK)/html/optimizers-in-c.pdf: $(PDF)
	@mkdir -p $(@D)
	cp $< $@
