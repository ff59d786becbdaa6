/**
 * libuv runs file system calls on a pool of 4 threads unless told otherwise, which caps a
 * process at 4 disk operations in flight: a garbage collection or a busy `serve` waits on
 * stats and renames with the CPU idle. The pool starts at its first use, so the size is set
 * here, in the first module the CLI evaluates (an explicit UV_THREADPOOL_SIZE wins).
 */
process.env.UV_THREADPOOL_SIZE ??= '16';
