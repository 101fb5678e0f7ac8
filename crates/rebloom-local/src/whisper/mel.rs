//! Whisper's log-mel spectrogram: the mel filter bank computed as librosa
//! does it (`librosa.filters.mel(sr=16000, n_fft=400, n_mels=N)`: Slaney mel
//! scale, Slaney area normalisation), which is what whisper's
//! `mel_filters.npz` holds, and candle's `pcm_to_mel` adjusted to match
//! whisper's Python features.

use candle_transformers::models::whisper::{self as m, audio::pcm_to_mel};

/// Hertz to mels on the Slaney scale: linear below 1 kHz, logarithmic above.
fn hz_to_mel(hz: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    const MIN_LOG_HZ: f64 = 1000.0;
    let min_log_mel = MIN_LOG_HZ / F_SP;
    let log_step = 6.4f64.ln() / 27.0;
    if hz >= MIN_LOG_HZ {
        min_log_mel + (hz / MIN_LOG_HZ).ln() / log_step
    } else {
        hz / F_SP
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    const MIN_LOG_HZ: f64 = 1000.0;
    let min_log_mel = MIN_LOG_HZ / F_SP;
    let log_step = 6.4f64.ln() / 27.0;
    if mel >= min_log_mel {
        MIN_LOG_HZ * (log_step * (mel - min_log_mel)).exp()
    } else {
        F_SP * mel
    }
}

/// The `n_mels x (n_fft / 2 + 1)` filter bank, row-major, from 0 Hz to the
/// Nyquist frequency: triangles spaced evenly in mels, each scaled to unit
/// area (`2 / (f[i + 2] - f[i])`), computed in f64 and stored as f32 like
/// librosa's.
pub fn mel_filters(sample_rate: usize, n_fft: usize, n_mels: usize) -> Vec<f32> {
    let bins = n_fft / 2 + 1;
    let fft_freqs: Vec<f64> = (0..bins)
        .map(|k| k as f64 * sample_rate as f64 / n_fft as f64)
        .collect();
    let min_mel = hz_to_mel(0.0);
    let max_mel = hz_to_mel(sample_rate as f64 / 2.0);
    let points = n_mels + 2;
    let mel_freqs: Vec<f64> = (0..points)
        .map(|i| mel_to_hz(min_mel + (max_mel - min_mel) * i as f64 / (points - 1) as f64))
        .collect();
    let mut filters = vec![0f32; n_mels * bins];
    for i in 0..n_mels {
        let (lo, centre, hi) = (mel_freqs[i], mel_freqs[i + 1], mel_freqs[i + 2]);
        let norm = 2.0 / (hi - lo);
        for (k, &f) in fft_freqs.iter().enumerate() {
            let rising = (f - lo) / (centre - lo);
            let falling = (hi - f) / (hi - centre);
            let w = rising.min(falling).max(0.0);
            filters[i * bins + k] = (w * norm) as f32;
        }
    }
    filters
}

/// Filters ready for candle's `pcm_to_mel`. candle (like whisper.cpp) folds
/// the mirrored half of the FFT onto bins `1..n_fft/2`, doubling their power;
/// whisper's Python takes the one-sided power spectrum. Halving those
/// columns gives whisper's numbers exactly.
pub fn candle_filters(n_mels: usize) -> Vec<f32> {
    let bins = m::N_FFT / 2 + 1;
    let mut filters = mel_filters(m::SAMPLE_RATE, m::N_FFT, n_mels);
    for row in filters.chunks_exact_mut(bins) {
        for w in &mut row[1..bins - 1] {
            *w *= 0.5;
        }
    }
    filters
}

/// Log-mel features of one window (at most 30 s of 16 kHz audio), as
/// `n_mels x 3000` row-major, normalised the way whisper does (clamped to
/// 8 below the peak, then `x / 4 + 1`).
pub fn log_mel(config: &m::Config, filters: &[f32], samples: &[f32]) -> Vec<f32> {
    // Whisper's STFT is centred: frame i is centred on sample 160 * i, with
    // the start reflected. candle's frames start at sample 160 * i, so the
    // reflection is added here.
    let pad = m::N_FFT / 2;
    let mut padded = Vec::with_capacity(samples.len() + pad);
    padded.extend(
        (1..=pad)
            .rev()
            .map(|i| samples.get(i).copied().unwrap_or(0.0)),
    );
    padded.extend_from_slice(samples);
    let mel = pcm_to_mel(config, &padded, filters);
    let n_mels = config.num_mel_bins;
    let frames = mel.len() / n_mels;
    let mut out = Vec::with_capacity(n_mels * m::N_FRAMES);
    for row in mel.chunks_exact(frames.max(1)) {
        let take = row.len().min(m::N_FRAMES);
        out.extend_from_slice(&row[..take]);
        // pcm_to_mel pads to at least one more window, so this is unused in
        // practice; the padding value is the clamp floor.
        out.extend(std::iter::repeat_n(
            row.iter().copied().fold(f32::INFINITY, f32::min),
            m::N_FRAMES - take,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn slaney_scale_round_trips_and_is_linear_below_1khz() {
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
        assert!((hz_to_mel(500.0) - 7.5).abs() < 1e-12);
        for hz in [0.0, 37.0, 999.0, 1000.0, 4321.0, 8000.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-9, "{hz}");
        }
    }

    #[test]
    fn filters_have_whisper_shape_and_unit_area() {
        let f = mel_filters(16000, 400, 80);
        assert_eq!(f.len(), 80 * 201);
        assert!(f.iter().all(|&w| w >= 0.0));
        // Above the first few (narrower than a 40 Hz bin), each triangle's
        // area, sum(w) * 40 Hz, is 1.
        for row in f.chunks_exact(201).skip(10) {
            let area: f32 = row.iter().sum::<f32>() * 40.0;
            assert!((area - 1.0).abs() < 0.08, "{area}");
        }
        // The last filter ends below the Nyquist bin.
        assert_eq!(f[79 * 201 + 200], 0.0);
    }

    /// Compares the whole bank with whisper's own `mel_filters.npz`, stored
    /// as its non-zero entries.
    fn matches_whisper(n_mels: usize, golden: &str) {
        let f = mel_filters(16000, 400, n_mels);
        let mut expected = vec![0f32; n_mels * 201];
        for line in golden.lines().filter(|l| !l.starts_with('#')) {
            let parts: Vec<&str> = line.split_whitespace().collect();
            let (i, j, v): (usize, usize, f32) = (
                parts[0].parse().unwrap(),
                parts[1].parse().unwrap(),
                parts[2].parse().unwrap(),
            );
            expected[i * 201 + j] = v;
        }
        let nonzero = expected.iter().filter(|&&v| v != 0.0).count();
        assert!(nonzero > 300, "{nonzero}");
        for (k, (a, b)) in f.iter().zip(&expected).enumerate() {
            assert!(
                (a - b).abs() <= 1e-7 + 1e-6 * b.abs(),
                "filter {} bin {}: {a} vs whisper's {b}",
                k / 201,
                k % 201
            );
        }
    }

    #[test]
    fn filters_equal_whispers_80_bin_bank() {
        matches_whisper(80, include_str!("testdata/mel_80_nonzero.txt"));
    }

    #[test]
    fn filters_equal_whispers_128_bin_bank() {
        matches_whisper(128, include_str!("testdata/mel_128_nonzero.txt"));
    }

    #[test]
    fn candle_filters_halve_the_folded_bins_only() {
        let f = mel_filters(16000, 400, 80);
        let c = candle_filters(80);
        assert_eq!(f[201 + 1] * 0.5, c[201 + 1]);
        assert_eq!(f[0], c[0]);
        assert_eq!(f[200], c[200]);
    }
}
