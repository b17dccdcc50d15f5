//! The CPU memory cache's policies: which unused loaded asset to free first
//! when the server's memory budget is exceeded ([`EvictionPolicy`], with
//! [`Lru`], [`Lfu`] and the scan-resistant [`S3Fifo`]), and replaying
//! access traces to compare them ([`trace`]).

mod policy;
mod s3fifo;
pub mod trace;

pub use policy::{CachePolicy, EvictionPolicy, Lfu, Lru, S3Fifo};
