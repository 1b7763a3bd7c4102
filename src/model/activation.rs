//! Hidden-layer activation functions, their derivatives, and the weight init each one wants.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use strum::IntoEnumIterator;

/// Slope for negative inputs of leaky ReLU (PyTorch's default).
pub const LEAKY_SLOPE: f32 = 0.01;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumIter, strum::IntoStaticStr)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Activation {
    Sigmoid,
    Relu,
    Tanh,
    LeakyRelu,
    /// GELU, tanh approximation (the one dfdx calls `fast_gelu`).
    Gelu,
    Identity,
}

/// How a layer's weights are drawn (uniform variants; biases start at zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Init {
    /// He/Kaiming uniform, limit sqrt(6 / fan_in): keeps ReLU-like activations' variance.
    He,
    /// Glorot/Xavier uniform, limit sqrt(6 / (fan_in + fan_out)): for symmetric saturating functions.
    Glorot,
}

impl Activation {
    /// The name used everywhere (flags, config files, summary.json): `leaky-relu`.
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn init(self) -> Init {
        match self {
            Activation::Relu | Activation::LeakyRelu | Activation::Gelu => Init::He,
            Activation::Sigmoid | Activation::Tanh | Activation::Identity => Init::Glorot,
        }
    }

    /// Next/previous activation, for cycling in forms.
    pub fn cycle(self, forward: bool) -> Activation {
        crate::enums::cycle(self, forward)
    }

    /// Applies the activation in place.
    pub fn apply(self, z: &mut [f32]) {
        match self {
            Activation::Sigmoid => z.iter_mut().for_each(|v| *v = 1.0 / (1.0 + (-*v).exp())),
            Activation::Relu => z.iter_mut().for_each(|v| *v = v.max(0.0)),
            Activation::Tanh => z.iter_mut().for_each(|v| *v = v.tanh()),
            Activation::LeakyRelu => {
                z.iter_mut().for_each(|v| *v = if *v > 0.0 { *v } else { *v * LEAKY_SLOPE })
            }
            Activation::Gelu => z.iter_mut().for_each(|v| *v = gelu(*v)),
            Activation::Identity => {}
        }
    }

    /// Whether the derivative needs the pre-activation `z` (otherwise the output `a` is enough,
    /// and backprop need not keep `z` around).
    pub fn needs_preactivation(self) -> bool {
        matches!(self, Activation::Gelu)
    }

    /// Multiplies `grad` (dL/da) by da/dz in place, given the layer output `a` and, where needed,
    /// the pre-activation `z`.
    pub fn backprop(self, grad: &mut [f32], a: &[f32], z: Option<&[f32]>) {
        match self {
            Activation::Sigmoid => grad.iter_mut().zip(a).for_each(|(g, &a)| *g *= a * (1.0 - a)),
            // Selects rather than branches: half the signs are random, so a branch mispredicts often.
            Activation::Relu => grad.iter_mut().zip(a).for_each(|(g, &a)| *g = if a <= 0.0 { 0.0 } else { *g }),
            Activation::Tanh => grad.iter_mut().zip(a).for_each(|(g, &a)| *g *= 1.0 - a * a),
            Activation::LeakyRelu => {
                grad.iter_mut().zip(a).for_each(|(g, &a)| *g = if a <= 0.0 { *g * LEAKY_SLOPE } else { *g })
            }
            Activation::Gelu => {
                let z = z.expect("gelu backprop needs the pre-activation");
                grad.iter_mut().zip(z).for_each(|(g, &z)| *g *= gelu_grad(z))
            }
            Activation::Identity => {}
        }
    }
}

const SQRT_2_OVER_PI: f32 = 0.797_884_6;
const GELU_C: f32 = 0.044_715;

fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + (SQRT_2_OVER_PI * (x + GELU_C * x * x * x)).tanh())
}

fn gelu_grad(x: f32) -> f32 {
    let t = (SQRT_2_OVER_PI * (x + GELU_C * x * x * x)).tanh();
    0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_C * x * x)
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Activation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase().replace('_', "-");
        Ok(match s.as_str() {
            "sigmoid" | "logistic" => Activation::Sigmoid,
            "relu" => Activation::Relu,
            "tanh" => Activation::Tanh,
            "leaky-relu" | "leakyrelu" | "lrelu" => Activation::LeakyRelu,
            "gelu" => Activation::Gelu,
            "identity" | "linear" | "none" => Activation::Identity,
            _ => {
                return Err(format!(
                    "unknown activation '{s}' (expected one of: {})",
                    Activation::iter().map(Activation::name).collect::<Vec<_>>().join(", ")
                ))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_match_finite_differences() {
        for act in Activation::iter() {
            for &z in &[-2.3f32, -0.4, 0.3, 1.7] {
                let h = 1e-3;
                let (mut lo, mut hi, mut mid) = ([z - h], [z + h], [z]);
                act.apply(&mut lo);
                act.apply(&mut hi);
                act.apply(&mut mid);
                let numeric = (hi[0] - lo[0]) / (2.0 * h);
                let mut g = [1.0f32];
                act.backprop(&mut g, &mid, Some(&[z]));
                assert!((g[0] - numeric).abs() < 2e-3, "{act} at {z}: {} vs {numeric}", g[0]);
            }
        }
    }

    #[test]
    fn names_round_trip_and_unknown_is_explained() {
        for act in Activation::iter() {
            assert_eq!(act.name().parse::<Activation>().unwrap(), act);
        }
        let err = "swish".parse::<Activation>().unwrap_err();
        assert!(err.contains("unknown activation 'swish'") && err.contains("leaky-relu"), "{err}");
    }
}
