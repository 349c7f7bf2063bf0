// Tuning glibc's allocator for batch buffers, once per process before MPI starts.
#pragma once

namespace drover {

// A batch's outputs are one buffer of up to a few MiB (65,536 results of 8
// bytes: 512 KiB), allocated on one thread and freed on another a moment
// later. Past glibc's mmap threshold each such buffer is a fresh mmap: page
// faults, zeroed pages and munmap for every batch (a fifth of both ranks'
// time in perf for 10^8 squares at 2 ranks), and freed heap tops are trimmed
// back to the kernel just as often. Raising the mmap threshold to 64 MiB,
// the trim threshold to 128 MiB and the top pad to 16 MiB keeps them in the
// heap: the library's map of 10^8 squares went from 160-180 to 310-410 M/s.
// Peak memory is what it was (what rss_check bounds); memory freed after a
// peak stays with the process. A parameter the user set through glibc's own
// MALLOC_*_ variable is left as they set it.
void tune_malloc();

}  // namespace drover
