#ifndef STRATA_SYS_H
#define STRATA_SYS_H
/* Small C helpers for what Swift cannot reach in glibc. */
#include <spawn.h>

/// Adds a "close every descriptor >= from" action (glibc >= 2.34). Declared here
/// because glibc hides it behind _GNU_SOURCE, which Swift's Glibc module does not
/// set. Returns 0, or an errno value (ENOSYS where the C library lacks it).
int strata_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from);
/// Names the calling thread (15 characters at most), as /proc/<pid>/task/<tid>/comm
/// shows it. glibc declares pthread_setname_np only under _GNU_SOURCE as well.
/// Returns 0 or an errno value.
int strata_set_thread_name(const char *name);
#endif
