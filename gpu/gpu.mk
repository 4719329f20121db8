# gpu.mk - the GPU chapter's programs (included by the Makefile).
#
#   make gpu        gpu/*.cu compiled by nvcc into $(BUILD)/gpu/
#   make bench-gpu  each kernel timed against a copy of as many bytes, and the
#                   chapter's targets checked from the same run (gpu/bench-gpu)
#
# nvcc is not in Debian's main archive: where it is missing, `make gpu` says
# so in one line and builds nothing. gpu/check-cuda (a runner of make test)
# then compiles the kernels with clang instead, to PTX for sm_80, which
# proves they compile for a GPU; with nvcc it also runs each program's
# --check, which compares the kernels with the lessons' CPU steps (06 and
# 11's AdamW, 10's 8-bit Adam) on a device, or says in one line that there
# is none.
NVCC ?= nvcc
# Found when a recipe runs (on PATH, or where the toolkit installs itself).
# Not under SANITIZE=1: nvcc would link the sanitized libraries without the
# sanitizers' runtime.
ifeq ($(SANITIZE),1)
NVCC_FOUND =
NO_NVCC_WHY = not under SANITIZE=1
else
NVCC_FOUND = $(or $(shell command -v $(NVCC) 2>/dev/null),$(wildcard /usr/local/cuda/bin/nvcc))
NO_NVCC_WHY = no nvcc (the CUDA toolkit)
endif
# -fmad=false: each operation rounded on its own, as on the CPU (the kernel
# files say why); warnings are errors; sm_90 code for an H100, and PTX for
# any newer GPU.
NVCC_FLAGS := -O3 -fmad=false -Werror all-warnings -Xcompiler -Wall,-Wextra \
              -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90 \
              -Icommon $(addprefix -I,$(LESSON_DIRS))
GPU_PROGRAMS := $(BUILD)/gpu/adamw_fused $(BUILD)/gpu/adam8bit

# The chapter's C side, built everywhere by the C compiler, as a lesson is:
# its library (the CPU steps the kernels are checked against, and what the
# chapter measures on the CPU), its program build/bin/13_gpu (the book's
# numbers) and its tests. It comes after every lesson and sees them all.
GPU_CHAPTER := 13_gpu
GPU_SRC := $(filter-out gpu/main.c gpu/test_%.c,$(wildcard gpu/*.c))
GPU_LIB := $(BUILD)/lib/lib$(GPU_CHAPTER).a
GPU_LINK := $(GPU_LIB) $(ALL_LESSON_LIBS) $(COMMON_LIB)
$(GPU_LIB): $(patsubst %.c,$(BUILD)/obj/%.o,$(GPU_SRC))
$(BUILD)/obj/gpu/%.o: CPPFLAGS += $(addprefix -I,$(LESSON_DIRS))
# Where the program finds the timings a GPU recorded (gpu/recorded.h).
$(BUILD)/obj/gpu/main.o: CPPFLAGS += -DGPU_TIMINGS_DIR='"$(abspath gpu/timings)"'
$(BUILD)/bin/$(GPU_CHAPTER): $(BUILD)/obj/gpu/main.o $(GPU_LINK)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/test/$(GPU_CHAPTER): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard gpu/test_*.c)) $(TESTING_OBJ) \
                            $(GPU_LINK) | $(BUILD)/bin/$(GPU_CHAPTER)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(CHECK_LIBS) $(LDLIBS)
PROGRAMS += $(BUILD)/bin/$(GPU_CHAPTER)
TEST_RUNNERS += $(BUILD)/test/$(GPU_CHAPTER)

# The kernels include the lessons' per-element headers and gpu/workbench.cuh.
$(BUILD)/gpu/%: gpu/%.cu gpu/workbench.cuh $(wildcard common/*.h lessons/*/*.h gpu/*.h) \
              $(GPU_LINK)
	@mkdir -p $(@D)
	$(NVCC_FOUND) $(NVCC_FLAGS) -Igpu -o $@ $< $(filter %.o %.a,$^) $(LDLIBS)

.PHONY: gpu gpu-build bench-gpu
all: gpu
gpu:
	@if [ -n "$(NVCC_FOUND)" ]; then $(MAKE) --no-print-directory gpu-build; \
	 else echo "gpu: $(NO_NVCC_WHY): the GPU chapter's programs are not built"; fi
gpu-build: $(GPU_PROGRAMS)
bench-gpu: gpu
	@gpu/bench-gpu $(BUILD)
