#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn name(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&((s.len() + 1) as u16).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

fn var(out: &mut Vec<u8>, n: &str, shape: &[u32], dtype: u8, data: &[u8]) {
    name(out, n);
    out.push(shape.len() as u8);
    for d in shape {
        out.extend_from_slice(&d.to_le_bytes());
    }
    out.push(dtype);
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
}

fn file(vars: impl FnOnce(&mut Vec<u8>, &mut u32)) -> Vec<u8> {
    let mut body = Vec::new();
    let mut count = 0;
    vars(&mut body, &mut count);
    let mut out = 6u32.to_le_bytes().to_vec();
    name(&mut out, "WhisperSpec");
    out.extend_from_slice(&3u32.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&body);
    out.extend_from_slice(&0u32.to_le_bytes());
    out
}

#[test]
fn parses_and_dequantises_int8_rows() {
    let bytes = file(|b, n| {
        // 2x2 int8 weight [[10, -20], [30, 40]] with row scales 10 and 20.
        var(b, "w", &[2, 2], 1, &[10, 236, 30, 40]);
        let scales: Vec<u8> = [10f32, 20f32]
            .iter()
            .flat_map(|f| f.to_le_bytes())
            .collect();
        var(b, "w_scale", &[2], 0, &scales);
        var(b, "n", &[], 2, &6i16.to_le_bytes());
        *n = 3;
    });
    let model = Ct2Model::parse(&bytes).unwrap();
    assert_eq!(model.spec, "WhisperSpec");
    let w = model.tensor("w", &Device::Cpu).unwrap();
    assert_eq!(
        w.to_vec2::<f32>().unwrap(),
        vec![vec![1.0, -2.0], vec![1.5, 2.0]]
    );
    assert_eq!(model.scalar("n").unwrap(), 6);
}

#[test]
fn reads_float16() {
    // 1.0 and -2.5 as IEEE half floats.
    let bytes = file(|b, n| {
        var(b, "h", &[2], 4, &[0x00, 0x3c, 0x00, 0xc1]);
        *n = 1;
    });
    let model = Ct2Model::parse(&bytes).unwrap();
    let h = model.tensor("h", &Device::Cpu).unwrap();
    assert_eq!(h.to_vec1::<f32>().unwrap(), vec![1.0, -2.5]);
}

#[test]
fn rejects_truncated_and_foreign_files() {
    let bytes = file(|b, n| {
        var(b, "h", &[4], 0, &[0; 16]);
        *n = 1;
    });
    let err = Ct2Model::parse(&bytes[..bytes.len() - 10]).unwrap_err();
    assert!(err.contains("truncated"), "{err}");
    let err = Ct2Model::parse(b"not a model at all").unwrap_err();
    assert!(err.contains("version"), "{err}");
    let err = Ct2Model::parse(&[]).unwrap_err();
    assert!(err.contains("truncated"), "{err}");
    let mut lying = file(|b, n| {
        var(b, "h", &[4], 0, &[0; 16]);
        *n = 1;
    });
    // Claim a shape of 5 floats for 16 bytes: the dimension follows the
    // header (26 bytes), the name (4) and the rank (1).
    lying[31..35].copy_from_slice(&5u32.to_le_bytes());
    let err = Ct2Model::parse(&lying).unwrap_err();
    assert!(err.contains("do not fit"), "{err}");
}
