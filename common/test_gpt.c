/* test_gpt.c - tests of the tiny GPT (gpt.h) and its text (charlang.h):
 * shapes and parameter counts, initialisation, determinism, the text's exact
 * entropies against Monte-Carlo estimates, sampling and bad configs. Its
 * gradients are checked in test_gpt_grad.c; that an optimizer trains it is
 * lesson 05's test (common/ cannot see the lessons' optimizers). Registered
 * by test_common.c through add_gpt_tests(). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpt.h"
#include "ops.h"
#include "rng.h"
#include "testing.h"

/* ---- shapes, names, counts ------------------------------------------------------------------ */

START_TEST(test_parameter_names_shapes_and_count)
{
    GPTConfig cfg = GPT_DEFAULTS;
    Problem *p = gpt_for_test(&cfg, 1);
    /* V C + T C + L (12 C^2 + 13 C) + 2 C with V = 27, T = 32, C = 64, L = 2:
     * 1728 + 2048 + 2 * 49984 + 128 = 103872 */
    ck_assert_int_eq(gpt_num_params(&cfg), 103872);
    ck_assert_int_eq(paramlist_numel(&p->params), 103872);
    ck_assert_int_eq(p->params.count, 2 + 2 * 12 + 2);
    const struct { const char *name; int rows, cols; } expected[] = {
        {"wte.weight", 27, 64}, {"wpe.weight", 32, 64},
        {"h.0.ln_1.weight", 64, 0}, {"h.0.ln_1.bias", 64, 0},
        {"h.0.attn.c_attn.weight", 192, 64}, {"h.0.attn.c_attn.bias", 192, 0},
        {"h.0.attn.c_proj.weight", 64, 64}, {"h.0.attn.c_proj.bias", 64, 0},
        {"h.0.ln_2.weight", 64, 0}, {"h.0.ln_2.bias", 64, 0},
        {"h.0.mlp.c_fc.weight", 256, 64}, {"h.0.mlp.c_fc.bias", 256, 0},
        {"h.0.mlp.c_proj.weight", 64, 256}, {"h.0.mlp.c_proj.bias", 64, 0},
        {"h.1.ln_1.weight", 64, 0},
    };
    for (int i = 0; i < TABLE_SIZE(expected); i++) {
        const Tensor *t = p->params.params[i], *g = p->params.grads[i];
        ck_assert_str_eq(t->name, expected[i].name);
        ck_assert_int_eq(t->ndim, expected[i].cols ? 2 : 1);
        ck_assert_int_eq(t->shape[0], expected[i].rows);
        if (expected[i].cols) ck_assert_int_eq(t->shape[1], expected[i].cols);
        ck_assert(tensor_same_shape(t, g));
        char grad_name[TENSOR_NAME_LEN + 8];
        snprintf(grad_name, sizeof grad_name, "%s.grad", t->name);
        ck_assert_str_eq(g->name, grad_name);
    }
    ck_assert_str_eq(p->params.params[26]->name, "ln_f.weight");
    ck_assert_str_eq(p->params.params[27]->name, "ln_f.bias");
    ck_assert_int_eq(paramlist_find(&p->params, "h.1.mlp.c_proj.weight"), 2 + 12 + 10);
    /* what the ledger counts: parameters and gradients, 4 bytes each */
    ck_assert_int_eq(p->ledger.live[TAG_PARAM], 4 * 103872);
    ck_assert_int_eq(p->ledger.live[TAG_GRAD], 4 * 103872);
    problem_free(p);
    /* the formula at other sizes, against the tensors themselves */
    const char *sizes[] = {":quick", ":n_layer=1:n_embd=24:n_head=3:block_size=5", ":n_layer=3:n_embd=16"};
    for (int i = 0; i < 3; i++) {
        char err[256];
        ck_assert_int_eq(gpt_config_parse(sizes[i], &cfg, err, sizeof err), 0);
        p = gpt_for_test(&cfg, 1);
        ck_assert_int_eq(paramlist_numel(&p->params), gpt_num_params(&cfg));
        ck_assert_int_eq(p->params.count, 4 + 12 * cfg.n_layer);
        problem_free(p);
    }
}
END_TEST

START_TEST(test_initialisation)
{
    GPTConfig cfg = GPT_DEFAULTS;
    Problem *p = gpt_for_test(&cfg, 1);
    const ParamList *l = &p->params;
    ck_assert_float_eq(l->params[paramlist_find(l, "h.1.ln_2.weight")]->data[5], 1.0f);
    ck_assert_float_eq(l->params[paramlist_find(l, "ln_f.bias")]->data[5], 0.0f);
    ck_assert_float_eq(l->params[paramlist_find(l, "h.0.mlp.c_fc.bias")]->data[5], 0.0f);
    /* normal weights of std 0.02; the residual projections 0.02 / sqrt(2 n_layer) = 0.01 */
    const Tensor *fc = l->params[paramlist_find(l, "h.0.mlp.c_fc.weight")];
    const Tensor *proj = l->params[paramlist_find(l, "h.1.mlp.c_proj.weight")];
    ck_assert_close(tensor_norm(fc) / sqrt((double)fc->numel), 0.02, 0, 0.02);   /* 16384 draws: 1% spread */
    ck_assert_close(tensor_norm(proj) / sqrt((double)proj->numel), 0.01, 0, 0.02);
    /* Small weights: the first predictions are nearly uniform over the 27
     * characters. The logits are ln_f's output (unit variance) times wte (std
     * 0.02) summed over 64 channels, std 0.16, which adds about half their
     * variance, 0.013, and noise to log 27: 0.1 is a wide margin. */
    ck_assert_close(p->loss_and_grad(p, (int[]){0, 1, 2, 3}, 4), log(27.0), 0.1, 0);
    ck_assert_close(gpt_validation_loss(p), log(27.0), 0.1, 0);
    problem_free(p);
}
END_TEST

START_TEST(test_determinism)
{
    GPTConfig cfg = GPT_QUICK;
    Problem *a = gpt_for_test(&cfg, 11), *b = gpt_for_test(&cfg, 11), *c = gpt_for_test(&cfg, 12);
    size_t n = paramlist_numel(&a->params);
    float *pa = malloc(sizeof(float) * n), *pb = malloc(sizeof(float) * n), *pc = malloc(sizeof(float) * n);
    paramlist_get(&a->params, pa);
    paramlist_get(&b->params, pb);
    paramlist_get(&c->params, pc);
    ck_assert(memcmp(pa, pb, sizeof(float) * n) == 0);
    ck_assert(memcmp(pa, pc, sizeof(float) * n) != 0);
    /* the same loss and gradient, bit for bit */
    int idx[5] = {3, 1, 4, 1, 5};
    ck_assert(a->loss_and_grad(a, idx, 5) == b->loss_and_grad(b, idx, 5));
    paramlist_get_grads(&a->params, pa);
    paramlist_get_grads(&b->params, pb);
    ck_assert(memcmp(pa, pb, sizeof(float) * n) == 0);
    /* the seed draws the initialisation, never the text */
    size_t la, lc;
    const unsigned char *ta = gpt_text(a, 0, &la), *tc = gpt_text(c, 0, &lc);
    ck_assert(la == lc && memcmp(ta, tc, la) == 0);
    /* reset puts the parameters back where the same seed put them */
    a->reset(a, 99);
    a->reset(a, 12);
    paramlist_get(&a->params, pa);
    ck_assert(memcmp(pa, pc, sizeof(float) * n) == 0);
    problem_free(a), problem_free(b), problem_free(c);
    free(pa), free(pb), free(pc);
}
END_TEST

/* ---- the text -------------------------------------------------------------------------------- */

START_TEST(test_language_entropies)
{
    char err[256];
    CharLang *lang = charlang_new(&CHARLANG_DEFAULTS, err, sizeof err);
    ck_assert_msg(lang, "%s", err);
    const double *H = lang->entropy;
    /* each character of context helps, the third one too: a model must look three back */
    ck_assert(H[0] > H[1] + 1.0 && H[1] > H[2] + 0.3 && H[2] > H[3] + 0.3 && H[3] > 0.3);
    ck_assert(H[0] < log(27.0));
    /* the numbers charlang.h quotes for the book's language */
    double quoted[4] = {3.104, 1.638, 1.156, 0.541};
    for (int k = 0; k < 4; k++) ck_assert_close_msg("entropy", H[k], quoted[k], 5e-4, 0);
    ck_assert_close(charlang_window_floor(lang, 32), 0.675, 5e-4, 0);
    /* the window floor: positions 0, 1, 2 have less context */
    ck_assert_close(charlang_window_floor(lang, 32), (H[0] + H[1] + H[2] + 29 * H[3]) / 32, 1e-15, 1e-12);
    ck_assert_close(charlang_window_floor(lang, 2), (H[0] + H[1]) / 2, 1e-15, 1e-12);
    /* the stationary distribution: sums to 1, and one step of the chain keeps it */
    double total = 0.0, moved = 0.0;
    double *next = calloc(CHARLANG_CONTEXTS, sizeof(double));
    for (int ctx = 0; ctx < CHARLANG_CONTEXTS; ctx++) {
        total += lang->stationary[ctx];
        double p_sum = 0.0;
        for (int k = 0; k < lang->count[ctx]; k++) {
            next[ctx % (27 * 27) * 27 + lang->next[ctx][k]] += lang->stationary[ctx] * lang->prob[ctx][k];
            p_sum += lang->prob[ctx][k];
        }
        ck_assert_close(p_sum, 1.0, 1e-12, 0);
    }
    for (int ctx = 0; ctx < CHARLANG_CONTEXTS; ctx++) moved += fabs(next[ctx] - lang->stationary[ctx]);
    ck_assert_close(total, 1.0, 1e-12, 0);
    ck_assert_msg(moved < 1e-12, "one step moves the stationary distribution by %g", moved);
    free(next);
    charlang_free(lang);
}
END_TEST

/* The exact entropies against what a long text shows: the loss of the true
 * tables on it (unbiased for the entropy rate: the test allows 5 standard
 * errors, estimated from the text), and the plug-in entropies of its
 * character and pair counts (their bias, (27 - 1)/2n and about 27*6/2n, is
 * below 1e-4 at n = 1e6; their spread about 2e-3: tolerance 0.01). */
START_TEST(test_language_monte_carlo)
{
    char err[256];
    CharLang *lang = charlang_new(&CHARLANG_DEFAULTS, err, sizeof err);
    ck_assert_msg(lang, "%s", err);
    size_t n = 1000000;
    unsigned char *text = malloc(n);
    charlang_generate(lang, 99, text, n);
    double sum = 0.0, sum_sq = 0.0;
    for (size_t i = 3; i < n; i++) {
        double piece = charlang_cross_entropy(lang, text + i - 3, 4);
        sum += piece;
        sum_sq += piece * piece;
    }
    double count = (double)(n - 3), mean = sum / count, se = sqrt((sum_sq / count - mean * mean) / count);
    ck_assert_close(charlang_cross_entropy(lang, text, n), mean, 1e-9, 1e-9);
    ck_assert_msg(fabs(mean - lang->entropy[3]) < 5 * se, "Monte-Carlo %.5f +- %.5f, exact %.5f", mean, se,
                  lang->entropy[3]);
    double single[27] = {0}, pair[27 * 27] = {0}, h1 = 0.0, h2 = 0.0;
    for (size_t i = 0; i < n; i++) single[text[i]] += 1.0 / n;
    for (size_t i = 1; i < n; i++) pair[text[i - 1] * 27 + text[i]] += 1.0 / (n - 1);
    for (int c = 0; c < 27; c++) h1 -= single[c] > 0 ? single[c] * log(single[c]) : 0.0;
    for (int c = 0; c < 27 * 27; c++) h2 -= pair[c] > 0 ? pair[c] * log(pair[c]) : 0.0;
    ck_assert_close(h1, lang->entropy[0], 0.01, 0);
    ck_assert_close(h2 - h1, lang->entropy[1], 0.01, 0);
    /* every character is one the language allows, and the same seed gives the same text */
    unsigned char *again = malloc(1000);
    charlang_generate(lang, 99, again, 1000);
    ck_assert(memcmp(text, again, 1000) == 0);
    charlang_generate(lang, 100, again, 1000);
    ck_assert(memcmp(text, again, 1000) != 0);
    ck_assert(isfinite(charlang_cross_entropy(lang, again, 1000)));
    free(text), free(again);
    charlang_free(lang);
}
END_TEST

START_TEST(test_problem_floor_and_text)
{
    char err[256];
    Problem *p = problem_by_name("gpt:quick", 0, 1, err, sizeof err);
    ck_assert_msg(p, "%s", err);
    const CharLang *lang = gpt_language(p);
    ck_assert_str_eq(p->name, "gpt");
    ck_assert(p->min_loss == charlang_window_floor(lang, 8));
    ck_assert_int_eq(p->num_examples, 2048);
    size_t train, val;
    const unsigned char *t = gpt_text(p, 0, &train), *v = gpt_text(p, 1, &val);
    ck_assert_int_eq(train, 2048 * 8 + 1);
    ck_assert_int_eq(val, 256 * 8 + 1);
    /* both halves are text of the language; the validation text is not the training text */
    ck_assert(isfinite(charlang_cross_entropy(lang, t, train)) && isfinite(charlang_cross_entropy(lang, v, val)));
    ck_assert(memcmp(t, v, 64) != 0);
    for (size_t i = 0; i < train; i++) ck_assert(t[i] < CHARLANG_VOCAB);
    ck_assert(gpt_config(p)->block_size == 8);
    /* other problems have no GPT parts */
    Problem *ravine = ravine_new(2, 10);
    ck_assert_ptr_null(gpt_config(ravine));
    ck_assert(isnan(gpt_validation_loss(ravine)));
    problem_free(ravine);
    problem_free(p);
}
END_TEST

START_TEST(test_sampling)
{
    char err[256];
    Problem *p = problem_by_name("gpt:quick", 0, 1, err, sizeof err);
    ck_assert_msg(p, "%s", err);
    char a[64], b[64];
    ck_assert_int_eq(gpt_sample(p, "the q", 40, 5, a), 0);   /* longer than the context of 8 */
    ck_assert_int_eq(gpt_sample(p, "the q", 40, 5, b), 0);
    ck_assert_int_eq(strlen(a), 45);
    ck_assert_str_eq(a, b);
    ck_assert(strncmp(a, "the q", 5) == 0);
    for (int i = 0; a[i]; i++) ck_assert(charlang_token(a[i]) >= 0);
    ck_assert_int_eq(gpt_sample(p, "the q", 40, 6, b), 0);
    ck_assert_str_ne(a, b);
    ck_assert_int_eq(gpt_sample(p, "The", 5, 1, b), -1);   /* not in the alphabet */
    ck_assert_int_eq(gpt_sample(p, "", 5, 1, b), -1);      /* nothing to go on */
    problem_free(p);
}
END_TEST

/* ---- bad configs ---------------------------------------------------------------------------------- */

START_TEST(test_bad_configs_refused)
{
    const struct { const char *name, *message; } bad[] = {
        {"gpt:n_head=3", "n_head (3) must divide n_embd (64)"},
        {"gpt:n_layer=0", "n_layer must be at least 1"},
        {"gpt:block_size=1000", "block_size must be at most 256"},
        {"gpt:n_embd=-4", "n_embd must be at least 1"},
        {"gpt:depth=3", "unknown option 'depth'"},
        {"gpt:quick=false", "gpt: quick takes no value"},
        {"gpt:", "gpt: an empty setting"},
        {"gpt:quick::n_layer=1", "gpt: an empty setting"},
        {"gpt:n_layer=two", "not an integer"},
        {"gpt:n_layer", "needs a value"},
        {"gpt:n_layer=1:n_layer=2", "given twice"},
        {"gpt:quick:quick", "quick is given twice"},
        {"gpt:n_embd=4096:n_layer=64", "at most 1e8"},
        {"gpt:train_windows=0", "train_windows must be at least 1"},
        {"gptx", "unknown problem"},
    };
    for (int i = 0; i < TABLE_SIZE(bad); i++) {
        char err[256] = "";
        Problem *p = problem_by_name(bad[i].name, 0, 1, err, sizeof err);
        ck_assert_msg(!p, "%s was accepted", bad[i].name);
        ck_assert_msg(strstr(err, bad[i].message), "%s: message '%s' lacks '%s'", bad[i].name, err, bad[i].message);
    }
    char err[256];
    GPTConfig cfg = GPT_DEFAULTS;
    cfg.n_head = 0;
    ck_assert_ptr_null(gpt_new(&cfg, 1, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "n_head"));
    /* what is accepted: the settings on top of the defaults, quick first */
    ck_assert_int_eq(gpt_config_parse(":quick:n_layer=3", &cfg, err, sizeof err), 0);
    ck_assert_int_eq(cfg.n_layer, 3);
    ck_assert_int_eq(cfg.n_embd, 16);
    ck_assert_int_eq(gpt_config_parse("", &cfg, err, sizeof err), 0);
    ck_assert_int_eq(cfg.n_embd, 64);
}
END_TEST

START_TEST(test_gpt_bench_refuses_bad_flags)
{
    /* tools/gpt_bench (`make bench`): a batch draws each training window at
     * most once, so one larger than the windows is refused, not read past
     * their end. */
    static const Refusal refusals[] = {
        {"--problem=gpt:quick --batch=2049", NULL, "--batch=2049 is more than the problem's 2048 training windows"},
        {"--problem=gpt:quick:train_windows=10 --batch=50", NULL, "more than the problem's 10 training windows"},
        {"--problem=mlp", NULL, "--problem must be gpt or gpt:settings"},
        {"--batch=0", NULL, "--batch"},
    };
    assert_program_refuses_all("gpt_bench", refusals, sizeof refusals / sizeof refusals[0]);
}
END_TEST

void add_gpt_gradient_tests(TCase *core);   /* test_gpt_grad.c */
void add_gpt_tests(TCase *core, TCase *limits);
void add_gpt_tests(TCase *core, TCase *limits)
{
    add_gpt_gradient_tests(core);
    tcase_add_test(core, test_parameter_names_shapes_and_count);
    tcase_add_test(core, test_initialisation);
    tcase_add_test(core, test_determinism);
    tcase_add_test(core, test_language_entropies);
    tcase_add_test(core, test_language_monte_carlo);
    tcase_add_test(core, test_problem_floor_and_text);
    tcase_add_test(core, test_sampling);
    tcase_add_test(limits, test_bad_configs_refused);
    tcase_add_test(limits, test_gpt_bench_refuses_bad_flags);
}
