//! glibc malloc settings for processes that move large buffers batch after
//! batch (the Lambda, `hooklake import`).
//!
//! Allocator settings have no maintained crate; these are documented
//! `mallopt` calls.

/// Buffers at least this big are mapped on their own (glibc's maximum): a
/// whole Lambda event (6 MB at most) and a row group's column buffers stay
/// below it.
const MMAP_THRESHOLD_BYTES: i32 = 32 * 1024 * 1024;

/// Free memory at the top of the heap beyond this goes back to the kernel.
const TRIM_THRESHOLD_BYTES: i32 = 128 * 1024 * 1024;

/// Tunes glibc's malloc so that the memory one batch frees serves the next.
///
/// - Batch-sized buffers come from the heap, not from mappings of their own
///   (fixed mmap threshold, high trim threshold). A fresh mapping costs a
///   page fault and a zeroed page per 4 KB touched (docs/benchmarks.md,
///   "Measurements behind the code's choices", has what that cost).
/// - With `one_arena`, all threads share one arena: freed memory is
///   reusable by every thread, so the heap grows to what the largest batch
///   needs, not that once per thread.
///
/// Call it first thing in `main`, before any other thread exists. It does
/// nothing off glibc.
pub fn tune_malloc_for_batches(one_arena: bool) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes malloc's parameters; the caller calls it
    // before any other thread exists.
    unsafe {
        if one_arena {
            libc::mallopt(libc::M_ARENA_MAX, 1);
        }
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES);
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = one_arena;
}
