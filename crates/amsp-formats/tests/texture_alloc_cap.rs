//! Allocation caps on bad input, measured with a counting allocator: for
//! every KTX2 file in the corpus (valid and invalid) and every malformed
//! BMP, parsing allocates at most 64 KiB plus the file's length, and
//! decoding a level at most twice its declared size plus 1 MiB (the zstd
//! context). A header that lies about sizes is refused before it can make
//! the reader allocate what it claims.
#![expect(unsafe_code, reason = "a counting global allocator for measuring peaks")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

#[path = "common/corpus.rs"]
mod corpus;

use amsp_formats::texture::ktx2::{Ktx2Texture, TextureLimits};
use amsp_formats::texture::source::{ImageLimits, decode_image};

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments, so
// `System`'s guarantees hold; the counters are plain atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received; the caller upholds `alloc`'s contract.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above with this `layout`.
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns its result with the most bytes it had allocated at
/// once beyond what was in use before.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = IN_USE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;

// One test: the counters are global, so nothing else may run beside it.
#[test]
fn bad_and_good_files_stay_under_the_allocation_caps() {
    let mut ktx2 = corpus::files(&corpus::textures("ktx2-valid"), "ktx2");
    ktx2.extend(corpus::files(&corpus::textures("ktx2-invalid"), "ktx2"));
    assert!(ktx2.len() > 600, "only {} KTX2 files", ktx2.len());
    let limits = TextureLimits::default();
    let (mut worst_parse, mut worst_level) = (0.0f64, 0.0f64);
    for path in &ktx2 {
        let bytes = std::fs::read(path).unwrap();
        let (parsed, peak) = peak_of(|| Ktx2Texture::parse(&bytes, &limits).map(|t| t.levels()));
        let cap = 64 * KIB + bytes.len();
        assert!(peak <= cap, "{}: parsing allocated {peak} bytes (cap {cap})", path.display());
        worst_parse = worst_parse.max(peak as f64 / cap as f64);
        let Ok(levels) = parsed else { continue };
        let texture = Ktx2Texture::parse(&bytes, &limits).unwrap();
        for level in 0..levels {
            let declared = texture.level_index()[level as usize].uncompressed_byte_length as usize;
            let (_, peak) = peak_of(|| texture.level(level).map(|data| data.len()));
            let cap = 2 * declared + MIB;
            assert!(
                peak <= cap,
                "{} level {level}: decoding allocated {peak} bytes (cap {cap})",
                path.display()
            );
            worst_level = worst_level.max(peak as f64 / cap as f64);
        }
    }

    let bmps = corpus::files(&corpus::textures("images/image-rs/bmp"), "bmp");
    assert!(!bmps.is_empty(), "no BMP files in the corpus");
    let image_limits = ImageLimits::default();
    let mut worst_bmp = 0.0f64;
    for path in &bmps {
        let bytes = std::fs::read(path).unwrap();
        // A decoded image takes at most 16 bytes per pixel of what the limits
        // allow; the cap is what this file's header can honestly ask for.
        let (decoded, peak) = peak_of(|| decode_image(&bytes, Some("bmp"), &image_limits));
        let pixels = decoded.as_ref().map_or(0, |i| i.width as usize * i.height as usize);
        let cap = 4 * MIB + 32 * pixels;
        assert!(peak <= cap, "{}: decoding allocated {peak} bytes (cap {cap})", path.display());
        worst_bmp = worst_bmp.max(peak as f64 / cap as f64);
    }
    eprintln!(
        "{} KTX2 files, {} BMPs: worst fraction of the cap used: parse {:.0}%, level decode {:.0}%, BMP decode {:.0}%",
        ktx2.len(),
        bmps.len(),
        worst_parse * 100.0,
        worst_level * 100.0,
        worst_bmp * 100.0
    );
}
