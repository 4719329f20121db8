/* gpt.h - a tiny GPT-2-style language model, trained on the made-up
 * character language of charlang.h: the workload of the later chapters
 * (AdamW, warmup, Adafactor, Lion, 8-bit states, mixed precision, ZeRO),
 * where SGD no longer keeps up with Adam: in 1000 steps of 32 windows, Adam
 * ends 0.03 nats per character above the floor and plain SGD, at its best
 * learning rate, 0.46 above it (`make gpt-evidence`, tools/gpt_evidence.c).
 *
 * The model, with PyTorch's (GPT2Model's) parameter names, in this order:
 *   wte.weight [V x C], wpe.weight [T x C]        token and position embeddings
 *   for each block l = 0 .. n_layer-1, "h.l.":    pre-LayerNorm blocks
 *     ln_1.weight, ln_1.bias [C]
 *     attn.c_attn.weight [3C x C], attn.c_attn.bias [3C]    q, k, v
 *     attn.c_proj.weight [C x C],  attn.c_proj.bias [C]
 *     ln_2.weight, ln_2.bias [C]
 *     mlp.c_fc.weight [4C x C],    mlp.c_fc.bias [4C]       then GELU
 *     mlp.c_proj.weight [C x 4C],  mlp.c_proj.bias [C]
 *   ln_f.weight, ln_f.bias [C]                    the final LayerNorm
 * and the output layer is wte itself (tied, as in GPT-2): logits = ln_f(x) wte^T.
 * Linear weights are [out x in], as nn.Linear stores them.
 *
 * As a Problem (problems.h): an example is a window of block_size characters
 * of the training text, each predicting the character after it; the loss is
 * the mean cross-entropy per character, in nats; min_loss is the lowest loss
 * any model can reach on such windows (charlang_window_floor), so every loss
 * curve can draw it. The text comes from data_seed alone, so runs with
 * different seeds (initialisation and batches) train on the same text. */
#ifndef COMMON_GPT_H
#define COMMON_GPT_H

#include <stddef.h>
#include <stdint.h>

#include "charlang.h"
#include "flags.h"
#include "problems.h"

typedef struct {
    int block_size;      /* T: characters of context, positions per window */
    int n_layer;         /* transformer blocks */
    int n_head;          /* attention heads; must divide n_embd */
    int n_embd;          /* C: channels of the residual stream */
    int train_windows;   /* training examples: windows of the training text */
    int val_windows;     /* validation windows, from text after the training text */
    int data_seed;       /* draws the text; the language is CHARLANG_DEFAULTS */
} GPTConfig;

/* About 0.1 M parameters (103872); a step on 16 windows takes about 20 ms on one core. */
#define GPT_DEFAULTS                                                                     \
    ((GPTConfig){.block_size = 32, .n_layer = 2, .n_head = 4, .n_embd = 64,             \
                 .train_windows = 4096, .val_windows = 512, .data_seed = 1})
/* A small one for tests: the same code paths, 7 thousand parameters, a step
 * in well under a millisecond. Its text is not small: with less, the model
 * learns the training text by heart instead of the language. */
#define GPT_QUICK                                                                        \
    ((GPTConfig){.block_size = 8, .n_layer = 2, .n_head = 2, .n_embd = 16,              \
                 .train_windows = 2048, .val_windows = 256, .data_seed = 1})

/* The config's keys, for options_parse: block_size n_layer n_head n_embd
 * train_windows val_windows data_seed, with their ranges. */
extern const OptionSpec GPT_CONFIG_OPTIONS[];

/* NULL when cfg is valid, else a message in buf (and returns buf). */
const char *gpt_config_check(const GPTConfig *cfg, char *buf /* [len] */, size_t len);
/* Parses the text after "gpt" in a problem name: "" (the defaults), or
 * ":quick" and/or ":key=value" settings, as in "gpt:quick:n_layer=1" or
 * "gpt:n_embd=32:n_head=2". Returns 0, or -1 with a message in err. */
int gpt_config_parse(const char *settings, GPTConfig *cfg, char *err /* [errlen] */, size_t errlen);
/* The number of parameters, by the formula (wte counted once: it is tied). */
size_t gpt_num_params(const GPTConfig *cfg);

/* The model on freshly generated text, initialised as GPT-2 is (normal
 * weights of std 0.02, the residual projections c_proj scaled by
 * 1/sqrt(2 n_layer), zero biases, LayerNorm gains 1) from seed. NULL with a
 * message if the config is invalid or memory runs out. */
Problem *gpt_new(const GPTConfig *cfg, uint64_t seed, char *err /* [errlen] */, size_t errlen);
/* The problem named "gpt" + settings (see gpt_config_parse). */
Problem *gpt_by_settings(const char *settings, uint64_t seed, char *err /* [errlen] */, size_t errlen);

/* What a Problem does not say; each takes a GPT problem (NULL or NAN for any other). */
const GPTConfig *gpt_config(const Problem *p);
const CharLang *gpt_language(const Problem *p);
/* The mean loss per character on every validation window (forward only). */
double gpt_validation_loss(Problem *p);
/* The training text (which = 0) or the validation text (which = 1): *len tokens. */
const unsigned char *gpt_text(const Problem *p, int which, size_t *len);
/* Writes `prompt` followed by `length` characters drawn from the model (at
 * temperature 1, from seed) into out, which must hold strlen(prompt) + length
 * + 1 bytes. The prompt holds at least one character, each ' ' or 'a'..'z'.
 * Returns 0, or -1 for a bad prompt or a problem that is not a GPT. */
int gpt_sample(Problem *p, const char *prompt, int length, uint64_t seed,
               char *out /* [strlen(prompt) + length + 1] */);

#endif
