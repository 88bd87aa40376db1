#ifndef DESCENT_CPU_FEATURES_H
#define DESCENT_CPU_FEATURES_H

/// 1 when the CPU and the operating system support AVX-512 F, else 0.
int descent_cpu_has_avx512(void);
/// 1 when the CPU and the operating system support AVX2 and FMA, else 0.
int descent_cpu_has_avx2_fma(void);

/// The matrix-product kernel in use, as Descent numbers it, or -1 before one is chosen. Read
/// and written atomically (relaxed), so that a benchmark or a test may switch kernels while
/// other threads multiply: every kernel computes the same bits.
int descent_selected_kernel(void);
/// Sets the kernel that `descent_selected_kernel` returns.
void descent_select_kernel(int kernel);

#endif
