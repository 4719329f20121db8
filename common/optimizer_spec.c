/* optimizer_spec.c - building an optimizer's config from "key=value"
 * settings (see optimizer_spec.h). */
#include "optimizer_spec.h"

#include <stdio.h>
#include <string.h>

int optimizer_config_parse(const OptimizerSpec *spec, void *config,
                           int count, const char *const *settings,
                           char *err, size_t errlen)
{
    memcpy(config, spec->defaults, spec->config_size);
    char msg[256];
    if (options_parse(spec->options, config, count, settings, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "%s (%s): %s", spec->name, spec->torch_name, msg);
        return -1;
    }
    const char *problem = spec->validate ? spec->validate(config, msg, sizeof msg) : NULL;
    if (problem) {
        snprintf(err, errlen, "%s (%s): %s", spec->name, spec->torch_name, problem);
        return -1;
    }
    return 0;
}

const char *first_refused(const ConfigCheck *checks, char *buf, size_t len)
{
    for (const ConfigCheck *c = checks; c->format; c++)
        if (c->refused) {
            snprintf(buf, len, c->format, c->value);
            return buf;
        }
    return NULL;
}
