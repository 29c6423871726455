//! How long one mutation holds the only writer, on the worst inputs a push can carry within its size
//! limit. Each is decided inside a real write transaction on a real SQLite file, exactly as a push
//! applies it, and timed there: what the platform's one writer is held for. The figures are printed
//! (tests do not assert on wall time); each worst case must be refused.

use chrono::{NaiveDate, Utc};
use fieldcheck_domain::answer::{AnswerValue, Measure};
use fieldcheck_domain::checklists;
use fieldcheck_domain::credit_code::CreditCode;
use fieldcheck_domain::decide::enterprise::EnterpriseField;
use fieldcheck_domain::finding::Finding;
use fieldcheck_domain::ids::{EnterpriseId, SquadronId, TownshipId, UserId};
use fieldcheck_domain::organisation::{Enterprise, Role, Scope, Squadron, Township, User};
use fieldcheck_e2e::fixtures;
use fieldcheck_platform::access::Reach;
use fieldcheck_platform::error::ApiError;
use fieldcheck_platform::intents::{self, Actor, Failure};
use fieldcheck_platform::records;
use fieldcheck_protocol::{Intent, Outcome, Record, RejectCode};
use std::time::{Duration, Instant};

fn dated(value: &AnswerValue, day: NaiveDate) -> AnswerValue {
    match value {
        AnswerValue::Date(_) => AnswerValue::Date(day),
        AnswerValue::Measures(m) => AnswerValue::Measures(
            m.iter()
                .map(|(k, v)| (k.clone(), if let Measure::Date(_) = v { Measure::Date(day) } else { v.clone() }))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[tokio::test]
async fn no_worst_case_holds_the_writer_long() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = fieldcheck_platform::open_db(dir.path(), None).expect("open");
    let township = Township { id: TownshipId::new(), code: "330784001".into(), name: "东城街道".into() };
    let squadron = Squadron { id: SquadronId::new(), name: "一中队".into(), townships: vec![township.id] };
    let officer = |name: &str| User {
        id: UserId::new(),
        login: name.into(),
        name: name.into(),
        role: Role::Officer,
        scope: Scope::Squadron { squadron: squadron.id },
        certificate_no: Some("33078400001".into()),
    };
    let (by, partner) = (officer("officer1"), officer("officer2"));
    let enterprise = Enterprise {
        id: EnterpriseId::new(),
        name: "永康市东城五金厂".into(),
        credit_code: CreditCode::complete("91330784MA2A00001").expect("code"),
        township: township.id,
        address: "东城街道".into(),
        location: None,
        legal_representative: String::new(),
        contact: Default::default(),
        flags: Default::default(),
    };
    let seed = [
        Record::Township(township),
        Record::Squadron(squadron),
        Record::User(by.clone()),
        Record::User(partner.clone()),
        Record::Enterprise(enterprise.clone()),
    ];
    db.write(move |tx| {
        for record in seed.iter().cloned().chain(checklists::bundled().into_iter().map(Record::Template)) {
            records::save(tx, &record)?;
        }
        Ok(())
    })
    .await
    .expect("seed");

    let base = || fixtures::inspection(&enterprise, &by, &partner);
    let mut cases: Vec<(&str, Intent)> = Vec::new();
    let mut same = base();
    same.inspection.checklists = vec![same.inspection.checklists[0].clone(); 100_000];
    cases.push(("100,000 copies of one checklist", Intent::InspectionSubmit(Box::new(same))));
    for (what, day) in
        [("every date at the start of the calendar", NaiveDate::MIN), ("every date at the end", NaiveDate::MAX)]
    {
        let mut sub = base();
        sub.answers.iter_mut().for_each(|a| a.value = dated(&a.value, day));
        cases.push((what, Intent::InspectionSubmit(Box::new(sub))));
    }
    let mut many = base();
    let finding = many.findings[0].clone();
    many.findings = (0..20_000).map(|_| Finding { id: Default::default(), ..finding.clone() }).collect();
    cases.push(("20,000 findings", Intent::InspectionSubmit(Box::new(many))));
    let mut answers = base();
    let answer = answers.answers[0].clone();
    answers.answers = (0..20_000).map(|_| answer.clone()).collect();
    cases.push(("20,000 copies of one answer", Intent::InspectionSubmit(Box::new(answers))));
    let huge = "x".repeat(4 << 20);
    let field = EnterpriseField::Address;
    cases.push((
        "a 4 MiB base",
        Intent::EnterpriseEdit { enterprise: enterprise.id, field, base: huge.clone(), value: "x".into() },
    ));
    cases.push((
        "a 4 MiB value",
        Intent::EnterpriseEdit { enterprise: enterprise.id, field, base: enterprise.address.clone(), value: huge },
    ));

    let mut worst = Duration::ZERO;
    for (what, intent) in cases {
        let user = by.clone();
        let (held, outcome) = db
            .write(move |tx| {
                let started = Instant::now();
                let actor = Actor { reach: Reach::of(tx, &user)?, device: Some("writer-time".into()), now: Utc::now() };
                let outcome = match intents::apply(tx, &actor, &intent, &intents::prepare(&intent)) {
                    Ok(outcome) => outcome,
                    Err(Failure::Refused(r)) => Outcome::Rejected { code: r.code, reason: r.reason },
                    Err(Failure::Store(e)) => return Err::<_, ApiError>(e),
                };
                Ok((started.elapsed(), outcome))
            })
            .await
            .expect("decided");
        assert!(matches!(outcome, Outcome::Rejected { code: RejectCode::Invalid, .. }), "{what}: {outcome:?}");
        println!("writer held {held:?} for {what} (refused)");
        worst = worst.max(held);
    }
    println!("worst writer time: {worst:?}");
}
