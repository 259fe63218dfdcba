//! `cargo xtask bench`: evaluate the whole demo province (127 communes, about
//! 95,000 households) against the NTM catalog. Goal: ≤ 50 ms here.
//! Reported next to a baseline measured in the same run: one bare pass over
//! the same household facts, so the ratio says what evaluation costs beyond
//! touching the data.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use ntm_core::catalog;
use ntm_core::demo::{generate, DemoParams};
use ntm_core::evaluation::evaluate;

fn province(c: &mut Criterion) {
    let demo = generate(DemoParams::default());
    let ntm = catalog::shipped().remove(0);
    let communes = demo.registry.communes.len();
    let households: usize = demo.surveys.iter().map(|s| s.households.len()).sum();

    let evaluate_all = || {
        demo.registry
            .communes
            .iter()
            .zip(&demo.surveys)
            .map(|(commune, survey)| evaluate(&ntm, commune.applicable_region, 2024, survey).met())
            .sum::<usize>()
    };
    let scan_all = || {
        demo.surveys
            .iter()
            .flat_map(|s| &s.households)
            .map(|h| h.recorded())
            .sum::<usize>()
    };

    let mut group = c.benchmark_group("province");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("evaluate 127 communes", |b| {
        b.iter(|| black_box(evaluate_all()))
    });
    group.bench_function("baseline: scan household facts", |b| {
        b.iter(|| black_box(scan_all()))
    });
    group.finish();

    // A plain summary in the same process (criterion's own lines are above).
    let time = |f: &dyn Fn() -> usize| {
        let runs = 20;
        let start = Instant::now();
        for _ in 0..runs {
            black_box(f());
        }
        start.elapsed() / runs
    };
    let (eval, scan) = (time(&evaluate_all), time(&scan_all));
    println!("\nprovince: {communes} communes, {households} households (synthetic demo data)");
    println!(
        "evaluate whole province: {:.1} ms ({:.0} µs per commune); goal ≤ 50 ms",
        eval.as_secs_f64() * 1e3,
        eval.as_secs_f64() * 1e6 / communes as f64
    );
    println!(
        "baseline scan of the same facts: {:.1} ms; evaluation / scan = {:.2}×",
        scan.as_secs_f64() * 1e3,
        eval.as_secs_f64() / scan.as_secs_f64()
    );
}

criterion_group!(benches, province);
criterion_main!(benches);
