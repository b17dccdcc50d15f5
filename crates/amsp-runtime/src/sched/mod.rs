//! The scheduler: the two stages every load goes through, ordered by one
//! priority, with aging, cheap re-prioritisation, cancellation and
//! backpressure.
//!
//! - **Stages.** A request waits in the *I/O queue* until a job reads the
//!   first chunks of its entry (the [`budget`] module says which), then in the
//!   *decode queue* until a job runs its loader. Both queues are ordered by
//!   the same [`key`]: class, urgency, and time waited (aging). A job takes
//!   whichever head is more urgent, an I/O head only when fewer than the
//!   I/O concurrency limit are reading and its read-ahead fits the byte
//!   budget (an I/O head that does not fit waits; decodes free the budget).
//! - **Lanes.** The I/O queue is one queue per I/O lane of the source (one
//!   storage: a disk, an HTTP endpoint; [`AssetSource::io_lane`]), and a
//!   read starts on a lane only while fewer than its limit run there (the
//!   lesser of [`AssetSource::lane_concurrency`] and the I/O concurrency
//!   limit, which still caps the total). The I/O head is the most urgent
//!   head among the lanes with room, so a full, slow lane never holds back
//!   another lane's reads; within a lane, requests keep their order. The
//!   [`lanes`] module keeps the queues and the reads running on each.
//! - **Inbox.** The request path never takes the scheduler's lock: a new or
//!   re-prioritised request is pushed (once, thanks to a flag on its slot)
//!   on a lock-free inbox, and a request whose last strong handle was
//!   dropped is noted on a second one. Jobs apply both, under the lock,
//!   before each pick: a new request is inserted, a re-prioritised one is
//!   moved (O(log n)), an unwanted one is taken out to be cancelled.
//! - **Cancellation.** A request nobody wants is cancelled wherever it is:
//!   in a queue (taken out by the inbox), in the I/O stage (checked between
//!   chunks and before the decode queue), in the decode stage (its loader's
//!   next `read_chunk` returns [`LoadError::Cancelled`](crate::LoadError::Cancelled)),
//!   or waiting for dependencies. Its slot leaves the registry and ends
//!   `Unloaded` (not `Failed`); if a handle was taken again meanwhile, the
//!   request goes on instead.

pub(crate) mod budget;
pub(crate) mod key;
mod lanes;
pub(crate) mod queue;

use std::sync::Arc;
use std::time::{Duration, Instant};

use amsp_core::PriorityClass;
use amsp_io::{AssetDescriptor, AssetSource};
use crossbeam_queue::SegQueue;
use parking_lot::Mutex;

use crate::loader::ErasedLoader;
use crate::slot::{ErasedSlot, LOADING, QUEUED, SlotKey, WAITING};
use budget::{Budget, StageLink};
use key::{Aging, Key};
use lanes::IoLanes;
use queue::{StageQueue, slot_addr};

/// Default byte budget for data in flight between the stages.
pub(crate) const DEFAULT_IO_BUDGET: usize = 64 << 20;
/// Default bytes one request may read ahead of its loader.
pub(crate) const DEFAULT_READ_AHEAD: usize = 4 << 20;
/// Default reads in progress at once on the source.
pub(crate) const DEFAULT_IO_CONCURRENCY: usize = 8;
/// Default aging: one class gained per this much time waited.
pub(crate) const DEFAULT_AGING: Duration = Duration::from_secs(2);

/// Scheduler settings (from the builder).
#[derive(Clone, Copy, Debug)]
pub(crate) struct SchedConfig {
    pub io_budget: usize,
    pub read_ahead: usize,
    pub io_concurrency: usize,
    pub aging: Option<Duration>,
    /// How loads that fail for a transient reason are retried.
    pub retry: crate::server::retry::RetryPolicy,
}

impl Default for SchedConfig {
    fn default() -> Self {
        Self {
            io_budget: DEFAULT_IO_BUDGET,
            read_ahead: DEFAULT_READ_AHEAD,
            io_concurrency: DEFAULT_IO_CONCURRENCY,
            aging: Some(DEFAULT_AGING),
            retry: crate::server::retry::RetryPolicy::default(),
        }
    }
}

/// Inbox entries of a class below the best queued work that one pick
/// applies at most: a Critical request never waits for thousands of Low
/// ones to be sorted in.
const LOWER_CLASS_BATCH: usize = 16;

/// What the request path and handles tell the scheduler, lock-free.
#[derive(Default)]
pub(crate) struct Inbox {
    /// New or re-prioritised requests, one queue per class (most urgent
    /// first); a slot is pushed again only when it became more urgent.
    pub slots: [SegQueue<Arc<dyn ErasedSlot>>; 4],
    /// Requests whose last strong handle was dropped.
    pub unwanted: SegQueue<SlotKey>,
}

impl Inbox {
    pub fn is_empty(&self) -> bool {
        self.slots.iter().all(SegQueue::is_empty) && self.unwanted.is_empty()
    }
}

/// A request between the stages: read ahead, waiting for its loader.
pub(crate) struct DecodeTask {
    pub slot: Arc<dyn ErasedSlot>,
    /// The request's place in first-come order, kept from the I/O queue.
    pub seq: u64,
    pub desc: Arc<AssetDescriptor>,
    pub loader: Arc<dyn ErasedLoader>,
    pub link: Arc<StageLink>,
}

/// The next thing a job should do.
pub(crate) enum Work {
    /// Read ahead for this request (claimed: `Loading`), with `reserved`
    /// bytes of the budget; `seq` is its place in first-come order, `lane`
    /// the I/O lane the read counts on (given back to
    /// [`Scheduler::io_done`]).
    Io { slot: Arc<dyn ErasedSlot>, reserved: usize, seq: u64, lane: u32 },
    /// Run the loader of this request.
    Decode(DecodeTask),
}

/// Requests the scheduler took out of its queues because nobody wants
/// them; the server cancels them outside the lock.
pub(crate) enum Unwanted {
    /// From the I/O queue (still `Queued`).
    Queued(Arc<dyn ErasedSlot>),
    /// From the decode queue.
    Decode(DecodeTask),
    /// Waiting for its dependencies.
    Waiting(Arc<dyn ErasedSlot>),
}

#[derive(Default)]
struct State {
    io: IoLanes,
    decode: StageQueue<DecodeTask>,
    seq: u64,
}

impl State {
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
}

/// Counts of the scheduler's queues.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SchedCounts {
    pub io_queued: usize,
    pub decode_queued: usize,
    pub io_running: usize,
}

/// The two stage queues and the budget.
pub(crate) struct Scheduler {
    pub inbox: Arc<Inbox>,
    state: Mutex<State>,
    pub budget: Arc<Budget>,
    aging: Aging,
    epoch: Instant,
    pub config: SchedConfig,
}

impl Scheduler {
    pub fn new(config: SchedConfig, inbox: Arc<Inbox>) -> Self {
        Self {
            inbox,
            state: Mutex::new(State::default()),
            budget: Arc::new(Budget::new(config.io_budget)),
            aging: Aging::new(config.aging),
            epoch: Instant::now(),
            config: SchedConfig { io_concurrency: config.io_concurrency.max(1), ..config },
        }
    }

    /// Nanoseconds since the server started (the clock aging counts in).
    pub fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX - 1)
    }

    /// Tells the scheduler that `slot` is new or its priority changed
    /// (lock-free; a slot already in the inbox is pushed again only on the
    /// inbox of a more urgent class).
    pub fn submit(&self, slot: &Arc<dyn ErasedSlot>) {
        let class = slot.core().priority().class;
        let mark = class as u8 + 1;
        if slot.core().in_inbox.fetch_max(mark, std::sync::atomic::Ordering::AcqRel) < mark {
            self.inbox.slots[class.queue_index()].push(Arc::clone(slot));
        }
    }

    /// The class of the most urgent queued work.
    fn best_class(state: &State) -> Option<PriorityClass> {
        let io = state.io.peek().map(|(_, slot)| slot.core().priority().class);
        let decode = state.decode.peek().map(|(_, task)| task.slot.core().priority().class);
        io.max(decode)
    }

    /// The most urgent I/O head among the lanes where a read may start,
    /// with at most `total` reads in progress in all.
    fn io_head<'s>(
        source: &dyn AssetSource,
        state: &'s State,
        total: usize,
    ) -> Option<(u32, Key, &'s Arc<dyn ErasedSlot>)> {
        state.io.best_startable(total, |lane| source.lane_concurrency(lane))
    }

    /// Inserts or moves a slot taken from the inbox; a new I/O request is
    /// queued on the lane the source names for it.
    fn place(&self, source: &dyn AssetSource, state: &mut State, slot: Arc<dyn ErasedSlot>) {
        use std::sync::atomic::Ordering;
        let core = slot.core();
        core.in_inbox.store(0, Ordering::Release);
        let addr = slot_addr(&slot);
        let score = self.score(&slot);
        // The lane it was queued on, if it is queued.
        let lane = core.io_lane.load(Ordering::Relaxed);
        match core.state_code() {
            QUEUED if state.io.contains(lane, addr) => state.io.rekey(lane, addr, score),
            QUEUED => {
                let seq = state.next_seq();
                let lane = source.io_lane(core.id);
                core.io_lane.store(lane, Ordering::Relaxed);
                state.io.insert(lane, Key::new(score, seq), slot);
            }
            LOADING => state.decode.rekey(addr, score),
            _ => {}
        }
    }

    fn score(&self, slot: &Arc<dyn ErasedSlot>) -> u64 {
        let core = slot.core();
        self.aging.score(core.priority(), core.since())
    }

    /// Applies the inbox under the lock, most urgent class first; with
    /// `bounded`, at most [`LOWER_CLASS_BATCH`] entries of each class below
    /// the best queued work. Unwanted requests are moved to `unwanted`
    /// (looked up with `lookup`).
    fn apply_inbox(
        &self,
        source: &dyn AssetSource,
        state: &mut State,
        lookup: &dyn Fn(SlotKey) -> Option<Arc<dyn ErasedSlot>>,
        unwanted: &mut Vec<Unwanted>,
        bounded: bool,
    ) {
        use std::sync::atomic::Ordering;
        // A more urgent entry arriving while a long run of less urgent ones
        // is sorted in goes first: every few entries, look for one.
        'restart: loop {
            for class in PriorityClass::ALL {
                let limit = if bounded && Self::best_class(state).is_some_and(|best| best > class) {
                    LOWER_CLASS_BATCH
                } else {
                    usize::MAX
                };
                let index = class.queue_index();
                let inbox = &self.inbox.slots[index];
                let mut applied = 0;
                while applied < limit {
                    let Some(slot) = inbox.pop() else { break };
                    self.place(source, state, slot);
                    applied += 1;
                    if applied % 64 == 0
                        && self.inbox.slots[..index].iter().any(|more| !more.is_empty())
                    {
                        continue 'restart;
                    }
                }
            }
            break;
        }
        while let Some(key) = self.inbox.unwanted.pop() {
            let Some(slot) = lookup(key) else { continue };
            let core = slot.core();
            core.cancel_noted.store(false, Ordering::Release);
            if core.is_wanted() {
                continue;
            }
            let addr = slot_addr(&slot);
            if let Some(slot) = state.io.remove(core.io_lane.load(Ordering::Relaxed), addr) {
                unwanted.push(Unwanted::Queued(slot));
            } else if let Some(task) = state.decode.remove(addr) {
                unwanted.push(Unwanted::Decode(task));
            } else if core.state_code() == WAITING {
                unwanted.push(Unwanted::Waiting(slot));
            }
        }
    }

    /// The bytes the I/O head would reserve.
    fn need(&self, source: &dyn AssetSource, slot: &Arc<dyn ErasedSlot>) -> usize {
        source.describe(slot.core().id).map_or(0, |desc| {
            usize::try_from(desc.raw_size).unwrap_or(usize::MAX).min(self.config.read_ahead)
        })
    }

    /// Picks the next work: the more urgent of the decode head and the I/O
    /// head (the most urgent head among the lanes where a read may start,
    /// if its read-ahead fits the budget). The inbox is applied first;
    /// requests found unwanted go to `unwanted`. Without `start_io` (at
    /// shutdown) only decodes are picked.
    pub fn next(
        &self,
        source: &dyn AssetSource,
        lookup: &dyn Fn(SlotKey) -> Option<Arc<dyn ErasedSlot>>,
        unwanted: &mut Vec<Unwanted>,
        start_io: bool,
    ) -> Option<Work> {
        let mut state = self.state.lock();
        self.apply_inbox(source, &mut state, lookup, unwanted, true);
        loop {
            let decode_key = state.decode.peek().map(|(key, _)| *key);
            let io = if start_io {
                Self::io_head(source, &state, self.config.io_concurrency)
                    .map(|(lane, key, slot)| (lane, key, self.need(source, slot)))
            } else {
                None
            };
            let io = io.filter(|(_, key, need)| {
                decode_key.is_none_or(|d| *key > d) && self.budget.try_reserve(*need)
            });
            if let Some((lane, key, need)) = io {
                let reserved = need.min(self.budget.limit());
                let Some(slot) = state.io.pop(lane) else {
                    self.budget.unreserve(reserved);
                    return None;
                };
                if !slot.core().try_claim() {
                    // Claimed at shutdown.
                    self.budget.unreserve(reserved);
                    continue;
                }
                state.io.start(lane);
                return Some(Work::Io { slot, reserved, seq: key.seq(), lane });
            }
            return state.decode.pop(|task| slot_addr(&task.slot)).map(Work::Decode);
        }
    }

    /// Whether a job would find work now.
    /// Without `start_io` (at shutdown) only decodes count.
    pub fn has_runnable(&self, source: &dyn AssetSource, start_io: bool) -> bool {
        if !self.inbox.is_empty() {
            return true;
        }
        let state = self.state.lock();
        if !state.decode.is_empty() {
            return true;
        }
        start_io
            && Self::io_head(source, &state, self.config.io_concurrency)
                .is_some_and(|(_, _, slot)| self.budget.fits(self.need(source, slot)))
    }

    /// An I/O stage on `lane` ended.
    pub fn io_done(&self, lane: u32) {
        self.state.lock().io.done(lane);
    }

    /// Queues a request for its loader; gives the task back if nobody wants
    /// it any more (the caller cancels it).
    pub fn push_decode(&self, task: DecodeTask) -> Result<(), DecodeTask> {
        let mut state = self.state.lock();
        if !task.slot.core().is_wanted() {
            return Err(task);
        }
        let addr = slot_addr(&task.slot);
        let key = Key::new(self.score(&task.slot), task.seq);
        state.decode.insert(addr, key, task);
        Ok(())
    }

    /// Applies the inbox now (from `maintain`).
    pub fn apply(
        &self,
        source: &dyn AssetSource,
        lookup: &dyn Fn(SlotKey) -> Option<Arc<dyn ErasedSlot>>,
    ) -> Vec<Unwanted> {
        let mut unwanted = Vec::new();
        self.apply_inbox(source, &mut self.state.lock(), lookup, &mut unwanted, false);
        unwanted
    }

    /// Empties the queues (at shutdown): slots still queued or in the
    /// inbox, and, with `decode`, requests waiting for their loader.
    pub fn take_all(&self, decode: bool) -> (Vec<Arc<dyn ErasedSlot>>, Vec<DecodeTask>) {
        let mut state = self.state.lock();
        let mut queued = state.io.drain_all();
        for inbox in &self.inbox.slots {
            while let Some(slot) = inbox.pop() {
                queued.push(slot);
            }
        }
        let decoding = if decode { state.decode.drain_all() } else { Vec::new() };
        (queued, decoding)
    }

    pub fn counts(&self) -> SchedCounts {
        let state = self.state.lock();
        SchedCounts {
            io_queued: state.io.len(),
            decode_queued: state.decode.len(),
            io_running: state.io.running(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::LoaderRegistry;
    use crate::slot::Slot;
    use amsp_core::{AssetId, AssetPath, Priority};
    use amsp_io::MemorySource;

    fn desc(n: u128) -> Arc<AssetDescriptor> {
        let mut source = MemorySource::new("test");
        source.insert(
            AssetId::from_u128(n),
            AssetPath::new(&format!("b/{n}.bin")).unwrap(),
            "blob",
            vec![vec![0; 10]],
            vec![],
        );
        source.describe(AssetId::from_u128(n)).unwrap()
    }

    #[test]
    fn a_request_between_the_stages_moves_in_the_decode_queue() {
        let config = SchedConfig { aging: None, ..SchedConfig::default() };
        let sched = Scheduler::new(config, Arc::new(Inbox::default()));
        let tracker = crate::server::memory::Tracker::detached();
        let mut loaders = LoaderRegistry::default();
        loaders.register(crate::BlobLoader);
        let loader = loaders.default_for(Some("blob")).unwrap();
        let mut slots = Vec::new();
        for n in 1..=3u128 {
            let p = Priority::new(PriorityClass::Normal);
            let slot: Arc<dyn ErasedSlot> = Slot::<crate::Blob>::new_queued(
                AssetId::from_u128(n),
                crate::slot::LEVEL_FULL,
                None,
                p,
                Arc::clone(&tracker),
            );
            assert!(slot.core().try_claim(), "read ahead: Loading");
            let link = StageLink::new(Arc::clone(&slot), Arc::clone(&sched.budget), 0);
            let task = DecodeTask {
                slot: Arc::clone(&slot),
                seq: n as u64,
                desc: desc(n),
                loader: Arc::clone(&loader),
                link,
            };
            assert!(sched.push_decode(task).is_ok());
            slots.push(slot);
        }
        // The last one becomes the most urgent; the first the least.
        slots[2].core().set_priority(Priority::new(PriorityClass::Critical));
        sched.submit(&slots[2]);
        slots[0].core().set_priority(Priority::new(PriorityClass::Low));
        sched.submit(&slots[0]);
        let source = MemorySource::new("empty");
        let mut unwanted = Vec::new();
        let order: Vec<u128> =
            std::iter::from_fn(|| match sched.next(&source, &|_| None, &mut unwanted, true)? {
                Work::Decode(task) => Some(task.slot.core().id.as_u128()),
                Work::Io { .. } => None,
            })
            .collect();
        assert_eq!(order, [3, 2, 1]);
        assert!(unwanted.is_empty());
        assert_eq!(sched.counts().decode_queued, 0);
    }
}
