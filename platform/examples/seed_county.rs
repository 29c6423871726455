//! Adds generated enterprises to a platform's data folder, spread over its townships, for measuring the
//! console with a big county (`tests/console/load-time.test.mjs`), and draws the county's map for them:
//! township outlines generated for it (`map::county`, written to `DATA_DIR/county-outlines.geojson`, which
//! `serve --map-outlines` takes) and every enterprise, the demo's too, placed inside its township's outline.
//! Run it on a stopped platform's folder:
//!
//!     cargo run --example seed_county -- DATA_DIR COUNT

use fieldcheck_domain::credit_code::CreditCode;
use fieldcheck_domain::geo::GeoFix;
use fieldcheck_domain::ids::EnterpriseId;
use fieldcheck_domain::organisation::{Contact, Enterprise, EnterpriseFlags};
use fieldcheck_platform::error::ApiError;
use fieldcheck_platform::map::county;
use fieldcheck_platform::records;
use fieldcheck_protocol::{Entity, Record};
use std::path::PathBuf;

/// The outlines' file in the data folder.
const OUTLINES: &str = "county-outlines.geojson";

#[tokio::main]
async fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (Some(data), Some(count)) = (args.next(), args.next()) else {
        return Err("usage: seed_county DATA_DIR COUNT".into());
    };
    let count: usize = count.parse().map_err(|_| format!("COUNT must be a number, not {count}"))?;
    let data = PathBuf::from(data);
    let db = fieldcheck_platform::open_db(&data, None).map_err(|e| e.to_string())?;
    let outlines = db
        .write(move |tx| {
            let townships = records::townships(tx)?;
            if townships.is_empty() {
                return Err(ApiError::bad_request("no townships: start the platform with --demo once first"));
            }
            let mut all: Vec<Enterprise> = records::load_all(tx, Entity::Enterprise)?;
            for i in 0..count {
                let township = &townships[i % townships.len()];
                let credit_code = CreditCode::complete(&format!("91330784MB{:07}", 1_000_000 + i))
                    .map_err(|e| ApiError::bad_request(e.to_string()))?;
                all.push(Enterprise {
                    id: EnterpriseId::new(),
                    name: format!("永康市生成{i:05}号五金制品有限公司"),
                    credit_code,
                    township: township.id,
                    address: format!("浙江省金华市永康市{}生成园区{}号", township.name, i),
                    location: None,
                    legal_representative: "测试".into(),
                    contact: Contact { name: "安环负责人".into(), phone: format!("1390000{:04}", i % 10_000) },
                    flags: EnterpriseFlags { key_discharger: i % 7 == 0, ..EnterpriseFlags::default() },
                });
            }
            // Each township's enterprises, the demo's first, on positions spread inside its outline.
            let names: Vec<(String, String)> = townships.iter().map(|t| (t.code.clone(), t.name.clone())).collect();
            for (t, ring) in townships.iter().zip(county::rings(townships.len())) {
                let mut mine: Vec<&mut Enterprise> = all.iter_mut().filter(|e| e.township == t.id).collect();
                let spots = county::positions(&ring, mine.len());
                for (e, (lon, lat)) in mine.iter_mut().zip(spots) {
                    e.location = Some(GeoFix::new(lat, lon, 10.0)?);
                }
            }
            for e in all {
                records::save(tx, &Record::Enterprise(e))?;
            }
            Ok(county::outlines(&names))
        })
        .await
        .map_err(|e| e.message)?;
    let path = data.join(OUTLINES);
    std::fs::write(&path, outlines.to_string()).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("added {count} enterprises; placed every enterprise inside its township; outlines in {}", path.display());
    Ok(())
}
