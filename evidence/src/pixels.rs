//! An 8-bit RGB pixel buffer, the one form every decoder's output is turned into.

/// Packed RGB, row-major, 3 bytes a pixel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rgb {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl Rgb {
    /// A buffer of the given size filled with one colour.
    pub fn filled(width: u32, height: u32, colour: [u8; 3]) -> Self {
        let n = width as usize * height as usize;
        let mut data = Vec::with_capacity(n * 3);
        for _ in 0..n {
            data.extend_from_slice(&colour);
        }
        Self { width, height, data }
    }

    /// The longer side.
    pub fn long_edge(&self) -> u32 {
        self.width.max(self.height)
    }

    /// The pixel at (x, y); callers stay in bounds.
    pub fn get(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }
}

/// Size that fits `width` x `height` within `long_edge` on the longer side, keeping the aspect ratio.
pub fn fit_within(width: u32, height: u32, long_edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= long_edge {
        return (width, height);
    }
    let scale =
        |side: u32| ((u64::from(side) * u64::from(long_edge) + u64::from(long) / 2) / u64::from(long)).max(1) as u32;
    if width >= height { (long_edge, scale(height)) } else { (scale(width), long_edge) }
}
