#define _GNU_SOURCE
#include "strata_stream.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct triad_slice {
  double *a, *b, *c;
  size_t begin, end;
  pthread_barrier_t *start;
  int passes;
  double *seconds; /* per pass, written by thread 0 only */
  int first;
  /* 0 until every thread exists; then 1 to run, or -1 (one could not start) to leave. */
  int *go;
  pthread_mutex_t *lock;
  pthread_cond_t *ready;
};

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *triad_worker(void *argument) {
  struct triad_slice *slice = argument;
  pthread_mutex_lock(slice->lock);
  while (*slice->go == 0) pthread_cond_wait(slice->ready, slice->lock);
  int go = *slice->go;
  pthread_mutex_unlock(slice->lock);
  if (go < 0) return NULL;
  /* First touch: each thread faults in its own part, as STREAM does. */
  for (size_t i = slice->begin; i < slice->end; i++) {
    slice->a[i] = 1.0;
    slice->b[i] = 2.0;
    slice->c[i] = 0.5;
  }
  const double scalar = 3.0;
  for (int pass = 0; pass < slice->passes; pass++) {
    pthread_barrier_wait(slice->start);
    double started = slice->first ? now_seconds() : 0;
    double *restrict a = slice->a;
    const double *restrict b = slice->b;
    const double *restrict c = slice->c;
    for (size_t i = slice->begin; i < slice->end; i++) a[i] = b[i] + scalar * c[i];
    pthread_barrier_wait(slice->start);
    if (slice->first) slice->seconds[pass] = now_seconds() - started;
  }
  return NULL;
}

double strata_triad_bytes_per_second(size_t elements, int threads, int passes) {
  if (elements == 0 || threads < 1 || threads > 1024 || passes < 1) return -1;
  double *a = malloc(elements * sizeof(double));
  double *b = malloc(elements * sizeof(double));
  double *c = malloc(elements * sizeof(double));
  double *seconds = calloc((size_t)passes, sizeof(double));
  struct triad_slice *slices = calloc((size_t)threads, sizeof(struct triad_slice));
  pthread_t *ids = calloc((size_t)threads, sizeof(pthread_t));
  pthread_barrier_t start;
  pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
  int go = 0;
  double result = -1;
  if (!a || !b || !c || !seconds || !slices || !ids || pthread_barrier_init(&start, NULL, (unsigned)threads) != 0) {
    goto done;
  }
  int started = 0;
  for (int t = 0; t < threads; t++) {
    slices[t] = (struct triad_slice){
        .a = a, .b = b, .c = c, .begin = elements * (size_t)t / (size_t)threads,
        .end = elements * (size_t)(t + 1) / (size_t)threads, .start = &start, .passes = passes,
        .seconds = seconds, .first = t == 0, .go = &go, .lock = &lock, .ready = &ready};
    /* Thread 0 is this one; the others are started. */
    if (t > 0) {
      if (pthread_create(&ids[t], NULL, triad_worker, &slices[t]) != 0) break;
      started++;
    }
  }
  pthread_mutex_lock(&lock);
  go = started == threads - 1 ? 1 : -1;
  pthread_cond_broadcast(&ready);
  pthread_mutex_unlock(&lock);
  if (go > 0) {
    triad_worker(&slices[0]);
    double best = seconds[0];
    for (int pass = 1; pass < passes; pass++)
      if (seconds[pass] < best) best = seconds[pass];
    if (best > 0) result = 3.0 * sizeof(double) * (double)elements / best;
  }
  for (int t = 1; t <= started; t++) pthread_join(ids[t], NULL);
  pthread_barrier_destroy(&start);
done:
  free(a);
  free(b);
  free(c);
  free(seconds);
  free(slices);
  free(ids);
  return result;
}
