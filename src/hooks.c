/* The hook runner: see issue "Hooks". Not built yet. */
#include "hookbox.h"

int
hooks_due(struct store *st, const struct conf *c, time_t now)
{
	(void)st; (void)c; (void)now;
	return 0;
}

void
hooks_kick(const struct conf *c, struct store *st)
{
	(void)c; (void)st;
}
