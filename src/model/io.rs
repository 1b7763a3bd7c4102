//! Saving and loading a trained network as safetensors (readable from Python too), with the
//! architecture in the file's metadata so `digitlab eval` needs nothing else.
//!
//! Loading trusts nothing in the file: it must be a regular file no larger than the largest model
//! this program writes (checked before a byte is read), and every tensor must be named, typed and
//! shaped as the recorded architecture says, with every value finite. A damaged or foreign file is
//! refused as "FILE: not a digitlab model (what is wrong)".

use std::collections::HashMap;
use std::path::Path;

use anyhow::{anyhow, Result};
use dfdx::prelude::*;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use safetensors::SafeTensorError;

use super::{Architecture, Dense, Mlp, MAX_HIDDEN_LAYERS, MAX_NEURONS};
use super::MAX_CLASSES;

const FORMAT: &str = "digitlab-mlp-v1";

/// The inputs the size bound is computed for: MNIST's 28×28 pictures.
const BOUND_INPUT: usize = 28 * 28;
/// Room for the JSON header (names, shapes, offsets, the architecture): a few KiB at most.
const HEADER_SLACK: u64 = 64 << 10;
/// The largest model file this program writes: the widest accepted network (8 hidden layers of 4096
/// neurons, 256 classes) on 28×28 inputs, as f32, plus its header. About 464 MiB.
pub const MODEL_MAX_BYTES: u64 = max_params() as u64 * 4 + HEADER_SLACK;

const fn max_params() -> usize {
    let first = BOUND_INPUT * MAX_NEURONS + MAX_NEURONS;
    let middle = (MAX_HIDDEN_LAYERS - 1) * (MAX_NEURONS * MAX_NEURONS + MAX_NEURONS);
    let last = MAX_NEURONS * MAX_CLASSES + MAX_CLASSES;
    first + middle + last
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn weight_name(i: usize) -> String {
    format!("layers.{i}.weight")
}

fn bias_name(i: usize) -> String {
    format!("layers.{i}.bias")
}

/// The network as a safetensors file image: `layers.N.weight` is `(fan_in, fan_out)`,
/// `layers.N.bias` is `(fan_out,)`.
pub fn to_bytes(mlp: &Mlp) -> Result<Vec<u8>> {
    let mut owned = Vec::new();
    for (i, l) in mlp.layers.iter().enumerate() {
        owned.push((weight_name(i), vec![l.fan_in(), l.fan_out()], f32_bytes(&l.weights())));
        owned.push((bias_name(i), vec![l.fan_out()], f32_bytes(&l.b.as_vec())));
    }
    let views = owned
        .iter()
        .map(|(name, shape, bytes)| Ok((name.clone(), TensorView::new(Dtype::F32, shape.clone(), bytes)?)))
        .collect::<Result<Vec<_>, SafeTensorError>>()?;
    let meta = HashMap::from([
        ("format".to_string(), FORMAT.to_string()),
        ("architecture".to_string(), serde_json::to_string(&mlp.arch)?),
    ]);
    Ok(safetensors::serialize(views, &Some(meta))?)
}

/// What the safetensors library found wrong, said in words (its own messages are variant names).
fn in_words(e: &SafeTensorError, bytes: &[u8]) -> String {
    use SafeTensorError::*;
    match e {
        HeaderTooSmall => format!("{} bytes, shorter than the 8-byte header length a safetensors file starts with", bytes.len()),
        HeaderTooLarge | InvalidHeaderLength => {
            let claimed = bytes.get(..8).map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])));
            format!("its header length field says {claimed} bytes, but only {} bytes follow it", bytes.len().saturating_sub(8))
        }
        InvalidHeader => "its header is not UTF-8 text".into(),
        InvalidHeaderStart | InvalidHeaderDeserialization | JsonError(_) => {
            "its header is not the JSON table of tensors a safetensors file starts with".into()
        }
        TensorNotFound(name) => format!("tensor '{name}' is missing"),
        TensorInvalidInfo => "a tensor's byte range does not match its dtype and shape".into(),
        InvalidOffset(name) => format!("tensor '{name}' does not start where the previous tensor ends"),
        InvalidTensorView(dtype, shape, len) => format!("{len} bytes cannot hold a {dtype:?} tensor of shape {shape:?}"),
        MetadataIncompleteBuffer => {
            "the tensor data does not end where the file ends (the file is truncated or has bytes appended)".into()
        }
        ValidationOverflow => "a tensor's shape is too large to address".into(),
        IoError(e) => e.to_string(),
    }
}

/// The limits a file's architecture must respect: those of the forms and flags, and at most as many
/// classes as a byte label can name.
fn check_architecture(arch: &Architecture) -> Result<(), String> {
    arch.validate()?;
    if arch.classes > MAX_CLASSES {
        return Err(format!("{} classes, at most {MAX_CLASSES}", arch.classes));
    }
    Ok(())
}

/// The values of tensor `name`, which must be F32 of exactly `shape`, every value finite.
fn read_tensor(st: &SafeTensors, name: &str, shape: &[usize]) -> Result<Vec<f32>, String> {
    let t = st.tensor(name).map_err(|_| format!("tensor '{name}' is missing"))?;
    if t.dtype() != Dtype::F32 {
        return Err(format!("tensor '{name}' holds {:?} values, expected F32", t.dtype()));
    }
    if t.shape() != shape {
        return Err(format!("tensor '{name}' has shape {:?}, the recorded architecture needs {shape:?}", t.shape()));
    }
    let values: Vec<f32> = t.data().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(format!("tensor '{name}' holds {v} at index {i}; every weight must be a finite number"));
    }
    Ok(values)
}

/// Reads a network written by [`to_bytes`], checking everything in it; `origin` names the file in errors.
pub fn from_bytes(bytes: &[u8], origin: &str) -> Result<Mlp> {
    let refuse = |why: String| anyhow!("{origin}: not a digitlab model ({why})");
    let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| refuse(in_words(&e, bytes)))?;
    let info = meta.metadata().clone().unwrap_or_default();
    if info.get("format").map(String::as_str) != Some(FORMAT) {
        return Err(refuse(format!("metadata 'format' is not '{FORMAT}'")));
    }
    let arch: Architecture = serde_json::from_str(info.get("architecture").map_or("", |s| s.as_str()))
        .map_err(|_| refuse("metadata 'architecture' is missing or malformed".into()))?;
    check_architecture(&arch).map_err(|e| refuse(format!("metadata 'architecture': {e}")))?;
    let st = SafeTensors::deserialize(bytes).map_err(|e| refuse(in_words(&e, bytes)))?;
    let shapes = arch.layer_shapes();
    let expected: Vec<String> = (0..shapes.len()).flat_map(|i| [weight_name(i), bias_name(i)]).collect();
    if let Some(extra) = st.names().into_iter().filter(|n| !expected.contains(n)).min() {
        return Err(refuse(format!("unexpected tensor '{extra}' for the recorded architecture {arch}")));
    }
    let dev = Cpu::default();
    let layers = shapes
        .iter()
        .enumerate()
        .map(|(i, &(fan_in, fan_out, _))| {
            let w = read_tensor(&st, &weight_name(i), &[fan_in, fan_out]).map_err(refuse)?;
            let b = read_tensor(&st, &bias_name(i), &[fan_out]).map_err(refuse)?;
            Ok(Dense { w: dev.tensor_from_vec(w, (fan_in, fan_out)), b: dev.tensor_from_vec(b, (fan_out,)) })
        })
        .collect::<Result<_>>()?;
    Ok(Mlp { arch, layers, dev })
}

/// Loads a model file. Anything but a regular file, or a file larger than any model this program
/// writes, is refused before it is read.
pub fn load(path: &Path) -> Result<Mlp> {
    // The header first (a few KiB): a file it does not describe is refused before the rest is read,
    // so a large damaged file costs no more than a small one.
    let origin = path.display().to_string();
    let len = crate::files::check_bounded(path, MODEL_MAX_BYTES, "model file")?;
    let mut prefix = Vec::new();
    {
        use std::io::Read;
        std::fs::File::open(path)
            .and_then(|f| f.take(8 + HEADER_SLACK).read_to_end(&mut prefix))
            .map_err(|e| anyhow!("{origin}: cannot read: {e}"))?;
    }
    precheck(&prefix, len).map_err(|why| anyhow!("{origin}: not a digitlab model ({why})"))?;
    let bytes = crate::files::read_bounded(path, MODEL_MAX_BYTES, "model file")?;
    from_bytes(&bytes, &origin)
}

/// What the first bytes of a model file (`prefix`) say about the whole of it (`len` bytes): the
/// header must be JSON that fits in the prefix and records an architecture whose tensors, with the
/// header, make exactly `len` bytes. Everything else is checked again, in full, on the whole file.
fn precheck(prefix: &[u8], len: u64) -> Result<(), String> {
    let Some(n) = prefix.get(..8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8]))) else {
        return Err(format!("{len} bytes, shorter than the 8-byte header length a safetensors file starts with"));
    };
    if n > HEADER_SLACK || 8 + n > len {
        return Err(format!("its header length field says {n} bytes, but a digitlab model's header is at most {HEADER_SLACK} bytes and {} bytes follow it", len.saturating_sub(8)));
    }
    let header: serde_json::Value = prefix
        .get(8..8 + n as usize)
        .and_then(|h| serde_json::from_slice(h).ok())
        .ok_or("its header is not the JSON table of tensors a safetensors file starts with")?;
    let Some(arch) = header.pointer("/__metadata__/architecture").and_then(|a| a.as_str()).and_then(|a| serde_json::from_str::<Architecture>(a).ok())
    else {
        // Not ours, or damaged: the full check says which.
        return Ok(());
    };
    if check_architecture(&arch).is_ok() {
        let expected = 8 + n + arch.param_count() as u64 * 4;
        if expected != len {
            let what = if len < expected { "truncated" } else { "longer than its contents" };
            return Err(format!("the file is {what}: {len} bytes, but its header and its architecture {arch} make {expected}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Activation, HiddenLayer};

    fn small() -> Architecture {
        Architecture::new(784, vec![HiddenLayer { neurons: 16, activation: Activation::Tanh }], 10)
    }

    /// Why `from_bytes` refuses `bytes`, checking the refusal's shape and that no library variant
    /// name leaks into it.
    fn refusal(bytes: &[u8]) -> String {
        let err = format!("{:#}", from_bytes(bytes, "m.safetensors").unwrap_err());
        assert!(err.starts_with("m.safetensors: not a digitlab model ("), "{err}");
        for jargon in ["Invalid", "Incomplete", "HeaderToo", "TensorNot", "Overflow", "Error("] {
            assert!(!err.contains(jargon), "library jargon in: {err}");
        }
        err
    }

    /// A tensor's name, dtype and shape.
    type Spec = (&'static str, Dtype, Vec<usize>);

    /// A safetensors image with the given tensors (all zeros) and `small()`'s metadata.
    fn file_with(tensors: &[Spec]) -> Vec<u8> {
        let data: Vec<Vec<u8>> =
            tensors.iter().map(|(_, d, s)| vec![0u8; s.iter().product::<usize>() * d.size()]).collect();
        let views: Vec<(String, TensorView)> = tensors
            .iter()
            .zip(&data)
            .map(|((n, d, s), b)| (n.to_string(), TensorView::new(*d, s.clone(), b).unwrap()))
            .collect();
        let meta = HashMap::from([
            ("format".to_string(), FORMAT.to_string()),
            ("architecture".to_string(), serde_json::to_string(&small()).unwrap()),
        ]);
        safetensors::serialize(views, &Some(meta)).unwrap()
    }

    fn good_tensors() -> Vec<Spec> {
        vec![
            ("layers.0.weight", Dtype::F32, vec![784, 16]),
            ("layers.0.bias", Dtype::F32, vec![16]),
            ("layers.1.weight", Dtype::F32, vec![16, 10]),
            ("layers.1.bias", Dtype::F32, vec![10]),
        ]
    }

    #[test]
    fn round_trips_weights_and_architecture() {
        let mlp = Mlp::new(&small(), 7);
        let back = from_bytes(&to_bytes(&mlp).unwrap(), "m").unwrap();
        assert_eq!(back.arch, small());
        for (a, b) in mlp.layers.iter().zip(&back.layers) {
            assert_eq!(a.w.as_vec(), b.w.as_vec());
            assert_eq!(a.b.as_vec(), b.b.as_vec());
        }
        assert!(from_bytes(&file_with(&good_tensors()), "m").is_ok(), "the test helper writes a valid file");
    }

    #[test]
    fn a_non_finite_value_is_refused_naming_the_tensor() {
        for (bad, said) in [(f32::NAN, "NaN"), (f32::INFINITY, "inf"), (f32::NEG_INFINITY, "-inf")] {
            let mut mlp = Mlp::new(&small(), 7);
            let mut b = mlp.layers[1].b.as_vec();
            b[3] = bad;
            mlp.layers[1].b = mlp.dev.tensor_from_vec(b, (10,));
            let err = refusal(&to_bytes(&mlp).unwrap());
            assert!(err.contains(&format!("tensor 'layers.1.bias' holds {said} at index 3")), "{err}");
        }
    }

    #[test]
    fn damaged_files_are_refused_in_words() {
        let good = to_bytes(&Mlp::new(&small(), 7)).unwrap();
        let header_len = u64::from_le_bytes(good[..8].try_into().unwrap()) as usize;
        let mut long_header = good.clone();
        long_header[..8].copy_from_slice(&(good.len() as u64 * 2).to_le_bytes());
        let mut bad_json = good.clone();
        bad_json[8] = b'[';
        let mut not_utf8 = good.clone();
        not_utf8[9] = 0xff;
        let mut appended = good.clone();
        appended.extend_from_slice(&[0; 4]);
        let doubled = format!("its header length field says {}", good.len() * 2);
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"not a model at all".to_vec(), "its header length field says"),
            (good[..5].to_vec(), "5 bytes, shorter than the 8-byte header length"),
            (good[..good.len() - 4].to_vec(), "the file is truncated or has bytes appended"),
            (appended, "the file is truncated or has bytes appended"),
            (good[..8 + header_len - 1].to_vec(), "its header length field says"),
            (long_header, &doubled),
            (bad_json, "not the JSON table of tensors"),
            (not_utf8, "not UTF-8 text"),
        ];
        for (bytes, want) in cases {
            let err = refusal(&bytes);
            assert!(err.contains(want), "want '{want}' in: {err}");
        }
    }

    #[test]
    fn tensors_must_match_the_recorded_architecture() {
        let with = |f: &dyn Fn(&mut Vec<Spec>)| {
            let mut t = good_tensors();
            f(&mut t);
            refusal(&file_with(&t))
        };
        let err = with(&|t| t[2].2 = vec![10, 16]);
        assert!(err.contains("tensor 'layers.1.weight' has shape [10, 16], the recorded architecture needs [16, 10]"), "{err}");
        let err = with(&|t| t[1].1 = Dtype::I32);
        assert!(err.contains("tensor 'layers.0.bias' holds I32 values, expected F32"), "{err}");
        let err = with(&|t| {
            t.remove(3);
        });
        assert!(err.contains("tensor 'layers.1.bias' is missing"), "{err}");
        let err = with(&|t| t.push(("layers.2.weight", Dtype::F32, vec![10, 10])));
        assert!(err.contains("unexpected tensor 'layers.2.weight'"), "{err}");
    }

    #[test]
    fn the_metadata_must_describe_an_accepted_architecture() {
        let mut arch = small();
        arch.classes = MAX_CLASSES + 1;
        let mut mlp = Mlp::new(&small(), 1);
        mlp.arch = arch;
        assert!(refusal(&to_bytes(&mlp).unwrap()).contains("metadata 'architecture': 257 classes, at most 256"));
        mlp.arch.hidden[0].neurons = 0;
        assert!(refusal(&to_bytes(&mlp).unwrap()).contains("neurons must be 1–4096 (got 0)"));
        let plain = safetensors::serialize(Vec::<(String, TensorView)>::new(), &None).unwrap();
        assert!(refusal(&plain).contains("metadata 'format' is not 'digitlab-mlp-v1'"));
    }

    #[test]
    fn a_file_its_header_does_not_describe_is_refused_from_the_header_alone() {
        let good = to_bytes(&Mlp::new(&small(), 7)).unwrap();
        let len = good.len() as u64;
        assert_eq!(precheck(&good[..good.len().min(8 + HEADER_SLACK as usize)], len), Ok(()));
        // Zeros (a header length of 0), a header length past the slack, and bytes appended.
        assert!(precheck(&[0; 64], 400 << 20).unwrap_err().contains("not the JSON table"));
        let mut huge = good.clone();
        huge[..8].copy_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(precheck(&huge, len).unwrap_err().contains("at most 65536 bytes"));
        assert!(precheck(&good, len + 4).unwrap_err().contains(&format!("the file is longer than its contents: {} bytes", len + 4)));
    }

    #[test]
    fn the_size_bound_holds_the_largest_network_with_room_for_its_header() {
        let widest = Architecture::new(BOUND_INPUT, vec![HiddenLayer { neurons: MAX_NEURONS, activation: Activation::Relu }; MAX_HIDDEN_LAYERS], MAX_CLASSES);
        assert!(check_architecture(&widest).is_ok());
        assert_eq!(MODEL_MAX_BYTES - HEADER_SLACK, widest.param_count() as u64 * 4);
        // The header of a network with as many layers, measured: digits in shapes and offsets grow
        // with the sizes, by far less than the slack's margin over it.
        let mut deep = widest.clone();
        deep.hidden.iter_mut().for_each(|l| l.neurons = 4);
        let header = to_bytes(&Mlp::new(&deep, 1)).unwrap().len() - deep.param_count() * 4;
        assert!((header as u64) * 8 < HEADER_SLACK, "header {header} bytes");
    }

    #[test]
    fn only_regular_files_within_the_bound_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let err = format!("{:#}", load(dir.path()).unwrap_err());
        assert!(err.ends_with("not a regular file"), "{err}");
        let err = format!("{:#}", load(Path::new("/dev/zero")).unwrap_err());
        assert_eq!(err, "/dev/zero: not a regular file");
        // A sparse file one byte over the bound: refused from its length alone (reading it would
        // take seconds and half a gigabyte).
        let big = dir.path().join("big.safetensors");
        std::fs::File::create(&big).unwrap().set_len(MODEL_MAX_BYTES + 1).unwrap();
        let err = format!("{:#}", load(&big).unwrap_err());
        assert!(err.contains("big.safetensors") && err.contains("more than digitlab accepts for a model file"), "{err}");
    }
}
