//! Reads a CTranslate2 `model.bin` (the format faster-whisper ships) and maps
//! its variables to the names candle-transformers' Whisper expects.
//!
//! The file is little-endian: `u32` binary version, the spec name and a `u32`
//! revision, then a `u32` count of variables, each one a name, a `u8` rank,
//! `u32` dimensions, a `u8` data type, a `u32` byte count and the data; last a
//! `u32` count of aliases, each two names. A name is a `u16` length (with its
//! NUL) followed by the bytes and the NUL.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};
use candle_transformers::models::whisper::Config;

/// Binary versions this reader understands (CTranslate2 3.x and 4.x write 6).
const VERSIONS: std::ops::RangeInclusive<u32> = 5..=6;

/// A variable as stored: raw little-endian bytes in one of CTranslate2's types.
#[derive(Debug)]
pub struct Variable {
    pub shape: Vec<usize>,
    pub dtype: StoredType,
    pub data: Vec<u8>,
}

/// CTranslate2's `DataType` ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredType {
    F32,
    I8,
    I16,
    I32,
    F16,
    BF16,
}

impl StoredType {
    fn from_id(id: u8) -> Option<StoredType> {
        Some(match id {
            0 => StoredType::F32,
            1 => StoredType::I8,
            2 => StoredType::I16,
            3 => StoredType::I32,
            4 => StoredType::F16,
            5 => StoredType::BF16,
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            StoredType::I8 => 1,
            StoredType::I16 | StoredType::F16 | StoredType::BF16 => 2,
            StoredType::F32 | StoredType::I32 => 4,
        }
    }
}

/// A parsed `model.bin`.
#[derive(Debug)]
pub struct Ct2Model {
    pub spec: String,
    pub variables: HashMap<String, Variable>,
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| format!("truncated at byte {}", self.pos))?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self) -> Result<String, String> {
        let len = usize::from(self.u16()?);
        let raw = self.take(len)?;
        let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
        String::from_utf8(raw.to_vec())
            .map_err(|_| format!("a name is not UTF-8 near byte {}", self.pos))
    }
}

impl Ct2Model {
    pub fn parse(bytes: &[u8]) -> Result<Ct2Model, String> {
        let mut r = Reader { bytes, pos: 0 };
        let version = r.u32()?;
        if !VERSIONS.contains(&version) {
            return Err(format!(
                "CTranslate2 binary version {version} is not supported (expected {}..={})",
                VERSIONS.start(),
                VERSIONS.end()
            ));
        }
        let spec = r.string()?;
        let _revision = r.u32()?;
        let count = r.u32()?;
        let mut variables = HashMap::new();
        for _ in 0..count {
            let name = r.string()?;
            let rank = r.u8()?;
            let shape = (0..rank)
                .map(|_| r.u32().map(|d| d as usize))
                .collect::<Result<Vec<_>, _>>()?;
            let dtype_id = r.u8()?;
            let dtype = StoredType::from_id(dtype_id)
                .ok_or_else(|| format!("{name}: unknown data type {dtype_id}"))?;
            let len = r.u32()? as usize;
            let elements = shape.iter().product::<usize>();
            if elements.checked_mul(dtype.size()) != Some(len) {
                return Err(format!("{name}: {len} bytes do not fit shape {shape:?}"));
            }
            let data = r.take(len)?.to_vec();
            variables.insert(name, Variable { shape, dtype, data });
        }
        // Aliases point a second name at a stored variable (the output
        // projection shares the token embedding); candle looks only at the
        // embedding, so they are read and dropped.
        if r.pos < bytes.len() {
            let aliases = r.u32()?;
            for _ in 0..aliases {
                r.string()?;
                r.string()?;
            }
        }
        Ok(Ct2Model { spec, variables })
    }

    fn get(&self, name: &str) -> Result<&Variable, String> {
        self.variables
            .get(name)
            .ok_or_else(|| format!("model.bin has no variable {name}"))
    }

    /// An integer scalar such as `encoder/num_heads`.
    fn scalar(&self, name: &str) -> Result<usize, String> {
        let v = self.get(name)?;
        let value = match (v.dtype, v.data.as_slice()) {
            (StoredType::I8, [a]) => i64::from(*a as i8),
            (StoredType::I16, [a, b]) => i64::from(i16::from_le_bytes([*a, *b])),
            (StoredType::I32, [a, b, c, d]) => i64::from(i32::from_le_bytes([*a, *b, *c, *d])),
            _ => return Err(format!("{name} is not an integer scalar")),
        };
        usize::try_from(value).map_err(|_| format!("{name} is negative"))
    }

    fn shape(&self, name: &str) -> Result<&[usize], String> {
        Ok(&self.get(name)?.shape)
    }

    fn layers(&self, prefix: &str) -> usize {
        (0..)
            .take_while(|i| {
                self.variables
                    .contains_key(&format!("{prefix}/layer_{i}/ffn/linear_0/weight"))
            })
            .count()
    }

    /// Whisper's dimensions, read from the tensors themselves.
    pub fn config(&self, suppress_tokens: Vec<u32>) -> Result<Config, String> {
        if self.spec != "WhisperSpec" {
            return Err(format!(
                "model.bin holds a {}, not a Whisper model",
                self.spec
            ));
        }
        let embeddings = self.shape("decoder/embeddings/weight")?;
        let conv1 = self.shape("encoder/conv1/weight")?;
        let encoder_positions = self.shape("encoder/position_encodings/encodings")?;
        let decoder_positions = self.shape("decoder/position_encodings/encodings")?;
        let (&[vocab_size, d_model], &[_, num_mel_bins, _], &[max_source, _], &[max_target, _]) =
            (embeddings, conv1, encoder_positions, decoder_positions)
        else {
            return Err("unexpected tensor ranks in model.bin".to_owned());
        };
        Ok(Config {
            num_mel_bins,
            max_source_positions: max_source,
            d_model,
            encoder_attention_heads: self.scalar("encoder/num_heads")?,
            encoder_layers: self.layers("encoder"),
            vocab_size,
            max_target_positions: max_target,
            decoder_attention_heads: self.scalar("decoder/num_heads")?,
            decoder_layers: self.layers("decoder"),
            suppress_tokens,
        })
    }

    /// A variable as f32, dequantised where it was stored as integers with a
    /// `<name>_scale` beside it (CTranslate2 stores `round(w * scale)`).
    fn tensor(&self, name: &str, device: &Device) -> Result<Tensor, String> {
        let v = self.get(name)?;
        let err = |e: candle_core::Error| format!("{name}: {e}");
        match v.dtype {
            StoredType::F32 => {
                Tensor::from_raw_buffer(&v.data, DType::F32, &v.shape, device).map_err(err)
            }
            StoredType::F16 => Tensor::from_raw_buffer(&v.data, DType::F16, &v.shape, device)
                .and_then(|t| t.to_dtype(DType::F32))
                .map_err(err),
            StoredType::BF16 => Tensor::from_raw_buffer(&v.data, DType::BF16, &v.shape, device)
                .and_then(|t| t.to_dtype(DType::F32))
                .map_err(err),
            StoredType::I8 | StoredType::I16 | StoredType::I32 => {
                let values: Vec<f32> = match v.dtype {
                    StoredType::I8 => v.data.iter().map(|&b| f32::from(b as i8)).collect(),
                    StoredType::I16 => v
                        .data
                        .chunks_exact(2)
                        .map(|c| f32::from(i16::from_le_bytes([c[0], c[1]])))
                        .collect(),
                    _ => v
                        .data
                        .chunks_exact(4)
                        .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f32)
                        .collect(),
                };
                let scale_name = format!("{name}_scale");
                let t = Tensor::from_vec(values, v.shape.as_slice(), device).map_err(err)?;
                if !self.variables.contains_key(&scale_name) {
                    return Err(format!("{name} is quantised but has no {scale_name}"));
                }
                let scale = self.tensor(&scale_name, device)?;
                // One scale a row (int8) or one for the whole tensor (int16).
                let scale = if scale.elem_count() == 1 {
                    scale.reshape(()).map_err(err)?
                } else {
                    let mut dims = vec![1; v.shape.len()];
                    if let Some(first) = dims.first_mut() {
                        *first = scale.elem_count();
                    }
                    scale.reshape(dims).map_err(err)?
                };
                t.broadcast_div(&scale).map_err(err)
            }
        }
    }

    /// Every weight candle's `Whisper::load` asks for, under its names
    /// (`model.encoder.layers.0.self_attn.q_proj.weight`, ...).
    pub fn candle_tensors(
        &self,
        config: &Config,
        device: &Device,
    ) -> Result<HashMap<String, Tensor>, String> {
        let mut out = HashMap::new();
        let d = config.d_model;
        let mut put = |to: String, t: Tensor| {
            out.insert(to, t);
        };
        let narrow = |t: &Tensor, part: usize, name: &str| {
            t.narrow(0, part * d, d)
                .and_then(|t| t.contiguous())
                .map_err(|e| format!("{name}: {e}"))
        };
        let norm = |from: &str, to: &str, put: &mut dyn FnMut(String, Tensor)| {
            put(
                format!("{to}.weight"),
                self.tensor(&format!("{from}/gamma"), device)?,
            );
            put(
                format!("{to}.bias"),
                self.tensor(&format!("{from}/beta"), device)?,
            );
            Ok::<(), String>(())
        };
        let linear = |from: &str, to: &str, put: &mut dyn FnMut(String, Tensor)| {
            put(
                format!("{to}.weight"),
                self.tensor(&format!("{from}/weight"), device)?,
            );
            put(
                format!("{to}.bias"),
                self.tensor(&format!("{from}/bias"), device)?,
            );
            Ok::<(), String>(())
        };
        // Fused projections are split into q/k/v. Whisper's key projection
        // has no bias (CTranslate2 stores zeros there), and a bias on keys
        // would not change attention anyway: it adds the same amount to every
        // score of a query, which softmax ignores.
        let split = |from: &str, to: &str, parts: &[&str], put: &mut dyn FnMut(String, Tensor)| {
            let w = self.tensor(&format!("{from}/weight"), device)?;
            let b = self.tensor(&format!("{from}/bias"), device)?;
            for (i, part) in parts.iter().enumerate() {
                put(format!("{to}.{part}.weight"), narrow(&w, i, from)?);
                if *part != "k_proj" {
                    put(format!("{to}.{part}.bias"), narrow(&b, i, from)?);
                }
            }
            Ok::<(), String>(())
        };

        for (side, layers) in [
            ("encoder", config.encoder_layers),
            ("decoder", config.decoder_layers),
        ] {
            let to_side = format!("model.{side}");
            norm(
                &format!("{side}/layer_norm"),
                &format!("{to_side}.layer_norm"),
                &mut put,
            )?;
            for i in 0..layers {
                let from = format!("{side}/layer_{i}");
                let to = format!("{to_side}.layers.{i}");
                norm(
                    &format!("{from}/self_attention/layer_norm"),
                    &format!("{to}.self_attn_layer_norm"),
                    &mut put,
                )?;
                split(
                    &format!("{from}/self_attention/linear_0"),
                    &format!("{to}.self_attn"),
                    &["q_proj", "k_proj", "v_proj"],
                    &mut put,
                )?;
                linear(
                    &format!("{from}/self_attention/linear_1"),
                    &format!("{to}.self_attn.out_proj"),
                    &mut put,
                )?;
                norm(
                    &format!("{from}/ffn/layer_norm"),
                    &format!("{to}.final_layer_norm"),
                    &mut put,
                )?;
                linear(
                    &format!("{from}/ffn/linear_0"),
                    &format!("{to}.fc1"),
                    &mut put,
                )?;
                linear(
                    &format!("{from}/ffn/linear_1"),
                    &format!("{to}.fc2"),
                    &mut put,
                )?;
                if side == "decoder" {
                    norm(
                        &format!("{from}/attention/layer_norm"),
                        &format!("{to}.encoder_attn_layer_norm"),
                        &mut put,
                    )?;
                    linear(
                        &format!("{from}/attention/linear_0"),
                        &format!("{to}.encoder_attn.q_proj"),
                        &mut put,
                    )?;
                    split(
                        &format!("{from}/attention/linear_1"),
                        &format!("{to}.encoder_attn"),
                        &["k_proj", "v_proj"],
                        &mut put,
                    )?;
                    linear(
                        &format!("{from}/attention/linear_2"),
                        &format!("{to}.encoder_attn.out_proj"),
                        &mut put,
                    )?;
                }
            }
        }
        for conv in ["conv1", "conv2"] {
            linear(
                &format!("encoder/{conv}"),
                &format!("model.encoder.{conv}"),
                &mut put,
            )?;
        }
        put(
            "model.decoder.embed_tokens.weight".to_owned(),
            self.tensor("decoder/embeddings/weight", device)?,
        );
        put(
            "model.decoder.embed_positions.weight".to_owned(),
            self.tensor("decoder/position_encodings/encodings", device)?,
        );
        // candle computes the encoder's sinusoidal positions itself; the
        // stored ones are the same numbers.
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
