/* testing.c - helpers for the Check suites (see testing.h). */
#include "testing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

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
    opt->lr = second_lr;
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

void check_golden_case(const OptimizerSpec *spec, const GoldenCase *c,
                       double atol, double rtol)
{
    check_golden_case_with(spec, c, c->num_settings, (const char *const *)c->settings, atol, rtol);
}

void check_golden_case_with(const OptimizerSpec *spec, const GoldenCase *c,
                            int num_settings, const char *const *settings,
                            double atol, double rtol)
{
    char err[512];
    void *config = malloc(spec->config_size);
    ck_assert_msg(optimizer_config_parse(spec, config, num_settings, settings, err, sizeof err) == 0,
                  "case %s: %s", c->name, err);
    MemoryLedger ledger = {0};
    Tensor *param = tensor_new(&ledger, "param", TAG_PARAM, c->ndim, c->shape);
    Tensor *grad = tensor_new(&ledger, "grad", TAG_GRAD, c->ndim, c->shape);
    ck_assert(param && grad);
    memcpy(param->data, c->param, sizeof(float) * (size_t)c->numel);
    Optimizer *opt = spec->create((ParamList){1, &param, &grad}, config);
    ck_assert_ptr_nonnull(opt);
    for (int step = 0; step < c->steps; step++) {
        memcpy(grad->data, c->grad + (size_t)step * c->numel, sizeof(float) * (size_t)c->numel);
        optimizer_step(opt);
        /* Compare each element at the largest magnitude it has had so far:
         * p - lr*g rounds at the scale of its operands, so once steps cancel
         * most of p the error left by earlier steps is absolute, not relative. */
        const float *expected = c->expect + (size_t)step * c->numel;
        for (int j = 0; j < c->numel; j++) {
            double scale = fabs(c->param[j]);
            for (int t = 0; t <= step; t++) scale = fmax(scale, fabs(c->expect[(size_t)t * c->numel + j]));
            ck_assert_msg(fabs((double)param->data[j] - expected[j]) <= atol + rtol * scale,
                          "case %s, step %d, param[%d] = %.9g, expected %.9g (atol %g, rtol %g of %g)",
                          c->name, step + 1, j, param->data[j], expected[j], atol, rtol, scale);
        }
        char what[160];
        for (int k = 0; k < c->num_states; k++) {
            int slot = -1;
            for (int s = 0; s < opt->num_slots; s++)
                if (strcmp(opt->slot_names[s], c->state_names[k]) == 0) slot = s;
            ck_assert_msg(slot >= 0, "case %s: the optimizer has no state '%s'", c->name,
                          c->state_names[k]);
            snprintf(what, sizeof what, "case %s, step %d, %s", c->name, step + 1, c->state_names[k]);
            ck_assert_all_close(opt->slots[slot][0]->data, c->state[k] + (size_t)step * c->numel,
                                (size_t)c->numel, atol, rtol, what);
        }
    }
    optimizer_free(opt);
    tensor_free(param);
    tensor_free(grad);
    free(config);
}

/* read_whole's view of a stdio stream. */
static long file_chunk(void *source, char *buf, size_t room)
{
    size_t n = fread(buf, 1, room, (FILE *)source);
    return n == 0 && ferror((FILE *)source) ? -1 : (long)n;
}

char *read_text_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *text;
    read_whole(file_chunk, f, &text, NULL);   /* text is NULL if that failed */
    fclose(f);
    return text;
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
    program_run_free(&run);
    remove_tree(dir);
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
    const char *helps[] = {"--help", "--steps=x --lr=0 -h", "--quick --help --steps=0"};
    for (int i = 0; i < 3; i++) {
        program_command(cmd, sizeof cmd, OPTIMIZERS_BIN_DIR, lesson, helps[i]);
        ProgramRun run;
        ck_assert(run_program(cmd, NULL, &run) == 0);
        ck_assert_msg(run.status == 0 && strcmp(run.err, "") == 0, "%s: exit %d: %s", cmd, run.status, run.err);
        ck_assert_msg(strstr(run.out, "usage: ") != NULL && strstr(run.out, "(1..100000, default ") != NULL,
                      "%s printed: %s", cmd, run.out);
        program_run_free(&run);
    }
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
        {"--lr=0.1 --steps=10 --lr=0.2", NULL, "--lr is given twice"},
        {"--quick --quick=false", NULL, "--quick is given twice"},
        {"--quick=maybe", NULL, "--quick: 'maybe' is not true or false"},
        {"--quick --out=/proc/no/such/dir", NULL, "cannot create or write to /proc/no/such/dir/out/"},
    };
    assert_program_refuses_all(lesson, refusals, TABLE_SIZE(refusals));

    /* 100 000 bytes of garbage are quoted as their first 32 and "...". */
    assert_refused_briefly(lesson, "--lr=@", NULL, "--lr", 200);

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
        {"--batch=5000", NULL, "--batch must be between 1 and 1437"},
    };
    assert_program_refuses_all(lesson, refusals, TABLE_SIZE(refusals));
}

void check_golden_tolerance(const OptimizerSpec *spec, const char *file, const GoldenTolerance *t,
                            const char *state)
{
    GoldenFile g;
    const GoldenCase *c = load_golden_case(file, t->name, &g);
    ck_assert_msg(c->steps <= t->max_steps, "case %s has %d steps: more than its tolerance allows",
                  c->name, c->steps);
    if (state) ck_assert_msg(golden_state_index(c, state) >= 0, "case %s records no %s", c->name, state);
    check_golden_case(spec, c, t->atol, t->rtol);
    golden_free(&g);
}

void assert_spec_keys(const OptimizerSpec *spec, const char *const *keys, int count)
{
    for (int i = 0; i < count; i++) {
        bool found = false;
        for (const OptionSpec *o = spec->options; o->key; o++) found = found || strcmp(o->key, keys[i]) == 0;
        ck_assert_msg(found, "%s has no option %s", spec->name, keys[i]);
    }
}
