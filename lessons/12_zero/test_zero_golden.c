/* test_zero_golden.c - the engine against PyTorch's ZeRO: every stage, on
 * 1 to 4 threads, steps the gradients that torch's ZeroRedundancyOptimizer
 * stepped on as many gloo processes (tests/golden/zero.txt, written by
 * tools/zero_reference.py), and must reach its weights:
 *
 *   - when rank 0 brings the averaged gradient PyTorch used and the other
 *     ranks zeros (x + 0 is x: the sum is exact, so only the sharding and
 *     AdamW's arithmetic are tested): bit for bit lesson 06's adamw_update
 *     run in one process on the same gradients, and so within lesson 06's
 *     distance of PyTorch (GOLDEN_RTOL below);
 *   - within rounding when each rank brings its own local gradient divided
 *     by N (the engine adds g_r / N in rank order; PyTorch adds the g_r in
 *     gloo's order and divides once, so the gradients may differ in their
 *     last bit).
 *
 * The same cases check zero_adamw, the engine's arithmetic as an Optimizer
 * in one process (zero_adamw.h), directly and through `optlab trace
 * zero_adamw`. Its tests join the lesson's suite through
 * add_zero_golden_tests() (see test_lesson12.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adamw.h"
#include "golden.h"
#include "simulate.h"
#include "testing.h"
#include "zero.h"
#include "zero_adamw.h"

void add_zero_golden_tests(TCase *core, TCase *limits);

#define MAX_CASES 16
#define MAX_STEPS 8
#define MAX_RANKS 4
#define MAX_TENSORS 8
#define MAX_NUMEL 64   /* elements of the whole model */

typedef struct {
    char name[64];
    int world_size, tensors, steps;
    AdamWConfig cfg;
    char tensor_name[MAX_TENSORS][TENSOR_NAME_LEN];
    int shape[MAX_TENSORS][2], ndim[MAX_TENSORS];
    size_t numel;                                        /* the model's elements */
    float param[MAX_NUMEL];                              /* the start, flat */
    float local[MAX_STEPS][MAX_RANKS][MAX_NUMEL];        /* each rank's own gradient */
    float grad[MAX_STEPS][MAX_NUMEL];                    /* the average PyTorch used */
    float expect[MAX_STEPS][MAX_NUMEL];                  /* the weights after each step */
} GoldenZero;

static GoldenZero cases[MAX_CASES];
static int case_count;

/* Where tensor `name` starts in the flat model. */
static size_t tensor_offset(const GoldenZero *c, const char *name)
{
    size_t at = 0;
    for (int i = 0; i < c->tensors; i++) {
        size_t n = (size_t)c->shape[i][0] * (c->ndim[i] == 2 ? (size_t)c->shape[i][1] : 1);
        if (strcmp(c->tensor_name[i], name) == 0) return at;
        at += n;
    }
    ck_abort_msg("%s: no tensor %s", c->name, name);
    return 0;
}

/* Reads the numbers after the first `skip` words of line into out[at ...]. */
static void read_values(const GoldenZero *c, const char *line, int skip, const char *name, float *out)
{
    const char *p = line;
    for (int w = 0; w < skip; w++) p = strchr(p + 1, ' ');
    size_t at = tensor_offset(c, name);
    char *end;
    for (float v = strtof(p, &end); end != p; v = strtof(p, &end)) out[at++] = v, p = end;
}

static void load_cases(void)
{
    if (case_count) return;
    char path[1024], line[8192];
    snprintf(path, sizeof path, "%s/zero.txt", golden_dir());
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    GoldenZero *c = NULL;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char word[64], name[64], flag[2][8];
        int n, d0, d1, rank;
        if (line[0] == '#' || line[0] == '\0') continue;
        if (sscanf(line, "case %63s", word) == 1) {
            ck_assert_int_lt(case_count, MAX_CASES);
            c = &cases[case_count++];
            memset(c, 0, sizeof *c);
            snprintf(c->name, sizeof c->name, "%s", word);
        } else if (!c || strcmp(line, "end") == 0) {
            continue;
        } else if (sscanf(line, "world_size %d", &n) == 1) {
            c->world_size = n;
        } else if (sscanf(line, "settings lr=%f betas=%lf,%lf eps=%f weight_decay=%f amsgrad=%7s maximize=%7s",
                          &c->cfg.lr, &c->cfg.betas[0], &c->cfg.betas[1], &c->cfg.eps, &c->cfg.weight_decay,
                          flag[0], flag[1]) == 7) {
            c->cfg.amsgrad = strcmp(flag[0], "true") == 0;
            c->cfg.maximize = strcmp(flag[1], "true") == 0;
        } else if ((n = sscanf(line, "tensor %63s %d %d", name, &d0, &d1)) >= 2) {
            int i = c->tensors++;
            snprintf(c->tensor_name[i], TENSOR_NAME_LEN, "%.31s", name);
            c->ndim[i] = n - 1;
            c->shape[i][0] = d0, c->shape[i][1] = n == 3 ? d1 : 1;
            c->numel += (size_t)d0 * (n == 3 ? (size_t)d1 : 1);
            ck_assert_uint_le(c->numel, MAX_NUMEL);
        } else if (sscanf(line, "param %63s", name) == 1) {
            read_values(c, line, 2, name, c->param);
        } else if (sscanf(line, "step %d", &n) == 1) {
            ck_assert_int_le(n, MAX_STEPS);
            c->steps = n;
        } else if (sscanf(line, "local %d %63s", &rank, name) == 2) {
            read_values(c, line, 3, name, c->local[c->steps - 1][rank]);
        } else if (sscanf(line, "grad %63s", name) == 1) {
            read_values(c, line, 2, name, c->grad[c->steps - 1]);
        } else if (sscanf(line, "expect %63s", name) == 1) {
            read_values(c, line, 2, name, c->expect[c->steps - 1]);
        }
    }
    fclose(f);
    ck_assert_int_gt(case_count, 0);
}

/* Lesson 06's AdamW against PyTorch (lessons/06_adamw/test_adamw.c): its
 * handful of float32 operations, rounded in another order than PyTorch's,
 * stay within 5 ulps of the largest size a weight has had. */
#define GOLDEN_RTOL 6e-7

/* The largest |weight| element j has had up to step t (0: the start). */
static double largest_size(const GoldenZero *c, int t, size_t j)
{
    double size = fabs(c->param[j]);
    for (int k = 0; k < t; k++) size = fmax(size, fabs(c->expect[k][j]));
    return size;
}

/* Lesson 06's adamw_update in one process, whole tensors, on PyTorch's
 * averaged gradients: the weights after each step, after[steps][numel] of
 * a [MAX_STEPS][MAX_NUMEL] that is 0 elsewhere. Static (too large for the
 * stack): the next call overwrites it. */
static const float (*single_process(const GoldenZero *c))[MAX_NUMEL]
{
    static float after[MAX_STEPS][MAX_NUMEL];
    memset(after, 0, sizeof after);
    float param[MAX_NUMEL], grad[MAX_NUMEL], m[MAX_NUMEL] = {0}, v[MAX_NUMEL] = {0}, vmax[MAX_NUMEL] = {0};
    memcpy(param, c->param, sizeof param);
    for (int t = 0; t < c->steps; t++) {
        memcpy(grad, c->grad[t], sizeof grad);
        adamw_update(param, grad, m, v, c->cfg.amsgrad ? vmax : NULL, c->numel, t + 1, &c->cfg);
        memcpy(after[t], param, sizeof param);
    }
    return (const float (*)[MAX_NUMEL])after;
}

/* The case's model as named tensors in params[tensors] and grads[tensors]
 * (each gradient zero), holding its start weights. */
static ParamList golden_model(const GoldenZero *c, MemoryLedger *ledger, Tensor **params, Tensor **grads)
{
    ParamList list = {c->tensors, params, grads};
    for (int i = 0; i < c->tensors; i++) {
        params[i] = tensor_new(ledger, c->tensor_name[i], TAG_PARAM, c->ndim[i], c->shape[i]);
        grads[i] = tensor_new_like(params[i], c->tensor_name[i], TAG_GRAD);
    }
    paramlist_set(&list, c->param);
    return list;
}

static void golden_model_free(ParamList *list)
{
    for (int i = 0; i < list->count; i++) tensor_free(list->params[i]), tensor_free(list->grads[i]);
}

/* ---- one rank of a golden case ---- */

typedef struct {
    const GoldenZero *golden;
    int stage;
    bool own_gradients;                  /* each rank its local / N; else rank 0 the average */
    float after[MAX_RANKS][MAX_STEPS][MAX_NUMEL];   /* each rank's weights after each step */
    int failed[MAX_RANKS];
} GoldenRun;

static void golden_rank(ZeroComm *comm, void *ctx)
{
    GoldenRun *run = ctx;
    const GoldenZero *c = run->golden;
    MemoryLedger ledger = {0};
    Tensor *params[MAX_TENSORS], *grads[MAX_TENSORS];
    ParamList list = golden_model(c, &ledger, params, grads);
    ZeroRank rank;
    char err[256];
    if (zero_rank_init(&rank, run->stage, comm, &list, &c->cfg, err, sizeof err) != 0) {
        run->failed[comm->rank] = 1;   /* every rank fails alike: no collective is waiting */
        golden_model_free(&list);
        return;
    }
    for (int t = 0; t < c->steps; t++) {
        /* The "backward pass": each layer's gradient, last layer first. */
        for (int l = rank.layout.layers - 1; l >= 0; l--) {
            const ZeroLayer *layer = &rank.layout.layer[l];
            size_t from = tensor_offset(c, c->tensor_name[layer->first_tensor]);
            Tensor *temporary;
            float *g = zero_layer_grad_buffer(&rank, l, &temporary);
            for (size_t j = 0; j < layer->numel; j++)
                g[j] = run->own_gradients ? c->local[t][comm->rank][from + j] / (float)comm->world_size
                       : comm->rank == 0  ? c->grad[t][from + j]
                                          : 0.0f;
            zero_reduce_layer_grad(&rank, l, &temporary);
        }
        zero_step(&rank);
        zero_gather_params(&rank, run->after[comm->rank][t]);
    }
    zero_rank_free(&rank);
    golden_model_free(&list);
}

static void run_golden(GoldenRun *run)
{
    char err[256];
    ck_assert_int_eq(zero_simulate_each(run->golden->world_size, golden_rank, run, err, sizeof err), 0);
    for (int q = 0; q < run->golden->world_size; q++)
        ck_assert_msg(!run->failed[q], "%s: rank %d could not start", run->golden->name, q);
}

/* PyTorch's averaged gradient: every stage, every rank, lesson 06's AdamW
 * bit for bit, and PyTorch's ZeRO within lesson 06's distance. */
START_TEST(test_zero_matches_pytorch)
{
    load_cases();
    for (int k = 0; k < case_count; k++) {
        const GoldenZero *c = &cases[k];
        const float (*reference)[MAX_NUMEL] = single_process(c);
        for (int t = 0; t < c->steps; t++)
            for (size_t j = 0; j < c->numel; j++)
                ck_assert_msg(fabs((double)reference[t][j] - c->expect[t][j]) <= GOLDEN_RTOL * largest_size(c, t, j),
                              "%s, step %d, element %zu: %.9g, PyTorch %.9g", c->name, t + 1, j,
                              (double)reference[t][j], (double)c->expect[t][j]);
        for (int stage = 0; stage < 4; stage++) {
            static GoldenRun run;
            memset(&run, 0, sizeof run);
            run.golden = c, run.stage = stage;
            run_golden(&run);
            for (int q = 0; q < c->world_size; q++)
                ck_assert_msg(memcmp(run.after[q], reference, sizeof run.after[q]) == 0,
                              "%s, stage %d, rank %d: not lesson 06's AdamW bit for bit", c->name, stage, q);
        }
    }
}
END_TEST

/* Each rank's own gradient: PyTorch's weights up to the rounding of the
 * sum and of AdamW. One rounding of g (2^-24 relative) moves AdamW's step
 * m / sqrt(v) by about as much relative, so after t steps of at most lr
 * each a weight is off by about t * lr * 2^-23 more; the bound allows 100
 * times that on top of lesson 06's distance. */
START_TEST(test_zero_own_gradients_within_rounding)
{
    load_cases();
    for (int k = 0; k < case_count; k++) {
        static GoldenRun run;
        memset(&run, 0, sizeof run);
        run.golden = &cases[k], run.stage = 1, run.own_gradients = true;
        run_golden(&run);
        const GoldenZero *c = &cases[k];
        for (int t = 0; t < c->steps; t++) {
            for (size_t j = 0; j < c->numel; j++) {
                double bound = 100.0 * (t + 1) * c->cfg.lr * ldexp(1.0, -23) + GOLDEN_RTOL * largest_size(c, t, j);
                ck_assert_msg(fabs((double)run.after[0][t][j] - c->expect[t][j]) <= bound,
                              "%s, step %d, element %zu: %.9g, PyTorch %.9g (bound %.3g)", c->name, t + 1, j,
                              (double)run.after[0][t][j], (double)c->expect[t][j], bound);
            }
        }
    }
}
END_TEST

/* The file holds what the tests need: the four world sizes, two cases
 * each, AdamW's every keyword changed in one of them, and PyTorch's
 * partition giving whole tensors to ranks (which the engine does not:
 * it cuts every layer into N). */
START_TEST(test_golden_file_covers)
{
    load_cases();
    int sizes[MAX_RANKS + 1] = {0}, every_keyword = 0;
    for (int k = 0; k < case_count; k++) {
        const GoldenZero *c = &cases[k];
        ck_assert_int_ge(c->world_size, 1);
        ck_assert_int_le(c->world_size, MAX_RANKS);
        sizes[c->world_size]++;
        ck_assert_int_ge(c->steps, 3);
        every_keyword += c->cfg.amsgrad && c->cfg.maximize && c->cfg.weight_decay != 0.01f &&
                         c->cfg.betas[0] != 0.9 && c->cfg.betas[1] != 0.999 && c->cfg.eps != 1e-8f &&
                         c->cfg.lr != 1e-3f;
    }
    for (int n = 1; n <= MAX_RANKS; n++) ck_assert_int_eq(sizes[n], 2);
    ck_assert_int_eq(every_keyword, MAX_RANKS);
}
END_TEST

/* ---- zero_adamw, the Optimizer -------------------------------------------------------- */

/* zero_adamw with ranks = the case's world size on the case's model, fed
 * PyTorch's averaged gradients: lesson 06's AdamW bit for bit, PyTorch
 * within GOLDEN_RTOL. */
START_TEST(test_zero_adamw_matches_pytorch)
{
    load_cases();
    for (int k = 0; k < case_count; k++) {
        const GoldenZero *c = &cases[k];
        const float (*reference)[MAX_NUMEL] = single_process(c);
        MemoryLedger ledger = {0};
        Tensor *params[MAX_TENSORS], *grads[MAX_TENSORS];
        ParamList list = golden_model(c, &ledger, params, grads);
        ZeroAdamWConfig cfg = {c->cfg, c->world_size};
        Optimizer *opt = zero_adamw_new(list, &cfg);
        ck_assert_ptr_nonnull(opt);
        for (int t = 0; t < c->steps; t++) {
            size_t from = 0;
            for (int i = 0; i < c->tensors; i++) {
                memcpy(grads[i]->data, c->grad[t] + from, sizeof(float) * grads[i]->numel);
                from += grads[i]->numel;
            }
            optimizer_step(opt);
            float flat[MAX_NUMEL];
            paramlist_get(&list, flat);
            ck_assert_msg(memcmp(flat, reference[t], sizeof(float) * c->numel) == 0,
                          "%s, step %d: zero_adamw is not lesson 06's AdamW bit for bit", c->name, t + 1);
            for (size_t j = 0; j < c->numel; j++)
                ck_assert(fabs((double)flat[j] - c->expect[t][j]) <= GOLDEN_RTOL * largest_size(c, t, j));
        }
        optimizer_free(opt);
        golden_model_free(&list);
    }
}
END_TEST

/* `optlab trace zero_adamw --ranks=N` on each case's whole model as one
 * tensor: PyTorch's weights within GOLDEN_RTOL (trace prints 9 digits,
 * which read back exactly). */
START_TEST(test_optlab_trace_zero_adamw)
{
    load_cases();
    for (int k = 0; k < case_count; k++) {
        const GoldenZero *c = &cases[k];
        char args[512], cmd[4096], input[MAX_STEPS + 1][MAX_NUMEL * 20], *all = malloc(sizeof input);
        ck_assert_ptr_nonnull(all);
        snprintf(args, sizeof args,
                 "trace zero_adamw --ranks=%d --lr=%.9g --betas=%.17g,%.17g --eps=%.9g --weight_decay=%.9g"
                 " --amsgrad=%s --maximize=%s",
                 c->world_size, (double)c->cfg.lr, c->cfg.betas[0], c->cfg.betas[1], (double)c->cfg.eps,
                 (double)c->cfg.weight_decay, c->cfg.amsgrad ? "true" : "false", c->cfg.maximize ? "true" : "false");
        all[0] = '\0';
        for (int row = 0; row <= c->steps; row++) {
            size_t used = 0;
            for (size_t j = 0; j < c->numel; j++)
                used += (size_t)snprintf(input[row] + used, sizeof input[row] - used, j ? " %.9g" : "%.9g",
                                         (double)(row ? c->grad[row - 1][j] : c->param[j]));
            strcat(all, input[row]), strcat(all, "\n");
        }
        program_command(cmd, sizeof cmd, OPTIMIZERS_BIN_DIR, "optlab", args);
        ProgramRun run;
        ck_assert(run_program(cmd, all, &run) == 0);
        ck_assert_msg(run.status == 0, "optlab %s: exit %d: %s", args, run.status, run.err);
        char *line = run.out;
        for (int t = 0; t < c->steps; t++) {
            for (size_t j = 0; j < c->numel; j++) {
                char *end;
                float p = strtof(line, &end);
                ck_assert_msg(end != line, "%s: step %d has too few numbers", c->name, t + 1);
                line = end;
                ck_assert_msg(fabs((double)p - c->expect[t][j]) <= GOLDEN_RTOL * largest_size(c, t, j),
                              "%s step %d: param[%zu] = %.9g, PyTorch %.9g", c->name, t + 1, j, (double)p,
                              (double)c->expect[t][j]);
            }
            line = strchr(line, '\n');
            ck_assert_ptr_nonnull(line);
        }
        program_run_free(&run);
        free(all);
    }
}
END_TEST

/* The state each rank keeps, by hand: layer a = a.weight [5] + a.bias [2]
 * (7 elements), layer b [3], over 3 ranks: shards of 3 and 1, 4 elements a
 * rank, 2 slots of 4 bytes: 32 bytes (48 with amsgrad's third slot). */
START_TEST(test_zero_adamw_rank_state_bytes)
{
    MemoryLedger ledger = {0};
    const char *names[3] = {"a.weight", "a.bias", "b"};
    const int sizes[3] = {5, 2, 3};
    Tensor *params[3], *grads[3];
    for (int i = 0; i < 3; i++) {
        params[i] = tensor_new_1d(&ledger, names[i], TAG_PARAM, sizes[i]);
        grads[i] = tensor_new_like(params[i], names[i], TAG_GRAD);
    }
    ParamList list = {3, params, grads};
    for (int amsgrad = 0; amsgrad <= 1; amsgrad++) {
        ZeroAdamWConfig cfg = ZERO_ADAMW_DEFAULTS;
        cfg.ranks = 3, cfg.adamw.amsgrad = amsgrad;
        Optimizer *opt = zero_adamw_new(list, &cfg);
        ck_assert_ptr_nonnull(opt);
        for (int r = 0; r < 3; r++) ck_assert_uint_eq(zero_adamw_rank_state_bytes(opt, r), amsgrad ? 48 : 32);
        ck_assert_uint_eq(zero_adamw_rank_state_bytes(opt, 3), 0);   /* no such rank */
        optimizer_free(opt);
    }
    for (int i = 0; i < 3; i++) tensor_free(params[i]), tensor_free(grads[i]);
}
END_TEST

/* Edge cases, against lesson 06's AdamW (tested against PyTorch in
 * lessons/06_adamw): the first step, a zero gradient, tiny (1e-30, whose
 * square is 0 in float32) and huge (1e30, whose square is inf) gradients,
 * on a model whose layers 3 ranks cut unevenly. The two must agree bit for
 * bit, whatever the numbers do. */
START_TEST(test_zero_adamw_edge_cases)
{
    static const float GRADS[] = {0.0f, 1e-30f, -1e-30f, 1e30f, -1e30f, 3.0f, -0.25f};
    const int count = (int)(sizeof GRADS / sizeof GRADS[0]);
    MemoryLedger ledger = {0};
    const char *names[3] = {"a.weight", "a.bias", "b"};
    const int sizes[3] = {5, 2, 3};
    Tensor *p[2][3], *g[2][3];
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 3; i++) {
            p[k][i] = tensor_new_1d(&ledger, names[i], TAG_PARAM, sizes[i]);
            g[k][i] = tensor_new_like(p[k][i], names[i], TAG_GRAD);
            for (int j = 0; j < sizes[i]; j++) p[k][i]->data[j] = 0.5f - 0.125f * (float)(i * 5 + j);
        }
    ParamList zero_list = {3, p[0], g[0]}, plain_list = {3, p[1], g[1]};
    for (int amsgrad = 0; amsgrad <= 1; amsgrad++) {
        ZeroAdamWConfig cfg = ZERO_ADAMW_DEFAULTS;
        cfg.ranks = 3, cfg.adamw.amsgrad = amsgrad, cfg.adamw.lr = 0.01f;
        Optimizer *zero = zero_adamw_new(zero_list, &cfg), *plain = adamw_new(plain_list, &cfg.adamw);
        ck_assert(zero && plain);
        for (int t = 0; t < 6; t++) {
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < sizes[i]; j++)
                    g[0][i]->data[j] = g[1][i]->data[j] = GRADS[(i * 5 + j + t) % count];
            optimizer_step(zero);
            optimizer_step(plain);
            for (int i = 0; i < 3; i++)
                ck_assert_msg(memcmp(p[0][i]->data, p[1][i]->data, sizeof(float) * (size_t)sizes[i]) == 0,
                              "amsgrad %d, step %d, %s: zero_adamw is not AdamW bit for bit", amsgrad, t + 1,
                              names[i]);
        }
        optimizer_free(zero);
        optimizer_free(plain);
    }
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 3; i++) tensor_free(p[k][i]), tensor_free(g[k][i]);
}
END_TEST

/* optlab refuses what PyTorch's AdamW refuses, and a world of no ranks. */
START_TEST(test_optlab_zero_adamw_refusals)
{
    static const Refusal refusals[] = {
        {"trace zero_adamw --ranks=0", "1\n1\n", "ranks must be from 1 to 4096, not 0"},
        {"trace zero_adamw --ranks=5000", "1\n1\n", "ranks must be from 1 to 4096, not 5000"},
        {"trace zero_adamw --lr=-1", "1\n1\n", "Invalid learning rate: -1"},
        {"trace zero_adamw --betas=0.9,1", "1\n1\n", "Invalid beta parameter at index 1: 1"},
        {"trace zero_adamw --ranks=two", "1\n1\n", "--ranks: 'two' is not an integer"},
    };
    assert_program_refuses_all("optlab", refusals, (int)(sizeof refusals / sizeof refusals[0]));
}
END_TEST

void add_zero_golden_tests(TCase *core, TCase *limits)
{
    tcase_add_test(core, test_zero_adamw_matches_pytorch);
    tcase_add_test(core, test_optlab_trace_zero_adamw);
    tcase_add_test(core, test_zero_adamw_rank_state_bytes);
    tcase_add_test(limits, test_zero_adamw_edge_cases);
    tcase_add_test(limits, test_optlab_zero_adamw_refusals);
    tcase_add_test(core, test_zero_matches_pytorch);
    tcase_add_test(core, test_zero_own_gradients_within_rounding);
    tcase_add_test(core, test_golden_file_covers);
}
