#define _GNU_SOURCE
#include "strata_sys.h"
#include <pthread.h>
#include <errno.h>

int strata_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  return posix_spawn_file_actions_addclosefrom_np(actions, from);
#else
  (void)actions;
  (void)from;
  return ENOSYS;
#endif
}

int strata_set_thread_name(const char *name) {
  return pthread_setname_np(pthread_self(), name);
}
