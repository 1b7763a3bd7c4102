//! Property-based fuzzing of the IDX reader: random and mutated real MNIST headers and bodies, raw and
//! gzip. The reader must never panic and never allocate more than a small multiple of what the input
//! holds (so a header claiming gigabytes cannot make it reserve them).
//!
//! Cases: 20,000 by default; `DIGITLAB_FUZZ_CASES=1000000 cargo test --release --test all idx_fuzz` for
//! the long run (see README).

use crate::common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::cell::Cell;

use digitlab::data::idx::{maybe_gunzip, parse_images, parse_labels};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Counts the heap bytes each thread allocates, live and at their peak since the last reset. Per
/// thread: the other tests of this binary run at the same time in the same process, and their
/// allocations must not count against the parser's (the parser works on the calling thread).
struct Counting;

thread_local! {
    // Const-initialised and without Drop: reachable from the allocator, never torn down.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

/// Adds `delta` to this thread's live bytes (memory freed on another thread than the one that
/// allocated it makes a thread's count go down, even below zero).
fn count(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get().wrapping_add(delta);
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Peak extra heap bytes this thread holds while `f` runs.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    (out, PEAK.with(Cell::get).saturating_sub(base) as usize)
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
