/* test_adam.c - lesson 05's tests (being written): Adam's first step. */
#include <math.h>

#include "adam.h"
#include "testing.h"

/* On the first step both corrected averages are the gradient itself, so
 * every coordinate moves by lr * g / (|g| + eps): almost lr * sign(g). */
START_TEST(test_first_step_is_lr_times_sign)
{
    float param[3] = {0.0f, 0.0f, 0.0f}, grad[3] = {1e-3f, -2.0f, 1e3f};
    float exp_avg[3] = {0}, exp_avg_sq[3] = {0};
    AdamConfig cfg = ADAM_DEFAULTS;
    adam_update(param, grad, exp_avg, exp_avg_sq, NULL, 3, 1, &cfg);
    for (int i = 0; i < 3; i++) {
        double want = (double)cfg.lr * grad[i] / (fabs(grad[i]) + cfg.eps);
        ck_assert_double_eq_tol(-param[i], want, 1e-6 * fabs(want));
        ck_assert_double_eq_tol(-param[i], cfg.lr * copysignf(1.0f, grad[i]), 2e-5 * cfg.lr);   /* eps / |g| is 1e-5 for g = 1e-3 */
    }
}
END_TEST

Suite *make_suite(void)
{
    static const LessonTest core[] = {
        {&test_first_step_is_lr_times_sign, 1},
        {NULL, 0},
    };
    static const LessonTest limits[] = {{NULL, 0}};
    return lesson_suite("05_adam", core, limits);
}
