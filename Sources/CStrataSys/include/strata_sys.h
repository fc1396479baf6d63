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

#include <sys/types.h>

/* ---- Code sandbox: fork/exec of a limited child in its own process group ---- */

/// What the sandboxed child is given. Descriptors are the parent's (opened with
/// O_CLOEXEC); the child moves them to 0, 1 and 2. A limit <= 0 leaves it as it is.
/// The namespaces, the identity switch and the process limit are not set here:
/// the program exec'd is bubblewrap, which does them (see SandboxCommand.swift).
struct strata_sandbox_spec {
  const char *path;         /* absolute path of the program (execve does no PATH search) */
  char *const *argv;        /* NULL-terminated */
  char *const *envp;        /* NULL-terminated, the whole environment */
  const char *workdir;
  int stdin_fd, stdout_fd, stderr_fd;
  long long cpu_seconds;    /* RLIMIT_CPU soft limit; the hard limit is one second more */
  long long address_space_bytes; /* RLIMIT_AS */
  long long file_size_bytes;     /* RLIMIT_FSIZE */
  long long max_open_files;      /* RLIMIT_NOFILE */
};

/// The step of the child's setup that failed.
enum strata_sandbox_stage {
  STRATA_SANDBOX_STAGE_NONE = 0,
  STRATA_SANDBOX_STAGE_FORK,
  STRATA_SANDBOX_STAGE_SETPGID,
  STRATA_SANDBOX_STAGE_RLIMIT,
  STRATA_SANDBOX_STAGE_CHDIR,
  STRATA_SANDBOX_STAGE_DUP2,
  STRATA_SANDBOX_STAGE_EXEC,
};

struct strata_sandbox_result {
  pid_t pid;        /* the reaper, leader of the process group; 0 on failure */
  int stage;        /* enum strata_sandbox_stage; NONE on success */
  int error;        /* errno of the failed step */
  int lifeline_fd;  /* write end of the reaper's lifeline: close it once the reaper is reaped
                       (its end of file, strata gone, makes the reaper kill the group); -1 on failure */
};

/// Forks a child that makes its own process group, resets signals, applies the
/// limits, changes to workdir, moves the descriptors to 0-2, closes every other
/// descriptor, becomes a child subreaper and forks the process that execs. The
/// child stays behind as a reaper: it waits for every descendant orphaned to it
/// (bubblewrap's init among them) and exits with the exec'd program's status, so
/// its rusage holds the CPU time of everything that ran. Failures of any step
/// come back through a close-on-exec pipe, so 0 means the program is running. Returns 0, or -1 with result->stage
/// and result->error set (a child that failed has been reaped).
int strata_sandbox_spawn(const struct strata_sandbox_spec *spec, struct strata_sandbox_result *result);
#endif
