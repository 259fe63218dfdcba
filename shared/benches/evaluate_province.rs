//! `cargo xtask bench`: the demo province (new Lào Cai, 99 units, about
//! 150,000 households) evaluated under the 2021–2025 and the 2026–2030 NTM
//! sets side by side, with each unit's difference and the province's
//! completion under Annex III. Goal: ≤ 50 ms here.
//! Reported next to a baseline measured in the same run: one bare pass over
//! the same household facts, so the ratio says what evaluation costs beyond
//! touching the data.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use ntm_core::catalog;
use ntm_core::date::Date;
use ntm_core::demo::{generate, DemoParams};
use ntm_core::evaluation::across::compare_province;
use ntm_core::evaluation::completion::{completion, UnitResult};

fn province(c: &mut Criterion) {
    let demo = generate(DemoParams::default());
    let catalogs = catalog::shipped();
    let find = |id: &str| catalogs.iter().find(|c| c.id == id).unwrap();
    let (old, new, modern) = (
        find("ntm-2021-2025"),
        find("ntm-2026-2030"),
        find("ntm-modern-2026-2030"),
    );
    let rule = new.completion.clone().expect("Annex III");
    let date = Date::new(2026, 6, 1).unwrap();
    let units: Vec<usize> = demo.registry.as_of_indexed(date).map(|(i, _)| i).collect();
    let communes = units.len();
    let households: usize = units
        .iter()
        .map(|i| demo.surveys[*i].households.len())
        .sum();

    let evaluate_all = || {
        let cmp = compare_province(
            &demo.registry,
            &demo.surveys,
            (old, 2025),
            (new, 2026),
            date,
        );
        let moderns: Vec<_> = units
            .iter()
            .map(|&i| {
                let unit = &demo.registry.communes[i];
                let class = unit.class_in(&modern.classification);
                ntm_core::evaluation::evaluate(modern, class.as_deref(), 2026, &demo.surveys[i])
            })
            .collect();
        let results: Vec<UnitResult<'_>> = units
            .iter()
            .zip(&cmp.communes)
            .zip(&moderns)
            .map(|((&i, (_, c)), m)| UnitResult {
                unit: &demo.registry.communes[i],
                card: &c.after,
                modern: Some(m),
            })
            .collect();
        let done = completion(&rule, &results);
        cmp.lost_standard.len() + done.communes_met
    };
    let scan_all = || {
        units
            .iter()
            .flat_map(|i| &demo.surveys[*i].households)
            .map(|h| h.recorded())
            .sum::<usize>()
    };

    let mut group = c.benchmark_group("province");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("99 units under two sets, difference and completion", |b| {
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
    println!("\nprovince: {communes} units, {households} households (synthetic demo data)");
    println!(
        "evaluate whole province under 2021–2025 and 2026–2030 (+ modern), difference per unit, Annex III completion: {:.1} ms ({:.0} µs per unit); goal ≤ 50 ms",
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
