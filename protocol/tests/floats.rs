//! Every number survives the wire exactly: what a device judged is what the platform re-judges.
//! The fuzz target `rule` found a rule constant (5.981492809484086e-154) that came back one unit in the
//! last place off, because serde_json's default float parser is fast but not exact (the workspace now
//! enables its `float_roundtrip` feature).

use fieldcheck_domain::answer::AnswerValue;
use fieldcheck_domain::rule::{Expr, Rule};

/// A spread of bit patterns: tiny, huge, subnormal, and the one the fuzzer found.
fn samples() -> impl Iterator<Item = f64> {
    let mut bits: u64 = 0x9E37_79B9_7F4A_7C15;
    let spread = (0..20_000).map(move |_| {
        bits ^= bits << 13;
        bits ^= bits >> 7;
        bits ^= bits << 17;
        f64::from_bits(bits)
    });
    [5.981492809484086e-154, f64::MIN_POSITIVE, 5e-324, f64::MAX, 0.1, 1e12, 2.225_073_858_507_201e-308]
        .into_iter()
        .chain(spread)
        .filter(|x| x.is_finite())
}

#[test]
fn every_finite_f64_round_trips_through_json() {
    for x in samples() {
        let rule = Rule::Compare { left: Expr::Value, cmp: fieldcheck_domain::rule::Cmp::Ge, right: Expr::Const(x) };
        let json = serde_json::to_string(&rule).expect("encodes");
        assert_eq!(serde_json::from_str::<Rule>(&json).expect("decodes"), rule, "{json}");
        let answer = AnswerValue::Number(x);
        let json = serde_json::to_vec(&answer).expect("encodes");
        let back: AnswerValue = serde_json::from_slice(&json).expect("decodes");
        assert!(matches!(back, AnswerValue::Number(y) if y.to_bits() == x.to_bits() || (y == 0.0 && x == 0.0)));
    }
}
