//! Training the heads ([`train`]): Adam on softmax cross-entropy over both
//! outputs, class-weighted, from a fixed seed so the same examples give the
//! same heads.

use super::score::{relu, softmax};
use super::{Dense, Heads, LEVELS, Label, Thresholds};
use crate::assess::RiskLevel;

fn level_index(l: RiskLevel) -> usize {
    LEVELS.iter().position(|x| *x == l).unwrap_or(0)
}

/// One training example: an embedding and its labels.
pub struct Example<'a> {
    pub embedding: &'a [f32],
    pub level: RiskLevel,
    pub label: Label,
    /// How much it counts (weak labels count less).
    pub weight: f32,
}

/// Training settings; the defaults are what `rebloom train-safety` uses.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    pub hidden: usize,
    pub epochs: usize,
    pub batch: usize,
    pub learning_rate: f32,
    pub weight_decay: f32,
    pub seed: u64,
    /// How much more a missed crisis costs than a false alarm, in the level loss.
    pub crisis_weight: f32,
}

impl Default for TrainConfig {
    fn default() -> TrainConfig {
        TrainConfig {
            hidden: 128,
            epochs: 60,
            batch: 32,
            learning_rate: 2e-3,
            weight_decay: 1e-4,
            seed: 20_261_206,
            crisis_weight: 1.5,
        }
    }
}

/// Trains the heads with Adam on softmax cross-entropy (both outputs), from a
/// fixed seed: the same examples give the same heads.
pub fn train(examples: &[Example<'_>], config: &TrainConfig, about: String) -> Heads {
    let dim = examples.first().map_or(0, |e| e.embedding.len());
    let mut rng = SplitMix(config.seed);
    let mut params = [
        Dense::new(dim, config.hidden, &mut rng),
        Dense::new(config.hidden, LEVELS.len(), &mut rng),
        Dense::new(config.hidden, Label::ALL.len(), &mut rng),
    ];
    let mut adam: Vec<Adam> = params.iter().map(Adam::new).collect();
    // Class weights: each level counts as much in total as the others.
    let mut counts = [0f32; 5];
    for e in examples {
        counts[level_index(e.level)] += e.weight;
    }
    let total: f32 = counts.iter().sum();
    let class_weight: Vec<f32> = counts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let base = if *c > 0.0 { total / (5.0 * c) } else { 0.0 };
            let base = base.sqrt();
            if i >= 3 {
                base * config.crisis_weight
            } else {
                base
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut step = 0u32;
    for _ in 0..config.epochs {
        rng.shuffle(&mut order);
        for chunk in order.chunks(config.batch.max(1)) {
            let mut grads: Vec<Dense> = params.iter().map(Dense::zeros_like).collect();
            let mut batch_weight = 0.0;
            for &i in chunk {
                let e = &examples[i];
                let w = e.weight * class_weight[level_index(e.level)];
                batch_weight += w;
                backprop(&params, e, w, &mut grads);
            }
            if batch_weight <= 0.0 {
                continue;
            }
            step += 1;
            for ((p, g), a) in params.iter_mut().zip(&grads).zip(&mut adam) {
                a.update(p, g, 1.0 / batch_weight, config, step);
            }
        }
    }
    let [hidden, level, label] = params;
    Heads {
        about,
        hidden,
        level,
        label,
        thresholds: Thresholds {
            crisis: 0.5,
            critical: 0.5,
            moderate: 0.5,
        },
    }
}

/// Adds one example's gradients (scaled by `w`) to `grads`.
fn backprop(params: &[Dense; 3], e: &Example<'_>, w: f32, grads: &mut [Dense]) {
    let [hidden, level, label] = params;
    let mut h = Vec::new();
    hidden.forward(e.embedding, &mut h);
    relu(&mut h);
    let mut dh = vec![0f32; h.len()];
    for (k, (layer, target)) in [(level, level_index(e.level)), (label, e.label.index())]
        .into_iter()
        .enumerate()
    {
        let mut p = Vec::new();
        layer.forward(&h, &mut p);
        softmax(&mut p);
        // d(loss)/d(logit) = p - onehot
        let g = &mut grads[k + 1];
        for (o, po) in p.iter().enumerate() {
            let d = w * (po - if o == target { 1.0 } else { 0.0 });
            g.b[o] += d;
            let row = o * layer.inputs;
            for (j, hj) in h.iter().enumerate() {
                g.w[row + j] += d * hj;
                dh[j] += d * layer.w[row + j];
            }
        }
    }
    let g = &mut grads[0];
    for (j, hj) in h.iter().enumerate() {
        if *hj <= 0.0 {
            continue;
        }
        let d = dh[j];
        g.b[j] += d;
        let row = j * hidden.inputs;
        for (i, x) in e.embedding.iter().enumerate() {
            g.w[row + i] += d * x;
        }
    }
}

impl Dense {
    fn new(inputs: usize, outputs: usize, rng: &mut SplitMix) -> Dense {
        // He initialisation for the ReLU layer that follows.
        let scale = (2.0 / inputs as f32).sqrt();
        Dense {
            inputs,
            outputs,
            w: (0..inputs * outputs)
                .map(|_| rng.normal() * scale)
                .collect(),
            b: vec![0.0; outputs],
        }
    }

    fn zeros_like(d: &Dense) -> Dense {
        Dense {
            inputs: d.inputs,
            outputs: d.outputs,
            w: vec![0.0; d.w.len()],
            b: vec![0.0; d.b.len()],
        }
    }
}

struct Adam {
    m: Dense,
    v: Dense,
}

impl Adam {
    fn new(d: &Dense) -> Adam {
        Adam {
            m: Dense::zeros_like(d),
            v: Dense::zeros_like(d),
        }
    }

    fn update(&mut self, p: &mut Dense, g: &Dense, scale: f32, c: &TrainConfig, step: u32) {
        const B1: f32 = 0.9;
        const B2: f32 = 0.999;
        let bc1 = 1.0 - B1.powi(step as i32);
        let bc2 = 1.0 - B2.powi(step as i32);
        let apply = |p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], decay: bool| {
            for i in 0..p.len() {
                let gi = g[i] * scale + if decay { c.weight_decay * p[i] } else { 0.0 };
                m[i] = B1 * m[i] + (1.0 - B1) * gi;
                v[i] = B2 * v[i] + (1.0 - B2) * gi * gi;
                p[i] -= c.learning_rate * (m[i] / bc1) / ((v[i] / bc2).sqrt() + 1e-8);
            }
        };
        apply(&mut p.w, &g.w, &mut self.m.w, &mut self.v.w, true);
        apply(&mut p.b, &g.b, &mut self.m.b, &mut self.v.b, false);
    }
}

/// A small deterministic generator (SplitMix64) for initialisation and shuffling.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn uniform(&mut self) -> f32 {
        ((self.next() >> 40) as f32 + 0.5) / (1u64 << 24) as f32
    }

    /// A standard normal sample (Box-Muller).
    fn normal(&mut self) -> f32 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn training_is_deterministic_and_learns_a_separable_set() {
        let mut rng = SplitMix(7);
        let points: Vec<(Vec<f32>, RiskLevel, Label)> = (0..200)
            .map(|i| {
                let crisis = i % 2 == 0;
                let mut v: Vec<f32> = (0..8).map(|_| rng.normal() * 0.1).collect();
                v[0] += if crisis { 1.0 } else { -1.0 };
                if crisis {
                    (v, RiskLevel::High, Label::IdeationActive)
                } else {
                    (v, RiskLevel::None, Label::Benign)
                }
            })
            .collect();
        let examples: Vec<Example<'_>> = points
            .iter()
            .map(|(v, l, b)| Example {
                embedding: v,
                level: *l,
                label: *b,
                weight: 1.0,
            })
            .collect();
        let config = TrainConfig {
            hidden: 8,
            epochs: 20,
            ..TrainConfig::default()
        };
        let a = train(&examples, &config, String::new());
        let b = train(&examples, &config, String::new());
        assert_eq!(a.hidden.w, b.hidden.w);
        assert_eq!(a.level.w, b.level.w);
        let mut right = 0;
        for (v, l, _) in &points {
            let out = a.run(v).unwrap();
            if out.level(&a.thresholds).is_crisis() == l.is_crisis() {
                right += 1;
            }
        }
        assert!(right >= 195, "{right} of 200");
        // A wrong-sized embedding is refused, not misread.
        assert!(a.run(&[0.0; 3]).is_none());
        let json = serde_json::to_string(&a).unwrap();
        assert!(Heads::from_json(&json).is_ok());
        assert!(Heads::from_json(&json.replace("\"outputs\":5", "\"outputs\":4")).is_err());
    }
}
