//! The outbox against a model, over random sequences of local edits, push answers and reopening:
//! entries are numbered 1, 2, 3 ... without gaps or reuse, pending ones are handed out oldest first,
//! applied ones leave, rejected ones wait for attention and are never handed out again.

use crate::common;

use common::*;
use fieldcheck_core::protocol::{EnterpriseField, MutationResult, Outcome, PushResponse, RejectCode};
use fieldcheck_core::store::Store;
use proptest::prelude::*;
use std::collections::BTreeSet;

#[derive(Clone, Debug)]
enum Op {
    Edit(usize),
    /// Answer the first `n` pending entries; `reject[i]` says whether entry i is rejected.
    Push(usize, Vec<bool>),
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..3).prop_map(Op::Edit),
        2 => (0usize..4, proptest::collection::vec(any::<bool>(), 4)).prop_map(|(n, r)| Op::Push(n, r)),
        1 => Just(Op::Reopen),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]
    #[test]
    fn numbering_and_queue_follow_the_model(ops in proptest::collection::vec(op(), 1..25)) {
        let f = fixture();
        let path = f.store.path().to_path_buf();
        let mut store = f.store;
        let (mut next, mut pending, mut attention) = (1u64, BTreeSet::new(), BTreeSet::new());
        for (step, op) in ops.into_iter().enumerate() {
            match op {
                Op::Edit(i) => {
                    let e = f.county.enterprises[i].id;
                    store.edit_enterprise(e, EnterpriseField::ContactPhone, &format!("1380000{step:04}")).unwrap();
                    pending.insert(next);
                    next += 1;
                }
                Op::Push(n, reject) => {
                    let batch = store.pending_mutations(n).unwrap();
                    let results = batch.iter().zip(&reject).map(|(m, &rejected)| {
                        let outcome = if rejected {
                            Outcome::Rejected { code: RejectCode::Invalid, reason: "no".into() }
                        } else {
                            Outcome::Applied
                        };
                        MutationResult { seq: m.seq, outcome }
                    }).collect::<Vec<_>>();
                    for r in &results {
                        pending.remove(&r.seq);
                        if matches!(r.outcome, Outcome::Rejected { .. }) {
                            attention.insert(r.seq);
                        }
                    }
                    store.record_push_results(&PushResponse { received_at: t0(), results, pipelining: false }).unwrap();
                }
                Op::Reopen => {
                    drop(store);
                    store = Store::open_with_clock(&path, f.clock.clock()).unwrap();
                }
            }
            let handed: Vec<u64> = store.pending_mutations(1000).unwrap().iter().map(|m| m.seq).collect();
            prop_assert_eq!(handed, pending.iter().copied().collect::<Vec<_>>());
            let waiting: Vec<u64> = store.needs_attention().unwrap().iter().map(|a| a.mutation.seq).collect();
            prop_assert_eq!(waiting, attention.iter().copied().collect::<Vec<_>>());
            prop_assert_eq!(store.outbox_len().unwrap(), pending.len() + attention.len());
        }
    }
}
