/* gpt_bench.c - how fast the tiny GPT of common/gpt.h trains on one core
 * (`make bench` runs it): one training step, the forward and backward pass
 * on a batch of 16 windows of 32 characters, in ms per step and tokens per
 * second; then where the time goes, each layer timed alone on the same
 * shapes.
 *
 *     gpt_bench [--problem=gpt[:settings]] [--steps=20] [--repeats=5]
 *
 * Timings vary from run to run, and more on a busy machine: the step is
 * timed `repeats` times and the best (least disturbed) run is reported, with
 * the median beside it. Nothing here is asserted by a test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "files.h"
#include "flags.h"
#include "gpt.h"
#include "gpt_layers.h"
#include "rng.h"
#include "timing.h"
#include "train.h"

static const char COMMAND[] = "gpt_bench";

typedef struct {
    const char *problem;
    int steps;
    int repeats;
    int batch;
} BenchArgs;

static const OptionSpec bench_options[] = {
    {"problem", OPT_STRING, offsetof(BenchArgs, problem), "gpt, or gpt:key=value:... (see gpt.h)", 0, 0},
    {"steps", OPT_INT, offsetof(BenchArgs, steps), "steps per timed run", 1, 100000},
    {"repeats", OPT_INT, offsetof(BenchArgs, repeats), "timed runs; the best is reported", 1, 100},
    {"batch", OPT_INT, offsetof(BenchArgs, batch), "windows per step", 1, 4096},
    {NULL, 0, 0, NULL, 0, 0},
};

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- each layer alone ---------------------------------------------------------------- */

/* Random arrays, big enough for any layer of the step. */
typedef struct {
    float *in, *out, *dout, *din, *w, *dw, *b, *db, *att, *mean, *rstd;
    int *tokens;
} Scratch;

typedef struct {
    const char *name;
    int calls;            /* per step */
    double fwd_ms, bwd_ms;
} LayerTime;

/* Sets `ms` to the milliseconds per call of `call`, the best of 5 rounds of `reps` calls. */
#define TIME_MS(ms, reps, call)                                               \
    do {                                                                      \
        (ms) = 1e30;                                                          \
        for (int round_ = 0; round_ < 5; round_++) {                          \
            double t0_ = wall_seconds();                                      \
            for (int r_ = 0; r_ < (reps); r_++) call;                         \
            double ms_ = 1e3 * (wall_seconds() - t0_) / (reps);               \
            if (ms_ < (ms)) (ms) = ms_;                                       \
        }                                                                     \
    } while (0)

static float *random_floats(size_t n, Rng *rng)
{
    float *a = floats_new(n);
    for (size_t i = 0; i < n; i++) a[i] = (float)(0.5 * rng_normal(rng));
    return a;
}

/* Times every layer of a step of B windows on random numbers; returns how many rows of t it filled. */
static int layer_times(const GPTConfig *cfg, int B, LayerTime *t)
{
    int T = cfg->block_size, C = cfg->n_embd, NH = cfg->n_head, L = cfg->n_layer, N = B * T;
    int V = CHARLANG_VOCAB;
    size_t big = (size_t)N * 4 * C + (size_t)N * V;
    /* w and dw: a block's largest weight (4C x 4C at most), or wte and wpe
     * side by side ((V + T) x C), which is more for a small n_embd */
    size_t weights = (size_t)16 * C * C > (size_t)(V + T) * C ? (size_t)16 * C * C : (size_t)(V + T) * C;
    Rng rng;
    rng_seed(&rng, 1, 1);
    Scratch s = {random_floats(big, &rng), random_floats(big, &rng), random_floats(big, &rng),
                 random_floats(big, &rng), random_floats(weights, &rng),
                 random_floats(weights, &rng), random_floats((size_t)4 * C, &rng),
                 random_floats((size_t)4 * C, &rng), random_floats((size_t)B * NH * T * T, &rng),
                 random_floats((size_t)N, &rng), random_floats((size_t)N, &rng),
                 must(calloc((size_t)N, sizeof(int)), "out of memory")};
    for (int i = 0; i < N; i++) s.tokens[i] = i % V;
    for (int i = 0; i < N; i++) s.rstd[i] = 1.0f;
    attention_forward(s.out, s.att, s.in, B, T, C, NH);   /* real attention weights */
    int n = 0;
    /* the four linear layers of a block, and the output layer (tied to wte, no bias) */
    const struct { const char *name; int in, out, calls; } linear[] = {
        {"matmul attn.c_attn", C, 3 * C, L},
        {"matmul attn.c_proj", C, C, L},
        {"matmul mlp.c_fc", C, 4 * C, L},
        {"matmul mlp.c_proj", 4 * C, C, L},
        {"matmul lm_head (wte)", C, V, 1},
    };
    for (int k = 0; k < 5; k++, n++) {
        int in = linear[k].in, out = linear[k].out;
        float *bias = k < 4 ? s.b : NULL, *dbias = k < 4 ? s.db : NULL;
        t[n] = (LayerTime){linear[k].name, linear[k].calls, 0, 0};
        TIME_MS(t[n].fwd_ms, 10, matmul_forward(s.out, s.in, s.w, bias, N, in, out));
        TIME_MS(t[n].bwd_ms, 10, matmul_backward(s.din, s.dw, dbias, s.dout, s.in, s.w, N, in, out));
    }
    t[n] = (LayerTime){"attention", L, 0, 0};
    TIME_MS(t[n].fwd_ms, 10, attention_forward(s.out, s.att, s.in, B, T, C, NH));
    TIME_MS(t[n].bwd_ms, 10, attention_backward(s.din, s.dout, s.in, s.att, B, T, C, NH));
    t[++n] = (LayerTime){"gelu", L, 0, 0};
    TIME_MS(t[n].fwd_ms, 10, gelu_forward(s.out, s.in, N * 4 * C));
    TIME_MS(t[n].bwd_ms, 10, gelu_backward(s.din, s.in, s.dout, N * 4 * C));
    t[++n] = (LayerTime){"layernorm", 2 * L + 1, 0, 0};
    TIME_MS(t[n].fwd_ms, 20, layernorm_forward(s.out, s.mean, s.rstd, s.in, s.w, s.b, N, C));
    TIME_MS(t[n].bwd_ms, 20, layernorm_backward(s.din, s.dw, s.db, s.dout, s.in, s.w, s.mean, s.rstd, N, C));
    t[++n] = (LayerTime){"encoder (wte + wpe)", 1, 0, 0};
    /* wte and wpe side by side in w (and their gradients in dw) */
    TIME_MS(t[n].fwd_ms, 20, encoder_forward(s.out, s.tokens, s.w, s.w + V * C, B, T, C));
    TIME_MS(t[n].bwd_ms, 20, encoder_backward(s.dw, s.dw + V * C, s.dout, s.tokens, B, T, C));
    t[++n] = (LayerTime){"residual", 2 * L, 0, 0};
    TIME_MS(t[n].fwd_ms, 20, residual_forward(s.out, s.in, s.dout, N * C));
    t[++n] = (LayerTime){"softmax + cross-entropy", 1, 0, 0};
    TIME_MS(t[n].bwd_ms, 20, crossentropy_forward_backward(s.din, s.in, s.tokens, N, V, 1.0f));
    free(s.in), free(s.out), free(s.dout), free(s.din), free(s.w), free(s.dw), free(s.b), free(s.db);
    free(s.att), free(s.mean), free(s.rstd), free(s.tokens);
    return n + 1;
}

int main(int argc, char **argv)
{
    check_stdout_at_exit("gpt_bench");
    BenchArgs args = {"gpt", 20, 5, 16};
    const BenchArgs defaults = args;
    char err[512];
    int parsed = flags_parse(bench_options, &args, argc, argv, 1, err, sizeof err);
    if (parsed == 1) {
        printf("usage: %s [flags]\n\nTimes training steps of the tiny GPT on one core.\n\n", COMMAND);
        flags_print_help(stdout, bench_options, &defaults);
        return 0;
    }
    if (parsed != 0) die_usage(COMMAND, "%s", err);
    if (strncmp(args.problem, "gpt", 3) != 0) die_usage(COMMAND, "--problem must be gpt or gpt:settings");
    Problem *p = gpt_by_settings(args.problem + 3, 1, err, sizeof err);
    if (!p) die_usage(COMMAND, "%s", err);
    if (args.batch > p->num_examples) {   /* a batch draws each window at most once */
        int windows = p->num_examples;
        problem_free(p);
        die_usage(COMMAND, "--batch=%d is more than the problem's %d training windows", args.batch, windows);
    }
    const GPTConfig *cfg = gpt_config(p);
    int tokens = args.batch * cfg->block_size;
    printf("tiny GPT: %d layers, n_embd %d, %d heads, context %d: %zu parameters\n", cfg->n_layer,
           cfg->n_embd, cfg->n_head, cfg->block_size, paramlist_numel(&p->params));
    printf("one step = forward + backward on %d windows x %d characters = %d tokens, one core\n",
           args.batch, cfg->block_size, tokens);

    BatchSampler sampler;
    if (batch_sampler_init(&sampler, p->num_examples, 1) != 0) fail("out of memory");
    for (int s = 0; s < 3; s++) p->loss_and_grad(p, batch_sampler_next(&sampler, args.batch), args.batch);
    double *ms = must(calloc((size_t)args.repeats, sizeof(double)), "out of memory");
    for (int r = 0; r < args.repeats; r++) {
        double t0 = wall_seconds();
        for (int s = 0; s < args.steps; s++)
            p->loss_and_grad(p, batch_sampler_next(&sampler, args.batch), args.batch);
        ms[r] = 1e3 * (wall_seconds() - t0) / args.steps;
    }
    qsort(ms, (size_t)args.repeats, sizeof(double), compare_doubles);
    double best = ms[0], median = ms[args.repeats / 2];
    printf("%.2f ms/step, %.0f tokens/s (best of %d runs of %d steps; median %.2f ms/step)\n\n", best,
           tokens / (best * 1e-3), args.repeats, args.steps, median);

    LayerTime t[16];
    int n = layer_times(cfg, args.batch, t);
    double total = 0.0;
    for (int i = 0; i < n; i++) total += t[i].calls * (t[i].fwd_ms + t[i].bwd_ms);
    printf("where the time goes: each layer alone on the step's shapes, best of 5\n");
    printf("%-24s %5s %12s %12s %7s\n", "layer", "calls", "forward ms", "backward ms", "share");
    for (int i = 0; i < n; i++)
        printf("%-24s %5d %12.3f %12.3f %6.1f%%\n", t[i].name, t[i].calls, t[i].calls * t[i].fwd_ms,
               t[i].calls * t[i].bwd_ms, 100 * t[i].calls * (t[i].fwd_ms + t[i].bwd_ms) / total);
    printf("%-24s %5s %25.2f ms (the step itself: %.2f ms)\n", "sum of the layers", "", total, best);
    free(ms);
    batch_sampler_free(&sampler);
    problem_free(p);
    return 0;
}
