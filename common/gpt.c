/* gpt.c - the tiny GPT as a Problem: its parameters and their
 * initialisation, the forward and backward passes assembled from the layers
 * of gpt_layers.h, the text, validation and sampling (see gpt.h). */
#include "gpt.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpt_layers.h"
#include "ops.h"
#include "rng.h"

#define V CHARLANG_VOCAB
/* A pass runs this many positions at once (16 windows of 32): a bigger
 * batch runs in several passes whose gradients add up, so the memory for
 * activations does not grow with the batch. */
#define TOKENS_PER_PASS 512

/* The tensors of one block, in the order of the ParamList, and their names. */
enum {
    LN_1_W, LN_1_B, C_ATTN_W, C_ATTN_B, ATTN_PROJ_W, ATTN_PROJ_B,
    LN_2_W, LN_2_B, C_FC_W, C_FC_B, MLP_PROJ_W, MLP_PROJ_B, BLOCK_TENSORS
};
static const char *const BLOCK_NAMES[BLOCK_TENSORS] = {
    "ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
    "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
    "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias",
};
/* Their shapes in units of C: rows x cols, cols 0 for a vector. */
static const int BLOCK_SHAPES[BLOCK_TENSORS][2] = {
    {1, 0}, {1, 0}, {3, 1}, {3, 0}, {1, 1}, {1, 0}, {1, 0}, {1, 0}, {4, 1}, {4, 0}, {1, 4}, {1, 0},
};
/* Where the tensors outside the blocks are in the ParamList. */
#define WTE 0
#define WPE 1
#define BLOCK_FIRST(l) (2 + (l) * BLOCK_TENSORS)
#define LN_F_W(L) BLOCK_FIRST(L)
#define LN_F_B(L) (BLOCK_FIRST(L) + 1)

/* One block's weights (or their gradients), by name. */
typedef struct {
    const float *ln_1_w, *ln_1_b, *c_attn_w, *c_attn_b, *attn_proj_w, *attn_proj_b;
    const float *ln_2_w, *ln_2_b, *c_fc_w, *c_fc_b, *mlp_proj_w, *mlp_proj_b;
} Block;
typedef struct {
    float *ln_1_w, *ln_1_b, *c_attn_w, *c_attn_b, *attn_proj_w, *attn_proj_b;
    float *ln_2_w, *ln_2_b, *c_fc_w, *c_fc_b, *mlp_proj_w, *mlp_proj_b;
} BlockGrads;

/* One block's activations for a pass of N = B*T rows, kept for the backward pass. */
typedef struct {
    float *ln_1, *ln_1_mean, *ln_1_rstd;   /* [N*C], [N], [N] */
    float *qkv;                            /* [N*3C] */
    float *att;                            /* [B*NH*T*T] attention weights */
    float *atty;                           /* [N*C] the heads' outputs side by side */
    float *attn_out;                       /* [N*C] after c_proj */
    float *res_2;                          /* [N*C] x + attn_out */
    float *ln_2, *ln_2_mean, *ln_2_rstd;   /* [N*C], [N], [N] */
    float *fc, *fc_gelu;                   /* [N*4C] before and after GELU */
    float *mlp_out;                        /* [N*C] after mlp.c_proj */
    float *res_3;                          /* [N*C] res_2 + mlp_out: the block's output */
} BlockActs;

typedef struct {
    Problem base;
    GPTConfig cfg;
    CharLang *lang;
    unsigned char *train_text;   /* [train_windows*T + 1]: window w is [w*T, w*T + T] */
    unsigned char *val_text;     /* [val_windows*T + 1], the text after the training text */
    Tensor **param_list, **grad_list;
    int pass_windows;            /* windows per pass */
    int *tokens, *targets;       /* [pass_windows*T] the pass's inputs and next characters */
    /* activations: one allocation, carved up */
    Tensor *acts;
    float *encoded;                              /* [N*C] */
    BlockActs *blocks;                           /* [n_layer] */
    float *ln_f, *ln_f_mean, *ln_f_rstd;         /* [N*C], [N], [N] */
    float *logits;                               /* [N*V] */
    /* their gradients, reused by every block on the way back */
    Tensor *dacts;
    float *dresidual;                            /* [N*C] the residual stream's */
    float *d_ln, *d_atty;                        /* [N*C] */
    float *d_qkv;                                /* [N*3C] */
    float *d_fc, *d_fc_gelu;                     /* [N*4C] */
    float *d_logits;                             /* [N*V] */
} GPT;

/* ---- the config ----------------------------------------------------------------- */

const OptionSpec GPT_CONFIG_OPTIONS[] = {
    {"block_size", OPT_INT, offsetof(GPTConfig, block_size), "characters of context", 1, GPT_MAX_BLOCK_SIZE},
    {"n_layer", OPT_INT, offsetof(GPTConfig, n_layer), "transformer blocks", 1, 64},
    {"n_head", OPT_INT, offsetof(GPTConfig, n_head), "attention heads", 1, 256},
    {"n_embd", OPT_INT, offsetof(GPTConfig, n_embd), "channels", 1, 4096},
    {"train_windows", OPT_INT, offsetof(GPTConfig, train_windows), "training windows", 1, 1 << 22},
    {"val_windows", OPT_INT, offsetof(GPTConfig, val_windows), "validation windows", 1, 1 << 22},
    {"data_seed", OPT_INT, offsetof(GPTConfig, data_seed), "seed of the text", 0, INT_MAX},
    {NULL, 0, 0, NULL, 0, 0},
};

static int pass_windows(const GPTConfig *cfg)
{
    return TOKENS_PER_PASS / cfg->block_size > 0 ? TOKENS_PER_PASS / cfg->block_size : 1;
}

static size_t acts_floats(const GPTConfig *c, int B);

const char *gpt_config_check(const GPTConfig *cfg, char *buf, size_t len)
{
    for (const OptionSpec *s = GPT_CONFIG_OPTIONS; s->key; s++) {
        int v = *(const int *)((const char *)cfg + s->offset);
        if (v < s->min || v > s->max) {
            snprintf(buf, len, "gpt: %s must be in %d..%d (got %d)", s->key, s->min, s->max, v);
            return buf;
        }
    }
    if (cfg->n_embd % cfg->n_head != 0) {
        snprintf(buf, len, "gpt: n_head (%d) must divide n_embd (%d)", cfg->n_head, cfg->n_embd);
        return buf;
    }
    /* Keep every array well inside int indexing and the memory of a laptop. */
    double text = ((double)cfg->train_windows + cfg->val_windows) * cfg->block_size;
    if (text > 1e8 || (double)gpt_num_params(cfg) > 1e8 || (double)acts_floats(cfg, pass_windows(cfg)) > 1e8) {
        snprintf(buf, len, "gpt: at most 1e8 characters of text, parameters and activations");
        return buf;
    }
    return NULL;
}

int gpt_config_parse(const char *settings, GPTConfig *cfg, char *err, size_t errlen)
{
    char buf[256];
    if (strlen(settings) >= sizeof buf) {
        snprintf(err, errlen, "gpt: the settings are too long");
        return -1;
    }
    strcpy(buf, settings);
    const char *texts[16];
    int count = 0;
    *cfg = GPT_DEFAULTS;
    char *rest = buf;
    if (*rest && *rest++ != ':') {
        snprintf(err, errlen, "gpt: settings follow a colon, as in gpt:quick:n_layer=1");
        return -1;
    }
    if (strstr(settings, "::") || (*settings && settings[strlen(settings) - 1] == ':')) {
        snprintf(err, errlen, "gpt: an empty setting (between two colons, or after the last)");
        return -1;
    }
    char *save = NULL;   /* strtok_r: strtok would keep its place in a hidden global */
    bool quick = false;
    for (char *s = strtok_r(rest, ":", &save); s; s = strtok_r(NULL, ":", &save)) {
        if (strcmp(s, "quick") == 0) {
            if (quick) {   /* as options_parse refuses any other key given twice */
                snprintf(err, errlen, "gpt: quick is given twice (once is enough)");
                return -1;
            }
            quick = true, *cfg = GPT_QUICK;   /* before the other settings */
        } else if (strncmp(s, "quick=", 6) == 0) {
            snprintf(err, errlen, "gpt: quick takes no value (gpt:quick, or leave it out)");
            return -1;
        } else if (count == 16) {
            snprintf(err, errlen, "gpt: too many settings");
            return -1;
        } else texts[count++] = s;
    }
    if (options_parse(GPT_CONFIG_OPTIONS, cfg, count, texts, err, errlen) != 0) {
        char why[256];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen, "gpt: %s (keys: block_size n_layer n_head n_embd train_windows "
                 "val_windows data_seed, or quick)", why);
        return -1;
    }
    return gpt_config_check(cfg, err, errlen) ? -1 : 0;
}

size_t gpt_num_params(const GPTConfig *cfg)
{
    size_t C = (size_t)cfg->n_embd;
    /* per block: two LayerNorms (4C), c_attn (3C^2 + 3C), attn.c_proj (C^2 + C),
     * mlp.c_fc (4C^2 + 4C), mlp.c_proj (4C^2 + C) */
    size_t block = 12 * C * C + 13 * C;
    return V * C + (size_t)cfg->block_size * C + (size_t)cfg->n_layer * block + 2 * C;
}

/* ---- the forward and backward passes ------------------------------------------------- */

static Block block_weights(const GPT *m, int l)
{
    Tensor *const *t = m->param_list + BLOCK_FIRST(l);
    return (Block){t[LN_1_W]->data, t[LN_1_B]->data, t[C_ATTN_W]->data, t[C_ATTN_B]->data,
                   t[ATTN_PROJ_W]->data, t[ATTN_PROJ_B]->data, t[LN_2_W]->data, t[LN_2_B]->data,
                   t[C_FC_W]->data, t[C_FC_B]->data, t[MLP_PROJ_W]->data, t[MLP_PROJ_B]->data};
}

static BlockGrads block_grads(const GPT *m, int l)
{
    Tensor *const *t = m->grad_list + BLOCK_FIRST(l);
    return (BlockGrads){t[LN_1_W]->data, t[LN_1_B]->data, t[C_ATTN_W]->data, t[C_ATTN_B]->data,
                        t[ATTN_PROJ_W]->data, t[ATTN_PROJ_B]->data, t[LN_2_W]->data, t[LN_2_B]->data,
                        t[C_FC_W]->data, t[C_FC_B]->data, t[MLP_PROJ_W]->data, t[MLP_PROJ_B]->data};
}

/* The logits for B windows of T positions whose tokens are in m->tokens. */
static void gpt_forward(GPT *m, int B, int T)
{
    int C = m->cfg.n_embd, NH = m->cfg.n_head, L = m->cfg.n_layer, N = B * T;
    Tensor **p = m->param_list;
    encoder_forward(m->encoded, m->tokens, p[WTE]->data, p[WPE]->data, B, T, C);
    const float *x = m->encoded;   /* the residual stream */
    for (int l = 0; l < L; l++) {
        Block w = block_weights(m, l);
        BlockActs *a = &m->blocks[l];
        /* x + attention(ln_1(x)) */
        layernorm_forward(a->ln_1, a->ln_1_mean, a->ln_1_rstd, x, w.ln_1_w, w.ln_1_b, N, C);
        matmul_forward(a->qkv, a->ln_1, w.c_attn_w, w.c_attn_b, N, C, 3 * C);
        attention_forward(a->atty, a->att, a->qkv, B, T, C, NH);
        matmul_forward(a->attn_out, a->atty, w.attn_proj_w, w.attn_proj_b, N, C, C);
        residual_forward(a->res_2, x, a->attn_out, N * C);
        /* then + mlp(ln_2(.)) */
        layernorm_forward(a->ln_2, a->ln_2_mean, a->ln_2_rstd, a->res_2, w.ln_2_w, w.ln_2_b, N, C);
        matmul_forward(a->fc, a->ln_2, w.c_fc_w, w.c_fc_b, N, C, 4 * C);
        gelu_forward(a->fc_gelu, a->fc, N * 4 * C);
        matmul_forward(a->mlp_out, a->fc_gelu, w.mlp_proj_w, w.mlp_proj_b, N, 4 * C, C);
        residual_forward(a->res_3, a->res_2, a->mlp_out, N * C);
        x = a->res_3;
    }
    layernorm_forward(m->ln_f, m->ln_f_mean, m->ln_f_rstd, x, p[LN_F_W(L)]->data, p[LN_F_B(L)]->data, N, C);
    matmul_forward(m->logits, m->ln_f, p[WTE]->data, NULL, N, C, V);   /* tied to wte */
}

static void zero(float *a, size_t n)
{
    memset(a, 0, sizeof(float) * n);
}

/* Adds the gradient of the loss into the parameters' gradients, given
 * d_logits and the activations of the forward pass on the same tokens. */
static void gpt_backward(GPT *m, int B, int T)
{
    int C = m->cfg.n_embd, NH = m->cfg.n_head, L = m->cfg.n_layer, N = B * T;
    size_t NC = (size_t)N * C;
    Tensor **p = m->param_list, **g = m->grad_list;
    const float *x_last = L ? m->blocks[L - 1].res_3 : m->encoded;
    zero(m->d_ln, NC);
    matmul_backward(m->d_ln, g[WTE]->data, NULL, m->d_logits, m->ln_f, p[WTE]->data, N, C, V);
    zero(m->dresidual, NC);
    layernorm_backward(m->dresidual, g[LN_F_W(L)]->data, g[LN_F_B(L)]->data, m->d_ln, x_last,
                       p[LN_F_W(L)]->data, m->ln_f_mean, m->ln_f_rstd, N, C);
    for (int l = L - 1; l >= 0; l--) {
        Block w = block_weights(m, l);
        BlockGrads dw = block_grads(m, l);
        const BlockActs *a = &m->blocks[l];
        const float *x = l ? m->blocks[l - 1].res_3 : m->encoded;
        /* dresidual is the gradient of res_3. The residual connection passes
         * it to res_2 unchanged; the MLP branch adds its part on top. */
        zero(m->d_fc_gelu, 4 * NC);
        matmul_backward(m->d_fc_gelu, dw.mlp_proj_w, dw.mlp_proj_b, m->dresidual, a->fc_gelu,
                        w.mlp_proj_w, N, 4 * C, C);
        zero(m->d_fc, 4 * NC);
        gelu_backward(m->d_fc, a->fc, m->d_fc_gelu, N * 4 * C);
        zero(m->d_ln, NC);
        matmul_backward(m->d_ln, dw.c_fc_w, dw.c_fc_b, m->d_fc, a->ln_2, w.c_fc_w, N, C, 4 * C);
        layernorm_backward(m->dresidual, dw.ln_2_w, dw.ln_2_b, m->d_ln, a->res_2, w.ln_2_w,
                           a->ln_2_mean, a->ln_2_rstd, N, C);
        /* Now dresidual is res_2's gradient: the same again through attention, to x. */
        zero(m->d_atty, NC);
        matmul_backward(m->d_atty, dw.attn_proj_w, dw.attn_proj_b, m->dresidual, a->atty,
                        w.attn_proj_w, N, C, C);
        zero(m->d_qkv, 3 * NC);
        attention_backward(m->d_qkv, m->d_atty, a->qkv, a->att, B, T, C, NH);
        zero(m->d_ln, NC);
        matmul_backward(m->d_ln, dw.c_attn_w, dw.c_attn_b, m->d_qkv, a->ln_1, w.c_attn_w, N, C, 3 * C);
        layernorm_backward(m->dresidual, dw.ln_1_w, dw.ln_1_b, m->d_ln, x, w.ln_1_w,
                           a->ln_1_mean, a->ln_1_rstd, N, C);
    }
    encoder_backward(g[WTE]->data, g[WPE]->data, m->dresidual, m->tokens, B, T, C);
}

/* ---- the Problem ------------------------------------------------------------------- */

/* Copies windows idx[0..B-1] (or first..first+B-1 when idx is NULL) of text
 * into the pass's tokens, and the character after each into its targets. */
static void gather(GPT *m, const unsigned char *text, const int *idx, int first, int B)
{
    int T = m->cfg.block_size;
    for (int b = 0; b < B; b++) {
        const unsigned char *w = text + (size_t)(idx ? idx[b] : first + b) * T;
        for (int t = 0; t < T; t++) {
            m->tokens[b * T + t] = w[t];
            m->targets[b * T + t] = w[t + 1];
        }
    }
}

static double gpt_loss_and_grad(Problem *self, const int *idx, int n)
{
    GPT *m = (GPT *)self;
    int T = m->cfg.block_size, rows = idx ? n : m->cfg.train_windows;
    for (int i = 0; i < self->params.count; i++) tensor_fill(m->grad_list[i], 0.0f);
    float dloss = 1.0f / ((float)rows * T);   /* the loss is the mean over rows*T characters */
    double total = 0.0;
    for (int first = 0; first < rows; first += m->pass_windows) {
        int B = rows - first < m->pass_windows ? rows - first : m->pass_windows;
        gather(m, m->train_text, idx ? idx + first : NULL, first, B);
        gpt_forward(m, B, T);
        zero(m->d_logits, (size_t)B * T * V);
        total += crossentropy_forward_backward(m->d_logits, m->logits, m->targets, B * T, V, dloss);
        gpt_backward(m, B, T);
    }
    return total / ((double)rows * T);
}

static void normal_fill(Tensor *t, double std, Rng *rng)
{
    for (size_t i = 0; i < t->numel; i++) t->data[i] = (float)(std * rng_normal(rng));
}

static int ends_with(const char *s, const char *end)
{
    size_t n = strlen(s), k = strlen(end);
    return n >= k && strcmp(s + n - k, end) == 0;
}

/* GPT-2's initialisation (as nanoGPT writes it), in the ParamList's order. */
static void gpt_reset(Problem *self, uint64_t seed)
{
    GPT *m = (GPT *)self;
    Rng rng;
    rng_seed(&rng, seed, 13);
    /* Each block adds two projections into the residual stream; scaling them
     * keeps the stream's variance from growing with depth. */
    double proj_std = 0.02 / sqrt(2.0 * m->cfg.n_layer);
    for (int i = 0; i < self->params.count; i++) {
        Tensor *t = m->param_list[i];
        if (strstr(t->name, "ln_")) tensor_fill(t, ends_with(t->name, ".weight") ? 1.0f : 0.0f);
        else if (ends_with(t->name, ".bias")) tensor_fill(t, 0.0f);
        else normal_fill(t, ends_with(t->name, "c_proj.weight") ? proj_std : 0.02, &rng);
    }
}

static void gpt_destroy(Problem *self)
{
    GPT *m = (GPT *)self;
    for (int i = 0; m->param_list && i < self->params.count; i++) {
        tensor_free(m->param_list[i]);
        tensor_free(m->grad_list[i]);
    }
    free(m->param_list);
    free(m->grad_list);
    tensor_free(m->acts);
    tensor_free(m->dacts);
    free(m->blocks);
    free(m->tokens);
    free(m->targets);
    free(m->train_text);
    free(m->val_text);
    charlang_free(m->lang);
}

/* Allocates parameter `i` and its gradient, named NAME and NAME.grad. */
static int param_alloc(GPT *m, int i, const char *name, int rows, int cols)
{
    char grad_name[TENSOR_NAME_LEN];
    snprintf(grad_name, sizeof grad_name, "%s.grad", name);
    MemoryLedger *ledger = &m->base.ledger;
    if (cols) {
        m->param_list[i] = tensor_new_2d(ledger, name, TAG_PARAM, rows, cols);
        m->grad_list[i] = tensor_new_2d(ledger, grad_name, TAG_GRAD, rows, cols);
    } else {
        m->param_list[i] = tensor_new_1d(ledger, name, TAG_PARAM, rows);
        m->grad_list[i] = tensor_new_1d(ledger, grad_name, TAG_GRAD, rows);
    }
    return m->param_list[i] && m->grad_list[i] ? 0 : -1;
}

static int params_alloc(GPT *m)
{
    int C = m->cfg.n_embd, L = m->cfg.n_layer, count = BLOCK_FIRST(L) + 2;
    m->param_list = calloc((size_t)count, sizeof(Tensor *));
    m->grad_list = calloc((size_t)count, sizeof(Tensor *));
    if (!m->param_list || !m->grad_list) return -1;
    m->base.params = (ParamList){count, m->param_list, m->grad_list};
    int ok = param_alloc(m, WTE, "wte.weight", V, C) == 0 &&
             param_alloc(m, WPE, "wpe.weight", m->cfg.block_size, C) == 0;
    for (int l = 0; l < L; l++)
        for (int k = 0; k < BLOCK_TENSORS; k++) {
            char name[TENSOR_NAME_LEN];
            snprintf(name, sizeof name, "h.%d.%s", l, BLOCK_NAMES[k]);
            ok = ok && param_alloc(m, BLOCK_FIRST(l) + k, name, BLOCK_SHAPES[k][0] * C,
                                   BLOCK_SHAPES[k][1] * C) == 0;
        }
    ok = ok && param_alloc(m, LN_F_W(L), "ln_f.weight", C, 0) == 0 &&
         param_alloc(m, LN_F_B(L), "ln_f.bias", C, 0) == 0;
    return ok ? 0 : -1;
}

/* Hands out n floats from *cursor. */
static float *take(float **cursor, size_t n)
{
    float *p = *cursor;
    *cursor += n;
    return p;
}

/* Floats of activations for one pass of B windows: each block's, then the rest. */
static size_t acts_floats(const GPTConfig *c, int B)
{
    size_t N = (size_t)B * c->block_size, C = (size_t)c->n_embd;
    size_t block = 7 * N * C + 4 * N + 3 * N * C + 8 * N * C + (size_t)B * c->n_head * c->block_size * c->block_size;
    return N * C + c->n_layer * block + N * C + 2 * N + N * V;
}

static int acts_alloc(GPT *m)
{
    const GPTConfig *c = &m->cfg;
    int B = m->pass_windows;
    size_t N = (size_t)B * c->block_size, C = (size_t)c->n_embd;
    m->acts = tensor_new_1d(&m->base.ledger, "activations", TAG_ACTIVATION, (int)acts_floats(c, B));
    m->dacts = tensor_new_1d(&m->base.ledger, "activations.grad", TAG_ACTIVATION, (int)(14 * N * C + N * V));
    m->blocks = calloc((size_t)c->n_layer, sizeof(BlockActs));
    m->tokens = calloc(N, sizeof(int));
    m->targets = calloc(N, sizeof(int));
    if (!m->acts || !m->dacts || !m->blocks || !m->tokens || !m->targets) return -1;
    float *cur = m->acts->data;
    m->encoded = take(&cur, N * C);
    for (int l = 0; l < c->n_layer; l++) {
        BlockActs *a = &m->blocks[l];
        a->ln_1 = take(&cur, N * C);
        a->ln_1_mean = take(&cur, N);
        a->ln_1_rstd = take(&cur, N);
        a->qkv = take(&cur, 3 * N * C);
        a->att = take(&cur, (size_t)B * c->n_head * c->block_size * c->block_size);
        a->atty = take(&cur, N * C);
        a->attn_out = take(&cur, N * C);
        a->res_2 = take(&cur, N * C);
        a->ln_2 = take(&cur, N * C);
        a->ln_2_mean = take(&cur, N);
        a->ln_2_rstd = take(&cur, N);
        a->fc = take(&cur, 4 * N * C);
        a->fc_gelu = take(&cur, 4 * N * C);
        a->mlp_out = take(&cur, N * C);
        a->res_3 = take(&cur, N * C);
    }
    m->ln_f = take(&cur, N * C);
    m->ln_f_mean = take(&cur, N);
    m->ln_f_rstd = take(&cur, N);
    m->logits = take(&cur, N * V);
    float *dcur = m->dacts->data;
    m->dresidual = take(&dcur, N * C);
    m->d_ln = take(&dcur, N * C);
    m->d_atty = take(&dcur, N * C);
    m->d_qkv = take(&dcur, 3 * N * C);
    m->d_fc = take(&dcur, 4 * N * C);
    m->d_fc_gelu = take(&dcur, 4 * N * C);
    m->d_logits = take(&dcur, N * V);
    /* the sizes above and the carving must agree */
    return cur == m->acts->data + m->acts->numel && dcur == m->dacts->data + m->dacts->numel ? 0 : -1;
}

/* The text: one stream drawn from data_seed, cut in two. The validation text
 * starts right after the training text's last character. */
static int text_alloc(GPT *m)
{
    const GPTConfig *c = &m->cfg;
    size_t train = (size_t)c->train_windows * c->block_size + 1, val = (size_t)c->val_windows * c->block_size + 1;
    unsigned char *all = malloc(train + val);
    m->train_text = malloc(train);
    m->val_text = malloc(val);
    if (!all || !m->train_text || !m->val_text) {
        free(all);
        return -1;
    }
    charlang_generate(m->lang, (uint64_t)c->data_seed, all, train + val);
    memcpy(m->train_text, all, train);
    memcpy(m->val_text, all + train, val);
    free(all);
    return 0;
}

Problem *gpt_new(const GPTConfig *cfg, uint64_t seed, char *err, size_t errlen)
{
    if (gpt_config_check(cfg, err, errlen)) return NULL;
    GPT *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->cfg = *cfg;
    m->base.name = "gpt";
    m->base.num_examples = cfg->train_windows;
    m->pass_windows = pass_windows(cfg);
    m->lang = charlang_new(&CHARLANG_DEFAULTS, err, errlen);
    if (!m->lang) {
        free(m);
        return NULL;
    }
    m->base.min_loss = charlang_window_floor(m->lang, cfg->block_size);
    m->base.loss_and_grad = gpt_loss_and_grad;
    m->base.reset = gpt_reset;
    m->base.destroy = gpt_destroy;
    if (params_alloc(m) != 0 || acts_alloc(m) != 0 || text_alloc(m) != 0) {
        snprintf(err, errlen, "out of memory");
        gpt_destroy(&m->base);
        free(m);
        return NULL;
    }
    gpt_reset(&m->base, seed);
    return &m->base;
}

Problem *gpt_by_settings(const char *settings, uint64_t seed, char *err, size_t errlen)
{
    GPTConfig cfg;
    if (gpt_config_parse(settings, &cfg, err, errlen) != 0) return NULL;
    return gpt_new(&cfg, seed, err, errlen);
}

/* ---- what only a GPT has ------------------------------------------------------------ */

static GPT *gpt_of(const Problem *p)
{
    return p && p->loss_and_grad == gpt_loss_and_grad ? (GPT *)p : NULL;
}

const GPTConfig *gpt_config(const Problem *p)
{
    GPT *m = gpt_of(p);
    return m ? &m->cfg : NULL;
}

const CharLang *gpt_language(const Problem *p)
{
    GPT *m = gpt_of(p);
    return m ? m->lang : NULL;
}

const unsigned char *gpt_text(const Problem *p, int which, size_t *len)
{
    GPT *m = gpt_of(p);
    if (!m) return NULL;
    int windows = which ? m->cfg.val_windows : m->cfg.train_windows;
    *len = (size_t)windows * m->cfg.block_size + 1;
    return which ? m->val_text : m->train_text;
}

double gpt_validation_loss(Problem *p)
{
    GPT *m = gpt_of(p);
    if (!m) return NAN;
    int T = m->cfg.block_size, rows = m->cfg.val_windows;
    double total = 0.0;
    for (int first = 0; first < rows; first += m->pass_windows) {
        int B = rows - first < m->pass_windows ? rows - first : m->pass_windows;
        gather(m, m->val_text, NULL, first, B);
        gpt_forward(m, B, T);
        total += crossentropy_forward_backward(NULL, m->logits, m->targets, B * T, V, 0.0f);
    }
    return total / ((double)rows * T);
}

int gpt_sample(Problem *p, const char *prompt, int length, uint64_t seed, char *out)
{
    GPT *m = gpt_of(p);
    size_t have = strlen(prompt);
    if (!m || have == 0 || length < 0) return -1;
    for (size_t i = 0; i < have; i++)
        if (charlang_token(prompt[i]) < 0) return -1;
    memcpy(out, prompt, have);
    Rng rng;
    rng_seed(&rng, seed, 47);
    for (int i = 0; i < length; i++, have++) {
        /* the model sees the last block_size characters at most */
        int T = have < (size_t)m->cfg.block_size ? (int)have : m->cfg.block_size;
        for (int t = 0; t < T; t++) m->tokens[t] = charlang_token(out[have - T + t]);
        gpt_forward(m, 1, T);
        /* draw the next character from the softmax of the last position's logits */
        const float *z = m->logits + (size_t)(T - 1) * V;
        double prob[V], max = z[0], sum = 0.0;
        for (int v = 1; v < V; v++) max = z[v] > max ? z[v] : max;
        for (int v = 0; v < V; v++) sum += prob[v] = exp(z[v] - max);
        double u = rng_uniform(&rng) * sum;
        int next = 0;
        while (next < V - 1 && u >= prob[next]) u -= prob[next++];
        out[have] = charlang_char(next);
    }
    out[have] = '\0';
    return 0;
}
