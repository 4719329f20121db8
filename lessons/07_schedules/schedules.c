/* schedules.c - learning-rate schedules as torch.optim.lr_scheduler (PyTorch
 * 1.13) computes them, stepping them, driving an Optimizer's param groups,
 * and reading them from text (see schedules.h). */
#include "schedules.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Python's math.pi: the double nearest pi. */
static const double PI = 3.14159265358979323846;

Schedule schedule_defaults(ScheduleKind kind)
{
    return (Schedule){
        .kind = kind,
        .lr = kind == SCHEDULE_WARMUP_COSINE ? 6e-4 : 1e-3,
        .linear = LINEAR_LR_DEFAULTS,
        .cosine = COSINE_ANNEALING_LR_DEFAULTS,
        .onecycle = ONE_CYCLE_LR_DEFAULTS,
        .warmup_cosine = WARMUP_COSINE_DEFAULTS,
        .num_milestones = 0,
    };
}

/* ---- each schedule's formula ----------------------------------------------------- */

/* Every expression below is written in the order PyTorch's Python writes
 * it: a*b/c is (a*b)/c in both, and each rounding happens where Python's
 * does, so that the doubles agree to the last bit. */

/* snippet: linear_lr_step, shown in 07_schedules */
double linear_lr_step(const LinearLRConfig *c, double lr, int last_epoch)
{
    if (last_epoch == 0) return lr * c->start_factor;
    if (last_epoch > c->total_iters) return lr;   /* the warm-up is over: keep the lr */
    /* factor(t) / factor(t-1), with factor(t) = start + (end - start) t / total_iters,
     * multiplied into the lr the optimizer holds now. */
    double delta = c->end_factor - c->start_factor;
    return lr * (1.0 + delta / (c->total_iters * c->start_factor +
                                (last_epoch - 1) * delta));
}
/* end snippet */

/* snippet: cosine_annealing_lr_step, shown in 07_schedules */
double cosine_annealing_lr_step(const CosineAnnealingLRConfig *c, double initial_lr,
                                double lr, int last_epoch)
{
    const int T_max = c->T_max;
    const double eta_min = c->eta_min;
    if (last_epoch == 0) return lr;
    /* Just past a trough (t - 1 = T_max, 3 T_max, ...) the ratio below would
     * divide by zero: step up from the bottom by the closed form's first rise instead. */
    if (((long long)last_epoch - 1 - T_max) % (2LL * T_max) == 0)
        return lr + (initial_lr - eta_min) * (1 - cos(PI / T_max)) / 2;
    /* (1 + cos(pi t/T)) / (1 + cos(pi (t-1)/T)): the closed form's ratio
     * from the last step to this one, applied to the distance above eta_min. */
    return (1 + cos(PI * last_epoch / T_max)) /
           (1 + cos(PI * (last_epoch - 1) / T_max)) *
           (lr - eta_min) + eta_min;
}
/* end snippet */

/* The closed form, as CosineAnnealingLR._get_closed_form_lr writes it.
 * Past T_max the cosine goes on: at t = 2 T_max the lr is back at
 * initial_lr. The chain above follows it there too, but each of its steps
 * rounds the lr it multiplies, so the two part in the last bits, and the
 * gap grows with the periods. Measured in double: T_max 10, up to 4.3e-15
 * of the lr in 45 steps (40 of them differ); T_max 1000, 4.5e-11 by step
 * 88000, where the chain peaks 2.2e-11 above the lr. Kept in float32 (the
 * optimizer's lr), the chain would be 2 float32 ulps off within 45 steps. */
double cosine_annealing_lr_closed_form(const CosineAnnealingLRConfig *c, double initial_lr, int last_epoch)
{
    return c->eta_min + (initial_lr - c->eta_min) * (1 + cos(PI * last_epoch / c->T_max)) / 2;
}

/* OneCycleLR's phases, as its _schedule_phases lists them: the step each
 * ends at (a float: pct_start * total_steps - 1 need not be whole), and the
 * lr and momentum it goes from and to. */
typedef struct {
    double end_step;
    double start_lr, end_lr;
    double start_momentum, end_momentum;
} OneCyclePhase;

/* snippet: one_cycle_phases, shown in 07_schedules */
static int one_cycle_phases(const OneCycleLRConfig *c, OneCyclePhase *phases /* [3] */)
{
    const double initial_lr = c->max_lr / c->div_factor;
    const double min_lr = initial_lr / c->final_div_factor;
    const double N = c->total_steps, lo = c->base_momentum, hi = c->max_momentum;
    if (c->three_phase) {
        /* up, down again (the mirror image), then the long way to min_lr */
        const double mirror_end = 2 * c->pct_start * N - 2;
        phases[0] = (OneCyclePhase){c->pct_start * N - 1, initial_lr, c->max_lr, hi, lo};
        phases[1] = (OneCyclePhase){mirror_end, c->max_lr, initial_lr, lo, hi};
        phases[2] = (OneCyclePhase){N - 1, initial_lr, min_lr, hi, hi};
        return 3;
    }
    phases[0] = (OneCyclePhase){c->pct_start * N - 1, initial_lr, c->max_lr, hi, lo};
    phases[1] = (OneCyclePhase){N - 1, c->max_lr, min_lr, lo, hi};
    return 2;
}
/* end snippet */

/* snippet: one_cycle_lr, shown in 07_schedules */
/* From `start` to `end` as pct goes from 0 to 1: half a cosine, or a line. */
static double anneal(AnnealStrategy strategy, double start, double end, double pct)
{
    if (strategy == ANNEAL_COS) return end + (start - end) / 2.0 * (cos(PI * pct) + 1);
    return (end - start) * pct + start;
}

double one_cycle_lr(const OneCycleLRConfig *c, int step_num, double *momentum)
{
    OneCyclePhase phases[3];
    int n = one_cycle_phases(c, phases);
    double start_step = 0;
    for (int i = 0; i < n; i++) {
        const OneCyclePhase *p = &phases[i];
        /* the phase step_num is in; the last phase takes any step after it */
        if (step_num <= p->end_step || i == n - 1) {
            double pct = (step_num - start_step) / (p->end_step - start_step);
            if (momentum)
                *momentum = anneal(c->anneal_strategy,
                                   p->start_momentum, p->end_momentum, pct);
            return anneal(c->anneal_strategy, p->start_lr, p->end_lr, pct);
        }
        start_step = p->end_step;
    }
    return NAN;   /* not reached: the last phase takes every step */
}
/* end snippet */

/* snippet: warmup_cosine_lr, shown in 07_schedules */
double warmup_cosine_lr(const WarmupCosineConfig *c, double learning_rate, int it)
{
    /* 1) linear warm-up: (it+1)/(warmup_iters+1) of the lr, never 0 */
    if (it < c->warmup_iters) return learning_rate * (it + 1) / (c->warmup_iters + 1);
    /* 2) after the decay, min_lr for good */
    if (it > c->lr_decay_iters) return c->min_lr;
    /* 3) in between, half a cosine from learning_rate down to min_lr */
    double decay_ratio = (double)(it - c->warmup_iters) /
                         (c->lr_decay_iters - c->warmup_iters);
    double coeff = 0.5 * (1.0 + cos(PI * decay_ratio));
    return c->min_lr + coeff * (learning_rate - c->min_lr);
}
/* end snippet */

/* ---- stepping a schedule as PyTorch does -------------------------------------------- */

/* snippet: sequential_lr_step, shown in 07_schedules */
/* SequentialLR.step() in PyTorch 1.13, for [LinearLR, CosineAnnealingLR]
 * and one milestone: before it the LinearLR steps; at it the cosine is
 * restarted with step(0), its closed form at epoch 0 (initial_lr, as the
 * cosine's formula rounds it); after it the cosine steps its chain. */
static double sequential_lr_step(ScheduleRun *run, int last_epoch)
{
    const Schedule *s = run->schedule;
    const int milestone = s->milestones[0];
    if (last_epoch < milestone)
        return linear_lr_step(&s->linear, run->lr, ++run->linear_last_epoch);
    if (last_epoch == milestone) {
        run->cosine_last_epoch = 0;
        return cosine_annealing_lr_closed_form(&s->cosine, run->initial_lr, 0);
    }
    /* With milestone 0 the cosine never restarts: its last_epoch, -1 since
     * SequentialLR was made, reaches 0 at step 1 and the cosine then keeps
     * the warm-up's lr, and scales it from there. */
    return cosine_annealing_lr_step(&s->cosine, run->initial_lr, run->lr,
                                    ++run->cosine_last_epoch);
}
/* end snippet */

/* The lr of OneCycleLR at step e, or -1 with PyTorch's message. */
static int one_cycle_step(const OneCycleLRConfig *c, int e, double *lr, double *momentum, char *err,
                          size_t errlen)
{
    if (e > c->total_steps) {
        /* PyTorch counts the constructor's step too: "Tried to step 12 times" at step 11 */
        snprintf(err, errlen, "Tried to step %d times. The specified number of total steps is %d", e + 1,
                 c->total_steps);
        return -1;
    }
    double m;
    double value = one_cycle_lr(c, e, &m);
    const double initial_lr = c->max_lr / c->div_factor;
    if (!isfinite(initial_lr) || !isfinite(initial_lr / c->final_div_factor)) {
        /* Python's float overflows to inf too, silently: we say so */
        snprintf(err, errlen, "max_lr=%g / div_factor=%g / final_div_factor=%g leaves a double's range",
                 c->max_lr, c->div_factor, c->final_div_factor);
        return -1;
    }
    if (!isfinite(value) || !isfinite(m)) {
        snprintf(err, errlen,
                 "float division by zero (ZeroDivisionError at step %d: with pct_start=%g and "
                 "total_steps=%d a phase of OneCycleLR has no steps)",
                 e, c->pct_start, c->total_steps);
        return -1;
    }
    *lr = value;
    if (c->cycle_momentum) *momentum = m;
    return 0;
}

int schedule_start(ScheduleRun *run, const Schedule *s, double initial_lr, char *err, size_t errlen)
{
    char msg[256];
    const char *problem = schedule_validate(s, msg, sizeof msg);
    if (problem) {
        snprintf(err, errlen, "%s", problem);
        return -1;
    }
    if (s->kind != SCHEDULE_ONECYCLE && !(initial_lr >= 0)) {
        snprintf(err, errlen, "Invalid learning rate: %g", initial_lr);   /* torch.optim's */
        return -1;
    }
    *run = (ScheduleRun){.schedule = s, .initial_lr = initial_lr, .lr = initial_lr, .momentum = NAN};
    switch (s->kind) {
    case SCHEDULE_LINEAR: run->lr = linear_lr_step(&s->linear, initial_lr, 0); break;
    case SCHEDULE_COSINE: run->lr = cosine_annealing_lr_step(&s->cosine, initial_lr, initial_lr, 0); break;
    case SCHEDULE_ONECYCLE:
        /* OneCycleLR overwrites the group's initial_lr with its own start */
        run->initial_lr = s->onecycle.max_lr / s->onecycle.div_factor;
        return one_cycle_step(&s->onecycle, 0, &run->lr, &run->momentum, err, errlen);
    case SCHEDULE_WARMUP_COSINE: run->lr = warmup_cosine_lr(&s->warmup_cosine, initial_lr, 0); break;
    case SCHEDULE_SEQUENTIAL:
        /* SequentialLR's constructor undoes both schedulers' first steps
         * (last_epoch -1) and makes the LinearLR's again. */
        run->linear_last_epoch = 0;
        run->cosine_last_epoch = -1;
        run->lr = linear_lr_step(&s->linear, initial_lr, 0);
        break;
    }
    return 0;
}

int schedule_step(ScheduleRun *run, char *err, size_t errlen)
{
    const Schedule *s = run->schedule;
    const int e = run->last_epoch + 1;   /* last_epoch += 1, then get_lr() */
    switch (s->kind) {
    case SCHEDULE_LINEAR: run->lr = linear_lr_step(&s->linear, run->lr, e); break;
    case SCHEDULE_COSINE:
        run->lr = cosine_annealing_lr_step(&s->cosine, run->initial_lr, run->lr, e);
        break;
    case SCHEDULE_ONECYCLE:
        if (one_cycle_step(&s->onecycle, e, &run->lr, &run->momentum, err, errlen) != 0)
            return -1;
        break;
    case SCHEDULE_WARMUP_COSINE:
        run->lr = warmup_cosine_lr(&s->warmup_cosine, run->initial_lr, e);
        break;
    case SCHEDULE_SEQUENTIAL: run->lr = sequential_lr_step(run, e); break;
    }
    run->last_epoch = e;
    return 0;
}

double schedule_lr(const Schedule *s, int step)
{
    ScheduleRun run;
    char err[256];
    if (step < 0 || schedule_start(&run, s, s->lr, err, sizeof err) != 0) return NAN;
    for (int t = 1; t <= step; t++)
        if (schedule_step(&run, err, sizeof err) != 0) return NAN;
    return run.lr;
}

/* ---- a schedule on an Optimizer ---------------------------------------------------- */

/* Whether OneCycleLR can cycle opt's momentum: PyTorch asks whether the
 * optimizer's defaults have "momentum" (SGD, RMSprop) or "betas" (the Adam
 * family); here, whether its groups have one (not NAN). One difference:
 * PyTorch's SGD and RMSprop allocate their momentum_buffer at the first
 * step, so OneCycleLR can turn momentum on in an optimizer made with
 * momentum 0; ours allocate it when they are made, and so refuse. Returns
 * 0, or -1 with the message in err. */
static int check_cycle_momentum(const Optimizer *opt, char *err, size_t errlen)
{
    const ParamGroup *group = &opt->groups[0];
    if (isnan(group->momentum) && isnan(group->beta1)) {
        snprintf(err, errlen, "optimizer must support momentum with `cycle_momentum` option enabled");
        return -1;
    }
    if (group->momentum == 0.0f) {
        snprintf(err, errlen,
                 "cycle_momentum on %s made with momentum=0: make it with momentum > 0 (its "
                 "momentum_buffer is allocated then; PyTorch allocates it at the first step)",
                 opt->name);
        return -1;
    }
    return 0;
}

/* snippet: set_group, shown in 07_schedules */
/* Writes a group's scheduled lr, and the momentum where OneCycleLR cycles
 * it: into "momentum" or betas[0], whichever the optimizer has. */
static void set_group(ParamGroup *group, const ScheduleRun *run)
{
    group->lr = (float)run->lr;   /* the group's lr is a float32 */
    if (isnan(run->momentum)) return;
    if (!isnan(group->momentum))
        group->momentum = (float)run->momentum;
    else
        group->beta1 = run->momentum;
}
/* end snippet */

/* The decimal a float32 lr was written as: the shortest that rounds to it
 * (0.1f gives 0.1). PyTorch's group holds the Python float 0.1; ours holds
 * 0.1f, the float nearest it, 1.5e-9 of it away; a schedule started from
 * 0.1f would round to an lr an ulp off PyTorch's now and then. */
static double as_written(float lr)
{
    char text[32];
    for (int digits = 1; digits < 9; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, (double)lr);
        double value = strtod(text, NULL);
        if ((float)value == lr) return value;
    }
    return lr;   /* nine digits always read back: here (double)lr is as good */
}

int lr_scheduler_start(LRScheduler *sched, const Schedule *s, Optimizer *opt, char *err,
                       size_t errlen)
{
    memset(sched, 0, sizeof *sched);
    char msg[256];
    /* PyTorch checks these first */
    const char *problem = schedule_validate(s, msg, sizeof msg);
    if (problem) {
        snprintf(err, errlen, "%s", problem);
        return -1;
    }
    if (s->kind == SCHEDULE_ONECYCLE && s->onecycle.cycle_momentum &&
        check_cycle_momentum(opt, err, errlen) != 0)
        return -1;
    sched->num_groups = opt->num_groups;
    for (int g = 0; g < opt->num_groups; g++) {
        /* group.setdefault("initial_lr", group["lr"]): each group from its own lr
         * (nanoGPT's loop sets every group to one lr, from its learning_rate) */
        double initial_lr =
            s->kind == SCHEDULE_WARMUP_COSINE ? s->lr : as_written(opt->groups[g].lr);
        if (schedule_start(&sched->groups[g], s, initial_lr, err, errlen) != 0) return -1;
        set_group(&opt->groups[g], &sched->groups[g]);
    }
    return 0;
}

int lr_scheduler_step(LRScheduler *sched, Optimizer *opt, char *err, size_t errlen)
{
    if (opt->num_groups != sched->num_groups) {
        snprintf(err, errlen,
                 "the optimizer has %d param groups, the scheduler was made for %d",
                 opt->num_groups, sched->num_groups);
        return -1;
    }
    ScheduleRun next[OPTIMIZER_MAX_GROUPS];   /* every group steps, or none */
    for (int g = 0; g < sched->num_groups; g++) {
        next[g] = sched->groups[g];
        if (schedule_step(&next[g], err, errlen) != 0) return -1;
    }
    for (int g = 0; g < sched->num_groups; g++) {
        sched->groups[g] = next[g];
        set_group(&opt->groups[g], &next[g]);
    }
    return 0;
}

/* ---- checks, with PyTorch's messages ------------------------------------------------- */

static const char *linear_problem(const LinearLRConfig *c, char *buf, size_t len)
{
    if (c->start_factor > 1.0 || c->start_factor < 0) {
        snprintf(buf, len, "Starting multiplicative factor expected to be between 0 and 1.");
        return buf;
    }
    if (c->start_factor == 0) {
        /* PyTorch 1.13 takes it, then divides by T * 0 + 0 at the first
         * step; later releases refuse it when the scheduler is made. */
        snprintf(buf, len,
                 "start_factor=0: PyTorch 1.13 fails at the first step (ZeroDivisionError: float division "
                 "by zero); later releases say: Starting multiplicative factor expected to be greater than 0 "
                 "and less or equal to 1.");
        return buf;
    }
    if (c->end_factor > 1.0 || c->end_factor < 0) {
        snprintf(buf, len, "Ending multiplicative factor expected to be between 0 and 1.");
        return buf;
    }
    if (c->total_iters < 0) {
        snprintf(buf, len, "total_iters must be >= 0, got %d (PyTorch does not check; a negative one acts as 0)",
                 c->total_iters);
        return buf;
    }
    return NULL;
}

static const char *cosine_problem(const CosineAnnealingLRConfig *c, char *buf, size_t len)
{
    if (c->T_max < 1) {
        snprintf(buf, len,
                 "T_max must be a positive number of steps, got %d (PyTorch does not check; T_max=0 fails "
                 "at the first step with ZeroDivisionError)",
                 c->T_max);
        return buf;
    }
    if (c->eta_min < 0) {
        snprintf(buf, len, "Invalid eta_min: %g (a learning rate must be >= 0; PyTorch does not check)",
                 c->eta_min);
        return buf;
    }
    return NULL;
}

/* OneCycleLR's checks, in the order its constructor makes them. */
static const char *one_cycle_problem(const OneCycleLRConfig *c, char *buf, size_t len)
{
    if (c->total_steps <= 0) {
        snprintf(buf, len, "Expected positive integer total_steps, but got %d", c->total_steps);
        return buf;
    }
    if (c->pct_start < 0 || c->pct_start > 1) {
        snprintf(buf, len, "Expected float between 0 and 1 pct_start, but got %g", c->pct_start);
        return buf;
    }
    /* Not checked by PyTorch: a negative lr or momentum, which the
     * optimizers refuse, and a zero division factor (ZeroDivisionError). */
    if (c->max_lr < 0) {
        snprintf(buf, len, "Invalid max_lr: %g (a learning rate must be >= 0; PyTorch does not check)", c->max_lr);
        return buf;
    }
    if (c->div_factor <= 0 || c->final_div_factor <= 0) {
        snprintf(buf, len,
                 "div_factor and final_div_factor must be > 0, got %g and %g (PyTorch divides by them: 0 "
                 "fails with ZeroDivisionError)",
                 c->div_factor, c->final_div_factor);
        return buf;
    }
    if (c->base_momentum < 0 || c->max_momentum < 0) {
        snprintf(buf, len, "Invalid momentum value: %g (base_momentum and max_momentum must be >= 0)",
                 c->base_momentum < 0 ? c->base_momentum : c->max_momentum);
        return buf;
    }
    /* The constructor's step: step 0 may already divide by zero
     * (pct_start * total_steps = 1 makes a first phase of no steps). */
    double lr, momentum;
    return one_cycle_step(c, 0, &lr, &momentum, buf, len) == 0 ? NULL : buf;
}

static const char *warmup_cosine_problem(const WarmupCosineConfig *c, char *buf, size_t len)
{
    if (c->warmup_iters < 0) {
        snprintf(buf, len, "warmup_iters must be >= 0, got %d", c->warmup_iters);
        return buf;
    }
    if (c->lr_decay_iters <= c->warmup_iters) {
        snprintf(buf, len,
                 "lr_decay_iters (%d) must be greater than warmup_iters (%d): the cosine runs from one to the "
                 "other (nanoGPT divides by their difference)",
                 c->lr_decay_iters, c->warmup_iters);
        return buf;
    }
    if (c->min_lr < 0) {
        snprintf(buf, len, "Invalid min_lr: %g (a learning rate must be >= 0)", c->min_lr);
        return buf;
    }
    return NULL;
}

static const char *sequential_problem(const Schedule *s, char *buf, size_t len)
{
    if (s->num_milestones != 1) {
        snprintf(buf, len,
                 "Sequential Schedulers expects number of schedulers provided to be one more than the number "
                 "of milestone points, but got number of schedulers 2 and the number of milestones to be "
                 "equal to %d",
                 s->num_milestones);
        return buf;
    }
    if (s->milestones[0] < 0) {
        snprintf(buf, len, "milestones must be >= 0, got %d (PyTorch does not check; a negative one acts as 0)",
                 s->milestones[0]);
        return buf;
    }
    const char *problem = linear_problem(&s->linear, buf, len);
    return problem ? problem : cosine_problem(&s->cosine, buf, len);
}

const char *schedule_validate(const Schedule *s, char *buf, size_t len)
{
    if (s->kind != SCHEDULE_ONECYCLE && !(s->lr >= 0)) {
        snprintf(buf, len, "Invalid learning rate: %g", s->lr);   /* torch.optim's */
        return buf;
    }
    switch (s->kind) {
    case SCHEDULE_LINEAR: return linear_problem(&s->linear, buf, len);
    case SCHEDULE_COSINE: return cosine_problem(&s->cosine, buf, len);
    case SCHEDULE_ONECYCLE: return one_cycle_problem(&s->onecycle, buf, len);
    case SCHEDULE_WARMUP_COSINE: return warmup_cosine_problem(&s->warmup_cosine, buf, len);
    case SCHEDULE_SEQUENTIAL: return sequential_problem(s, buf, len);
    }
    snprintf(buf, len, "unknown schedule kind %d", (int)s->kind);
    return buf;
}

/* ---- from text ----------------------------------------------------------------------- */

/* What the option tables parse into: the schedule, and the two keys that
 * are words or lists before they are numbers. */
typedef struct {
    Schedule schedule;
    const char *anneal_strategy;   /* "cos" or "linear" */
    const char *milestones;        /* "5" or "5,10" */
} ScheduleText;

#define LR_OPTION(help) {"lr", OPT_DOUBLE, offsetof(ScheduleText, schedule.lr), help, 0, 0}
#define LINEAR_OPTIONS                                                                                   \
    {"start_factor", OPT_DOUBLE, offsetof(ScheduleText, schedule.linear.start_factor),                   \
     "LinearLR: the lr's factor at step 0, in (0, 1]", 0, 0},                                            \
    {"end_factor", OPT_DOUBLE, offsetof(ScheduleText, schedule.linear.end_factor),                       \
     "LinearLR: the factor from total_iters on, in [0, 1]", 0, 0},                                       \
    {"total_iters", OPT_INT, offsetof(ScheduleText, schedule.linear.total_iters),                        \
     "LinearLR: steps from start_factor to end_factor", 0, 0}
#define COSINE_OPTIONS                                                                                   \
    {"T_max", OPT_INT, offsetof(ScheduleText, schedule.cosine.T_max),                                    \
     "CosineAnnealingLR: steps from the lr down to eta_min (then it climbs back)", 0, 0},                \
    {"eta_min", OPT_DOUBLE, offsetof(ScheduleText, schedule.cosine.eta_min),                             \
     "CosineAnnealingLR: the lr at the bottom", 0, 0}
#define END_OPTIONS {NULL, 0, 0, NULL, 0, 0}

static const OptionSpec linear_options[] = {LR_OPTION("the optimizer's lr"), LINEAR_OPTIONS, END_OPTIONS};
static const OptionSpec cosine_options[] = {LR_OPTION("the optimizer's lr: the top"), COSINE_OPTIONS,
                                            END_OPTIONS};
static const OptionSpec onecycle_options[] = {
    {"max_lr", OPT_DOUBLE, offsetof(ScheduleText, schedule.onecycle.max_lr), "the peak lr", 0, 0},
    {"total_steps", OPT_INT, offsetof(ScheduleText, schedule.onecycle.total_steps),
     "steps in the cycle (it may step exactly this many times)", 0, 0},
    {"pct_start", OPT_DOUBLE, offsetof(ScheduleText, schedule.onecycle.pct_start),
     "the share of the steps spent going up", 0, 0},
    {"anneal_strategy", OPT_STRING, offsetof(ScheduleText, anneal_strategy), "cos or linear", 0, 0},
    {"cycle_momentum", OPT_BOOL, offsetof(ScheduleText, schedule.onecycle.cycle_momentum),
     "move momentum (Adam: betas[0]) against the lr", 0, 0},
    {"base_momentum", OPT_DOUBLE, offsetof(ScheduleText, schedule.onecycle.base_momentum),
     "momentum at the peak lr", 0, 0},
    {"max_momentum", OPT_DOUBLE, offsetof(ScheduleText, schedule.onecycle.max_momentum),
     "momentum at the start and the end", 0, 0},
    {"div_factor", OPT_DOUBLE, offsetof(ScheduleText, schedule.onecycle.div_factor),
     "the lr starts at max_lr/div_factor", 0, 0},
    {"final_div_factor", OPT_DOUBLE, offsetof(ScheduleText, schedule.onecycle.final_div_factor),
     "and ends at max_lr/div_factor/final_div_factor", 0, 0},
    {"three_phase", OPT_BOOL, offsetof(ScheduleText, schedule.onecycle.three_phase),
     "up, down to the start, then down to the end", 0, 0},
    END_OPTIONS,
};
static const OptionSpec warmup_cosine_options[] = {
    LR_OPTION("nanoGPT's learning_rate: the peak"),
    {"warmup_iters", OPT_INT, offsetof(ScheduleText, schedule.warmup_cosine.warmup_iters),
     "steps of linear warm-up", 0, 0},
    {"lr_decay_iters", OPT_INT, offsetof(ScheduleText, schedule.warmup_cosine.lr_decay_iters),
     "the step the cosine reaches min_lr", 0, 0},
    {"min_lr", OPT_DOUBLE, offsetof(ScheduleText, schedule.warmup_cosine.min_lr), "the lr after the decay", 0,
     0},
    END_OPTIONS,
};
static const OptionSpec sequential_options[] = {
    LR_OPTION("the optimizer's lr"),
    LINEAR_OPTIONS,
    {"milestones", OPT_STRING, offsetof(ScheduleText, milestones),
     "the step CosineAnnealingLR takes over (one milestone: two schedulers)", 0, 0},
    COSINE_OPTIONS,
    END_OPTIONS,
};

static const char *const cosine_required[] = {"T_max", NULL};
static const char *const onecycle_required[] = {"max_lr", "total_steps", NULL};
static const char *const sequential_required[] = {"milestones", "T_max", NULL};
static const char *const none_required[] = {NULL};

const ScheduleSpec SCHEDULE_SPECS[] = {
    {"linear", "torch.optim.lr_scheduler.LinearLR", SCHEDULE_LINEAR,
     "the lr times a factor going linearly from start_factor to end_factor",
     "LinearLR(optimizer, start_factor, end_factor, total_iters)", linear_options, none_required},
    {"cosine", "torch.optim.lr_scheduler.CosineAnnealingLR", SCHEDULE_COSINE,
     "half a cosine from the lr to eta_min in T_max steps, then back up",
     "CosineAnnealingLR(optimizer, T_max, eta_min)", cosine_options, cosine_required},
    {"onecycle", "torch.optim.lr_scheduler.OneCycleLR", SCHEDULE_ONECYCLE,
     "up to max_lr and down far below the start, momentum the other way",
     "OneCycleLR(optimizer, max_lr, total_steps, pct_start, anneal_strategy, cycle_momentum,\n"
     "             base_momentum, max_momentum, div_factor, final_div_factor, three_phase)\n"
     "  It sets its own lrs: the optimizer's lr (--lr) is not used.",
     onecycle_options, onecycle_required},
    {"warmup_cosine", "nanoGPT's get_lr", SCHEDULE_WARMUP_COSINE,
     "nanoGPT's: linear warm-up, a cosine down to min_lr, then min_lr",
     "get_lr(it) of karpathy/nanoGPT's train.py: lr*(it+1)/(warmup_iters+1) while\n"
     "  it < warmup_iters, min_lr after lr_decay_iters, half a cosine in between",
     warmup_cosine_options, none_required},
    {"sequential", "torch.optim.lr_scheduler.SequentialLR", SCHEDULE_SEQUENTIAL,
     "LinearLR's warm-up, then CosineAnnealingLR from the milestone",
     "SequentialLR(optimizer, [LinearLR(optimizer, start_factor, end_factor, total_iters),\n"
     "                           CosineAnnealingLR(optimizer, T_max, eta_min)], milestones)\n"
     "  The LinearLR until step milestones, then the cosine, restarted from the lr\n"
     "  (its T_max counts from the milestone). PyTorch 1.13 with milestones=0 starts\n"
     "  with the LinearLR all the same, then steps the cosine from its lr.",
     sequential_options, sequential_required},
    {NULL, NULL, SCHEDULE_LINEAR, NULL, NULL, NULL, NULL},
};

const ScheduleSpec *schedule_spec_find(const char *name)
{
    for (const ScheduleSpec *spec = SCHEDULE_SPECS; spec->name; spec++)
        if (strcmp(spec->name, name) == 0) return spec;
    return NULL;
}

static ScheduleText text_defaults(const ScheduleSpec *spec)
{
    return (ScheduleText){.schedule = schedule_defaults(spec->kind), .anneal_strategy = "cos", .milestones = NULL};
}

/* Whether key is among the settings ("key=...", "--key=...", a bare "key"). */
static bool given(const char *key, int count, const char *const *settings)
{
    size_t n = strlen(key);
    for (int i = 0; i < count; i++) {
        const char *text = settings[i] + (strncmp(settings[i], "--", 2) == 0 ? 2 : 0);
        if (strncmp(text, key, n) == 0 && (text[n] == '=' || text[n] == '\0')) return true;
    }
    return false;
}

/* "5" or "5,10" into s->milestones. Returns 0 or -1 with a message. */
static int parse_milestones(const char *text, Schedule *s, char *err, size_t errlen)
{
    Excerpt shown;
    excerpt(text, strlen(text), &shown);
    s->num_milestones = 0;
    for (const char *p = text;;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || (*end != ',' && *end != '\0') || v < INT_MIN || v > INT_MAX) {
            snprintf(err, errlen, "--milestones: '%s' is not a list of integers like 5 or 5,10", shown.text);
            return -1;
        }
        if (s->num_milestones == SCHEDULE_MAX_MILESTONES) {
            snprintf(err, errlen, "--milestones: '%s' has more than %d milestones", shown.text,
                     SCHEDULE_MAX_MILESTONES);
            return -1;
        }
        s->milestones[s->num_milestones++] = (int)v;
        if (*end == '\0') return 0;
        p = end + 1;
    }
}

int schedule_parse(const ScheduleSpec *spec, Schedule *s, int count, const char *const *settings, char *err,
                   size_t errlen)
{
    ScheduleText text = text_defaults(spec);
    char msg[512];
    const char *problem = NULL;
    for (const char *const *key = spec->required; *key && !problem; key++)
        if (!given(*key, count, settings)) {
            if (strcmp(*key, "total_steps") == 0)
                snprintf(msg, sizeof msg, "You must define either total_steps OR (epochs AND steps_per_epoch)");
            else
                snprintf(msg, sizeof msg, "missing 1 required positional argument: '%s' (--%s=...)", *key, *key);
            problem = msg;
        }
    if (!problem && options_parse(spec->options, &text, count, settings, msg, sizeof msg) != 0) problem = msg;
    if (!problem && spec->kind == SCHEDULE_ONECYCLE) {
        if (strcmp(text.anneal_strategy, "cos") == 0) text.schedule.onecycle.anneal_strategy = ANNEAL_COS;
        else if (strcmp(text.anneal_strategy, "linear") == 0) text.schedule.onecycle.anneal_strategy = ANNEAL_LINEAR;
        else {
            /* PyTorch's message, "must by" and all */
            Excerpt shown;
            snprintf(msg, sizeof msg, "anneal_strategy must by one of 'cos' or 'linear', instead got %s",
                     excerpt(text.anneal_strategy, strlen(text.anneal_strategy), &shown));
            problem = msg;
        }
    }
    if (!problem && text.milestones && parse_milestones(text.milestones, &text.schedule, msg, sizeof msg) != 0)
        problem = msg;
    if (!problem) problem = schedule_validate(&text.schedule, msg, sizeof msg);
    if (problem) {
        snprintf(err, errlen, "%s (%s): %s", spec->name, spec->torch_name, problem);
        return -1;
    }
    *s = text.schedule;
    return 0;
}

void schedule_print_help(FILE *out, const ScheduleSpec *spec)
{
    ScheduleText defaults = text_defaults(spec);
    for (const OptionSpec *o = spec->options; o->key; o++) {
        bool required = false;
        for (const char *const *key = spec->required; *key; key++) required = required || strcmp(*key, o->key) == 0;
        if (required) {
            fprintf(out, "  --%-22s %s (required)\n", o->key, o->help);
        } else {
            const OptionSpec one[2] = {*o, END_OPTIONS};
            flags_print_help(out, one, &defaults);
        }
    }
}
