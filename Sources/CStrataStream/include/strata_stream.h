#ifndef STRATA_STREAM_H
#define STRATA_STREAM_H
#include <stddef.h>

/// STREAM's triad (a[i] = b[i] + s·c[i]) over three arrays of `elements` doubles, split
/// across `threads` threads, `passes` times; returns the best pass's bandwidth in bytes
/// per second, counting 24 bytes an element as STREAM does, or -1 when memory or a
/// thread could not be had. C, not Swift: the loop must be what the compiler vectorises,
/// with no bounds checks or retain traffic between the memory and the figure.
double strata_triad_bytes_per_second(size_t elements, int threads, int passes);
#endif
