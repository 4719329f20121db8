/* test_common.c - tests of the shared core: tensors and their accounting, the
 * arithmetic, the random number generator, the digits data, flags, running
 * programs from paths with spaces, and the golden-file reader. Problems,
 * training and figures are in test_problems.c, the lesson programs' toolkit
 * in test_experiment.c and test_runs.c, BF16 and FP16 in test_lowp.c. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "data.h"
#include "flags.h"
#include "golden.h"
#include "input.h"
#include "ops.h"
#include "rng.h"
#include "tensor.h"
#include "testing.h"

/* test_problems.c adds its tests to the same two test cases. */
void add_problem_tests(TCase *core, TCase *limits);
void add_experiment_tests(TCase *core);
void add_gpt_tests(TCase *core, TCase *limits);   /* test_gpt.c: the tiny GPT */
void add_run_tests(TCase *core);
void add_lowp_tests(TCase *core, TCase *limits);   /* test_lowp.c: BF16 and FP16 */

/* ---- random numbers ----------------------------------------------------------- */

START_TEST(test_pcg32_reference_stream)
{
    /* The first outputs of pcg32_srandom_r(&rng, 42, 54) printed by the
     * pcg32-demo program of the reference implementation (pcg-random.org). */
    const uint32_t expected[6] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                                  0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
    Rng rng;
    rng_seed(&rng, 42, 54);
    for (int i = 0; i < 6; i++) ck_assert_uint_eq(rng_u32(&rng), expected[i]);
}
END_TEST

START_TEST(test_rng_uniform_and_normal_moments)
{
    Rng rng;
    rng_seed(&rng, 7, 1);
    enum { N = 200000 };
    double sum_u = 0, sum_n = 0, sum_n2 = 0;
    for (int i = 0; i < N; i++) {
        double u = rng_uniform(&rng);
        ck_assert(u >= 0.0 && u < 1.0);
        sum_u += u;
        double z = rng_normal(&rng);
        sum_n += z;
        sum_n2 += z * z;
    }
    /* Standard errors: uniform mean 0.289/sqrt(N) = 6.5e-4, normal mean
     * 1/sqrt(N) = 2.2e-3, normal variance sqrt(2/N) = 3.2e-3; allow 5 of them. */
    ck_assert_close(sum_u / N, 0.5, 3.3e-3, 0);
    ck_assert_close(sum_n / N, 0.0, 1.1e-2, 0);
    ck_assert_close(sum_n2 / N, 1.0, 1.6e-2, 0);
}
END_TEST

START_TEST(test_rng_below_and_shuffle)
{
    Rng rng;
    rng_seed(&rng, 3, 3);
    int seen[7] = {0};
    for (int i = 0; i < 7000; i++) {
        uint32_t v = rng_below(&rng, 7);
        ck_assert_uint_lt(v, 7);
        seen[v]++;
    }
    for (int v = 0; v < 7; v++) ck_assert_int_gt(seen[v], 800);   /* ~1000 each */
    int values[50], count[50] = {0};
    for (int i = 0; i < 50; i++) values[i] = i;
    rng_shuffle(&rng, values, 50);
    int moved = 0;
    for (int i = 0; i < 50; i++) {
        count[values[i]]++;
        moved += values[i] != i;
    }
    for (int i = 0; i < 50; i++) ck_assert_int_eq(count[i], 1);   /* a permutation */
    ck_assert_int_gt(moved, 25);
}
END_TEST

START_TEST(test_rng_same_seed_same_stream)
{
    Rng a, b, c;
    rng_seed(&a, 123, 4);
    rng_seed(&b, 123, 4);
    rng_seed(&c, 123, 5);
    int same_as_other_stream = 0;
    for (int i = 0; i < 100; i++) {
        uint32_t x = rng_u32(&a);
        ck_assert_uint_eq(x, rng_u32(&b));
        same_as_other_stream += x == rng_u32(&c);
    }
    ck_assert_int_lt(same_as_other_stream, 2);
}
END_TEST

/* ---- tensors and the memory ledger ---------------------------------------------- */

START_TEST(test_tensor_shape_and_zero_fill)
{
    MemoryLedger ledger = {0};
    int shape[3] = {2, 3, 4};
    Tensor *t = tensor_new(&ledger, "w", TAG_PARAM, 3, shape);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->numel, 24);
    ck_assert_str_eq(t->name, "w");
    for (size_t i = 0; i < t->numel; i++) ck_assert(t->data[i] == 0.0f);
    char buf[32];
    ck_assert_str_eq(tensor_shape_str(t, buf, sizeof buf), "2x3x4");
    Tensor *scalar = tensor_new(&ledger, "s", TAG_OTHER, 0, NULL);
    ck_assert_uint_eq(scalar->numel, 1);
    ck_assert_str_eq(tensor_shape_str(scalar, buf, sizeof buf), "scalar");
    tensor_free(t);
    tensor_free(scalar);
}
END_TEST

START_TEST(test_ledger_counts_exactly)
{
    MemoryLedger ledger = {0};
    Tensor *w = tensor_new_2d(&ledger, "w", TAG_PARAM, 10, 64);    /* 2560 bytes */
    Tensor *g = tensor_new_like(w, "w.grad", TAG_GRAD);           /* 2560 bytes */
    Tensor *m = tensor_new_1d(&ledger, "m", TAG_STATE, 100);       /* 400 bytes */
    ck_assert_uint_eq(ledger.live[TAG_PARAM], 2560);
    ck_assert_uint_eq(ledger.live[TAG_GRAD], 2560);
    ck_assert_uint_eq(ledger.live[TAG_STATE], 400);
    ck_assert_uint_eq(ledger.live[TAG_ACTIVATION], 0);
    ck_assert_uint_eq(ledger.live_total, 5520);
    tensor_free(m);
    Tensor *a = tensor_new_1d(&ledger, "a", TAG_ACTIVATION, 50);   /* 200 bytes */
    ck_assert_uint_eq(ledger.live[TAG_STATE], 0);
    ck_assert_uint_eq(ledger.peak[TAG_STATE], 400);
    ck_assert_uint_eq(ledger.live_total, 5320);
    ck_assert_uint_eq(ledger.peak_total, 5520);   /* the state was freed before a */
    tensor_free(a);
    tensor_free(g);
    tensor_free(w);
    ck_assert_uint_eq(ledger.live_total, 0);
    ck_assert_uint_eq(ledger.peak[TAG_PARAM], 2560);
}
END_TEST

START_TEST(test_tensor_rejects_bad_shapes)
{
    MemoryLedger ledger = {0};
    int zero[2] = {3, 0}, negative[1] = {-1}, five[5] = {1, 1, 1, 1, 1};
    ck_assert_ptr_null(tensor_new(&ledger, "z", TAG_PARAM, 2, zero));
    ck_assert_ptr_null(tensor_new(&ledger, "n", TAG_PARAM, 1, negative));
    ck_assert_ptr_null(tensor_new(&ledger, "f", TAG_PARAM, 5, five));
    ck_assert_ptr_null(tensor_new(NULL, "x", TAG_PARAM, 1, five));
    /* 65536^4 elements: more than a size_t counts (it once wrapped to 0). */
    int huge[4] = {65536, 65536, 65536, 65536};
    ck_assert_ptr_null(tensor_new(&ledger, "h", TAG_PARAM, 4, huge));
    ck_assert_uint_eq(ledger.live_total, 0);   /* nothing counted for refusals */
}
END_TEST

/* ---- arithmetic ------------------------------------------------------------------ */

START_TEST(test_matmul_all_transposes)
{
    /* A = [1 2 3; 4 5 6] (2x3), B = [1 0; 0 1; 2 -1] (3x2): A B = [7 -1; 16 -1]. */
    const float A[6] = {1, 2, 3, 4, 5, 6}, B[6] = {1, 0, 0, 1, 2, -1};
    const float At[6] = {1, 4, 2, 5, 3, 6}, Bt[6] = {1, 0, 2, 0, 1, -1};
    const float AB[4] = {7, -1, 16, -1};
    float C[4];
    matmul(2, 2, 3, A, false, B, false, C, false);
    ck_assert_all_close(C, AB, 4, 0, 0, "A B");
    matmul(2, 2, 3, At, true, B, false, C, false);
    ck_assert_all_close(C, AB, 4, 0, 0, "(A^T)^T B");
    matmul(2, 2, 3, A, false, Bt, true, C, false);
    ck_assert_all_close(C, AB, 4, 0, 0, "A (B^T)^T");
    matmul(2, 2, 3, A, false, B, false, C, true);   /* accumulate: 2 A B */
    const float twice[4] = {14, -2, 32, -2};
    ck_assert_all_close(C, twice, 4, 0, 0, "C + A B");
}
END_TEST

START_TEST(test_elementwise_dot_norm)
{
    MemoryLedger ledger = {0};
    Tensor *a = tensor_new_1d(&ledger, "a", TAG_OTHER, 3), *b = tensor_new_like(a, "b", TAG_OTHER);
    Tensor *c = tensor_new_like(a, "c", TAG_OTHER);
    const float av[3] = {3, 4, 0}, bv[3] = {1, -2, 5};
    memcpy(a->data, av, sizeof av);
    memcpy(b->data, bv, sizeof bv);
    ck_assert_close(tensor_dot(a, b), -5.0, 0, 0);
    ck_assert_close(tensor_norm(a), 5.0, 0, 0);
    tensor_add(c, a, b);
    ck_assert_all_close(c->data, ((float[]){4, 2, 5}), 3, 0, 0, "a + b");
    tensor_mul(c, a, b);
    ck_assert_all_close(c->data, ((float[]){3, -8, 0}), 3, 0, 0, "a * b");
    tensor_axpy(c, 2.0f, b);
    ck_assert_all_close(c->data, ((float[]){5, -12, 10}), 3, 0, 0, "c + 2 b");
    tensor_scale(c, 0.5f);
    ck_assert_all_close(c->data, ((float[]){2.5f, -6, 5}), 3, 0, 0, "c / 2");
    tensor_copy(c, a);
    ck_assert_all_close(c->data, av, 3, 0, 0, "copy");
    tensor_fill(c, 7.0f);
    ck_assert_all_close(c->data, ((float[]){7, 7, 7}), 3, 0, 0, "fill");
    ck_assert(tensor_all_finite(c));
    c->data[1] = NAN;
    ck_assert(!tensor_all_finite(c));
    c->data[1] = INFINITY;
    ck_assert(!tensor_all_finite(c));
    tensor_free(a);
    tensor_free(b);
    tensor_free(c);
}
END_TEST

START_TEST(test_softmax_cross_entropy_values)
{
    /* Two equal logits: p = 1/2 each, loss log 2, gradient (1/2 - 1, 1/2). */
    float logits[2] = {0, 0}, d[2];
    int label = 0;
    ck_assert_close(softmax_cross_entropy(logits, &label, 1, 2, d), log(2.0), 1e-12, 0);
    ck_assert_close(d[0], -0.5, 1e-7, 0);
    ck_assert_close(d[1], 0.5, 1e-7, 0);
    /* The seed notes' example: p = 0.1 gives 2.3026, p = 0.9 gives 0.1054. */
    float z10[2] = {(float)log(0.1), (float)log(0.9)};
    ck_assert_close(softmax_cross_entropy(z10, &label, 1, 2, NULL), -log(0.1), 1e-6, 0);
    label = 1;
    ck_assert_close(softmax_cross_entropy(z10, &label, 1, 2, NULL), -log(0.9), 1e-6, 0);
}
END_TEST

START_TEST(test_softmax_cross_entropy_is_stable)
{
    /* exp(1000) overflows; subtracting the row maximum must avoid that. */
    float logits[4] = {1000, 0, -1000, 0}, d[4];
    int labels[2] = {1, 1};
    double loss = softmax_cross_entropy(logits, labels, 2, 2, d);
    /* row 1: loss 1000 (the other class wins by 1000); row 2: log(1 + e^-1000) ~ 0 */
    ck_assert_close(loss, 500.0, 1e-9, 0);
    for (int r = 0; r < 2; r++) ck_assert_close(d[2 * r] + d[2 * r + 1], 0.0, 1e-7, 0);
    ck_assert(vec_all_finite(d, 4));
}
END_TEST

/* ---- the digits data ---------------------------------------------------------------- */

START_TEST(test_digits_load)
{
    Dataset d;
    char err[512];
    char path[4096];
    snprintf(path, sizeof path, "%s/digits.csv.gz", data_dir());
    ck_assert_msg(digits_load(path, &d, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(d.count, 1797);
    ck_assert_int_eq(d.features, 64);
    /* Class sizes of this data set as documented with it (scikit-learn's copy). */
    const int per_class[10] = {178, 182, 177, 183, 181, 182, 181, 179, 174, 180};
    int counts[10] = {0};
    for (int i = 0; i < d.count; i++) counts[d.y[i]]++;
    for (int c = 0; c < 10; c++) ck_assert_int_eq(counts[c], per_class[c]);
    /* The first line of the CSV, as `zcat digits.csv.gz | head -1` shows it. */
    const int first[8] = {0, 0, 5, 13, 9, 1, 0, 0};
    for (int j = 0; j < 8; j++) ck_assert_close(d.x[j], first[j] / 16.0, 0, 0);
    ck_assert_int_eq(d.y[0], 0);
    for (int i = 0; i < d.count * d.features; i++) ck_assert(d.x[i] >= 0.0f && d.x[i] <= 1.0f);
    dataset_free(&d);
}
END_TEST

START_TEST(test_digits_split_is_a_partition)
{
    Dataset train, test;
    char err[512];
    ck_assert_msg(digits_load_split(&train, &test, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(train.count, 1437);
    ck_assert_int_eq(test.count, 360);
    const int per_class[10] = {178, 182, 177, 183, 181, 182, 181, 179, 174, 180};
    int counts[10] = {0};
    double pixel_sum = 0;
    for (int i = 0; i < train.count; i++) counts[train.y[i]]++;
    for (int i = 0; i < test.count; i++) counts[test.y[i]]++;
    for (int c = 0; c < 10; c++) ck_assert_int_eq(counts[c], per_class[c]);
    for (int i = 0; i < train.count * 64; i++) pixel_sum += train.x[i];
    for (int i = 0; i < test.count * 64; i++) pixel_sum += test.x[i];
    Dataset all;
    char path[4096];
    snprintf(path, sizeof path, "%s/digits.csv.gz", data_dir());
    ck_assert(digits_load(path, &all, err, sizeof err) == 0);
    double all_sum = 0;
    for (int i = 0; i < all.count * 64; i++) all_sum += all.x[i];
    ck_assert_close(pixel_sum, all_sum, 1e-6, 0);   /* same rows, reordered */
    dataset_free(&all);
    dataset_free(&train);
    dataset_free(&test);
}
END_TEST

START_TEST(test_digits_refuses_changed_data)
{
    char dir[512], path[600];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    snprintf(path, sizeof path, "%s/digits.csv.gz", dir);
    gzFile out = gzopen(path, "wb");
    ck_assert_ptr_nonnull(out);
    gzputs(out, "0,0,1\n");
    gzclose(out);
    Dataset d;
    char err[512];
    ck_assert_int_eq(digits_load(path, &d, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "CRC-32") != NULL, "message was: %s", err);
    snprintf(path, sizeof path, "%s/missing.csv.gz", dir);
    ck_assert_int_eq(digits_load(path, &d, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "cannot open") != NULL, "message was: %s", err);
    remove_tree(dir);
}
END_TEST

/* ---- flags -------------------------------------------------------------------------- */

typedef struct {
    int steps;
    float lr;
    double kappa;
    bool quick;
    const char *out;
    double betas[2];
    int batch;
    double eps[2];
} FlagTest;

static const OptionSpec flag_specs[] = {
    {"steps", OPT_INT, offsetof(FlagTest, steps), "steps", 0, 0},
    {"lr", OPT_FLOAT, offsetof(FlagTest, lr), "learning rate", 0, 0},
    {"kappa", OPT_DOUBLE, offsetof(FlagTest, kappa), "condition number", 0, 0},
    {"quick", OPT_BOOL, offsetof(FlagTest, quick), "quick", 0, 0},
    {"out", OPT_STRING, offsetof(FlagTest, out), "output", 0, 0},
    {"betas", OPT_DOUBLE2, offsetof(FlagTest, betas), "betas", 0, 0},
    {"batch", OPT_INT, offsetof(FlagTest, batch), "batch size", 1, 64},
    {"eps", OPT_DOUBLE2_NONE, offsetof(FlagTest, eps), "eps1 or None, eps2", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

START_TEST(test_flags_parse_every_type)
{
    FlagTest f = {0};
    char *argv[] = {"prog", "--steps=12", "--lr=0.25", "--kappa=1e3", "--quick",
                    "--out=dir", "--betas=0.9,0.999"};
    char err[256];
    ck_assert_int_eq(flags_parse(flag_specs, &f, 7, argv, 1, err, sizeof err), 0);
    ck_assert_int_eq(f.steps, 12);
    ck_assert(f.lr == 0.25f);
    ck_assert(f.kappa == 1000.0);
    ck_assert(f.quick);
    ck_assert_str_eq(f.out, "dir");
    ck_assert(f.betas[0] == 0.9 && f.betas[1] == 0.999);
    char *off[] = {"prog", "--quick=false"};
    ck_assert_int_eq(flags_parse(flag_specs, &f, 2, off, 1, err, sizeof err), 0);
    ck_assert(!f.quick);
    char *help[] = {"prog", "--help"};
    ck_assert_int_eq(flags_parse(flag_specs, &f, 2, help, 1, err, sizeof err), 1);
    /* A pair whose first may be Python's None (Adafactor's eps): NAN. */
    char *none[] = {"prog", "--eps=None,0.001"}, *both[] = {"prog", "--eps=1e-30,0.5"};
    ck_assert_int_eq(flags_parse(flag_specs, &f, 2, none, 1, err, sizeof err), 0);
    ck_assert(isnan(f.eps[0]) && f.eps[1] == 0.001);
    ck_assert_int_eq(flags_parse(flag_specs, &f, 2, both, 1, err, sizeof err), 0);
    ck_assert(f.eps[0] == 1e-30 && f.eps[1] == 0.5);
    char *out_text = NULL;
    size_t out_len = 0;
    FILE *out = open_memstream(&out_text, &out_len);
    flags_print_help(out, flag_specs, &(FlagTest){.eps = {NAN, 0.001}});
    fclose(out);
    ck_assert_msg(strstr(out_text, "(default None,0.001)") != NULL, "%s", out_text);
    free(out_text);
}
END_TEST

static void assert_flag_error(const char *arg, const char *expected)
{
    FlagTest f = {0};
    char *argv[] = {"prog", (char *)arg};
    char err[256] = "";
    ck_assert_int_eq(flags_parse(flag_specs, &f, 2, argv, 1, err, sizeof err), -1);
    ck_assert_msg(strstr(err, expected) != NULL, "for %s the message was: %s", arg, err);
}

START_TEST(test_flags_reject_bad_input)
{
    assert_flag_error("--bogus=1", "unknown flag '--bogus'");
    assert_flag_error("--steps=1.5", "not an integer");
    assert_flag_error("--steps=", "not an integer");
    assert_flag_error("--steps=99999999999", "--steps: '99999999999' is out of range (from -2147483648 to");
    assert_flag_error("--lr=abc", "not a finite float32 number");
    assert_flag_error("--lr=nan", "not a finite float32 number");
    assert_flag_error("--lr=inf", "not a finite float32 number");
    assert_flag_error("--lr=1e999", "not a finite float32 number");
    assert_flag_error("--lr=1e39", "not a finite float32 number");
    /* not 0, but 0 in float32 (or in a double): refused, never taken as 0 */
    assert_flag_error("--lr=1e-50", "--lr: '1e-50' is too small for float32 (it would be 0)");
    assert_flag_error("--lr=1e-320", "'1e-320' is too small for float32");
    assert_flag_error("--lr=-1e-400", "'-1e-400' is too small for float32");
    assert_flag_error("--kappa=1e-400",
                      "--kappa: '1e-400' is too small for a double (it would lose its digits, or be 0)");
    assert_flag_error("--lr", "needs a value");
    assert_flag_error("--quick=yes", "not true or false");
    assert_flag_error("--betas=0.9", "not two finite numbers");
    assert_flag_error("--betas=0.9,x", "not two finite numbers");
    assert_flag_error("--betas=None,0.9", "not two finite numbers a,b");   /* betas have no None */
    assert_flag_error("--eps=0.5,None", "not two finite numbers a,b (a may be None)");
    assert_flag_error("--eps=none,0.5", "(a may be None)");
    assert_flag_error("--eps=None", "(a may be None)");
    assert_flag_error("--eps=nan,0.5", "(a may be None)");
    assert_flag_error("--out=", "needs a value");
    assert_flag_error("positional", "unexpected argument");
}
END_TEST

START_TEST(test_parse_float32)
{
    /* What a float32 holds is taken as it rounds; what it cannot hold is
     * refused with the reason: too large, not a number, or too small to be
     * anything but 0. A float32 subnormal (1e-40) is a number, taken. */
    float v = -1;
    ck_assert_ptr_null(parse_float32("0.1", &v));
    ck_assert(v == 0.1f);
    ck_assert_ptr_null(parse_float32("-0", &v));
    ck_assert(v == 0.0f && signbit(v));
    ck_assert_ptr_null(parse_float32("1e-40", &v));
    ck_assert(v > 0 && v < FLT_MIN);
    ck_assert_ptr_null(parse_float32("3.4028235e38", &v));   /* FLT_MAX as %.8g prints it */
    ck_assert(v == FLT_MAX);
    ck_assert_ptr_null(parse_float32("-3.40282356e38", &v));   /* below halfway to 2^128: rounds to -FLT_MAX */
    ck_assert(v == -FLT_MAX);
    ck_assert_ptr_null(parse_float32("3.4028234e38", &v));
    ck_assert(v == FLT_MAX);
    ck_assert_str_eq(parse_float32("3.40282357e38", &v), "is not a finite float32 number");   /* past halfway */
    ck_assert_str_eq(parse_float32("3.5e38", &v), "is not a finite float32 number");
    ck_assert_str_eq(parse_float32("nan", &v), "is not a finite float32 number");
    ck_assert_str_eq(parse_float32("1x", &v), "is not a finite float32 number");
    ck_assert_str_eq(parse_float32("", &v), "is not a finite float32 number");
    ck_assert_str_eq(parse_float32("1e-46", &v), "is too small for float32 (it would be 0)");
    ck_assert_str_eq(parse_float32("1e-400", &v), "is too small for float32 (it would be 0)");
    ck_assert(v == FLT_MAX);   /* a refusal leaves *out alone */
}
END_TEST

START_TEST(test_flags_ranges_duplicates_and_help)
{
    /* An integer's range is enforced, on both sides, and stated by --help. */
    assert_flag_error("--batch=0", "--batch must be at least 1 (got 0)");
    assert_flag_error("--batch=65", "--batch must be at most 64 (got 65)");
    assert_flag_error("--batch=-99999999999999999999", "--batch must be at least 1");
    assert_flag_error("--batch=x", "--batch: 'x' is not an integer");
    FlagTest f = {0};
    char err[256] = "";
    char *edges[] = {"prog", "--batch=1", "--steps=-5"};
    ck_assert_int_eq(flags_parse(flag_specs, &f, 3, edges, 1, err, sizeof err), 0);
    ck_assert_int_eq(f.batch, 1);
    ck_assert_int_eq(f.steps, -5);   /* no range: any int */
    char *top[] = {"prog", "--batch=64"};
    ck_assert_int_eq(flags_parse(flag_specs, &f, 2, top, 1, err, sizeof err), 0);
    ck_assert_int_eq(f.batch, 64);
    char *help = NULL;
    size_t help_len = 0;
    FILE *out = open_memstream(&help, &help_len);
    const FlagTest defaults = {.steps = 7, .batch = 32};
    flags_print_help(out, flag_specs, &defaults);
    fclose(out);
    ck_assert_msg(strstr(help, "  --batch                  batch size (1..64, default 32)\n") != NULL, "%s", help);
    ck_assert_msg(strstr(help, "  --steps                  steps (default 7)\n") != NULL, "%s", help);
    ck_assert_msg(strstr(help, "  --out                    output\n") != NULL, "%s", help);   /* no default to state */
    free(help);

    /* A flag given twice is refused, however it is written. */
    char *twice[] = {"prog", "--lr=0.1", "--steps=3", "--lr=0.2"};
    ck_assert_int_eq(flags_parse(flag_specs, &f, 4, twice, 1, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "--lr is given twice") != NULL, "%s", err);
    char *bools[] = {"prog", "--quick", "--quick=true"};
    ck_assert_int_eq(flags_parse(flag_specs, &f, 3, bools, 1, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "--quick is given twice") != NULL, "%s", err);

    /* --help and -h win anywhere, even after a bad flag. */
    char *late_help[] = {"prog", "--steps=x", "--bogus", "-h"};
    ck_assert_int_eq(flags_parse(flag_specs, &f, 4, late_help, 1, err, sizeof err), 1);
    ck_assert(flags_help_wanted(4, late_help, 1));
    ck_assert(!flags_help_wanted(3, late_help, 1));
    ck_assert(!flags_help_wanted(4, late_help, 4));
}
END_TEST

START_TEST(test_options_parse_settings)
{
    /* Settings as optlab passes them: key=value, a bare boolean, or written as flags. */
    FlagTest f = {0};
    char err[256] = "";
    const char *settings[] = {"lr=0.5", "quick", "--batch=8"};
    ck_assert_int_eq(options_parse(flag_specs, &f, 3, settings, err, sizeof err), 0);
    ck_assert(f.lr == 0.5f && f.quick && f.batch == 8);
    const char *twice[] = {"lr=0.1", "--lr=0.2"};
    ck_assert_int_eq(options_parse(flag_specs, &f, 2, twice, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "--lr is given twice") != NULL, "%s", err);
    const char *bare[] = {"steps"};
    ck_assert_int_eq(options_parse(flag_specs, &f, 1, bare, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "steps needs a value") != NULL, "%s", err);
    const char *unknown[] = {"--momentun=0.9"};
    ck_assert_int_eq(options_parse(flag_specs, &f, 1, unknown, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "unknown option 'momentun'") != NULL, "%s", err);
}
END_TEST

START_TEST(test_excerpt_of_bad_input)
{
    Excerpt e;
    ck_assert_str_eq(excerpt("short", 5, &e), "short");
    ck_assert_str_eq(excerpt("0123456789abcdef0123456789abcdef", 32, &e), "0123456789abcdef0123456789abcdef");
    ck_assert_str_eq(excerpt("0123456789abcdef0123456789abcdefX", 33, &e), "0123456789abcdef0123456789abcdef...");
    ck_assert_str_eq(excerpt("key=value", 3, &e), "key");
    ck_assert_str_eq(excerpt("a\nb\x1b[31m", 8, &e), "a?b?[31m");   /* no terminal escapes */
    /* 31 bytes, then a 2-byte character: cut before it, not inside it. */
    ck_assert_str_eq(excerpt("0123456789abcdef0123456789abcde\xce\xb2zz", 35, &e),
                     "0123456789abcdef0123456789abcde...");
    /* A 10 MB token gives a message of a line. */
    size_t n = 10 * 1000 * 1000;
    char *huge = malloc(n + 1);
    memset(huge, 'z', n);
    huge[n] = '\0';
    FlagTest f = {0};
    char *argv[] = {"prog", huge}, err[256];
    memcpy(huge, "--lr=", 5);
    ck_assert_int_eq(flags_parse(flag_specs, &f, 2, argv, 1, err, sizeof err), -1);
    ck_assert_str_eq(err, "--lr: 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...' is not a finite float32 number");
    memcpy(huge, "--zzz", 5);   /* a flag of 10 MB, no value */
    ck_assert_int_eq(flags_parse(flag_specs, &f, 2, argv, 1, err, sizeof err), -1);
    ck_assert_str_eq(err, "unknown flag '--zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...' (try --help)");
    free(huge);
}
END_TEST

START_TEST(test_die_usage_exits_with_status_2)
{
    die_usage("prog", "bad %s", "input");
}
END_TEST

/* ---- running programs from paths with spaces and quotes --------------------------------- */

START_TEST(test_shell_quote)
{
    char out[64];
    ck_assert_str_eq(shell_quote("plain", out, sizeof out), "'plain'");
    ck_assert_str_eq(shell_quote("/tmp/with space", out, sizeof out), "'/tmp/with space'");
    ck_assert_str_eq(shell_quote("it's", out, sizeof out), "'it'\\''s'");
    ck_assert_str_eq(shell_quote("", out, sizeof out), "''");
}
END_TEST

START_TEST(test_longest_line)
{
    /* Columns are characters: kappa and the em dash are two and three
     * bytes in UTF-8, one column each. A line naming the skipped path is
     * not counted however long it is; the last line needs no newline. */
    const char *where;
    const char *text = "short\n\xce\xba = 100 \xe2\x80\x94 seven\n/a/long/path/the/reader/chose/x.gp\nsix ch";
    ck_assert_int_eq(longest_line(text, "/a/long/path", &where), 15);
    ck_assert_ptr_eq(where, text + 6);
    ck_assert_int_eq(longest_line(text, "no such path", &where), 34);
    ck_assert_int_eq(longest_line("", "x", &where), 0);
    ck_assert_int_eq(longest_line("a\nthe last one", "x", &where), 12);
}
END_TEST

START_TEST(test_programs_run_from_paths_with_spaces)
{
    /* A program in a directory whose name has a space, a quote and a $, as a
     * clone under "/tmp/with space/" has; run_program's own files go under
     * such a directory too (through $TMPDIR). */
    char base[512], dir[700], path[800], cmd[4096];
    ck_assert(make_temp_dir(base, sizeof base) == 0);
    snprintf(dir, sizeof dir, "%s/with space, it's $HOME", base);
    ck_assert(mkdir(dir, 0777) == 0);
    snprintf(path, sizeof path, "%s/say", dir);
    write_text_file(path, "#!/bin/sh\necho \"said: $1\"; cat\n");
    ck_assert(chmod(path, 0755) == 0);
    setenv("TMPDIR", dir, 1);
    program_command(cmd, sizeof cmd, dir, "say", "'two words'");
    ProgramRun run;
    ck_assert_msg(run_program(cmd, "and its input\n", &run) == 0, "could not run %s", cmd);
    ck_assert_msg(run.status == 0, "%s: exit %d: %s", cmd, run.status, run.err);
    ck_assert_str_eq(run.out, "said: two words\nand its input\n");
    program_run_free(&run);
    /* make_temp_dir honours $TMPDIR, and remove_tree removes what it made. */
    char inner[700];
    ck_assert(make_temp_dir(inner, sizeof inner) == 0);
    ck_assert(strncmp(inner, dir, strlen(dir)) == 0);
    remove_tree(dir);
    struct stat st;
    ck_assert_msg(stat(dir, &st) != 0, "%s is still there", dir);
    unsetenv("TMPDIR");
    remove_tree(base);
}
END_TEST

/* ---- golden files ------------------------------------------------------------------ */

START_TEST(test_golden_reader)
{
    char dir[512], path[600], err[256];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    snprintf(path, sizeof path, "%s/g.txt", dir);
    write_text_file(path, "# comment\n\ncase one\noptimizer sgd\nsettings lr=0.5 maximize=true\n"
                     "shape 2\nparam 1 2\ngrad 0.5 1\nexpect 0.75 1.5\nstate buf 0.5 1\n"
                     "grad 0 0\nexpect 0.75 1.5\nstate buf 0 0\nend\n");
    GoldenFile g;
    ck_assert_msg(golden_load(path, &g, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(g.count, 1);
    const GoldenCase *c = golden_find(&g, "one");
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(c->optimizer, "sgd");
    ck_assert_int_eq(c->num_settings, 2);
    ck_assert_str_eq(c->settings[1], "maximize=true");
    ck_assert_int_eq(c->numel, 2);
    ck_assert_int_eq(c->steps, 2);
    ck_assert(c->expect[1] == 1.5f && c->expect[3] == 1.5f);
    ck_assert_int_eq(golden_state_index(c, "buf"), 0);
    ck_assert(c->state[0][1] == 1.0f);
    ck_assert_double_eq(golden_state_largest(c, "buf"), 1.0);   /* of 0.5 1, then 0 0 */
    ck_assert_double_eq(golden_state_largest(c, "exp_avg"), 0.0);   /* no such state */
    ck_assert_ptr_null(golden_find(&g, "two"));
    ck_assert(c->state_ndim[0] == 1 && c->state_shape[0][0] == 2 && c->state_numel[0] == 2);
    golden_free(&g);

    /* A state of its own shape (Adafactor's row_var of a 2 x 3 weight):
     * named by a state_shape line before its first row. */
    write_text_file(path, "case m\noptimizer adafactor\nshape 2 3\nparam 1 2 3 4 5 6\n"
                          "state_shape row_var 2 1\ngrad 1 1 1 1 1 1\nexpect 0 1 2 3 4 5\n"
                          "state row_var 0.5 0.25\nstate variance 1 2 3 4 5 6\nend\n");
    ck_assert_msg(golden_load(path, &g, err, sizeof err) == 0, "%s", err);
    c = golden_find(&g, "m");
    ck_assert(c && c->numel == 6 && c->num_states == 2);
    ck_assert(c->state_ndim[0] == 2 && c->state_shape[0][0] == 2 && c->state_shape[0][1] == 1);
    ck_assert(c->state_numel[0] == 2 && c->state[0][1] == 0.25f);
    ck_assert(c->state_numel[1] == 6 && c->state[1][5] == 6.0f);   /* the parameter's shape */
    golden_free(&g);

    /* A gradient may hold nan and inf (lesson 10 records 8-bit Adam
     * skipping such elements); what the optimizer made may not. */
    write_text_file(path, "case g\nshape 3\nparam 1 2 3\ngrad nan inf -inf\nexpect 1 2 3\nend\n");
    ck_assert_msg(golden_load(path, &g, err, sizeof err) == 0, "%s", err);
    c = golden_find(&g, "g");
    ck_assert(c && isnan(c->grad[0]) && isinf(c->grad[1]) && c->grad[1] > 0 && c->grad[2] < 0);
    golden_free(&g);

    /* A broken file is refused whole, with the line it stopped at
     * (comments and blank lines counted) or the case left open. */
    const struct {
        const char *text, *message;
    } broken[] = {
        {"case a\nshape 2\nparam 1 2\ngrad 1\nexpect 1 2\nend\n", ":4: cannot read this line"},   /* short row */
        {"case a\nshape 2\nparam 1 2\ngrad 1 1\nend\n", ":5: cannot read this line"},              /* no expect */
        {"case a\nshape 2\nparam 1 2\ngrad 1 1\nexpect 1 2\n", ": case 'a' has no 'end'"},         /* no end */
        {"case a\nshape 2\nparam 1 2\ngrad 1 1\nexpect 1 nan\nend\n", ":5: cannot read this line"}, /* NaN */
        {"case a\nshape 2\nparam inf 2\n", ":3: cannot read this line"},                          /* inf */
        {"param 1 2\n", ":1: cannot read this line"},                                                /* no case */
        {"case a\nshape 2\nparam 1 2\ncase b\n", ":4: cannot read this line"},   /* no end before the next */
        {"# a comment\n\ncase a\nshape 2 x\n", ":4: cannot read this line"},       /* not a size */
        {"case a\nshape 65536 65537\n", ":2: cannot read this line"},       /* more elements than an int */
        {"case a\nshape 2\nparam 1 2\nstate_shape s 65536 65537\n", ":4: cannot read this line"},
        /* a state_shape after the state's first row, and a row of the wrong size */
        {"case a\nshape 2\nparam 1 2\ngrad 1 1\nexpect 1 2\nstate s 1 2\nstate_shape s 1\nend\n",
         ":7: cannot read this line"},
        {"case a\nshape 2\nparam 1 2\nstate_shape s 3\ngrad 1 1\nexpect 1 2\nstate s 1 2\nend\n",
         ":7: cannot read this line"},
    };
    for (int i = 0; i < TABLE_SIZE(broken); i++) {
        write_text_file(path, broken[i].text);
        ck_assert_msg(golden_load(path, &g, err, sizeof err) == -1, "broken file %d was accepted", i);
        ck_assert_int_eq(g.count, 0);
        ck_assert_msg(strncmp(err, path, strlen(path)) == 0 && strstr(err, broken[i].message) != NULL,
                      "broken file %d: the message was '%s', not '%s%s'", i, err, path, broken[i].message);
    }
    snprintf(path, sizeof path, "%s/missing.txt", dir);
    ck_assert_int_eq(golden_load(path, &g, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "cannot open") != NULL, "%s", err);
    remove_tree(dir);
}
END_TEST

/* ---- optimizer state of its own shape ----------------------------------------------- */

/* A state only matrices have, one number per row (Adafactor's row_var). */
static bool one_per_row(const Tensor *param, int *ndim, int *shape)
{
    if (param->ndim != 2) return false;
    *ndim = 2;
    shape[0] = param->shape[0];
    shape[1] = 1;
    return true;
}

static void no_update(Optimizer *opt, const ParamGroup *group)
{
    (void)opt, (void)group;
}

static int vectors_first(const Tensor *param) { return param->ndim == 2; }

START_TEST(test_shaped_slots)
{
    /* A 5 x 3 weight and a bias of 3: the weight's state is 5 x 1, the bias
     * has none (NULL). The bytes are the ledger's state bytes; grouping moves
     * the NULL with its parameter; freeing frees what there is. */
    MemoryLedger ledger = {0};
    Tensor *params[2] = {tensor_new_2d(&ledger, "w", TAG_PARAM, 5, 3), tensor_new_1d(&ledger, "b", TAG_PARAM, 3)};
    Tensor *grads[2] = {tensor_new_2d(&ledger, "w", TAG_GRAD, 5, 3), tensor_new_1d(&ledger, "b", TAG_GRAD, 3)};
    Optimizer *opt = calloc(1, sizeof *opt);
    ck_assert(params[0] && params[1] && grads[0] && grads[1] && opt);
    optimizer_init(opt, "test", (ParamList){2, params, grads}, 0.1f, 0.0f, no_update);
    ck_assert_int_eq(optimizer_add_slot_shaped(opt, "rows", one_per_row), 0);
    ck_assert_int_eq(optimizer_add_slot(opt, "full"), 1);
    const Tensor *rows = opt->slots[0][0];
    ck_assert(rows && rows->ndim == 2 && rows->shape[0] == 5 && rows->shape[1] == 1 && rows->tag == TAG_STATE);
    ck_assert_ptr_null(opt->slots[0][1]);
    ck_assert_uint_eq(optimizer_state_bytes(opt), (5 + 15 + 3) * sizeof(float));
    ck_assert_uint_eq(ledger.live[TAG_STATE], optimizer_state_bytes(opt));
    const char *names[] = {"vectors", "matrices"};
    ck_assert_int_eq(optimizer_set_groups(opt, 2, names, vectors_first), 0);
    ck_assert(opt->params.params[0] == params[1] && opt->slots[0][0] == NULL && opt->slots[0][1] == rows);
    optimizer_step(opt);
    optimizer_free(opt);
    ck_assert_uint_eq(ledger.live[TAG_STATE], 0);
    for (int k = 0; k < 2; k++) tensor_free(params[k]), tensor_free(grads[k]);
}
END_TEST

/* Bytes for a tensor of more than 6 elements, floats for a smaller one, a
 * threshold passed as ctx (lesson 10's 8-bit Adam by min_8bit_size). */
static bool bytes_when_large(const Tensor *param, const void *ctx, int *ndim, int *shape, bool *bytes)
{
    *ndim = param->ndim;
    for (int d = 0; d < param->ndim; d++) shape[d] = param->shape[d];
    *bytes = param->numel > (size_t)*(const int *)ctx;
    return true;
}

START_TEST(test_byte_tensors_and_typed_slots)
{
    /* A byte tensor: zero-filled bytes, no floats, 1 byte an element in the
     * ledger and in tensor_bytes; tensor_value reads either kind. */
    MemoryLedger ledger = {0};
    Tensor *codes = tensor_new_bytes(&ledger, "codes", TAG_STATE, 2, (int[]){2, 3});
    ck_assert(codes && codes->bytes && !codes->data && codes->numel == 6);
    for (int i = 0; i < 6; i++) ck_assert_int_eq(codes->bytes[i], 0);
    ck_assert_uint_eq(tensor_bytes(codes), 6);
    ck_assert_uint_eq(ledger.live[TAG_STATE], 6);
    codes->bytes[4] = 255;
    ck_assert(tensor_value(codes, 4) == 255.0f);
    ck_assert_ptr_null(tensor_new_bytes(&ledger, "bad", TAG_STATE, 1, (int[]){0}));
    tensor_free(codes);
    ck_assert_uint_eq(ledger.live[TAG_STATE], 0);
    /* A typed slot: a 4 x 3 weight (12 > 6) gets bytes, a bias of 3 floats;
     * the state bytes count each at its own size, and grouping and freeing
     * treat both alike. */
    Tensor *params[2] = {tensor_new_2d(&ledger, "w", TAG_PARAM, 4, 3), tensor_new_1d(&ledger, "b", TAG_PARAM, 3)};
    Tensor *grads[2] = {tensor_new_2d(&ledger, "w", TAG_GRAD, 4, 3), tensor_new_1d(&ledger, "b", TAG_GRAD, 3)};
    Optimizer *opt = calloc(1, sizeof *opt);
    ck_assert(params[0] && params[1] && grads[0] && grads[1] && opt);
    optimizer_init(opt, "test", (ParamList){2, params, grads}, 0.1f, 0.0f, no_update);
    const int threshold = 6;
    ck_assert_int_eq(optimizer_add_slot_typed(opt, "codes", bytes_when_large, &threshold), 0);
    ck_assert(opt->slots[0][0]->bytes && !opt->slots[0][0]->data && opt->slots[0][0]->numel == 12);
    ck_assert(opt->slots[0][1]->data && !opt->slots[0][1]->bytes);
    ck_assert(tensor_value(opt->slots[0][1], 2) == 0.0f);
    ck_assert_uint_eq(optimizer_state_bytes(opt), 12 + 3 * sizeof(float));
    ck_assert_uint_eq(ledger.live[TAG_STATE], optimizer_state_bytes(opt));
    const char *names[] = {"vectors", "matrices"};
    ck_assert_int_eq(optimizer_set_groups(opt, 2, names, vectors_first), 0);
    ck_assert(opt->slots[0][0]->data && opt->slots[0][1]->bytes);
    optimizer_free(opt);
    ck_assert_uint_eq(ledger.live[TAG_STATE], 0);
    for (int k = 0; k < 2; k++) tensor_free(params[k]), tensor_free(grads[k]);
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("common");
    TCase *core = tcase_create("Core");
    tcase_add_test(core, test_pcg32_reference_stream);
    tcase_add_test(core, test_rng_uniform_and_normal_moments);
    tcase_add_test(core, test_rng_below_and_shuffle);
    tcase_add_test(core, test_rng_same_seed_same_stream);
    tcase_add_test(core, test_tensor_shape_and_zero_fill);
    tcase_add_test(core, test_ledger_counts_exactly);
    tcase_add_test(core, test_matmul_all_transposes);
    tcase_add_test(core, test_elementwise_dot_norm);
    tcase_add_test(core, test_softmax_cross_entropy_values);
    tcase_add_test(core, test_digits_load);
    tcase_add_test(core, test_digits_split_is_a_partition);
    tcase_add_test(core, test_flags_parse_every_type);
    tcase_add_test(core, test_golden_reader);
    tcase_add_test(core, test_shaped_slots);
    tcase_add_test(core, test_byte_tensors_and_typed_slots);
    tcase_add_test(core, test_shell_quote);
    tcase_add_test(core, test_longest_line);
    tcase_add_test(core, test_programs_run_from_paths_with_spaces);

    TCase *limits = tcase_create("Limits");
    tcase_add_test(limits, test_tensor_rejects_bad_shapes);
    tcase_add_test(limits, test_softmax_cross_entropy_is_stable);
    tcase_add_test(limits, test_digits_refuses_changed_data);
    tcase_add_test(limits, test_flags_reject_bad_input);
    tcase_add_test(core, test_parse_float32);
    tcase_add_test(limits, test_flags_ranges_duplicates_and_help);
    tcase_add_test(limits, test_options_parse_settings);
    tcase_add_test(limits, test_excerpt_of_bad_input);
    tcase_add_exit_test(limits, test_die_usage_exits_with_status_2, 2);

    add_problem_tests(core, limits);
    add_experiment_tests(core);
    add_gpt_tests(core, limits);
    add_run_tests(core);
    add_lowp_tests(core, limits);
    tcase_set_timeout(core, 60);
    tcase_set_timeout(limits, 60);
    suite_add_tcase(s, core);
    suite_add_tcase(s, limits);
    return s;
}
