/* testing.c - helpers for the Check suites (see testing.h). */
#include "testing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

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

char *read_text_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) buf[len] = '\0';
    return buf;
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

/* Asserts that `LESSON args` is refused with a message holding `expected`. */
static void assert_lesson_refuses(const char *lesson, const char *args, const char *expected)
{
    size_t len = strlen(args) + 4096;
    char *cmd = malloc(len);
    ck_assert_ptr_nonnull(cmd);
    program_command(cmd, len, OPTIMIZERS_BIN_DIR, lesson, args);
    assert_refused(cmd, NULL, expected);
    free(cmd);
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
    assert_lesson_refuses(lesson, "--steps=100001", "--steps must be at most 100000 (got 100001)");
    assert_lesson_refuses(lesson, "--steps=99999999999999999999", "--steps must be at most 100000");
    assert_lesson_refuses(lesson, "--steps=-3", "--steps must be at least 1 (got -3)");
    assert_lesson_refuses(lesson, "--lr=0.1 --steps=10 --lr=0.2", "--lr is given twice");
    assert_lesson_refuses(lesson, "--quick --quick=false", "--quick is given twice");
    assert_lesson_refuses(lesson, "--quick=maybe", "--quick: 'maybe' is not true or false");

    /* 100 000 bytes of garbage are quoted as their first 32 and "...". */
    char *garbage = malloc(100010);
    ck_assert_ptr_nonnull(garbage);
    strcpy(garbage, "--lr=");
    memset(garbage + 5, 'x', 100000);
    garbage[100005] = '\0';
    program_command(cmd, sizeof cmd, OPTIMIZERS_BIN_DIR, lesson, "");
    char *long_cmd = malloc(strlen(cmd) + strlen(garbage) + 1);
    ck_assert_ptr_nonnull(long_cmd);
    sprintf(long_cmd, "%s%s", cmd, garbage);
    ProgramRun run;
    ck_assert(run_program(long_cmd, NULL, &run) == 0);
    ck_assert_int_eq(run.status, 2);
    ck_assert_msg(strlen(run.err) < 200 && strstr(run.err, "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'") != NULL,
                  "%zu bytes on stderr: %.200s", strlen(run.err), run.err);
    program_run_free(&run);
    free(long_cmd);
    free(garbage);

    /* --out: a directory that cannot be made, or a file where it should be.
     * assert_refused also checks that nothing was printed: no work was done. */
    assert_lesson_refuses(lesson, "--quick --out=/proc/no/such/dir", "cannot create or write to /proc/no/such/dir/out/");
    char dir[512], file[600], flag[700], quoted[3000], args[3100];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    snprintf(file, sizeof file, "%s/a file", dir);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    snprintf(flag, sizeof flag, "--out=%s", file);
    snprintf(args, sizeof args, "--quick %s", shell_quote(flag, quoted, sizeof quoted));
    assert_lesson_refuses(lesson, args, "Not a directory");
    remove_tree(dir);
}
