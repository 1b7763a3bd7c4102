//! Property-based fuzzing of the IDX reader: random and mutated real MNIST headers and bodies, raw and
//! gzip. The reader must never panic and never allocate more than a small multiple of what the input
//! holds (so a header claiming gigabytes cannot make it reserve them).
//!
//! Cases: 20,000 by default; `DIGITLAB_FUZZ_CASES=1000000 cargo test --release --test idx_fuzz` for the
//! long run (see README).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use digitlab::data::idx::{maybe_gunzip, parse_images, parse_labels};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Counts live heap bytes and the peak since the last reset (this test binary runs one test).
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let now = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Peak extra heap bytes while `f` runs.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// One input: the real head of an MNIST file (header + a few records) with random edits.
fn mutated(seed: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = seed.len();
    (
        proptest::collection::vec((0..len, any::<u8>()), 0..6),
        0..=len,
        proptest::collection::vec(any::<u8>(), 0..8),
    )
        .prop_map(move |(edits, cut, tail)| {
            let mut b = seed.clone();
            for (at, v) in edits {
                b[at] = v;
            }
            b.truncate(cut);
            b.extend(tail);
            b
        })
}

fn check(input: &[u8]) {
    let (imgs, peak) = peak_during(|| parse_images(input));
    assert!(peak <= 2 * input.len() + 4096, "images: {peak} bytes allocated for a {}-byte input", input.len());
    if let Ok(img) = imgs {
        assert_eq!(img.pixels.len(), img.count * img.rows * img.cols);
        assert!(img.pixels.len() <= input.len());
    }
    let (labels, peak) = peak_during(|| parse_labels(input));
    assert!(peak <= 2 * input.len() + 4096, "labels: {peak} bytes for {}", input.len());
    if let Ok(l) = labels {
        assert!(l.len() <= input.len());
    }
    // Through the gzip layer: decompression returns the input, then the same bounds apply.
    let gz = gzip(input);
    let (out, _) = peak_during(|| maybe_gunzip(gz));
    match out {
        Ok(bytes) => assert_eq!(bytes, input),
        Err(e) => assert!(input.is_empty(), "gzip of a non-empty input failed: {e}"),
    }
}

#[test]
fn idx_reader_survives_random_and_mutated_inputs() {
    let cases: u32 = std::env::var("DIGITLAB_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let images = common::raw("t10k-images-idx3-ubyte");
    let labels = common::raw("t10k-labels-idx1-ubyte");
    let real_images = images[..16 + 784 * 2].to_vec();
    let real_labels = labels[..8 + 16].to_vec();
    let strategy = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        mutated(real_images),
        mutated(real_labels),
    ];
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    runner
        .run(&strategy, |input| {
            check(&input);
            Ok(())
        })
        .unwrap();
    // Corrupt gzip streams of real data must fail cleanly too.
    let gz = gzip(&images[..16 + 784 * 4]);
    let mut corrupt_runner = TestRunner::new(Config { cases: cases / 10, failure_persistence: None, ..Config::default() });
    corrupt_runner
        .run(&mutated(gz), |input| {
            if let Ok(bytes) = maybe_gunzip(input) {
                let _ = parse_images(&bytes);
            }
            Ok(())
        })
        .unwrap();
    eprintln!("idx fuzz: {} + {} cases passed", cases, cases / 10);
}
