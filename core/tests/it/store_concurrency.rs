//! One writer, and reads that do not wait for it: a read while a write transaction is open sees the
//! last committed state at once.

use crate::common;

use common::*;
use fieldcheck_core::domain::alarm::AlarmState;
use fieldcheck_core::protocol::EnterpriseField;
use fieldcheck_core::store::Store;
use std::sync::{Arc, Barrier};

#[test]
fn reads_do_not_wait_for_an_open_write() {
    fn shared<T: Send + Sync>(_: &T) {}
    let f = fixture();
    let store: Arc<Store> = Arc::new(f.store);
    shared(&*store);
    let enterprise = f.county.enterprises[0].id;
    let (inside, release) = (Arc::new(Barrier::new(2)), Arc::new(Barrier::new(2)));
    let writer = {
        let (store, inside, release) = (store.clone(), inside.clone(), release.clone());
        std::thread::spawn(move || {
            store.write(|tx| {
                tx.execute("UPDATE enterprises SET name = '改名中' WHERE id = ?1", [enterprise.to_string()])?;
                inside.wait(); // the transaction is open and holds the write lock
                release.wait();
                Ok(())
            })
        })
    };
    inside.wait();
    // These would block (or fail with SQLITE_BUSY) if reads waited for the writer.
    let seen = store.enterprise(enterprise).unwrap().unwrap();
    assert_eq!(seen.name, f.county.enterprises[0].name, "the reader sees the last committed state");
    assert_eq!(store.outbox_len().unwrap(), 0);
    assert!(store.today(f.clock.now()).unwrap().alarms.iter().all(|a| a.state != AlarmState::Closed));
    release.wait();
    writer.join().unwrap().unwrap();
    assert_eq!(store.search_enterprises("改名中", 5).unwrap().len(), 1, "and the commit once it lands");

    // A second writer queues behind the first rather than failing.
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let store = store.clone();
            std::thread::spawn(move || {
                store.edit_enterprise(enterprise, EnterpriseField::ContactName, &format!("联系人{i}")).unwrap();
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let seqs: Vec<u64> = store.pending_mutations(10).unwrap().iter().map(|m| m.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4], "numbered without gaps under concurrent writes");
}
