/* schedules.h - learning-rate schedules, exactly as torch.optim.lr_scheduler
 * (PyTorch 1.13) computes them, and nanoGPT's warm-up and cosine.
 *
 *     LinearLR           lr * factor, the factor going linearly from
 *                        start_factor to end_factor over total_iters steps
 *     CosineAnnealingLR  eta_min + (lr - eta_min) (1 + cos(pi t / T_max)) / 2,
 *                        and on past T_max: the cosine climbs back
 *     OneCycleLR         up from max_lr/div_factor to max_lr, then down to
 *                        max_lr/div_factor/final_div_factor, momentum the
 *                        other way
 *     SequentialLR       LinearLR until the milestone, then CosineAnnealingLR
 *     warmup_cosine      nanoGPT's get_lr(it): linear warm-up, half a cosine
 *                        down to min_lr, then min_lr
 *
 * PyTorch's LinearLR and CosineAnnealingLR do not evaluate those formulas:
 * each step multiplies the lr the optimizer holds by the ratio of this
 * step's factor to the last one's (the "chainable" form, so that another
 * scheduler may change the lr in between). In exact arithmetic it is the
 * same; in doubles each step rounds once more, and the last bits drift from
 * the formula. A ScheduleRun repeats PyTorch's chain step by step, in
 * double, as Python floats are, so that it gives PyTorch's numbers to the
 * last bit. OneCycleLR and nanoGPT compute each step's lr afresh.
 *
 * Step t's lr is the one in effect for the optimizer's step t + 1: step 0's
 * is set when the scheduler is made, and each scheduler.step() after an
 * optimizer.step() moves to the next. */
#ifndef LESSON_SCHEDULES_H
#define LESSON_SCHEDULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "flags.h"
#include "optimizer.h"

/* snippet: schedule_configs, shown in 07_schedules */
/* torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1/3, end_factor=1.0,
 * total_iters=5): the lr is multiplied by start_factor at step 0, by
 * end_factor from step total_iters on, and by a factor in between in between. */
typedef struct {
    double start_factor;
    double end_factor;
    int total_iters;
} LinearLRConfig;

/* CosineAnnealingLR(optimizer, T_max, eta_min=0): half a cosine from the lr
 * down to eta_min over T_max steps (T_max has no default). */
typedef struct {
    int T_max;
    double eta_min;
} CosineAnnealingLRConfig;

typedef enum { ANNEAL_COS, ANNEAL_LINEAR } AnnealStrategy;

/* OneCycleLR(optimizer, max_lr, total_steps, pct_start=0.3, anneal_strategy='cos',
 * cycle_momentum=True, base_momentum=0.85, max_momentum=0.95, div_factor=25.0,
 * final_div_factor=1e4, three_phase=False). It ignores the optimizer's lr:
 * it starts at max_lr / div_factor. (PyTorch also takes epochs and
 * steps_per_epoch for total_steps = epochs * steps_per_epoch.) */
typedef struct {
    double max_lr;              /* the peak (no default) */
    int total_steps;            /* steps in the cycle (no default) */
    double pct_start;           /* the share of the steps spent going up */
    AnnealStrategy anneal_strategy;
    bool cycle_momentum;        /* move momentum (Adam: betas[0]) against the lr */
    double base_momentum;       /* momentum at the peak lr */
    double max_momentum;        /* momentum at the start and the end */
    double div_factor;          /* the lr starts at max_lr / div_factor */
    double final_div_factor;    /* and ends at max_lr / div_factor / final_div_factor */
    bool three_phase;           /* up, down to the start, then down to the end */
} OneCycleLRConfig;

/* nanoGPT's get_lr(it) (karpathy/nanoGPT, train.py): the lr goes up by
 * lr/(warmup_iters+1) a step, then half a cosine from lr at warmup_iters to
 * min_lr at lr_decay_iters, then stays at min_lr. */
typedef struct {
    int warmup_iters;
    int lr_decay_iters;
    double min_lr;
} WarmupCosineConfig;

#define LINEAR_LR_DEFAULTS                                                                 \
    ((LinearLRConfig){.start_factor = 1.0 / 3, .end_factor = 1.0, .total_iters = 5})
#define COSINE_ANNEALING_LR_DEFAULTS                                                       \
    ((CosineAnnealingLRConfig){.T_max = 0 /* must be given */, .eta_min = 0.0})
#define ONE_CYCLE_LR_DEFAULTS                                                              \
    ((OneCycleLRConfig){.max_lr = 0.0 /* must be given */,                                 \
                        .total_steps = 0 /* must be given */,                              \
                        .pct_start = 0.3, .anneal_strategy = ANNEAL_COS,                   \
                        .cycle_momentum = true, .base_momentum = 0.85,                     \
                        .max_momentum = 0.95, .div_factor = 25.0,                          \
                        .final_div_factor = 1e4, .three_phase = false})
/* nanoGPT's train.py: learning_rate 6e-4, warmup_iters 2000, lr_decay_iters 600000,
 * min_lr 6e-5. */
#define WARMUP_COSINE_DEFAULTS                                                             \
    ((WarmupCosineConfig){.warmup_iters = 2000, .lr_decay_iters = 600000, .min_lr = 6e-5})
/* end snippet */

typedef enum {
    SCHEDULE_LINEAR,          /* LinearLR */
    SCHEDULE_COSINE,          /* CosineAnnealingLR */
    SCHEDULE_ONECYCLE,        /* OneCycleLR */
    SCHEDULE_WARMUP_COSINE,   /* nanoGPT's get_lr */
    SCHEDULE_SEQUENTIAL       /* SequentialLR([LinearLR, CosineAnnealingLR], milestones) */
} ScheduleKind;

/* SequentialLR takes one milestone per scheduler after the first; a list
 * this long can be read (and refused: the sequence here has two). */
#define SCHEDULE_MAX_MILESTONES 8

/* snippet: schedule, shown in 07_schedules */
/* A schedule: which one, its keywords by PyTorch's names, and the lr it
 * starts from (the optimizer's, PyTorch's initial_lr). Only the parts of its
 * kind are read: SequentialLR reads `linear` (its warm-up), `cosine` (what
 * follows) and `milestones`. */
typedef struct {
    ScheduleKind kind;
    double lr;                       /* the optimizer's lr (nanoGPT: learning_rate) */
    LinearLRConfig linear;
    CosineAnnealingLRConfig cosine;
    OneCycleLRConfig onecycle;
    WarmupCosineConfig warmup_cosine;
    int num_milestones;
    int milestones[SCHEDULE_MAX_MILESTONES];   /* SequentialLR: when the cosine starts */
} Schedule;
/* end snippet */

/* A schedule of `kind` with PyTorch's defaults (nanoGPT's for
 * SCHEDULE_WARMUP_COSINE) and lr 1e-3 (nanoGPT: 6e-4); what has no default
 * (T_max, max_lr, total_steps, milestones) is 0 and must be set. */
Schedule schedule_defaults(ScheduleKind kind);

/* ---- each schedule's formula ----------------------------------------------------- */

/* LinearLR.get_lr: the lr for step `last_epoch` (1 or more) from `lr`, the
 * last step's; at last_epoch 0, from the optimizer's lr. */
double linear_lr_step(const LinearLRConfig *c, double lr, int last_epoch);

/* CosineAnnealingLR.get_lr: the same, the chained form; initial_lr is the
 * optimizer's lr when the scheduler was made. */
double cosine_annealing_lr_step(const CosineAnnealingLRConfig *c, double initial_lr, double lr, int last_epoch);

/* CosineAnnealingLR's closed form, eta_min + (initial_lr - eta_min)(1 + cos(pi
 * t / T_max))/2: what SequentialLR uses at its milestone, and what the chain
 * drifts from. */
double cosine_annealing_lr_closed_form(const CosineAnnealingLRConfig *c, double initial_lr, int last_epoch);

/* OneCycleLR.get_lr at step step_num (0 .. total_steps): the lr and, when
 * momentum is not NULL, the momentum it sets (SGD's momentum, Adam's
 * betas[0]). Not finite where PyTorch divides by zero (a phase of no steps). */
double one_cycle_lr(const OneCycleLRConfig *c, int step_num, double *momentum);

/* nanoGPT's get_lr(it), with learning_rate its peak. */
double warmup_cosine_lr(const WarmupCosineConfig *c, double learning_rate, int it);

/* ---- stepping a schedule as PyTorch does -------------------------------------------- */

/* snippet: schedule_run, shown in 07_schedules */
/* One param group's lr as a PyTorch scheduler moves it: the scheduler's
 * last_epoch and the group's "lr", "initial_lr" and, for OneCycleLR,
 * "momentum" (Adam: betas[0]). SequentialLR's two schedulers keep their own
 * last_epoch. */
typedef struct {
    const Schedule *schedule;
    double initial_lr;        /* group["initial_lr"]: what the schedule scales */
    double lr;                /* group["lr"]: in effect for this step */
    double momentum;          /* OneCycleLR with cycle_momentum: this step's; else NAN */
    int last_epoch;           /* this is step last_epoch's lr (0 first) */
    int linear_last_epoch;    /* SequentialLR: its LinearLR's last_epoch */
    int cosine_last_epoch;    /* and its CosineAnnealingLR's */
} ScheduleRun;
/* end snippet */

/* The scheduler's constructor: checks s (schedule_validate) and sets the lr
 * for step 0 from initial_lr, the group's lr (OneCycleLR ignores it; a
 * negative one is refused, as torch.optim refuses it). s must outlive the
 * run. Returns 0, or -1 with PyTorch's message in err. */
int schedule_start(ScheduleRun *run, const Schedule *s, double initial_lr, char *err, size_t errlen);

/* scheduler.step(): moves to the next step's lr (and momentum). Returns 0,
 * or -1 with PyTorch's message where PyTorch raises (OneCycleLR past
 * total_steps, or a phase of no steps); the lr is then left as it was. */
int schedule_step(ScheduleRun *run, char *err, size_t errlen);

/* The lr in effect at step `step` (0 first) from s->lr, by a ScheduleRun
 * stepped that far (step + 1 evaluations); NAN where PyTorch refuses. */
double schedule_lr(const Schedule *s, int step);

/* ---- a schedule on an Optimizer ---------------------------------------------------- */

/* A scheduler driving an Optimizer's param groups, as PyTorch's does: each
 * group runs the schedule from its own lr when the scheduler is made (its
 * initial_lr), so a group at a tenth of the lr stays at a tenth. OneCycleLR
 * gives every group the same lrs (from max_lr); nanoGPT's loop sets every
 * group to get_lr(it) from s->lr. */
typedef struct {
    int num_groups;
    ScheduleRun groups[OPTIMIZER_MAX_GROUPS];
} LRScheduler;

/* Makes a scheduler on opt: records each group's lr as its initial_lr (in
 * double, the shortest decimal that rounds to the group's float32 lr: 0.1f
 * starts the schedule from 0.1, as PyTorch's Python float) and sets every
 * group's lr for step 0; OneCycleLR with cycle_momentum sets the group's
 * momentum too (SGD's and RMSprop's "momentum", the Adam family's beta1).
 * Returns 0, or -1 with PyTorch's message (as for schedule_start; cycling
 * momentum also refuses an optimizer with none, such as Adagrad, and one
 * made with momentum 0, whose buffer does not exist). */
int lr_scheduler_start(LRScheduler *sched, const Schedule *s, Optimizer *opt, char *err, size_t errlen);

/* scheduler.step(), after optimizer_step(opt): sets every group's lr (and
 * momentum) for the next step. Returns 0, or -1 with PyTorch's message (the lrs unchanged). */
int lr_scheduler_step(LRScheduler *sched, Optimizer *opt, char *err, size_t errlen);

/* ---- from text: optlab and the tests --------------------------------------------- */

/* A schedule as optlab names it: `optlab schedule NAME --key=value`. */
typedef struct {
    const char *name;            /* "cosine" */
    const char *torch_name;      /* "torch.optim.lr_scheduler.CosineAnnealingLR" */
    ScheduleKind kind;
    const char *summary;         /* a line for the list of schedules */
    const char *call;            /* the PyTorch call it makes, and notes: for its --help */
    const OptionSpec *options;   /* its keys: lr and PyTorch's keyword names */
    const char *const *required; /* the keys with no default, NULL-terminated */
} ScheduleSpec;

/* linear cosine onecycle warmup_cosine sequential, then an entry with name NULL. */
extern const ScheduleSpec SCHEDULE_SPECS[];

/* The spec named `name`, or NULL. */
const ScheduleSpec *schedule_spec_find(const char *name);

/* Parses "key=value" settings ("--key=value" too; a bare "key" is true for
 * a bool; a key at most once) on top of spec's defaults into *s, then checks
 * them as PyTorch's constructor does. anneal_strategy is cos or linear;
 * milestones a comma-separated list. Returns 0, or -1 with a message in err
 * that names the schedule. */
int schedule_parse(const ScheduleSpec *spec, Schedule *s, int count, const char *const *settings, char *err,
                   size_t errlen);

/* NULL when s is a schedule PyTorch would make, else its message (in buf):
 * PyTorch's ValueError text where it has one, else why PyTorch would fail
 * later (a division by zero) or the book refuses it (a negative lr). */
const char *schedule_validate(const Schedule *s, char *buf, size_t len);

/* One line per key of spec: its help, and its default or "required". */
void schedule_print_help(FILE *out, const ScheduleSpec *spec);

#endif
