/* testing.c - helpers for the Check suites (see testing.h). */
#include "testing.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reading.h"

long first_mismatch(const float *actual, const float *expected, size_t n,
                    double atol, double rtol)
{
    for (size_t i = 0; i < n; i++) {
        double a = actual[i], e = expected[i];
        if (!(fabs(a - e) <= atol + rtol * fabs(e))) return (long)i;
    }
    return -1;
}

bool same_float(double a, double e, double atol, double rtol)
{
    if (isnan(e) || isnan(a)) return isnan(e) && isnan(a);
    if (isinf(e) || isinf(a)) return a == e;
    return fabs(a - e) <= atol + rtol * fabs(e);
}

void grads_make(Grads *g, int count, const int *ndim /* [count] */,
                const int (*shape)[TENSOR_MAX_DIMS] /* [count] */,
                const float *const *values /* [count][numel] */)
{
    memset(g, 0, sizeof *g);
    ck_assert(count >= 0 && count <= GRADS_MAX_TENSORS);
    for (int i = 0; i < count; i++) {
        g->params[i] = tensor_new(&g->ledger, "weight", TAG_PARAM, ndim[i], shape[i]);
        g->grads[i] = tensor_new(&g->ledger, "weight.grad", TAG_GRAD, ndim[i], shape[i]);
        ck_assert(g->params[i] && g->grads[i]);
        memcpy(g->grads[i]->data, values[i], tensor_bytes(g->grads[i]));
    }
    g->list = (ParamList){count, g->params, g->grads};
}

void grads_make_1d(Grads *g, int count, const int *numel /* [count] */,
                   const float *const *values /* [count][numel] */)
{
    int ndim[GRADS_MAX_TENSORS], shape[GRADS_MAX_TENSORS][TENSOR_MAX_DIMS] = {{0}};
    ck_assert(count >= 0 && count <= GRADS_MAX_TENSORS);
    for (int i = 0; i < count; i++) ndim[i] = 1, shape[i][0] = numel[i];
    grads_make(g, count, ndim, (const int(*)[TENSOR_MAX_DIMS])shape, values);
}

void grads_free(Grads *g)
{
    for (int i = 0; i < g->list.count; i++) {
        tensor_free(g->params[i]);
        tensor_free(g->grads[i]);
    }
}

void check_clip_by_hand(ClipGradNorm *clip, const ClipByHand *h, double rtol)
{
    Grads g;
    const float *values[3] = {h->grad[0], h->grad[1], h->grad[2]};
    grads_make_1d(&g, h->count, h->numel, values);
    float total = clip(&g.list, h->max_norm, h->norm_type);
    char what[160];
    snprintf(what, sizeof what, "%s: the total norm returned", h->name);
    ck_assert_close_msg(what, total, h->total_norm, 0, rtol);
    for (int i = 0; i < h->count; i++)
        for (int j = 0; j < h->numel[i]; j++) {
            snprintf(what, sizeof what, "%s: grads[%d][%d]", h->name, i, j);
            ck_assert_close_msg(what, g.grads[i]->data[j], h->clipped[i][j], 0, rtol);
        }
    grads_free(&g);
}

void load_golden(const char *name, GoldenFile *out)
{
    char path[2048], err[512];
    snprintf(path, sizeof path, "%s/%s", golden_dir(), name);
    ck_assert_msg(golden_load(path, out, err, sizeof err) == 0, "%s", err);
}

const GoldenCase *load_golden_case(const char *file, const char *case_name, GoldenFile *g)
{
    load_golden(file, g);
    const GoldenCase *c = golden_find(g, case_name);
    ck_assert_msg(c != NULL, "tests/golden/%s has no case %s", file, case_name);
    return c;
}

void check_golden_file_case(const OptimizerSpec *spec, const char *file, const char *case_name,
                            int num_settings, const char *const *settings, double atol, double rtol)
{
    GoldenFile g;
    const GoldenCase *c = load_golden_case(file, case_name, &g);
    if (num_settings < 0) check_golden_case(spec, c, atol, rtol);
    else check_golden_case_with(spec, c, num_settings, settings, atol, rtol);
    golden_free(&g);
}

size_t check_golden_defaults(const OptimizerSpec *spec, const char *file, const char *case_name, int written,
                             double rtol)
{
    GoldenFile g;
    const GoldenCase *c = load_golden_case(file, case_name, &g);
    ck_assert_msg(c->num_settings == written, "%s: case %s has %d settings, not the %d defaults", file, case_name,
                  c->num_settings, written);
    check_golden_case_with(spec, c, 0, NULL, 0.0, rtol);
    size_t numel = c->numel;
    golden_free(&g);
    return numel;
}

float two_steps_changing_lr(const OptimizerSpec *spec, const void *config, float second_lr,
                            size_t *state_bytes)
{
    MemoryLedger ledger = {0};
    Tensor *p = tensor_new_1d(&ledger, "p", TAG_PARAM, 1), *g = tensor_new_1d(&ledger, "g", TAG_GRAD, 1);
    ck_assert(p && g);
    p->data[0] = 1.0f;
    g->data[0] = 1.0f;
    Optimizer *opt = spec->create((ParamList){1, &p, &g}, config);
    ck_assert_ptr_nonnull(opt);
    optimizer_step(opt);
    optimizer_set_lr(opt, second_lr);
    optimizer_step(opt);
    float result = p->data[0];
    *state_bytes = optimizer_state_bytes(opt);
    ck_assert_uint_eq(*state_bytes, ledger.live[TAG_STATE]);
    optimizer_zero_grad(opt);
    ck_assert(g->data[0] == 0.0f);
    optimizer_free(opt);
    tensor_free(p);
    tensor_free(g);
    return result;
}

/* The value every element of state[n] holds, failing the test if they differ. */
static float uniform_value(const char *name, const float *state /* [n] */, size_t n)
{
    for (size_t i = 1; i < n; i++)
        ck_assert_msg(state[i] == state[0], "%s[%zu] = %.9g, but %s[0] = %.9g", name, i, state[i], name,
                      state[0]);
    return state[0];
}

void check_states_allocated_once(const OptimizerSpec *spec, const void *config,
                                 const char *const *state_names /* [count] */, int count, float grad,
                                 int steps, float *at_creation /* [count] */,
                                 float *after_steps /* [count] */)
{
    ck_assert_int_le(count, UPDATE_MAX_STATES);
    MemoryLedger ledger = {0};
    Tensor *p = tensor_new_2d(&ledger, "w", TAG_PARAM, 3, 4);
    Tensor *g = tensor_new_2d(&ledger, "g", TAG_GRAD, 3, 4);
    ck_assert(p && g);
    Optimizer *opt = spec->create((ParamList){1, &p, &g}, config);
    ck_assert_ptr_nonnull(opt);
    ck_assert_int_eq(opt->num_slots, count);
    /* 4 bytes per parameter, each state */
    ck_assert_uint_eq(optimizer_state_bytes(opt), count * 12 * sizeof(float));
    ck_assert_uint_eq(ledger.live[TAG_STATE], count * 12 * sizeof(float));
    const float *state[UPDATE_MAX_STATES];
    for (int k = 0; k < count; k++) {
        ck_assert_str_eq(opt->slot_names[k], state_names[k]);
        state[k] = opt->slots[k][0]->data;
        at_creation[k] = uniform_value(state_names[k], state[k], 12);
    }
    /* Steps use the states they were given: nothing is allocated or moved. */
    size_t live = ledger.live_total;
    for (int i = 0; i < 12; i++) g->data[i] = grad;
    for (int s = 0; s < steps; s++) optimizer_step(opt);
    ck_assert_uint_eq(ledger.live_total, live);
    for (int k = 0; k < count; k++) {
        ck_assert_ptr_eq(opt->slots[k][0]->data, state[k]);
        after_steps[k] = uniform_value(state_names[k], state[k], 12);
    }
    optimizer_free(opt);
    ck_assert_uint_eq(ledger.live[TAG_STATE], 0);
    tensor_free(p);
    tensor_free(g);
}

void assert_spec_refuses(const OptimizerSpec *spec, int num_settings, const char *const *settings,
                         const char *expected)
{
    char err[256] = "";
    void *config = malloc(spec->config_size);
    ck_assert_ptr_nonnull(config);
    int status = optimizer_config_parse(spec, config, num_settings, settings, err, sizeof err);
    free(config);
    ck_assert_msg(status == -1, "%s accepted %s", spec->name, settings[num_settings - 1]);
    ck_assert_msg(expected == NULL || strstr(err, expected) != NULL, "%s: %s", settings[num_settings - 1], err);
}

void assert_spec_accepts(const OptimizerSpec *spec, void *config, int num_settings,
                         const char *const *settings)
{
    char err[256] = "";
    int status = optimizer_config_parse(spec, config, num_settings, settings, err, sizeof err);
    ck_assert_msg(status == 0, "%s refused %d settings (the first %s): %s", spec->name, num_settings,
                  settings[0], err);
}

void check_golden_case(const OptimizerSpec *spec, const GoldenCase *c,
                       double atol, double rtol)
{
    check_golden_case_with(spec, c, c->num_settings, (const char *const *)c->settings, atol, rtol);
}

double golden_scale(const GoldenCase *c, int step, int j)
{
    double scale = fabs(c->param[j]);
    for (int t = 0; t <= step; t++) scale = fmax(scale, fabs(c->expect[(size_t)t * c->numel + j]));
    return scale;
}

/* Asserts param[numel] after step `step` (0 is the first) of golden case c:
 * each element to atol + rtol * golden_scale. p - lr*g rounds at the scale
 * of its operands, so once steps cancel most of p the error left by earlier
 * steps is absolute, not relative. `who` names what stepped (the optimizer,
 * the function) in a failure. */
static void assert_golden_params(const char *who, const GoldenCase *c, int step,
                                 const float *param /* [c->numel] */, double atol, double rtol)
{
    const float *expected = c->expect + (size_t)step * c->numel;
    for (int j = 0; j < c->numel; j++) {
        double scale = golden_scale(c, step, j);
        ck_assert_msg(fabs((double)param[j] - expected[j]) <= atol + rtol * scale,
                      "%s, PyTorch case %s, step %d, param[%d] = %.9g, expected %.9g "
                      "(atol %g, rtol %g of %g)",
                      who, c->name, step + 1, j, param[j], expected[j], atol, rtol, scale);
    }
}

/* Asserts state[state_numel[k]], the case's state number k (its own shape:
 * Adafactor's row_var is not shaped like the parameter), after step `step`:
 * to atol + rtol * |expected|. */
static void assert_golden_state(const char *who, const GoldenCase *c, int step, int k,
                                const float *state /* [c->state_numel[k]] */, double atol, double rtol)
{
    char what[200];
    size_t n = (size_t)c->state_numel[k];
    snprintf(what, sizeof what, "%s, PyTorch case %s, step %d, %s", who, c->name, step + 1,
             c->state_names[k]);
    ck_assert_all_close(state, c->state[k] + (size_t)step * n, n, atol, rtol, what);
}

/* Parses `settings` into config for golden case c, failing the test, with
 * the case's name, if they do not parse. */
static void parse_case_settings(const OptimizerSpec *spec, const GoldenCase *c, int num_settings,
                                const char *const *settings, void *config)
{
    char err[512];
    ck_assert_msg(optimizer_config_parse(spec, config, num_settings, settings, err, sizeof err) == 0,
                  "case %s: %s", c->name, err);
}

void parse_golden_settings(const OptimizerSpec *spec, const GoldenCase *c, void *config)
{
    parse_case_settings(spec, c, c->num_settings, (const char *const *)c->settings, config);
}

void check_golden_case_with(const OptimizerSpec *spec, const GoldenCase *c,
                            int num_settings, const char *const *settings,
                            double atol, double rtol)
{
    check_golden_case_scheduled(spec, c, num_settings, settings, NULL, atol, rtol);
}

void check_golden_case_scheduled(const OptimizerSpec *spec, const GoldenCase *c,
                                 int num_settings, const char *const *settings,
                                 const GoldenScheduler *scheduler, double atol, double rtol)
{
    char err[512];
    void *config = malloc(spec->config_size);
    ck_assert_ptr_nonnull(config);
    parse_case_settings(spec, c, num_settings, settings, config);
    MemoryLedger ledger = {0};
    Tensor *param = tensor_new(&ledger, "param", TAG_PARAM, c->ndim, c->shape);
    Tensor *grad = tensor_new(&ledger, "grad", TAG_GRAD, c->ndim, c->shape);
    ck_assert(param && grad);
    memcpy(param->data, c->param, sizeof(float) * (size_t)c->numel);
    Optimizer *opt = spec->create((ParamList){1, &param, &grad}, config);
    ck_assert_ptr_nonnull(opt);
    if (scheduler)
        ck_assert_msg(scheduler->start(opt, scheduler->ctx, err, sizeof err) == 0, "case %s: %s",
                      c->name, err);
    for (int step = 0; step < c->steps; step++) {
        memcpy(grad->data, c->grad + (size_t)step * c->numel, sizeof(float) * (size_t)c->numel);
        optimizer_step(opt);
        if (scheduler)
            ck_assert_msg(scheduler->step(opt, scheduler->ctx, err, sizeof err) == 0,
                          "case %s, step %d: %s", c->name, step + 1, err);
        assert_golden_params(spec->name, c, step, param->data, atol, rtol);
        /* Every state the case records, the optimizer must keep. */
        for (int k = 0; k < c->num_states; k++) {
            int slot = -1;
            for (int s = 0; s < opt->num_slots; s++)
                if (strcmp(opt->slot_names[s], c->state_names[k]) == 0) slot = s;
            ck_assert_msg(slot >= 0, "case %s: the optimizer has no state '%s'", c->name,
                          c->state_names[k]);
            const Tensor *state = opt->slots[slot][0];
            ck_assert_msg(state && state->numel == (size_t)c->state_numel[k],
                          "case %s: state '%s' has %zu elements, the case %d", c->name,
                          c->state_names[k], state ? state->numel : 0, c->state_numel[k]);
            /* A byte state (lesson 10's 8-bit codes) is compared as its values. */
            float *values = state->bytes ? malloc(state->numel * sizeof *values) : NULL;
            for (size_t i = 0; values && i < state->numel; i++) values[i] = tensor_value(state, i);
            ck_assert(values || !state->bytes);
            assert_golden_state(spec->name, c, step, k, values ? values : state->data, atol, rtol);
            free(values);
        }
    }
    optimizer_free(opt);
    tensor_free(param);
    tensor_free(grad);
    free(config);
}

/* The arrays of f's states, state[k][n] each, set as f->start sets them
 * (0 without it); *count gets how many there are. Free them with free_states. */
static void new_states(const UpdateFunction *f, size_t n, const void *config, float *state[UPDATE_MAX_STATES],
                       int *count)
{
    *count = 0;
    for (int k = 0; k < UPDATE_MAX_STATES; k++) state[k] = NULL;
    for (; *count < UPDATE_MAX_STATES && f->state_names[*count]; (*count)++) {
        state[*count] = calloc(n, sizeof(float));
        ck_assert_ptr_nonnull(state[*count]);
    }
    if (f->start) f->start(state, n, config);
}

static void free_states(float *state[UPDATE_MAX_STATES])
{
    for (int k = 0; k < UPDATE_MAX_STATES; k++) free(state[k]);
}

void check_steps_by_hand(const UpdateFunction *f, const HandSteps *h, double rtol)
{
    float param[1] = {1.0f}, *state[UPDATE_MAX_STATES];
    int num_states;
    new_states(f, 1, h->config, state, &num_states);
    for (int t = 0; t < HAND_STEPS; t++) {
        f->step(param, &h->grad[t], state, 1, h->config, t + 1);
        char what[200];
        for (int k = 0; k < num_states; k++) {
            snprintf(what, sizeof what, "%s, %s: %s after step %d", f->name, h->name, f->state_names[k],
                     t + 1);
            ck_assert_close_msg(what, state[k][0], h->state[k][t], 0, rtol);
        }
        snprintf(what, sizeof what, "%s, %s: param after step %d", f->name, h->name, t + 1);
        ck_assert_close_msg(what, param[0], h->param[t], 0, rtol);
    }
    free_states(state);
}

void check_golden_update(const UpdateFunction *f, const GoldenCase *c, double atol, double rtol)
{
    void *config = malloc(f->spec->config_size);
    ck_assert_ptr_nonnull(config);
    parse_golden_settings(f->spec, c, config);
    size_t n = (size_t)c->numel;
    float *param = malloc(sizeof(float) * n), *state[UPDATE_MAX_STATES];
    ck_assert_ptr_nonnull(param);
    memcpy(param, c->param, sizeof(float) * n);
    int num_states;
    new_states(f, n, config, state, &num_states);
    for (int step = 0; step < c->steps; step++) {
        f->step(param, c->grad + (size_t)step * n, state, n, config, step + 1);
        assert_golden_params(f->name, c, step, param, atol, rtol);
        for (int k = 0; k < num_states; k++) {
            int recorded = golden_state_index(c, f->state_names[k]);
            if (recorded >= 0) assert_golden_state(f->name, c, step, recorded, state[k], atol, rtol);
        }
    }
    free_states(state);
    free(param);
    free(config);
}

void check_golden_update_atol_for(const UpdateFunction *f, const GoldenCase *c, const char *state,
                                  double state_atol, double rtol)
{
    /* f with `state` under a name no golden case records: not checked. */
    UpdateFunction without = *f;
    bool kept = false;
    for (int k = 0; k < UPDATE_MAX_STATES && f->state_names[k]; k++)
        if (strcmp(f->state_names[k], state) == 0) {
            without.state_names[k] = "(checked apart)";
            kept = true;
        }
    ck_assert_msg(kept, "%s keeps no state %s", f->name, state);
    check_golden_update(&without, c, 0.0, rtol);
    check_golden_update(f, c, state_atol, rtol);
}

void check_every_golden_update(const UpdateFunction *f, const char *file, const char *recorded,
                               const char *atol_state, GoldenCaseAtol *atol, double rtol)
{
    GoldenFile g;
    load_golden(file, &g);
    for (int k = 0; k < g.count; k++) {
        const GoldenCase *c = &g.cases[k];
        ck_assert_msg(golden_state_index(c, recorded) >= 0, "%s: case %s records no %s", file, c->name, recorded);
        double case_atol = atol ? atol(c) : 0.0;
        if (atol_state) check_golden_update_atol_for(f, c, atol_state, case_atol, rtol);
        else check_golden_update(f, c, case_atol, rtol);
    }
    golden_free(&g);
}

void assert_file_is(const char *path, const char *expected)
{
    char *text = read_text_file(path);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    ck_assert_msg(strcmp(text, expected) == 0, "%s holds:\n%s\nexpected:\n%s", path, text, expected);
    free(text);
}

int make_temp_dir(char *path, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(path, len, "%s/optimizers-test-XXXXXX", (tmp && *tmp) ? tmp : "/tmp");
    return mkdtemp(path) ? 0 : -1;
}

void stderr_catch(CaughtStderr *c)
{
    ck_assert(make_temp_dir(c->dir, sizeof c->dir) == 0);
    char path[600];
    snprintf(path, sizeof path, "%s/stderr", c->dir);
    fflush(stderr);
    c->saved_fd = dup(STDERR_FILENO);
    ck_assert_msg(c->saved_fd >= 0 && freopen(path, "w", stderr) != NULL, "cannot catch stderr in %s", path);
}

char *stderr_release(CaughtStderr *c)
{
    fflush(stderr);
    ck_assert(dup2(c->saved_fd, STDERR_FILENO) == STDERR_FILENO);
    close(c->saved_fd);
    char path[600];
    snprintf(path, sizeof path, "%s/stderr", c->dir);
    char *text = read_text_file(path);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    remove_tree(c->dir);
    return text;
}

void open_demo_report(Report *r, char *dir, size_t len)
{
    ck_assert(make_temp_dir(dir, len) == 0);
    ck_assert_int_eq(report_open(r, dir, "99_demo"), 0);
}

char *figure_script(const char *dir, const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.gp", dir, name);
    char *text = read_text_file(path);
    ck_assert_msg(text != NULL, "no %s", path);
    return text;
}

char *drawn_figure_script(const char *name, DrawFigure *draw, const void *ctx)
{
    char dir[512];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    Figure *fig = figure_open(dir, name);
    ck_assert_ptr_nonnull(fig);
    draw(fig, ctx);
    ck_assert_int_ge(figure_close(fig), 0);
    char *text = figure_script(dir, name);
    remove_tree(dir);
    return text;
}

const char *shell_quote(const char *text, char *out, size_t len)
{
    size_t used = 0;
    out[used++] = '\'';
    for (; *text; text++) {
        ck_assert_msg(used + 6 <= len, "shell_quote: no room for %s", text);
        if (*text == '\'') {   /* end the quotes, an escaped quote, quote again */
            memcpy(out + used, "'\\''", 4);
            used += 4;
        } else {
            out[used++] = *text;
        }
    }
    out[used++] = '\'';
    out[used] = '\0';
    return out;
}

void program_command(char *cmd, size_t len, const char *dir, const char *program, const char *args)
{
    char path[2048], quoted[4 * sizeof path];
    snprintf(path, sizeof path, "%s/%s", dir, program);
    int n = snprintf(cmd, len, "%s %s", shell_quote(path, quoted, sizeof quoted), args);
    ck_assert_msg(n >= 0 && (size_t)n < len, "program_command: no room for %s %s", program, args);
}

void program_command_in_shell(char *cmd, size_t len, const char *dir, const char *program, const char *args)
{
    char inner[4096], quoted[4 * sizeof inner];
    program_command(inner, sizeof inner, dir, program, args);
    int n = snprintf(cmd, len, "sh -c %s", shell_quote(inner, quoted, sizeof quoted));
    ck_assert_msg(n >= 0 && (size_t)n < len, "program_command_in_shell: no room for %s %s", program, args);
}

void remove_tree(const char *path)
{
    char quoted[4200], cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", shell_quote(path, quoted, sizeof quoted));
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", path);
}

int run_program(const char *command, const char *input, ProgramRun *run)
{
    memset(run, 0, sizeof *run);
    run->status = -1;
    char dir[512], in_path[600], out_path[600], err_path[600];
    char in_q[2500], out_q[2500], err_q[2500];
    if (make_temp_dir(dir, sizeof dir) != 0) return -1;
    snprintf(in_path, sizeof in_path, "%s/in", dir);
    snprintf(out_path, sizeof out_path, "%s/out", dir);
    snprintf(err_path, sizeof err_path, "%s/err", dir);
    FILE *in = fopen(in_path, "w");
    if (!in) {
        remove_tree(dir);
        return -1;
    }
    if (input) fputs(input, in);
    fclose(in);
    size_t cmdlen = strlen(command) + sizeof in_q + sizeof out_q + sizeof err_q + 32;
    char *cmd = malloc(cmdlen);
    if (!cmd) {
        remove_tree(dir);
        return -1;
    }
    /* The temporary directory comes from $TMPDIR, which may hold a space. */
    snprintf(cmd, cmdlen, "%s < %s > %s 2> %s", command, shell_quote(in_path, in_q, sizeof in_q),
             shell_quote(out_path, out_q, sizeof out_q), shell_quote(err_path, err_q, sizeof err_q));
    int raw = system(cmd);
    free(cmd);
    if (raw != -1 && WIFEXITED(raw)) run->status = WEXITSTATUS(raw);
    run->out = read_text_file(out_path);
    run->err = read_text_file(err_path);
    remove_tree(dir);
    return (run->out && run->err) ? 0 : -1;
}

void program_run_free(ProgramRun *run)
{
    free(run->out);
    free(run->err);
    run->out = run->err = NULL;
}

void assert_refused(const char *command, const char *input, const char *expected)
{
    ProgramRun run;
    ck_assert_msg(run_program(command, input, &run) == 0, "could not run %s", command);
    ck_assert_msg(run.status == 2, "%s: exit %d (stderr: %s)", command, run.status, run.err);
    ck_assert_msg(strstr(run.err, expected) != NULL, "%s: stderr was: %s", command, run.err);
    ck_assert_msg(strcmp(run.out, "") == 0, "%s printed: %s", command, run.out);
    program_run_free(&run);
}

static bool nonempty_file(const char *dir, const char *subdir, const char *name, const char *ext)
{
    char path[2400];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s/%s%s", dir, subdir, name, ext);
    return stat(path, &st) == 0 && st.st_size > 0;
}

size_t longest_line(const char *text, const char *skip, const char **where)
{
    size_t longest = 0, skip_len = strlen(skip);
    *where = text;
    for (const char *start = text; *start;) {
        const char *end = strchr(start, '\n');
        if (!end) end = start + strlen(start);
        size_t columns = 0;
        bool names_skip = false;
        for (const char *c = start; c < end; c++) {
            if (((unsigned char)*c & 0xC0) != 0x80) columns++;   /* 10xxxxxx continues a character */
            if ((size_t)(end - c) >= skip_len && strncmp(c, skip, skip_len) == 0) names_skip = true;
        }
        if (!names_skip && columns > longest) longest = columns, *where = start;
        start = *end ? end + 1 : end;
    }
    return longest;
}

/* Asserts that no line of text (`what` names it) is wider than the book's
 * BOOK_COLUMNS, but for lines that name the directory out_root: the reader
 * chose it, of any length. */
static void assert_fits_the_book(const char *what, const char *text, const char *out_root)
{
    const char *line;
    size_t width = longest_line(text, out_root, &line);
    ck_assert_msg(width <= BOOK_COLUMNS, "%s: a line of %zu columns, wider than the book's %d: %.*s", what,
                  width, BOOK_COLUMNS, (int)strcspn(line, "\n"), line);
}

/* Asserts that every table (.txt) in dir fits the book's width. Only
 * tables: a figure's data (inline in its gnuplot script, fig/NAME.gp) is
 * never printed and may be as wide as it is. */
static void assert_tables_fit_the_book(const char *dir, const char *out_root)
{
    DIR *tables = opendir(dir);
    ck_assert_msg(tables != NULL, "no directory %s", dir);
    for (struct dirent *e; (e = readdir(tables)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".txt") != 0) continue;
        char path[3000];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text = read_text_file(path);
        ck_assert_msg(text != NULL, "cannot read %s", path);
        assert_fits_the_book(e->d_name, text, out_root);
        free(text);
    }
    closedir(tables);
}

void check_lesson_smoke_run(const char *lesson, const char *expect_text,
                            const char *const *tables, const char *const *figures)
{
    /* An --out directory whose name a shell or gnuplot would split or end
     * early if the program or its scripts failed to quote it. */
    char dir[512], out_root[600], out_flag[700], args[3000], quoted[2900], cmd[4096], out_dir[600];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    snprintf(out_root, sizeof out_root, "%s/out root's copy", dir);
    snprintf(out_flag, sizeof out_flag, "--out=%s", out_root);
    snprintf(args, sizeof args, "--quick %s", shell_quote(out_flag, quoted, sizeof quoted));
    program_command(cmd, sizeof cmd, OPTIMIZERS_BIN_DIR, lesson, args);
    setenv("OPTIMIZERS_NO_GNUPLOT", "1", 1);
    ProgramRun run;
    ck_assert(run_program(cmd, NULL, &run) == 0);
    ck_assert_msg(run.status == 0, "%s: exit %d, stderr: %s", cmd, run.status, run.err);
    ck_assert_msg(strstr(run.out, expect_text) != NULL, "%s: no '%s' in its output", cmd, expect_text);
    snprintf(out_dir, sizeof out_dir, "out/%s", lesson);
    for (int i = 0; tables[i]; i++)
        ck_assert_msg(nonempty_file(out_root, out_dir, tables[i], ".txt"), "no table %s/%s.txt",
                      out_dir, tables[i]);
    for (int i = 0; figures[i]; i++)
        ck_assert_msg(nonempty_file(out_root, "fig", figures[i], ".gp"), "no figure script fig/%s.gp",
                      figures[i]);
    ck_assert(strstr(run.out, "gnuplot not found") != NULL);   /* and it said so */
    /* Nothing it printed or tabled is wider than the book's page. */
    assert_fits_the_book("stdout", run.out, out_root);
    assert_fits_the_book("stderr", run.err, out_root);
    char tables_dir[2000];
    snprintf(tables_dir, sizeof tables_dir, "%s/%s", out_root, out_dir);
    assert_tables_fit_the_book(tables_dir, out_root);
    program_run_free(&run);
    remove_tree(dir);
}

Problem *gpt_for_test(const GPTConfig *cfg, uint64_t seed)
{
    char err[256];
    Problem *p = gpt_new(cfg, seed, err, sizeof err);
    ck_assert_msg(p != NULL, "%s", err);
    return p;
}

/* LESSON run with ARGS and --out=DIR, into *run. */
static void run_lesson_at(const char *lesson, const char *args, const char *dir, ProgramRun *run)
{
    char quoted[600], all_args[4096], cmd[8192];
    snprintf(all_args, sizeof all_args, "%s --out=%s", args, shell_quote(dir, quoted, sizeof quoted));
    program_command(cmd, sizeof cmd, OPTIMIZERS_BIN_DIR, lesson, all_args);
    ck_assert_msg(run_program(cmd, NULL, run) == 0, "cannot run %s", cmd);
}

void run_lesson_program(const char *lesson, const char *args, ProgramRun *run)
{
    char dir[512];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    run_lesson_at(lesson, args, dir, run);
    remove_tree(dir);
}

char *lesson_values(const char *lesson)
{
    return lesson_values_with(lesson, "");
}

char *lesson_values_with(const char *lesson, const char *args)
{
    char dir[512], path[800];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    ProgramRun run;
    run_lesson_at(lesson, args, dir, &run);
    ck_assert_msg(run.status == 0, "%s: exit %d, stderr: %s", lesson, run.status, run.err);
    snprintf(path, sizeof path, "%s/out/%s/values.txt", dir, lesson);
    char *values = read_text_file(path);
    ck_assert_msg(values != NULL, "%s wrote no values.txt", lesson);
    program_run_free(&run);
    remove_tree(dir);
    return values;
}

double value_in(const char *values, const char *name)
{
    size_t len = strlen(name);
    for (const char *line = values; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, name, len) == 0 && line[len] == ' ') return strtod(line + len + 1, NULL);
    ck_abort_msg("no value %s", name);
    return NAN;
}

void assert_program_refuses(const char *program, const char *args, const char *input,
                            const char *expected)
{
    size_t len = strlen(args) + 4096;   /* 4096: the quoted path, as program_command allows */
    char *cmd = malloc(len);
    ck_assert_ptr_nonnull(cmd);
    program_command(cmd, len, OPTIMIZERS_BIN_DIR, program, args);
    assert_refused(cmd, input, expected);
    free(cmd);
}

void assert_program_refuses_all(const char *program, const Refusal *refusals, int n)
{
    for (int i = 0; i < n; i++)
        assert_program_refuses(program, refusals[i].args, refusals[i].input, refusals[i].expected);
}

void write_text_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    ck_assert_msg(fclose(f) == 0, "cannot write %s", path);
}

void assert_refused_briefly(const char *program, const char *args, const char *input,
                            const char *expected, size_t max_bytes)
{
    enum { XS = 100000 };
    const char *at = strchr(args, '@');
    ck_assert_msg(at != NULL, "assert_refused_briefly: no @ in %s", args);
    char *full = malloc(strlen(args) + XS);
    ck_assert_ptr_nonnull(full);
    size_t head = (size_t)(at - args);
    memcpy(full, args, head);
    memset(full + head, 'x', XS);
    strcpy(full + head + XS, at + 1);
    size_t len = strlen(full) + 4096;   /* 4096: the quoted path, as program_command allows */
    char *cmd = malloc(len);
    ck_assert_ptr_nonnull(cmd);
    program_command(cmd, len, OPTIMIZERS_BIN_DIR, program, full);
    ProgramRun run;
    ck_assert(run_program(cmd, input, &run) == 0);
    ck_assert_msg(run.status == 2, "%s %s...: exit %d", program, args, run.status);
    ck_assert_msg(strcmp(run.out, "") == 0, "%s %s printed: %.300s", program, args, run.out);
    ck_assert_msg(strstr(run.err, expected) != NULL, "%s %s: stderr was %.300s", program, args, run.err);
    ck_assert_msg(strlen(run.err) < max_bytes && strstr(run.err, "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'") != NULL,
                  "%s %s: %zu bytes of message: %.300s", program, args, strlen(run.err), run.err);
    program_run_free(&run);
    free(cmd);
    free(full);
}

void check_lesson_flags(const char *lesson)
{
    char cmd[4096];
    const char *helps[] = {"--help", "--steps=x --seed=0 -h", "--quick --help --steps=0"};
    for (int i = 0; i < 3; i++) {
        program_command(cmd, sizeof cmd, OPTIMIZERS_BIN_DIR, lesson, helps[i]);
        ProgramRun run;
        ck_assert(run_program(cmd, NULL, &run) == 0);
        ck_assert_msg(run.status == 0 && strcmp(run.err, "") == 0, "%s: exit %d: %s", cmd, run.status, run.err);
        ck_assert_msg(strstr(run.out, "usage: ") != NULL && strstr(run.out, "(1..100000, default ") != NULL,
                      "%s printed: %s", cmd, run.out);
        program_run_free(&run);
    }
    /* The help lost on a full device: status 1 and why, not 0. */
    program_command_in_shell(cmd, sizeof cmd, OPTIMIZERS_BIN_DIR, lesson, "--help > /dev/full");
    ProgramRun lost;
    ck_assert(run_program(cmd, NULL, &lost) == 0);
    ck_assert_msg(lost.status == 1 && strstr(lost.err, ": cannot write standard output: ") != NULL,
                  "%s: exit %d: %s", cmd, lost.status, lost.err);
    program_run_free(&lost);
    /* The --steps limit on both sides, a number that is not one, a negative
     * seed, a flag given twice, a bad boolean, a word that is not a flag;
     * and --out: a directory that cannot be made (assert_refused also checks
     * that nothing was printed: no work was done). */
    static const Refusal refusals[] = {
        {"--steps=100001", NULL, "--steps must be at most 100000 (got 100001)"},
        {"--steps=99999999999999999999", NULL, "--steps must be at most 100000"},
        {"--steps=-3", NULL, "--steps must be at least 1 (got -3)"},
        {"--steps=0", NULL, "--steps must be at least 1"},
        {"--steps=ten", NULL, "not an integer"},
        {"--seed=-1", NULL, "--seed must be >= 0"},
        {"extra", NULL, "unexpected argument"},
        {"--seed=1 --steps=10 --seed=2", NULL, "--seed is given twice"},
        {"--quick --quick=false", NULL, "--quick is given twice"},
        {"--quick=maybe", NULL, "--quick: 'maybe' is not true or false"},
        {"--quick --out=/proc/no/such/dir", NULL, "cannot create or write to /proc/no/such/dir/out/"},
    };
    assert_program_refuses_all(lesson, refusals, TABLE_SIZE(refusals));

    /* 100 000 bytes of garbage are quoted as their first 32 and "...". */
    assert_refused_briefly(lesson, "--steps=@", NULL, "--steps", 200);

    /* --out: a file where the directory should be. */
    char dir[512], file[600], flag[700], quoted[3000], args[3100];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    snprintf(file, sizeof file, "%s/a file", dir);
    write_text_file(file, "");
    snprintf(flag, sizeof flag, "--out=%s", file);
    snprintf(args, sizeof args, "--quick %s", shell_quote(flag, quoted, sizeof quoted));
    assert_program_refuses(lesson, args, NULL, "Not a directory");
    remove_tree(dir);
}

void check_lesson_train_flags(const char *lesson)
{
    /* A learning rate must be a positive finite number, a batch fit the
     * digits' 1437 training images. */
    static const Refusal refusals[] = {
        {"--lr=-0.1", NULL, "--lr must be positive"},
        {"--lr=nan", NULL, "not a finite float32 number"},
        {"--batch=5000", NULL, "--batch must be at most 1437 (got 5000)"},
        {"--batch=0", NULL, "--batch must be at least"},
    };
    assert_program_refuses_all(lesson, refusals, TABLE_SIZE(refusals));
}

void check_lesson_flags_without_training(const char *lesson)
{
    /* check_lesson_flags refuses the bad --steps, --seed and --quick. */
    check_lesson_flags(lesson);
    assert_program_refuses(lesson, "--lr=0.1", NULL, "--lr");
}

/* The program whose tests add_lesson_program_tests added: Check passes a
 * test nothing but a row number, and a test program checks one lesson. */
static const LessonProgram *program_under_test;

START_TEST(test_program_smoke_run)
{
    const LessonProgram *p = program_under_test;
    check_lesson_smoke_run(p->lesson, p->expect_text, p->tables, p->figures);
}
END_TEST

START_TEST(test_program_flags_follow_the_rules)
{
    const LessonProgram *p = program_under_test;
    switch (p->flags) {
    case LESSON_FLAGS_SHARED: check_lesson_flags(p->lesson); break;
    case LESSON_FLAGS_TRAINING:
        check_lesson_flags(p->lesson);
        check_lesson_train_flags(p->lesson);
        break;
    case LESSON_FLAGS_WITHOUT_TRAINING: check_lesson_flags_without_training(p->lesson); break;
    }
    if (p->refusals) assert_program_refuses_all(p->lesson, p->refusals, p->num_refusals);
}
END_TEST

void add_lesson_program_tests(TCase *core, TCase *limits, const LessonProgram *program)
{
    if (program_under_test && program_under_test != program) {
        fprintf(stderr, "add_lesson_program_tests: %s after %s: one program a test program\n",
                program->lesson, program_under_test->lesson);
        abort();
    }
    program_under_test = program;
    tcase_add_test(core, test_program_smoke_run);
    tcase_add_test(limits, test_program_flags_follow_the_rules);
}

const GoldenCase *load_golden_tolerance_case(const char *file, const GoldenTolerance *t,
                                             GoldenFile *g)
{
    const GoldenCase *c = load_golden_case(file, t->name, g);
    ck_assert_msg(c->steps <= t->max_steps, "case %s has %d steps: more than its tolerance allows",
                  c->name, c->steps);
    return c;
}

void check_golden_tolerance(const OptimizerSpec *spec, const char *file, const GoldenTolerance *t,
                            const char *state)
{
    GoldenFile g;
    const GoldenCase *c = load_golden_tolerance_case(file, t, &g);
    if (state) ck_assert_msg(golden_state_index(c, state) >= 0, "case %s records no %s", c->name, state);
    check_golden_case(spec, c, t->atol, t->rtol);
    golden_free(&g);
}

const GoldenTolerance *golden_tolerance_of(const char *name, const GoldenTolerance *tolerances,
                                           int count)
{
    for (int i = 0; i < count; i++)
        if (strcmp(tolerances[i].name, name) == 0) return &tolerances[i];
    ck_abort_msg("no tolerance for case %s", name);
    return NULL;
}

void assert_every_golden_case_has_a_tolerance(const char *file, const GoldenTolerance *tolerances,
                                              int count, bool in_order)
{
    GoldenFile g;
    load_golden(file, &g);
    ck_assert_int_eq(g.count, count);
    for (int i = 0; i < g.count; i++) {
        if (in_order) ck_assert_str_eq(g.cases[i].name, tolerances[i].name);
        else golden_tolerance_of(g.cases[i].name, tolerances, count);
    }
    golden_free(&g);
}

/* Case c with only the states named in names[count] (the rest are not checked). */
static GoldenCase golden_case_with_states(const GoldenCase *c,
                                          const char *const *names /* [count] */, int count)
{
    GoldenCase kept = *c;
    kept.num_states = 0;
    for (int k = 0; k < c->num_states; k++)
        for (int i = 0; i < count; i++)
            if (strcmp(c->state_names[k], names[i]) == 0) {
                int j = kept.num_states++;
                memcpy(kept.state_names[j], c->state_names[k], sizeof kept.state_names[0]);
                memcpy(kept.state_shape[j], c->state_shape[k], sizeof kept.state_shape[0]);
                kept.state[j] = c->state[k];
                kept.state_ndim[j] = c->state_ndim[k];
                kept.state_numel[j] = c->state_numel[k];
            }
    return kept;
}

HandSteps adam_steps_in_double(const AdamSettings *s, const char *name, const void *config,
                               const float *grad /* [HAND_STEPS] */)
{
    HandSteps h = {.name = name, .config = config, .grad = {grad[0], grad[1]}};
    double p = 1.0, exp_avg = 0.0, exp_avg_sq = 0.0, max_exp_avg_sq = 0.0;
    for (int t = 1; t <= HAND_STEPS; t++) {
        double g = s->maximize ? -h.grad[t - 1] : h.grad[t - 1];
        if (s->decoupled)
            p *= 1 - s->lr * s->weight_decay;   /* the decay never enters g */
        else
            g += s->weight_decay * p;
        exp_avg = s->beta1 * exp_avg + (1 - s->beta1) * g;
        exp_avg_sq = s->beta2 * exp_avg_sq + (1 - s->beta2) * g * g;
        max_exp_avg_sq = fmax(max_exp_avg_sq, exp_avg_sq);
        double second = s->amsgrad ? max_exp_avg_sq : exp_avg_sq;
        p -= s->lr / (1 - pow(s->beta1, t)) * exp_avg /
             (sqrt(second / (1 - pow(s->beta2, t))) + s->eps);
        h.state[0][t - 1] = exp_avg;
        h.state[1][t - 1] = exp_avg_sq;
        h.state[2][t - 1] = s->amsgrad ? max_exp_avg_sq : 0.0;
        h.param[t - 1] = p;
    }
    return h;
}

void assert_spec_refuses_as_torch_adam(const OptimizerSpec *spec)
{
    ASSERT_SPEC_REFUSES(spec, "Invalid learning rate: -0.01", "lr=-0.01");
    ASSERT_SPEC_REFUSES(spec, "Invalid epsilon value: -1e-08", "eps=-1e-8");
    ASSERT_SPEC_REFUSES(spec, "Invalid beta parameter at index 0: 1", "betas=1,0.999");
    ASSERT_SPEC_REFUSES(spec, "Invalid beta parameter at index 0: -0.1", "betas=-0.1,0.999");
    ASSERT_SPEC_REFUSES(spec, "Invalid beta parameter at index 1: 1", "betas=0.9,1");
    ASSERT_SPEC_REFUSES(spec, "Invalid beta parameter at index 1: -0.5", "betas=0.9,-0.5");
    ASSERT_SPEC_REFUSES(spec, "Invalid learning rate", "weight_decay=-1", "betas=2,2", "eps=-1",
                        "lr=-1");
    ASSERT_SPEC_REFUSES(spec, "Invalid epsilon value", "weight_decay=-1", "betas=2,2", "eps=-1");
    ASSERT_SPEC_REFUSES(spec, "Invalid beta parameter at index 0", "weight_decay=-1", "betas=2,2");
    ASSERT_SPEC_REFUSES(spec, "Invalid beta parameter at index 1", "weight_decay=-1",
                        "betas=0.9,2");
    assert_validate_refuses_nan(spec, "lr", "Invalid learning rate: nan");
    assert_validate_refuses_nan(spec, "eps", "Invalid epsilon value: nan");
}

void check_adam_golden_case(const OptimizerSpec *spec, const GoldenCase *c, bool amsgrad,
                            int num_settings, const char *const *settings, double exp_avg_atol,
                            double rtol)
{
    ck_assert_msg(golden_state_index(c, "exp_avg") >= 0 && golden_state_index(c, "exp_avg_sq") >= 0,
                  "case %s records no exp_avg or exp_avg_sq", c->name);
    ck_assert_msg(!amsgrad || golden_state_index(c, "max_exp_avg_sq") >= 0,
                  "case %s records no max_exp_avg_sq", c->name);
    const char *squares[] = {"exp_avg_sq", "max_exp_avg_sq"}, *first[] = {"exp_avg"};
    GoldenCase second_moments = golden_case_with_states(c, squares, 2),
               first_moment = golden_case_with_states(c, first, 1);
    if (num_settings < 0) {
        num_settings = c->num_settings;
        settings = (const char *const *)c->settings;
    }
    check_golden_case_with(spec, &second_moments, num_settings, settings, 0.0, rtol);
    check_golden_case_with(spec, &first_moment, num_settings, settings, exp_avg_atol, rtol);
}

/* spec's option named key, or NULL. */
static const OptionSpec *spec_option(const OptimizerSpec *spec, const char *key)
{
    for (const OptionSpec *o = spec->options; o->key; o++)
        if (strcmp(o->key, key) == 0) return o;
    return NULL;
}

void check_adam_state_follows_the_settings(const OptimizerSpec *spec, const void *plain,
                                           const void *amsgrad, double rtol)
{
    const char *names[3] = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
    for (int with_amsgrad = 0; with_amsgrad <= 1; with_amsgrad++) {
        const void *cfg = with_amsgrad ? amsgrad : plain;
        const int count = with_amsgrad ? 3 : 2;
        float at_creation[3], after_steps[3];
        check_states_allocated_once(spec, cfg, names, count, 0.5f, 3, at_creation, after_steps);
        for (int k = 0; k < count; k++) ck_assert(at_creation[k] == 0.0f);
        ck_assert_close(after_steps[0], 0.5 * (1 - pow(0.9, 3)), 0, rtol);
        ck_assert_close(after_steps[1], 0.25 * (1 - pow(0.999, 3)), 0, rtol);
        if (with_amsgrad) ck_assert(after_steps[2] == after_steps[1]);
        /* optimizer_state_bytes of a one-element parameter */
        size_t state_bytes;
        two_steps_changing_lr(spec, cfg, 0.1f, &state_bytes);
        ck_assert_uint_eq(state_bytes, (size_t)count * sizeof(float));
    }
    /* ... and the step count is PyTorch's state["step"]. */
    ck_assert(spec->state_has_step);
}

void assert_validate_refuses_nan(const OptimizerSpec *spec, const char *key, const char *expected)
{
    const OptionSpec *o = spec_option(spec, key);
    ck_assert_msg(o && o->type == OPT_FLOAT, "%s has no float option %s", spec->name, key);
    ck_assert_msg(spec->validate != NULL, "%s has no validate", spec->name);
    unsigned char *config = malloc(spec->config_size);
    ck_assert_ptr_nonnull(config);
    memcpy(config, spec->defaults, spec->config_size);
    *(float *)(config + o->offset) = NAN;
    char buf[256];
    const char *message = spec->validate(config, buf, sizeof buf);
    ck_assert_msg(message && strcmp(message, expected) == 0, "%s with %s=nan: got \"%s\", expected \"%s\"",
                  spec->name, key, message ? message : "(accepted)", expected);
    free(config);
}

void assert_spec_keys(const OptimizerSpec *spec, const char *const *keys, int count)
{
    for (int i = 0; i < count; i++)
        ck_assert_msg(spec_option(spec, keys[i]) != NULL, "%s has no option %s", spec->name, keys[i]);
}

/* The number option o holds in config (which: 0, or 1 for an OPT_DOUBLE2's
 * second), widened to double exactly (NAN for None). */
static double option_number(const OptionSpec *o, const void *config, int which)
{
    const char *field = (const char *)config + o->offset;
    switch (o->type) {
    case OPT_INT: return *(const int *)field;
    case OPT_FLOAT: return *(const float *)field;
    case OPT_DOUBLE: return *(const double *)field;
    case OPT_BOOL: return *(const bool *)field;
    case OPT_DOUBLE2:
    case OPT_DOUBLE2_NONE: return ((const double *)field)[which];
    case OPT_STRING: break;
    }
    ck_abort_msg("option %s: not a number (assert_spec_defaults checks numbers only)", o->key);
    return 0;
}

/* A number as option o would hold it: rounded to float, int or bool. */
static double as_stored(const OptionSpec *o, double value)
{
    switch (o->type) {
    case OPT_INT: return (int)value;
    case OPT_FLOAT: return (float)value;
    case OPT_BOOL: return value != 0;
    case OPT_DOUBLE:
    case OPT_DOUBLE2:
    case OPT_DOUBLE2_NONE:
    case OPT_STRING: break;
    }
    return value;
}

void assert_spec_defaults(const OptimizerSpec *spec, const char *name, const char *torch_name,
                          const void *defaults, const PytorchDefault *pytorch /* [count] */, int count)
{
    ck_assert_str_eq(spec->name, name);
    ck_assert_str_eq(spec->torch_name, torch_name);
    void *parsed = malloc(spec->config_size);
    ck_assert_ptr_nonnull(parsed);
    char err[256];
    ck_assert_msg(optimizer_config_parse(spec, parsed, 0, NULL, err, sizeof err) == 0, "%s", err);
    for (int i = 0; i < count; i++) {
        const OptionSpec *o = spec_option(spec, pytorch[i].key);
        ck_assert_msg(o != NULL, "%s has no option %s", spec->name, pytorch[i].key);
        int numbers = o->type == OPT_DOUBLE2 || o->type == OPT_DOUBLE2_NONE ? 2 : 1;
        for (int which = 0; which < numbers; which++) {
            double want = as_stored(o, pytorch[i].value[which]);
            double got = option_number(o, defaults, which);
            /* NAN stands for PyTorch's None (eps=(None, 1e-3)): equal to itself here */
            ck_assert_msg(got == want || (isnan(got) && isnan(want)),
                          "%s's default %s is %.9g, PyTorch's is %.9g", spec->name, o->key, got, want);
            double reparsed = option_number(o, parsed, which);
            ck_assert_msg(reparsed == got || (isnan(reparsed) && isnan(got)),
                          "%s parsed from no settings holds %s = %.9g, its defaults %.9g", spec->name,
                          o->key, option_number(o, parsed, which), got);
        }
    }
    /* No keyword the list leaves out: each one's default is checked above. */
    for (const OptionSpec *o = spec->options; o->key; o++) {
        bool listed = false;
        for (int i = 0; i < count; i++) listed = listed || strcmp(pytorch[i].key, o->key) == 0;
        ck_assert_msg(listed, "%s's option %s is not among PyTorch's keyword arguments", spec->name, o->key);
    }
    free(parsed);
}

enum { CORE_TIMEOUT_S = 300, LIMITS_TIMEOUT_S = 60 };   /* Core runs the whole program */

Suite *lesson_suite(const char *name, const LessonTest *core, const LessonTest *limits,
                    const LessonProgram *program)
{
    Suite *suite = suite_create(name);
    const struct {
        const char *name;
        const LessonTest *tests;
        double timeout_s;
    } cases[] = {{"Core", core, CORE_TIMEOUT_S}, {"Limits", limits, LIMITS_TIMEOUT_S}};
    TCase *tcases[TABLE_SIZE(cases)];
    for (int i = 0; i < TABLE_SIZE(cases); i++) {
        tcases[i] = tcase_create(cases[i].name);
        for (const LessonTest *t = cases[i].tests; t->test; t++)
            tcase_add_loop_test(tcases[i], *t->test, 0, t->runs);
        tcase_set_timeout(tcases[i], cases[i].timeout_s);
        suite_add_tcase(suite, tcases[i]);
    }
    if (program) add_lesson_program_tests(tcases[0], tcases[1], program);
    return suite;
}

Suite *lesson_suite_of_files(const char *name, AddTests *const *adders)
{
    Suite *suite = suite_create(name);
    TCase *core = tcase_create("Core"), *limits = tcase_create("Limits");
    for (int i = 0; adders[i]; i++) adders[i](core, limits);
    tcase_set_timeout(core, CORE_TIMEOUT_S);
    tcase_set_timeout(limits, LIMITS_TIMEOUT_S);
    suite_add_tcase(suite, core);
    suite_add_tcase(suite, limits);
    return suite;
}
