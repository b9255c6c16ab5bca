//! Drawings to MNIST inputs: boxed to 20 pixels, centred by mass, whatever the size and place of
//! the drawn digit.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

mod common;
use common::mnist;

fn correlation(a: &[f32], b: &[f32]) -> f64 {
    let mean = |x: &[f32]| x.iter().map(|v| *v as f64).sum::<f64>() / x.len() as f64;
    let (ma, mb) = (mean(a), mean(b));
    let (mut num, mut da, mut db) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (*x as f64 - ma, *y as f64 - mb);
        num += x * y;
        da += x * x;
        db += y * y;
    }
    num / (da * db).sqrt()
}

#[test]
fn a_drawing_is_boxed_to_20_pixels_and_centred_by_mass() {
    use aestudio::data::preprocess::to_mnist;
    // A 100x50 bar of ink somewhere on a 300x200 canvas.
    let (width, height) = (300, 200);
    let mut canvas = vec![0.0f32; width * height];
    for y in 120..170 {
        for x in 30..130 {
            canvas[y * width + x] = 1.0;
        }
    }
    let image = to_mnist(&canvas, width, height).unwrap();
    let inked: Vec<(usize, usize)> = (0..784).filter(|&i| image[i] > 0.0).map(|i| (i % 28, i / 28)).collect();
    let span = |f: fn(&(usize, usize)) -> usize| inked.iter().map(f).max().unwrap() - inked.iter().map(f).min().unwrap() + 1;
    assert_eq!((span(|p| p.0), span(|p| p.1)), (20, 10), "the longer side becomes 20 pixels, aspect kept");
    let mass: f64 = image.iter().map(|v| *v as f64).sum();
    assert!((mass - 200.0).abs() < 1e-3, "area averaging keeps the ink: {mass}");
    let centre = |axis: fn(usize) -> usize| image.iter().enumerate().map(|(i, v)| *v as f64 * axis(i) as f64).sum::<f64>() / mass;
    assert!((centre(|i| i % 28) - 13.5).abs() <= 0.5 && (centre(|i| i / 28) - 13.5).abs() <= 0.5);
    assert!(to_mnist(&vec![0.0; 64], 8, 8).unwrap().iter().all(|v| *v == 0.0), "no ink, empty image");
    assert!(to_mnist(&[0.0; 10], 4, 4).unwrap_err().to_string().contains("16 pixels"));
    assert!(to_mnist(&[], 0, 4).is_err());
}

#[test]
fn preprocessing_ignores_where_and_how_large_a_digit_is_drawn() {
    use aestudio::data::preprocess::to_mnist;
    // Real digits drawn on a 400x300 canvas: at two places, and at two sizes.
    let draw = |digit: &[f32], scale: usize, left: usize, top: usize| {
        let (width, height) = (400, 300);
        let mut canvas = vec![0.0f32; width * height];
        for y in 0..28 * scale {
            for x in 0..28 * scale {
                canvas[(top + y) * width + left + x] = digit[(y / scale) * 28 + x / scale];
            }
        }
        to_mnist(&canvas, width, height).unwrap()
    };
    let test = &mnist().test;
    for index in 0..10 {
        let digit: Vec<f32> = test.image(index).iter().map(|&p| p as f32 / 255.0).collect();
        let here = draw(&digit, 5, 10, 20);
        assert_eq!(here, draw(&digit, 5, 230, 140), "digit {index}: the place does not matter");
        let larger = draw(&digit, 9, 100, 30);
        let r = correlation(&here, &larger);
        assert!(r > 0.95, "digit {index}: the size barely matters (correlation {r:.3})");
        assert!(correlation(&digit, &here) > 0.3, "digit {index} still looks like itself");
    }
}
