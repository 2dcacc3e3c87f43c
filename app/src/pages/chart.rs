//! Charts drawn on the server as SVG: no chart service and no JavaScript.
//! Each is laid out for a 360-pixel-wide phone (the SVG scales with its
//! box) and comes with the table it is drawn from, for screen readers.

use leptos::prelude::*;

/// The drawing's width and height in SVG units; text is sized in the same
/// units, so it stays legible down to a 360 px screen.
const WIDTH: f64 = 360.0;
const HEIGHT: f64 = 190.0;
const LEFT: f64 = 34.0;
const RIGHT: f64 = 6.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 26.0;
/// More day labels than this would run into each other at 360 px.
const MOST_LABELS: usize = 6;

pub struct Series<'a> {
    pub name: &'a str,
    pub values: Vec<f64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Bars {
    /// One bar per label, the series on top of each other (parts of a whole).
    Stacked,
    /// The series side by side.
    Grouped,
}

pub struct BarChart<'a> {
    /// Names the figure for tests: `chart-{id}`.
    pub id: &'a str,
    pub title: &'a str,
    /// Short labels under the bars ("23/11"), and the table's row headings.
    pub labels: Vec<String>,
    pub row_headings: Vec<String>,
    pub series: Vec<Series<'a>>,
    pub bars: Bars,
    /// A value drawn as a dark line across each bar (served, over issued).
    pub marker: Option<Series<'a>>,
    /// Decimals shown in the table (a rating has one).
    pub decimals: usize,
}

/// Text for inside SVG or HTML built as a string.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The smallest of 1, 2, 5 × 10ⁿ at or above `max`: the top of the scale.
pub fn scale_top(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|top| *top >= max).unwrap_or(10.0 * power)
}

fn number(value: f64, decimals: usize) -> String {
    format!("{value:.decimals$}")
}

impl BarChart<'_> {
    fn top(&self) -> f64 {
        let count = self.labels.len();
        let at = |i: usize| self.series.iter().map(move |s| s.values.get(i).copied().unwrap_or(0.0));
        let highest = (0..count)
            .map(|i| match self.bars {
                Bars::Stacked => at(i).sum(),
                Bars::Grouped => at(i).fold(0.0, f64::max),
            })
            .chain(self.marker.iter().flat_map(|m| m.values.iter().copied()))
            .fold(0.0, f64::max);
        scale_top(highest)
    }

    /// The SVG: a scale with three lines, the bars, the markers and the labels.
    pub fn svg(&self) -> String {
        let (plot_width, plot_height) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
        let top = self.top();
        let y = |value: f64| TOP + plot_height * (1.0 - value / top);
        let mut svg = format!(
            r#"<svg viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg" font-size="11" focusable="false">"#
        );
        for step in [0.0, 0.5, 1.0] {
            let value = top * step;
            let at = y(value);
            svg.push_str(&format!(
                r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{at:.1}" y2="{at:.1}"/><text class="axis" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
                WIDTH - RIGHT,
                LEFT - 4.0,
                at + 4.0,
                number(value, usize::from(value.fract() != 0.0))
            ));
        }
        let count = self.labels.len().max(1);
        let slot = plot_width / count as f64;
        for i in 0..self.labels.len() {
            let left = LEFT + slot * i as f64;
            match self.bars {
                Bars::Stacked => {
                    let (width, mut base) = (slot * 0.7, 0.0);
                    let x = left + slot * 0.15;
                    for (n, series) in self.series.iter().enumerate() {
                        let value = series.values.get(i).copied().unwrap_or(0.0);
                        if value > 0.0 {
                            let (high, low) = (y(base + value), y(base));
                            svg.push_str(&format!(
                                r#"<rect class="s{n}" x="{x:.1}" y="{high:.1}" width="{width:.1}" height="{:.1}"/>"#,
                                low - high
                            ));
                        }
                        base += value;
                    }
                    if let Some(value) = self.marker.as_ref().and_then(|m| m.values.get(i)) {
                        let at = y(*value);
                        svg.push_str(&format!(
                            r#"<line class="marker" x1="{x:.1}" x2="{:.1}" y1="{at:.1}" y2="{at:.1}"/>"#,
                            x + width
                        ));
                    }
                }
                Bars::Grouped => {
                    let width = slot * 0.8 / self.series.len().max(1) as f64;
                    for (n, series) in self.series.iter().enumerate() {
                        let value = series.values.get(i).copied().unwrap_or(0.0);
                        let x = left + slot * 0.1 + width * n as f64;
                        let high = y(value);
                        svg.push_str(&format!(
                            r#"<rect class="s{n}" x="{x:.1}" y="{high:.1}" width="{width:.1}" height="{:.1}"/>"#,
                            y(0.0) - high
                        ));
                    }
                }
            }
        }
        let every = self.labels.len().div_ceil(MOST_LABELS).max(1);
        for (i, label) in self.labels.iter().enumerate().step_by(every) {
            svg.push_str(&format!(
                r#"<text class="axis" x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
                LEFT + slot * (i as f64 + 0.5),
                HEIGHT - 8.0,
                escape(label)
            ));
        }
        svg.push_str("</svg>");
        svg
    }
}

/// A chart in its figure: title, drawing, legend, and its table for screen readers.
pub fn bar_chart(chart: BarChart<'_>) -> impl IntoView {
    let svg = chart.svg();
    let names: Vec<(String, String)> = chart
        .series
        .iter()
        .enumerate()
        .map(|(n, s)| (format!("swatch s{n}"), s.name.to_string()))
        .chain(chart.marker.iter().map(|m| ("swatch marker".to_string(), m.name.to_string())))
        .collect();
    let columns: Vec<&Series> = chart.series.iter().chain(chart.marker.iter()).collect();
    let rows: Vec<(String, Vec<String>)> = chart
        .row_headings
        .iter()
        .enumerate()
        .map(|(i, heading)| {
            let cells =
                columns.iter().map(|s| number(s.values.get(i).copied().unwrap_or(0.0), chart.decimals)).collect();
            (heading.clone(), cells)
        })
        .collect();
    let headings: Vec<String> = columns.iter().map(|s| s.name.to_string()).collect();
    view! {
        <figure class="chart" data-testid=format!("chart-{}", chart.id)>
            <figcaption>{chart.title.to_string()}</figcaption>
            <div class="chart-plot" aria-hidden="true" inner_html=svg></div>
            <ul class="chart-legend" aria-hidden="true">
                {names.into_iter().map(|(class, name)| view! { <li><span class=class></span>{name}</li> }).collect_view()}
            </ul>
            <div class="visually-hidden"><table>
                <caption>{chart.title.to_string()}</caption>
                <thead><tr><td></td>{headings.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|(heading, cells)| view! {
                            <tr><th scope="row">{heading}</th>{cells.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr>
                        })
                        .collect_view()}
                </tbody>
            </table></div>
        </figure>
    }
}

/// Counts by weekday (rows, Monday first) and hour (columns) as shaded
/// cells: the darker, the more. Hours without any count at either end are left out.
pub fn heat_map(id: &str, title: &str, weekdays: [&str; 7], counts: &[[u32; 24]]) -> impl IntoView {
    let busy: Vec<usize> = (0..24).filter(|h| counts.iter().any(|day| day[*h] > 0)).collect();
    let hours: Vec<usize> = match (busy.first(), busy.last()) {
        (Some(first), Some(last)) => (*first..=*last).collect(),
        _ => (8..16).collect(),
    };
    let most = counts.iter().flat_map(|day| day.iter()).copied().max().unwrap_or(0).max(1);
    let (left, top, cell_height) = (40.0, 16.0, 20.0);
    let cell_width = (WIDTH - left - RIGHT) / hours.len() as f64;
    let height = top + cell_height * 7.0 + 2.0;
    let mut svg = format!(
        r#"<svg viewBox="0 0 {WIDTH} {height}" xmlns="http://www.w3.org/2000/svg" font-size="11" focusable="false">"#
    );
    let every = hours.len().div_ceil(8).max(1);
    for (column, hour) in hours.iter().enumerate().step_by(every) {
        svg.push_str(&format!(
            r#"<text class="axis" x="{:.1}" y="11" text-anchor="middle">{hour:02}</text>"#,
            left + cell_width * (column as f64 + 0.5)
        ));
    }
    for (row, name) in weekdays.iter().enumerate() {
        let y = top + cell_height * row as f64;
        let short: String = name.chars().take(3).collect();
        svg.push_str(&format!(
            r#"<text class="axis" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            left - 4.0,
            y + 14.0,
            escape(&short)
        ));
        for (column, hour) in hours.iter().enumerate() {
            let count = counts.get(row).map_or(0, |day| day[*hour]);
            let shade = if count == 0 { 0.0 } else { 0.15 + 0.85 * f64::from(count) / f64::from(most) };
            svg.push_str(&format!(
                r#"<rect class="heat{}" x="{:.1}" y="{y:.1}" width="{:.1}" height="{}" fill-opacity="{shade:.2}"><title>{} {hour:02}:00 {count}</title></rect>"#,
                if count == 0 { " empty" } else { "" },
                left + cell_width * column as f64 + 1.0,
                cell_width - 2.0,
                cell_height - 2.0,
                escape(name)
            ));
        }
    }
    svg.push_str("</svg>");
    let header: Vec<String> = hours.iter().map(|h| format!("{h:02}:00")).collect();
    let rows: Vec<(String, Vec<u32>)> = weekdays
        .iter()
        .enumerate()
        .map(|(row, name)| (name.to_string(), hours.iter().map(|h| counts.get(row).map_or(0, |day| day[*h])).collect()))
        .collect();
    view! {
        <figure class="chart" data-testid=format!("chart-{id}")>
            <figcaption>{title.to_string()}</figcaption>
            <div class="chart-plot" aria-hidden="true" inner_html=svg></div>
            <div class="visually-hidden"><table>
                <caption>{title.to_string()}</caption>
                <thead><tr><td></td>{header.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|(name, cells)| view! {
                            <tr><th scope="row">{name}</th>{cells.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr>
                        })
                        .collect_view()}
                </tbody>
            </table></div>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_tops_at_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(scale_top(0.0), 1.0);
        assert_eq!(scale_top(3.0), 5.0);
        assert_eq!(scale_top(10.0), 10.0);
        assert_eq!(scale_top(11.0), 20.0);
        assert_eq!(scale_top(4.3), 5.0);
        assert_eq!(scale_top(180.0), 200.0);
    }

    #[test]
    fn stacked_bars_reach_the_sum_and_labels_are_escaped_and_thinned() {
        let chart = BarChart {
            id: "t",
            title: "t",
            labels: (1..=12).map(|d| format!("{d}<")).collect(),
            row_headings: vec![],
            series: vec![Series { name: "a", values: vec![3.0; 12] }, Series { name: "b", values: vec![7.0; 12] }],
            bars: Bars::Stacked,
            marker: None,
            decimals: 0,
        };
        assert_eq!(chart.top(), 10.0);
        let svg = chart.svg();
        // Two rects per day, labels every second day, no raw "<" from a label.
        assert_eq!(svg.matches("<rect").count(), 24);
        assert_eq!(svg.matches("&lt;</text>").count(), 6);
        assert!(svg.starts_with("<svg viewBox=\"0 0 360 190\""));
    }
}
