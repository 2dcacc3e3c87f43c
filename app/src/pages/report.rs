//! The office report for admins: tickets issued by channel, served, no-shows,
//! cancellations and average waits, by service, day and counter, for a chosen
//! period. Rendered on the server only; the period is a plain GET form.

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::components::{fetch, ErrorNotice};
use super::use_lang;
use crate::api::{load_report, ReportCsv};
use crate::domain::report::{check_period, whole_minutes, PeriodProblem, Tally};
use crate::i18n::{admin_text, long_date, AdminText, Lang, REPORT_COLUMNS};
use crate::model::ReportView;

#[component]
pub fn ReportPage() -> impl IntoView {
    let lang = use_lang().get_untracked();
    let slug = use_params_map().read_untracked().get("office").unwrap_or_default();
    let query = use_query_map().get_untracked();
    let asked = |name| query.get(name).unwrap_or_default();
    let (from, until) = (asked("dari"), asked("sampai"));
    // A period that cannot be reported is said so, and today's report is shown.
    let problem = match (from.parse::<NaiveDate>(), until.parse::<NaiveDate>()) {
        (Ok(from), Ok(until)) => check_period(from, until).err(),
        _ => None,
    };
    let report = match problem {
        Some(_) => fetch(load_report(slug, String::new(), String::new())),
        None => fetch(load_report(slug, from, until)),
    };
    let note = problem.map(|problem| match problem {
        PeriodProblem::EndBeforeStart => AdminText::ReportPeriodBackwards,
        PeriodProblem::TooLong => AdminText::ReportPeriodTooLong,
    });
    view! {
        {note.map(|note| view! { <p class="notice notice-info" role="status">{admin_text(lang, note)}</p> })}
        {Suspend::new(async move {
            match report.await {
                Ok(report) => view! { <Report lang report /> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            }
        })}
    }
}

/// Whole minutes, or a dash when nothing was measured.
fn minutes(lang: Lang, seconds: Option<u32>) -> String {
    let unit = if lang == Lang::En { "min" } else { "mnt" };
    seconds.map_or_else(|| "–".to_string(), |s| format!("{} {unit}", whole_minutes(s)))
}

/// An average rating from its tenths, with the language's decimal mark: "4,3", "4.3".
fn rating(lang: Lang, tenths: Option<u32>) -> String {
    let mark = if lang == Lang::En { '.' } else { ',' };
    tenths.map_or_else(|| "–".to_string(), |t| format!("{}{mark}{}", t / 10, t % 10))
}

fn tally_cells(lang: Lang, tally: &Tally) -> impl IntoView {
    view! {
        {tally.counts().into_iter().map(|count| view! { <td class="number">{count}</td> }).collect_view()}
        {tally.times().into_iter().map(|time| view! { <td class="number">{minutes(lang, time)}</td> }).collect_view()}
        <td class="number">{minutes(lang, tally.average_estimate_error)}</td>
        <td class="number" data-testid="average-rating">{rating(lang, tally.average_rating_tenths)}</td>
        <td class="number">{tally.ratings}</td>
    }
}

fn tally_headings(lang: Lang, first: AdminText) -> impl IntoView {
    let columns = std::iter::once(first).chain(REPORT_COLUMNS);
    view! {
        <thead><tr>{columns.map(|c| view! { <th scope="col">{admin_text(lang, c)}</th> }).collect_view()}</tr></thead>
    }
}

/// The report's charts, each drawn from the per-day figures below it.
fn charts(lang: Lang, report: &crate::domain::report::Report) -> impl IntoView {
    use super::chart::{bar_chart, heat_map, BarChart, Bars, Series};
    use crate::i18n::weekday_name;

    let text = |t| admin_text(lang, t);
    let labels: Vec<String> = report.days.iter().map(|(day, _)| day.format("%d/%m").to_string()).collect();
    let headings: Vec<String> = report.days.iter().map(|(day, _)| long_date(lang, *day)).collect();
    let per_day = |value: &dyn Fn(&Tally) -> f64| report.days.iter().map(|(_, tally)| value(tally)).collect::<Vec<_>>();
    let count = |pick: fn(&Tally) -> u32| per_day(&|tally| f64::from(pick(tally)));
    let minutes = |pick: fn(&Tally) -> Option<u32>| per_day(&|tally| f64::from(pick(tally).map_or(0, whole_minutes)));
    let chart = |id, title, series, bars, marker, decimals| {
        bar_chart(BarChart {
            id,
            title: text(title),
            labels: labels.clone(),
            row_headings: headings.clone(),
            series,
            bars,
            marker,
            decimals,
        })
    };
    let issued = chart(
        "issued",
        AdminText::ChartIssued,
        vec![
            Series { name: text(AdminText::ColumnOnline), values: count(|t| t.online) },
            Series { name: text(AdminText::ColumnWalkIn), values: count(|t| t.walk_in) },
            Series { name: text(AdminText::ColumnStaffAssisted), values: count(|t| t.staff_assisted) },
        ],
        Bars::Stacked,
        Some(Series { name: text(AdminText::ColumnServed), values: count(|t| t.served) }),
        0,
    );
    let waits = chart(
        "waits",
        AdminText::ChartWaits,
        vec![
            Series { name: text(AdminText::ColumnWaitMedian), values: minutes(|t| t.median_wait) },
            Series { name: text(AdminText::ColumnWaitP90), values: minutes(|t| t.p90_wait) },
        ],
        Bars::Grouped,
        None,
        0,
    );
    let lost = chart(
        "lost",
        AdminText::ChartLost,
        vec![
            Series { name: text(AdminText::ColumnNoShow), values: count(|t| t.no_show) },
            Series { name: text(AdminText::ColumnCancelled), values: count(|t| t.cancelled) },
        ],
        Bars::Grouped,
        None,
        0,
    );
    let rolled = chart(
        "rolled",
        AdminText::ChartRolled,
        vec![Series { name: text(AdminText::ColumnRolledOver), values: count(|t| t.rolled_over) }],
        Bars::Grouped,
        None,
        0,
    );
    let rating = (report.total.ratings > 0).then(|| {
        let average = per_day(&|tally| f64::from(tally.average_rating_tenths.unwrap_or(0)) / 10.0);
        chart(
            "rating",
            AdminText::ChartRating,
            vec![Series { name: text(AdminText::ColumnRating), values: average }],
            Bars::Grouped,
            None,
            1,
        )
    });
    let weekdays: [&str; 7] = std::array::from_fn(|day| weekday_name(lang, day));
    view! {
        <section class="card staff-section">
            <h2>{text(AdminText::ChartsTitle)}</h2>
            <div class="charts">
                {issued}
                {waits}
                {heat_map("busiest", text(AdminText::ChartBusiest), weekdays, &report.busiest_hours)}
                {lost}
                {rolled}
                {rating}
            </div>
        </section>
    }
}

#[component]
fn Report(lang: Lang, report: ReportView) -> impl IntoView {
    // Every service, those without tickets too, plus any letter only the tickets know.
    let mut letters: Vec<String> = report.service_names.iter().map(|(letter, _, _)| letter.clone()).collect();
    for (letter, _) in &report.report.services {
        if !letters.contains(letter) {
            letters.push(letter.clone());
        }
    }
    let labels: Vec<(String, String)> =
        letters.into_iter().map(|letter| (report.service_label(&letter, lang), letter)).collect();
    let ReportView { slug, office_name, from, until, report, comments, .. } = report;
    let title = format!("{} — {office_name}", admin_text(lang, AdminText::ReportTitle));
    let empty = report.total.issued == 0;
    view! {
        <Title text=title.clone() />
        <p class="crumbs">
            <a href="/admin/kantor">{admin_text(lang, AdminText::OfficesTitle)}</a>
            " · "
            <a href=format!("/admin/kantor/{slug}")>{office_name.clone()}</a>
        </p>
        <h1>{title}</h1>
        <form method="get" class="settings-form settings-row report-period">
            <label class="field">
                <span>{admin_text(lang, AdminText::ReportFrom)}</span>
                <input type="date" name="dari" value=from.to_string() required />
            </label>
            <label class="field">
                <span>{admin_text(lang, AdminText::ReportUntil)}</span>
                <input type="date" name="sampai" value=until.to_string() required />
            </label>
            <button type="submit" class="button button-primary">{admin_text(lang, AdminText::ReportShow)}</button>
            <a class="button" data-testid="report-csv" href=format!("{}?office={slug}&from={from}&until={until}", <ReportCsv as ServerFn>::PATH)>
                {admin_text(lang, AdminText::ReportCsv)}
            </a>
        </form>
        <p class="lead" data-testid="report-period">{long_date(lang, from)} " – " {long_date(lang, until)}</p>
        {empty.then(|| view! { <p class="muted">{admin_text(lang, AdminText::ReportNothing)}</p> })}
        <section class="card staff-section">
            <h2>{admin_text(lang, AdminText::ReportByService)}</h2>
            <div class="table-scroll">
                <table class="report" data-testid="report-services">
                    {tally_headings(lang, AdminText::ColumnService)}
                    <tbody>
                        {labels
                            .into_iter()
                            .map(|(label, letter)| {
                                let tally = report.services.iter().find(|(l, _)| *l == letter).map(|(_, t)| t.clone()).unwrap_or_default();
                                view! { <tr data-service=letter><th scope="row">{label}</th>{tally_cells(lang, &tally)}</tr> }
                            })
                            .collect_view()}
                    </tbody>
                    <tfoot><tr data-total=""><th scope="row">"Σ"</th>{tally_cells(lang, &report.total)}</tr></tfoot>
                </table>
            </div>
            <p class="hint">{admin_text(lang, AdminText::ReportWaitNote)}</p>
        </section>
        {(!empty).then(|| charts(lang, &report))}
        {(report.days.len() > 1).then(|| view! {
            <section class="card staff-section">
                <h2>{admin_text(lang, AdminText::ReportByDay)}</h2>
                <div class="table-scroll">
                    <table class="report" data-testid="report-days">
                        {tally_headings(lang, AdminText::ColumnDate)}
                        <tbody>
                            {report.days.iter().map(|(day, tally)| view! { <tr data-date=day.to_string()><th scope="row">{long_date(lang, *day)}</th>{tally_cells(lang, tally)}</tr> }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>
        })}
        {(!report.counters.is_empty()).then(|| view! {
            <section class="card staff-section">
                <h2>{admin_text(lang, AdminText::ReportByCounter)}</h2>
                <div class="table-scroll">
                    <table class="report" data-testid="report-counters">
                        {tally_headings(lang, AdminText::ColumnCounter)}
                        <tbody>
                            {report.counters.iter().map(|(counter, tally)| view! { <tr data-counter=counter.clone()><th scope="row">{counter.clone()}</th>{tally_cells(lang, tally)}</tr> }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>
        })}
        // Whose a comment is is never shown: not even to admins.
        <section class="card staff-section">
            <h2>{admin_text(lang, AdminText::ReportComments)}</h2>
            {comments.is_empty().then(|| view! { <p class="muted">{admin_text(lang, AdminText::ReportNoComments)}</p> })}
            <ul class="report-comments" data-testid="report-comments">
                {comments.into_iter().map(|note| view! {
                    <li data-service=note.service.clone()>
                        <strong>{format!("{}/5", note.rating)}</strong> " · " {note.service.clone()}
                        {note.counter.clone().map(|counter| format!(" · {counter}"))} " · " {long_date(lang, note.service_date)}
                        <blockquote>{note.comment.clone()}</blockquote>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}
