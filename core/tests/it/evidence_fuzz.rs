//! Damaged photos never crash ingest: random byte flips and cuts give a result or a typed error.

use crate::evidence_common;

use evidence_common::*;
use fieldcheck_core::evidence::{Limits, derive};
use image::ImageFormat;
use proptest::prelude::*;
use std::sync::OnceLock;

fn samples() -> &'static [Vec<u8>; 4] {
    static SAMPLES: OnceLock<[Vec<u8>; 4]> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        let image = photo(96, 64);
        [
            jpeg(&image),
            with_exif(&jpeg(&image), &exif_orientation(6, b"sample")),
            encode(&image, ImageFormat::Png),
            encode(&image, ImageFormat::WebP),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn damaged_images_give_a_result_or_an_error(
        which in 0usize..4,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = samples()[which].clone();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        if let Ok(derived) = derive(&bytes, &Limits::default(), None) {
            prop_assert!(derived.rendition_width.max(derived.rendition_height) <= 2048);
            prop_assert!(!derived.thumbnail.is_empty());
        }
    }
}
