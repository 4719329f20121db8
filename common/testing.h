/* testing.h - what the Check test suites of every chapter share: float
 * comparisons with a stated tolerance; the checks every optimizer gets
 * (steps worked by hand, PyTorch's golden trajectories through the adapter
 * or through a bare update function, PyTorch's defaults and refusals, how
 * state is allocated); running a built program the way a reader would
 * (with input, capturing output and exit status); and reports and figures
 * written into a temporary directory and read back.
 *
 * Each test program defines make_suite() (a lesson's with lesson_suite);
 * common/check_main.c runs it, prints
 * "NAME: N passed, M failed" and, when given a file name, writes TAP there
 * for the grading report. */
#ifndef COMMON_TESTING_H
#define COMMON_TESTING_H

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "golden.h"
#include "reading.h"   /* read_text_file */
#include "gpt.h"
#include "optimizer_spec.h"
#include "report.h"

Suite *make_suite(void);

#ifndef OPTIMIZERS_BIN_DIR
#define OPTIMIZERS_BIN_DIR "build/bin"
#endif

/* |actual - expected| <= atol + rtol * |expected|; NaN never passes. A failure
 * names `what` (a string: in a table-driven test, the case and the quantity). */
#define ck_assert_close_msg(what, actual, expected, atol, rtol)                          \
    do {                                                                                 \
        double actual_ = (actual), expected_ = (expected);                               \
        ck_assert_msg(fabs(actual_ - expected_) <= (atol) + (rtol) * fabs(expected_),    \
                      "%s = %.9g, expected %.9g (atol %g, rtol %g)", (what), actual_,    \
                      expected_, (double)(atol), (double)(rtol));                        \
    } while (0)

/* The same, naming the expression that was checked. */
#define ck_assert_close(actual, expected, atol, rtol)                                   \
    ck_assert_close_msg(#actual, actual, expected, atol, rtol)

/* The number of rows of a table of test cases (an array, not a pointer),
 * for tcase_add_loop_test(tc, test, 0, TABLE_SIZE(table)). */
#define TABLE_SIZE(table) ((int)(sizeof(table) / sizeof((table)[0])))

/* The index of the first element outside atol + rtol*|expected|, or -1. */
long first_mismatch(const float *actual /* [n] */, const float *expected /* [n] */, size_t n,
                    double atol, double rtol);

/* Asserts that n floats match; the message names `what` and the first bad element. */
#define ck_assert_all_close(actual, expected, n, atol, rtol, what)                        \
    do {                                                                                 \
        const float *a_ = (actual), *e_ = (expected);                                    \
        long bad_ = first_mismatch(a_, e_, (n), (atol), (rtol));                         \
        ck_assert_msg(bad_ < 0, "%s[%ld] = %.9g, expected %.9g (atol %g, rtol %g)",      \
                      (what), bad_, bad_ < 0 ? 0.0 : (double)a_[bad_],                   \
                      bad_ < 0 ? 0.0 : (double)e_[bad_], (double)(atol), (double)(rtol)); \
    } while (0)

/* Whether a equals e: a NaN for a NaN, the same infinity, or within
 * atol + rtol*|e| (so -0 and 0 are equal, as PyTorch's tests take them). */
bool same_float(double a, double e, double atol, double rtol);

/* Up to GRADS_MAX_TENSORS gradient tensors as a ParamList, with parameters
 * beside them as a model has them: for functions of a whole model's
 * gradients (lesson 07's clipping and accumulation). */
#define GRADS_MAX_TENSORS 8
typedef struct {
    MemoryLedger ledger;
    Tensor *params[GRADS_MAX_TENSORS], *grads[GRADS_MAX_TENSORS];
    ParamList list;
} Grads;

/* count tensors of the given shapes, the gradients filled from flat arrays
 * (the parameters zero). */
void grads_make(Grads *g, int count, const int *ndim /* [count] */,
                const int (*shape)[TENSOR_MAX_DIMS] /* [count] */,
                const float *const *values /* [count][numel] */);
/* count 1-D tensors of numel[i] numbers each. */
void grads_make_1d(Grads *g, int count, const int *numel /* [count] */,
                   const float *const *values /* [count][numel] */);
void grads_free(Grads *g);

/* clip_grad_norm_ worked by hand (lesson 07 and its exercise 1): up to
 * three tensors of up to four numbers, the total norm and the gradients
 * after clipping, worked out in double. */
typedef struct {
    const char *name;
    float max_norm, norm_type;
    int count, numel[3];
    float grad[3][4];
    double total_norm;
    double clipped[3][4];
} ClipByHand;

/* A clip_grad_norm_: lesson 07's, or a student's ex_clip_grad_norm. */
typedef float ClipGradNorm(const ParamList *params, float max_norm, float norm_type);

/* Runs case h through clip and asserts the total norm it returns and every
 * clipped gradient to rtol (a hand-worked number is exact: no atol). */
void check_clip_by_hand(ClipGradNorm *clip, const ClipByHand *h, double rtol);

/* Replays one golden case through an optimizer spec (settings parsed as
 * optlab parses them) and asserts the parameters, and every state the case
 * records (the optimizer must keep it), after each step. Parameters are
 * compared with atol + rtol * s, where s is golden_scale (below); states with
 * atol + rtol * |expected|, at their own size: a sum of squares (sum,
 * square_avg) only adds terms of one sign, so its rounding error is relative
 * to it. A state that cancels towards zero (momentum_buffer, grad_avg) keeps
 * the absolute error of its largest terms: its case needs an atol. (Comparing
 * such a state at the largest magnitude it has had, as parameters are, was
 * measured to allow up to 10 times the error lesson 04 allows near zero, and
 * 50 times lesson 02's.) */
void check_golden_case(const OptimizerSpec *spec, const GoldenCase *c,
                       double atol, double rtol);
/* The same with `settings` in place of the case's (to test defaults: an
 * empty list, count 0). */
void check_golden_case_with(const OptimizerSpec *spec, const GoldenCase *c,
                            int num_settings, const char *const *settings /* [num_settings] */,
                            double atol, double rtol);

/* What drove the optimizer besides its gradients, as the case's PyTorch
 * loop ran it: a learning-rate scheduler (lesson 07), made on the
 * optimizer and stepped after each optimizer step. Each returns 0, or -1
 * with a message in err. */
typedef struct {
    int (*start)(Optimizer *opt, void *ctx, char *err /* [errlen] */, size_t errlen);
    int (*step)(Optimizer *opt, void *ctx, char *err /* [errlen] */, size_t errlen);
    void *ctx;
} GoldenScheduler;

/* check_golden_case_with, with the scheduler (NULL: none). */
void check_golden_case_scheduled(const OptimizerSpec *spec, const GoldenCase *c,
                                 int num_settings, const char *const *settings /* [num_settings] */,
                                 const GoldenScheduler *scheduler, double atol, double rtol);

/* Parses golden case c's settings into config (spec->config_size bytes)
 * as optlab parses them, failing the test, naming the case, if it cannot. */
void parse_golden_settings(const OptimizerSpec *spec, const GoldenCase *c, void *config);

/* The largest magnitude element j of case c has had up to step `step` (0 is
 * the first step), its start included: the scale at which its rounding
 * errors live, which golden comparisons multiply rtol by. */
double golden_scale(const GoldenCase *c, int step, int j);

/* One step of a bare update function (a chapter's foo_update, a student's
 * exercise), adapted by a test to one shape: param[n] and grad[n] as
 * always, state[k][n] the arrays named by the UpdateFunction's state_names,
 * config the function's config struct, step 1 at first. An adapter is a
 * line: ex_adagrad_step(param, grad, state[0], n, config, step); */
typedef void UpdateStep(float *param /* [n] */, const float *grad /* [n] */,
                        float *const *state /* [states][n] */, size_t n, const void *config, long step);

/* The most state arrays an update function keeps (Adam with amsgrad keeps 3). */
#define UPDATE_MAX_STATES 4

/* An update function, as check_steps_by_hand and check_golden_update run it. */
typedef struct {
    const char *name;                             /* in messages: "ex_adagrad_step" */
    const OptimizerSpec *spec;                    /* parses a golden case's settings into a config */
    UpdateStep *step;
    const char *state_names[UPDATE_MAX_STATES];   /* PyTorch's names ("sum"), NULL after the last */
    /* Fills state[k][n] before the first step, as the function's caller
     * must (initial_accumulator_value); NULL: every state starts at 0. */
    void (*start)(float *const *state /* [states][n] */, size_t n, const void *config);
} UpdateFunction;

/* How many steps a case worked by hand takes: the first step (t = 1, often
 * a special case) and one after it. */
#define HAND_STEPS 2

/* The first steps of an update function on one element, worked by hand:
 * from param = 1 and the states as `start` leaves them, with `config` and
 * the gradients grad[], each state and the parameter must hold these after
 * each step. */
typedef struct {
    const char *name;
    const void *config;                            /* &(FooConfig){.lr = 0.1f, ...} */
    float grad[HAND_STEPS];
    double state[UPDATE_MAX_STATES][HAND_STEPS];   /* in the order of state_names */
    double param[HAND_STEPS];
} HandSteps;

/* Runs case h through f, asserting each of f's states and the parameter
 * after every step to rtol (a hand-worked number is exact: no atol). */
void check_steps_by_hand(const UpdateFunction *f, const HandSteps *h, double rtol);

/* Replays golden case c through f: from the case's parameters, with its
 * settings (parsed by f->spec) and its gradients, asserting after every
 * step what check_golden_case asserts: the parameters to atol + rtol * s,
 * and each of f's states that the case records to atol + rtol * |expected|
 * (a state the case does not record is not checked). */
void check_golden_update(const UpdateFunction *f, const GoldenCase *c, double atol, double rtol);

/* check_golden_update with an atol for one state alone: first the
 * parameters and every other state with no atol (it would loosen them),
 * then all again with `state` (one that cancels towards zero, as exp_avg
 * does: it keeps the absolute error of its largest terms) to
 * state_atol + rtol * |expected|. f must keep a state of that name. */
void check_golden_update_atol_for(const UpdateFunction *f, const GoldenCase *c, const char *state,
                                  double state_atol, double rtol);

/* The atol a golden case gets, decided by its name or its values. */
typedef double GoldenCaseAtol(const GoldenCase *c);

/* Every case of tests/golden/FILE replayed through f. Each case must record
 * the state `recorded` (a file that lost it would otherwise pass with that
 * state unchecked). Then check_golden_update_atol_for with atol(c) on the
 * state `atol_state`, or, with atol_state NULL, check_golden_update with
 * atol(c) on every value; atol NULL: none anywhere. */
void check_every_golden_update(const UpdateFunction *f, const char *file, const char *recorded,
                               const char *atol_state, GoldenCaseAtol *atol, double rtol);

/* Loads tests/golden/NAME, failing the test if it cannot. */
void load_golden(const char *name, GoldenFile *out);

/* Loads tests/golden/FILE into *g (golden_free it) and returns its case
 * CASE_NAME, failing the test, with both names, if there is no such case. */
const GoldenCase *load_golden_case(const char *file, const char *case_name, GoldenFile *g);

/* One golden case with the tolerance it is checked to, and the most steps
 * that tolerance was worked out for (a longer case fails: its tolerance
 * would need a new justification). */
typedef struct {
    const char *name;
    double atol, rtol;
    int max_steps;
} GoldenTolerance;

/* The row of tolerances[count] named `name`, failing the test if there is none. */
const GoldenTolerance *golden_tolerance_of(const char *name,
                                           const GoldenTolerance *tolerances /* [count] */,
                                           int count);

/* Asserts that tests/golden/FILE holds as many cases as tolerances[count]
 * and that each has its row there: a case added to the file gets a
 * tolerance, or this fails. With in_order, case i must be row i. */
void assert_every_golden_case_has_a_tolerance(const char *file,
                                              const GoldenTolerance *tolerances /* [count] */,
                                              int count, bool in_order);

/* Adam's settings in double, as lesson 05's AdamConfig and lesson 06's
 * AdamWConfig hold them, for steps worked out from the equations. */
typedef struct {
    double lr, beta1, beta2, eps, weight_decay;
    bool amsgrad, maximize;
    bool decoupled;   /* AdamW: p *= 1 - lr*wd before the step; Adam (L2): g += wd*p */
} AdamSettings;

/* Adam's (or AdamW's) first two steps from p = 1 with gradients grad[], in
 * double, straight from the equations (none of the lessons' code): each
 * state (exp_avg, exp_avg_sq, max_exp_avg_sq: 0 without amsgrad, which the
 * update must leave alone) and the parameter after each step, as
 * check_steps_by_hand wants them, for a case named `name` with `config`. */
HandSteps adam_steps_in_double(const AdamSettings *s, const char *name, const void *config,
                               const float *grad /* [HAND_STEPS] */);

/* The state Adam and AdamW keep, as PyTorch does: exp_avg and exp_avg_sq
 * always, max_exp_avg_sq only with amsgrad, in that order, all starting at
 * 0 (8 or 12 bytes a parameter), and a step count. `plain` and `amsgrad` are
 * spec's configs at lr 0.1 without and with amsgrad; after three gradients
 * of 0.5, exp_avg = 0.5 (1 - 0.9^3), exp_avg_sq = 0.25 (1 - 0.999^3)
 * (within rtol) and max_exp_avg_sq, a steady gradient's, is exp_avg_sq. */
void check_adam_state_follows_the_settings(const OptimizerSpec *spec, const void *plain,
                                           const void *amsgrad, double rtol);

/* spec's validate, given its defaults with a NaN in the float option key,
 * refuses them with exactly `expected`, as Python's "if not 0.0 <= lr"
 * refuses a NaN. (Settings never carry a NaN that far: the flags refuse
 * "nan" first; this is for a config built in C.) */
void assert_validate_refuses_nan(const OptimizerSpec *spec, const char *key, const char *expected);

/* The refusals torch.optim.Adam's and AdamW's constructors share, with the
 * same messages, checked in the same order (lr, eps, betas, weight_decay:
 * the first bad one is named; a NaN lr or eps is refused too); the
 * weight_decay message is the caller's. */
void assert_spec_refuses_as_torch_adam(const OptimizerSpec *spec);

/* Replays golden case c of Adam's state (lesson 05's Adam, lesson 06's
 * AdamW) through spec's adapter, with `settings` (a negative num_settings:
 * the case's own): the parameters, exp_avg_sq and max_exp_avg_sq (sums of
 * squares, which never cancel) to rtol alone; then exp_avg to exp_avg_atol
 * + rtol*|expected|. The case must record exp_avg and exp_avg_sq, and
 * max_exp_avg_sq when its settings turn amsgrad on. */
void check_adam_golden_case(const OptimizerSpec *spec, const GoldenCase *c, bool amsgrad,
                            int num_settings, const char *const *settings /* [num_settings]; unread if < 0 */,
                            double exp_avg_atol, double rtol);

/* load_golden_case for t's case, failing the test if it has more steps
 * than t's tolerance was worked out for. */
const GoldenCase *load_golden_tolerance_case(const char *file, const GoldenTolerance *t,
                                             GoldenFile *g);

/* Checks case `t` of tests/golden/FILE through spec, with its tolerance;
 * when `state` is not NULL the case must record that state (so it is checked too). */
void check_golden_tolerance(const OptimizerSpec *spec, const char *file, const GoldenTolerance *t,
                            const char *state);

/* Asserts that spec takes each of PyTorch's keyword names keys[count]. */
void assert_spec_keys(const OptimizerSpec *spec, const char *const *keys /* [count] */, int count);

/* One of PyTorch's keyword arguments and its default, as the signature of
 * torch.optim.NAME writes it: {"lr", {1e-3}}, {"maximize", {false}}, and a
 * pair with both its numbers: {"betas", {0.9, 0.999}} (None as NAN:
 * {"eps", {NAN, 1e-3}}). */
typedef struct {
    const char *key;
    double value[2];
} PytorchDefault;

/* Asserts what a chapter's spec promises about PyTorch's defaults: that it
 * is optlab's `name` for `torch_name`; that its keyword arguments are exactly
 * the keys of pytorch[count], no more and no fewer; that `defaults` (the
 * chapter's FOO_DEFAULTS, a config struct) holds each value, rounded to the
 * field's type; and that parsing no settings at all gives those defaults. */
void assert_spec_defaults(const OptimizerSpec *spec, const char *name, const char *torch_name,
                          const void *defaults, const PytorchDefault *pytorch /* [count] */, int count);

/* The defaults case CASE_NAME of tests/golden/FILE, for which the reference
 * ran with its `written` settings spelled out (every default it has; 0 for
 * none), replayed with no settings at all: our defaults are the
 * reference's. Returns the case's numel, for a caller that needs its size. */
size_t check_golden_defaults(const OptimizerSpec *spec, const char *file, const char *case_name, int written,
                             double rtol);

/* Loads tests/golden/FILE and checks its case CASE_NAME as
 * check_golden_case_with does (failing, with both names, if there is no such
 * case); a negative num_settings keeps the case's own settings. */
void check_golden_file_case(const OptimizerSpec *spec, const char *file, const char *case_name,
                            int num_settings, const char *const *settings /* [num_settings]; unread if < 0 */,
                            double atol, double rtol);

/* The parameter after two steps of spec's optimizer (made from `config`)
 * from 1 with gradient 1, the second after optimizer_set_lr(opt, second_lr), as
 * a schedule does between steps. Asserts that the optimizer's state bytes are
 * what the ledger counts as state, and that zero_grad clears the gradient;
 * *state_bytes gets that count. */
float two_steps_changing_lr(const OptimizerSpec *spec, const void *config, float second_lr,
                            size_t *state_bytes);

/* Makes spec's optimizer from config for one 3x4 parameter (12 elements)
 * and asserts how it keeps its state: exactly the states
 * state_names[count], in that order, each 12 floats allocated at creation
 * (optimizer_state_bytes and the ledger agree); `steps` steps with every
 * gradient element `grad` allocate nothing and move no state; freeing the
 * optimizer frees them. Every element of a state is alike (so is the
 * gradient): at_creation[k] and after_steps[k] get state k's value. */
void check_states_allocated_once(const OptimizerSpec *spec, const void *config,
                                 const char *const *state_names /* [count] */, int count, float grad,
                                 int steps, float *at_creation /* [count] */,
                                 float *after_steps /* [count] */);

/* Asserts that optimizer_config_parse refuses `settings` with a message that
 * holds `expected` (NULL: any message), as PyTorch's constructor refuses them. */
void assert_spec_refuses(const OptimizerSpec *spec, int num_settings,
                         const char *const *settings /* [num_settings] */, const char *expected);
/* The same with the settings written out: ASSERT_SPEC_REFUSES(&SGD_SPEC,
 * "Invalid learning rate", "lr=-0.01"). */
#define ASSERT_SPEC_REFUSES(spec, expected, ...)                                           \
    assert_spec_refuses((spec), sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *), \
                        (const char *[]){__VA_ARGS__}, (expected))

/* Asserts that optimizer_config_parse accepts `settings` into `config` (spec's
 * config struct, for the caller to check what was parsed), as PyTorch's
 * constructor accepts them; a failure shows the parser's message. */
void assert_spec_accepts(const OptimizerSpec *spec, void *config, int num_settings,
                         const char *const *settings /* [num_settings] */);
/* The same with the settings written out: ASSERT_SPEC_ACCEPTS(&ADAM_SPEC, &cfg, "lr=0", "eps=0"). */
#define ASSERT_SPEC_ACCEPTS(spec, config, ...)                                                       \
    assert_spec_accepts((spec), (config), sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *), \
                        (const char *[]){__VA_ARGS__})

/* One entry of a lesson's list of tests: &test_name (the START_TEST name)
 * and how many times it runs: 1, or for a table-driven test the rows of its
 * table, TABLE_SIZE(BY_HAND) (_i is the row). A list ends with {NULL, 0}. */
typedef struct {
    const TTest *const *test;
    int runs;
} LessonTest;

/* A lesson's Check suite: the test case "Core" (the chapter's numbers and
 * claims, up to 300 s a test: some run the whole lesson program) and
 * "Limits" (bad input and edge cases, up to 60 s a test), each with its
 * list of tests in order, then its program's (add_lesson_program_tests,
 * below; NULL: none). Sanitizer builds are slow: the limits leave them
 * room. */
typedef struct LessonProgram LessonProgram;
Suite *lesson_suite(const char *name, const LessonTest *core /* up to a {NULL, 0} entry */,
                    const LessonTest *limits /* up to a {NULL, 0} entry */, const LessonProgram *program);

/* A test file's part of a lesson's suite: it adds its tests to the two
 * test cases (add_mixed_tests in test_mixed.c, ...). */
typedef void AddTests(TCase *core, TCase *limits);

/* The same suite gathered from a lesson's test files, each adding its own
 * tests in the order given: adders[] ends with NULL. */
Suite *lesson_suite_of_files(const char *name, AddTests *const *adders /* NULL-ended */);

typedef struct {
    int status;     /* exit status, or -1 if it did not exit normally */
    char *out;      /* everything written to stdout */
    char *err;      /* everything written to stderr */
} ProgramRun;

/* text in single quotes for the shell, each ' in it written '\'' , so that a
 * path with spaces or quotes stays one word. Fails the test if the result
 * does not fit in `len` bytes. Returns out. */
const char *shell_quote(const char *text, char *out /* [len] */, size_t len);

/* The shell command "'DIR/PROGRAM' ARGS", the path quoted (the repository may
 * live under a directory whose name has a space); ARGS are copied as they
 * are. Fails the test if it does not fit. Usually DIR is OPTIMIZERS_BIN_DIR. */
void program_command(char *cmd /* [len] */, size_t len, const char *dir, const char *program, const char *args);
/* The same command run by a shell of its own, "sh -c '...'", so that ARGS
 * may redirect the program's streams ("< /", "> /dev/full"): run_program's
 * own redirections then apply to that shell, not to the program. */
void program_command_in_shell(char *cmd /* [len] */, size_t len, const char *dir, const char *program,
                              const char *args);

/* Runs a shell command with `input` on its standard input (NULL: empty).
 * Returns 0 when the command could be run at all. */
int run_program(const char *command, const char *input, ProgramRun *run);
void program_run_free(ProgramRun *run);

/* The width of the book's code and output blocks, in columns. */
#define BOOK_COLUMNS 92

/* The longest line of text in columns (UTF-8 characters, not bytes), and in
 * *where the line's start; lines that contain `skip` (a path the reader
 * chose, of any length) are not counted. */
size_t longest_line(const char *text, const char *skip, const char **where);

/* The smoke run of a lesson program: `LESSON --quick` without gnuplot, into a
 * fresh directory whose name has a space and a quote. Asserts exit status 0, that stdout contains `expect_text`,
 * that each named table exists as out/LESSON/NAME.txt (NULL-terminated list;
 * include "values"), that each named figure left its script fig/NAME.gp, and
 * that the program said it could not draw; and that no line of its stdout,
 * its stderr or any table out/LESSON/NAME.txt is wider than BOOK_COLUMNS (but
 * for lines that name the --out directory). */
void check_lesson_smoke_run(const char *lesson, const char *expect_text,
                            const char *const *tables /* NULL-ended */, const char *const *figures /* NULL-ended */);

/* The values a lesson program prints for its chapter's prose, as the book
 * runs it (default flags): its out/LESSON/values.txt text (free it), from a
 * run into a fresh directory, which is removed. Fails the test if the
 * program does not exit 0 or writes no values. */
char *lesson_values(const char *lesson);
/* lesson_values of a run with ARGS (shell words) besides the --out. */
char *lesson_values_with(const char *lesson, const char *args);
/* Runs lesson program LESSON with ARGS (shell words, "" for none) and an
 * --out at a fresh temporary directory, removed after the run: its status,
 * stdout and stderr in *run (program_run_free it). */
void run_lesson_program(const char *lesson, const char *args, ProgramRun *run);
/* The value NAME of a values.txt text ("name value" lines; NAN for "nan",
 * as a run that never got there prints); fails the test if it is missing. */
double value_in(const char *values, const char *name);

/* The rules every lesson program's flags follow: --help or -h anywhere (exit
 * 0, the --steps limit of 1..100000 stated), --steps an integer in 1..100000,
 * --seed not negative, each flag at most once, a bare --quick, no words that
 * are not flags, a long bad value quoted short, and an --out that cannot be
 * written refused before any work with the reason. */
void check_lesson_flags(const char *lesson);

/* The rules of a lesson program that trains with --lr and --batch: a
 * positive, finite --lr and a --batch of at most 1437 (and at least its floor). */
void check_lesson_train_flags(const char *lesson);

/* check_lesson_flags for a program that trains no run of its own: it
 * takes no --lr either. */
void check_lesson_flags_without_training(const char *lesson);

/* Asserts the book's rule for bad input: the command exits with status 2,
 * prints nothing on stdout, and its message on stderr contains `expected`. */
void assert_refused(const char *command, const char *input, const char *expected);

/* assert_refused for the built program OPTIMIZERS_BIN_DIR/PROGRAM run with
 * ARGS (copied as they are, of any length) and `input` (NULL: none). */
void assert_program_refuses(const char *program, const char *args, const char *input,
                            const char *expected);

/* A row of a table of bad input: the arguments, standard input (NULL: none)
 * and what the refusal must say. */
typedef struct {
    const char *args, *input, *expected;
} Refusal;

/* assert_program_refuses for each of the n rows. */
void assert_program_refuses_all(const char *program, const Refusal *refusals /* [n] */, int n);

/* Which of check_lesson_flags' rules a lesson program's flags follow. */
typedef enum {
    LESSON_FLAGS_SHARED,            /* check_lesson_flags: every program's rules */
    LESSON_FLAGS_TRAINING,          /* and check_lesson_train_flags: it trains (--lr, --batch) */
    LESSON_FLAGS_WITHOUT_TRAINING,  /* check_lesson_flags_without_training: no --lr */
} LessonFlags;

/* A lesson program as its two shared tests check it: the smoke run
 * (check_lesson_smoke_run with these texts) and its flags (the rules of
 * `flags`, then the refusals of the flags only this program has). The data
 * is the lesson's; the tests are the same for every lesson. */
struct LessonProgram {
    const char *lesson;             /* the program: "04_rmsprop" */
    const char *expect_text;        /* a heading its --quick run prints */
    const char *const *tables;      /* out/LESSON/NAME.txt it writes, "values" too; NULL-ended */
    const char *const *figures;     /* the fig/NAME.gp it leaves; NULL-ended */
    LessonFlags flags;
    const Refusal *refusals;        /* [num_refusals] its own flags' bad values (NULL: none) */
    int num_refusals;
};

/* Adds a lesson program's shared tests to its suite: test_program_smoke_run
 * to "Core", test_program_flags_follow_the_rules to "Limits" (each at the
 * end, so far). A test program checks one lesson: one program a process. */
void add_lesson_program_tests(TCase *core, TCase *limits, const LessonProgram *program);

/* Runs OPTIMIZERS_BIN_DIR/PROGRAM with ARGS, in which @ stands for 100 000
 * x's, and asserts the refusal: exit status 2, nothing on stdout, a message
 * that holds `expected`, quotes only the first 32 x's and "...", and is
 * shorter than max_bytes (bad input may be megabytes; its message is a line). */
void assert_refused_briefly(const char *program, const char *args, const char *input,
                            const char *expected, size_t max_bytes);

/* gpt_new(cfg, seed), failing the test with its message if it cannot. */
Problem *gpt_for_test(const GPTConfig *cfg, uint64_t seed);

/* Writes `text` to a new file at path, failing the test if it cannot. */
void write_text_file(const char *path, const char *text);
/* Asserts that the file at path holds exactly `expected`. */
void assert_file_is(const char *path, const char *expected);

/* A fresh empty directory under $TMPDIR (or /tmp); the caller removes it
 * with remove_tree(). Returns 0 or -1. */
int make_temp_dir(char *path /* [len] */, size_t len);
void remove_tree(const char *path);

/* Standard error, caught: from stderr_catch() to stderr_release() what this
 * process writes to descriptor 2 goes to a temporary file, so that a test
 * can hold a library function's message (figure_close's, say) to its words.
 * stderr_release() puts the descriptor back and returns the text (the
 * caller frees it). Either fails the test if it cannot. */
typedef struct {
    int saved_fd;    /* the real standard error, while caught */
    char dir[512];   /* the temporary directory of the file */
} CaughtStderr;
void stderr_catch(CaughtStderr *c);
char *stderr_release(CaughtStderr *c);

/* Opens *r, a report of the lesson 99_demo, in a fresh temporary directory
 * dir[len] (the caller removes it with remove_tree), failing the test if it
 * cannot: for the tests of what a report writes. */
void open_demo_report(Report *r, char *dir /* [len] */, size_t len);

/* The text of the figure script DIR/NAME.gp (the caller frees it), failing
 * the test if there is none. A report's figure NAME is DIR/fig/NAME.gp:
 * figure_script(dir, "fig/NAME"). */
char *figure_script(const char *dir, const char *name);

/* What a test draws into an open figure; ctx is the test's. */
typedef void DrawFigure(Figure *fig, const void *ctx);

/* Opens figure NAME in a fresh temporary directory, draws it with `draw`
 * (ctx passed on), closes it (figure_close must not fail) and returns the
 * text of its script (the caller frees it); the directory is removed. */
char *drawn_figure_script(const char *name, DrawFigure *draw, const void *ctx);

#endif
