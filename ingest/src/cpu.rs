//! CPU-bound work (decoding, encoding, reading Parquet) inside async shells.

/// Runs CPU-bound work without stalling the async runtime: on a
/// multi-threaded runtime its other tasks move to another worker meanwhile
/// (`block_in_place`); on a current-thread runtime (the Lambda, whose only
/// task this is) it simply runs.
pub fn cpu_bound<R>(work: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
}
