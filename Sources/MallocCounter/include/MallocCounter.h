#ifndef DESCENT_MALLOC_COUNTER_H
#define DESCENT_MALLOC_COUNTER_H

/// Starts counting the heap allocations made by the calling thread, from zero.
void descent_malloc_counter_start(void);
/// Stops counting on the calling thread and returns the number of allocations counted.
long descent_malloc_counter_stop(void);

#endif
