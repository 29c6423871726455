//! What the two documents say, and where it goes on the page.

use super::layout::{CONTENT_W, Flow, MARGIN_X, Op, PAGE_H, PAGE_W, render, text_width};
use super::{DocumentError, DocumentFont, Fact, Kind, Rendered, payload, read_back};
use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};
use fieldcheck_domain::answer::{AnswerValue, Measure, Verdict, assess};
use fieldcheck_domain::finding::Severity;
use fieldcheck_domain::inspection::{InspectionKind, Inspector};
use fieldcheck_domain::legal_time;
use fieldcheck_domain::organisation::Enterprise;
use fieldcheck_domain::rectification::RectificationTask;
use fieldcheck_domain::signature::{Mark, Signature, SignerRole};
use fieldcheck_domain::template::ChecklistTemplate;
use fieldcheck_evidence::Digest;
use fieldcheck_protocol::SubmittedInspection;
use krilla::metadata::Metadata;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What the inspection record is made from.
pub struct RecordInput<'a> {
    pub submitted: &'a SubmittedInspection,
    pub enterprise: &'a Enterprise,
    pub township: &'a str,
    /// The checklist versions the inspection pinned (for the items' text and legal basis).
    pub templates: &'a [ChecklistTemplate],
    /// Signatures and refusals given on the read-back (none: blank boxes to sign on paper).
    pub signatures: &'a [Signature],
    /// A picture of each photo (JPEG, PNG or WebP; the blobs [`crate::index_picture_blobs`] names) by its
    /// original's SHA-256, shrunk into the photo index; a photo without one gets an empty cell.
    pub pictures: &'a BTreeMap<Digest, Vec<u8>>,
}

/// What the rectification order is made from.
pub struct OrderInput<'a> {
    /// The task: its requirement states the violation as found (the finding's description), its
    /// `cited_legal_basis` the provisions (the domain's rule, from the task alone). The enterprise's
    /// phone has the task but not the inspection, and reads the same order back.
    pub task: &'a RectificationTask,
    pub enterprise: &'a Enterprise,
    pub township: &'a str,
    /// The root hash of the inspection's evidence bundle, if it has photos.
    pub bundle_root: Option<Digest>,
    /// The enterprise's acknowledgement of receipt, if given.
    pub signatures: &'a [Signature],
}

/// Documents print times in the bureau's legal zone (`legal_time`, the phone's screens use it too).
fn china(t: &DateTime<Utc>) -> DateTime<FixedOffset> {
    legal_time::local(t)
}

fn minute(t: &DateTime<Utc>) -> String {
    china(t).format("%Y年%m月%d日%H时%M分").to_string()
}

fn day(t: &DateTime<Utc>) -> String {
    china(t).format("%Y年%m月%d日").to_string()
}

fn short_id(id: &impl std::fmt::Display) -> String {
    id.to_string()
        .replace('-', "")
        .chars()
        .rev()
        .take(8)
        .collect::<String>()
        .chars()
        .rev()
        .collect::<String>()
        .to_uppercase()
}

fn kind_zh(kind: InspectionKind) -> &'static str {
    match kind {
        InspectionKind::Routine => "日常检查",
        InspectionKind::NightSpotCheck => "夜间突击检查（暗查）",
        InspectionKind::AlarmResponse => "在线监控报警核查",
        InspectionKind::Complaint12369 => "12369 投诉核查",
        InspectionKind::DoubleRandom => "“双随机、一公开”检查",
        InspectionKind::ReInspection => "整改复查",
    }
}

fn severity_zh(s: Severity) -> &'static str {
    match s {
        Severity::Minor => "轻微",
        Severity::General => "一般",
        Severity::Serious => "严重",
    }
}

fn officer(i: &Inspector) -> String {
    format!("{}（执法证号 {}）", i.name, i.certificate_no)
}

fn answer_text(v: &AnswerValue) -> String {
    match v {
        AnswerValue::Yes => "是".into(),
        AnswerValue::No => "否".into(),
        AnswerValue::NotApplicable => "不适用".into(),
        AnswerValue::Number(n) => format!("{n}"),
        AnswerValue::Text(t) | AnswerValue::Choice(t) => t.clone(),
        AnswerValue::Date(d) => d.format("%Y-%m-%d").to_string(),
        AnswerValue::Measures(m) => m
            .iter()
            .map(|(k, v)| match v {
                Measure::Number(n) => format!("{k}={n}"),
                Measure::Date(d) => format!("{k}={}", d.format("%Y-%m-%d")),
            })
            .collect::<Vec<_>>()
            .join("；"),
    }
}

fn fact(key: &'static str, zh: &'static str, en: &'static str, value: String) -> Fact {
    Fact { key, zh, en, value: if value.trim().is_empty() { "—".into() } else { value } }
}

fn signature_summary(signatures: &[Signature], roles: &[SignerRole]) -> String {
    let lines: Vec<String> = signatures
        .iter()
        .filter(|s| roles.contains(&s.role))
        .map(|s| match &s.mark {
            Mark::Drawn { .. } => format!("{} {} 已签名（{}）", s.role.label_zh(), s.signer, day(&s.at)),
            Mark::Refused { reason, witness } => {
                format!(
                    "{} {} 拒绝签名（{}），理由：{}；见证人：{}",
                    s.role.label_zh(),
                    s.signer,
                    day(&s.at),
                    reason,
                    witness.name
                )
            }
        })
        .collect();
    if lines.is_empty() { "（纸面签名）".into() } else { lines.join("\n") }
}

/// Every fact the inspection record prints, in order (keys from `inspection_record_fields`).
pub fn record_facts(input: &RecordInput<'_>) -> Vec<Fact> {
    let s = input.submitted;
    let i = &s.inspection;
    let e = input.enterprise;
    let when = |t: &Option<DateTime<Utc>>| t.as_ref().map(minute).unwrap_or_else(|| "—".into());
    let mut facts = vec![
        fact("document_no", "笔录编号", "Record No.", record_number(input)),
        fact(
            "inspection_start_end",
            "检查（勘察）时间",
            "Time",
            format!("{} 至 {}", when(&i.started_at), when(&i.ended_at)),
        ),
        fact("location", "检查地点", "Place", format!("{}（{}）", e.address, input.township)),
        fact(
            "gps",
            "GPS 坐标",
            "GPS (automatic)",
            match (i.location, i.location_missing) {
                (Some(g), _) => format!("{:.6}, {:.6}（±{:.0} m）", g.lat, g.lon, g.accuracy_m),
                (None, Some(missing)) => missing.text().zh,
                (None, None) => String::new(),
            },
        ),
        fact("entity_name", "被检查单位名称", "Inspected entity", e.name.clone()),
        fact("uscc", "统一社会信用代码", "Unified social credit code", e.credit_code.to_string()),
        fact("legal_rep", "法定代表人（负责人）", "Legal representative", e.legal_representative.clone()),
        fact(
            "respondent",
            "被检查人",
            "Respondent (name/position/phone)",
            i.respondent.as_ref().map(|r| format!("{}／{}／{}", r.name, r.position, r.phone)).unwrap_or_default(),
        ),
    ];
    for (n, inspector) in i.inspectors.iter().enumerate() {
        let (key, zh) = match n {
            0 => ("inspector_1", "检查人（一）"),
            1 => ("inspector_2", "检查人（二）"),
            _ => ("inspector_more", "检查人"),
        };
        facts.push(fact(key, zh, "Inspector, certificate No.", officer(inspector)));
    }
    facts.push(fact("recorder", "记录人", "Recorder", i.recorder.as_ref().map(officer).unwrap_or_default()));
    let notice = if i.kind == InspectionKind::NightSpotCheck {
        "暗查：检查时未事先表明身份；检查结束后已向被检查人出示执法证件并告知其权利义务。"
    } else {
        "检查人员已表明身份、出示执法证件，告知被检查人应当如实回答询问、协助调查，并告知其享有申请回避的权利。被检查人未申请回避。"
    };
    facts.push(fact("notice", "表明身份及告知", "Identification and rights notice", notice.into()));
    facts.push(fact("behavior_code", "检查类型／任务号", "Kind / task No.", format!("{}／{}", kind_zh(i.kind), i.id)));
    facts.push(fact("findings", "检查（勘察）情况", "What was found", findings_text(input)));
    let photos = s.evidence.as_ref().map(|ev| ev.chain.entries.len()).unwrap_or(0);
    let root = s.evidence.as_ref().map(|ev| ev.chain.head().head.to_hex()).unwrap_or_else(|| "—".into());
    facts.push(fact(
        "evidence_refs",
        "照片／证据编号",
        "Photos (see index)",
        format!("现场照片 {photos} 张，见照片索引；证据链根哈希 {root}"),
    ));
    facts.push(fact(
        "respondent_opinion",
        "被检查人意见",
        "Respondent's opinion",
        respondent_opinion(input.signatures),
    ));
    facts.push(fact("refusal_note", "拒签情况", "Refusal to sign", refusal_note(input.signatures)));
    facts.push(fact("witness", "见证人", "Witness", witness_note(input.signatures)));
    facts.push(fact(
        "inspector_signatures",
        "检查人、记录人签名",
        "Officers' signatures",
        signature_summary(input.signatures, &[SignerRole::Inspector, SignerRole::Recorder]),
    ));
    facts
}

fn respondent_opinion(signatures: &[Signature]) -> String {
    match signatures.iter().find(|s| s.role == SignerRole::Respondent) {
        Some(s) if !s.refused() => format!("以上笔录已阅，记录属实。{}（{}）", s.signer, day(&s.at)),
        Some(_) => "被检查人拒绝签署意见".into(),
        None => "（由被检查人在纸面填写）".into(),
    }
}

fn refusal_note(signatures: &[Signature]) -> String {
    let notes: Vec<String> = signatures
        .iter()
        .filter_map(|s| match &s.mark {
            Mark::Refused { reason, .. } => {
                Some(format!("{} {} 拒绝签名，理由：{}", s.role.label_zh(), s.signer, reason))
            }
            Mark::Drawn { .. } => None,
        })
        .collect();
    if notes.is_empty() { "无".into() } else { notes.join("\n") }
}

fn witness_note(signatures: &[Signature]) -> String {
    let notes: Vec<String> = signatures
        .iter()
        .filter_map(|s| match &s.mark {
            Mark::Refused { witness, .. } => {
                Some(format!("{}（{}），{}", witness.name, witness.position, day(&s.at)).replace("（）", ""))
            }
            Mark::Drawn { .. } => None,
        })
        .collect();
    if notes.is_empty() { "无".into() } else { notes.join("\n") }
}

fn record_number(input: &RecordInput<'_>) -> String {
    let i = &input.submitted.inspection;
    let year = i.started_at.or(i.ended_at).map(|t| china(&t).year()).unwrap_or(0);
    format!("环检笔〔{year}〕{} 号", short_id(&i.id))
}

fn findings_text(input: &RecordInput<'_>) -> String {
    let s = input.submitted;
    let mut out = Vec::new();
    if !s.inspection.summary.trim().is_empty() {
        out.push(s.inspection.summary.trim().to_string());
    }
    let date = s.inspection.started_at.map(|t| t.date_naive());
    let mut n = 0;
    for answer in &s.answers {
        let Some(item) =
            input.templates.iter().filter(|t| t.id == answer.item.template).find_map(|t| t.item(&answer.item.code))
        else {
            continue;
        };
        let failed = date.and_then(|d| assess(item, &answer.value, d).ok()) == Some(Verdict::NonCompliant);
        if !failed {
            continue;
        }
        n += 1;
        let mut line = format!("{n}. [{}] {}：{}", item.code, item.text.zh, answer_text(&answer.value));
        if let Some(note) = answer.note.as_deref().filter(|t| !t.trim().is_empty()) {
            line.push_str(&format!("（{}）", note.trim()));
        }
        if !item.legal_basis.is_empty() {
            let verified = if item.clause_verified { "" } else { "（条款待核实）" };
            line.push_str(&format!("。依据：{}{verified}", item.legal_basis.join("；")));
        }
        out.push(line);
    }
    if n == 0 {
        out.push("检查项目均未发现不符合项。".into());
    }
    for (k, f) in s.findings.iter().enumerate() {
        let mut line = format!("问题{}（{}）：{}", k + 1, severity_zh(f.severity), f.description.trim());
        if !f.legal_basis.is_empty() {
            line.push_str(&format!("。违反：{}", f.legal_basis.join("；")));
        }
        if let Some(days) = f.deadline_days {
            line.push_str(&format!("。限期 {days} 日内改正"));
        }
        out.push(line);
    }
    out.join("\n")
}

/// Every fact the rectification order prints, in order.
pub fn order_facts(input: &OrderInput<'_>) -> Vec<Fact> {
    let t = input.task;
    let e = input.enterprise;
    let year = china(&t.issued_at).year();
    let cited = t.cited_legal_basis();
    let basis = if cited.is_empty() { "—".to_string() } else { cited.join("；") };
    vec![
        fact("document_no", "文书编号", "Order No.", format!("环责改〔{year}〕{} 号", short_id(&t.id))),
        fact("entity_name", "当事人", "Party", e.name.clone()),
        fact("uscc", "统一社会信用代码", "Unified social credit code", e.credit_code.to_string()),
        fact("address", "地址", "Address", format!("{}（{}）", e.address, input.township)),
        fact("legal_rep", "法定代表人（负责人）", "Legal representative", e.legal_representative.clone()),
        fact(
            "violation",
            "违法事实",
            "Violation found",
            format!(
                "我局于{}对你单位进行现场检查（笔录编号 {}），发现：{}",
                day(&t.issued_at),
                short_id(&t.inspection),
                t.requirement.trim()
            ),
        ),
        fact("legal_basis", "违反的规定", "Provisions violated", basis),
        fact(
            "severity",
            "问题等级",
            "Severity",
            format!("{}{}", severity_zh(t.severity), if t.case_review { "（移送立案审查）" } else { "" }),
        ),
        fact("requirement", "改正要求", "Required correction", t.requirement.trim().to_string()),
        fact("deadline", "改正期限", "Deadline", format!("{}前改正完毕，并将改正情况书面报告我局", day(&t.deadline))),
        fact("issued_at", "发出日期", "Issued", day(&t.issued_at)),
        fact("acknowledgement", "签收", "Receipt", signature_summary(input.signatures, &[SignerRole::Respondent])),
    ]
}

fn metadata(title: &str, payload: &str, at: &DateTime<Utc>, id: String) -> Metadata {
    let c = china(at);
    let date = krilla::metadata::DateTime::new(c.year().clamp(0, 9999) as u16)
        .month(c.month() as u8)
        .day(c.day() as u8)
        .hour(c.hour() as u8)
        .minute(c.minute() as u8)
        .second(c.second() as u8)
        .utc_offset_hour((legal_time::OFFSET_SECONDS / 3600) as i8)
        .utc_offset_minute((legal_time::OFFSET_SECONDS % 3600 / 60) as u8);
    Metadata::new()
        .title(title.into())
        .keywords(vec![payload.into()])
        .creator("Fieldcheck".into())
        .language("zh-CN".into())
        .creation_date(date)
        .document_id(id)
}

fn header(flow: &mut Flow, zh: &str, en: &str, number: &str, qr: &[Op]) {
    for op in qr {
        flow.push(op.clone());
    }
    flow.y += 10.0;
    flow.centred(20.0, zh);
    flow.y += 2.0;
    let x = (PAGE_W - text_width(en, 9.0)) / 2.0;
    flow.y += 9.0;
    flow.grey(x, flow.y, 9.0, en);
    flow.y += 14.0;
    let x = (PAGE_W - text_width(number, 10.0)) / 2.0;
    flow.y += 10.0;
    flow.text(x, flow.y, 10.0, number);
    flow.y += 20.0;
}

/// The QR code's modules as filled squares, `size` points wide, top-left at (x, y).
fn qr_ops(text: &str, x: f32, y: f32, size: f32) -> Result<Vec<Op>, DocumentError> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| DocumentError::Qr(e.to_string()))?;
    let n = code.width();
    let m = size / n as f32;
    let colors = code.to_colors();
    let mut rects = Vec::new();
    for row in 0..n {
        // Runs of dark modules in a row become one rectangle; rows that touch share their edge.
        let mut col = 0;
        while col < n {
            if colors[row * n + col] == qrcode::Color::Dark {
                let start = col;
                while col < n && colors[row * n + col] == qrcode::Color::Dark {
                    col += 1;
                }
                rects.push((x + start as f32 * m, y + row as f32 * m, (col - start) as f32 * m, m));
            } else {
                col += 1;
            }
        }
    }
    Ok(vec![Op::Rects(rects)])
}

const SIG_W: f32 = 150.0;
const SIG_H: f32 = 62.0;

/// A signature box: label above, the strokes (scaled into the box) or the refusal inside, date below.
fn signature_box(flow: &mut Flow, x: f32, y: f32, label: &str, sig: Option<&Signature>, read_back: &str) {
    flow.text(x, y + 10.0, 9.0, label);
    let (bx, by) = (x, y + 16.0);
    flow.frame(bx, by, SIG_W, SIG_H);
    match sig {
        Some(s) => {
            match &s.mark {
                Mark::Drawn { width, height, strokes } => {
                    let scale = ((SIG_W - 8.0) / width).min((SIG_H - 8.0) / height);
                    let (ox, oy) = (bx + (SIG_W - width * scale) / 2.0, by + (SIG_H - height * scale) / 2.0);
                    let lines = strokes
                        .iter()
                        .map(|st| st.points.iter().map(|p| (ox + p.x * scale, oy + p.y * scale)).collect())
                        .collect();
                    flow.push(Op::Strokes { lines, width: 1.3 });
                }
                Mark::Refused { reason, witness } => {
                    flow.text(bx + 4.0, by + 14.0, 8.0, "拒绝签名 / refused");
                    let r: String = reason.chars().take(16).collect();
                    flow.text(bx + 4.0, by + 28.0, 7.5, &format!("理由：{r}"));
                    flow.text(bx + 4.0, by + 42.0, 7.5, &format!("见证人：{}", witness.name));
                }
            }
            let shown = if s.shown_text_sha256 == read_back { "宣读文本一致" } else { "宣读文本不一致" };
            flow.text(bx, by + SIG_H + 11.0, 8.0, &format!("{}  日期：{}", s.signer, day(&s.at)));
            flow.grey(
                bx,
                by + SIG_H + 21.0,
                6.0,
                &format!("{shown} read-back {}", &s.shown_text_sha256[..16.min(s.shown_text_sha256.len())]),
            );
        }
        None => {
            flow.text(bx, by + SIG_H + 11.0, 8.0, "签名：              日期：    年  月  日");
        }
    }
}

fn signature_grid(flow: &mut Flow, boxes: &[(String, Option<&Signature>)], read_back: &str) {
    let per_row = 3;
    let row_h = SIG_H + 42.0;
    for row in boxes.chunks(per_row) {
        flow.ensure(row_h);
        let y = flow.y;
        for (k, (label, sig)) in row.iter().enumerate() {
            let x = MARGIN_X + k as f32 * (SIG_W + (CONTENT_W - 3.0 * SIG_W) / 2.0);
            signature_box(flow, x, y, label, *sig, read_back);
        }
        flow.y += row_h;
    }
}

/// Long edge, in pixels, of a picture in the photo index (about 200 dpi in its cell).
const INDEX_PICTURE_EDGE: u32 = 160;

/// `bytes` shrunk to an index picture (baseline JPEG, no metadata); `None` if it cannot be decoded.
fn index_picture(bytes: &[u8]) -> Option<(Vec<u8>, u32, u32)> {
    use fieldcheck_evidence::{decode, rendition};
    let decoded = decode::decode(bytes, &fieldcheck_evidence::Limits::default(), INDEX_PICTURE_EDGE).ok()?;
    let rgb = match rendition::shrunk(&decoded.rgb, INDEX_PICTURE_EDGE).ok()? {
        Some(smaller) => smaller,
        None => decoded.rgb,
    };
    let jpeg = rendition::encode_jpeg(&rgb, 75, "index picture").ok()?;
    Some((jpeg, rgb.width, rgb.height))
}

fn photo_index(flow: &mut Flow, input: &RecordInput<'_>) {
    let Some(ev) = &input.submitted.evidence else { return };
    let cols = [
        (0.0, "序号", "No."),
        (26.0, "照片", "photo"),
        (92.0, "拍摄时间", "taken at"),
        (178.0, "拍摄地点", "place"),
        (262.0, "原图 SHA-256", "hash of the original"),
    ];
    flow.ensure(80.0);
    flow.y += 8.0;
    flow.text(MARGIN_X, flow.y + 12.0, 11.0, "照片索引");
    flow.grey(MARGIN_X + 50.0, flow.y + 12.0, 7.0, "Photo index");
    flow.y += 18.0;
    let head_h = 15.0;
    let row_h = 44.0;
    let head = |flow: &mut Flow| {
        let y = flow.y;
        flow.frame(MARGIN_X, y, CONTENT_W, head_h);
        for (x, zh, en) in cols {
            flow.text(MARGIN_X + x + 3.0, y + 10.5, 8.0, zh);
            flow.grey(MARGIN_X + x + 3.0 + text_width(zh, 8.0) + 3.0, y + 10.5, 5.5, en);
        }
        flow.y += head_h;
    };
    head(flow);
    for entry in &ev.chain.entries {
        if flow.y + row_h > super::layout::BOTTOM {
            flow.new_page();
            head(flow);
        }
        let y = flow.y;
        flow.frame(MARGIN_X, y, CONTENT_W, row_h);
        for (x, _, _) in &cols[1..] {
            flow.line(MARGIN_X + x, y, MARGIN_X + x, y + row_h, 0.4);
        }
        if let Some((jpeg, w, h)) = input.pictures.get(&entry.original.sha256).and_then(|b| index_picture(b)) {
            // Fitted into the cell, keeping the aspect ratio.
            let (cell_w, cell_h) = (cols[2].0 - cols[1].0 - 6.0, row_h - 6.0);
            let scale = (cell_w / w as f32).min(cell_h / h as f32);
            let (pw, ph) = (w as f32 * scale, h as f32 * scale);
            flow.push(Op::Jpeg {
                x: MARGIN_X + cols[1].0 + 3.0 + (cell_w - pw) / 2.0,
                y: y + 3.0 + (cell_h - ph) / 2.0,
                w: pw,
                h: ph,
                bytes: Arc::new(jpeg),
            });
        }
        let place = entry.meta.fix.map(|g| format!("{:.5}, {:.5}", g.lat, g.lon)).unwrap_or_else(|| "—".into());
        let mid = y + row_h / 2.0 + 3.0;
        flow.text(MARGIN_X + 3.0, mid, 7.5, &format!("{}", entry.seq));
        flow.text(
            MARGIN_X + cols[2].0 + 3.0,
            mid,
            7.0,
            &china(&entry.meta.taken_at).format("%Y-%m-%d %H:%M:%S").to_string(),
        );
        flow.text(MARGIN_X + cols[3].0 + 3.0, mid, 7.0, &place);
        let hash = entry.original.sha256.to_hex();
        flow.text(MARGIN_X + cols[4].0 + 3.0, mid - 4.5, 6.5, &hash[..32]);
        flow.text(MARGIN_X + cols[4].0 + 3.0, mid + 4.5, 6.5, &hash[32..]);
        flow.y += row_h;
    }
}

fn footers(flow: &mut Flow, left: &str) {
    let n = flow.pages.len();
    for (k, page) in flow.pages.iter_mut().enumerate() {
        let text = format!("第 {} 页 共 {} 页", k + 1, n);
        page.push(Op::Text {
            x: PAGE_W - MARGIN_X - text_width(&text, 8.0),
            y: PAGE_H - 34.0,
            size: 8.0,
            text,
            grey: false,
        });
        page.push(Op::Text { x: MARGIN_X, y: PAGE_H - 34.0, size: 6.5, text: left.to_string(), grey: true });
        page.push(Op::Line { x1: MARGIN_X, y1: PAGE_H - 46.0, x2: PAGE_W - MARGIN_X, y2: PAGE_H - 46.0, width: 0.4 });
    }
}

pub(crate) fn record(input: &RecordInput<'_>, font: &DocumentFont) -> Result<Rendered, DocumentError> {
    let i = &input.submitted.inspection;
    let facts = record_facts(input);
    let root = input.submitted.evidence.as_ref().map(|ev| ev.chain.head().head);
    let payload = payload(Kind::Record, i.id.to_string(), root, &facts);
    let payload_text = payload.to_string();
    let read_back = read_back(&facts).sha256;

    let mut flow = Flow::new();
    let qr = qr_ops(&payload_text, PAGE_W - MARGIN_X - 72.0, 28.0, 72.0)?;
    let number = format!("{}：{}", facts[0].zh, facts[0].value);
    header(&mut flow, "现场检查（勘察）笔录", "On-site Inspection (Survey) Record", &number, &qr);
    for f in facts.iter().skip(1).take_while(|f| f.key != "respondent_opinion") {
        flow.form_row(f.zh, f.en, &f.value);
    }
    photo_index(&mut flow, input);

    // Read-back and signatures.
    flow.ensure(120.0);
    flow.y += 10.0;
    flow.paragraph(9.5, 0.0, "以上笔录已向被检查人宣读（或由其阅读），被检查人确认记录属实后签名。 The record above was read back to the respondent.");
    for f in facts.iter().skip_while(|f| f.key != "respondent_opinion").take(4) {
        flow.form_row(f.zh, f.en, &f.value);
    }
    flow.y += 8.0;
    let sig = |role: SignerRole, name: &str| {
        input
            .signatures
            .iter()
            .find(|s| s.role == role && s.signer == name)
            .or_else(|| input.signatures.iter().find(|s| s.role == role && role == SignerRole::Respondent))
    };
    let mut boxes: Vec<(String, Option<&Signature>)> = Vec::new();
    let respondent = i.respondent.as_ref().map(|r| r.name.clone()).unwrap_or_default();
    boxes.push((format!("被检查人 Respondent：{respondent}"), sig(SignerRole::Respondent, &respondent)));
    for inspector in &i.inspectors {
        boxes.push((format!("检查人 Inspector：{}", inspector.name), sig(SignerRole::Inspector, &inspector.name)));
    }
    if let Some(r) = &i.recorder {
        boxes.push((format!("记录人 Recorder：{}", r.name), sig(SignerRole::Recorder, &r.name)));
    }
    signature_grid(&mut flow, &boxes, &read_back);
    let witness = input.signatures.iter().find_map(|s| match &s.mark {
        Mark::Refused { witness, .. } => Some((witness.clone(), s.at)),
        Mark::Drawn { .. } => None,
    });
    if let Some((w, at)) = witness {
        flow.ensure(24.0);
        flow.y += 16.0;
        flow.text(
            MARGIN_X,
            flow.y,
            9.5,
            &format!("见证人 Witness：{} {}    签名：__________    日期：{}", w.name, w.position, day(&at)),
        );
        flow.y += 8.0;
    }

    let root_text = root.map(|d| d.to_hex()).unwrap_or_else(|| "—".into());
    footers(&mut flow, &format!("记录 {}  根哈希 {}", i.id, &root_text));
    let at = i.ended_at.or(i.started_at).unwrap_or(DateTime::UNIX_EPOCH);
    let meta = metadata("现场检查（勘察）笔录", &payload_text, &at, format!("fieldcheck-record-{}", i.id));
    let pages = flow.pages.len();
    let pdf = render(&flow.pages, &font.font, meta).map_err(DocumentError::Pdf)?;
    Ok(Rendered { pdf, payload, facts, pages })
}

pub(crate) fn order(input: &OrderInput<'_>, font: &DocumentFont) -> Result<Rendered, DocumentError> {
    let t = input.task;
    let facts = order_facts(input);
    let payload = payload(Kind::Order, t.id.to_string(), input.bundle_root, &facts);
    let payload_text = payload.to_string();
    let read_back = read_back(&facts).sha256;

    let mut flow = Flow::new();
    let qr = qr_ops(&payload_text, PAGE_W - MARGIN_X - 72.0, 28.0, 72.0)?;
    let number = format!("{}：{}", facts[0].zh, facts[0].value);
    header(&mut flow, "责令改正通知书", "Order to Correct an Environmental Violation", &number, &qr);
    flow.paragraph(11.0, 0.0, &format!("{}：", input.enterprise.name));
    flow.y += 4.0;
    for f in facts.iter().skip(1).take_while(|f| f.key != "acknowledgement") {
        flow.form_row(f.zh, f.en, &f.value);
    }
    flow.y += 6.0;
    flow.paragraph(
        9.5,
        0.0,
        "依据《中华人民共和国行政处罚法》第二十八条第一款，现责令你单位立即停止违法行为，并于上述期限内改正。\
         逾期未改正的，我局将依法予以处理。如不服本通知，可自收到之日起六十日内申请行政复议，或者六个月内提起行政诉讼。",
    );
    flow.paragraph(7.0, 0.0, "Under Art. 28(1) of the Administrative Penalty Law you are ordered to correct the violation above by the deadline.");
    flow.ensure(60.0);
    flow.y += 24.0;
    let stamp = format!("{}生态环境执法机关（盖章）", input.township);
    flow.text(PAGE_W - MARGIN_X - text_width(&stamp, 10.0), flow.y, 10.0, &stamp);
    flow.y += 16.0;
    let date = day(&t.issued_at);
    flow.text(PAGE_W - MARGIN_X - text_width(&date, 10.0), flow.y, 10.0, &date);
    flow.y += 20.0;
    flow.form_row(facts[facts.len() - 1].zh, facts[facts.len() - 1].en, &facts[facts.len() - 1].value);
    flow.y += 8.0;
    let ack = input.signatures.iter().find(|s| s.role == SignerRole::Respondent);
    signature_grid(&mut flow, &[("签收人 Received by".to_string(), ack)], &read_back);

    let root_text = input.bundle_root.map(|d| d.to_hex()).unwrap_or_else(|| "—".into());
    footers(&mut flow, &format!("整改任务 {}  根哈希 {}", t.id, root_text));
    let meta = metadata("责令改正通知书", &payload_text, &t.issued_at, format!("fieldcheck-order-{}", t.id));
    let pages = flow.pages.len();
    let pdf = render(&flow.pages, &font.font, meta).map_err(DocumentError::Pdf)?;
    Ok(Rendered { pdf, payload, facts, pages })
}
