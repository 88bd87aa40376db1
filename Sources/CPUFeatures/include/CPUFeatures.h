#ifndef DESCENT_CPU_FEATURES_H
#define DESCENT_CPU_FEATURES_H

/// 1 when the CPU and the operating system support AVX-512 F, else 0.
int descent_cpu_has_avx512(void);
/// 1 when the CPU and the operating system support AVX2 and FMA, else 0.
int descent_cpu_has_avx2_fma(void);

#endif
