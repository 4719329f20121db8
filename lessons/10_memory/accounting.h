/* accounting.h - lesson 10's memory accounting: where the memory of
 * training goes. Lesson 10's program prints the chapter's tables with it and
 * `optlab memory` (optlab/memory.c) is its command line.
 *
 * For a model of N parameters, a recipe (which number formats hold the
 * parameters, gradients, master weights and optimizer state) and an
 * optimizer, the bytes per parameter and the totals of each. Nothing here is
 * a table typed in by hand: the optimizer's state is read from its real
 * allocation on a small model of the same layout (MemoryLedger, TAG_STATE,
 * tensor_bytes), and float32 parameters and gradients from theirs. Only
 * bfloat16, which no tensor of this book holds before lesson 11, is taken as
 * its definition: 16 bits.
 *
 * The model is laid out as matrices of R x C (--shape=R,C; by default one
 * square matrix of about N elements): N / (R C) of them. Most optimizers'
 * state is the same per parameter whatever the shape; Adafactor's factored
 * state (row_var, col_var) depends on it, and LoRA's adapters too. */
#ifndef LESSON_ACCOUNTING_H
#define LESSON_ACCOUNTING_H

#include <stdbool.h>
#include <stddef.h>

#include "optimizer.h"
#include "optimizer_spec.h"

/* The most parameters memory_account (and `optlab memory`) takes: 1e15
 * (every byte count is then exact in a double). */
#define MEMORY_MAX_PARAMS 1e15
/* Matrices up to this many elements are allocated as they are; larger ones
 * are worked out from allocations of smaller matrices of the same kind
 * (memory_state_fit). 2^20 elements: 4 MiB a float32 tensor. */
#define MEMORY_MEASURE_MAX (1L << 20)
/* The period of the fit's shapes: adam8bit's default block (bitsandbytes'
 * 256), so that a fitted matrix's last block is as full as the real one's. */
#define MEMORY_FIT_PERIOD 256

typedef enum { RECIPE_FP32, RECIPE_MIXED, RECIPE_MIXED_8BIT, RECIPE_LORA } MemoryRecipe;

/* The recipe as --recipe names it: "fp32", "mixed", "mixed-8bit", "lora". */
const char *memory_recipe_name(MemoryRecipe recipe);

/* An optimizer as `optlab memory --opt=NAME` names it: the spec of a lesson
 * up to this one, with settings ("momentum" is torch.optim.SGD with
 * momentum=0.9). */
typedef struct {
    const char *name;           /* "momentum" */
    const OptimizerSpec *spec;  /* its lesson's: SGD_MOMENTUM_SPEC */
    const char *settings[2];    /* PyTorch keywords that pick this variant; NULL-terminated */
} MemoryOptimizer;

/* The names memory_optimizer_find takes, in the book's order: sgd momentum
 * adagrad rmsprop adam adamw adafactor lion adam8bit. The i-th (from 0), or
 * NULL past the last. */
const char *memory_optimizer_name(int i);
/* The optimizer --opt=name stands for, or false for a name not among
 * memory_optimizer_name's. */
bool memory_optimizer_find(const char *name, MemoryOptimizer *out);
/* The one whose 8-bit state --recipe=mixed-8bit uses: adam, adamw and
 * adam8bit have one (bitsandbytes' Adam8bit; its AdamW8bit keeps the same
 * state); false for the others. */
bool memory_optimizer_8bit(const MemoryOptimizer *opt, MemoryOptimizer *out);

/* An optimizer's state on one R x C matrix, slot by slot, in bytes, as its
 * allocation counts it (slots that hold nothing for a matrix, such as
 * Adafactor's variance, count 0). */
typedef struct {
    int count;
    char names[OPTIMIZER_MAX_SLOTS][32];     /* the optimizer's slot names: "exp_avg" */
    bool bytes_kind[OPTIMIZER_MAX_SLOTS];    /* uint8 codes, not float32 */
    double bytes[OPTIMIZER_MAX_SLOTS];
    double param_bytes, grad_bytes;          /* the float32 matrix and its gradient */
} MemorySlots;

/* Allocates one rows x cols parameter and its gradient in a fresh ledger,
 * makes the optimizer on it and reads each slot's bytes (and checks that the
 * ledger's TAG_STATE count equals optimizer_state_bytes). Returns 0, or -1
 * with a message (memory, a config the spec refuses). */
int memory_state_measure(const MemoryOptimizer *opt, int rows, int cols, MemorySlots *out,
                         char *err, size_t errlen);
/* The same for a matrix of any size, without allocating it: the bytes of
 * each slot are fitted as e R C + r R + c C + k on four matrices of R0 + P a
 * by C0 + P b elements (a, b = 1, 2; R0 = R mod P, C0 = C mod P,
 * P = MEMORY_FIT_PERIOD), checked exactly on a fifth, and evaluated at R, C.
 * The matrix must have P^2 = 65536 elements or more, so that it falls on
 * the same side of any threshold as the four (adam8bit's min_8bit_size,
 * 4096). Returns 0, or -1 with a message (also when a slot does not fit the
 * form). */
int memory_state_fit(const MemoryOptimizer *opt, long rows, long cols, MemorySlots *out,
                     char *err, size_t errlen);
/* memory_state_measure for matrices of up to MEMORY_MEASURE_MAX elements,
 * memory_state_fit beyond. */
int memory_state(const MemoryOptimizer *opt, long rows, long cols, MemorySlots *out, char *err,
                 size_t errlen);

typedef struct {
    double params;          /* N */
    long rows, cols;        /* the matrix shape */
    MemoryRecipe recipe;
    MemoryOptimizer opt;    /* as asked */
    int rank;               /* LoRA's rank (recipe lora) */
    int grads_fp32;         /* -1: the recipe's gradients; 0: bf16; 1: fp32 */
} MemoryQuery;

#define MEMORY_MAX_ROWS (OPTIMIZER_MAX_SLOTS + 4)
typedef struct {
    char what[48];             /* "parameters", "state exp_avg" */
    const char *dtype;         /* "fp32", "bf16", "uint8" */
    double bytes_per_param;    /* per parameter of the model (N) */
    double bytes;              /* in all */
} MemoryRow;

typedef struct {
    MemoryOptimizer opt;       /* the optimizer whose state is counted */
    double matrices;           /* N / (R C) */
    double trainable;          /* parameters that train: N, or LoRA's adapters */
    double trainable_per_matrix;
    int num_rows;
    MemoryRow rows[MEMORY_MAX_ROWS];
    double bytes_per_param, bytes;   /* the total */
} MemoryTable;

/* The table for a query. Returns 0, or -1 with a message. */
int memory_account(const MemoryQuery *q, MemoryTable *t, char *err, size_t errlen);

/* The models whose memory the study notes count, accounted: 8B, 70B and 7B
 * parameters as 4096 x 4096 matrices (a Llama-sized layer; only Adafactor
 * and LoRA care about the shape), LoRA's 4096 x 4096 matrix alone, in each
 * recipe the notes name; mixed precision with bf16 gradients but in
 * p70_mixed_fp32. */
typedef struct {
    MemoryTable p8, p8_mixed, p8_8bit;                             /* Adam */
    MemoryTable p70, p70_mixed, p70_mixed_fp32, p70_8bit;          /* Adam */
    MemoryTable p70_sgd, p70_sgd_mixed, p70_lora, p7_mixed, lora;  /* SGD; AdamW (LoRA rank 16) */
    double saved_8bit;                  /* bytes: p70_mixed's state less p70_8bit's */
    double sgd_saves, sgd_saves_mixed;  /* SGD's total below Adam's, in percent: fp32, mixed */
    double lora_pct;                    /* LoRA's trainable share of its matrix, in percent */
} MemoryNotes;
/* Returns 0, or -1 with a message. */
int memory_notes(MemoryNotes *out, char *err, size_t errlen);
/* The bytes of t's rows whose name starts with `prefix`: "state" sums the
 * optimizer's slots, "parameters" the model's own copy (fp32, or mixed
 * precision's bf16 working copy; not the master weights). */
double memory_rows_bytes(const MemoryTable *t, const char *prefix);
/* The side of the default shape, one square matrix of about N elements: the
 * largest S with S * S <= params (params from 1 to MEMORY_MAX_PARAMS). */
long memory_square_side(double params);

/* The study notes' estimate of the activations a training step keeps,
 * batch x seq x hidden x 10 x bytes x layers, in bytes (bytes: of one value,
 * 4 for fp32, BF16_BYTES for mixed). The 10 is the notes' rule of thumb, not
 * a count of this book's tensors. layers = 1 gives one layer's. */
double memory_activation_bytes(int batch, int seq, int hidden, int layers, double bytes);

/* bfloat16's size, by definition: 16 bits. */
#define BF16_BYTES 2.0

#endif
