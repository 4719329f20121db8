/* problems.h - the loss landscapes every chapter trains on.
 *
 * Two kinds of problem share one interface:
 *   - functions of the parameters alone (the ravine, Rosenbrock, the saddle),
 *     where the "gradient" is exact and there is no data;
 *   - models trained on examples (a sparse-feature linear model, softmax
 *     regression and a one-hidden-layer MLP on the digits, and the tiny GPT
 *     on a character language, gpt.h), where a step may use a mini-batch of
 *     examples.
 * Because every chapter runs the same problems through the same train()
 * loop, numbers from different chapters can be compared directly. */
#ifndef COMMON_PROBLEMS_H
#define COMMON_PROBLEMS_H

#include <stdint.h>

#include "data.h"
#include "params.h"
#include "tensor.h"

typedef struct Problem Problem;
struct Problem {
    const char *name;
    MemoryLedger ledger;      /* counts the parameter, gradient, activation and
                                 optimizer-state bytes of this problem */
    ParamList params;         /* what an optimizer trains, with its gradients,
                                 each named as PyTorch would name it */
    int num_examples;         /* training examples; 0 for a plain function */
    double min_loss;          /* the lowest loss, where known exactly; NAN if not */
    /* The mean loss over the listed training examples (all of them when idx is
     * NULL; ignored for plain functions), and its gradient into params.grads. */
    double (*loss_and_grad)(Problem *self, const int *idx /* [n] or NULL */, int n);
    /* Fraction of the test set classified correctly; NULL if no test set. */
    double (*test_accuracy)(Problem *self);
    /* Puts the parameters back to their starting point (random models draw a
     * fresh initialisation from seed; fixed functions ignore it). */
    void (*reset)(Problem *self, uint64_t seed);
    void (*destroy)(Problem *self);
};

/* A quadratic with the given curvatures: f(x) = 1/2 sum_i h_i x_i^2, starting
 * at `start`. Its one parameter is the point "x", as for every plain function
 * below. Minimum 0 at the origin. NULL unless dim >= 1 and every h_i is
 * positive and finite. */
Problem *quadratic_new(int dim, const double *curvature /* [dim] */, const float *start /* [dim] */);

/* The ravine: the quadratic with curvatures h_i spaced geometrically from
 * 1/kappa (coordinate 0: the long flat floor) up to 1 (the last coordinate:
 * the steep wall), so L = 1 and the condition number is kappa. Starts at
 * x_i = 1/sqrt(h_i), where every coordinate contributes 1/2 to the loss.
 * NULL unless dim >= 1 and kappa >= 1. */
Problem *ravine_new(int dim, double kappa);
/* The curvature h_i (Hessian eigenvalue) of coordinate i of a quadratic or ravine. */
double quadratic_curvature(const Problem *quadratic, int i);

/* Rosenbrock's banana: f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, from (-1.2, 1).
 * Minimum 0 at (1, 1) at the end of a curved valley. */
Problem *rosenbrock_new(void);

/* A saddle with two valleys: f(x, y) = x^2/2 - y^2/2 + y^4/4.
 * The origin is a saddle point (f = 0, zero gradient); the minima are at
 * (0, +1) and (0, -1) with f = -1/4. Starts at (1, y0): with y0 = 0 exactly,
 * gradient descent slides into the saddle and stays. */
Problem *saddle_new(double y0);

/* A linear model with sparse features: example n has feature j with
 * probability 1/(j+1) (a few common features, many rare ones), targets are
 * x . w_true + noise, and the loss is 1/2 mean squared error. One parameter,
 * "weight" (w[features], as a bias-free nn.Linear names it), starting at 0.
 * 1000 examples, `features` features, data drawn from `seed`. */
Problem *sparse_linear_new(int features, uint64_t seed);
/* The true weights w_true[features] of a sparse problem (NULL for any other
 * problem): what its weights should learn, up to the noise. */
const float *sparse_linear_true_weights(const Problem *sparse);

/* Softmax regression (one linear layer and cross-entropy) on the digits
 * training set. Parameters "weight" [10 x 64] and "bias" [10], as a bare
 * nn.Linear names them; they start at 0. NULL with a message if the data
 * cannot be read. */
Problem *softmax_regression_new(char *err /* [errlen] */, size_t errlen);

/* A one-hidden-layer MLP on the digits: 64 -> hidden (tanh) -> 10, with
 * cross-entropy loss and hand-written backpropagation. Parameters
 * "fc1.weight" [hidden x 64], "fc1.bias", "fc2.weight" [10 x hidden] and
 * "fc2.bias", in that order. They start as PyTorch's nn.Linear does: uniform
 * in +-1/sqrt(fan_in), drawn from seed. */
Problem *mlp_new(int hidden, uint64_t seed, char *err /* [errlen] */, size_t errlen);

/* The fraction of the training examples that a digits model (softmax
 * regression or the MLP) classifies correctly at its parameters now; NAN for
 * any other problem. Beside test_accuracy it shows the gap between the two:
 * how much of what a model learned holds beyond its training set. */
double digits_train_accuracy(Problem *digits);

/* The mean cross-entropy of a digits model (softmax regression or the MLP)
 * on the test set at its parameters now (the gradients are left alone);
 * NAN for any other problem. Unlike the test accuracy it sees how sure the
 * model is: what weight decay changes even where the accuracy does not. */
double digits_test_loss(Problem *digits);
/* Sets input `feature` (0..63, a pixel) of training example `example` of a
 * digits model (softmax regression or the MLP) to `value`, and returns the
 * value it had, so that the caller can put it back; NAN (and nothing set)
 * for any other problem or an index out of range. What bad data does to a
 * run (lesson 07 puts a NaN in one image); reset() leaves the data alone. */
double digits_set_train_input(Problem *digits, int example, int feature, float value);

/* A problem by name, as optlab's --problem: ravine (kappa from the argument),
 * rosenbrock, saddle, sparse, softmax, mlp, and gpt (the tiny GPT of gpt.h,
 * sized by settings after the name: gpt:quick, gpt:n_layer=1:n_embd=32).
 * NULL with a message if unknown or badly set. */
Problem *problem_by_name(const char *name, double kappa, uint64_t seed,
                         char *err /* [errlen] */, size_t errlen);
extern const char *const PROBLEM_NAMES;   /* "ravine rosenbrock ..." */

/* The loss (and gradient) at the given flat parameter vector: on all
 * training examples, or on the listed ones. The parameters stay there. */
double problem_loss_at(Problem *p, const float *flat_params /* [paramlist_numel(&p->params)] */);
double problem_loss_at_batch(Problem *p, const float *flat_params /* [paramlist_numel(&p->params)] */,
                             const int *idx /* [n] or NULL */, int n);
void problem_free(Problem *p);

#endif
