/* What the CPU can do, as far as our vector paths care. */
#ifndef CMFV_CPU_H
#define CMFV_CPU_H

/** 1 when AVX2 and POPCNT can be used (x86-64), else 0; asked once. */
int cmfv_cpu_avx2(void);

#endif
