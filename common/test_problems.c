/* test_problems.c - tests of the shared problems (every gradient against
 * finite differences), the training loop, the batch sampler, figures and
 * reports. Part of the common suite (see test_common.c). */
#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "ops.h"
#include "path_plot.h"
#include "plot.h"
#include "problems.h"
#include "report.h"
#include "rng.h"
#include "testing.h"
#include "train.h"

/* A do-nothing optimizer, so these tests need no lesson. */
static void no_update(Optimizer *self, const ParamGroup *group) { (void)self, (void)group; }

/* Plain gradient descent written out here, independent of lesson 01. */
static void gd_update(Optimizer *self, const ParamGroup *group)
{
    for (int i = group->first; i < group->first + group->count; i++)
        for (size_t j = 0; j < self->params.params[i]->numel; j++)
            self->params.params[i]->data[j] -= group->lr * self->params.grads[i]->data[j];
}

/* x *= lr on every coordinate: a loss that grows by lr^2 a step. */
static void grow_update(Optimizer *self, const ParamGroup *group)
{
    for (int i = group->first; i < group->first + group->count; i++)
        for (size_t j = 0; j < self->params.params[i]->numel; j++) self->params.params[i]->data[j] *= group->lr;
}

/* Trains p with `update` at lr, asserting what train() returns (0: ran to
 * the end, 1: stopped at a non-finite loss). Returns the optimizer's step
 * count; the caller frees h. */
static int train_with(Problem *p, float lr, void (*update)(Optimizer *, const ParamGroup *), TrainConfig cfg,
                      int expected_status, TrainHistory *h)
{
    Optimizer *opt = calloc(1, sizeof *opt);
    ck_assert_ptr_nonnull(opt);
    optimizer_init(opt, "gd", p->params, lr, 0.0f, update);
    ck_assert_int_eq(train(p, opt, &cfg, h), expected_status);
    int steps = opt->step_count;
    optimizer_free(opt);
    return steps;
}

/* Compares the backpropagated gradient with central differences at `samples`
 * random coordinates. The step actually taken is the float32 difference
 * (x + h) - (x - h), not 2h, because x + h is rounded. */
static void check_gradient(Problem *p, const int *idx, int n, float h, double atol,
                           double rtol, int samples)
{
    size_t numel = paramlist_numel(&p->params);
    float *x = malloc(sizeof(float) * numel), *g = malloc(sizeof(float) * numel);
    paramlist_get(&p->params, x);
    problem_loss_at_batch(p, x, idx, n);
    paramlist_get_grads(&p->params, g);
    Rng rng;
    rng_seed(&rng, 99, 1);
    for (int s = 0; s < samples; s++) {
        size_t j = samples >= (int)numel ? (size_t)s % numel : rng_below(&rng, (uint32_t)numel);
        float saved = x[j], up = saved + h, down = saved - h;
        x[j] = up;
        double f_up = problem_loss_at_batch(p, x, idx, n);
        x[j] = down;
        double f_down = problem_loss_at_batch(p, x, idx, n);
        x[j] = saved;
        double fd = (f_up - f_down) / ((double)up - (double)down);
        ck_assert_msg(fabs(fd - g[j]) <= atol + rtol * fabs(fd),
                      "%s: d loss / d theta[%zu]: backprop %.9g, finite difference %.9g",
                      p->name, j, g[j], fd);
    }
    paramlist_set(&p->params, x);   /* leave the parameters where they were */
    free(x);
    free(g);
}

/* Exact functions computed in double from float32 parameters: h = 1e-3 makes
 * the truncation error (h^2 f'''/6) about 1e-6 relative. */
START_TEST(test_function_gradients)
{
    Problem *ravine = ravine_new(5, 100.0);
    check_gradient(ravine, NULL, 0, 1e-3f, 1e-6, 1e-5, 5);
    Problem *quad = quadratic_new(3, (double[]){0.5, 2.0, 8.0}, (float[]){1.0f, -3.0f, 0.25f});
    check_gradient(quad, NULL, 0, 1e-3f, 1e-6, 1e-5, 3);
    /* f = (0.5 * 1 + 2 * 9 + 8 / 16) / 2 = 9.5 */
    ck_assert_close(quad->loss_and_grad(quad, NULL, 0), 9.5, 0, 1e-12);
    ck_assert_close(quadratic_curvature(quad, 2), 8.0, 0, 0);
    problem_free(quad);
    Problem *rosen = rosenbrock_new();
    check_gradient(rosen, NULL, 0, 1e-3f, 1e-3, 1e-5, 2);
    paramlist_set(&rosen->params, (float[]){0.3f, -0.4f});
    check_gradient(rosen, NULL, 0, 1e-3f, 1e-3, 1e-5, 2);
    Problem *saddle = saddle_new(0.0);
    paramlist_set(&saddle->params, (float[]){0.3f, 0.7f});
    check_gradient(saddle, NULL, 0, 1e-3f, 1e-6, 1e-5, 2);
    problem_free(ravine);
    problem_free(rosen);
    problem_free(saddle);
}
END_TEST

/* Models computed in float32: the loss carries rounding of about 1e-7 of its
 * value, so h = 1e-2 (rounding error ~1e-5 after dividing by 2h, truncation
 * ~1e-5) and a tolerance of 1e-4 + 1% are what float32 allows. */
START_TEST(test_model_gradients)
{
    int batch[16];
    for (int i = 0; i < 16; i++) batch[i] = 3 * i + 1;
    char err[256];
    Problem *sparse = sparse_linear_new(30, 5);
    Rng rng;
    rng_seed(&rng, 1, 1);
    for (int j = 0; j < 30; j++) sparse->params.params[0]->data[j] = (float)rng_normal(&rng);
    check_gradient(sparse, batch, 16, 1e-2f, 1e-4, 1e-2, 30);
    check_gradient(sparse, NULL, 0, 1e-2f, 1e-4, 1e-2, 10);
    Problem *softmax = softmax_regression_new(err, sizeof err);
    ck_assert_msg(softmax, "%s", err);
    for (int i = 0; i < 2; i++)
        for (size_t j = 0; j < softmax->params.params[i]->numel; j++)
            softmax->params.params[i]->data[j] = (float)(0.3 * rng_normal(&rng));
    check_gradient(softmax, batch, 16, 1e-2f, 1e-4, 1e-2, 40);
    Problem *mlp = mlp_new(12, 3, err, sizeof err);
    ck_assert_msg(mlp, "%s", err);
    check_gradient(mlp, batch, 16, 1e-2f, 1e-4, 1e-2, 60);
    check_gradient(mlp, NULL, 0, 1e-2f, 1e-4, 1e-2, 20);
    problem_free(sparse);
    problem_free(softmax);
    problem_free(mlp);
}
END_TEST

START_TEST(test_ravine_shape)
{
    Problem *p = ravine_new(4, 1000.0);
    ck_assert_close(quadratic_curvature(p, 0), 1e-3, 1e-15, 1e-12);
    ck_assert_close(quadratic_curvature(p, 3), 1.0, 0, 1e-12);
    ck_assert_close(quadratic_curvature(p, 1) / quadratic_curvature(p, 0), 10.0, 0, 1e-9);
    ck_assert_close(p->loss_and_grad(p, NULL, 0), 2.0, 0, 1e-6);   /* 4 coordinates x 1/2 */
    ck_assert_close(problem_loss_at(p, (float[]){0, 0, 0, 0}), 0.0, 0, 0);
    ck_assert(p->min_loss == 0.0);
    problem_free(p);
}
END_TEST

START_TEST(test_rosenbrock_and_saddle_landmarks)
{
    Problem *rosen = rosenbrock_new();
    /* f(-1.2, 1) = 2.2^2 + 100 (1 - 1.44)^2 = 4.84 + 19.36 = 24.2 */
    ck_assert_close(rosen->loss_and_grad(rosen, NULL, 0), 24.2, 0, 1e-6);
    ck_assert_close(problem_loss_at(rosen, (float[]){1, 1}), 0.0, 0, 0);
    ck_assert(rosen->params.grads[0]->data[0] == 0.0f && rosen->params.grads[0]->data[1] == 0.0f);
    Problem *saddle = saddle_new(0.0);
    ck_assert_close(problem_loss_at(saddle, (float[]){0, 0}), 0.0, 0, 0);
    ck_assert(saddle->params.grads[0]->data[0] == 0.0f && saddle->params.grads[0]->data[1] == 0.0f);
    ck_assert_close(problem_loss_at(saddle, (float[]){0, -1}), -0.25, 0, 0);
    ck_assert(saddle->params.grads[0]->data[1] == 0.0f);
    ck_assert_close(saddle->min_loss, -0.25, 0, 0);
    problem_free(rosen);
    problem_free(saddle);
}
END_TEST

START_TEST(test_sparse_features_are_sparse)
{
    Problem *p = sparse_linear_new(100, 1);
    int idx[1000];
    /* With w = 0 the gradient is -mean(y x_j): zero exactly where feature j never appears. */
    int present_first = 0, present_last = 0;
    for (int e = 0; e < 1000; e++) {
        idx[0] = e;
        p->loss_and_grad(p, idx, 1);
        present_first += p->params.grads[0]->data[0] != 0.0f;
        present_last += p->params.grads[0]->data[99] != 0.0f;
    }
    ck_assert_int_eq(present_first, 1000);              /* probability 1 */
    ck_assert(present_last > 0 && present_last < 40);   /* probability 1/100: about 10 */
    ck_assert_int_eq(p->num_examples, 1000);
    problem_free(p);
}
END_TEST

START_TEST(test_mlp_initialisation_and_size)
{
    char err[256];
    Problem *a = mlp_new(32, 1, err, sizeof err), *b = mlp_new(32, 1, err, sizeof err);
    Problem *c = mlp_new(32, 2, err, sizeof err);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(paramlist_numel(&a->params), 64 * 32 + 32 + 32 * 10 + 10);
    ck_assert_uint_eq(a->ledger.live[TAG_PARAM], 4 * 2410);
    ck_assert_uint_eq(a->ledger.live[TAG_GRAD], 4 * 2410);
    ck_assert_uint_eq(a->ledger.live[TAG_STATE], 0);
    ck_assert_str_eq(a->params.params[0]->name, "fc1.weight");
    ck_assert_str_eq(a->params.params[3]->name, "fc2.bias");
    /* nn.Linear's default: uniform in +-1/sqrt(fan_in) */
    for (int i = 0; i < 4; i++) {
        Tensor *t = a->params.params[i];
        double bound = 1.0 / sqrt(i < 2 ? 64.0 : 32.0);
        for (size_t j = 0; j < t->numel; j++) ck_assert(fabs(t->data[j]) <= bound);
    }
    ck_assert_int_eq(memcmp(a->params.params[0]->data, b->params.params[0]->data, 4 * 2048), 0);
    ck_assert_int_ne(memcmp(a->params.params[0]->data, c->params.params[0]->data, 4 * 2048), 0);
    /* Ten classes at random: chance is about 10%. */
    double acc = a->test_accuracy(a);
    ck_assert(acc >= 0.0 && acc < 0.3);
    problem_free(a);
    problem_free(b);
    problem_free(c);
}
END_TEST

START_TEST(test_softmax_starts_at_log_10)
{
    char err[256];
    Problem *p = softmax_regression_new(err, sizeof err);
    ck_assert_close(p->loss_and_grad(p, NULL, 0), log(10.0), 1e-6, 0);
    problem_free(p);
}
END_TEST

START_TEST(test_digits_train_accuracy)
{
    /* Softmax regression starts at zero: every logit ties and the first
     * class, 0, wins, so each accuracy is the share of 0s in its set. After
     * full-batch gradient descent the training set is mostly right. Other
     * problems have no training accuracy. */
    char err[256];
    Dataset train, test;
    ck_assert_int_eq(digits_load_split(&train, &test, err, sizeof err), 0);
    int zeros[2] = {0, 0};
    for (int i = 0; i < train.count; i++) zeros[0] += train.y[i] == 0;
    for (int i = 0; i < test.count; i++) zeros[1] += test.y[i] == 0;
    Problem *p = softmax_regression_new(err, sizeof err);
    ck_assert_close(digits_train_accuracy(p), (double)zeros[0] / train.count, 1e-12, 0);
    ck_assert_close(p->test_accuracy(p), (double)zeros[1] / test.count, 1e-12, 0);
    /* At zero every class is equally likely: the test loss is ln 10. */
    ck_assert_close(digits_test_loss(p), log(10.0), 1e-6, 0);
    TrainHistory hist;
    train_with(p, 0.5f, gd_update, (TrainConfig){.steps = 50, .quiet = true}, 0, &hist);
    ck_assert(digits_train_accuracy(p) > 0.8);
    /* Trained, the test loss falls, and measuring it leaves the gradients
     * of the last training step as they were. */
    size_t n = paramlist_numel(&p->params);
    float *before = malloc(n * sizeof *before), *after = malloc(n * sizeof *after);
    paramlist_get_grads(&p->params, before);
    ck_assert(digits_test_loss(p) < 1.0);
    paramlist_get_grads(&p->params, after);
    ck_assert(memcmp(before, after, n * sizeof *before) == 0);
    free(before), free(after);
    train_history_free(&hist);
    problem_free(p);
    Problem *r = ravine_new(2, 10.0);
    ck_assert(isnan(digits_train_accuracy(r)) && isnan(digits_test_loss(r)));
    problem_free(r);
    dataset_free(&train), dataset_free(&test);
}
END_TEST

START_TEST(test_problem_by_name)
{
    const char *names[] = {"ravine", "rosenbrock", "saddle", "sparse", "softmax", "mlp"};
    char err[256];
    for (int i = 0; i < 6; i++) {
        Problem *p = problem_by_name(names[i], 10.0, 1, err, sizeof err);
        ck_assert_msg(p != NULL, "%s: %s", names[i], err);
        ck_assert_str_eq(p->name, names[i]);
        problem_free(p);
    }
}
END_TEST

/* Every parameter carries the name PyTorch's named_parameters() gives it, in
 * PyTorch's order, and its gradient the same name with ".grad". */
START_TEST(test_parameter_names)
{
    static const struct {
        const char *problem;
        int count;
        const char *names[4];
    } expected[] = {
        {"ravine", 1, {"x"}},
        {"rosenbrock", 1, {"x"}},
        {"saddle", 1, {"x"}},
        {"sparse", 1, {"weight"}},
        {"softmax", 2, {"weight", "bias"}},
        {"mlp", 4, {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}},
    };
    char err[256];
    for (size_t k = 0; k < sizeof expected / sizeof expected[0]; k++) {
        Problem *p = problem_by_name(expected[k].problem, 10.0, 1, err, sizeof err);
        ck_assert_msg(p != NULL, "%s: %s", expected[k].problem, err);
        ck_assert_int_eq(p->params.count, expected[k].count);
        for (int i = 0; i < p->params.count; i++) {
            const Tensor *param = p->params.params[i], *grad = p->params.grads[i];
            char grad_name[TENSOR_NAME_LEN];
            snprintf(grad_name, sizeof grad_name, "%s.grad", expected[k].names[i]);
            ck_assert_str_eq(param->name, expected[k].names[i]);
            ck_assert_str_eq(grad->name, grad_name);
            ck_assert(param->tag == TAG_PARAM && grad->tag == TAG_GRAD);
            ck_assert(tensor_same_shape(param, grad));
        }
        problem_free(p);
    }
    /* The shapes are nn.Linear's: weight is [out_features x in_features]. */
    Problem *mlp = mlp_new(32, 1, err, sizeof err);
    const Tensor *fc1_weight = mlp->params.params[0], *fc2_bias = mlp->params.params[3];
    ck_assert(fc1_weight->ndim == 2 && fc1_weight->shape[0] == 32 && fc1_weight->shape[1] == 64);
    ck_assert(fc2_bias->ndim == 1 && fc2_bias->shape[0] == 10);
    problem_free(mlp);
    Problem *quadratic = quadratic_new(3, (double[]){1, 2, 3}, (float[]){1, 1, 1});
    ck_assert_str_eq(quadratic->params.params[0]->name, "x");
    problem_free(quadratic);
}
END_TEST

START_TEST(test_paramlist_find)
{
    char err[256];
    Problem *p = mlp_new(16, 1, err, sizeof err);
    ck_assert_ptr_nonnull(p);
    const ParamList *list = &p->params;
    const char *names[] = {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"};
    for (int i = 0; i < 4; i++) ck_assert_int_eq(paramlist_find(list, names[i]), i);
    /* Whole names only: no prefix, no gradient name, no other case. */
    ck_assert_int_eq(paramlist_find(list, "fc1"), -1);
    ck_assert_int_eq(paramlist_find(list, "fc1.weigh"), -1);
    ck_assert_int_eq(paramlist_find(list, "fc1.weight.grad"), -1);
    ck_assert_int_eq(paramlist_find(list, "FC1.weight"), -1);
    ck_assert_int_eq(paramlist_find(list, "weight"), -1);
    ck_assert_int_eq(paramlist_find(list, ""), -1);
    /* An empty list finds nothing. */
    ParamList empty = {0, NULL, NULL};
    ck_assert_int_eq(paramlist_find(&empty, "x"), -1);
    /* What the name finds is what the flat vector holds at that offset:
     * fc2.weight starts after fc1.weight [16 x 64] and fc1.bias [16]. */
    size_t numel = paramlist_numel(list);
    float *flat = malloc(sizeof(float) * numel);
    paramlist_get(list, flat);
    int fc2_weight = paramlist_find(list, "fc2.weight");
    ck_assert_int_eq(memcmp(flat + 16 * 64 + 16, list->params[fc2_weight]->data,
                            tensor_bytes(list->params[fc2_weight])), 0);
    free(flat);
    problem_free(p);
}
END_TEST

/* ---- parameter groups ------------------------------------------------------------ */

/* PyTorch's usual split: matrices in group 0, vectors (biases) in group 1. */
static int matrices_then_vectors(const Tensor *param) { return param->ndim >= 2 ? 0 : 1; }
static int group_two(const Tensor *param) { (void)param; return 2; }

START_TEST(test_param_groups)
{
    char err[256];
    Problem *p = mlp_new(16, 1, err, sizeof err);
    ck_assert_ptr_nonnull(p);
    Optimizer *opt = calloc(1, sizeof *opt);
    ck_assert_ptr_nonnull(opt);
    optimizer_init(opt, "gd", p->params, 0.5f, 0.01f, gd_update);
    /* One group, "all", at the config's lr and weight_decay. */
    ck_assert_int_eq(opt->num_groups, 1);
    ck_assert_str_eq(opt->groups[0].name, "all");
    ck_assert_int_eq(opt->groups[0].first, 0);
    ck_assert_int_eq(opt->groups[0].count, 4);
    ck_assert(opt->groups[0].lr == 0.5f && opt->groups[0].weight_decay == 0.01f);
    ck_assert_int_eq(optimizer_add_slot(opt, "buf"), 0);
    const Tensor *slot_of_fc1_bias = opt->slots[0][1];

    /* Refused: an index out of range, too many groups; nothing changes. */
    const char *names[] = {"decay", "no_decay", "x", "y", "z"};
    ck_assert_int_eq(optimizer_set_groups(opt, 2, names, group_two), -1);
    ck_assert_int_eq(optimizer_set_groups(opt, OPTIMIZER_MAX_GROUPS + 1, names, group_two), -1);
    ck_assert_int_eq(opt->num_groups, 1);
    ck_assert_str_eq(opt->params.params[1]->name, "fc1.bias");

    /* Group after group, each in the model's order; the state moves along. */
    ck_assert_int_eq(optimizer_set_groups(opt, 2, names, matrices_then_vectors), 0);
    ck_assert_int_eq(opt->num_groups, 2);
    const char *order[] = {"fc1.weight", "fc2.weight", "fc1.bias", "fc2.bias"};
    for (int i = 0; i < 4; i++) {
        ck_assert_str_eq(opt->params.params[i]->name, order[i]);
        ck_assert_ptr_eq(opt->params.grads[i], p->params.grads[paramlist_find(&p->params, order[i])]);
    }
    ck_assert_ptr_eq(opt->slots[0][2], slot_of_fc1_bias);
    ck_assert_str_eq(opt->groups[1].name, "no_decay");
    ck_assert_int_eq(opt->groups[0].first, 0);
    ck_assert_int_eq(opt->groups[0].count, 2);
    ck_assert_int_eq(opt->groups[1].first, 2);
    ck_assert_int_eq(opt->groups[1].count, 2);
    ck_assert(opt->groups[1].lr == 0.5f && opt->groups[1].weight_decay == 0.01f);
    /* The model's own list is as it was. */
    ck_assert_str_eq(p->params.params[1]->name, "fc1.bias");

    /* Each group steps at its own lr: the biases' group at 0 stays put. */
    p->reset(p, 1);
    p->loss_and_grad(p, NULL, 0);
    opt->groups[1].lr = 0.0f;
    float w = opt->params.params[0]->data[7], gw = opt->params.grads[0]->data[7];
    float b = opt->params.params[3]->data[2];
    optimizer_step(opt);
    ck_assert(opt->params.params[0]->data[7] == w - 0.5f * gw);
    ck_assert(opt->params.params[3]->data[2] == b);
    /* optimizer_set_lr sets every group, as a schedule does. */
    optimizer_set_lr(opt, 0.25f);
    ck_assert(opt->groups[0].lr == 0.25f && opt->groups[1].lr == 0.25f);
    /* After a step the groups are fixed, as in PyTorch. */
    ck_assert_int_eq(optimizer_set_groups(opt, 2, names, matrices_then_vectors), -1);
    optimizer_free(opt);
    problem_free(p);
}
END_TEST

/* ---- the training loop ---------------------------------------------------------- */

START_TEST(test_train_one_exact_step)
{
    /* One coordinate with curvature 1 (kappa = 1): from x = 1, lr = 1 lands on 0. */
    Problem *p = ravine_new(1, 1.0);
    TrainHistory h;
    ck_assert_int_eq(train_with(p, 1.0f, gd_update, (TrainConfig){.steps = 3, .record_params = true}, 0, &h), 3);
    ck_assert_int_eq(h.steps_done, 3);
    ck_assert_close(h.loss[0], 0.5, 0, 0);
    ck_assert_close(h.loss[1], 0.0, 0, 0);
    ck_assert_close(h.loss[3], 0.0, 0, 0);
    ck_assert(h.path[0] == 1.0f && h.path[1] == 0.0f);
    ck_assert_int_eq(h.diverged_at, 0);
    train_history_free(&h);
    problem_free(p);
}
END_TEST

START_TEST(test_train_minibatch_losses)
{
    Problem *p = sparse_linear_new(20, 2);
    TrainConfig cfg = {.steps = 30, .batch = 10, .seed = 4};
    TrainHistory h;
    train_with(p, 0.05f, gd_update, cfg, 0, &h);
    /* The last entry is the loss on all examples at the final parameters. */
    ck_assert_close(h.loss[30], p->loss_and_grad(p, NULL, 0), 0, 1e-12);
    ck_assert(h.loss[30] < h.loss[0]);
    /* Same start, same seed, same batches: the same numbers. */
    p->reset(p, 0);
    TrainHistory again;
    train_with(p, 0.05f, gd_update, cfg, 0, &again);
    for (int t = 0; t <= 30; t++) ck_assert(again.loss[t] == h.loss[t]);
    train_history_free(&again);
    train_history_free(&h);
    problem_free(p);
}
END_TEST

/* train()'s diagnosis tells the three usual causes of a NaN apart, and
 * leaves the run itself as it was without the flag. */
START_TEST(test_train_diagnoses_divergence)
{
    /* Too high a learning rate: gradient descent on one coordinate of
     * curvature 1 at lr 2.5 multiplies x by -1.5 a step: the loss climbs
     * for about 200 steps before x overflows float. */
    Problem *p = ravine_new(1, 1.0);
    TrainHistory h, plain;
    train_with(p, 2.5f, gd_update, (TrainConfig){.steps = 1000, .quiet = true, .diagnose = true}, 1, &h);
    ck_assert_int_eq(h.cause, CAUSE_LR);
    ck_assert_ptr_nonnull(strstr(h.diagnosis, "learning rate too high"));
    p->reset(p, 0);
    train_with(p, 2.5f, gd_update, (TrainConfig){.steps = 1000, .quiet = true}, 1, &plain);
    ck_assert_int_eq(plain.diverged_at, h.diverged_at);
    ck_assert_int_eq(plain.cause, CAUSE_NONE);
    ck_assert_str_eq(plain.message, h.message);
    ck_assert_str_eq(plain.diagnosis, "");
    train_history_free(&h), train_history_free(&plain);
    problem_free(p);

    /* Exploding gradients: on Rosenbrock at lr 0.01 the gradient grows as
     * x^3, so x goes 7, 1e3, 1e10 ... past float within a few steps. */
    p = rosenbrock_new();
    train_with(p, 0.01f, gd_update, (TrainConfig){.steps = 100, .quiet = true, .diagnose = true}, 1, &h);
    ck_assert_int_le(h.diverged_at, 10);
    ck_assert_int_eq(h.cause, CAUSE_EXPLODING);
    train_history_free(&h);
    problem_free(p);

    /* The boundary of train.h's rule: a loss that climbs for at most
     * DIAGNOSE_SUDDEN_STEPS (10) steps before it overflows is an explosion,
     * for more it is the learning rate. x = 1 on 0.5 x^2, multiplied by
     * F = FLT_MAX^(1 / (k - 0.5)) a step: x = F^(k-1) is still a hundred
     * times below FLT_MAX, F^k a hundred times above it, so the loss climbs
     * (by F^2 > 10 a step) for exactly k steps, then is infinite. */
    for (int k = 10; k <= 11; k++) {
        p = quadratic_new(1, (const double[]){1.0}, (const float[]){1.0f});
        ck_assert_ptr_nonnull(p);
        const float factor = (float)pow(FLT_MAX, 1.0 / (k - 0.5));
        train_with(p, factor, grow_update, (TrainConfig){.steps = 100, .quiet = true, .diagnose = true}, 1, &h);
        char expected[64];
        snprintf(expected, sizeof expected, k == 10 ? "to overflow in %d steps" : "climbed for %d steps", k);
        const int cause = k == 10 ? CAUSE_EXPLODING : CAUSE_LR;
        ck_assert_int_eq(h.cause, cause);
        ck_assert_msg(strstr(h.diagnosis, expected) != NULL, "k = %d: %s", k, h.diagnosis);
        train_history_free(&h);
        problem_free(p);
    }

    /* Bad data: a NaN in one pixel of example 5 of the MLP's training set
     * (the training loop never changes it: no update at all). */
    char err[256];
    p = mlp_new(8, 1, err, sizeof err);
    ck_assert_ptr_nonnull(p);
    ck_assert(isnan(digits_set_train_input(p, 5, 64, 0.0f)));     /* out of range: refused */
    ck_assert(isnan(digits_set_train_input(NULL, 5, 0, 0.0f)));
    double old = digits_set_train_input(p, 5, 10, NAN);
    ck_assert(old >= 0 && old <= 1);
    train_with(p, 0.1f, no_update, (TrainConfig){.steps = 200, .batch = 50, .seed = 2, .quiet = true,
                                                 .diagnose = true}, 1, &h);
    ck_assert_int_eq(h.cause, CAUSE_DATA);
    ck_assert_ptr_nonnull(strstr(h.diagnosis, "training example 5 alone"));
    ck_assert(isnan(digits_set_train_input(p, 5, 10, (float)old)));   /* put back: the run trains */
    train_history_free(&h);
    train_with(p, 0.1f, no_update, (TrainConfig){.steps = 200, .batch = 50, .seed = 2, .quiet = true}, 0, &h);
    train_history_free(&h);
    problem_free(p);
}
END_TEST

/* Examples and batch sizes: 10 in batches of 3 leaves one example waiting
 * each pass; 9 in batches of 3 uses every example, the last batch exactly
 * at the end of the pass (reshuffling there one batch early would lose it). */
static const struct {
    int count, batch;
} SAMPLER_CASES[] = {{10, 3}, {9, 3}};

START_TEST(test_batch_sampler_covers_each_epoch)
{
    const int count = SAMPLER_CASES[_i].count, batch = SAMPLER_CASES[_i].batch, batches = count / batch;
    BatchSampler s;
    ck_assert_int_eq(batch_sampler_init(&s, count, 3), 0);
    for (int epoch = 0; epoch < 3; epoch++) {
        int seen[16] = {0};
        for (int b = 0; b < batches; b++) {
            const int *idx = batch_sampler_next(&s, batch);
            for (int i = 0; i < batch; i++) seen[idx[i]]++;
        }
        int total = 0;
        for (int e = 0; e < count; e++) {
            ck_assert_msg(seen[e] <= 1, "%d of %d: example %d seen %d times in pass %d", batch, count, e,
                          seen[e], epoch);
            total += seen[e];
        }
        ck_assert_int_eq(total, batches * batch);
    }
    batch_sampler_free(&s);
}
END_TEST

/* ---- figures and reports ------------------------------------------------------------ */

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0;
}

/* How many files in dir have names that start with `prefix`. */
static int files_starting(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int count = 0;
    for (struct dirent *e = readdir(d); e; e = readdir(d)) count += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return count;
}

/* A two-point line drawn as dir/NAME; returns what figure_close says. */
static int draw_demo(const char *dir, const char *name)
{
    Figure *fig = figure_open(dir, name);
    ck_assert_msg(fig != NULL, "cannot open figure %s in %s", name, dir);
    fprintf(figure_data(fig), "$d << EOD\n1 2\n2 3\nEOD\n");
    fprintf(figure_commands(fig), "plot $d with lines ls 1\n");
    return figure_close(fig);
}

START_TEST(test_figure_without_gnuplot)
{
    setenv("OPTIMIZERS_NO_GNUPLOT", "1", 1);
    char dir[512], path[700];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    ck_assert_int_eq(draw_demo(dir, "demo"), 1);
    snprintf(path, sizeof path, "%s/demo.gp", dir);
    char *text = read_text_file(path);
    ck_assert_ptr_nonnull(text);
    ck_assert(strstr(text, "$d << EOD\n1 2\n2 3\nEOD") != NULL);
    ck_assert(strstr(text, "set terminal svg") != NULL);
    ck_assert(strstr(text, "set output 'demo.pdf'") != NULL);
    free(text);
    snprintf(path, sizeof path, "%s/demo.svg", dir);
    ck_assert(!file_exists(path));
    remove_tree(dir);
}
END_TEST

START_TEST(test_figure_with_gnuplot)
{
    if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
        /* Nothing to draw with: the figure must fall back to writing the script. */
        char dir[512];
        ck_assert(make_temp_dir(dir, sizeof dir) == 0);
        Figure *fig = figure_open(dir, "demo");
        fprintf(figure_commands(fig), "plot x\n");
        ck_assert_int_eq(figure_close(fig), 1);
        remove_tree(dir);
        return;
    }
    char dir[512], path[700], logs[512];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    /* gnuplot's own messages go to a fresh file in $TMPDIR, here one of the
     * test's: removed when gnuplot succeeds, kept when it fails. */
    ck_assert(make_temp_dir(logs, sizeof logs) == 0);
    const char *tmpdir = getenv("TMPDIR");
    char *saved = tmpdir ? strdup(tmpdir) : NULL;
    setenv("TMPDIR", logs, 1);
    ck_assert_int_eq(draw_demo(dir, "demo"), 0);
    snprintf(path, sizeof path, "%s/demo.svg", dir);
    ck_assert(file_exists(path));
    snprintf(path, sizeof path, "%s/demo.pdf", dir);
    ck_assert(file_exists(path));
    ck_assert_int_eq(files_starting(logs, "gnuplot-demo-"), 0);
    /* A broken script is reported, not ignored, and gnuplot's words about
     * it are kept (not on the terminal, not beside the figure). */
    Figure *fig = figure_open(dir, "broken");
    fprintf(figure_commands(fig), "plot $nothing_here with lines\n");
    ck_assert_int_eq(figure_close(fig), -1);
    ck_assert_int_eq(files_starting(logs, "gnuplot-broken-"), 1);
    ck_assert_int_eq(files_starting(dir, "broken.log"), 0);
    if (saved) setenv("TMPDIR", saved, 1);
    else unsetenv("TMPDIR");
    free(saved);
    remove_tree(logs);
    remove_tree(dir);
}
END_TEST

START_TEST(test_report_writes_tables_and_values)
{
    char dir[512], path[800];
    Report r;
    open_demo_report(&r, dir, sizeof dir);
    FILE *t = report_table(&r, "numbers", "Some numbers");
    fprintf(t, "a b\n1 2\n");
    ck_assert_int_eq(report_table_end(&r), 0);
    report_value(&r, "answer", "%d", 42);
    report_values(&r, "x", (NamedValue[]){{"n_%s", "%d", 7}, {"lr_%s", "%.2g", 0.125}, {"plain", "%g", 2}, {NULL}});
    ck_assert_int_eq(report_close(&r), 0);
    snprintf(path, sizeof path, "%s/out/99_demo/numbers.txt", dir);
    assert_file_is(path, "a b\n1 2\n");
    snprintf(path, sizeof path, "%s/out/99_demo/values.txt", dir);
    assert_file_is(path, "answer 42\nn_x 7\nlr_x 0.12\nplain 2\n");
    remove_tree(dir);
}
END_TEST

START_TEST(test_report_figure_set_figure_every_and_shape_text)
{
    /* The figure's own settings come first, printf-style; a measure taken
     * every 10 steps is drawn at 0, 10, 20, its NaN left out. */
    char dir[512];
    Report r;
    open_demo_report(&r, dir, sizeof dir);
    Figure *fig = report_figure_set(&r, "99_every", "set xlabel 'step'\nset yrange [%g:%g]\n", 0.5, 2.0);
    ck_assert_int_eq(figure_every(fig, "lines ls 1", (const double[]){3, NAN, 1}, 3, 10, "every %d", 10), 0);
    figure_close(fig);
    ck_assert_int_eq(report_close(&r), 0);
    char *text = figure_script(dir, "fig/99_every");
    ck_assert_ptr_nonnull(strstr(text, "set xlabel 'step'\nset yrange [0.5:2]\n"));
    ck_assert_ptr_nonnull(strstr(text, "$series0 << EOD\n0 3\n20 1\nEOD\n"));
    ck_assert_ptr_nonnull(strstr(text, "$series0 with lines ls 1 title 'every 10'"));
    free(text);
    remove_tree(dir);
    /* A tensor's sizes joined by " x ", cut short to fit the buffer. */
    MemoryLedger ledger = {0};
    Tensor *m = tensor_new_2d(&ledger, "w", TAG_PARAM, 64, 32), *v = tensor_new_1d(&ledger, "b", TAG_PARAM, 10);
    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_nonnull(v);
    char shape[16], tiny[4];
    ck_assert_str_eq(shape_text(m, shape, sizeof shape), "64 x 32");
    ck_assert_str_eq(shape_text(v, shape, sizeof shape), "10");
    ck_assert_str_eq(shape_text(m, tiny, sizeof tiny), "64 ");
    tensor_free(m), tensor_free(v);
}
END_TEST

START_TEST(test_figure_in_a_directory_with_a_quote)
{
    /* gnuplot is told to `cd` there: a quote in the name must not end its string. */
    char dir[512], fig_dir[700], path[900];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    snprintf(fig_dir, sizeof fig_dir, "%s/the book's figures", dir);
    bool drawn = system("command -v gnuplot >/dev/null 2>&1") == 0;
    if (!drawn) setenv("OPTIMIZERS_NO_GNUPLOT", "1", 1);
    ck_assert_int_eq(draw_demo(fig_dir, "it's"), drawn ? 0 : 1);
    snprintf(path, sizeof path, "%s/it's.gp", fig_dir);
    char *script = read_text_file(path);
    ck_assert_ptr_nonnull(script);
    ck_assert_msg(strstr(script, "set output 'it''s.svg'") != NULL, "%s", script);
    free(script);
    snprintf(path, sizeof path, "%s/it's.svg", fig_dir);
    ck_assert(file_exists(path) == drawn);
    remove_tree(dir);
}
END_TEST

START_TEST(test_figure_and_report_refuse_bad_directories)
{
    char dir[512], path[700];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    /* A file where a directory should be: make_dirs says so in errno. */
    snprintf(path, sizeof path, "%s/file", dir);
    write_text_file(path, "");
    errno = 0;
    ck_assert_int_eq(make_dirs(path), -1);
    ck_assert_int_eq(errno, ENOTDIR);
    Report r;
    ck_assert_int_eq(report_open(&r, path, "99_demo"), -1);
    ck_assert_int_eq(report_open(&r, "/proc/no/such/dir", "99_demo"), -1);
    /* A tab in --out is refused before anything is made: no figure could be drawn there. */
    snprintf(path, sizeof path, "%s/t\tab", dir);
    ck_assert_int_eq(report_open(&r, path, "99_demo"), -1);
    ck_assert_int_eq(access(path, F_OK), -1);
    snprintf(path, sizeof path, "%s/a/b/c", dir);
    ck_assert_int_eq(make_dirs(path), 0);
    ck_assert_int_eq(make_dirs(path), 0);   /* already there: fine */
    ck_assert_int_eq(make_dirs(""), -1);
    /* A newline would end a gnuplot command in the middle of a name. */
    ck_assert_ptr_null(figure_open(dir, "two\nlines"));
    ck_assert_ptr_null(figure_open("/tmp/two\nlines", "demo"));
    remove_tree(dir);
}
END_TEST

START_TEST(test_contours_and_paths)
{
    /* h = (1, 4), level 0.5: the ellipse x^2/2 + 2 y^2 = 0.5 has semi-axes 1 and 0.5. */
    Problem *p = quadratic_new(2, (double[]){1.0, 4.0}, (float[]){1.0f, 1.0f});
    char *text = NULL;
    size_t len = 0;
    FILE *data = open_memstream(&text, &len);
    write_contours(data, p, (double[]){0.5}, 1);
    TrainHistory h;
    train_with(p, 0.25f, gd_update, (TrainConfig){.steps = 1, .record_params = true}, 0, &h);
    write_path(data, "run", &h);
    fclose(data);
    ck_assert(strncmp(text, "$contours << EOD\n1.00000 0.00000\n", 32) == 0);
    ck_assert(strstr(text, "\n0.00000 0.50000\n") != NULL);   /* a quarter of the way round */
    /* one step of lr 0.25: x = 1 - 0.25 * 1, y = 1 - 0.25 * 4 */
    ck_assert(strstr(text, "$run << EOD\n1.000000 1.000000\n0.750000 0.000000\nEOD\n") != NULL);
    free(text);
    train_history_free(&h);
    problem_free(p);
}
END_TEST

/* ---- limits ----------------------------------------------------------------------------- */

START_TEST(test_train_stops_at_divergence)
{
    /* lr = 3 on curvature 1: x is multiplied by -2 every step until it overflows. */
    Problem *p = ravine_new(1, 1.0);
    TrainHistory h;
    train_with(p, 3.0f, gd_update, (TrainConfig){.steps = 1000, .quiet = true}, 1, &h);
    /* x_t = (-2)^t overflows float32 (largest about 2^128) near step 128. */
    ck_assert_int_gt(h.diverged_at, 100);
    ck_assert_int_lt(h.diverged_at, 140);
    ck_assert_int_eq(h.steps_done, h.diverged_at - 1);
    ck_assert_msg(strstr(h.message, "lower the learning rate") != NULL, "%s", h.message);
    char step[32];   /* the steps taken, not one never taken */
    snprintf(step, sizeof step, "after %d steps", h.steps_done);
    ck_assert_msg(strstr(h.message, step) != NULL, "%s", h.message);
    train_history_free(&h);
    problem_free(p);
}
END_TEST

START_TEST(test_train_stops_at_nan_parameters)
{
    char err[256];
    Problem *p = mlp_new(8, 1, err, sizeof err);
    /* as if bad data had reached a weight */
    p->params.params[paramlist_find(&p->params, "fc2.weight")]->data[5] = NAN;
    TrainHistory h;
    train_with(p, 0.1f, no_update, (TrainConfig){.steps = 10, .batch = 8, .quiet = true}, 1, &h);
    ck_assert_int_eq(h.diverged_at, 1);
    ck_assert_msg(strstr(h.message, "NaN") != NULL, "%s", h.message);
    train_history_free(&h);
    problem_free(p);
}
END_TEST

START_TEST(test_problems_refuse_bad_arguments)
{
    char err[256] = "";
    ck_assert_ptr_null(ravine_new(0, 10.0));
    ck_assert_ptr_null(ravine_new(2, 0.5));
    ck_assert_ptr_null(ravine_new(2, NAN));
    ck_assert_ptr_null(saddle_new(INFINITY));
    ck_assert_ptr_null(quadratic_new(0, (double[]){1.0}, (float[]){1.0f}));
    ck_assert_ptr_null(quadratic_new(2, (double[]){1.0, -1.0}, (float[]){1.0f, 1.0f}));
    ck_assert_ptr_null(quadratic_new(1, (double[]){1.0}, (float[]){NAN}));
    ck_assert_ptr_null(sparse_linear_new(0, 1));
    ck_assert_ptr_null(mlp_new(0, 1, err, sizeof err));
    ck_assert(strstr(err, "hidden unit") != NULL);
    ck_assert_ptr_null(problem_by_name("ravine", 0.5, 1, err, sizeof err));
    ck_assert(strstr(err, "kappa") != NULL);
    ck_assert_ptr_null(problem_by_name("everest", 10, 1, err, sizeof err));
    ck_assert(strstr(err, "unknown problem 'everest'") != NULL);
}
END_TEST

START_TEST(test_sparse_true_weights)
{
    /* At the weights that made the targets only the noise is left: targets
     * carry N(0, 0.1^2) noise, so 1/2 MSE is about 0.005 (1000 examples: the
     * sample variance is within 20% of it); at w = 0 the loss is far larger.
     * Any other problem has no true weights. */
    Problem *p = sparse_linear_new(50, 1);
    ck_assert_ptr_nonnull(p);
    const float *w_true = sparse_linear_true_weights(p);
    ck_assert_ptr_nonnull(w_true);
    ck_assert_close(problem_loss_at(p, w_true), 0.005, 0, 0.2);
    float zero[50] = {0};
    ck_assert(problem_loss_at(p, zero) > 100 * 0.005);
    problem_free(p);
    Problem *r = ravine_new(2, 10.0);
    ck_assert_ptr_null(sparse_linear_true_weights(r));
    problem_free(r);
}
END_TEST

/* ctx: the TrainHistory whose coordinate 1 is drawn. */
static void draw_coordinate(Figure *fig, const void *ctx)
{
    ck_assert_int_eq(figure_coordinate(fig, ctx, 1, "lines ls 2", "momentum %g", 0.9), 0);
}

START_TEST(test_figure_coordinate)
{
    /* Coordinate 1 of a 2-D path against the step: (0, 2), (1, -1), (2, 0.5). */
    float points[6] = {1, 2, 3, -1, 5, 0.5f};
    TrainHistory h = {.steps_done = 2, .numel = 2, .path = points};
    char *text = drawn_figure_script("coordinate", draw_coordinate, &h);
    ck_assert_ptr_nonnull(strstr(text, "$series0 << EOD\n0 2\n1 -1\n2 0.5\nEOD\n"));
    ck_assert_ptr_nonnull(strstr(text, "$series0 with lines ls 2 title 'momentum 0.9'"));
    free(text);
}
END_TEST

void add_problem_tests(TCase *core, TCase *limits)
{
    tcase_add_test(core, test_sparse_true_weights);
    tcase_add_test(core, test_function_gradients);
    tcase_add_test(core, test_model_gradients);
    tcase_add_test(core, test_ravine_shape);
    tcase_add_test(core, test_train_diagnoses_divergence);
    tcase_add_test(core, test_rosenbrock_and_saddle_landmarks);
    tcase_add_test(core, test_sparse_features_are_sparse);
    tcase_add_test(core, test_mlp_initialisation_and_size);
    tcase_add_test(core, test_softmax_starts_at_log_10);
    tcase_add_test(core, test_digits_train_accuracy);
    tcase_add_test(core, test_problem_by_name);
    tcase_add_test(core, test_parameter_names);
    tcase_add_test(core, test_paramlist_find);
    tcase_add_test(core, test_param_groups);
    tcase_add_test(core, test_train_one_exact_step);
    tcase_add_test(core, test_train_minibatch_losses);
    tcase_add_loop_test(core, test_batch_sampler_covers_each_epoch, 0, TABLE_SIZE(SAMPLER_CASES));
    tcase_add_test(core, test_figure_without_gnuplot);
    tcase_add_test(core, test_figure_with_gnuplot);
    tcase_add_test(core, test_report_writes_tables_and_values);
    tcase_add_test(core, test_report_figure_set_figure_every_and_shape_text);
    tcase_add_test(core, test_figure_in_a_directory_with_a_quote);
    tcase_add_test(core, test_contours_and_paths);
    tcase_add_test(core, test_figure_coordinate);
    tcase_add_test(limits, test_train_stops_at_divergence);
    tcase_add_test(limits, test_train_stops_at_nan_parameters);
    tcase_add_test(limits, test_problems_refuse_bad_arguments);
    tcase_add_test(limits, test_figure_and_report_refuse_bad_directories);
}
