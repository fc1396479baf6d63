#ifndef STRATA_SPAWN_H
#define STRATA_SPAWN_H
#include <spawn.h>

/// Adds a "close every descriptor >= from" action (glibc >= 2.34). Declared here
/// because glibc hides it behind _GNU_SOURCE, which Swift's Glibc module does not
/// set. Returns 0, or an errno value (ENOSYS where the C library lacks it).
int strata_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from);
#endif
