//! The heads as shipped (`data/heads.json`): their dense layers, the decision
//! thresholds, and loading them with a check that the layers fit together
//! ([`Heads::from_json`]).

use serde::{Deserialize, Serialize};

use super::{LEVELS, Label};

/// A dense layer: `out = w · x + b`, `w` row-major (`outputs × inputs`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dense {
    pub inputs: usize,
    pub outputs: usize,
    pub w: Vec<f32>,
    pub b: Vec<f32>,
}

impl Dense {
    pub(super) fn forward(&self, x: &[f32], out: &mut Vec<f32>) {
        out.clear();
        out.extend(self.b.iter().enumerate().map(|(o, b)| {
            let row = &self.w[o * self.inputs..(o + 1) * self.inputs];
            b + row.iter().zip(x).map(|(w, x)| w * x).sum::<f32>()
        }));
    }

    fn valid(&self) -> bool {
        self.w.len() == self.inputs * self.outputs
            && self.b.len() == self.outputs
            && self.w.iter().chain(&self.b).all(|v| v.is_finite())
    }
}

/// Decision thresholds on the level head's probabilities, tuned on the dev
/// split (never the test split).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Thresholds {
    /// P(high) + P(critical) at or above this: the crisis protocol.
    pub crisis: f32,
    /// P(critical) at or above this (with a crisis): critical.
    pub critical: f32,
    /// P(moderate or above) at or above this: a check-in.
    pub moderate: f32,
}

/// The trained heads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Heads {
    /// What the heads were trained on, for the record.
    pub about: String,
    pub hidden: Dense,
    pub level: Dense,
    pub label: Dense,
    pub thresholds: Thresholds,
}

#[derive(Debug, thiserror::Error)]
pub enum HeadsError {
    #[error("heads file: {0}")]
    File(#[from] serde_json::Error),
    #[error("heads file: the layers do not fit together")]
    Shape,
}

/// The heads as trained and committed.
const SHIPPED: &str = include_str!("../../data/heads.json");

impl Heads {
    /// The heads Rebloom ships (`data/heads.json`), checked.
    pub fn shipped() -> Result<Heads, HeadsError> {
        Heads::from_json(SHIPPED)
    }

    pub fn from_json(text: &str) -> Result<Heads, HeadsError> {
        let h: Heads = serde_json::from_str(text)?;
        let fits = h.hidden.valid()
            && h.level.valid()
            && h.label.valid()
            && h.level.inputs == h.hidden.outputs
            && h.label.inputs == h.hidden.outputs
            && h.level.outputs == LEVELS.len()
            && h.label.outputs == Label::ALL.len();
        if fits { Ok(h) } else { Err(HeadsError::Shape) }
    }

    /// The embedding dimension the heads expect.
    pub fn dim(&self) -> usize {
        self.hidden.inputs
    }
}
