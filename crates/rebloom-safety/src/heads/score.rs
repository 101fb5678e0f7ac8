//! Scoring: the heads run on a message's embeddings ([`Heads::read`],
//! [`Heads::run`]), and what their output says ([`HeadOutput`]): the level
//! the thresholds give, the most likely label.

use super::{Heads, Label, Thresholds};
use crate::assess::{Category, RiskLevel};

/// What the heads make of one embedding.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadOutput {
    /// Probabilities of the five levels, none first.
    pub levels: [f32; 5],
    /// Probabilities of the labels, in [`Label::ALL`] order.
    pub labels: Vec<f32>,
}

impl HeadOutput {
    pub fn crisis(&self) -> f32 {
        self.levels[3] + self.levels[4]
    }

    pub fn at_least_moderate(&self) -> f32 {
        self.levels[2] + self.levels[3] + self.levels[4]
    }

    /// The level the thresholds give.
    pub fn level(&self, t: &Thresholds) -> RiskLevel {
        if self.crisis() >= t.crisis {
            if self.levels[4] >= t.critical {
                RiskLevel::Critical
            } else {
                RiskLevel::High
            }
        } else if self.at_least_moderate() >= t.moderate {
            RiskLevel::Moderate
        } else if self.levels[1] + self.at_least_moderate() >= 0.5 {
            RiskLevel::Low
        } else {
            RiskLevel::None
        }
    }

    /// The most likely label.
    pub fn top_label(&self) -> Label {
        let mut best = (0, f32::MIN);
        for (i, p) in self.labels.iter().enumerate() {
            if *p > best.1 {
                best = (i, *p);
            }
        }
        Label::ALL.get(best.0).copied().unwrap_or(Label::Benign)
    }

    /// The most likely label among the risk labels (what kind of crisis).
    pub fn top_risk_label(&self) -> Label {
        let mut best = (Label::IdeationActive, f32::MIN);
        for (l, p) in Label::ALL.iter().zip(&self.labels) {
            if l.category().is_some_and(|c| c != Category::Panic) && *p > best.1 {
                best = (*l, *p);
            }
        }
        best.0
    }
}

impl Heads {
    /// Reads a message from its views (the whole message, then its parts):
    /// the view that reads most like a crisis speaks for the message. `None`
    /// when no view fits the heads.
    pub fn read(&self, views: &[Vec<f32>]) -> Option<HeadOutput> {
        views
            .iter()
            .filter_map(|v| self.run(v))
            .max_by(|a, b| a.crisis().total_cmp(&b.crisis()))
    }

    /// Runs the heads; `None` when the embedding has the wrong size or is not finite.
    pub fn run(&self, embedding: &[f32]) -> Option<HeadOutput> {
        if embedding.len() != self.dim() || !embedding.iter().all(|v| v.is_finite()) {
            return None;
        }
        let mut h = Vec::new();
        self.hidden.forward(embedding, &mut h);
        relu(&mut h);
        let mut lv = Vec::new();
        self.level.forward(&h, &mut lv);
        softmax(&mut lv);
        let mut lb = Vec::new();
        self.label.forward(&h, &mut lb);
        softmax(&mut lb);
        let mut levels = [0f32; 5];
        levels.copy_from_slice(&lv);
        Some(HeadOutput { levels, labels: lb })
    }
}

pub(super) fn relu(v: &mut [f32]) {
    for x in v {
        *x = x.max(0.0);
    }
}

pub(super) fn softmax(v: &mut [f32]) {
    let max = v.iter().copied().fold(f32::MIN, f32::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    for x in v.iter_mut() {
        *x /= sum;
    }
}
