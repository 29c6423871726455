//! Made-up township outlines for a generated county, and positions inside them: the generated county of the
//! load test (`examples/seed_county`) is drawn on its own outlines with every enterprise inside its
//! township. The outlines are a jittered grid (neighbours share their edges exactly, so townships neither
//! overlap nor leave gaps); positions are a Halton sequence over a township's box, kept when inside it.

use serde_json::json;

/// Longitude and latitude.
pub type Point = (f64, f64);

/// The county's box (west, south, east, north): around Yongkang.
const BOX: (f64, f64, f64, f64) = (119.88, 28.78, 120.30, 29.08);

/// A number in [-1, 1) from `a` and `b`, always the same for the same inputs.
fn jitter(a: usize, b: usize, salt: u64) -> f64 {
    let mut x = (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (b as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F) ^ salt;
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    (x >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

/// The outline rings (closed: the first point repeated last) of `n` townships on a jittered grid.
pub fn rings(n: usize) -> Vec<Vec<Point>> {
    let cols = (n as f64).sqrt().ceil().max(1.0) as usize;
    let rows = n.div_ceil(cols).max(1);
    let (w, s, e, north) = BOX;
    let (dx, dy) = ((e - w) / cols as f64, (north - s) / rows as f64);
    // Grid corners, the inner ones moved by up to a fifth of a cell.
    let corner = |i: usize, j: usize| -> Point {
        let inner = |k: usize, last: usize| k > 0 && k < last;
        let (mut x, mut y) = (w + i as f64 * dx, s + j as f64 * dy);
        if inner(i, cols) {
            x += 0.2 * dx * jitter(i, j, 1);
        }
        if inner(j, rows) {
            y += 0.2 * dy * jitter(i, j, 2);
        }
        (x, y)
    };
    // The middle of the edge between two corners, pushed sideways by up to a tenth of a cell unless it is on
    // the county's border; keyed by the edge, so both townships that share it get the same point.
    let middle = |a: (usize, usize), b: (usize, usize)| -> Point {
        let (p, q) = (corner(a.0, a.1), corner(b.0, b.1));
        let (mx, my) = ((p.0 + q.0) / 2.0, (p.1 + q.1) / 2.0);
        let border = (a.0 == b.0 && (a.0 == 0 || a.0 == cols)) || (a.1 == b.1 && (a.1 == 0 || a.1 == rows));
        if border {
            return (mx, my);
        }
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let k = jitter(lo.0 * 1000 + lo.1, hi.0 * 1000 + hi.1, 3) * 0.1;
        if a.0 == b.0 { (mx + k * dx, my) } else { (mx, my + k * dy) }
    };
    (0..n)
        .map(|t| {
            let (i, j) = (t % cols, t / cols);
            let c = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
            let mut ring = Vec::with_capacity(9);
            for k in 0..4 {
                let (a, b) = (c[k], c[(k + 1) % 4]);
                ring.push(corner(a.0, a.1));
                ring.push(middle(a, b));
            }
            ring.push(ring[0]);
            ring
        })
        .collect()
}

/// The outlines as GeoJSON, one feature per township (`code`, `name`), in the order given.
pub fn outlines(townships: &[(String, String)]) -> serde_json::Value {
    let features: Vec<serde_json::Value> = townships
        .iter()
        .zip(rings(townships.len()))
        .map(|((code, name), ring)| {
            let coordinates: Vec<[f64; 2]> = ring.iter().map(|(x, y)| [*x, *y]).collect();
            json!({
                "type": "Feature",
                "properties": { "code": code, "name": name },
                "geometry": { "type": "Polygon", "coordinates": [coordinates] },
            })
        })
        .collect();
    json!({ "type": "FeatureCollection", "note": "generated for a made-up county (map::county), not survey data", "features": features })
}

/// Whether `p` lies inside the closed `ring` (even-odd rule).
pub fn contains(ring: &[Point], p: Point) -> bool {
    let mut inside = false;
    for w in ring.windows(2) {
        let ((x1, y1), (x2, y2)) = (w[0], w[1]);
        if (y1 > p.1) != (y2 > p.1) && p.0 < x1 + (p.1 - y1) / (y2 - y1) * (x2 - x1) {
            inside = !inside;
        }
    }
    inside
}

/// The `k`th number of the base-`b` van der Corput sequence, in [0, 1).
fn radical_inverse(mut k: usize, b: usize) -> f64 {
    let (mut out, mut f) = (0.0, 1.0 / b as f64);
    while k > 0 {
        out += f * (k % b) as f64;
        k /= b;
        f /= b as f64;
    }
    out
}

/// `n` positions inside `ring`, spread evenly (the Halton points of its box that fall inside).
pub fn positions(ring: &[Point], n: usize) -> Vec<Point> {
    let (mut w, mut s, mut e, mut north) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (x, y) in ring {
        (w, s, e, north) = (w.min(*x), s.min(*y), e.max(*x), north.max(*y));
    }
    let mut out = Vec::with_capacity(n);
    let mut k = 1;
    while out.len() < n {
        let p = (w + (e - w) * radical_inverse(k, 2), s + (north - s) * radical_inverse(k, 3));
        if contains(ring, p) {
            out.push(p);
        }
        k += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_position_is_inside_its_own_township_and_no_other() {
        for n in [16, 23] {
            let rings = rings(n);
            for (t, ring) in rings.iter().enumerate() {
                for p in positions(ring, 320) {
                    assert!(contains(ring, p), "township {t} of {n}: {p:?} outside");
                    let others = rings.iter().enumerate().filter(|(u, r)| *u != t && contains(r, p)).count();
                    assert_eq!(others, 0, "township {t} of {n}: {p:?} also inside another township");
                }
            }
        }
    }

    #[test]
    fn the_outlines_are_named_polygons_the_platform_accepts() {
        let towns: Vec<(String, String)> = (0..16).map(|i| (format!("3307840{i:02}"), format!("乡镇{i}"))).collect();
        let v = outlines(&towns);
        super::super::check_outlines(&v).expect("accepted");
        assert_eq!(v["features"].as_array().map(Vec::len), Some(16));
    }

    #[test]
    fn contains_follows_the_even_odd_rule() {
        let square = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)];
        assert!(contains(&square, (0.5, 0.5)));
        assert!(!contains(&square, (1.5, 0.5)) && !contains(&square, (0.5, -0.1)));
    }
}
