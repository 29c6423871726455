//! Double-random draws (双随机一公开): enterprises drawn at random, weighted by risk, and officers drawn
//! at random from the certified ones. Everything the draw reads is in its [`DrawInput`] (seed, algorithm
//! version, every squadron's candidates with their weights, its officer pool and N), so anyone holding
//! the record can run [`draw`] again and must get the same result (公开).
//!
//! The algorithm ([`ALGORITHM`]), stated so it can be re-implemented without this code:
//! 1. One ChaCha20 stream ([`chacha20::ChaCha20Rng`], 20 rounds) seeded with the 32 seed bytes serves the
//!    whole draw; squadrons are drawn in the order the input lists them.
//! 2. `below(n)` takes the next 64-bit output `x` and rejects it while `x ≥ 2^64 − (2^64 mod n)`, then
//!    answers `x mod n` (uniform, no modulo bias).
//! 3. Enterprises: sequential weighted sampling without replacement over integer weights: N times,
//!    `r = below(total weight of those left)`, walk the candidates left in input order subtracting weights
//!    until `r` falls inside one, take it out.
//! 4. Officers: for each drawn enterprise in draw order, [`TEAM`] officers from the squadron's pool by a
//!    partial Fisher–Yates shuffle of the pool in input order (`j = i + below(len − i)` for i in 0..TEAM).

use crate::DomainError;
use crate::ids::{EnterpriseId, SquadronId, UserId};
use crate::inspection::MIN_INSPECTORS;
use crate::limits::{DRAW_OFFICERS_MAX, DRAW_PER_SQUADRON_MAX, DRAW_SQUADRONS_MAX, DRAW_WEIGHT_MAX, LABEL_CHARS};
use chacha20::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The algorithm version a draw records; [`draw`] refuses any other.
pub const ALGORITHM: &str = "fieldcheck-draw/1 chacha20-weighted-sequential";
/// Officers per drawn inspection: the law's minimum team (执法人员不少于两人).
pub const TEAM: usize = MIN_INSPECTORS;

/// An enterprise that may be drawn, and its weight (1 + its risk index, rounded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Candidate {
    pub enterprise: EnterpriseId,
    pub weight: u32,
}

/// A certified officer (has a 执法证号) who may be drawn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoolOfficer {
    pub user: UserId,
    pub certificate_no: String,
}

/// One squadron's part of a draw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SquadronInput {
    pub squadron: SquadronId,
    /// Enterprises to draw from (N at most), in a fixed order (the platform sorts them by id).
    pub candidates: Vec<Candidate>,
    /// Certified officers to draw teams from, in a fixed order (sorted by id).
    pub officers: Vec<PoolOfficer>,
    /// N: enterprises to draw (fewer when fewer are candidates).
    pub count: u32,
}

/// Everything a draw reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DrawInput {
    pub algorithm: String,
    /// 32 bytes as 64 hex digits.
    pub seed: String,
    pub squadrons: Vec<SquadronInput>,
}

/// One drawn inspection: the enterprise, its weight and the team drawn for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pick {
    pub enterprise: EnterpriseId,
    pub weight: u32,
    pub officers: Vec<UserId>,
}

/// One squadron's result, picks in draw order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SquadronResult {
    pub squadron: SquadronId,
    pub picks: Vec<Pick>,
}

/// Runs the draw. The same input always gives the same result, on any machine.
pub fn draw(input: &DrawInput) -> Result<Vec<SquadronResult>, DomainError> {
    check(input)?;
    let mut rng = ChaCha20Rng::from_seed(seed_bytes(&input.seed)?);
    let mut out = Vec::with_capacity(input.squadrons.len());
    for s in &input.squadrons {
        let mut left: Vec<&Candidate> = s.candidates.iter().collect();
        let mut picks = Vec::new();
        for _ in 0..(s.count as usize).min(left.len()) {
            let total: u64 = left.iter().map(|c| u64::from(c.weight)).sum();
            let mut r = below(&mut rng, total);
            let mut at = 0;
            while r >= u64::from(left[at].weight) {
                r -= u64::from(left[at].weight);
                at += 1;
            }
            let c = left.remove(at);
            picks.push(Pick { enterprise: c.enterprise, weight: c.weight, officers: team(&mut rng, &s.officers) });
        }
        out.push(SquadronResult { squadron: s.squadron, picks });
    }
    Ok(out)
}

/// A fresh seed's hex form from 32 random bytes (the caller brings the randomness; the domain has none).
pub fn seed_hex(bytes: [u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn seed_bytes(hex: &str) -> Result<[u8; 32], DomainError> {
    let invalid = || DomainError::Invalid {
        field: "seed".into(),
        reason: "must be 64 hex digits / 须为64位十六进制".into(),
    };
    if hex.len() != 64 || !hex.is_ascii() {
        return Err(invalid());
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| invalid())?;
    }
    Ok(out)
}

/// Uniform in `0..n` (n ≥ 1) by rejection: no modulo bias, and no dependence on a library's range code.
fn below(rng: &mut ChaCha20Rng, n: u64) -> u64 {
    let zone = u64::MAX - (u64::MAX % n + 1) % n;
    loop {
        let x = rng.next_u64();
        if x <= zone {
            return x % n;
        }
    }
}

fn team(rng: &mut ChaCha20Rng, pool: &[PoolOfficer]) -> Vec<UserId> {
    let mut order: Vec<UserId> = pool.iter().map(|o| o.user).collect();
    for i in 0..TEAM {
        let j = i + below(rng, (order.len() - i) as u64) as usize;
        order.swap(i, j);
    }
    order.truncate(TEAM);
    order
}

fn check(input: &DrawInput) -> Result<(), DomainError> {
    let invalid = |field: &str, reason: String| DomainError::Invalid { field: field.into(), reason };
    if input.algorithm != ALGORITHM {
        return Err(invalid("algorithm", format!("unknown; this platform runs {ALGORITHM} / 未知算法版本")));
    }
    seed_bytes(&input.seed)?;
    if input.squadrons.is_empty() {
        return Err(invalid("squadrons", "none to draw for / 未指定中队".into()));
    }
    if input.squadrons.len() > DRAW_SQUADRONS_MAX {
        return Err(DomainError::TooMany { what: "squadrons".into(), max: DRAW_SQUADRONS_MAX });
    }
    let mut squadrons = HashSet::new();
    for s in &input.squadrons {
        if !squadrons.insert(s.squadron) {
            return Err(DomainError::Duplicate { what: format!("squadron {}", s.squadron) });
        }
        if s.count == 0 || s.count as usize > DRAW_PER_SQUADRON_MAX {
            return Err(invalid(
                "count",
                format!("must be 1 to {DRAW_PER_SQUADRON_MAX} / 抽取数须为1至{DRAW_PER_SQUADRON_MAX}"),
            ));
        }
        if s.officers.len() < TEAM {
            return Err(invalid(
                "officers",
                format!("squadron {} has fewer than {TEAM} certified officers / 持证执法人员不足{TEAM}人", s.squadron),
            ));
        }
        if s.officers.len() > DRAW_OFFICERS_MAX {
            return Err(DomainError::TooMany { what: "officers".into(), max: DRAW_OFFICERS_MAX });
        }
        let mut seen = HashSet::new();
        for o in &s.officers {
            if o.certificate_no.trim().is_empty() || o.certificate_no.chars().count() > LABEL_CHARS {
                return Err(invalid("certificate_no", format!("officer {} is not certified / 无执法证号", o.user)));
            }
            if !seen.insert(o.user) {
                return Err(DomainError::Duplicate { what: format!("officer {}", o.user) });
            }
        }
        let mut seen = HashSet::new();
        for c in &s.candidates {
            if c.weight == 0 || c.weight > DRAW_WEIGHT_MAX {
                return Err(invalid(
                    "weight",
                    format!("must be 1 to {DRAW_WEIGHT_MAX} / 权重须为1至{DRAW_WEIGHT_MAX}"),
                ));
            }
            if !seen.insert(c.enterprise) {
                return Err(DomainError::Duplicate { what: format!("enterprise {}", c.enterprise) });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn input(seed: u8, weights: &[u32], officers: usize, count: u32) -> DrawInput {
        let id = |n: usize| Uuid::from_u128(n as u128 + 1);
        DrawInput {
            algorithm: ALGORITHM.into(),
            seed: seed_hex([seed; 32]),
            squadrons: vec![SquadronInput {
                squadron: SquadronId(id(0)),
                candidates: weights
                    .iter()
                    .enumerate()
                    .map(|(i, w)| Candidate { enterprise: EnterpriseId(id(100 + i)), weight: *w })
                    .collect(),
                officers: (0..officers)
                    .map(|i| PoolOfficer { user: UserId(id(1000 + i)), certificate_no: format!("33070{i}") })
                    .collect(),
                count,
            }],
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_draw_and_another_seed_another() {
        let a = draw(&input(7, &[1; 40], 5, 5)).unwrap();
        assert_eq!(a, draw(&input(7, &[1; 40], 5, 5)).unwrap());
        assert_ne!(a, draw(&input(8, &[1; 40], 5, 5)).unwrap());
    }

    #[test]
    fn a_known_seed_gives_a_known_draw() {
        // Pins the algorithm: a change that alters results must bump ALGORITHM.
        let picks: Vec<u128> = draw(&input(42, &[1, 2, 3, 4, 5, 6, 7, 8], 3, 3)).unwrap()[0]
            .picks
            .iter()
            .map(|p| p.enterprise.0.as_u128())
            .collect();
        assert_eq!(picks, vec![108, 104, 106]);
    }

    #[test]
    fn weight_makes_a_draw_likelier() {
        // One heavy enterprise among light ones is drawn far more often over many seeds.
        let mut heavy = 0;
        for seed in 0..200u8 {
            let mut w = vec![1; 20];
            w[0] = 101;
            let r = draw(&input(seed, &w, 2, 1)).unwrap();
            heavy += usize::from(r[0].picks[0].enterprise.0.as_u128() == 101);
        }
        assert!(heavy > 100, "drawn {heavy} of 200 times; expected about 84 %");
    }

    #[test]
    fn refusals() {
        assert!(draw(&input(1, &[1; 3], 1, 1)).is_err(), "one certified officer is not a team");
        assert!(draw(&input(1, &[0, 1], 2, 1)).is_err(), "zero weight");
        assert!(draw(&input(1, &[1; 3], 2, 0)).is_err(), "N = 0");
        assert!(draw(&input(1, &[1; 3], 2, DRAW_PER_SQUADRON_MAX as u32 + 1)).is_err());
        let mut bad = input(1, &[1; 3], 2, 1);
        bad.algorithm = "v0".into();
        assert!(draw(&bad).is_err());
        bad = input(1, &[1; 3], 2, 1);
        bad.seed = "zz".repeat(32);
        assert!(draw(&bad).is_err());
    }

    proptest! {
        #[test]
        fn picks_are_distinct_candidates_with_distinct_certified_teams(
            seed in any::<u8>(), weights in proptest::collection::vec(1..=101u32, 0..60),
            officers in 2..8usize, count in 1..=20u32,
        ) {
            let inp = input(seed, &weights, officers, count);
            let r = draw(&inp).unwrap();
            let picks = &r[0].picks;
            prop_assert_eq!(picks.len(), (count as usize).min(weights.len()));
            let distinct: HashSet<_> = picks.iter().map(|p| p.enterprise).collect();
            prop_assert_eq!(distinct.len(), picks.len());
            let pool: HashSet<_> = inp.squadrons[0].officers.iter().map(|o| o.user).collect();
            for p in picks {
                prop_assert_eq!(p.officers.len(), TEAM);
                prop_assert!(p.officers[0] != p.officers[1]);
                prop_assert!(p.officers.iter().all(|o| pool.contains(o)));
            }
        }
    }
}
