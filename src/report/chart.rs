//! Trend pictures of stored history: an SVG chart (plotters' SVG backend writes `<text>` elements
//! and needs no fonts on the machine), a terminal sparkline, and a Mermaid `xychart-beta` block
//! that GitHub renders in PR comments.

use plotters::prelude::*;

use crate::model::{Dimension, Direction, Quantity, TrendPoint, Unit};

use super::format::short_sha;
use super::MetricResult;

/// Points shown in a Mermaid trend: GitHub renders long category axes poorly.
const MERMAID_MAX_POINTS: usize = 15;

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

/// Indices of the change points of regressions: points worse than the median of the (up to
/// five) points before them by more than `threshold` (0.05 for 5 %), in the metric's direction,
/// whose own predecessor was not. A step that stays is marked once, where it happened, not again
/// on the next points while the median catches up. The first three points have too little
/// before them to judge.
pub fn regression_points(values: &[f64], direction: Direction, threshold: f64) -> Vec<usize> {
    let worse = worse_than_before(values, direction, threshold);
    (0..values.len())
        .filter(|&i| worse[i] && (i == 0 || !worse[i - 1]))
        .collect()
}

/// For each point: whether it is worse than the median of the points before it (see
/// [`regression_points`]).
fn worse_than_before(values: &[f64], direction: Direction, threshold: f64) -> Vec<bool> {
    let oriented: Vec<f64> = values.iter().map(|&v| direction.orient(v)).collect();
    (0..oriented.len())
        .map(|i| {
            if i < 3 {
                return false;
            }
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

/// A GitHub-renderable Mermaid `xychart-beta` block (a fenced code block ending in a newline)
/// answering "did this pull request move it": the stored trend (the last points, labelled by
/// short SHA), then this pull request's head value as the last point, labelled `PR`; the values
/// in one scaled unit named on the y axis (`µs`, not raw ns); the budget as a second, flat line
/// when the metric has one that can be drawn (`max`, `min`, or `max-regression` on the base); and
/// a y range that shows the budget and never blows run-to-run noise up to the full height.
/// Returns an empty string when there is nothing to draw.
pub fn mermaid_trend(result: &MetricResult, points: &[TrendPoint]) -> String {
    let mut series: Vec<(String, f64)> = points
        .iter()
        .filter(|p| p.value.is_finite())
        .map(|p| (short_sha(&p.commit).to_string(), p.value))
        .collect();
    series = series.split_off(series.len().saturating_sub(MERMAID_MAX_POINTS));
    if let Some(h) = result
        .head
        .filter(|h| h.value.is_finite() && result.failure.is_none())
    {
        series.push(("PR".to_string(), h.value));
    }
    if series.is_empty() {
        return String::new();
    }
    let limit = budget_limit(result);
    let unit = result.unit;
    let magnitude = series
        .iter()
        .map(|(_, v)| v.abs())
        .chain(limit.as_ref().map(|(v, _)| v.abs()))
        .fold(0.0, f64::max);
    let (factor, symbol) = display_scale(unit, magnitude);
    let values: Vec<f64> = series.iter().map(|(_, v)| v / factor).collect();
    let limit_scaled = limit.map(|(v, text)| (v / factor, text));
    let (lo, hi) = y_range(
        values
            .iter()
            .copied()
            .chain(limit_scaled.as_ref().map(|(v, _)| *v)),
    );
    let labels: Vec<String> = series
        .iter()
        .map(|(l, _)| format!("\"{}\"", mermaid_label(l, 12)))
        .collect();
    let line = |vs: &[f64]| {
        vs.iter()
            .map(|v| mermaid_number(*v))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut title = result.id.clone();
    if let (Some(h), Some(c)) = (result.head, result.change) {
        title.push_str(&format!(
            ": PR {} ({})",
            unit.format(h.value),
            super::format::percent_signed(c)
        ));
    }
    if let Some((_, text)) = &limit_scaled {
        title.push_str(&format!(", budget {text}"));
    }
    let mut out = format!(
        "```mermaid\nxychart-beta\n    title \"{}\"\n    x-axis [{}]\n    y-axis \"{}\" {} --> {}\n    line [{}]\n",
        mermaid_label(&title, 100),
        labels.join(", "),
        mermaid_label(symbol, 12),
        mermaid_number(lo),
        mermaid_number(hi),
        line(&values),
    );
    if let Some((v, _)) = limit_scaled {
        out.push_str(&format!("    line [{}]\n", line(&vec![v; values.len()])));
    }
    out.push_str("```\n");
    out
}

/// The budget a trend can draw, in the metric's unit, with its text: an absolute `max` or
/// `min`, else a `max-regression` put on the base value.
fn budget_limit(result: &MetricResult) -> Option<(f64, String)> {
    for rule in &result.rules {
        let text = rule.rule.as_str();
        let absolute = text
            .strip_prefix("max ")
            .or_else(|| text.strip_prefix("min "));
        if let Some(q) = absolute {
            if let Ok(v) = Quantity::parse(q).and_then(|q| q.in_unit(result.unit, &result.id)) {
                return Some((v, text.to_string()));
            }
        }
    }
    let base = result.base?.value;
    result.rules.iter().find_map(|rule| {
        let pct = rule.rule.strip_prefix("max-regression ")?;
        let b = Quantity::parse(pct).ok()?.base_value;
        let v = match result.direction {
            Direction::Lower => base * (1.0 + b),
            Direction::Higher => base / (1.0 + b),
        };
        (v.is_finite() && b.is_finite()).then(|| (v, rule.rule.clone()))
    })
}

/// The factor to divide values by and the unit symbol to show, for values up to `magnitude`.
fn display_scale(unit: Unit, magnitude: f64) -> (f64, &'static str) {
    let pick = |value: f64, scales: &[(f64, &'static str)]| {
        scales
            .iter()
            .find(|(f, _)| value >= *f)
            .or(scales.last())
            .copied()
            .unwrap_or((1.0, ""))
    };
    match unit.dimension() {
        Dimension::Time => {
            let (f, s) = pick(
                magnitude * unit.to_base(),
                &[(1e9, "s"), (1e6, "ms"), (1e3, "µs"), (1.0, "ns")],
            );
            (f / unit.to_base(), s)
        }
        Dimension::Bytes => pick(
            magnitude,
            &[(1024.0 * 1024.0, "MiB"), (1024.0, "KiB"), (1.0, "B")],
        ),
        Dimension::ByteRate => pick(
            magnitude,
            &[(1024.0 * 1024.0, "MiB/s"), (1024.0, "KiB/s"), (1.0, "B/s")],
        ),
        Dimension::Rate => (1.0, "per second"),
        Dimension::Fraction if unit == Unit::Fraction => (0.01, "%"),
        Dimension::Fraction => (1.0, "score"),
        Dimension::Number if unit == Unit::Count => (1.0, "count"),
        Dimension::Number => (1.0, "value"),
    }
}

/// The y range of a chart: every value and the budget, padded; never narrower than a quarter of
/// the values' level, so a few percent of noise stays a few percent of the height.
fn y_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let level = lo.abs().max(hi.abs());
    let min_span = (level * MIN_SPAN).max(1e-12);
    let span = (hi - lo).max(min_span);
    let mid = (hi + lo) / 2.0;
    let (bottom, top) = (mid - span * 0.6, mid + span * 0.6);
    // Values that are all positive are not drawn against a negative axis.
    let bottom = if lo >= 0.0 { bottom.max(0.0) } else { bottom };
    (bottom, top)
}

/// The y range never spans less than this share of the values' level.
const MIN_SPAN: f64 = 0.25;

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

/// Why a chart cannot be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChartError {
    /// The selection holds no metric.
    #[error("no metric to draw")]
    Empty,
    /// The drawing library failed.
    #[error("{0}")]
    Drawing(String),
}

/// Draws one panel per series, stacked, as an SVG document.
pub fn svg_chart(series: &[ChartSeries]) -> Result<String, ChartError> {
    const WIDTH: u32 = 960;
    const PANEL_HEIGHT: u32 = 280;
    let mut svg = String::new();
    if series.is_empty() {
        return Err(ChartError::Empty);
    }
    {
        let height = PANEL_HEIGHT * series.len() as u32;
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| ChartError::Drawing(e.to_string()))?;
        let panels = root.split_evenly((series.len(), 1));
        for (panel, s) in panels.iter().zip(series) {
            draw_panel(panel, s)
                .map_err(|e| ChartError::Drawing(format!("drawing {}: {e}", s.id)))?;
        }
        root.present()
            .map_err(|e| ChartError::Drawing(e.to_string()))?;
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
    } else {
        // Never narrower than a quarter of the level: ±3 % of noise must not fill the panel.
        let span = (hi - lo).max(lo.abs().max(hi.abs()) * MIN_SPAN).max(1e-9);
        let mid = (hi + lo) / 2.0;
        let (l, h) = (mid - span / 2.0, mid + span / 2.0);
        // Headroom at the top keeps the legend clear of the data.
        let bottom = l - span * 0.08;
        let bottom = if lo >= 0.0 { bottom.max(0.0) } else { bottom };
        (bottom, h + span * 0.35)
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

    fn result(id: &str, unit: Unit, base: f64, head: f64, rule: &str) -> MetricResult {
        use crate::report::{Details, Kind, RuleOutcome, SideValue, Status};
        MetricResult {
            id: id.into(),
            unit,
            direction: Direction::Lower,
            base: Some(SideValue { value: base, n: 10 }),
            head: Some(SideValue { value: head, n: 10 }),
            change: Some(head / base - 1.0),
            ci: None,
            p: None,
            q: None,
            status: Status::Fail,
            kind: Kind::Regression,
            rules: vec![RuleOutcome {
                rule: rule.into(),
                ok: Some(false),
                source: None,
                message: None,
                waived: None,
            }],
            method: "yuen-log".into(),
            details: Details::default(),
            failure: None,
        }
    }

    #[test]
    fn mermaid_blocks_are_sanitised() {
        let points: Vec<TrendPoint> = (0..40)
            .map(|i| TrendPoint {
                commit: format!("{i:040x}"),
                value: 1000.0 + f64::from(i) * 0.123_456,
            })
            .collect();
        let r = result(
            "criterion/\"evil\"]`\nname",
            Unit::Unitless,
            1000.0,
            1001.0,
            "max-regression 5 %",
        );
        let block = mermaid_trend(&r, &points);
        assert!(block.starts_with("```mermaid\nxychart-beta\n"), "{block}");
        assert!(block.ends_with("```\n"));
        let title = block.lines().nth(2).unwrap();
        assert!(
            title.starts_with("    title \"criterion/ evil    name: PR"),
            "{title}"
        );
        assert_eq!(
            block.matches("\"0000").count(),
            MERMAID_MAX_POINTS,
            "{block}"
        );
        let mut r = r;
        r.head = None;
        assert_eq!(mermaid_trend(&r, &[]), "");
        assert_eq!(mermaid_number(0.000_123_456), "0.0001235");
        assert_eq!(mermaid_number(1_234_567.0), "1234567");
    }

    #[test]
    fn mermaid_trend_marks_the_pr_in_scaled_units_with_the_budget() {
        // Stored in ns around 13 µs; the pull request measured 23.8 µs against a 5 % budget.
        let points: Vec<TrendPoint> = (0..6)
            .map(|i| TrendPoint {
                commit: format!("{i:040x}"),
                value: 13_000.0 + f64::from(i) * 20.0,
            })
            .collect();
        let r = result(
            "criterion/parse",
            Unit::Nanoseconds,
            13_100.0,
            23_800.0,
            "max-regression 5 %",
        );
        let block = mermaid_trend(&r, &points);
        let x_axis = block.lines().find(|l| l.contains("x-axis")).unwrap();
        assert!(x_axis.ends_with(", \"PR\"]"), "{block}");
        let y_axis = block.lines().find(|l| l.contains("y-axis")).unwrap();
        assert!(y_axis.contains("\"µs\""), "{block}");
        let lines: Vec<&str> = block
            .lines()
            .filter(|l| l.trim_start().starts_with("line ["))
            .collect();
        assert_eq!(lines.len(), 2, "data and budget: {block}");
        assert!(lines[0].ends_with(", 23.8]"), "{block}");
        // The budget line sits at base + 5 %: 13.76 µs.
        assert!(lines[1].starts_with("    line [13.76"), "{block}");
        // The axis reaches the PR's value.
        let top: f64 = y_axis.rsplit("--> ").next().unwrap().parse().unwrap();
        assert!(top >= 23.8, "{block}");
        // An absolute limit is drawn where it is.
        let r = result(
            "criterion/parse",
            Unit::Nanoseconds,
            13_100.0,
            23_800.0,
            "max 20us",
        );
        let block = mermaid_trend(&r, &points);
        assert!(block.contains("    line [20, 20"), "{block}");
    }

    #[test]
    fn y_range_does_not_magnify_noise() {
        // ±3 % around 100 takes at most a quarter of the axis.
        let (lo, hi) = y_range([97.0, 103.0, 100.0].into_iter());
        assert!(hi - lo >= 25.0, "{lo}..{hi}");
        assert!(lo >= 0.0);
        // A real spread is shown whole.
        let (lo, hi) = y_range([10.0, 50.0].into_iter());
        assert!(lo <= 10.0 && hi >= 50.0);
    }

    #[test]
    fn a_step_change_is_marked_once_where_it_happened() {
        let v = [100.0, 101.0, 99.0, 100.0, 112.0, 112.0, 112.0, 112.0, 112.0];
        assert_eq!(regression_points(&v, Direction::Lower, 0.05), vec![4]);
        // Two separate steps are two markers.
        let v = [
            100.0, 101.0, 99.0, 100.0, 112.0, 112.0, 112.0, 112.0, 112.0, 130.0, 130.0,
        ];
        assert_eq!(regression_points(&v, Direction::Lower, 0.05), vec![4, 9]);
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
