/*
 * Unit tests of src/hooks.c.
 */
#include "unit.h"

const struct unit_case hooks_cases[] = {
	{ NULL, NULL }
};
