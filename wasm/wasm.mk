# wasm.mk - the book's playground (included by the Makefile): common/, the
# lessons' optimizers and optlab compiled to WebAssembly (wasm32-wasi) by
# clang and lld against wasi-libc, which scripts/deps.sh's book level
# installs. `make wasm` builds
#   $(BUILD)/wasm/optlab.wasm      optlab itself, a WASI command: the tests
#                                  run it in node beside the native one
#   $(BUILD)/wasm/playground.wasm  wasm/playground.c's API, for the HTML book
# and, without that toolchain, says so in one line and builds nothing: the
# book then keeps its static figures.
#
# WebAssembly has no processes and no zlib: wasm/host.c stands in for popen,
# system and zlib's calls (each fails as when the thing is missing), and
# common/experiment.c runs its parallel jobs one after another there.
WASM_CC ?= clang
WASM_FLAGS := --target=wasm32-wasi --sysroot=/usr -isystem /usr/include/wasm32-wasi
WASM_CFLAGS := $(WASM_FLAGS) -O2 -std=c11 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L \
               -MMD -MP -include wasm/host.h -Iwasm -Icommon -Ioptlab $(addprefix -I,$(LESSON_DIRS))
WASM_LDFLAGS := $(WASM_FLAGS) -L/usr/lib/wasm32-wasi
# The toolchain is there when clang makes a wasm32 object and lld links it
# against wasi-libc and clang's wasm32 builtins (deferred: deps.sh may
# install it during this very run).
WASM_READY = $(shell printf 'int main(void){return 0;}' | $(WASM_CC) $(WASM_FLAGS) -x c - \
                       -o /dev/null -L/usr/lib/wasm32-wasi 2>/dev/null && echo yes)

# Everything but tests, programs and what needs threads or MPI (lesson 12's
# simulation and its mpirun); an archive, so that each program links only
# the files it calls.
WASM_SRC := $(filter-out %/main.c %/check_main.c %/testing.c %/simulate.c %/zero_run.c %/mpi_comm.c \
                         optlab/optlab.c wasm/playground.c, \
              $(filter-out $(wildcard */test_*.c lessons/*/test_*.c), \
                $(wildcard common/*.c optlab/*.c lessons/*/*.c wasm/*.c)))
WASM_OBJ := $(patsubst %.c,$(BUILD)/wasm/obj/%.o,$(WASM_SRC))
WASM_LIB := $(BUILD)/wasm/liball.a

$(BUILD)/wasm/obj/%.o: %.c
	@mkdir -p $(@D)
	$(WASM_CC) $(WASM_CFLAGS) -c -o $@ $<

$(WASM_LIB): $(WASM_OBJ)
	@rm -f $@
	llvm-ar rcs $@ $^

$(BUILD)/wasm/optlab.wasm: $(BUILD)/wasm/obj/optlab/optlab.o $(WASM_LIB)
	$(WASM_CC) $(WASM_LDFLAGS) -O2 -o $@ $^ -lm

# A reactor: no main; the page calls its exports (wasm/playground.c).
$(BUILD)/wasm/playground.wasm: $(BUILD)/wasm/obj/wasm/playground.o $(WASM_LIB)
	$(WASM_CC) $(WASM_LDFLAGS) -O2 -mexec-model=reactor -Wl,--export-dynamic -o $@ $^ -lm

# Decided as the recipe runs, not as make reads this file: scripts/deps.sh
# (the .deps-build stamp) may install the toolchain during this very make.
.PHONY: wasm wasm-build
wasm: | $(BUILD)/.deps-build
	@if [ "$(WASM_READY)" = yes ]; then $(MAKE) --no-print-directory wasm-build; else \
	  echo "wasm: no WebAssembly toolchain (clang, lld, llvm, wasi-libc: scripts/deps.sh installs them):" \
	       "the book keeps its static figures"; fi
wasm-build: $(BUILD)/wasm/optlab.wasm $(BUILD)/wasm/playground.wasm

-include $(shell find $(BUILD)/wasm/obj -name '*.d' 2>/dev/null)
