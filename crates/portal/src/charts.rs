//! Charts as inline SVG, drawn on the server: bar charts with plotters'
//! SVG backend, and the money-flow (Sankey) diagram with a small writer of
//! our own, since no charting crate draws flows. Both use presentation
//! attributes only (no `style`), which the portal's CSP allows, and carry
//! a text alternative; every page shows the same figures in a table.

use plotters::prelude::*;
use std::fmt::Write;

/// Escapes text for an SVG attribute or text node.
fn esc(text: &str) -> String {
    maud::html! { (text) }.into_string()
}

/// Marks a plotters SVG as an image with `label` for assistive technology.
fn labelled(svg: &str, label: &str) -> String {
    svg.replacen(
        "<svg ",
        &format!(
            "<svg role=\"img\" aria-label=\"{}\" class=\"chart\" ",
            esc(label)
        ),
        1,
    )
}

/// A vertical bar chart of `bars` (label, value), `label` describing it.
pub fn bars(label: &str, bars: &[(String, f64)]) -> String {
    let mut svg = String::new();
    let top = bars.iter().map(|b| b.1).fold(0.0_f64, f64::max).max(1.0) * 1.1;
    {
        let root = SVGBackend::with_string(&mut svg, (640, 280)).into_drawing_area();
        let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
            root.fill(&WHITE)?;
            let n = bars.len().max(1);
            let mut chart = ChartBuilder::on(&root)
                .margin(12)
                .x_label_area_size(36)
                .y_label_area_size(72)
                // A segmented range of 0..k has k + 1 segments.
                .build_cartesian_2d((0..n - 1).into_segmented(), 0.0..top)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(n.min(12))
                .x_label_formatter(&|x| match x {
                    SegmentValue::CenterOf(i) => {
                        bars.get(*i).map(|b| b.0.clone()).unwrap_or_default()
                    }
                    _ => String::new(),
                })
                .y_label_formatter(&|y| format!("{y:.0}"))
                .label_style(("sans-serif", 14).into_font().color(&BLACK))
                .axis_style(BLACK)
                .draw()?;
            chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
                // The last segment's right edge is `Last`, not a value.
                let right = if i + 1 < n {
                    SegmentValue::Exact(i + 1)
                } else {
                    SegmentValue::Last
                };
                let mut bar = Rectangle::new(
                    [(SegmentValue::Exact(i), 0.0), (right, b.1)],
                    RGBColor(0x1f, 0x5f, 0x99).filled(),
                );
                bar.set_margin(0, 0, 6, 6);
                bar
            }))?;
            root.present()?;
            Ok(())
        })();
        if drawn.is_err() {
            // Plotters only fails on a bad range, which the bounds above
            // exclude; the table beside the chart still shows the figures.
            return String::new();
        }
    }
    labelled(&svg, label)
}

/// A node of a flow diagram.
#[derive(Clone, Debug)]
pub struct FlowNode {
    /// Its column, from 0 (sources) rightwards.
    pub column: usize,
    /// What it shows.
    pub label: String,
}

/// A flow diagram: nodes in columns, links between them carrying amounts.
#[derive(Clone, Debug, Default)]
pub struct Flow {
    /// The nodes.
    pub nodes: Vec<FlowNode>,
    /// Links (from node, to node, amount), drawn in this order.
    pub links: Vec<(usize, usize, u128)>,
}

impl Flow {
    /// Adds a node; returns its index.
    pub fn node(&mut self, column: usize, label: String) -> usize {
        self.nodes.push(FlowNode { column, label });
        self.nodes.len() - 1
    }

    /// Adds a link of `amount` (links of nothing are left out).
    pub fn link(&mut self, from: usize, to: usize, amount: u128) {
        if amount > 0 {
            self.links.push((from, to, amount));
        }
    }
}

const FLOW_WIDTH: f64 = 900.0;
const FLOW_HEIGHT: f64 = 360.0;
const NODE_WIDTH: f64 = 14.0;
const GAP: f64 = 18.0;
const PALETTE: [&str; 6] = [
    "#1f5f99", "#2e7d32", "#8e24aa", "#c75000", "#00796b", "#5d4037",
];

/// The diagram as SVG: each node as tall as the larger of what flows in
/// and out, links as bands as wide as their amounts.
pub fn flow(label: &str, f: &Flow) -> String {
    let n = f.nodes.len();
    let mut inflow = vec![0u128; n];
    let mut outflow = vec![0u128; n];
    for &(a, b, v) in &f.links {
        outflow[a] += v;
        inflow[b] += v;
    }
    let size: Vec<u128> = (0..n).map(|i| inflow[i].max(outflow[i])).collect();
    let columns = f.nodes.iter().map(|x| x.column).max().map_or(1, |c| c + 1);
    // One scale for every column: the fullest column fills the height.
    let mut per_column = vec![(0u128, 0usize); columns];
    for (i, node) in f.nodes.iter().enumerate() {
        per_column[node.column].0 += size[i];
        per_column[node.column].1 += 1;
    }
    let scale = per_column
        .iter()
        .map(|&(total, count)| {
            let room = FLOW_HEIGHT - 40.0 - GAP * (count.saturating_sub(1) as f64);
            if total == 0 {
                f64::INFINITY
            } else {
                room.max(10.0) / total as f64
            }
        })
        .fold(f64::INFINITY, f64::min);
    let scale = if scale.is_finite() { scale } else { 0.0 };
    // Room on the right for the last column's labels.
    let step = (FLOW_WIDTH - 340.0) / (columns.saturating_sub(1).max(1) as f64);
    // Node positions: x by column, stacked from the top.
    let mut next_y = vec![20.0; columns];
    let mut pos = vec![(0.0, 0.0, 0.0); n];
    for (i, node) in f.nodes.iter().enumerate() {
        if size[i] == 0 {
            // Nothing flows through it: not drawn (the table lists it).
            continue;
        }
        let h = (size[i] as f64 * scale).max(2.0);
        let x = 10.0 + step * node.column as f64;
        pos[i] = (x, next_y[node.column], h);
        next_y[node.column] += h + GAP;
    }
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg role=\"img\" aria-label=\"{}\" class=\"chart flow\" viewBox=\"0 0 {FLOW_WIDTH} {FLOW_HEIGHT}\" xmlns=\"http://www.w3.org/2000/svg\">",
        esc(label)
    );
    let mut out_at: Vec<f64> = pos.iter().map(|p| p.1).collect();
    let mut in_at: Vec<f64> = pos.iter().map(|p| p.1).collect();
    for (k, &(a, b, v)) in f.links.iter().enumerate() {
        let w = v as f64 * scale;
        let (x0, y0) = (pos[a].0 + NODE_WIDTH, out_at[a] + w / 2.0);
        let (x1, y1) = (pos[b].0, in_at[b] + w / 2.0);
        out_at[a] += w;
        in_at[b] += w;
        let mid = (x0 + x1) / 2.0;
        let _ = write!(
            svg,
            "<path d=\"M{x0:.1},{y0:.1} C{mid:.1},{y0:.1} {mid:.1},{y1:.1} {x1:.1},{y1:.1}\" fill=\"none\" stroke=\"{}\" stroke-opacity=\"0.35\" stroke-width=\"{:.1}\"/>",
            PALETTE[k % PALETTE.len()],
            w.max(1.0)
        );
    }
    for (i, node) in f.nodes.iter().enumerate() {
        if size[i] == 0 {
            continue;
        }
        let (x, y, h) = pos[i];
        // Labels over the bands keep a white outline to stay legible.
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{NODE_WIDTH}\" height=\"{h:.1}\" fill=\"#222\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" font-family=\"sans-serif\" fill=\"#111\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
            x + NODE_WIDTH + 4.0,
            y + h / 2.0 + 4.0,
            esc(&node.label)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_chart_is_labelled_svg_without_style_attributes() {
        let svg = bars(
            "Paid per month <test>",
            &[("Nov 2026".into(), 10.0), ("Dec 2026".into(), 25.5)],
        );
        assert!(
            svg.starts_with("<svg role=\"img\" aria-label=\"Paid per month &lt;test&gt;\""),
            "{svg}"
        );
        assert!(svg.contains("Dec 2026"));
        assert!(!svg.contains("style="), "the CSP forbids style attributes");
        // Empty data still draws an axis, not an error.
        assert!(bars("nothing", &[]).contains("<svg"));
    }

    #[test]
    fn flow_bands_are_as_wide_as_their_amounts() {
        let mut f = Flow::default();
        let a = f.node(0, "Budget 2026".into());
        let b = f.node(1, "UBI".into());
        let c = f.node(1, "Other <accounts>".into());
        f.link(a, b, 300);
        f.link(a, c, 100);
        f.link(a, c, 0);
        assert_eq!(f.links.len(), 2);
        let svg = flow("Where the money went", &f);
        assert!(svg.contains("Other &lt;accounts&gt;"));
        assert!(!svg.contains("style="));
        let widths: Vec<f64> = svg
            .split("<path ")
            .skip(1)
            .map(|p| {
                let w = p.split("stroke-width=\"").nth(1).unwrap();
                w.split('"').next().unwrap().parse().unwrap()
            })
            .collect();
        assert_eq!(widths.len(), 2);
        assert!((widths[0] / widths[1] - 3.0).abs() < 0.05, "{widths:?}");
        // No links: still an image.
        assert!(flow("empty", &Flow::default()).starts_with("<svg"));
    }
}
