#define _GNU_SOURCE
#include "strata_sys.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* One report from the child; 8 bytes, so each write on the pipe is atomic. */
struct strata_sandbox_message {
  int stage, error;
};

/* Everything between fork and execve below is async-signal-safe: the parent may
   have many threads, and the child must not touch a lock one of them held. So:
   raw system calls only, no malloc, no stdio, no glibc set*id (which signals
   every thread of the process). */

static void report(int fd, int stage, int error) {
  struct strata_sandbox_message message = {stage, error};
  ssize_t written;
  do {
    written = write(fd, &message, sizeof message);
  } while (written < 0 && errno == EINTR);
}

static void fail(int fd, int stage, int error) {
  report(fd, stage, error);
  _exit(127);
}

static int limit(int resource, long long soft, long long hard) {
  if (soft <= 0) return 0;
  struct rlimit value = {(rlim_t)soft, (rlim_t)hard};
  return setrlimit(resource, &value);
}

/* Closes every descriptor from `from` up, except `keep`. close_range (Linux
   5.9) in one call; otherwise one close per possible descriptor. */
static void close_from(int from, int keep, rlim_t open_files) {
#if defined(__linux__) && defined(SYS_close_range)
  int done = (keep <= from || syscall(SYS_close_range, (unsigned)from, (unsigned)keep - 1, 0) == 0) &&
             syscall(SYS_close_range, (unsigned)(keep < from ? from : keep + 1), ~0U, 0) == 0;
  if (done) return;
#endif
  for (int fd = from; (rlim_t)fd < open_files && fd < 1 << 20; fd++) {
    if (fd != keep) close(fd);
  }
}

static int move_to(int fd, int target) {
  if (fd == target) return fcntl(fd, F_SETFD, 0); /* dup2 to itself keeps CLOEXEC */
  return dup2(fd, target) < 0 ? -1 : 0;
}

/* Waits for every descendant that comes to it and exits as bubblewrap did.
   bubblewrap's monitor exits as soon as its init reports the program's status,
   without waiting for that init, so the CPU time of the program would be lost
   with it. As a subreaper this process inherits the orphaned init, waits for it,
   and so its own rusage, which strata reads, holds the program's. */
static void reap_all(pid_t bubblewrap) {
  int exit_code = 127;
  while (1) {
    int status;
    pid_t reaped = wait4(-1, &status, 0, NULL);
    if (reaped < 0) {
      if (errno == EINTR) continue;
      break; /* ECHILD: nothing is left */
    }
    if (reaped == bubblewrap) {
      /* bubblewrap's own convention for a signalled program: 128 + signal. */
      exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
  }
  _exit(exit_code);
}

static void child(const struct strata_sandbox_spec *spec, int pipe_fd) {
  if (setpgid(0, 0) != 0) fail(pipe_fd, STRATA_SANDBOX_STAGE_SETPGID, errno);

  /* Ignored signals survive execve, and strata ignores some (SIGINT, SIGPIPE). */
  struct sigaction defaults;
  memset(&defaults, 0, sizeof defaults);
  defaults.sa_handler = SIG_DFL;
  for (int signal = 1; signal < NSIG; signal++) sigaction(signal, &defaults, NULL);
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, NULL);

  struct rlimit open_files = {1024, 1024};
  getrlimit(RLIMIT_NOFILE, &open_files);
  /* The hard CPU limit is one second past the soft one: SIGXCPU first (a
     handler cannot keep it running), SIGKILL if it catches that. No core files. */
  if (limit(RLIMIT_CPU, spec->cpu_seconds, spec->cpu_seconds + 1) != 0 ||
      limit(RLIMIT_AS, spec->address_space_bytes, spec->address_space_bytes) != 0 ||
      limit(RLIMIT_FSIZE, spec->file_size_bytes, spec->file_size_bytes) != 0 ||
      limit(RLIMIT_NOFILE, spec->max_open_files, spec->max_open_files) != 0)
    fail(pipe_fd, STRATA_SANDBOX_STAGE_RLIMIT, errno);
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);

  if (chdir(spec->workdir) != 0) fail(pipe_fd, STRATA_SANDBOX_STAGE_CHDIR, errno);
  if (move_to(spec->stdin_fd, 0) != 0 || move_to(spec->stdout_fd, 1) != 0 || move_to(spec->stderr_fd, 2) != 0)
    fail(pipe_fd, STRATA_SANDBOX_STAGE_DUP2, errno);
  close_from(3, pipe_fd, open_files.rlim_cur);

  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) fail(pipe_fd, STRATA_SANDBOX_STAGE_FORK, errno);
  pid_t bubblewrap = fork();
  if (bubblewrap < 0) fail(pipe_fd, STRATA_SANDBOX_STAGE_FORK, errno);
  if (bubblewrap == 0) {
    report(pipe_fd, STRATA_SANDBOX_STAGE_NONE, 0);
    execve(spec->path, spec->argv, spec->envp);
    fail(pipe_fd, STRATA_SANDBOX_STAGE_EXEC, errno);
  }
  /* The read end sees end of file once bubblewrap has exec'd (close-on-exec). */
  close(pipe_fd);
  reap_all(bubblewrap);
}

int strata_sandbox_spawn(const struct strata_sandbox_spec *spec, struct strata_sandbox_result *result) {
  memset(result, 0, sizeof *result);
  int fds[2];
  /* Close-on-exec, so a successful execve closes the write end: end of file
     on the read end then means "running". */
  if (pipe2(fds, O_CLOEXEC) != 0) {
    result->stage = STRATA_SANDBOX_STAGE_FORK;
    result->error = errno;
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    result->stage = STRATA_SANDBOX_STAGE_FORK;
    result->error = errno;
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    close(fds[0]);
    child(spec, fds[1]);
    _exit(127);
  }
  close(fds[1]);
  /* Set the group from the parent too, so it exists before anyone signals it. */
  setpgid(pid, pid);

  struct strata_sandbox_message message;
  ssize_t got;
  while (1) {
    got = read(fds[0], &message, sizeof message);
    if (got < 0 && errno == EINTR) continue;
    if (got != (ssize_t)sizeof message) break;
    result->stage = message.stage;
    result->error = message.error;
  }
  close(fds[0]);
  if (result->stage != STRATA_SANDBOX_STAGE_NONE) {
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
    return -1;
  }
  result->pid = pid;
  return 0;
}
