/* gpt_evidence.c - the measured gap the later chapters build on: on the tiny
 * GPT of common/gpt.h, Adam comes within 0.1 nats per character of the
 * floor (the best loss any model can reach), while plain SGD stays far
 * above it in the same steps; each at the best learning rate of a short
 * sweep.
 * `make gpt-evidence` runs it (a few minutes on one core).
 *
 *     gpt_evidence [--steps=1000] [--batch=32] [--seed=1] [--quick]
 *
 * The optimizers come from optlab's registry, as `optlab race` makes them:
 * SGD is lessons 01-02's torch.optim.SGD, Adam lesson 05's torch.optim.Adam
 * with its defaults (betas 0.9, 0.999, eps 1e-8). Every run starts from the
 * same initialisation and sees the same batches. It prints the text the
 * model learns, both runs against the floor, and text the Adam-trained model
 * writes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "files.h"
#include "flags.h"
#include "gpt.h"
#include "registry.h"
#include "timing.h"
#include "train.h"

static const char COMMAND[] = "gpt_evidence";

#define EIGHTHS 8   /* the training curve is shown as the mean loss of each eighth of a run */

typedef struct {
    int steps;
    int batch;
    int seed;
    bool quick;
} EvidenceArgs;

static const OptionSpec evidence_options[] = {
    {"steps", OPT_INT, offsetof(EvidenceArgs, steps), "steps of each full run (at least one an eighth)", EIGHTHS,
     100000},
    {"batch", OPT_INT, offsetof(EvidenceArgs, batch), "windows per step", 1, 4096},
    {"seed", OPT_INT, offsetof(EvidenceArgs, seed), "initialisation and batches", 0, 1000000},
    {"quick", OPT_BOOL, offsetof(EvidenceArgs, quick), "the quick model and 300 steps (a smoke run)", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

/* ---- one run ------------------------------------------------------------------------------ */

typedef struct {
    const EvidenceArgs *args;
    const char *problem;            /* "gpt" or "gpt:quick" */
    const OptimizerSpec *spec;      /* from optlab's registry */
    int steps;
    bool keep_model;                /* keep the trained model in `model` */
    /* what the run measured */
    float lr;
    int diverged_at;                /* 0 if it ran to the end */
    double curve[EIGHTHS];          /* the mean batch loss over each eighth of the run */
    double train_loss, val_loss;    /* at the end: all training windows, all validation windows */
    Problem *model;
} Run;

static Optimizer *make_optimizer(const Run *r, Problem *p, float lr)
{
    char lr_setting[64], err[512];
    snprintf(lr_setting, sizeof lr_setting, "lr=%.9g", lr);
    const char *settings[1] = {lr_setting};
    void *config = must(malloc(r->spec->config_size), "out of memory");
    if (optimizer_config_parse(r->spec, config, 1, settings, err, sizeof err) != 0)
        fail("%s: %s", r->spec->name, err);
    Optimizer *opt = must(r->spec->create(p->params, config), "out of memory");
    free(config);
    return opt;
}

/* Trains a fresh model at lr for r->steps steps; the score is the
 * validation loss at the end (INFINITY when the run diverged). */
static double run(float lr, double to_beat, void *ctx)
{
    (void)to_beat;
    Run *r = ctx;
    char err[512];
    Problem *p = must(problem_by_name(r->problem, 0, (uint64_t)r->args->seed, err, sizeof err), err);
    Optimizer *opt = make_optimizer(r, p, lr);
    TrainConfig cfg = {.steps = r->steps, .batch = r->args->batch, .seed = (uint64_t)r->args->seed, .quiet = true};
    TrainHistory hist;
    double start = wall_seconds();
    int status = train(p, opt, &cfg, &hist);
    if (status < 0) fail("out of memory");
    r->lr = lr;
    r->diverged_at = status == 1 ? hist.diverged_at : 0;
    for (int e = 0; e < EIGHTHS; e++) {
        int from = r->steps * e / EIGHTHS, to = r->steps * (e + 1) / EIGHTHS;
        double sum = 0.0;
        for (int t = from; t < to; t++) sum += hist.loss[t];
        r->curve[e] = status == 0 && to > from ? sum / (to - from) : NAN;
    }
    r->train_loss = status == 0 ? hist.loss[hist.steps_done] : INFINITY;
    r->val_loss = status == 0 ? gpt_validation_loss(p) : INFINITY;
    printf("  %-8s lr %-8.3g %6d steps: ", opt->name, lr, r->steps);
    if (status == 0) printf("validation loss %.4f (%.0f s)\n", r->val_loss, wall_seconds() - start);
    else printf("diverged: the loss after %d steps is not finite\n", r->diverged_at - 1);
    fflush(stdout);
    train_history_free(&hist);
    optimizer_free(opt);
    if (r->keep_model) r->model = p;
    else problem_free(p);
    return r->val_loss;
}

static void print_row(const char *name, const Run *r, double loss_floor)
{
    printf("%-6s %7.3g", name, r->lr);
    for (int e = 0; e < EIGHTHS; e++) printf(" %6.3f", r->curve[e]);
    printf(" %8.4f %8.4f %8.4f\n", r->train_loss, r->val_loss, r->val_loss - loss_floor);
}

/* The steps of a run in a sweep: a quarter of a full run's. */
static int short_steps(const EvidenceArgs *args)
{
    return args->steps / 4 > 0 ? args->steps / 4 : 1;
}

static void print_text(const char *label, const unsigned char *tokens, int n)
{
    printf("  %s \"", label);
    for (int i = 0; i < n; i++) putchar(charlang_char(tokens[i]));
    printf("\"\n");
}

int main(int argc, char **argv)
{
    check_stdout_at_exit("gpt_evidence");
    EvidenceArgs args = {1000, 32, 1, false};
    const EvidenceArgs defaults = args;
    char err[512];
    int parsed = flags_parse(evidence_options, &args, argc, argv, 1, err, sizeof err);
    if (parsed == 1) {
        printf("usage: %s [flags]\n\nAdam against plain SGD on the tiny GPT, both against the floor.\n\n", COMMAND);
        flags_print_help(stdout, evidence_options, &defaults);
        return 0;
    }
    if (parsed != 0) die_usage(COMMAND, "%s", err);
    bool steps_given = false;
    for (int i = 1; i < argc; i++) steps_given |= strncmp(argv[i], "--steps", 7) == 0;
    if (args.quick && !steps_given) args.steps = 300;
    const char *problem = args.quick ? "gpt:quick" : "gpt";

    Problem *p = must(problem_by_name(problem, 0, (uint64_t)args.seed, err, sizeof err), err);
    const GPTConfig *cfg = gpt_config(p);
    const CharLang *lang = gpt_language(p);
    printf("The tiny GPT: %d layers, n_embd %d, %d heads, context %d: %zu parameters.\n", cfg->n_layer,
           cfg->n_embd, cfg->n_head, cfg->block_size, paramlist_numel(&p->params));
    printf("Its text: an order-3 Markov chain over ' ' and a..z; %d training windows, %d validation windows.\n",
           cfg->train_windows, cfg->val_windows);
    size_t len;
    const unsigned char *text = gpt_text(p, 0, &len);
    for (int line = 0; line < 3; line++) print_text("text:", text + 64 * line, 64);
    printf("Exact entropies of the next character, nats: %.4f with no context (unigram), %.4f given\n"
           "one character (bigram), %.4f given two, %.4f given three or more (the entropy rate).\n",
           lang->entropy[0], lang->entropy[1], lang->entropy[2], lang->entropy[3]);
    printf("The floor, the best mean loss over a window of %d (the first 3 positions have less\n"
           "context): %.4f nats per character.\n\n", cfg->block_size, p->min_loss);
    double loss_floor = p->min_loss;
    problem_free(p);

    /* Each optimizer at the best learning rate of a short sweep (a quarter of
     * the steps, half-decade grid), then a full run at that rate. */
    const OptimizerSpec *adam = registry_find("adam");
    if (!adam) fail("optlab's registry has no adam");
    Run a = {.args = &args, .problem = problem, .spec = adam, .steps = short_steps(&args)};
    float adam_lrs[4], sgd_lrs[5];
    lr_grid(adam_lrs, 4, -7, 2);   /* 3.2e-4, 1e-3 (PyTorch's default), 3.2e-3, 1e-2 */
    printf("%s: a sweep of %d steps per learning rate,\n", adam->torch_name, a.steps);
    Sweep adam_sweep = lr_sweep(adam_lrs, 4, INFINITY, run, &a);
    if (adam_sweep.best < 0) fail("every Adam run diverged");
    printf("then the best of them for the full %d steps:\n", args.steps);
    a.steps = args.steps;
    a.keep_model = true;
    run(adam_sweep.lr[adam_sweep.best], INFINITY, &a);

    const OptimizerSpec *sgd = registry_find("sgd");
    if (!sgd) fail("optlab's registry has no sgd");
    Run s = {.args = &args, .problem = problem, .spec = sgd, .steps = short_steps(&args)};
    lr_grid(sgd_lrs, 5, -2, 2);   /* 0.1, 0.32, 1, 3.2, 10 */
    printf("\nplain SGD (%s, no momentum): the same,\n", sgd->torch_name);
    Sweep sgd_sweep = lr_sweep(sgd_lrs, 5, INFINITY, run, &s);
    if (sgd_sweep.best < 0) fail("every SGD run diverged");
    printf("then the best of them for the full %d steps:\n", args.steps);
    s.steps = args.steps;
    run(sgd_sweep.lr[sgd_sweep.best], INFINITY, &s);

    printf("\nThe mean training loss over each eighth of the run, then the loss at the end on all\n"
           "training windows, on all validation windows, and how far that is above the floor:\n");
    printf("%-6s %7s", "", "lr");
    for (int e = 0; e < EIGHTHS; e++) printf("    %d/%d", e + 1, EIGHTHS);
    printf(" %8s %8s %8s\n", "train", "val", "- floor");
    print_row("adam", &a, loss_floor);
    print_row("sgd", &s, loss_floor);
    printf("\nAdam ends %.3f nats per character above the floor (the goal: within 0.1);\n"
           "plain SGD %.3f above it, %.1f times as far.\n",
           a.val_loss - loss_floor, s.val_loss - loss_floor, (s.val_loss - loss_floor) / (a.val_loss - loss_floor));

    printf("\nText written by the Adam-trained model (temperature 1), each after a prompt from the\n"
           "validation text:\n");
    const unsigned char *val = gpt_text(a.model, 1, &len);
    for (int k = 0; k < 3; k++) {
        char prompt[9], out[9 + 56];
        for (int i = 0; i < 8; i++) prompt[i] = charlang_char(val[100 * k + i]);
        prompt[8] = '\0';
        if (gpt_sample(a.model, prompt, 56, (uint64_t)k + 1, out) != 0) fail("sampling failed");
        printf("  sample: \"%s\"\n", out);
    }
    problem_free(a.model);
    return 0;
}
