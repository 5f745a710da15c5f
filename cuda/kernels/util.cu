// util.cu: small kernels for tests and housekeeping.

// y[i] = a * x[i] + y[i] for i < n.
extern "C" __global__ void dsgo_axpy_f32(int n, float a, const float *__restrict__ x, float *__restrict__ y) {
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n) {
		y[i] = a * x[i] + y[i];
	}
}
