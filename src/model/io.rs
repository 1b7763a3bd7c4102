//! Saving and loading a trained network as safetensors (readable from Python too), with the
//! architecture in the file's metadata so `digitlab eval` needs nothing else.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use dfdx::prelude::*;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use super::{Architecture, Dense, Mlp};

const FORMAT: &str = "digitlab-mlp-v1";

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The network as a safetensors file image: `layers.N.weight` is `(fan_in, fan_out)`,
/// `layers.N.bias` is `(fan_out,)`.
pub fn to_bytes(mlp: &Mlp) -> Result<Vec<u8>> {
    let mut owned = Vec::new();
    for (i, l) in mlp.layers.iter().enumerate() {
        owned.push((format!("layers.{i}.weight"), vec![l.fan_in(), l.fan_out()], f32_bytes(&l.weights())));
        owned.push((format!("layers.{i}.bias"), vec![l.fan_out()], f32_bytes(&l.b.as_vec())));
    }
    let views = owned
        .iter()
        .map(|(name, shape, bytes)| Ok((name.clone(), TensorView::new(Dtype::F32, shape.clone(), bytes)?)))
        .collect::<Result<Vec<_>, safetensors::SafeTensorError>>()?;
    let meta = HashMap::from([
        ("format".to_string(), FORMAT.to_string()),
        ("architecture".to_string(), serde_json::to_string(&mlp.arch)?),
    ]);
    Ok(safetensors::serialize(views, &Some(meta))?)
}

/// Reads a network written by [`to_bytes`]; `origin` names the file in errors.
pub fn from_bytes(bytes: &[u8], origin: &str) -> Result<Mlp> {
    let (_, meta) = SafeTensors::read_metadata(bytes).with_context(|| format!("{origin}: not a safetensors file"))?;
    let info = meta.metadata().clone().unwrap_or_default();
    if info.get("format").map(String::as_str) != Some(FORMAT) {
        bail!("{origin}: not a digitlab model (metadata 'format' is not '{FORMAT}')");
    }
    let arch: Architecture = serde_json::from_str(info.get("architecture").map_or("", |s| s.as_str()))
        .with_context(|| format!("{origin}: metadata 'architecture' is missing or malformed"))?;
    arch.validate().map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
    let st = SafeTensors::deserialize(bytes).with_context(|| format!("{origin}: corrupt tensor data"))?;
    let dev = Cpu::default();
    let read = |name: &str, shape: &[usize]| -> Result<Vec<f32>> {
        let t = st.tensor(name).with_context(|| format!("{origin}: tensor '{name}' missing"))?;
        if t.dtype() != Dtype::F32 || t.shape() != shape {
            bail!("{origin}: tensor '{name}' is {:?} {:?}, expected F32 {shape:?}", t.dtype(), t.shape());
        }
        Ok(t.data().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    };
    let layers = arch
        .layer_shapes()
        .iter()
        .enumerate()
        .map(|(i, &(fan_in, fan_out, _))| {
            Ok(Dense {
                w: dev.tensor_from_vec(read(&format!("layers.{i}.weight"), &[fan_in, fan_out])?, (fan_in, fan_out)),
                b: dev.tensor_from_vec(read(&format!("layers.{i}.bias"), &[fan_out])?, (fan_out,)),
            })
        })
        .collect::<Result<_>>()?;
    Ok(Mlp { arch, layers, dev })
}

pub fn load(path: &Path) -> Result<Mlp> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read model", path.display()))?;
    from_bytes(&bytes, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Activation, HiddenLayer};

    #[test]
    fn round_trips_weights_and_architecture() {
        let arch = Architecture {
            input: 784,
            hidden: vec![HiddenLayer { neurons: 16, activation: Activation::Tanh }],
            classes: 10,
        };
        let mlp = Mlp::new(&arch, 7);
        let back = from_bytes(&to_bytes(&mlp).unwrap(), "m").unwrap();
        assert_eq!(back.arch, arch);
        for (a, b) in mlp.layers.iter().zip(&back.layers) {
            assert_eq!(a.w.as_vec(), b.w.as_vec());
            assert_eq!(a.b.as_vec(), b.b.as_vec());
        }
    }

    #[test]
    fn garbage_is_rejected_with_the_file_named() {
        let err = from_bytes(b"not a model at all", "x.safetensors").unwrap_err();
        assert!(format!("{err:#}").starts_with("x.safetensors: not a safetensors file"), "{err:#}");
    }
}
