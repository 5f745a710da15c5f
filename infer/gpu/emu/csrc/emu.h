// emu.h: what the emulated CUDA libraries share. libcuda.so.1 (cuda.c)
// owns streams and graphs; libcublas (cublas.c) and libcudnn (cudnn.c)
// queue their work through dsgo_emu_enqueue, so that it is recorded while
// a stream is captured and replayed with the graph.
#ifndef DSGO_EMU_H
#define DSGO_EMU_H

#include <stddef.h>

typedef void (*dsgo_emu_fn)(void *data);

// dsgo_emu_enqueue runs fn(data) now, or records it with a copy of the
// size bytes at data when the stream is being captured.
void dsgo_emu_enqueue(void *stream, dsgo_emu_fn fn, const void *data, size_t size);

#include "half.h"

#endif
