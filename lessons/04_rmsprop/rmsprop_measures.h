/* rmsprop_measures.h - what lesson 04's program measures with: RMSProp run
 * by hand on one number where the chapter needs to see inside it, and each
 * method's two runs on the moving ravine.
 *
 *   rmsprop_with         PyTorch's defaults but for alpha, momentum, centered
 *   steady_steps         step lengths when every gradient is 1 (AdaGrad and
 *                        four RMSProps)
 *   step_response        square_avg after each step of a gradient switched on
 *   scale_change         how RMSProp adapts when the gradients change size
 *   Variant, variant_run a method the chapter compares, and a Run of it
 *   JumpResult,          a method on the moving ravine at its tuned lr, as it
 *   jump_result          is and 1/JUMP_SCALE times flatter after the jump
 *   steps_to_adapt       when the run on the flatter ravine steps as the other */
#ifndef LESSON_RMSPROP_MEASURES_H
#define LESSON_RMSPROP_MEASURES_H

#include <stdbool.h>

#include "problems.h"
#include "rmsprop.h"
#include "runs.h"

/* An RMSProp configuration: PyTorch's defaults but for these. */
RMSpropConfig rmsprop_with(double alpha, float momentum, bool centered);

/* Step lengths over lr on the gradient 1 at every step, for t = 1..steps,
 * in length[k][t] for each method k below (length[k][0] is NAN): AdaGrad
 * (PyTorch's defaults), RMSProp at three alphas, and centered RMSProp. */
enum { STEADY_ADAGRAD, STEADY_A09, STEADY_A099, STEADY_A0999, STEADY_CENTERED, STEADY_COUNT };
void steady_steps(int steps, double *length[STEADY_COUNT] /* each [steps + 1] */);

/* square_avg after each step t = 0..steps when every gradient is 1 from the
 * first step on (a "step" input), through rmsprop_update itself. */
void step_response(double alpha, int steps, double *square_avg /* [steps + 1] */);

/* RMSProp has settled on gradients of size `from` (square_avg = from^2);
 * from the next step on every gradient has size `to`. Returns the steps
 * until a step is back within a factor 2 of its steady length lr (drops;
 * -1 if not within a million steps), and in *largest the longest step over
 * lr on the way (rises). */
int scale_change(double alpha, float from, float to, double *largest);

/* A method the chapter compares: GD (lesson 02's SGD, momentum 0), AdaGrad
 * (PyTorch's defaults) or RMSProp with cfg. Its tag names its values. */
typedef struct {
    const char *label, *tag;
    const OptimizerSpec *spec;
    RMSpropConfig cfg;   /* for RMSProp */
} Variant;

/* `steps` full-batch steps of v at lr from a problem's start. */
Run variant_run(const Variant *v, float lr, int steps);

/* Chapter 3's moving ravine (run_jump): the ravine turned by 45 degrees
 * (kappa 20), with gradient noise of a mini-batch's size; after a phase its
 * minimum jumps to where the run started, and its loss is multiplied by a
 * scale (noise included): the same problem, 1/scale times flatter. */
#define JUMP_NOISE 0.3
#define JUMP_KAPPA 20.0
#define JUMP_SCALE 0.01

/* What the chapter reads off each method's two runs at its tuned lr: on the
 * moving ravine as it is, and 1/JUMP_SCALE times flatter after the jump. */
typedef struct {
    float lr;
    JumpRun same, scaled;   /* probe: the effective lr, times the scale after the jump */
    double adapt;           /* steps_to_adapt */
} JumpResult;

/* v on the moving ravine p, 2 phase steps: its lr the best of 0.001 .. 10
 * on the first phase, then run as it is and JUMP_SCALE flatter after the
 * jump. The caller frees res.same and res.scaled (jump_run_free). */
JumpResult jump_result(Problem *p, const Variant *v, int phase);

/* Steps after the change (at step `phase`) until the run on the flatter
 * problem steps as the run on the unchanged one does: from then on, its
 * probe (the effective learning rate times the scale) stays within a factor
 * 2 of the other's. NAN: never, to the end at step 2 phase. */
double steps_to_adapt(const JumpRun *scaled, const JumpRun *same, int phase);

#endif
