//! The AMSP runtime: an [`AssetServer`] that loads assets in the background
//! and hands out typed handles at once.
//!
//! # Tour
//!
//! - [`AssetServer::load`] / [`load_with_priority`](AssetServer::load_with_priority)
//!   take a path or an id and return a [`Handle<T>`] without blocking: the
//!   request is recorded (slot created, queued by priority) and a worker does
//!   the rest. Loading the same asset as the same type again returns a handle
//!   to the same slot.
//! - [`AssetServer::get`] returns the asset once it is loaded;
//!   [`get_or_placeholder`](AssetServer::get_or_placeholder) serves the
//!   type's placeholder meanwhile (and its error placeholder after a
//!   failure); [`state`](AssetServer::state) says where the load is
//!   ([`LoadState`]), with a typed [`LoadError`] naming the asset on failure.
//! - [`Asset`] is the trait runtime assets implement; an [`AssetLoader`]
//!   turns cooked bytes into one, registered by cooked type name and by
//!   extension. [`Blob`] (any bytes) and [`Text`] (UTF-8) are built in.
//! - Dependencies, declared by a loader through
//!   [`LoadContext::load_dependency`] or listed in the asset's descriptor,
//!   load first, at the priority of their most urgent dependent; a parent is
//!   `Loaded` only when they all are, fails with
//!   [`LoadError::DependencyFailed`] if one fails, and a cycle fails with
//!   [`LoadError::Cycle`] instead of hanging.
//! - Handles are reference counted. The last strong handle dropped before
//!   the asset finished loading cancels its request; dropped after, it makes
//!   the asset *unused*, not freed: [`AssetServer::unload_unused`] frees unused
//!   assets, and a memory budget frees the least recently used of them
//!   automatically. [`WeakHandle`] names an asset without keeping it.
//! - Work runs on the server's own [`WorkerPool`] or on a host engine's pool
//!   through the [`Executor`] trait. [`AssetServer::wait_for`] and
//!   [`wait_idle`](AssetServer::wait_idle) block a caller (a test, a loading
//!   screen) until loads finish, without polling.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! use amsp_core::{AssetId, AssetPath, PriorityClass};
//! use amsp_io::MemorySource;
//! use amsp_runtime::{AssetServer, LoadError, LoadState, Text};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut source = MemorySource::new("embedded");
//! let id = AssetId::from_u128(1);
//! source.insert(id, AssetPath::new("config/game.json")?, "json", vec![b"{}".to_vec()], vec![]);
//! let server = AssetServer::builder().source(Arc::new(source)).worker_threads(2).build()?;
//!
//! let config = server.load_with_priority::<Text>("config/game.json", PriorityClass::High);
//! assert!(server.wait_for(&config, Duration::from_secs(5)).is_loaded());
//! assert_eq!(server.get(&config).as_deref().map(Text::as_str), Some("{}"));
//! assert_eq!(server.load::<Text>(id), config); // same asset, same slot
//!
//! let missing = server.load::<Text>("config/missing.json");
//! assert!(matches!(missing.state(), LoadState::Failed(LoadError::NotFound { .. })));
//! assert_eq!(server.get_or_placeholder(&missing).as_deref().map(Text::as_str), Some(""));
//! # Ok(())
//! # }
//! ```
//!
//! # Design notes
//!
//! - **Slots.** A handle is one `Arc` to a slot keyed by `(AssetId, TypeId)`:
//!   an atomic state byte, the value in an `ArcSwapOption` (so `get` is one
//!   atomic load and a reload swaps versions in place, bumping the slot's
//!   version: [`AssetServer::reload_many`]), the error, the priority and dependency links. The slot
//!   counts its strong handles itself rather than using the `Arc` count,
//!   because queues, workers and the registry also hold the `Arc` and must
//!   not count as "in use".
//! - **Scheduler.** A load goes through two stages, each a queue ordered by
//!   one key (class, then urgency, then time waited: aging gains a request
//!   one class per window waited, 2 s by default): the *I/O stage* reads the
//!   chunks a loader reads first ([`AssetLoader::read_ahead`]) ahead of it,
//!   within a byte budget for data in flight (64 MiB by default) and a limit
//!   on reads at once; the *decode stage* runs the loader, whose
//!   `read_chunk` serves the chunks read ahead and reads the rest itself. The request path only pushes the slot on a
//!   lock-free per-class inbox, which jobs sort in before each pick (O(log n));
//!   [`AssetServer::set_priority`] and [`set_priorities`](AssetServer::set_priorities)
//!   move queued requests the same way, and a raise reaches the dependencies
//!   the request declared. A request whose last strong handle is dropped
//!   before it finished is cancelled wherever it is (queued, waiting for the
//!   budget, mid-load at the loader's next read, waiting for dependencies)
//!   and ends `Unloaded`.
//! - **Jobs.** Queued requests are run by *drain jobs* on the [`Executor`],
//!   at most as many at once as it has workers (and as its subsystem's
//!   quota allows, see [`Subsystem`]): a request spawns one only when fewer
//!   are live, so most requests cost no executor call. A job picks whichever
//!   stage's head is more urgent, and goes on until nothing is runnable
//!   (handing over to a fresh job every few dozen picks), so a FIFO host
//!   pool still serves by priority. A job that finds nothing runnable gives
//!   up its place before looking once more, so a request queued meanwhile is
//!   never stranded. Jobs never wait on each other (a parent waiting for
//!   dependencies is a continuation, not a blocked thread), so any number of
//!   threads, even one, makes progress.
//! - **Dependencies.** Cycle checks and edge insertions are serialised by a
//!   graph lock that only workers take; the request path never does.
//! - **Memory.** Handles never free on drop; they post a lock-free
//!   "became unused" event that maintenance (a job, or
//!   [`AssetServer::maintain`]) processes.
//! - **Performance.** `benches/request_path.rs` (`cargo bench -p amsp-runtime
//!   --bench request_path`) times `load` with 10,000 requests pending and
//!   `get` of a loaded asset beside references measured in the same run. On
//!   a busy 2-core development machine: `get` took 1.6× an `Arc::clone`
//!   (about 33 ns); `load` of a registered asset by id about 1.3× an
//!   `Arc::new` plus a queue push; a new asset by id had a median of about
//!   240–260 ns, by path about 470–480 ns (the path is normalised and
//!   resolved by the source first).
//! - **Shutdown.** Dropping the server cancels queued requests
//!   ([`LoadError::Cancelled`]), lets loads in progress (including those read
//!   ahead) finish and joins its own workers; handles stay valid afterwards.

mod asset;
pub mod cache;
mod error;
mod executor;
pub mod gpu;
mod handle;
pub mod hot_reload;
mod loader;
mod sched;
mod server;
mod slot;
pub mod streaming;

pub use asset::{Asset, BLOB_TYPES, Blob, BlobLoader, TEXT_TYPES, Text, TextLoader};
pub use error::{AssetName, LoadError, LoadState};
pub use executor::{
    Executor, ExecutorConfig, Job, LOAD_SUBSYSTEM, Subsystem, SubsystemId, WorkerPool,
};
pub use handle::{AssetRef, Handle, WeakHandle};
pub use loader::{AssetLoader, LoadContext, LoadInput};
pub use server::memory::{MemoryUsage, TypeUsage};
pub use server::upload::Upload;
pub use server::{
    AssetEvent, AssetServer, AssetServerBuilder, AssetStats, BuildError, Bundle, BundleError,
    EventListener, MAX_BUNDLE_FILE, Progress, RetryPolicy, TypeLoadTimes,
};
