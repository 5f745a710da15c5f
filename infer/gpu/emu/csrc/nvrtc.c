// nvrtc.c: an emulated libnvrtc.so.13. "Compiling" a program builds it
// with the host C++ compiler into a shared library in $DSGO_EMU_DIR, with
// kernel.h (the CUDA built-ins the kernels use) included first and
// DSGO_EMU defined; the "cubin" is the library's path, which the
// emulated driver (cuda.c) loads.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int nvrtcResult;

typedef struct {
	char *src;
	char *log;
	char path[1024];
} prog_t;

nvrtcResult nvrtcVersion(int *major, int *minor) {
	*major = 13;
	*minor = 0;
	return 0;
}

const char *nvrtcGetErrorString(nvrtcResult r) { return r ? "NVRTC_ERROR_COMPILATION (emulated)" : "NVRTC_SUCCESS"; }

nvrtcResult nvrtcCreateProgram(void **p, const char *src, const char *name, int n, const char *const *h,
	const char *const *names) {
	prog_t *pr = calloc(1, sizeof *pr);
	pr->src = strdup(src);
	*p = pr;
	return 0;
}

nvrtcResult nvrtcDestroyProgram(void **p) {
	prog_t *pr = *p;
	free(pr->src);
	free(pr->log);
	free(pr);
	*p = NULL;
	return 0;
}

static char *slurp(const char *path) {
	FILE *f = fopen(path, "rb");
	if (!f) return strdup("");
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc(n + 1);
	n = (long)fread(b, 1, n, f);
	b[n] = 0;
	fclose(f);
	return b;
}

nvrtcResult nvrtcCompileProgram(void *p, int n, const char *const *opts) {
	prog_t *pr = p;
	const char *dir = getenv("DSGO_EMU_DIR");
	if (!dir) {
		pr->log = strdup("DSGO_EMU_DIR is not set");
		return 6;
	}
	uint64_t h = 1469598103934665603ull; // FNV-1a of the source
	for (const char *c = pr->src; *c; c++) h = (h ^ (unsigned char)*c) * 1099511628211ull;
	snprintf(pr->path, sizeof pr->path, "%s/k%016llx.so", dir, (unsigned long long)h);
	FILE *f = fopen(pr->path, "rb");
	if (f) {
		fclose(f);
		return 0;
	}
	char src[1100], log[1100], cmd[8192];
	snprintf(src, sizeof src, "%s/k%016llx.cu", dir, (unsigned long long)h);
	snprintf(log, sizeof log, "%s/k%016llx.log", dir, (unsigned long long)h);
	f = fopen(src, "wb");
	if (!f) return 6;
	fputs(pr->src, f);
	fclose(f);
	snprintf(cmd, sizeof cmd,
		"g++ -std=c++17 -O2 -w -shared -fPIC -DDSGO_EMU -include '%s/kernel.h' -x c++ '%s' -o '%s.tmp' >'%s' 2>&1 && "
		"mv '%s.tmp' '%s'",
		dir, src, pr->path, log, pr->path, pr->path);
	int rc = system(cmd);
	pr->log = slurp(log);
	return rc == 0 ? 0 : 6;
}

nvrtcResult nvrtcGetProgramLogSize(void *p, size_t *n) {
	prog_t *pr = p;
	*n = pr->log ? strlen(pr->log) + 1 : 1;
	return 0;
}

nvrtcResult nvrtcGetProgramLog(void *p, char *log) {
	prog_t *pr = p;
	strcpy(log, pr->log ? pr->log : "");
	return 0;
}

nvrtcResult nvrtcGetCUBINSize(void *p, size_t *n) {
	*n = strlen(((prog_t *)p)->path) + 1;
	return 0;
}

nvrtcResult nvrtcGetCUBIN(void *p, char *cubin) {
	strcpy(cubin, ((prog_t *)p)->path);
	return 0;
}
