/* CPU features (include/cmfv/cpu.h). glibc's answer where there is one
 * (2.33+): it ran cpuid when the process started, and says "active" only
 * when the kernel saves the AVX state too. Else the compiler's, which
 * links libgcc's constructor that runs cpuid at every start: costly on a
 * virtual machine, where each CPUID traps to the hypervisor. */
#include "cmfv/cpu.h"

#if defined(__x86_64__) && defined(CMFV_HAVE_GLIBC_X86_H)
#include <sys/platform/x86.h>
#endif

int cmfv_cpu_avx2(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	static int known = -1;

	if (known < 0) {
#ifdef CMFV_HAVE_GLIBC_X86_H
		known = CPU_FEATURE_ACTIVE(AVX2) && CPU_FEATURE_ACTIVE(POPCNT);
#else
		known = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
#endif
	}
	return known;
#else
	return 0;
#endif
}
