#include "CPUFeatures.h"

#include <stdatomic.h>

// The compiler's CPU-feature queries also check that the operating system saves the wide
// registers (XGETBV), so a 1 means the instructions can really be used.
int descent_cpu_has_avx512(void) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
#else
  return 0;
#endif
}

int descent_cpu_has_avx2_fma(void) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return 0;
#endif
}

static _Atomic int selected_kernel = -1;

int descent_selected_kernel(void) {
  return atomic_load_explicit(&selected_kernel, memory_order_relaxed);
}

void descent_select_kernel(int kernel) {
  atomic_store_explicit(&selected_kernel, kernel, memory_order_relaxed);
}
