#define _GNU_SOURCE
#include "strata_sys.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

/* Closes every descriptor from `from` up, except `keep` and `keep_too` (both >= from).
   close_range (Linux 5.9) over the gaps; otherwise one close per possible descriptor. */
static void close_from(int from, int keep, int keep_too, rlim_t open_files) {
  int low = keep < keep_too ? keep : keep_too, high = keep < keep_too ? keep_too : keep;
#if defined(__linux__) && defined(SYS_close_range)
  int done = (low <= from || syscall(SYS_close_range, (unsigned)from, (unsigned)low - 1, 0) == 0) &&
             (high <= low + 1 || syscall(SYS_close_range, (unsigned)low + 1, (unsigned)high - 1, 0) == 0) &&
             syscall(SYS_close_range, (unsigned)high + 1, ~0U, 0) == 0;
  if (done) return;
#endif
  for (int fd = from; (rlim_t)fd < open_files && fd < 1 << 20; fd++) {
    if (fd != keep && fd != keep_too) close(fd);
  }
}

static void on_child(int signal) { (void)signal; }

static int move_to(int fd, int target) {
  if (fd == target) return fcntl(fd, F_SETFD, 0); /* dup2 to itself keeps CLOEXEC */
  return dup2(fd, target) < 0 ? -1 : 0;
}

/* Waits for every descendant that comes to it and exits as bubblewrap did.
   bubblewrap's monitor exits as soon as its init reports the program's status,
   without waiting for that init, so the CPU time of the program would be lost
   with it. As a subreaper this process inherits the orphaned init, waits for it,
   and so its own rusage, which strata reads, holds the program's.

   `lifeline` is the read end of a pipe whose only write end strata holds: end of
   file means strata is gone (killed, crashed, a second Ctrl-C), and then the whole
   group is killed, bubblewrap with it, which ends the PID namespace inside. So no
   sandboxed program outlives strata, whatever way strata ends. */
static void reap_all(pid_t bubblewrap, int lifeline) {
  /* SIGCHLD is blocked except inside ppoll, so a child's exit cannot slip in
     between the last wait and the poll. */
  sigset_t child_signal, during_poll;
  sigemptyset(&child_signal);
  sigaddset(&child_signal, SIGCHLD);
  sigprocmask(SIG_BLOCK, &child_signal, NULL);
  sigemptyset(&during_poll);
  struct sigaction wake;
  memset(&wake, 0, sizeof wake);
  wake.sa_handler = on_child;
  sigaction(SIGCHLD, &wake, NULL);
  int exit_code = 127;
  while (1) {
    int status;
    pid_t reaped = wait4(-1, &status, WNOHANG, NULL);
    if (reaped > 0) {
      if (reaped == bubblewrap) {
        /* bubblewrap's own convention for a signalled program: 128 + signal. */
        exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      continue;
    }
    if (reaped < 0 && errno == EINTR) continue;
    if (reaped < 0) break; /* ECHILD: nothing is left */
    struct pollfd watch = {lifeline, POLLIN, 0};
    int ready = ppoll(&watch, 1, NULL, &during_poll);
    if (ready > 0 && (watch.revents & (POLLIN | POLLHUP | POLLERR))) {
      char byte;
      ssize_t got = read(lifeline, &byte, 1);
      if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) kill(0, SIGKILL);
    }
  }
  _exit(exit_code);
}

static void child(const struct strata_sandbox_spec *spec, int pipe_fd, int lifeline) {
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
  close_from(3, pipe_fd, lifeline, open_files.rlim_cur);

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
  reap_all(bubblewrap, lifeline);
}

int strata_sandbox_spawn(const struct strata_sandbox_spec *spec, struct strata_sandbox_result *result) {
  memset(result, 0, sizeof *result);
  result->lifeline_fd = -1;
  int fds[2], life[2];
  /* Close-on-exec, so a successful execve closes the write end: end of file
     on the read end then means "running". The lifeline is close-on-exec too:
     only strata and the reaper hold it, never bubblewrap or the program. */
  if (pipe2(fds, O_CLOEXEC) != 0) {
    result->stage = STRATA_SANDBOX_STAGE_FORK;
    result->error = errno;
    return -1;
  }
  if (pipe2(life, O_CLOEXEC) != 0) {
    result->stage = STRATA_SANDBOX_STAGE_FORK;
    result->error = errno;
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    result->stage = STRATA_SANDBOX_STAGE_FORK;
    result->error = errno;
    close(fds[0]);
    close(fds[1]);
    close(life[0]);
    close(life[1]);
    return -1;
  }
  if (pid == 0) {
    close(fds[0]);
    close(life[1]);
    child(spec, fds[1], life[0]);
    _exit(127);
  }
  close(fds[1]);
  close(life[0]);
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
    close(life[1]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
    return -1;
  }
  result->pid = pid;
  result->lifeline_fd = life[1];
  return 0;
}
