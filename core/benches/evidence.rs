//! Ingest benchmark: a generated 12-megapixel photo-like JPEG (4000 x 3000, quality 90, 4:2:0) turned
//! into an upload rendition + thumbnail + SHA-256, side by side with `vipsthumbnail` (libvips) and
//! ImageMagick's `convert` making the same sizes (2000 x 1500 and 320 x 240).
//!
//! Every contender runs as a child process under GNU `time`, so wall time includes process start-up
//! for all and peak memory is each process's max RSS; ours is this binary re-run with `--child`.
//! Prints medians and ratios against vips, also with each tool's own start-up time (the tool run with
//! `--version`) subtracted, since vips spends tens of milliseconds loading before it works. Needs Debian's `libvips-tools`, `imagemagick` and `time`;
//! a missing tool is skipped. With a CJK font (Debian `fonts-wqy-microhei`, or `FIELDCHECK_BENCH_FONT`
//! naming a font file) it also times the watermark drawn in that font against no watermark and the
//! built-in font, and measures the peak memory of ingest with it.
//! Run: `cargo bench -p fieldcheck-core --bench evidence`.

use fieldcheck_core::domain::ids::{DeviceId, EvidenceId, InspectionId, UserId};
use fieldcheck_core::evidence::{
    BlobStore, CaptureMeta, Case, Ingestor, Limits, Subject, Watermark, WatermarkFont, derive, derive_with,
};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 9;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--startup") {
        return; // measures process start-up only
    }
    if let Some(i) = args.iter().position(|a| a == "--child")
        && let (Some(input), Some(out)) = (args.get(i + 1), args.get(i + 2))
    {
        child(Path::new(input), Path::new(out), args.get(i + 3).map(Path::new));
        return;
    }
    if let Err(e) = run() {
        eprintln!("evidence bench failed: {e}");
        std::process::exit(1);
    }
}

/// Our pipeline in its own process: read, hash, decode, rendition, thumbnail, write both files; with
/// `font`, the font is loaded and a Chinese watermark drawn with it.
fn child(input: &Path, out: &Path, font: Option<&Path>) {
    let result = std::fs::read(input).map_err(|e| e.to_string()).and_then(|bytes| {
        let font = font.map(|f| WatermarkFont::from_file(f, 0)).transpose().map_err(|e| e.to_string())?;
        let mark = font.as_ref().map(|_| watermark());
        let derived =
            derive_with(&bytes, &Limits::default(), mark.as_ref(), font.as_ref()).map_err(|e| e.to_string())?;
        std::fs::write(out.join("ours-rendition.jpg"), &derived.rendition).map_err(|e| e.to_string())?;
        std::fs::write(out.join("ours-thumb.jpg"), &derived.thumbnail).map_err(|e| e.to_string())?;
        println!("{} {}x{}", derived.original_sha256, derived.rendition_width, derived.rendition_height);
        Ok(())
    });
    if let Err(e) = result {
        eprintln!("{e}");
        std::process::exit(1);
    }
}

/// A photo-like image: smooth gradients and shapes plus sensor-like noise, encoded like a phone would.
fn photo_jpeg(width: u16, height: u16) -> Result<Vec<u8>, String> {
    let (w, h) = (usize::from(width), usize::from(height));
    let mut rgb = vec![0u8; w * h * 3];
    let mut seed = 0x9E37_79B9_u32;
    for y in 0..h {
        for x in 0..w {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let noise = (seed % 25) as i32 - 12;
            let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
            let wave = ((fx * 23.0).sin() * (fy * 17.0).cos() * 40.0) as i32;
            let px = [
                (fx * 200.0) as i32 + wave + noise + 20,
                (fy * 180.0) as i32 - wave / 2 + noise + 30,
                ((fx + fy) * 90.0) as i32 + noise + 40,
            ];
            let i = (y * w + x) * 3;
            for c in 0..3 {
                rgb[i + c] = px[c].clamp(0, 255) as u8;
            }
        }
    }
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 90);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    encoder.encode(&rgb, width, height, jpeg_encoder::ColorType::Rgb).map_err(|e| e.to_string())?;
    Ok(out)
}

/// A caption like an enforcement photo's, in Chinese.
fn watermark() -> Watermark {
    Watermark {
        time: chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset")),
        fix: None,
        place: "浙江省金华市永康市经济开发区金都路88号".into(),
        enterprise: "永康市示例化工有限公司".into(),
        officer: "执法人员 王伟 33078400001".into(),
    }
}

/// A CJK font to bench with: `FIELDCHECK_BENCH_FONT`, else Debian's WenQuanYi Micro Hei.
fn cjk_font() -> Option<PathBuf> {
    let path = std::env::var_os("FIELDCHECK_BENCH_FONT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"));
    path.exists().then_some(path)
}

fn capture_meta() -> CaptureMeta {
    CaptureMeta {
        evidence: EvidenceId::new(),
        case: Case::Inspection(InspectionId::new()),
        subject: Subject::Overall,
        taken_at: chrono::Utc::now(),
        fix: None,
        device: DeviceId::new(),
        officer: UserId::new(),
        clock_skew_ms: None,
        provenance: Default::default(),
    }
}

/// `jpeg` with an EXIF APP1 segment saying "rotate 90 degrees clockwise to view".
fn with_orientation_6(jpeg: &[u8]) -> Vec<u8> {
    let mut tiff = b"II*\0\x08\0\0\0\x01\0".to_vec();
    tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]);
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend(app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

struct Contender {
    name: &'static str,
    /// Commands run one after the other for one full result (time summed, memory maxed).
    steps: Vec<Vec<String>>,
    /// A command that starts the tool and exits at once, to tell start-up from work.
    startup: Vec<String>,
    times: Vec<Duration>,
    startups: Vec<Duration>,
    peak_kib: u64,
}

/// Runs one command under GNU time; returns wall time and max RSS in KiB.
fn timed(cmd: &[String], scratch: &Path) -> Result<(Duration, u64), String> {
    let report = scratch.join("time.txt");
    let start = Instant::now();
    let status = Command::new("time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&report)
        .args(cmd)
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot run time {}: {e}", cmd.join(" ")))?;
    let elapsed = start.elapsed();
    if !status.success() {
        return Err(format!("{} failed: {status}", cmd.join(" ")));
    }
    let text = std::fs::read_to_string(&report).map_err(|e| e.to_string())?;
    let kib = text.lines().filter_map(|l| l.trim().parse::<u64>().ok()).next_back().ok_or("no max RSS from time")?;
    Ok((elapsed, kib))
}

fn available(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().map(|o| o.status.success()).unwrap_or(false)
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn run() -> Result<(), String> {
    let scratch = std::env::temp_dir().join(format!("fieldcheck-evidence-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let input = scratch.join("photo-12mp.jpg");
    let jpeg = photo_jpeg(4000, 3000)?;
    std::fs::write(&input, &jpeg).map_err(|e| e.to_string())?;
    println!("input: 4000x3000 JPEG q90 4:2:0, {:.2} MB", jpeg.len() as f64 / 1e6);
    if !available("time") {
        return Err("GNU time is needed (Debian package `time`)".into());
    }

    // In-process figure, without process start-up.
    let mut inproc: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let derived = derive(&jpeg, &Limits::default(), None);
            let elapsed = start.elapsed();
            derived.map(|_| elapsed).map_err(|e| e.to_string())
        })
        .collect::<Result<_, _>>()?;

    // The same photo held in portrait: EXIF orientation 6, so the rendition is turned upright too.
    let portrait = with_orientation_6(&jpeg);
    let mut portraits: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let derived = derive(&portrait, &Limits::default(), None);
            let elapsed = start.elapsed();
            match derived {
                Ok(d) if (d.rendition_width, d.rendition_height) == (1500, 2000) => Ok(elapsed),
                Ok(d) => Err(format!("portrait came out {}x{}", d.rendition_width, d.rendition_height)),
                Err(e) => Err(e.to_string()),
            }
        })
        .collect::<Result<_, _>>()?;

    // In-process full ingest: the same plus three fsynced blob writes (what the app pays per photo).
    let ingestor = Ingestor::new(BlobStore::open(scratch.join("blobs")).map_err(|e| e.to_string())?, Limits::default());
    let mut ingests: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let record = ingestor.ingest(&jpeg, capture_meta(), None);
            let elapsed = start.elapsed();
            // Remove the blobs so that every run writes them again.
            let _ = std::fs::remove_dir_all(scratch.join("blobs").join("sha256"));
            record.map(|_| elapsed).map_err(|e| e.to_string())
        })
        .collect::<Result<_, _>>()?;

    // Watermarks, side by side with no watermark in this process: the built-in font, then a CJK font.
    let mark = watermark();
    let time_derive = |font: Option<&WatermarkFont>, mark: Option<&Watermark>| -> Result<Duration, String> {
        let mut runs = (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                let derived = derive_with(&jpeg, &Limits::default(), mark, font);
                derived.map(|_| start.elapsed()).map_err(|e| e.to_string())
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(median(&mut runs))
    };
    let plain = time_derive(None, None)?;
    let builtin = time_derive(None, Some(&mark))?;
    let font_path = cjk_font();
    let cjk = match &font_path {
        Some(path) => {
            let start = Instant::now();
            let font = WatermarkFont::from_file(path, 0).map_err(|e| e.to_string())?;
            let load = start.elapsed();
            Some((load, time_derive(Some(&font), Some(&mark))?))
        }
        None => None,
    };

    let s = |x: &Path| x.to_string_lossy().into_owned();
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut contenders = vec![Contender {
        name: "fieldcheck (ours)",
        steps: vec![vec![s(&me), "--child".into(), s(&input), s(&scratch)]],
        startup: vec![s(&me), "--startup".into()],
        times: Vec::new(),
        startups: Vec::new(),
        peak_kib: 0,
    }];
    if let Some(font) = &font_path {
        contenders.push(Contender {
            name: "ours + CJK watermark",
            steps: vec![vec![s(&me), "--child".into(), s(&input), s(&scratch), s(font)]],
            startup: vec![s(&me), "--startup".into()],
            times: Vec::new(),
            startups: Vec::new(),
            peak_kib: 0,
        });
    } else {
        println!("no CJK font (Debian: fonts-wqy-microhei, or set FIELDCHECK_BENCH_FONT): watermark font rows skipped");
    }
    if available("vipsthumbnail") {
        contenders.push(Contender {
            name: "vipsthumbnail",
            steps: vec![
                vec![
                    "vipsthumbnail".into(),
                    s(&input),
                    "-s".into(),
                    "2000".into(),
                    "-o".into(),
                    format!("{}[Q=85]", s(&scratch.join("vips-r.jpg"))),
                ],
                vec![
                    "vipsthumbnail".into(),
                    s(&input),
                    "-s".into(),
                    "320".into(),
                    "-o".into(),
                    format!("{}[Q=80]", s(&scratch.join("vips-t.jpg"))),
                ],
            ],
            startup: vec!["vipsthumbnail".into(), "--version".into()],
            times: Vec::new(),
            startups: Vec::new(),
            peak_kib: 0,
        });
        // vips doing less than the others (the rendition only), to show the bar is not set low.
        contenders.push(Contender {
            name: "vips rendition only",
            steps: vec![vec![
                "vipsthumbnail".into(),
                s(&input),
                "-s".into(),
                "2000".into(),
                "-o".into(),
                format!("{}[Q=85]", s(&scratch.join("vips-r.jpg"))),
            ]],
            startup: vec!["vipsthumbnail".into(), "--version".into()],
            times: Vec::new(),
            startups: Vec::new(),
            peak_kib: 0,
        });
    } else {
        println!("vipsthumbnail not found (Debian: libvips-tools): skipped");
    }
    if available("convert") {
        contenders.push(Contender {
            name: "imagemagick convert",
            steps: vec![vec![
                "convert".into(),
                s(&input),
                "-resize".into(),
                "2000x2000".into(),
                "-quality".into(),
                "85".into(),
                "-write".into(),
                s(&scratch.join("im-r.jpg")),
                "-resize".into(),
                "320x320".into(),
                "-quality".into(),
                "80".into(),
                s(&scratch.join("im-t.jpg")),
            ]],
            startup: vec!["convert".into(), "-version".into()],
            times: Vec::new(),
            startups: Vec::new(),
            peak_kib: 0,
        });
    } else {
        println!("convert not found (Debian: imagemagick): skipped");
    }

    // Interleaved so that machine noise affects every contender alike; the first round warms caches.
    for round in 0..=RUNS {
        for c in contenders.iter_mut() {
            let mut total = Duration::ZERO;
            for step in &c.steps {
                let (t, kib) = timed(step, &scratch)?;
                total += t;
                c.peak_kib = c.peak_kib.max(kib);
            }
            let (startup, _) = timed(&c.startup, &scratch)?;
            if round > 0 {
                c.times.push(total);
                c.startups.push(startup * c.steps.len() as u32);
            }
        }
    }

    let sizes = |name: &str| -> String {
        image::image_dimensions(scratch.join(name)).map(|(w, h)| format!("{w}x{h}")).unwrap_or_else(|_| "-".into())
    };
    println!(
        "outputs: ours {} + {}, vips {} + {}, magick {} + {}",
        sizes("ours-rendition.jpg"),
        sizes("ours-thumb.jpg"),
        sizes("vips-r.jpg"),
        sizes("vips-t.jpg"),
        sizes("im-r.jpg"),
        sizes("im-t.jpg")
    );
    println!(
        "in-process derive, portrait (EXIF orientation 6, rotated): median {:.1} ms",
        median(&mut portraits).as_secs_f64() * 1e3
    );
    println!(
        "in-process ingest (derive + 3 fsynced blob writes): median {:.1} ms",
        median(&mut ingests).as_secs_f64() * 1e3
    );
    println!(
        "in-process derive (hash + rendition + thumbnail, no process start): median {:.1} ms",
        median(&mut inproc).as_secs_f64() * 1e3
    );
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "in-process derive with watermark, built-in font: median {:.1} ms ({:.3}x no watermark, {:.1} ms)",
        ms(builtin),
        ms(builtin) / ms(plain),
        ms(plain)
    );
    if let Some((load, with_font)) = cjk {
        println!(
            "in-process derive with watermark, CJK font: median {:.1} ms ({:.3}x no watermark); font load {:.1} ms once",
            ms(with_font),
            ms(with_font) / ms(plain),
            ms(load)
        );
    }
    let mut rows = Vec::new();
    for c in contenders.iter_mut() {
        let wall = median(&mut c.times).as_secs_f64() * 1e3;
        let net = (wall - median(&mut c.startups).as_secs_f64() * 1e3).max(0.0);
        rows.push((c.name, wall, net, c.peak_kib as f64 / 1024.0));
    }
    let base = rows.iter().find(|r| r.0 == "vipsthumbnail").copied();
    let ratio = |x: f64, b: Option<f64>| b.map(|b| format!("{:.2}x", x / b)).unwrap_or_else(|| "-".into());
    println!("median of {RUNS} runs       wall ms  vs vips   minus start-up ms  vs vips   peak RSS MiB  vs vips");
    for (name, wall, net, mib) in &rows {
        println!(
            "{name:<22} {wall:>10.1} {:>8} {net:>19.1} {:>8} {mib:>14.1} {:>8}",
            ratio(*wall, base.map(|b| b.1)),
            ratio(*net, base.map(|b| b.2)),
            ratio(*mib, base.map(|b| b.3)),
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}
