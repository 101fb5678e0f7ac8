//! Local sentence embeddings (all-MiniLM-L6-v2 with candle).
