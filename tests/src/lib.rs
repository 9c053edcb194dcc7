//! Shared helpers for hooklake's cross-crate tests and benchmarks: the
//! octokit fixtures, merged variants derived from them, and signed requests
//! built exactly as GitHub builds them.

pub mod fake_github;
pub mod fixtures;
pub mod github;
pub mod lake;
pub mod lambda_api;
pub mod moto;
pub mod process;
pub mod readers;
