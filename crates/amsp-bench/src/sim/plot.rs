//! Small PNG charts for the simulation report: line charts of series over
//! time (pop-in, bytes in flight, resident memory against the budget) and
//! top-down maps of the world. Labels, legends and numbers go in the HTML
//! around them; the images carry the shapes, a light grid and the series'
//! colours.

use std::io;

use image::{Rgb, RgbImage};

/// A series to draw: its colour and its points (x, y).
#[derive(Debug, Clone)]
pub struct Series<'a> {
    /// Line colour.
    pub color: [u8; 3],
    /// Points, in increasing x.
    pub points: &'a [(f32, f32)],
}

/// Colours of the strategies and reference lines in every chart.
pub const PALETTE: [[u8; 3]; 5] =
    [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [120, 120, 120]];

const MARGIN: u32 = 8;

/// A line chart of `series` on a `width × height` image, every series on
/// the same axes: x from the smallest to the largest x of all points, y
/// from 0 to the largest y (or `y_max` when given). Returns PNG bytes.
///
/// # Errors
/// When the image cannot be encoded.
pub fn line_chart(
    series: &[Series<'_>],
    width: u32,
    height: u32,
    y_max: Option<f32>,
) -> io::Result<Vec<u8>> {
    let mut img = RgbImage::from_pixel(width, height, Rgb([255, 255, 255]));
    let all = || series.iter().flat_map(|s| s.points.iter());
    let x_min = all().map(|p| p.0).fold(f32::INFINITY, f32::min);
    let x_max = all().map(|p| p.0).fold(f32::NEG_INFINITY, f32::max);
    let y_top = y_max.unwrap_or_else(|| all().map(|p| p.1).fold(0.0, f32::max)).max(1e-9);
    let (w, h) = ((width - 2 * MARGIN) as f32, (height - 2 * MARGIN) as f32);
    for k in 0..=4 {
        let y = MARGIN + (h * k as f32 / 4.0) as u32;
        for x in MARGIN..width - MARGIN {
            img.put_pixel(x, y.min(height - 1), Rgb([225, 225, 225]));
        }
    }
    if x_max > x_min {
        let to_px = |(x, y): (f32, f32)| {
            let px = MARGIN as f32 + (x - x_min) / (x_max - x_min) * w;
            let py = MARGIN as f32 + h - (y / y_top).clamp(0.0, 1.0) * h;
            (px, py)
        };
        for s in series {
            for pair in s.points.windows(2) {
                line(&mut img, to_px(pair[0]), to_px(pair[1]), s.color);
            }
        }
    }
    png(&img)
}

/// A top-down map of a square world of side `side`: `points` (x, z, colour)
/// as dots, and `observer` (x, z) as a black cross. Returns PNG bytes.
///
/// # Errors
/// When the image cannot be encoded.
pub fn map(
    side: f32,
    size: u32,
    points: impl Iterator<Item = (f32, f32, [u8; 3])>,
    observer: (f32, f32),
) -> io::Result<Vec<u8>> {
    let mut img = RgbImage::from_pixel(size, size, Rgb([250, 250, 245]));
    let scale = size as f32 / side.max(1e-3);
    let to_px = |x: f32, z: f32| ((x * scale) as i64, (z * scale) as i64);
    for (x, z, color) in points {
        let (px, py) = to_px(x, z);
        if (0..size as i64).contains(&px) && (0..size as i64).contains(&py) {
            img.put_pixel(px as u32, py as u32, Rgb(color));
        }
    }
    let (ox, oz) = to_px(observer.0, observer.1);
    for d in -6..=6 {
        for (x, y) in [(ox + d, oz), (ox, oz + d)] {
            if (0..size as i64).contains(&x) && (0..size as i64).contains(&y) {
                img.put_pixel(x as u32, y as u32, Rgb([0, 0, 0]));
            }
        }
    }
    png(&img)
}

/// A two-pixel-wide line from `a` to `b` (simple DDA).
fn line(img: &mut RgbImage, a: (f32, f32), b: (f32, f32), color: [u8; 3]) {
    let steps = (b.0 - a.0).abs().max((b.1 - a.1).abs()).ceil().max(1.0) as u32;
    for i in 0..=steps {
        let t = i as f32 / steps as f32;
        let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
        for (dx, dy) in [(0.0, 0.0), (0.0, 1.0)] {
            let (px, py) = ((x + dx) as i64, (y + dy) as i64);
            if px >= 0 && py >= 0 && (px as u32) < img.width() && (py as u32) < img.height() {
                img.put_pixel(px as u32, py as u32, Rgb(color));
            }
        }
    }
}

fn png(img: &RgbImage) -> io::Result<Vec<u8>> {
    crate::textures::encode_png(
        img.as_raw(),
        img.width(),
        img.height(),
        image::ExtendedColorType::Rgb8,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(png: &[u8]) -> RgbImage {
        image::load_from_memory(png).unwrap().to_rgb8()
    }

    #[test]
    fn a_line_chart_draws_each_series_in_its_colour() {
        let rising: Vec<(f32, f32)> = (0..=10).map(|i| (i as f32, i as f32)).collect();
        let flat: Vec<(f32, f32)> = (0..=10).map(|i| (i as f32, 2.0)).collect();
        let png = line_chart(
            &[
                Series { color: PALETTE[0], points: &rising },
                Series { color: PALETTE[1], points: &flat },
            ],
            200,
            100,
            None,
        )
        .unwrap();
        let img = decode(&png);
        assert_eq!(img.dimensions(), (200, 100));
        // The rising line ends top right, the flat one sits at 20% height.
        assert_eq!(img.get_pixel(191, 8).0, PALETTE[0]);
        let flat_y = 8 + (84.0 * 0.8) as u32;
        assert!((0..3).any(|d| img.get_pixel(100, flat_y - 1 + d).0 == PALETTE[1]));
    }

    #[test]
    fn a_map_puts_points_where_they_are() {
        let png =
            map(1000.0, 100, [(500.0, 250.0, [9, 9, 9])].into_iter(), (100.0, 100.0)).unwrap();
        let img = decode(&png);
        assert_eq!(img.get_pixel(50, 25).0, [9, 9, 9]);
        assert_eq!(img.get_pixel(10, 10).0, [0, 0, 0]);
    }
}
