/* rotated.h - the ravine turned by an angle: the same two curvatures, 1/kappa
 * along its floor and 1 across its walls, but with the floor no longer along
 * a coordinate axis. AdaGrad scales each coordinate on its own; this problem
 * shows what that can and cannot fix. */
#ifndef LESSON_ROTATED_H
#define LESSON_ROTATED_H

#include "problems.h"

/* f(x) = 1/2 (u0^2 / kappa + u1^2) with u = R(-angle) x: the ravine's floor
 * runs along the direction (cos angle, sin angle). Angle 0 is ravine_new(2,
 * kappa), the same function and gradients (the loss may differ in its last
 * bit: it divides by kappa where the ravine multiplies by 1/kappa). Starts
 * where each direction contributes 1/2 to the loss, as the ravine does;
 * reset(p, seed) with seed k (mod 16) > 0 starts elsewhere on the same level
 * set (loss 1), at the angle pi/4 + 0.35 (k mod 16) around the ellipse, so
 * that a result cannot hang on one lucky starting point. Its one parameter
 * is "x" [2]. NULL unless kappa >= 1. */
Problem *rotated_ravine_new(double kappa, double angle);

#endif
