//! SVG figures the command line writes for docs/results: a line plot of errors against code size,
//! and a scatter of 2-D embeddings coloured by class. Drawn with `plotters`' SVG backend.

use std::path::Path;

use plotters::prelude::*;

use aestudio::AeError;

/// Ten distinguishable class colours (Tableau 10).
const CLASS_COLOURS: [RGBColor; 10] = [
    RGBColor(78, 121, 167),
    RGBColor(242, 142, 43),
    RGBColor(225, 87, 89),
    RGBColor(118, 183, 178),
    RGBColor(89, 161, 79),
    RGBColor(237, 201, 72),
    RGBColor(176, 122, 161),
    RGBColor(255, 157, 167),
    RGBColor(156, 117, 95),
    RGBColor(186, 176, 172),
];

fn drawing_error(err: impl std::fmt::Display) -> AeError {
    AeError::Data(format!("could not draw the figure: {err}"))
}

/// A named series of `(x, y)` points.
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// Lines with markers on log-log axes (code sizes and errors both span decades).
pub fn log_log_lines(path: &Path, title: &str, x_label: &str, y_label: &str, series: &[Series]) -> Result<(), AeError> {
    let points = series.iter().flat_map(|s| s.points.iter());
    // Ticks at the data's own x values (code sizes), and at 1-2-5 steps on y: a log axis over less
    // than a decade would otherwise have no labelled tick at all.
    let mut x_ticks: Vec<f64> = series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).collect();
    x_ticks.sort_by(f64::total_cmp);
    x_ticks.dedup();
    let (x_min, x_max, y_min, y_max) = points.fold((f64::MAX, f64::MIN, f64::MAX, f64::MIN), |(a, b, c, d), &(x, y)| (a.min(x), b.max(x), c.min(y), d.max(y)));
    let root = SVGBackend::new(path, (720, 440)).into_drawing_area();
    root.fill(&WHITE).map_err(drawing_error)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(
            (x_min / 1.2..x_max * 1.2).log_scale().with_key_points(x_ticks),
            (y_min / 1.3..y_max * 1.3).log_scale().with_key_points(round_ticks(y_min / 1.3, y_max * 1.3)),
        )
        .map_err(drawing_error)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .x_label_formatter(&|x| format!("{x}"))
        .y_label_formatter(&|y| format!("{y}"))
        .draw()
        .map_err(drawing_error)?;
    for (index, s) in series.iter().enumerate() {
        let colour = CLASS_COLOURS[index % CLASS_COLOURS.len()];
        chart
            .draw_series(LineSeries::new(s.points.iter().copied(), colour.stroke_width(2)))
            .map_err(drawing_error)?
            .label(&s.name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
        chart.draw_series(s.points.iter().map(|&point| Circle::new(point, 4, colour.filled()))).map_err(drawing_error)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(drawing_error)?;
    root.present().map_err(drawing_error)
}

/// The 1-2-5 values (0.01, 0.02, 0.05, 0.1...) between `low` and `high`.
fn round_ticks(low: f64, high: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    let mut decade = 10f64.powf(low.log10().floor());
    while decade <= high {
        for step in [1.0, 2.0, 5.0] {
            let tick = step * decade;
            if tick >= low && tick <= high {
                // Rounded so the labels print as 0.02, not 0.020000000000000004.
                ticks.push(format!("{tick:.6}").parse().expect("a formatted number parses"));
            }
        }
        decade *= 10.0;
    }
    ticks
}

/// Points of a 2-D embedding, one colour per class label, with a legend of the classes.
pub fn class_scatter(path: &Path, title: &str, points: &[[f32; 2]], labels: &[u8], class_names: &[&str]) -> Result<(), AeError> {
    let (x_min, x_max, y_min, y_max) =
        points.iter().fold((f32::MAX, f32::MIN, f32::MAX, f32::MIN), |(a, b, c, d), p| (a.min(p[0]), b.max(p[0]), c.min(p[1]), d.max(p[1])));
    let root = SVGBackend::new(path, (520, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(drawing_error)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(40)
        .build_cartesian_2d(x_min..x_max, y_min..y_max)
        .map_err(drawing_error)?;
    chart.configure_mesh().disable_mesh().draw().map_err(drawing_error)?;
    for (class, name) in class_names.iter().enumerate() {
        let colour = CLASS_COLOURS[class % CLASS_COLOURS.len()];
        let members = points.iter().zip(labels).filter(|&(_, &label)| label as usize == class);
        chart
            .draw_series(members.map(|(p, _)| Circle::new((p[0], p[1]), 2, colour.mix(0.55).filled())))
            .map_err(drawing_error)?
            .label(*name)
            .legend(move |(x, y)| Circle::new((x + 6, y), 4, colour.filled()));
    }
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw().map_err(drawing_error)?;
    root.present().map_err(drawing_error)
}
