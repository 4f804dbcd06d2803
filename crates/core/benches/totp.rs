//! Cost of TOTP verification: the accept path (three window steps), the worst case (a wrong code: the window
//! plus the ±20-step clock-help search) and one HOTP computation.
//!
//! `cargo bench -p portcullis-core --bench totp`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use portcullis_core::UnixTime;
use portcullis_core::totp::{self, Algorithm, CLOCK_HELP_STEPS, SECRET_BYTES, TotpCode, TotpSecret, Verification};

fn bench_totp(c: &mut Criterion) {
    let secret = TotpSecret::from_random([0x5a; SECRET_BYTES]);
    let now = UnixTime(1_700_000_015);
    let step = totp::step_of(now);

    let right = TotpCode::from_number(secret.code_at(step));
    assert_eq!(
        totp::verify(&secret, right, now, 0, None),
        Verification::Accepted { step, drift: 0 }
    );
    // A code that matches no step the search looks at, so verification runs to the end.
    let wrong = (0..1_000_000)
        .map(TotpCode::from_number)
        .find(|code| {
            (step - CLOCK_HELP_STEPS - 1..=step + CLOCK_HELP_STEPS + 1).all(|s| secret.code_at(s) != code.value())
        })
        .expect("some code matches none of 43 steps");
    assert_eq!(totp::verify(&secret, wrong, now, 0, None), Verification::Wrong);

    c.bench_function("totp verify accepted", |b| {
        b.iter(|| totp::verify(black_box(&secret), black_box(right), black_box(now), 0, None))
    });
    c.bench_function("totp verify wrong (window + clock help)", |b| {
        b.iter(|| totp::verify(black_box(&secret), black_box(wrong), black_box(now), 0, None))
    });
    c.bench_function("hotp sha1", |b| {
        b.iter(|| totp::hotp(black_box(secret.as_bytes()), black_box(step as u64), 6, Algorithm::Sha1))
    });
}

criterion_group!(benches, bench_totp);
criterion_main!(benches);
