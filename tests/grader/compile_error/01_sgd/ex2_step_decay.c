/* Does not compile: only exercise 2 loses its points. */
#include "exercises.h"

double step_decay_lr(double base_lr, double gamma, int step_size, int epoch)
{
    return base_lr * undeclared_variable;
}
