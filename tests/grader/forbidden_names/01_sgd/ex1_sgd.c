@SOLUTION@

/* The solution, and a use of exercise 2's function, which one exercise may
 * not make (when ex2 does not build, ex1 is linked with ex2's stub): refused. */
static double (*const exercise_2)(double, double, int, int) = step_decay_lr;
