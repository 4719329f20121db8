/* optimizer_spec.h - how a chapter's optimizer is named and configured from
 * text: its PyTorch keyword arguments, their defaults and PyTorch's checks.
 *
 * optlab's registry, the golden-vector tests and the exercises look an
 * optimizer up by its spec and build it from "key=value" settings. This is
 * kept apart from optimizer.h on purpose: stepping an optimizer needs no
 * command-line parsing, so the core interface does not include flags.h;
 * only this header joins the two. */
#ifndef COMMON_OPTIMIZER_SPEC_H
#define COMMON_OPTIMIZER_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "flags.h"
#include "optimizer.h"

/* How a chapter registers its optimizer with optlab and the tests: the name,
 * the PyTorch keyword arguments it accepts (parsed into its config struct),
 * the defaults, a check that rejects what PyTorch's constructor rejects, a
 * constructor, and what PyTorch's state holds besides the state tensors. */
typedef struct {
    const char *name;            /* "sgd" */
    const char *torch_name;      /* "torch.optim.SGD" */
    const OptionSpec *options;   /* terminated by an entry with key NULL */
    size_t config_size;
    const void *defaults;        /* a config struct holding PyTorch's defaults */
    /* NULL when the config is valid, else a message like PyTorch's ValueError. */
    const char *(*validate)(const void *config, char *buf /* [len] */, size_t len);
    Optimizer *(*create)(ParamList params, const void *config);
    /* Whether PyTorch's per-parameter state holds the step count,
     * state["step"], next to the state tensors: torch.optim.Adagrad and
     * RMSprop keep one (RMSprop without using it), SGD does not. Every
     * Optimizer counts its steps (step_count); this says whether the count
     * is part of PyTorch's state, so that `optlab trace --state` shows the
     * state as PyTorch names it. */
    bool state_has_step;
} OptimizerSpec;

/* One of the checks a PyTorch constructor makes: `refused` says whether the
 * config fails it, `format` (printf, with one %g) and the value say why in
 * PyTorch's words. A spec's validate lists its checks as a table of
 * these, in PyTorch's order, ended by an entry whose format is NULL. */
typedef struct {
    bool refused;
    const char *format;
    double value;
} ConfigCheck;

/* The message of the first refused check, written to buf, and buf; NULL when
 * every check passes. Only the first counts, as only PyTorch's first raise is
 * ever seen. */
const char *first_refused(const ConfigCheck *checks /* up to an entry with format NULL */, char *buf /* [len] */,
                          size_t len);

/* Parses "key=value" settings (PyTorch's keyword names; a bare "key" means
 * true for a bool; "--key=value" works too, see options_parse; a key may be
 * given once) on top of spec's defaults, then
 * validates. `config` must have spec->config_size bytes. Returns 0, or -1
 * with a message in err. */
int optimizer_config_parse(const OptimizerSpec *spec, void *config,
                           int count, const char *const *settings /* [count] */,
                           char *err /* [errlen] */, size_t errlen);

#endif
