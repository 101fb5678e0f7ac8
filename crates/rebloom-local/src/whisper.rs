//! Local speech-to-text (Whisper with candle).
