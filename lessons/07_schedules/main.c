/* main.c - lesson 07's program (being written). */
#include <stdlib.h>

#include "experiment.h"

static const OptionSpec FLAGS[] = {
    LESSON_FLAGS,
    {NULL, 0, 0, NULL, 0, 0},
};

int main(int argc, char **argv)
{
    LessonArgs args = LESSON_DEFAULTS;
    lesson_parse("07_schedules", FLAGS, &args, argc, argv);
    Report report;
    if (report_open(&report, args.out, "07_schedules") != 0) return EXIT_USAGE;
    return report_close(&report) == 0 ? 0 : 1;
}
