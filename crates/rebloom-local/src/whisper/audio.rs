//! Audio in: WAV (integer PCM 8/16/24/32-bit, float, A-law, mu-law), FLAC,
//! MP3 and Ogg Vorbis decoded with symphonia, mixed down to mono and
//! resampled to 16 kHz with a windowed-sinc filter.

use std::io::Cursor;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, DecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::WhisperError;

/// The rate Whisper listens at.
pub const TARGET_RATE: u32 = 16_000;

/// Sample rates accepted: up to 192 kHz keeps five minutes of decoded audio
/// under a quarter of a gigabyte.
const MIN_RATE: u32 = 1_000;
const MAX_RATE: u32 = 192_000;

/// The formats [`decode`] reads, for error messages.
pub const SUPPORTED: &str = "WAV, FLAC, MP3 or Ogg Vorbis";

/// A container recognised by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Wav,
    Flac,
    Ogg,
    Mp3,
}

fn sniff(bytes: &[u8]) -> Option<Container> {
    match bytes {
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'A',
            b'V',
            b'E',
            ..,
        ]
        | [
            b'R',
            b'F',
            b'6',
            b'4',
            _,
            _,
            _,
            _,
            b'W',
            b'A',
            b'V',
            b'E',
            ..,
        ] => Some(Container::Wav),
        [b'f', b'L', b'a', b'C', ..] => Some(Container::Flac),
        [b'O', b'g', b'g', b'S', ..] => Some(Container::Ogg),
        [b'I', b'D', b'3', ..] => Some(Container::Mp3),
        // An MPEG audio frame header: sync, a valid layer, bitrate and rate.
        [0xFF, b1, b2, ..]
            if b1 & 0xE0 == 0xE0 && b1 & 0x06 != 0 && b2 >> 4 != 0x0F && (b2 >> 2) & 0x03 != 3 =>
        {
            Some(Container::Mp3)
        }
        _ => None,
    }
}

fn unsupported(what: &str) -> WhisperError {
    WhisperError::UnsupportedFormat(format!("{what}; send {SUPPORTED}"))
}

fn invalid(e: SymError) -> WhisperError {
    WhisperError::InvalidAudio(e.to_string())
}

/// Decodes a whole recording to mono f32 at its own sample rate. Stops with
/// [`WhisperError::TooLong`] as soon as more than `max_seconds` is read, so a
/// long or hostile file costs no more than the limit.
pub fn decode(bytes: Vec<u8>, max_seconds: u32) -> Result<(Vec<f32>, u32), WhisperError> {
    if bytes.is_empty() {
        return Err(WhisperError::Empty);
    }
    let container = sniff(&bytes).ok_or_else(|| unsupported("unrecognised audio format"))?;
    let mut hint = Hint::new();
    hint.with_extension(match container {
        Container::Wav => "wav",
        Container::Flac => "flac",
        Container::Ogg => "ogg",
        Container::Mp3 => "mp3",
    });
    let source = MediaSourceStream::new(Box::new(Cursor::new(bytes)), Default::default());
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            source,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|e| match e {
            SymError::Unsupported(_) => unsupported("unsupported audio container"),
            e => invalid(e),
        })?;
    let mut format = probed.format;
    let track = format
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or_else(|| WhisperError::InvalidAudio("no audio track".to_owned()))?;
    let track_id = track.id;
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| match e {
            SymError::Unsupported(_) => unsupported("unsupported audio codec"),
            e => invalid(e),
        })?;

    let mut mono = Vec::new();
    let mut rate: Option<u32> = None;
    let mut buffer: Option<SampleBuffer<f32>> = None;
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(SymError::ResetRequired) => break,
            Err(e) => return Err(invalid(e)),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => d,
            // A damaged packet is skipped, as players do.
            Err(SymError::DecodeError(_)) => continue,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(invalid(e)),
        };
        let spec = *decoded.spec();
        let channels = spec.channels.count();
        if channels == 0 || !(MIN_RATE..=MAX_RATE).contains(&spec.rate) {
            return Err(WhisperError::InvalidAudio(format!(
                "{channels} channels at {} Hz",
                spec.rate
            )));
        }
        match rate {
            None => rate = Some(spec.rate),
            Some(r) if r != spec.rate => {
                return Err(WhisperError::InvalidAudio(
                    "the sample rate changes".to_owned(),
                ));
            }
            Some(_) => {}
        }
        let buf = match &mut buffer {
            Some(b) if b.capacity() >= decoded.capacity() * channels => b,
            _ => buffer.insert(SampleBuffer::new(decoded.capacity() as u64, spec)),
        };
        buf.copy_interleaved_ref(decoded);
        let scale = 1.0 / channels as f32;
        mono.extend(
            buf.samples()
                .chunks_exact(channels)
                .map(|frame| frame.iter().sum::<f32>() * scale),
        );
        if mono.len() as u64 > u64::from(max_seconds) * u64::from(spec.rate) {
            return Err(WhisperError::TooLong {
                limit_seconds: max_seconds,
            });
        }
    }
    match rate {
        Some(rate) if !mono.is_empty() => {
            // Non-finite samples (a float WAV can hold anything) become silence.
            for s in &mut mono {
                if !s.is_finite() {
                    *s = 0.0;
                }
            }
            Ok((mono, rate))
        }
        _ => Err(WhisperError::Empty),
    }
}

/// Zero crossings of the sinc on each side of the centre.
const ZERO_CROSSINGS: f64 = 16.0;
/// Table points per input sample.
const TABLE_STEPS: f64 = 128.0;

fn blackman(x: f64) -> f64 {
    // x in [-1, 1]
    let a = std::f64::consts::PI * x;
    0.42 + 0.5 * a.cos() + 0.08 * (2.0 * a).cos()
}

/// Band-limited resampling with a Blackman-windowed sinc whose cutoff is 95%
/// of the lower Nyquist frequency, so downsampling does not alias.
pub fn resample(input: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || input.is_empty() {
        return input.to_vec();
    }
    let step = f64::from(from) / f64::from(to);
    let cutoff = 0.95 * (f64::from(to) / f64::from(from)).min(1.0);
    let half_width = ZERO_CROSSINGS / cutoff;
    // h(u) for u = i / TABLE_STEPS, u in [0, half_width]; symmetric.
    let table_len = (half_width * TABLE_STEPS).ceil() as usize + 2;
    let table: Vec<f64> = (0..table_len)
        .map(|i| {
            let u = i as f64 / TABLE_STEPS;
            if u >= half_width {
                return 0.0;
            }
            let x = std::f64::consts::PI * cutoff * u;
            let sinc = if x == 0.0 { 1.0 } else { x.sin() / x };
            cutoff * sinc * blackman(u / half_width)
        })
        .collect();
    let kernel = |u: f64| {
        let pos = u.abs() * TABLE_STEPS;
        let i = pos as usize;
        if i + 1 >= table.len() {
            return 0.0;
        }
        let frac = pos - i as f64;
        table[i] * (1.0 - frac) + table[i + 1] * frac
    };
    let out_len = ((input.len() as f64) / step).ceil() as usize;
    let last = input.len() as i64 - 1;
    (0..out_len)
        .map(|n| {
            let t = n as f64 * step;
            let first = (t - half_width).ceil() as i64;
            let end = (t + half_width).floor() as i64;
            let mut acc = 0.0;
            let mut weight = 0.0;
            for k in first..=end {
                let w = kernel(t - k as f64);
                weight += w;
                if (0..=last).contains(&k) {
                    acc += w * f64::from(input[k as usize]);
                }
            }
            if weight > 0.0 {
                (acc / weight) as f32
            } else {
                0.0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn sine(freq: f64, rate: u32, seconds: f64) -> Vec<f32> {
        let n = (f64::from(rate) * seconds) as usize;
        (0..n)
            .map(|i| {
                (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin() as f32 * 0.5
            })
            .collect()
    }

    fn rms(x: &[f32]) -> f64 {
        (x.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() / x.len() as f64).sqrt()
    }

    #[test]
    fn resampling_keeps_a_tone_in_band() {
        let input = sine(1000.0, 44_100, 1.0);
        let out = resample(&input, 44_100, 16_000);
        assert_eq!(out.len(), 16_000);
        let ideal = sine(1000.0, 16_000, 1.0);
        // Away from the edges the output is the same tone.
        let err: Vec<f32> = out[200..15_800]
            .iter()
            .zip(&ideal[200..15_800])
            .map(|(a, b)| a - b)
            .collect();
        assert!(rms(&err) < 1e-3, "error rms {}", rms(&err));
    }

    #[test]
    fn resampling_removes_what_the_new_rate_cannot_hold() {
        // 10 kHz is above 16 kHz's Nyquist: it must not fold back to 6 kHz.
        let out = resample(&sine(10_000.0, 48_000, 1.0), 48_000, 16_000);
        assert!(
            rms(&out[200..15_800]) < 0.5 * 1e-3,
            "alias rms {}",
            rms(&out)
        );
    }

    #[test]
    fn upsampling_works_too() {
        let out = resample(&sine(440.0, 8_000, 0.5), 8_000, 16_000);
        assert_eq!(out.len(), 8_000);
        let ideal = sine(440.0, 16_000, 0.5);
        let err: Vec<f32> = out[200..7_800]
            .iter()
            .zip(&ideal[200..7_800])
            .map(|(a, b)| a - b)
            .collect();
        assert!(rms(&err) < 1e-3, "error rms {}", rms(&err));
    }

    #[test]
    fn sniffing_knows_the_supported_containers_only() {
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), Some(Container::Wav));
        assert_eq!(sniff(b"fLaC\0\0"), Some(Container::Flac));
        assert_eq!(sniff(b"OggS\0\0"), Some(Container::Ogg));
        assert_eq!(sniff(b"ID3\x04"), Some(Container::Mp3));
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x00]), Some(Container::Mp3));
        // WebM/Matroska, MP4, plain text.
        assert_eq!(sniff(&[0x1A, 0x45, 0xDF, 0xA3, 0, 0]), None);
        assert_eq!(sniff(b"\0\0\0\x20ftypM4A "), None);
        assert_eq!(sniff(b"hello"), None);
    }
}
