/* test_recorded.c - reading back what a GPU recorded (recorded.h): bench
 * lines as the two programs print them, a whole run, Nsight Compute's
 * numbers; and the chapter's claims on the recorded run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench_inputs.h"   /* the targets */
#include "recorded.h"
#include "testing.h"

void add_recorded_tests(TCase *core, TCase *limits);

/* Lines in the programs' format (adamw_fused.cu and adam8bit.cu print them),
 * with numbers of no device's. */
static const char *const RUN =
    "# a comment, with a device: line in it that is not one\n"
    "device: Test GPU\n"
    "ok adamw_first, rounding to nearest: 10 of 10 numbers the CPU's bit for bit\n"
    "FAILED adamw_fast, rounding to nearest: 9 of 10 numbers the CPU's bit for bit\n"
    "fused AdamW, 28 bytes a parameter\n"
    "     params tensors\n"
    "  268435456     1  copy  1000.0 GB/s  first 35.00 Gparam/s  980.0 GB/s  98.0%  fast 30.00 Gparam/s"
    "  840.0 GB/s  84.0%  fast+SR 25.00 Gparam/s  700.0 GB/s  70.0%\n"
    "  268435456   150  copy  1000.0 GB/s  first 20.00 Gparam/s  560.0 GB/s  56.0%  fast 21.00 Gparam/s"
    "  588.0 GB/s  58.8%  fast+SR 22.00 Gparam/s  616.0 GB/s  61.6%\n"
    "8-bit Adam: two codes a parameter\n"
    "     params p, g\n"
    "  268435456 BF16  copy  1000.0 GB/s  first  10.00 Gparam/s   100.6 GB/s  10.1%  fast  60.00 Gparam/s"
    "   603.6 GB/s  60.4%\n"
    "at 2^28 parameters: fused AdamW 84.0% of the copy (target 90%: not met)\n";

START_TEST(test_bench_lines)
{
    BenchLine b;
    ck_assert(bench_line_parse("  67108864 FP32  copy  3822.7 GB/s  first  71.08 Gparam/s  1141.7 GB/s  29.9%"
                               "  fast  92.13 Gparam/s  1479.8 GB/s  38.7%", &b));
    ck_assert(b.params == 67108864 && strcmp(b.what, "FP32") == 0 && b.copy_gbs == 3822.7 && b.kernels == 2);
    ck_assert(strcmp(b.kernel[1].kind, "fast") == 0 && b.kernel[1].gparams == 92.13 &&
              b.kernel[1].gbs == 1479.8 && b.kernel[1].percent == 38.7);
    /* What is not a bench line. */
    ck_assert(!bench_line_parse("     params tensors", &b));
    ck_assert(!bench_line_parse("at 2^28 parameters: fused AdamW 95.5% of the copy", &b));
    ck_assert(!bench_line_parse("  268435456 1 copy 3927.2 GB/s first 140.05 Gparam/s", &b));   /* cut short */
    ck_assert(!bench_line_parse("", &b));
}
END_TEST

START_TEST(test_a_whole_run)
{
    RecordedBench rb;
    char err[128];
    ck_assert(recorded_bench_parse(RUN, &rb, err, sizeof err));
    ck_assert_str_eq(rb.device, "Test GPU");
    ck_assert(rb.checks_ok == 1 && rb.checks_failed == 1 && rb.num_fused == 2 && rb.num_q8 == 1);
    const KernelTiming *sr = line_kernel(recorded_line(&rb, true, 1LL << 28, "150"), "fast+SR");
    ck_assert(sr && sr->gparams == 22.0 && sr->percent == 61.6);
    ck_assert(line_kernel(recorded_line(&rb, false, 1LL << 28, "BF16"), "fast")->gbs == 603.6);
    ck_assert(recorded_line(&rb, false, 1LL << 28, "FP32") == NULL);
    ck_assert(line_kernel(recorded_line(&rb, false, 1LL << 28, "BF16"), "fast+SR") == NULL);
    /* A file without a device, or without one program's lines, is refused. */
    ck_assert(!recorded_bench_parse("fused AdamW,\n  1 1 copy 1 GB/s first 1 Gparam/s 1 GB/s 1%\n", &rb, err,
                                    sizeof err));
    ck_assert_str_eq(err, "no \"device: \" line");
    ck_assert(!recorded_bench_parse("device: X\n", &rb, err, sizeof err));
    ck_assert_str_eq(err, "no bench line of fused AdamW");
}
END_TEST

START_TEST(test_ncu_metrics)
{
    const char *report = "    Section: GPU Speed Of Light Throughput\n"
                         "    DRAM Throughput                   %        23.19\n"
                         "    Compute (SM) Throughput           %        83.36\n"
                         "    l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum               19,093,208\n";
    ck_assert(ncu_metric(report, "DRAM Throughput") == 23.19);
    ck_assert(ncu_metric(report, "Compute (SM) Throughput") == 83.36);
    ck_assert(ncu_metric(report, "l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum") == 19093208);
    ck_assert(isnan(ncu_metric(report, "Achieved Occupancy")));
}
END_TEST

/* The chapter's sentences on the recorded run, checked on the values the
 * program prints from it (--quick reads the same files). */
START_TEST(test_the_recorded_claims)
{
    char *v = lesson_values_with("13_gpu", "--quick");
    /* Every device check passed, bit for bit: 4 of fused AdamW, 6 of 8-bit Adam. */
    ck_assert(value_in(v, "rec_checks_ok") == 10 && value_in(v, "rec_checks_failed") == 0);
    /* Fused AdamW meets its target (90% of the copy); the first kernel is
     * the faster in one tensor, and 150 launches cost it. */
    ck_assert(value_in(v, "rec_fused_fast_pct") >= BENCH_TARGET_FUSED_PCT);
    ck_assert(value_in(v, "rec_fused_first_pct") > value_in(v, "rec_fused_fast_pct"));
    ck_assert(value_in(v, "rec_fused150_first_pct") < value_in(v, "rec_fused_first_pct"));
    ck_assert(value_in(v, "rec_fused150_fast_pct") < value_in(v, "rec_fused150_first_pct"));
    /* 8-bit Adam: each kernel faster than the one before, the index's by
     * far the most, and still short of both targets; bound by the SMs'
     * instructions, which the index cut, not by memory. */
    ck_assert(value_in(v, "rec_q8_bf16_fast_gparams") > value_in(v, "rec_q8_bf16_first_gparams"));
    ck_assert(value_in(v, "rec_q8_bf16_indexed_gparams") > 1.4 * value_in(v, "rec_q8_bf16_fast_gparams"));
    ck_assert(value_in(v, "rec_q8_bf16_indexed_pct") < BENCH_TARGET_Q8_PCT &&
              value_in(v, "rec_q8_over_fused") < BENCH_TARGET_Q8_OVER_FUSED);
    ck_assert(value_in(v, "rec_q8_over_fused") > 1);
    ck_assert(value_in(v, "ncu_fast_sm_pct") > 2 * value_in(v, "ncu_fast_dram_pct"));
    ck_assert(value_in(v, "ncu_indexed_sm_pct") > value_in(v, "ncu_indexed_dram_pct"));
    ck_assert(value_in(v, "ncu_indexed_instructions_m") < 0.6 * value_in(v, "ncu_fast_instructions_m"));
    /* The recorded device's copy beat the H100 datasheet's bandwidth, which
     * the roofline's ceiling column uses; the profiled launch read shared
     * memory about as often as the count of section 2 (19 reads an
     * element), in far fewer passes than the count found on a trained run's
     * codes, and within a tenth of what it finds on the profiled launch's
     * own codes. */
    ck_assert(value_in(v, "rec_copy_gbs") > 1000 * value_in(v, "h100_tbs"));
    /* "A kernel there can pass this column, as the fused AdamW kernels on
     * one tensor do": all three above the H100's ceiling for fused AdamW. */
    ck_assert(value_in(v, "rec_fused_first_gparams") > value_in(v, "ceiling_fused") &&
              value_in(v, "rec_fused_fast_gparams") > value_in(v, "ceiling_fused") &&
              value_in(v, "rec_fused_sr_gparams") > value_in(v, "ceiling_fused"));
    ck_assert(fabs(value_in(v, "ncu_fast_shared_reads") - 19) <= 1.5);
    ck_assert(value_in(v, "ncu_fast_passes") < 0.6 * value_in(v, "banks_passes"));
    ck_assert(fabs(value_in(v, "banks_passes_bench") - value_in(v, "ncu_fast_passes")) <
              0.1 * value_in(v, "ncu_fast_passes"));
    const double twice = value_in(v, "banks_passes") / value_in(v, "banks_passes_bench");   /* "about twice" */
    ck_assert_msg(twice > 1.7 && twice < 2.5, "%g", twice);
    free(v);
}
END_TEST

void add_recorded_tests(TCase *core, TCase *limits)
{
    tcase_add_test(core, test_bench_lines);
    tcase_add_test(core, test_a_whole_run);
    tcase_add_test(core, test_ncu_metrics);
    tcase_add_test(core, test_the_recorded_claims);
    (void)limits;
}
