// Counts heap allocations, to show that a training step makes none. Linked only into the test
// and benchmark executables: their definitions of malloc and friends take precedence over the C
// library's, count when the calling thread asked to, and forward to glibc's own allocator.
// Counting is per thread, so tests running in parallel do not disturb each other.
#include "MallocCounter.h"

#include <stdlib.h>  // also defines __GLIBC__ on glibc systems

// A sanitizer's runtime replaces malloc itself and calls it before it is ready for instrumented
// code, so a second definition here crashes the process at startup (swift test --sanitize).
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define DESCENT_SANITIZED 1
#endif
#endif

#if defined(__linux__) && defined(__GLIBC__) && !defined(DESCENT_SANITIZED)
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static __thread int counting;
static __thread long allocations;

void descent_malloc_counter_start(void) {
  allocations = 0;
  counting = 1;
}

long descent_malloc_counter_stop(void) {
  counting = 0;
  return allocations;
}

static inline void count(void) {
  if (counting) allocations += 1;
}

void *malloc(size_t size) {
  count();
  return __libc_malloc(size);
}

void *calloc(size_t number, size_t size) {
  count();
  return __libc_calloc(number, size);
}

void *realloc(void *pointer, size_t size) {
  count();
  return __libc_realloc(pointer, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
  count();
  void *pointer = __libc_memalign(alignment, size);
  if (pointer == NULL) return 12;  // ENOMEM
  *result = pointer;
  return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
  count();
  return __libc_memalign(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
  count();
  return __libc_memalign(alignment, size);
}
#else
// Elsewhere, and under a sanitizer, allocations are not counted; the counter reports -1.
void descent_malloc_counter_start(void) {}
long descent_malloc_counter_stop(void) { return -1; }
#endif
