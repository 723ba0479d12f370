//! Trend pictures of stored history: an SVG chart (plotters' SVG backend writes `<text>` elements
//! and needs no fonts on the machine), a terminal sparkline, and a Mermaid `xychart-beta` block
//! that GitHub renders in PR comments.

use plotters::prelude::*;

use crate::model::{Direction, TrendPoint, Unit};

use super::format::short_sha;

/// Points shown in a Mermaid trend: GitHub renders long category axes poorly.
const MERMAID_MAX_POINTS: usize = 30;

/// Values that came before a point and are used as its reference level.
const REGRESSION_WINDOW: usize = 5;

/// One metric's trend, oldest first, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSeries {
    /// Metric id (the panel's caption).
    pub id: String,
    /// Unit of `values` (axis labels are scaled for people: `1.23 ms`).
    pub unit: Unit,
    /// Which way is better (only for the legend).
    pub direction: Direction,
    /// X-axis labels (short commit SHAs), parallel to `values`.
    pub labels: Vec<String>,
    /// The values, oldest first.
    pub values: Vec<f64>,
    /// Indices of points to mark as regressions.
    pub regressions: Vec<usize>,
    /// What a regression marker means, for the legend.
    pub regression_label: String,
    /// An absolute upper budget in the metric's unit, with its text (`max 2 ms`).
    pub budget_max: Option<(f64, String)>,
    /// An absolute lower budget in the metric's unit, with its text (`min 0.9`).
    pub budget_min: Option<(f64, String)>,
}

/// Indices of points that are worse than the median of the (up to five) points before them by
/// more than `threshold` (0.05 for 5 %), in the metric's direction. The first three points have
/// too little before them to judge.
pub fn regression_points(values: &[f64], direction: Direction, threshold: f64) -> Vec<usize> {
    let oriented: Vec<f64> = values.iter().map(|&v| direction.orient(v)).collect();
    (3..oriented.len())
        .filter(|&i| {
            let before: Vec<f64> = oriented[i.saturating_sub(REGRESSION_WINDOW)..i]
                .iter()
                .copied()
                .filter(|v| v.is_finite())
                .collect();
            if before.len() < 3 || !oriented[i].is_finite() {
                return false;
            }
            let level = crate::stats::describe::median(&before);
            level > 0.0 && oriented[i] > level * (1.0 + threshold)
        })
        .collect()
}

/// A unicode sparkline (`▁▂▃▄▅▆▇█`) of the values, oldest first; non-finite values are blanks.
pub fn sparkline(values: &[f64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let lo = finite.clone().fold(f64::INFINITY, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
    values
        .iter()
        .map(|&v| {
            if !v.is_finite() {
                ' '
            } else if hi - lo <= 0.0 {
                BARS[3]
            } else {
                let level = ((v - lo) / (hi - lo) * 7.0).round() as usize;
                BARS[level.min(7)]
            }
        })
        .collect()
}

/// A GitHub-renderable Mermaid `xychart-beta` block (a fenced code block ending in a newline) of a
/// metric's trend, oldest first, at most the last 30 points labelled by short SHA. Returns an
/// empty string when there is nothing to draw.
pub fn mermaid_trend(id: &str, points: &[TrendPoint]) -> String {
    let points: Vec<&TrendPoint> = points.iter().filter(|p| p.value.is_finite()).collect();
    let points = &points[points.len().saturating_sub(MERMAID_MAX_POINTS)..];
    if points.is_empty() {
        return String::new();
    }
    let labels: Vec<String> = points
        .iter()
        .map(|p| format!("\"{}\"", mermaid_label(short_sha(&p.commit), 12)))
        .collect();
    let values: Vec<String> = points.iter().map(|p| mermaid_number(p.value)).collect();
    format!(
        "```mermaid\nxychart-beta\n    title \"{}\"\n    x-axis [{}]\n    line [{}]\n```\n",
        mermaid_label(id, 80),
        labels.join(", "),
        values.join(", ")
    )
}

/// A label safe inside a quoted Mermaid string and a Markdown code fence: no quotes, brackets,
/// backticks or line breaks; at most `max` characters.
fn mermaid_label(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| match c {
            '"' | '[' | ']' | '`' | '\\' | ';' | '#' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let clean = clean.trim();
    if clean.chars().count() > max {
        let cut: String = clean.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        clean.to_string()
    }
}

/// Four significant digits in plain decimal notation (Mermaid does not read exponents).
fn mermaid_number(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let digits = (3 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Draws one panel per series, stacked, as an SVG document.
pub fn svg_chart(series: &[ChartSeries]) -> Result<String, String> {
    const WIDTH: u32 = 960;
    const PANEL_HEIGHT: u32 = 280;
    let mut svg = String::new();
    if series.is_empty() {
        return Err("no metric to draw".into());
    }
    {
        let height = PANEL_HEIGHT * series.len() as u32;
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let panels = root.split_evenly((series.len(), 1));
        for (panel, s) in panels.iter().zip(series) {
            draw_panel(panel, s).map_err(|e| format!("drawing {}: {e}", s.id))?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

type Panel<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

fn draw_panel(
    panel: &Panel<'_>,
    s: &ChartSeries,
) -> Result<(), DrawingAreaErrorKind<<SVGBackend<'static> as DrawingBackend>::ErrorType>> {
    let finite: Vec<f64> = s.values.iter().copied().filter(|v| v.is_finite()).collect();
    let limits = s
        .budget_max
        .iter()
        .chain(s.budget_min.iter())
        .map(|(v, _)| *v);
    let lo = finite
        .iter()
        .copied()
        .chain(limits.clone())
        .fold(f64::INFINITY, f64::min);
    let hi = finite
        .iter()
        .copied()
        .chain(limits)
        .fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if !lo.is_finite() || !hi.is_finite() || !(hi - lo).is_finite() {
        (0.0, 1.0)
    } else if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        let pad = (hi.abs() * 0.05).max(1e-9);
        (lo - pad, hi + pad)
    } else {
        // Headroom at the top keeps the legend clear of the data.
        let span = hi - lo;
        (lo - span * 0.08, hi + span * 0.35)
    };
    let n = s.values.len() as i32;
    let direction = match s.direction {
        Direction::Lower => "lower is better",
        Direction::Higher => "higher is better",
    };
    let caption = format!("{}  ({direction})", s.id);
    let mut chart = ChartBuilder::on(panel)
        .caption(caption, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(34)
        .y_label_area_size(86)
        .build_cartesian_2d(-1..n.max(1), lo..hi)?;
    let labels = &s.labels;
    let unit = s.unit;
    chart
        .configure_mesh()
        .x_labels((labels.len()).clamp(2, 12))
        .x_label_formatter(&|x: &i32| {
            usize::try_from(*x)
                .ok()
                .and_then(|i| labels.get(i))
                .cloned()
                .unwrap_or_default()
        })
        .y_labels(6)
        .y_label_formatter(&|y: &f64| unit.format(*y))
        .x_desc("commit (oldest → newest)")
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    let line_color = RGBColor(31, 119, 180);
    let points: Vec<(i32, f64)> = s
        .values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, v)| (i as i32, *v))
        .collect();
    chart
        .draw_series(LineSeries::new(points.clone(), line_color.stroke_width(2)))?
        .label("stored value")
        .legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 16, y)], line_color.stroke_width(2))
        });
    chart.draw_series(
        points
            .iter()
            .map(|&p| Circle::new(p, 3, line_color.filled())),
    )?;
    let red = RGBColor(214, 39, 40);
    let marked: Vec<(i32, f64)> = s
        .regressions
        .iter()
        .filter_map(|&i| {
            s.values
                .get(i)
                .filter(|v| v.is_finite())
                .map(|v| (i as i32, *v))
        })
        .collect();
    if !marked.is_empty() {
        chart
            .draw_series(
                marked
                    .iter()
                    .map(|&p| Circle::new(p, 7, red.stroke_width(2))),
            )?
            .label(s.regression_label.clone())
            .legend(move |(x, y)| Circle::new((x + 8, y), 5, red.stroke_width(2)));
        // Name the commit next to each marker: that is what a reader looks for.
        let font = ("sans-serif", 12).into_font().color(&red);
        chart.draw_series(marked.iter().map(|&(i, v)| {
            let label = usize::try_from(i)
                .ok()
                .and_then(|i| s.labels.get(i))
                .cloned()
                .unwrap_or_default();
            EmptyElement::at((i, v)) + Text::new(label, (9, -16), font.clone())
        }))?;
    }
    let budget_color = RGBColor(148, 103, 189);
    for (value, text) in s.budget_max.iter().chain(s.budget_min.iter()) {
        chart
            .draw_series(DashedLineSeries::new(
                vec![(-1, *value), (n.max(1), *value)],
                8,
                5,
                budget_color.stroke_width(2),
            ))?
            .label(format!("budget: {text}"))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], budget_color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .label_font(("sans-serif", 13))
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_span_the_range() {
        assert_eq!(sparkline(&[1.0, 2.0, 3.0]), "▁▅█");
        assert_eq!(sparkline(&[5.0, 5.0]), "▄▄");
        assert_eq!(sparkline(&[1.0, f64::NAN, 8.0]), "▁ █");
        assert_eq!(sparkline(&[]), "");
    }

    #[test]
    fn regressions_are_judged_in_the_metric_direction() {
        let v = [100.0, 101.0, 99.0, 100.0, 110.0, 100.0];
        assert_eq!(regression_points(&v, Direction::Lower, 0.05), vec![4]);
        let v = [100.0, 101.0, 99.0, 100.0, 90.0];
        assert_eq!(regression_points(&v, Direction::Higher, 0.05), vec![4]);
        assert!(regression_points(&v, Direction::Lower, 0.05).is_empty());
    }

    #[test]
    fn mermaid_blocks_are_sanitised() {
        let points: Vec<TrendPoint> = (0..40)
            .map(|i| TrendPoint {
                commit: format!("{i:040x}"),
                value: 1000.0 + f64::from(i) * 0.123_456,
            })
            .collect();
        let block = mermaid_trend("criterion/\"evil\"]`\nname", &points);
        assert!(block.starts_with("```mermaid\nxychart-beta\n"), "{block}");
        assert!(block.ends_with("```\n"));
        let title = block.lines().nth(2).unwrap();
        assert_eq!(title, "    title \"criterion/ evil    name\"");
        assert_eq!(block.matches("\"0000").count(), 30, "{block}");
        assert!(block.contains("line [1001"), "{block}");
        assert_eq!(mermaid_trend("x", &[]), "");
        assert_eq!(mermaid_number(0.000_123_456), "0.0001235");
        assert_eq!(mermaid_number(1_234_567.0), "1234567");
    }

    #[test]
    fn svg_charts_have_captions_and_budget_lines() {
        let s = ChartSeries {
            id: "criterion/parse".into(),
            unit: Unit::Nanoseconds,
            direction: Direction::Lower,
            labels: (0..8).map(|i| format!("c{i}")).collect(),
            values: vec![1e6, 1.01e6, 0.99e6, 1e6, 1.2e6, 1e6, f64::NAN, 1e6],
            regressions: vec![4],
            regression_label: "regression".into(),
            budget_max: Some((1.5e6, "max 1.5 ms".into())),
            budget_min: None,
        };
        let svg = svg_chart(&[s]).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..50]);
        assert!(svg.contains("criterion/parse"));
        assert!(svg.contains("budget: max 1.5 ms"));
        assert!(svg.contains("1.50 ms") || svg.contains("1.40 ms"));
        assert!(svg_chart(&[]).is_err());
    }
}
