//! Charts as inline SVG, drawn when the page is written: the geometry is computed here, and the
//! template (`chart.html`) draws it, escaping every label. Each mark has a `<title>` (a tooltip).

/// Width of every chart, in SVG units.
pub const WIDTH: f64 = 560.0;
/// Room for the labels left of the bars.
const LABEL: f64 = 230.0;
/// Room for the value right of the bars.
const VALUE: f64 = 70.0;
const ROW: f64 = 22.0;
const BAR: f64 = 16.0;
/// Characters of a label shown (the tooltip has all of it).
const LABEL_CHARS: usize = 30;

/// Horizontal bars, one per item, longest for the largest value.
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    pub title: String,
    pub height: f64,
    pub bars: Vec<Bar>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub y: f64,
    pub text_y: f64,
    pub x: f64,
    pub width: f64,
    pub value_x: f64,
    pub label: String,
    pub value: String,
    pub tip: String,
}

/// Bars for `(label, value, shown value)`; a value that is not finite or below zero draws no bar.
pub fn bars(title: &str, items: impl IntoIterator<Item = (String, f64, String)>) -> Bars {
    let items: Vec<_> = items.into_iter().collect();
    let max = items.iter().map(|i| i.1).filter(|v| v.is_finite()).fold(0.0, f64::max);
    let span = WIDTH - LABEL - VALUE;
    let bars: Vec<Bar> = items
        .into_iter()
        .enumerate()
        .map(|(i, (label, value, shown))| {
            let width = if max > 0.0 && value.is_finite() && value > 0.0 {
                (value / max * span).max(1.0)
            } else {
                0.0
            };
            let y = i as f64 * ROW;
            Bar {
                y,
                text_y: y + BAR - 4.0,
                x: LABEL,
                width: round(width),
                value_x: round(LABEL + width + 6.0),
                tip: format!("{label}: {shown}"),
                label: short(&label),
                value: shown,
            }
        })
        .collect();
    Bars {
        title: title.to_string(),
        height: (bars.len().max(1) as f64) * ROW,
        bars,
    }
}

/// A line over a series, oldest point first, with a dot per point.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub title: String,
    pub height: f64,
    /// `x,y x,y ...`: numbers only.
    pub points: String,
    pub dots: Vec<Dot>,
    /// The scale's top, as shown.
    pub top: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dot {
    pub x: f64,
    pub y: f64,
    pub tip: String,
}

const LINE_HEIGHT: f64 = 120.0;
const PAD: f64 = 12.0;

/// A line for `(label, value, shown value)` points; `top` formats the scale's maximum.
pub fn line(title: &str, points: &[(String, f64, String)], top: impl Fn(f64) -> String) -> Line {
    let max = points.iter().map(|p| p.1).filter(|v| v.is_finite()).fold(0.0, f64::max);
    let step = if points.len() > 1 {
        (WIDTH - 2.0 * PAD - 60.0) / (points.len() - 1) as f64
    } else {
        0.0
    };
    let dots: Vec<Dot> = points
        .iter()
        .enumerate()
        .map(|(i, (label, value, shown))| {
            let share = if max > 0.0 && value.is_finite() {
                value / max
            } else {
                0.0
            };
            Dot {
                x: round(60.0 + PAD + i as f64 * step),
                y: round(PAD + (1.0 - share) * (LINE_HEIGHT - 2.0 * PAD)),
                tip: format!("{label}: {shown}"),
            }
        })
        .collect();
    Line {
        title: title.to_string(),
        height: LINE_HEIGHT,
        points: dots
            .iter()
            .map(|d| format!("{},{}", d.x, d.y))
            .collect::<Vec<_>>()
            .join(" "),
        dots,
        top: top(max),
    }
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn short(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_string();
    }
    let mut s: String = label.chars().take(LABEL_CHARS - 1).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_unknown_draws_nothing() {
        let b = bars(
            "t",
            [
                ("a".to_string(), 10.0, "10 h".to_string()),
                ("b".to_string(), 5.0, "5 h".to_string()),
                ("c".to_string(), f64::NAN, "unknown".to_string()),
            ],
        );
        assert_eq!(b.bars[0].width, WIDTH - LABEL - VALUE);
        assert_eq!(b.bars[1].width, (WIDTH - LABEL - VALUE) / 2.0);
        assert_eq!(b.bars[2].width, 0.0);
        assert_eq!(b.bars[2].tip, "c: unknown");
        assert_eq!(b.height, 3.0 * ROW);
    }

    #[test]
    fn long_labels_are_cut_but_the_tooltip_keeps_them() {
        let long = "x".repeat(40);
        let b = bars("t", [(long.clone(), 1.0, "1".to_string())]);
        assert_eq!(b.bars[0].label.chars().count(), LABEL_CHARS);
        assert!(b.bars[0].tip.starts_with(&long));
    }

    #[test]
    fn a_line_puts_the_largest_point_at_the_top() {
        let l = line(
            "t",
            &[("a".into(), 0.0, "0".into()), ("b".into(), 4.0, "4".into())],
            |m| format!("{m}"),
        );
        assert_eq!(l.dots[1].y, PAD);
        assert_eq!(l.dots[0].y, LINE_HEIGHT - PAD);
        assert_eq!(l.top, "4");
        assert_eq!(l.points.split(' ').count(), 2);
    }
}
