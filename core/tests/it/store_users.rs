//! The officers a team is picked from, as replicated to the device.

use crate::common;

use common::*;

#[test]
fn officers_on_the_device_are_listed_by_name() {
    let f = fixture();
    let names: Vec<String> = f.store.officers().unwrap().into_iter().map(|u| u.name).collect();
    let mut expected = vec![f.county.officer.name.clone(), f.county.colleague.name.clone()];
    expected.sort();
    assert_eq!(names, expected);
}
