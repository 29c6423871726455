//! Adds generated enterprises to a platform's data folder, spread over its townships, for measuring the
//! console with a big county (`tests/console/load-time.test.mjs`). Run it on a stopped platform's folder:
//!
//!     cargo run --example seed_county -- DATA_DIR COUNT

use fieldcheck_domain::credit_code::CreditCode;
use fieldcheck_domain::ids::EnterpriseId;
use fieldcheck_domain::organisation::{Contact, Enterprise, EnterpriseFlags};
use fieldcheck_platform::error::ApiError;
use fieldcheck_platform::records;
use fieldcheck_protocol::Record;
use std::path::PathBuf;

#[tokio::main]
async fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (Some(data), Some(count)) = (args.next(), args.next()) else {
        return Err("usage: seed_county DATA_DIR COUNT".into());
    };
    let count: usize = count.parse().map_err(|_| format!("COUNT must be a number, not {count}"))?;
    let db = fieldcheck_platform::open_db(&PathBuf::from(data), None).map_err(|e| e.to_string())?;
    db.write(move |tx| {
        let townships = records::townships(tx)?;
        if townships.is_empty() {
            return Err(ApiError::bad_request("no townships: start the platform with --demo once first"));
        }
        for i in 0..count {
            let township = &townships[i % townships.len()];
            let credit_code = CreditCode::complete(&format!("91330784MB{:07}", 1_000_000 + i))
                .map_err(|e| ApiError::bad_request(e.to_string()))?;
            let enterprise = Enterprise {
                id: EnterpriseId::new(),
                name: format!("永康市生成{i:05}号五金制品有限公司"),
                credit_code,
                township: township.id,
                address: format!("浙江省金华市永康市{}生成园区{}号", township.name, i),
                // Placed around its township's middle like the demo's own, after them on the spiral.
                location: Some(fieldcheck_platform::demo::position(&township.code, 150 + i)?),
                legal_representative: "测试".into(),
                contact: Contact { name: "安环负责人".into(), phone: format!("1390000{:04}", i % 10_000) },
                flags: EnterpriseFlags { key_discharger: i % 7 == 0, ..EnterpriseFlags::default() },
            };
            records::save(tx, &Record::Enterprise(enterprise))?;
        }
        Ok(())
    })
    .await
    .map_err(|e| e.message)?;
    println!("added {count} enterprises");
    Ok(())
}
