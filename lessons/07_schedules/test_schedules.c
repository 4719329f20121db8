/* test_schedules.c - lesson 07's tests of the learning-rate schedules:
 * first values worked by hand, every case of PyTorch's
 * tests/golden/schedules.txt to the last bit (lr, SGD's momentum and Adam's
 * betas[0]), the defaults, the chained form against the closed form in
 * double and in float32, the cosine past T_max, OneCycleLR's last step,
 * schedules driving an optimizer's param groups, PyTorch's refusals, the
 * edge cases, and the golden reader's refusals. The lesson's suite adds them
 * through add_schedule_tests() (see test_lesson07.c). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adagrad.h"
#include "adam.h"
#include "adamw.h"
#include "momentum.h"
#include "rmsprop.h"
#include "schedule_golden.h"
#include "schedules.h"
#include "sgd.h"
#include "testing.h"

void add_schedule_tests(TCase *core, TCase *limits);

/* A schedule made from optlab's settings, failing the test if they are refused. */
static Schedule parse(const char *name, int count, const char *const *settings)
{
    const ScheduleSpec *spec = schedule_spec_find(name);
    ck_assert_msg(spec != NULL, "no schedule %s", name);
    Schedule s;
    char err[512];
    ck_assert_msg(schedule_parse(spec, &s, count, settings, err, sizeof err) == 0, "%s", err);
    return s;
}

#define MAX_SETTINGS 12
#define PARSE(name, ...) parse((name), TABLE_SIZE(((const char *[]){__VA_ARGS__})), (const char *[]){__VA_ARGS__})

static void load_schedules(ScheduleGoldenFile *g)
{
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/schedules.txt", golden_dir());
    ck_assert_msg(schedule_golden_load(path, g, err, sizeof err) == 0, "%s", err);
}

/* ---- the first values, by hand ---------------------------------------------------- */

/* Numbers worked by hand are exact decimals; PyTorch's doubles are the
 * formula's, rounded at each operation: within a few ulps (measured: at
 * most 8.7e-16 of the value, the OneCycleLR start 0.1 + (0.004 - 0.1), which
 * keeps the rounding of 0.1 - 0.004). Allowed 2e-15, about 9 ulps. A value
 * reached by cancelling against a larger one keeps that one's rounding
 * instead: OneCycleLR's linear end, (4e-6 - 1) * 1 + 1, is 4e-18 from 4e-6
 * (1e-12 of it); such values get an atol of 1e-17. */
#define HAND_RTOL 2e-15
#define HAND_ATOL 1e-17
/* onecycle.txt, float32 trajectories: the parameters and states to the
 * rtol of lessons 01-06, and, as there, the states that cancel towards 0
 * (momentum_buffer, exp_avg) to two ulps of the largest one of the case as
 * well (one_cycle_atol). */
#define ONE_CYCLE_RTOL 1.9e-6

static const struct {
    const char *what, *schedule;
    const char *settings[MAX_SETTINGS];
    int step;
    double lr;
    double momentum;   /* OneCycleLR's; NAN: not checked */
} BY_HAND[] = {
    /* LinearLR, PyTorch's docstring: lr 0.05, start_factor 0.5, total_iters 4
     * gives 0.025, 0.03125, 0.0375, 0.04375, then 0.05 for good. */
    {"LinearLR at step 0: lr * start_factor", "linear", {"lr=0.05", "start_factor=0.5", "total_iters=4"}, 0,
     0.025, NAN},
    {"LinearLR at step 1", "linear", {"lr=0.05", "start_factor=0.5", "total_iters=4"}, 1, 0.03125, NAN},
    {"LinearLR at step 3", "linear", {"lr=0.05", "start_factor=0.5", "total_iters=4"}, 3, 0.04375, NAN},
    {"LinearLR at total_iters: lr * end_factor", "linear", {"lr=0.05", "start_factor=0.5", "total_iters=4"}, 4,
     0.05, NAN},
    {"LinearLR past total_iters: unchanged", "linear", {"lr=0.05", "start_factor=0.5", "total_iters=4"}, 40,
     0.05, NAN},
    /* The defaults: 1/3 of the lr, then + 2/15 of it a step to all of it at 5. */
    {"LinearLR defaults at step 0: lr / 3", "linear", {"lr=0.05"}, 0, 0.05 / 3, NAN},
    {"LinearLR defaults at step 1: lr * 7/15", "linear", {"lr=0.05"}, 1, 0.05 * 7 / 15, NAN},
    /* CosineAnnealingLR, lr 0.1, T_max 10: half way 0.05, at T_max 0, at
     * 2 T_max back to 0.1; with eta_min 0.01 and T_max 8: 0.055 half way. */
    {"cosine at step 0: the lr", "cosine", {"lr=0.1", "T_max=10"}, 0, 0.1, NAN},
    {"cosine half way: the middle", "cosine", {"lr=0.1", "T_max=10"}, 5, 0.05, NAN},
    {"cosine at T_max: eta_min", "cosine", {"lr=0.1", "T_max=10"}, 10, 0.0, NAN},
    {"cosine with eta_min, half way", "cosine", {"lr=0.1", "T_max=8", "eta_min=0.01"}, 4, 0.055, NAN},
    {"cosine with eta_min at T_max", "cosine", {"lr=0.1", "T_max=8", "eta_min=0.01"}, 8, 0.01, NAN},
    /* OneCycleLR, max_lr 0.1, 20 steps: from 0.1/25 = 0.004 (momentum 0.95)
     * to 0.1 at step 0.3*20 - 1 = 5 (momentum 0.85), down to 0.004/1e4 =
     * 4e-7 at step 19 (momentum 0.95 again). */
    {"OneCycleLR at step 0: max_lr / div_factor", "onecycle", {"max_lr=0.1", "total_steps=20"}, 0, 0.004, 0.95},
    {"OneCycleLR at the peak", "onecycle", {"max_lr=0.1", "total_steps=20"}, 5, 0.1, 0.85},
    {"OneCycleLR at the end: / final_div_factor", "onecycle", {"max_lr=0.1", "total_steps=20"}, 19, 4e-7, 0.95},
    /* linear, 10 steps, max_lr 1: up by 0.96/2 a step to step 2, then down
     * by (1 - 4e-6)/7 a step to 4e-6 at step 9. */
    {"OneCycleLR linear, step 1", "onecycle", {"max_lr=1", "total_steps=10", "anneal_strategy=linear"}, 1,
     0.04 + 0.96 / 2, 0.95 - 0.1 / 2},
    {"OneCycleLR linear, step 9", "onecycle", {"max_lr=1", "total_steps=10", "anneal_strategy=linear"}, 9, 4e-6,
     0.95},
    /* SequentialLR: LinearLR from 0.1 * 0.1 up by 0.018 a step, then at the
     * milestone 5 the cosine from 0.1, at 0.05 ten steps later. */
    {"SequentialLR at step 0: the warm-up's start", "sequential",
     {"lr=0.1", "start_factor=0.1", "total_iters=5", "milestones=5", "T_max=20"}, 0, 0.01, NAN},
    {"SequentialLR at step 2", "sequential",
     {"lr=0.1", "start_factor=0.1", "total_iters=5", "milestones=5", "T_max=20"}, 2, 0.046, NAN},
    {"SequentialLR at the milestone: the cosine's start", "sequential",
     {"lr=0.1", "start_factor=0.1", "total_iters=5", "milestones=5", "T_max=20"}, 5, 0.1, NAN},
    {"SequentialLR half way down the cosine", "sequential",
     {"lr=0.1", "start_factor=0.1", "total_iters=5", "milestones=5", "T_max=20"}, 15, 0.05, NAN},
    /* nanoGPT: lr (it+1)/(warmup_iters+1) from 6e-4/11, the full lr at
     * warmup_iters, the middle of the cosine half way, then min_lr. */
    {"nanoGPT at it 0: lr / (warmup_iters + 1), not 0", "warmup_cosine",
     {"lr=6e-4", "warmup_iters=10", "lr_decay_iters=50", "min_lr=6e-5"}, 0, 6e-4 / 11, NAN},
    {"nanoGPT at warmup_iters: the lr", "warmup_cosine",
     {"lr=6e-4", "warmup_iters=10", "lr_decay_iters=50", "min_lr=6e-5"}, 10, 6e-4, NAN},
    {"nanoGPT half way down", "warmup_cosine", {"lr=6e-4", "warmup_iters=10", "lr_decay_iters=50", "min_lr=6e-5"},
     30, 3.3e-4, NAN},
    {"nanoGPT at lr_decay_iters: min_lr", "warmup_cosine",
     {"lr=6e-4", "warmup_iters=10", "lr_decay_iters=50", "min_lr=6e-5"}, 50, 6e-5, NAN},
    {"nanoGPT after: min_lr", "warmup_cosine", {"lr=6e-4", "warmup_iters=10", "lr_decay_iters=50", "min_lr=6e-5"},
     5000, 6e-5, NAN},
    /* nanoGPT's defaults: 6e-4/2001 at first, 6e-4 at step 2000. */
    {"nanoGPT's defaults at it 0", "warmup_cosine", {"lr=6e-4"}, 0, 6e-4 / 2001, NAN},
    {"nanoGPT's defaults at 2000", "warmup_cosine", {"lr=6e-4"}, 2000, 6e-4, NAN},
    {"nanoGPT's defaults half way", "warmup_cosine", {"lr=6e-4"}, 301000, 3.3e-4, NAN},
};

static int count_settings(const char *const *settings)
{
    int n = 0;
    while (n < MAX_SETTINGS && settings[n]) n++;
    return n;
}

START_TEST(test_first_values_by_hand)
{
    Schedule s = parse(BY_HAND[_i].schedule, count_settings(BY_HAND[_i].settings), BY_HAND[_i].settings);
    ScheduleRun run;
    char err[512];
    ck_assert_msg(schedule_start(&run, &s, s.lr, err, sizeof err) == 0, "%s", err);
    for (int t = 1; t <= BY_HAND[_i].step; t++) ck_assert_msg(schedule_step(&run, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(run.last_epoch, BY_HAND[_i].step);
    ck_assert_close_msg(BY_HAND[_i].what, run.lr, BY_HAND[_i].lr, HAND_ATOL, HAND_RTOL);
    if (!isnan(BY_HAND[_i].momentum))
        ck_assert_close_msg(BY_HAND[_i].what, run.momentum, BY_HAND[_i].momentum, 0, HAND_RTOL);
    else
        ck_assert(isnan(run.momentum));
    /* schedule_lr steps a run of its own that far */
    ck_assert(schedule_lr(&s, BY_HAND[_i].step) == run.lr);
}
END_TEST

/* ---- PyTorch's schedules ----------------------------------------------------------- */

/* Every case of tests/golden/schedules.txt. Each schedule is worked in
 * double, operation for operation as PyTorch's Python works it, and cos()
 * is the C library's, which Python's math.cos calls too: so the lrs are
 * PyTorch's to the last bit (measured: every number of every case equal),
 * and the test asks for that. (With a C library whose cos rounds
 * differently from the one Python used, they would differ by an ulp or so.) */
static const char *const GOLDEN[] = {
    "linear_defaults", "linear_pytorch_example", "linear_decay", "linear_to_zero", "linear_total_iters_zero",
    "linear_total_iters_one", "linear_constant_factor", "linear_long",
    "cosine_t_max_10", "cosine_t_max_10_lr_0.05", "cosine_defaults", "cosine_eta_min", "cosine_t_max_1",
    "cosine_t_max_2", "cosine_eta_min_above_lr", "cosine_eta_min_equals_lr", "cosine_long",
    "onecycle_defaults", "onecycle_linear", "onecycle_three_phase", "onecycle_three_phase_linear",
    "onecycle_no_cycle_momentum", "onecycle_momentum_range", "onecycle_div_factors", "onecycle_fractional_phase",
    "onecycle_total_steps_one", "onecycle_pct_start_zero", "onecycle_pct_start_one", "onecycle_all_keywords",
    "sequential_warmup_cosine", "sequential_warmup_cosine_lr_0.05", "sequential_defaults",
    "sequential_early_milestone", "sequential_late_milestone", "sequential_milestone_zero",
    "sequential_milestone_one", "sequential_every_keyword",
    "nanogpt_warmup_cosine", "nanogpt_no_warmup", "nanogpt_min_lr_zero", "nanogpt_defaults",
};

/* Asserts that schedule s, started from lr `initial_lr`, gives golden case
 * c's lrs (and OneCycleLR's momentum, the same numbers PyTorch put in SGD's
 * momentum and Adam's betas[0]) bit for bit. */
static void assert_follows_case(const Schedule *s, double initial_lr, const ScheduleCase *c)
{
    const double *lr = schedule_golden_series(c, "lr"), *momentum = schedule_golden_series(c, "momentum"),
                 *beta1 = schedule_golden_series(c, "beta1");
    ck_assert_msg(!momentum == !beta1, "case %s records one of momentum and beta1", c->name);
    ck_assert_msg(!momentum == !(s->kind == SCHEDULE_ONECYCLE && s->onecycle.cycle_momentum),
                  "case %s: momentum recorded exactly when OneCycleLR cycles it", c->name);
    ScheduleRun run;
    char err[512];
    ck_assert_msg(schedule_start(&run, s, initial_lr, err, sizeof err) == 0, "%s: %s", c->name, err);
    for (int t = 0; t < c->steps; t++) {
        if (t > 0) ck_assert_msg(schedule_step(&run, err, sizeof err) == 0, "%s, step %d: %s", c->name, t, err);
        ck_assert_msg(run.lr == lr[t], "%s, step %d: lr %.17g, PyTorch's %.17g", c->name, t, run.lr, lr[t]);
        if (momentum) {
            ck_assert_msg(run.momentum == momentum[t], "%s, step %d: momentum %.17g, PyTorch's %.17g", c->name, t,
                          run.momentum, momentum[t]);
            ck_assert_msg(beta1[t] == momentum[t], "%s, step %d: Adam's betas[0] is not SGD's momentum", c->name,
                          t);
        } else {
            ck_assert(isnan(run.momentum));
        }
    }
}

static Schedule parse_case(const ScheduleCase *c)
{
    return parse(c->schedule, c->num_settings, (const char *const *)c->settings);
}

START_TEST(test_golden_schedules)
{
    ScheduleGoldenFile g;
    load_schedules(&g);
    const ScheduleCase *c = schedule_golden_find(&g, GOLDEN[_i]);
    ck_assert_msg(c != NULL, "tests/golden/schedules.txt has no case %s", GOLDEN[_i]);
    Schedule s = parse_case(c);
    assert_follows_case(&s, s.lr, c);
    schedule_golden_free(&g);
}
END_TEST

START_TEST(test_every_golden_case_is_checked)
{
    ScheduleGoldenFile g;
    load_schedules(&g);
    ck_assert_int_eq(g.count, TABLE_SIZE(GOLDEN));
    for (int i = 0; i < g.count; i++) {
        bool listed = false;
        for (int k = 0; k < TABLE_SIZE(GOLDEN); k++) listed = listed || strcmp(GOLDEN[k], g.cases[i].name) == 0;
        ck_assert_msg(listed, "case %s is not checked", g.cases[i].name);
    }
    schedule_golden_free(&g);
}
END_TEST

START_TEST(test_golden_defaults)
{
    /* PyTorch ran these with every default written out; here only the
     * keys with no default (and lr) are given. */
    static const struct {
        const char *name, *schedule;
        const char *settings[MAX_SETTINGS];
    } DEFAULTS[] = {
        {"linear_defaults", "linear", {"lr=0.05"}},
        {"cosine_defaults", "cosine", {"lr=0.001", "T_max=3"}},
        {"onecycle_defaults", "onecycle", {"max_lr=0.1", "total_steps=20"}},
        {"sequential_defaults", "sequential", {"lr=0.001", "milestones=5", "T_max=10"}},
        {"nanogpt_defaults", "warmup_cosine", {NULL}},   /* nanoGPT's lr 6e-4 too */
    };
    ScheduleGoldenFile g;
    load_schedules(&g);
    for (int i = 0; i < TABLE_SIZE(DEFAULTS); i++) {
        const ScheduleCase *c = schedule_golden_find(&g, DEFAULTS[i].name);
        ck_assert_ptr_nonnull(c);
        ck_assert_msg(c->num_settings > count_settings(DEFAULTS[i].settings), "%s", c->name);
        Schedule s = parse(DEFAULTS[i].schedule, count_settings(DEFAULTS[i].settings), DEFAULTS[i].settings);
        assert_follows_case(&s, s.lr, c);
    }
    schedule_golden_free(&g);
}
END_TEST

START_TEST(test_defaults_are_pytorchs)
{
    /* LinearLR(start_factor=1/3, end_factor=1.0, total_iters=5),
     * CosineAnnealingLR(eta_min=0), OneCycleLR(pct_start=0.3,
     * anneal_strategy='cos', cycle_momentum=True, base_momentum=0.85,
     * max_momentum=0.95, div_factor=25.0, final_div_factor=1e4,
     * three_phase=False), nanoGPT's 6e-4, 2000, 600000, 6e-5. */
    Schedule d = schedule_defaults(SCHEDULE_SEQUENTIAL);
    ck_assert(d.linear.start_factor == 1.0 / 3 && d.linear.end_factor == 1.0 && d.linear.total_iters == 5);
    ck_assert(d.cosine.eta_min == 0.0 && d.cosine.T_max == 0);
    const OneCycleLRConfig *o = &d.onecycle;
    ck_assert(o->pct_start == 0.3 && o->anneal_strategy == ANNEAL_COS && o->cycle_momentum);
    ck_assert(o->base_momentum == 0.85 && o->max_momentum == 0.95);
    ck_assert(o->div_factor == 25.0 && o->final_div_factor == 1e4 && !o->three_phase);
    ck_assert(d.lr == 1e-3 && d.num_milestones == 0);
    Schedule n = schedule_defaults(SCHEDULE_WARMUP_COSINE);
    ck_assert(n.lr == 6e-4 && n.warmup_cosine.warmup_iters == 2000 && n.warmup_cosine.lr_decay_iters == 600000 &&
              n.warmup_cosine.min_lr == 6e-5);
    /* Each schedule takes PyTorch's keyword names and lr, no more, no fewer. */
    static const struct {
        const char *name, *torch_name, *keys;
    } KEYS[] = {
        {"linear", "torch.optim.lr_scheduler.LinearLR", "lr start_factor end_factor total_iters"},
        {"cosine", "torch.optim.lr_scheduler.CosineAnnealingLR", "lr T_max eta_min"},
        {"onecycle", "torch.optim.lr_scheduler.OneCycleLR",
         "max_lr total_steps pct_start anneal_strategy cycle_momentum base_momentum max_momentum div_factor "
         "final_div_factor three_phase"},
        {"warmup_cosine", "nanoGPT's get_lr", "lr warmup_iters lr_decay_iters min_lr"},
        {"sequential", "torch.optim.lr_scheduler.SequentialLR",
         "lr start_factor end_factor total_iters milestones T_max eta_min"},
    };
    int specs = 0;
    while (SCHEDULE_SPECS[specs].name) specs++;
    ck_assert_int_eq(specs, TABLE_SIZE(KEYS));
    for (int i = 0; i < TABLE_SIZE(KEYS); i++) {
        const ScheduleSpec *spec = schedule_spec_find(KEYS[i].name);
        ck_assert_ptr_nonnull(spec);
        ck_assert_str_eq(spec->torch_name, KEYS[i].torch_name);
        char keys[512] = "";
        for (const OptionSpec *opt = spec->options; opt->key; opt++)
            snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "%s%s", keys[0] ? " " : "", opt->key);
        ck_assert_str_eq(keys, KEYS[i].keys);
    }
    ck_assert_ptr_null(schedule_spec_find("steplr"));
}
END_TEST

/* ---- the chained form against the closed form ---------------------------------------- */

START_TEST(test_chain_against_closed_form)
{
    /* PyTorch multiplies the lr it holds by a ratio each step. In exact
     * arithmetic that is the closed form; in doubles each step rounds, so
     * the chain wanders from the formula by a few ulps, and it is the chain
     * that PyTorch's numbers follow. Measured: cosine_t_max_10, 45 steps,
     * at most 4.3e-15 of the lr away from the closed form (40 of 45 differ);
     * the golden numbers equal the chain's at each one. LinearLR's chain,
     * 205 steps: 175 differ, by up to 2.4e-15 of the lr. */
    ScheduleGoldenFile g;
    load_schedules(&g);
    const ScheduleCase *c = schedule_golden_find(&g, "cosine_t_max_10");
    ck_assert_ptr_nonnull(c);
    Schedule s = parse_case(c);
    ScheduleRun run;
    char err[512];
    ck_assert(schedule_start(&run, &s, s.lr, err, sizeof err) == 0);
    int differ = 0;
    double worst = 0;
    for (int t = 0; t < c->steps; t++) {
        if (t > 0) ck_assert(schedule_step(&run, err, sizeof err) == 0);
        double closed = cosine_annealing_lr_closed_form(&s.cosine, s.lr, t);
        ck_assert(run.lr == c->series[0][t]);
        differ += closed != c->series[0][t];
        worst = fmax(worst, fabs(closed - run.lr) / s.lr);
    }
    ck_assert_msg(differ > 10, "only %d steps differ from the closed form", differ);
    ck_assert_msg(worst > 1e-16 && worst < 1e-14, "the chain is %g of the lr from the closed form", worst);

    /* Kept in float32, as the optimizer's group lr is, the chain would
     * wander by float32's roundings instead: measured up to 6e-8 of the lr
     * (2 float32 ulps of that step's lr), where the run in double, rounded
     * to float32 once, is within half an ulp. That is why a ScheduleRun
     * keeps its own lr in double and only writes it to the group's float. */
    float lr32 = (float)s.lr;
    double worst32 = 0;
    for (int t = 1; t < c->steps; t++) {
        lr32 = (float)cosine_annealing_lr_step(&s.cosine, s.lr, lr32, t);
        worst32 = fmax(worst32, fabs(lr32 - c->series[0][t]) / s.lr);
    }
    ck_assert_msg(worst32 > 1e-8 && worst32 < 1e-6, "a float32 chain is %g of the lr from PyTorch's", worst32);

    /* LinearLR's chain too: 200 multiplications from 0.001 of the lr to all
     * of it, compared with base * (start + (end - start) t / total_iters). */
    c = schedule_golden_find(&g, "linear_long");
    s = parse_case(c);
    differ = 0;
    worst = 0;
    for (int t = 0; t < c->steps; t++) {
        double closed = s.lr * (s.linear.start_factor + (s.linear.end_factor - s.linear.start_factor) *
                                                            (t < s.linear.total_iters ? t : s.linear.total_iters) /
                                                            s.linear.total_iters);
        differ += closed != c->series[0][t];
        worst = fmax(worst, fabs(closed - c->series[0][t]) / closed);
    }
    ck_assert_msg(differ > 10 && worst < 1e-13, "%d steps differ, by up to %g", differ, worst);
    schedule_golden_free(&g);
}
END_TEST

START_TEST(test_cosine_goes_back_up_past_t_max)
{
    /* No clamp at T_max: the lr follows the cosine back up to the lr at
     * 2 T_max, down again at 3 T_max, with period 2 T_max. */
    Schedule s = PARSE("cosine", "lr=0.1", "T_max=10", "eta_min=0.01");
    for (int t = 0; t < 60; t++) {
        double lr = schedule_lr(&s, t), next = schedule_lr(&s, t + 1);
        bool falling = (t / 10) % 2 == 0;
        ck_assert_msg(falling ? next < lr : next > lr, "step %d: %.17g then %.17g", t, lr, next);
        /* one period later: the same but for the chain's drift (measured 2e-14 of it) */
        ck_assert_close(lr, schedule_lr(&s, t + 20), 0, 5e-14);
    }
    ck_assert_close(schedule_lr(&s, 10), 0.01, 0, HAND_RTOL);
    ck_assert_close(schedule_lr(&s, 30), 0.01, 0, 1e-14);
    ck_assert_close(schedule_lr(&s, 40), 0.1, 0, 1e-14);
    /* T_max = 1: a trough every odd step, the lr every even one. */
    Schedule one = PARSE("cosine", "lr=0.1", "T_max=1");
    for (int t = 0; t < 8; t++) ck_assert_close(schedule_lr(&one, t), t % 2 ? 0.0 : 0.1, 1e-17, 1e-15);
    /* eta_min above the lr: the "annealing" climbs to eta_min and back. */
    Schedule up = PARSE("cosine", "lr=0.01", "T_max=5", "eta_min=0.1");
    ck_assert(schedule_lr(&up, 3) > schedule_lr(&up, 2) && fabs(schedule_lr(&up, 5) - 0.1) < 1e-15);
}
END_TEST

START_TEST(test_onecycle_steps_exactly_total_steps)
{
    /* OneCycleLR may be stepped total_steps times: step total_steps has an
     * lr (the last phase's formula past its end, pct > 1: the cosine turning
     * back up); one more raises, and PyTorch counts the constructor's step
     * in its message. */
    Schedule s = PARSE("onecycle", "max_lr=0.1", "total_steps=20");
    ScheduleRun run;
    char err[512];
    ck_assert(schedule_start(&run, &s, 0.5, err, sizeof err) == 0);
    ck_assert(run.initial_lr == 0.1 / 25);   /* the optimizer's lr is not used */
    for (int t = 1; t <= 20; t++) ck_assert_msg(schedule_step(&run, err, sizeof err) == 0, "%s", err);
    ck_assert(run.lr > schedule_lr(&s, 19) && run.lr == schedule_lr(&s, 19 - 1));   /* symmetric about 19 */
    ScheduleRun before;
    memcpy(&before, &run, sizeof run);
    ck_assert_int_eq(schedule_step(&run, err, sizeof err), -1);
    ck_assert_str_eq(err, "Tried to step 22 times. The specified number of total steps is 20");
    ck_assert(memcmp(&before, &run, sizeof run) == 0);   /* left as it was */
    ck_assert(isnan(schedule_lr(&s, 21)));
    /* That extra step continues the last phase's formula past its end: with
     * anneal_strategy linear it goes below zero, a negative lr, as in
     * PyTorch (onecycle_linear's last golden lr is -0.143), and the
     * momentum past max_momentum. */
    Schedule lin = PARSE("onecycle", "max_lr=0.1", "total_steps=4", "anneal_strategy=linear");
    ck_assert(schedule_start(&run, &lin, 0.1, err, sizeof err) == 0);
    for (int t = 1; t <= 4; t++) ck_assert(schedule_step(&run, err, sizeof err) == 0);
    ck_assert_msg(run.lr < 0 && run.momentum > 0.95, "%.17g %.17g", run.lr, run.momentum);
    /* pct_start = 1: the second phase has no steps, and stepping into it
     * divides by zero, as PyTorch's ZeroDivisionError. */
    Schedule full = PARSE("onecycle", "max_lr=0.1", "total_steps=10", "pct_start=1.0");
    ck_assert(schedule_lr(&full, 9) == 0.1);
    ck_assert(isnan(schedule_lr(&full, 10)));
    ck_assert(schedule_start(&run, &full, 0.1, err, sizeof err) == 0);
    for (int t = 1; t <= 9; t++) ck_assert(schedule_step(&run, err, sizeof err) == 0);
    ck_assert_int_eq(schedule_step(&run, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "float division by zero") && strstr(err, "step 10"), "%s", err);
}
END_TEST

/* ---- a schedule on an optimizer's param groups ---------------------------------------- */

static int second_group(const Tensor *param)
{
    return strcmp(param->name, "b") == 0;
}

/* An optimizer made by spec from `settings`, over two one-element
 * parameters "w" and "b" in groups 0 and 1, group 1 at lr1. */
typedef struct {
    MemoryLedger ledger;
    Tensor *params[2], *grads[2];
    Optimizer *opt;
} TwoGroups;

static void two_groups(TwoGroups *t, const OptimizerSpec *spec, const char *const *settings, int count, float lr1)
{
    memset(t, 0, sizeof *t);
    const char *names[2] = {"w", "b"};
    for (int k = 0; k < 2; k++) {
        t->params[k] = tensor_new_1d(&t->ledger, names[k], TAG_PARAM, 1);
        t->grads[k] = tensor_new_1d(&t->ledger, names[k], TAG_GRAD, 1);
        ck_assert(t->params[k] && t->grads[k]);
    }
    double config[32];   /* any optimizer's config, aligned for its doubles */
    char err[512];
    ck_assert(spec->config_size <= sizeof config);
    ck_assert_msg(optimizer_config_parse(spec, config, count, settings, err, sizeof err) == 0, "%s", err);
    t->opt = spec->create((ParamList){2, t->params, t->grads}, config);
    ck_assert_ptr_nonnull(t->opt);
    const char *group_names[2] = {"first", "second"};
    ck_assert_int_eq(optimizer_set_groups(t->opt, 2, group_names, second_group), 0);
    t->opt->groups[1].lr = lr1;
}

static void two_groups_free(TwoGroups *t)
{
    optimizer_free(t->opt);
    for (int k = 0; k < 2; k++) {
        tensor_free(t->params[k]);
        tensor_free(t->grads[k]);
    }
}

START_TEST(test_lr_scheduler_scales_each_groups_own_lr)
{
    /* PyTorch records each group's lr as its initial_lr and runs the
     * schedule from it: a group at half the lr stays at half. PyTorch's
     * two-group optimizer gives exactly the single-group cases at lr 0.1
     * and 0.05 (tools/make_golden.py checks it). The groups here hold
     * 0.1f and 0.05f; the scheduler starts from 0.1 and 0.05, the decimals
     * they were written as, and so writes PyTorch's lrs, rounded to
     * float32, into the groups: exactly. (Started from the floats
     * themselves, 1.5e-9 of the lr away, 9 of the cosine's 45 steps came
     * out an ulp off.) */
    static const struct {
        const char *schedule;
        const char *settings[MAX_SETTINGS];
        const char *case_at_0_1, *case_at_0_05;
    } CASES[] = {
        {"cosine", {"lr=0.1", "T_max=10"}, "cosine_t_max_10", "cosine_t_max_10_lr_0.05"},
        {"sequential", {"lr=0.1", "start_factor=0.1", "total_iters=5", "milestones=5", "T_max=20"},
         "sequential_warmup_cosine", "sequential_warmup_cosine_lr_0.05"},
    };
    ScheduleGoldenFile g;
    load_schedules(&g);
    for (int i = 0; i < TABLE_SIZE(CASES); i++) {
        Schedule s = parse(CASES[i].schedule, count_settings(CASES[i].settings), CASES[i].settings);
        const ScheduleCase *golden[2] = {schedule_golden_find(&g, CASES[i].case_at_0_1),
                                         schedule_golden_find(&g, CASES[i].case_at_0_05)};
        ck_assert(golden[0] && golden[1] && golden[0]->steps == golden[1]->steps);
        TwoGroups t;
        two_groups(&t, &SGD_SPEC, (const char *[]){"lr=0.1"}, 1, 0.05f);
        LRScheduler sched;
        char err[512];
        ck_assert_msg(lr_scheduler_start(&sched, &s, t.opt, err, sizeof err) == 0, "%s", err);
        ck_assert_int_eq(sched.num_groups, 2);
        ck_assert(sched.groups[0].initial_lr == 0.1 && sched.groups[1].initial_lr == 0.05);
        for (int step = 0; step < golden[0]->steps; step++) {
            if (step > 0) ck_assert_msg(lr_scheduler_step(&sched, t.opt, err, sizeof err) == 0, "%s", err);
            for (int k = 0; k < 2; k++) {
                double pytorch = golden[k]->series[0][step];
                char what[128];
                snprintf(what, sizeof what, "%s, group %d, step %d", golden[k]->name, k, step);
                ck_assert_msg(t.opt->groups[k].lr == (float)pytorch, "%s: %.9g, PyTorch's %.17g", what,
                              t.opt->groups[k].lr, pytorch);
                ck_assert(t.opt->groups[k].lr == (float)sched.groups[k].lr);
            }
            /* the optimizer steps at its groups' lrs: SGD moves each by lr * 1 */
            float before[2] = {t.params[0]->data[0], t.params[1]->data[0]};
            float lrs[2] = {t.opt->groups[0].lr, t.opt->groups[1].lr};
            t.grads[0]->data[0] = t.grads[1]->data[0] = 1.0f;
            optimizer_step(t.opt);
            for (int k = 0; k < 2; k++) ck_assert(t.params[k]->data[0] == before[k] - lrs[k]);
        }
        two_groups_free(&t);
    }
    schedule_golden_free(&g);
}
END_TEST

START_TEST(test_lr_scheduler_one_cycle_and_nanogpt)
{
    ScheduleGoldenFile g;
    load_schedules(&g);
    const ScheduleCase *c = schedule_golden_find(&g, "onecycle_defaults");
    Schedule s = parse_case(c);
    char err[512];
    /* OneCycleLR replaces every group's lr with its own (0.1/25 at first),
     * and cycles SGD's and RMSprop's momentum, or Adam's betas[0]. */
    static const char *const WITH_MOMENTUM[] = {"momentum=0.9"};
    static const struct {
        const OptimizerSpec *spec;
        const char *const *settings;
        bool beta1;
    } CYCLED[] = {{&SGD_MOMENTUM_SPEC, WITH_MOMENTUM, false},
                  {&RMSPROP_SPEC, WITH_MOMENTUM, false},
                  {&ADAM_SPEC, NULL, true}};
    for (int i = 0; i < TABLE_SIZE(CYCLED); i++) {
        TwoGroups t;
        two_groups(&t, CYCLED[i].spec, CYCLED[i].settings, CYCLED[i].settings ? 1 : 0, 0.5f);
        LRScheduler sched;
        ck_assert_msg(lr_scheduler_start(&sched, &s, t.opt, err, sizeof err) == 0, "%s", err);
        for (int step = 0; step < c->steps; step++) {
            if (step > 0) ck_assert(lr_scheduler_step(&sched, t.opt, err, sizeof err) == 0);
            double momentum = schedule_golden_series(c, "momentum")[step];
            for (int k = 0; k < 2; k++) {
                const ParamGroup *group = &t.opt->groups[k];
                ck_assert(group->lr == (float)c->series[0][step]);
                ck_assert(sched.groups[k].momentum == momentum);
                if (CYCLED[i].beta1)
                    ck_assert(group->beta1 == momentum && isnan(group->momentum));
                else
                    ck_assert(group->momentum == (float)momentum && isnan(group->beta1));
            }
        }
        /* one step too many: refused, and the lrs stay */
        float last = t.opt->groups[0].lr;
        ck_assert_int_eq(lr_scheduler_step(&sched, t.opt, err, sizeof err), -1);
        ck_assert_msg(strstr(err, "Tried to step 22 times") != NULL, "%s", err);
        ck_assert(t.opt->groups[0].lr == last && t.opt->groups[1].lr == last);
        two_groups_free(&t);
    }
    /* Adagrad has no momentum: PyTorch refuses to cycle it, and so do we;
     * without cycle_momentum it is fine. */
    TwoGroups t;
    two_groups(&t, &ADAGRAD_SPEC, NULL, 0, 0.5f);
    LRScheduler sched;
    ck_assert_int_eq(lr_scheduler_start(&sched, &s, t.opt, err, sizeof err), -1);
    ck_assert_str_eq(err, "optimizer must support momentum with `cycle_momentum` option enabled");
    Schedule still = PARSE("onecycle", "max_lr=0.1", "total_steps=20", "cycle_momentum=false");
    ck_assert(lr_scheduler_start(&sched, &still, t.opt, err, sizeof err) == 0);
    ck_assert(isnan(sched.groups[0].momentum));
    two_groups_free(&t);
    /* An SGD made with momentum 0 has no momentum_buffer to cycle (PyTorch
     * would make one at the first step): refused, saying so. */
    two_groups(&t, &SGD_MOMENTUM_SPEC, NULL, 0, 0.5f);
    ck_assert_int_eq(lr_scheduler_start(&sched, &s, t.opt, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "momentum=0") && strstr(err, "momentum > 0"), "%s", err);
    two_groups_free(&t);
    /* nanoGPT's loop sets every group to get_lr(it), whatever its own lr. */
    c = schedule_golden_find(&g, "nanogpt_warmup_cosine");
    s = parse_case(c);
    two_groups(&t, &ADAM_SPEC, NULL, 0, 0.5f);
    ck_assert(lr_scheduler_start(&sched, &s, t.opt, err, sizeof err) == 0);
    for (int step = 0; step < c->steps; step++) {
        if (step > 0) ck_assert(lr_scheduler_step(&sched, t.opt, err, sizeof err) == 0);
        for (int k = 0; k < 2; k++) ck_assert(t.opt->groups[k].lr == (float)c->series[0][step]);
    }
    /* A scheduler made for two groups refuses an optimizer that has one. */
    t.opt->num_groups = 1;
    ck_assert_int_eq(lr_scheduler_step(&sched, t.opt, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "param groups") != NULL, "%s", err);
    t.opt->num_groups = 2;
    two_groups_free(&t);
    schedule_golden_free(&g);
}
END_TEST

/* ---- what the optimizers do with the momentum OneCycleLR sets ------------------------ */

/* The keys of onecycle.txt's settings that are OneCycleLR's; the rest are
 * the optimizer's. */
static bool is_one_cycle_key(const char *setting)
{
    static const char *const KEYS[] = {"max_lr", "total_steps", "pct_start", "base_momentum",
                                       "max_momentum", "div_factor"};
    for (int k = 0; k < TABLE_SIZE(KEYS); k++)
        if (strncmp(setting, KEYS[k], strlen(KEYS[k])) == 0 && setting[strlen(KEYS[k])] == '=')
            return true;
    return false;
}

/* Two ulps of the largest state of case c: an average of gradients of both
 * signs keeps the absolute error of the terms that cancelled. */
static double one_cycle_atol(const GoldenCase *c)
{
    float largest = 0.0f;
    for (int k = 0; k < c->num_states; k++)
        for (long j = 0; j < (long)c->steps * c->numel; j++)
            largest = fmaxf(largest, fabsf(c->state[k][j]));
    return 2.0 * (nextafterf(largest, INFINITY) - largest);
}

typedef struct {
    Schedule schedule;
    LRScheduler sched;
} OneCycleRun;

static int one_cycle_start(Optimizer *opt, void *ctx, char *err, size_t errlen)
{
    OneCycleRun *run = ctx;
    return lr_scheduler_start(&run->sched, &run->schedule, opt, err, errlen);
}

static int one_cycle_step(Optimizer *opt, void *ctx, char *err, size_t errlen)
{
    OneCycleRun *run = ctx;
    return lr_scheduler_step(&run->sched, opt, err, errlen);
}

/* PyTorch's runs of SGD, RMSprop, Adam and AdamW under OneCycleLR, which
 * moves their momentum (or beta1) every step: the parameters and states
 * match only if each step uses the momentum the scheduler set. (With the
 * momentum left at its starting value the first case is off at step 2.) */
START_TEST(test_one_cycle_moves_the_optimizers_momentum)
{
    static const struct {
        const char *optimizer;
        const OptimizerSpec *spec;
    } SPECS[] = {{"sgd", &SGD_MOMENTUM_SPEC}, {"rmsprop", &RMSPROP_SPEC},
                 {"adam", &ADAM_SPEC}, {"adamw", &ADAMW_SPEC}};
    GoldenFile g;
    load_golden("onecycle.txt", &g);
    ck_assert_int_eq(g.count, 5);
    for (int i = 0; i < g.count; i++) {
        const GoldenCase *c = &g.cases[i];
        const OptimizerSpec *spec = NULL;
        for (int k = 0; k < TABLE_SIZE(SPECS); k++)
            if (strcmp(c->optimizer, SPECS[k].optimizer) == 0) spec = SPECS[k].spec;
        ck_assert_msg(spec != NULL, "case %s: optimizer %s", c->name, c->optimizer);
        const char *own[GOLDEN_MAX_SETTINGS], *cycle[GOLDEN_MAX_SETTINGS];
        int num_own = 0, num_cycle = 0;
        for (int k = 0; k < c->num_settings; k++) {
            if (is_one_cycle_key(c->settings[k]))
                cycle[num_cycle++] = c->settings[k];
            else
                own[num_own++] = c->settings[k];
        }
        OneCycleRun run;
        char err[512];
        ck_assert_msg(schedule_parse(schedule_spec_find("onecycle"), &run.schedule, num_cycle, cycle,
                                     err, sizeof err) == 0,
                      "case %s: %s", c->name, err);
        GoldenScheduler scheduler = {one_cycle_start, one_cycle_step, &run};
        check_golden_case_scheduled(spec, c, num_own, own, &scheduler, one_cycle_atol(c),
                                    ONE_CYCLE_RTOL);
    }
    golden_free(&g);
}
END_TEST

/* ---- refusals, with PyTorch's messages ---------------------------------------------- */

static const struct {
    const char *schedule;
    const char *settings[MAX_SETTINGS];
    const char *expected;
} REFUSALS[] = {
    /* LinearLR's checks (PyTorch 1.13's words), and what it does not check */
    {"linear", {"start_factor=1.5"}, "Starting multiplicative factor expected to be between 0 and 1."},
    {"linear", {"start_factor=-0.1"}, "Starting multiplicative factor expected to be between 0 and 1."},
    {"linear", {"start_factor=0"}, "ZeroDivisionError"},
    {"linear", {"end_factor=1.5"}, "Ending multiplicative factor expected to be between 0 and 1."},
    {"linear", {"end_factor=-0.5"}, "Ending multiplicative factor expected to be between 0 and 1."},
    {"linear", {"total_iters=-1"}, "total_iters must be >= 0"},
    {"linear", {"lr=-0.1"}, "Invalid learning rate: -0.1"},
    {"linear", {"lr=nan"}, "--lr: 'nan' is not a finite number"},
    {"linear", {"total_iters=2.5"}, "--total_iters: '2.5' is not an integer"},
    {"linear", {"T_max=10"}, "unknown option 'T_max'"},
    {"linear", {"lr=0.1", "lr=0.2"}, "lr is given twice"},
    /* CosineAnnealingLR */
    {"cosine", {"lr=0.1"}, "missing 1 required positional argument: 'T_max'"},
    {"cosine", {"T_max=0"}, "T_max must be a positive number of steps, got 0"},
    {"cosine", {"T_max=-3"}, "T_max must be a positive number of steps, got -3"},
    {"cosine", {"T_max=10", "eta_min=-0.01"}, "Invalid eta_min: -0.01"},
    {"cosine", {"T_max"}, "T_max needs a value: T_max=..."},
    /* OneCycleLR: its own checks, in its order, and its division by zero */
    {"onecycle", {"max_lr=0.1"}, "You must define either total_steps OR (epochs AND steps_per_epoch)"},
    {"onecycle", {"total_steps=10"}, "missing 1 required positional argument: 'max_lr'"},
    {"onecycle", {"max_lr=0.1", "total_steps=0"}, "Expected positive integer total_steps, but got 0"},
    {"onecycle", {"max_lr=0.1", "total_steps=-5"}, "Expected positive integer total_steps, but got -5"},
    {"onecycle", {"max_lr=0.1", "total_steps=10", "pct_start=1.5"},
     "Expected float between 0 and 1 pct_start, but got 1.5"},
    {"onecycle", {"max_lr=0.1", "total_steps=10", "pct_start=-0.1"},
     "Expected float between 0 and 1 pct_start, but got -0.1"},
    {"onecycle", {"max_lr=0.1", "total_steps=10", "anneal_strategy=lin"},
     "anneal_strategy must by one of 'cos' or 'linear', instead got lin"},
    /* 0.1 * 10 - 1 = 0: the first phase ends where it starts, at step 0 */
    {"onecycle", {"max_lr=0.1", "total_steps=10", "pct_start=0.1"}, "float division by zero"},
    {"onecycle", {"max_lr=0.1", "total_steps=10", "pct_start=0.1", "three_phase=true"}, "float division by zero"},
    {"onecycle", {"max_lr=0.1", "total_steps=10", "div_factor=0"}, "div_factor and final_div_factor must be > 0"},
    {"onecycle", {"max_lr=0.1", "total_steps=10", "final_div_factor=0"},
     "div_factor and final_div_factor must be > 0"},
    {"onecycle", {"max_lr=-1", "total_steps=10"}, "Invalid max_lr: -1"},
    {"onecycle", {"max_lr=0.1", "total_steps=10", "base_momentum=-0.1"}, "Invalid momentum value: -0.1"},
    {"onecycle", {"max_lr=0.1", "total_steps=10", "three_phase=maybe"}, "not true or false"},
    {"onecycle", {"max_lr=0.1", "total_steps=10", "lr=0.1"}, "unknown option 'lr'"},
    /* SequentialLR: one milestone for two schedulers, and their checks */
    {"sequential", {"milestones=5,10", "T_max=10"},
     "Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone "
     "points, but got number of schedulers 2 and the number of milestones to be equal to 2"},
    {"sequential", {"T_max=10"}, "missing 1 required positional argument: 'milestones'"},
    {"sequential", {"milestones=5"}, "missing 1 required positional argument: 'T_max'"},
    {"sequential", {"milestones=x", "T_max=10"}, "--milestones: 'x' is not a list of integers like 5 or 5,10"},
    {"sequential", {"milestones=5,", "T_max=10"}, "is not a list of integers"},
    {"sequential", {"milestones=1,2,3,4,5,6,7,8,9", "T_max=10"}, "has more than 8 milestones"},
    {"sequential", {"milestones=-1", "T_max=10"}, "milestones must be >= 0"},
    {"sequential", {"milestones=5", "T_max=10", "start_factor=2"},
     "Starting multiplicative factor expected to be between 0 and 1."},
    {"sequential", {"milestones=5", "T_max=0"}, "T_max must be a positive number of steps"},
    /* nanoGPT's get_lr divides by lr_decay_iters - warmup_iters */
    {"warmup_cosine", {"warmup_iters=10", "lr_decay_iters=10"}, "lr_decay_iters (10) must be greater than"},
    {"warmup_cosine", {"warmup_iters=-1"}, "warmup_iters must be >= 0"},
    {"warmup_cosine", {"min_lr=-1e-5"}, "Invalid min_lr: -1e-05"},
    {"warmup_cosine", {"lr=-6e-4"}, "Invalid learning rate: -0.0006"},
};

START_TEST(test_refusals_with_pytorchs_messages)
{
    const ScheduleSpec *spec = schedule_spec_find(REFUSALS[_i].schedule);
    ck_assert_ptr_nonnull(spec);
    Schedule s = schedule_defaults(spec->kind), before;
    memcpy(&before, &s, sizeof s);
    char err[1024];
    ck_assert_msg(schedule_parse(spec, &s, count_settings(REFUSALS[_i].settings), REFUSALS[_i].settings, err,
                                 sizeof err) == -1,
                  "%s %s was taken", REFUSALS[_i].schedule, REFUSALS[_i].settings[0]);
    ck_assert_msg(strstr(err, REFUSALS[_i].expected) != NULL, "'%s' does not say '%s'", err, REFUSALS[_i].expected);
    /* the message names the schedule; *s is left alone */
    ck_assert_msg(strncmp(err, spec->name, strlen(spec->name)) == 0 && strstr(err, spec->torch_name), "%s", err);
    ck_assert(memcmp(&s, &before, sizeof s) == 0);
}
END_TEST

START_TEST(test_validate_and_start_refuse_a_bad_schedule)
{
    /* A schedule made in C, not parsed, is checked when it starts. */
    Schedule s = schedule_defaults(SCHEDULE_COSINE);   /* T_max not set */
    char buf[512];
    ck_assert_ptr_nonnull(schedule_validate(&s, buf, sizeof buf));
    ScheduleRun run;
    ck_assert_int_eq(schedule_start(&run, &s, 0.1, buf, sizeof buf), -1);
    ck_assert_msg(strstr(buf, "T_max must be a positive") != NULL, "%s", buf);
    ck_assert(isnan(schedule_lr(&s, 0)));
    s.cosine.T_max = 5;
    ck_assert_ptr_null(schedule_validate(&s, buf, sizeof buf));
    /* the group's lr, which a scheduler on an optimizer starts from */
    ck_assert_int_eq(schedule_start(&run, &s, -0.1, buf, sizeof buf), -1);
    ck_assert_str_eq(buf, "Invalid learning rate: -0.1");
    ck_assert_int_eq(schedule_start(&run, &s, NAN, buf, sizeof buf), -1);
    TwoGroups t;
    two_groups(&t, &SGD_SPEC, NULL, 0, -0.5f);
    LRScheduler sched;
    ck_assert_int_eq(lr_scheduler_start(&sched, &s, t.opt, buf, sizeof buf), -1);
    ck_assert_str_eq(buf, "Invalid learning rate: -0.5");
    two_groups_free(&t);
    s = schedule_defaults(SCHEDULE_ONECYCLE);   /* total_steps not set */
    ck_assert_int_eq(schedule_start(&run, &s, 0.1, buf, sizeof buf), -1);
    ck_assert_str_eq(buf, "Expected positive integer total_steps, but got 0");
    s = schedule_defaults(SCHEDULE_SEQUENTIAL);   /* no milestones */
    s.cosine.T_max = 5;
    ck_assert(schedule_validate(&s, buf, sizeof buf) && strstr(buf, "the number of milestones to be equal to 0"));
    s.kind = (ScheduleKind)99;
    ck_assert(schedule_validate(&s, buf, sizeof buf) && strstr(buf, "unknown schedule kind 99"));
}
END_TEST

/* ---- edge cases -------------------------------------------------------------------- */

START_TEST(test_edge_cases)
{
    /* Step 0 is the constructor's: LinearLR has already scaled the lr,
     * the cosine has not, nanoGPT starts above 0. */
    Schedule linear = PARSE("linear", "lr=0.3", "start_factor=0.5"), cosine = PARSE("cosine", "lr=0.3", "T_max=7");
    Schedule warm = PARSE("warmup_cosine", "lr=0.1", "warmup_iters=4", "lr_decay_iters=9");
    ck_assert(schedule_lr(&linear, 0) == 0.15 && schedule_lr(&cosine, 0) == 0.3 && schedule_lr(&warm, 0) == 0.1 / 5);
    /* No warm-up: nanoGPT's cosine starts at step 0, at the lr. */
    Schedule cold = PARSE("warmup_cosine", "lr=0.1", "warmup_iters=0", "lr_decay_iters=9");
    ck_assert(schedule_lr(&cold, 0) == 0.1);
    /* total_iters = 0: the lr stays at start_factor * lr (the chain is past
     * its end at once; PyTorch's closed form would divide by zero). */
    Schedule flat = PARSE("linear", "lr=0.2", "start_factor=0.25", "total_iters=0");
    for (int t = 0; t < 5; t++) ck_assert(schedule_lr(&flat, t) == 0.05);
    /* lr = 0 stays 0 in every schedule that scales it. */
    static const char *const zero_lr[][3] = {
        {"linear", "lr=0", NULL}, {"cosine", "lr=0", "T_max=3"}, {"warmup_cosine", "lr=0", "min_lr=0"}};
    for (int i = 0; i < TABLE_SIZE(zero_lr); i++) {
        Schedule s = parse(zero_lr[i][0], zero_lr[i][2] ? 2 : 1, &zero_lr[i][1]);
        for (int t = 0; t < 8; t++) ck_assert_msg(schedule_lr(&s, t) == 0.0, "%s at %d", zero_lr[i][0], t);
    }
    Schedule zero_seq = PARSE("sequential", "lr=0", "milestones=2", "T_max=3");
    for (int t = 0; t < 8; t++) ck_assert(schedule_lr(&zero_seq, t) == 0.0);
    /* OneCycleLR with one step: step 0 is already past the first phase
     * (0.3 - 1 < 0), at the end: min_lr; step 1 (= total_steps) goes on. */
    Schedule one = PARSE("onecycle", "max_lr=0.1", "total_steps=1");
    ck_assert_close(schedule_lr(&one, 0), 0.1 / 25 / 1e4, 0, HAND_RTOL);
    ck_assert(isfinite(schedule_lr(&one, 1)) && isnan(schedule_lr(&one, 2)));
    /* Every run: a negative step has no lr. */
    ck_assert(isnan(schedule_lr(&flat, -1)));
    /* Milestone 0 in PyTorch 1.13: step 0 is the warm-up's all the same,
     * and the cosine then scales that lr, never restarting at the full lr
     * (until its first trough adds a full-size step). */
    Schedule m0 = PARSE("sequential", "lr=0.1", "start_factor=0.5", "total_iters=4", "milestones=0", "T_max=5");
    ck_assert(schedule_lr(&m0, 0) == 0.05 && schedule_lr(&m0, 1) == 0.05);
    ck_assert(schedule_lr(&m0, 2) < 0.05);
    /* A long run stays finite and in range: 1e5 steps of the cosine, 50
     * periods. The chain's drift grows with the periods: measured 4.5e-11
     * of the lr from the closed form at step 88000 (above the lr by 2.2e-11
     * at a peak); PyTorch's chain is the same. Allowed 1e-9. */
    Schedule cos = PARSE("cosine", "lr=1", "T_max=1000", "eta_min=0.001");
    ScheduleRun run;
    char err[512];
    ck_assert(schedule_start(&run, &cos, cos.lr, err, sizeof err) == 0);
    for (int t = 1; t <= 100000; t++) {
        ck_assert(schedule_step(&run, err, sizeof err) == 0);
        ck_assert_msg(run.lr >= 0.001 - 1e-9 && run.lr <= 1 + 1e-9, "step %d: %.17g", t, run.lr);
        ck_assert_close(run.lr, cosine_annealing_lr_closed_form(&cos.cosine, 1.0, t), 1e-9, 0);
    }
}
END_TEST

START_TEST(test_golden_reader_refuses_broken_files)
{
    char dir[512], path[600], err[512];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    snprintf(path, sizeof path, "%s/s.txt", dir);
    write_text_file(path, "# comment\n\ncase one\nschedule cosine\nsettings lr=0.1 T_max=2\n"
                          "lr 0.1 0.05 0.0\nmomentum 0.9 0.8 0.7\nend\n");
    ScheduleGoldenFile g;
    ck_assert_msg(schedule_golden_load(path, &g, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(g.count, 1);
    const ScheduleCase *c = schedule_golden_find(&g, "one");
    ck_assert(c && c->steps == 3 && c->num_settings == 2 && strcmp(c->schedule, "cosine") == 0);
    ck_assert(schedule_golden_series(c, "lr")[1] == 0.05 && schedule_golden_series(c, "momentum")[2] == 0.7);
    ck_assert_ptr_null(schedule_golden_series(c, "beta1"));
    ck_assert_ptr_null(schedule_golden_find(&g, "two"));
    schedule_golden_free(&g);
    const char *broken[] = {
        "case a\nschedule linear\nlr 0.1 0.2\nmomentum 0.9\nend\n",     /* series of different lengths */
        "case a\nschedule linear\nmomentum 0.9\nend\n",                 /* no lr */
        "case a\nlr 0.1\nend\n",                                        /* no schedule */
        "case a\nschedule linear\nlr 0.1\n",                            /* no end */
        "case a\nschedule linear\nlr 0.1\ncase b\n",                    /* no end before the next */
        "case a\nschedule linear\nlr 0.1 nan\nend\n",                   /* NaN */
        "case a\nschedule linear\nlr 0.1 x\nend\n",                     /* not a number */
        "case a\nschedule linear\nlr\nend\n",                           /* no numbers */
        "case a\nschedule linear\nlr 0.1\nlr 0.2\nend\n",               /* lr twice */
        "lr 0.1\n",                                                     /* no case */
    };
    for (int i = 0; i < TABLE_SIZE(broken); i++) {
        write_text_file(path, broken[i]);
        ck_assert_msg(schedule_golden_load(path, &g, err, sizeof err) == -1, "broken file %d was accepted", i);
        ck_assert_int_eq(g.count, 0);
    }
    snprintf(path, sizeof path, "%s/missing.txt", dir);
    ck_assert_int_eq(schedule_golden_load(path, &g, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "cannot open") != NULL, "%s", err);
    remove_tree(dir);
}
END_TEST

START_TEST(test_help_lists_every_key)
{
    /* optlab schedule NAME --help prints this: each key, its default, or
     * "required" where PyTorch has none. */
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(out);
    schedule_print_help(out, schedule_spec_find("onecycle"));
    schedule_print_help(out, schedule_spec_find("sequential"));
    fclose(out);
    static const char *const wanted[] = {
        "--max_lr", "the peak lr (required)", "--total_steps", "(required)", "(default 0.3)", "(default cos)",
        "(default true)", "(default 0.85)", "(default 0.95)", "(default 25)", "(default 10000)", "(default false)",
        "--start_factor", "(default 0.333333)", "--milestones", "--T_max", "--eta_min",
    };
    for (int i = 0; i < TABLE_SIZE(wanted); i++)
        ck_assert_msg(strstr(text, wanted[i]) != NULL, "no '%s' in:\n%s", wanted[i], text);
    free(text);
}
END_TEST

void add_schedule_tests(TCase *core, TCase *limits)
{
    tcase_add_loop_test(core, test_first_values_by_hand, 0, TABLE_SIZE(BY_HAND));
    tcase_add_loop_test(core, test_golden_schedules, 0, TABLE_SIZE(GOLDEN));
    tcase_add_test(core, test_every_golden_case_is_checked);
    tcase_add_test(core, test_golden_defaults);
    tcase_add_test(core, test_defaults_are_pytorchs);
    tcase_add_test(core, test_chain_against_closed_form);
    tcase_add_test(core, test_cosine_goes_back_up_past_t_max);
    tcase_add_test(core, test_onecycle_steps_exactly_total_steps);
    tcase_add_test(core, test_lr_scheduler_scales_each_groups_own_lr);
    tcase_add_test(core, test_lr_scheduler_one_cycle_and_nanogpt);
    tcase_add_test(core, test_one_cycle_moves_the_optimizers_momentum);
    tcase_add_loop_test(limits, test_refusals_with_pytorchs_messages, 0, TABLE_SIZE(REFUSALS));
    tcase_add_test(limits, test_validate_and_start_refuse_a_bad_schedule);
    tcase_add_test(limits, test_edge_cases);
    tcase_add_test(limits, test_golden_reader_refuses_broken_files);
    tcase_add_test(limits, test_help_lists_every_key);
}
