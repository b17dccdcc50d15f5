//! Helpers shared by the runtime's integration tests: a gated source that
//! releases reads only when the test says so (and records their order), a
//! hand-driven executor, and a test asset type with dependencies.

#![allow(dead_code, reason = "each test binary uses part of the helpers")]

use std::collections::{HashMap, VecDeque};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use amsp_core::{AssetId, AssetPath};
use amsp_io::{AssetDescriptor, AssetSource, MemorySource, ReadError};
use amsp_runtime::{
    Asset, AssetLoader, AssetServer, Executor, Handle, Job, LoadContext, LoadError, LoadInput, Text,
};

/// Bound on every wait in the tests.
pub const TIMEOUT: Duration = Duration::from_secs(20);

pub fn id(n: u128) -> AssetId {
    AssetId::from_u128(n)
}

pub fn path(text: &str) -> AssetPath {
    AssetPath::new(text).unwrap()
}

/// Adds a one-chunk asset to `source`.
pub fn add(source: &mut MemorySource, n: u128, p: &str, ty: &str, bytes: &[u8], deps: &[u128]) {
    let deps = deps.iter().map(|d| id(*d)).collect();
    source.insert(id(n), path(p), ty, vec![bytes.to_vec()], deps);
}

/// A server over `source` with `threads` workers.
pub fn server(source: Arc<dyn AssetSource>, threads: usize) -> AssetServer {
    AssetServer::builder().source(source).worker_threads(threads).build().unwrap()
}

#[derive(Default)]
struct Gate {
    open: bool,
    permits: usize,
    waiting: usize,
    peak_waiting: usize,
    reads: Vec<AssetId>,
    chunk_reads: Vec<(AssetId, u32)>,
}

/// Wraps a [`MemorySource`]: a chunk read waits at a gate until the test
/// lets it through ([`GatedSource::allow`], [`GatedSource::open`]); reads are
/// recorded in the order they pass. Faults can be injected per asset.
pub struct GatedSource {
    inner: MemorySource,
    gate: Mutex<Gate>,
    changed: Condvar,
    faults: Mutex<HashMap<AssetId, ReadError>>,
}

impl GatedSource {
    /// A source whose gate starts open or closed.
    pub fn new(inner: MemorySource, open: bool) -> Arc<Self> {
        Arc::new(Self {
            inner,
            gate: Mutex::new(Gate { open, ..Gate::default() }),
            changed: Condvar::new(),
            faults: Mutex::new(HashMap::new()),
        })
    }

    /// Opens the gate for good.
    pub fn open(&self) {
        self.gate.lock().unwrap().open = true;
        self.changed.notify_all();
    }

    /// Lets `n` more reads through.
    pub fn allow(&self, n: usize) {
        self.gate.lock().unwrap().permits += n;
        self.changed.notify_all();
    }

    /// Waits until `n` reads are blocked at the gate.
    pub fn wait_for_waiting(&self, n: usize) {
        let deadline = Instant::now() + TIMEOUT;
        let mut gate = self.gate.lock().unwrap();
        while gate.waiting < n {
            let left = deadline.checked_duration_since(Instant::now()).expect("readers at gate");
            gate = self.changed.wait_timeout(gate, left).unwrap().0;
        }
    }

    /// Waits until `n` reads have passed the gate.
    pub fn wait_for_reads(&self, n: usize) {
        let deadline = Instant::now() + TIMEOUT;
        let mut gate = self.gate.lock().unwrap();
        while gate.reads.len() < n {
            let left = deadline.checked_duration_since(Instant::now()).expect("reads passed");
            gate = self.changed.wait_timeout(gate, left).unwrap().0;
        }
    }

    /// The assets whose reads passed the gate, in order.
    pub fn reads(&self) -> Vec<AssetId> {
        self.gate.lock().unwrap().reads.clone()
    }

    /// The most reads that waited at the gate at once.
    pub fn peak_waiting(&self) -> usize {
        self.gate.lock().unwrap().peak_waiting
    }

    /// The chunk reads that passed the gate, in order.
    pub fn chunk_reads(&self) -> Vec<(AssetId, u32)> {
        self.gate.lock().unwrap().chunk_reads.clone()
    }

    /// Makes every read of `asset` fail with `err`.
    pub fn fail(&self, asset: AssetId, err: ReadError) {
        self.faults.lock().unwrap().insert(asset, err);
    }
}

impl AssetSource for GatedSource {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn resolve(&self, path: &AssetPath) -> Option<AssetId> {
        self.inner.resolve(path)
    }

    fn describe(&self, id: AssetId) -> Option<Arc<AssetDescriptor>> {
        self.inner.describe(id)
    }

    fn chunk_size(&self, id: AssetId, chunk: u32) -> Option<u64> {
        self.inner.chunk_size(id, chunk)
    }

    fn read_chunk(&self, id: AssetId, chunk: u32, out: &mut Vec<u8>) -> Result<(), ReadError> {
        {
            let deadline = Instant::now() + TIMEOUT;
            let mut gate = self.gate.lock().unwrap();
            gate.waiting += 1;
            gate.peak_waiting = gate.peak_waiting.max(gate.waiting);
            self.changed.notify_all();
            while !gate.open && gate.permits == 0 {
                let left =
                    deadline.checked_duration_since(Instant::now()).expect("gate never opened");
                gate = self.changed.wait_timeout(gate, left).unwrap().0;
            }
            if !gate.open {
                gate.permits -= 1;
            }
            gate.waiting -= 1;
            gate.reads.push(id);
            gate.chunk_reads.push((id, chunk));
            self.changed.notify_all();
        }
        if let Some(err) = self.faults.lock().unwrap().get(&id) {
            return Err(err.clone());
        }
        self.inner.read_chunk(id, chunk, out)
    }
}

/// An executor the test drives by hand: jobs wait until [`run_all`] runs
/// them, first in, first out, on the calling thread.
///
/// [`run_all`]: ManualExecutor::run_all
#[derive(Default)]
pub struct ManualExecutor {
    jobs: Mutex<VecDeque<Job>>,
}

impl ManualExecutor {
    /// Runs queued jobs (and jobs they spawn) until none is left; returns
    /// how many ran.
    pub fn run_all(&self) -> usize {
        let mut ran = 0;
        loop {
            let job = self.jobs.lock().unwrap().pop_front();
            let Some(job) = job else { return ran };
            job();
            ran += 1;
        }
    }

    pub fn pending(&self) -> usize {
        self.jobs.lock().unwrap().len()
    }
}

impl Executor for ManualExecutor {
    fn spawn(&self, job: Job) {
        self.jobs.lock().unwrap().push_back(job);
    }

    fn worker_count(&self) -> usize {
        1
    }
}

/// A host-style executor: one thread running jobs in FIFO order, held back
/// until [`FifoThreadExecutor::start`].
pub struct FifoThreadExecutor {
    tx: Mutex<Option<Sender<Job>>>,
    started: Arc<(Mutex<bool>, Condvar)>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl FifoThreadExecutor {
    pub fn new() -> Arc<Self> {
        let (tx, rx) = mpsc::channel::<Job>();
        let started = Arc::new((Mutex::new(false), Condvar::new()));
        let gate = Arc::clone(&started);
        let thread = std::thread::spawn(move || {
            let (lock, cond) = &*gate;
            let mut go = lock.lock().unwrap();
            while !*go {
                go = cond.wait_timeout(go, TIMEOUT).unwrap().0;
            }
            drop(go);
            while let Ok(job) = rx.recv() {
                job();
            }
        });
        Arc::new(Self { tx: Mutex::new(Some(tx)), started, thread: Mutex::new(Some(thread)) })
    }

    /// Lets the thread start running jobs.
    pub fn start(&self) {
        *self.started.0.lock().unwrap() = true;
        self.started.1.notify_all();
    }

    /// Stops taking jobs and joins the thread.
    pub fn stop(&self) {
        self.start();
        self.tx.lock().unwrap().take();
        if let Some(thread) = self.thread.lock().unwrap().take() {
            thread.join().unwrap();
        }
    }
}

impl Executor for FifoThreadExecutor {
    fn spawn(&self, job: Job) {
        if let Some(tx) = &*self.tx.lock().unwrap() {
            let _ = tx.send(job);
        }
    }

    fn worker_count(&self) -> usize {
        1
    }
}

/// A test asset with dependencies: its text lists one dependency per line,
/// `mat:<path>` for another material or `text:<path>` for a text.
pub struct Material {
    pub name: String,
    pub materials: Vec<Handle<Material>>,
    pub texts: Vec<Handle<Text>>,
}

impl Asset for Material {
    const TYPE_NAME: &'static str = "Material";

    fn byte_size(&self) -> usize {
        self.name.len() + 64
    }

    fn placeholder() -> Option<Self> {
        Some(Self { name: "loading".into(), materials: Vec::new(), texts: Vec::new() })
    }

    fn error_placeholder() -> Option<Self> {
        Some(Self { name: "error".into(), materials: Vec::new(), texts: Vec::new() })
    }
}

/// Loads [`Material`]s (cooked type `material`, extension `mat`).
pub struct MaterialLoader;

impl AssetLoader for MaterialLoader {
    type Asset = Material;

    fn asset_types(&self) -> &[&str] {
        &["material"]
    }

    fn extensions(&self) -> &[&str] {
        &["mat"]
    }

    fn load(&self, input: LoadInput, ctx: &mut LoadContext<'_>) -> Result<Material, LoadError> {
        let text = String::from_utf8(input.read_all()?).map_err(|e| ctx.parse_error(e))?;
        let mut material =
            Material { name: ctx.path().to_string(), materials: Vec::new(), texts: Vec::new() };
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            match line.split_once(':') {
                Some(("mat", p)) => material.materials.push(ctx.load_dependency::<Material>(p)),
                Some(("text", p)) => material.texts.push(ctx.load_dependency::<Text>(p)),
                _ => return Err(ctx.parse_error(format_args!("bad line {line:?}"))),
            }
        }
        Ok(material)
    }
}

/// A gate a test loader waits at until the test lets it through.
#[derive(Default)]
pub struct LoaderGate {
    state: Mutex<(bool, usize, usize)>, // open, permits, waiting
    changed: Condvar,
}

impl LoaderGate {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Waits until the test lets this caller through.
    pub fn pass(&self) {
        let deadline = Instant::now() + TIMEOUT;
        let mut state = self.state.lock().unwrap();
        state.2 += 1;
        self.changed.notify_all();
        while !state.0 && state.1 == 0 {
            let left = deadline.checked_duration_since(Instant::now()).expect("gate opened");
            state = self.changed.wait_timeout(state, left).unwrap().0;
        }
        if !state.0 {
            state.1 -= 1;
        }
        state.2 -= 1;
        self.changed.notify_all();
    }

    pub fn open(&self) {
        self.state.lock().unwrap().0 = true;
        self.changed.notify_all();
    }

    pub fn allow(&self, n: usize) {
        self.state.lock().unwrap().1 += n;
        self.changed.notify_all();
    }

    /// Waits until `n` callers wait at the gate.
    pub fn wait_for_waiting(&self, n: usize) {
        let deadline = Instant::now() + TIMEOUT;
        let mut state = self.state.lock().unwrap();
        while state.2 < n {
            let left = deadline.checked_duration_since(Instant::now()).expect("callers at gate");
            state = self.changed.wait_timeout(state, left).unwrap().0;
        }
    }
}

/// A test asset: the chunks of an asset, read one by one.
pub struct Chunks(pub Vec<Vec<u8>>);

impl Asset for Chunks {
    const TYPE_NAME: &'static str = "Chunks";

    fn byte_size(&self) -> usize {
        self.0.iter().map(Vec::len).sum()
    }
}

/// Loads [`Chunks`] (cooked type `chunks`): waits at its gate before each
/// chunk, then reads it; records each load's outcome.
pub struct GatedLoader {
    pub gate: Arc<LoaderGate>,
    pub outcomes: Arc<Mutex<Vec<Result<usize, LoadError>>>>,
}

impl GatedLoader {
    pub fn new(gate: Arc<LoaderGate>) -> Self {
        Self { gate, outcomes: Arc::default() }
    }
}

impl AssetLoader for GatedLoader {
    type Asset = Chunks;

    fn asset_types(&self) -> &[&str] {
        &["chunks"]
    }

    fn read_ahead(&self, _descriptor: &AssetDescriptor, _level: Option<u8>) -> u32 {
        u32::MAX
    }

    fn load(&self, input: LoadInput, _ctx: &mut LoadContext<'_>) -> Result<Chunks, LoadError> {
        let mut chunks = Vec::new();
        let mut result = Ok(0);
        for chunk in 0..input.chunk_count() {
            self.gate.pass();
            let mut bytes = Vec::new();
            if let Err(err) = input.read_chunk(chunk, &mut bytes) {
                result = Err(err);
                break;
            }
            chunks.push(bytes);
            result = Ok(chunks.len());
        }
        self.outcomes.lock().unwrap().push(result.clone());
        result.map(|_| Chunks(chunks))
    }
}
