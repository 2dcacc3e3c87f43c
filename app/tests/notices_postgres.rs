//! Notices on PostgreSQL, where every server instance runs a sender: a notice one
//! instance has taken is not taken by another, unless the first never reports
//! back. Runs when `ANTREAN_TEST_POSTGRES_URL` is set.

#![cfg(feature = "ssr")]

mod support;

use support::monday_10_wib;

use app::domain::booking::BookingRequest;
use app::domain::booking::{Holder, IssuedBy};
use app::domain::identity::{FullName, Nik, PhoneNumber};
use app::domain::notify::Channel;
use app::store::notifications::{self, CLAIM_LEASE_SECONDS};
use app::store::offices;
use app::store::tickets;
use app::store::Db;
use chrono::Duration;

/// Two instances on a fresh database, with one "almost your turn" SMS notice
/// due; `None` without a server.
async fn two_instances_with_a_notice() -> Option<(Db, Db)> {
    support::postgres_server()?;
    let url = support::fresh_postgres_database("store").await;
    let (first, second) = (Db::open_postgres(&url).await.unwrap(), Db::open_postgres(&url).await.unwrap());
    support::office_with_service(&first, 10, 30).await;
    let office = offices::find(&first, "uji").await.unwrap().unwrap();
    let service = office.service("A").cloned().unwrap();
    let holder = Holder {
        nik: Some(Nik::parse("3171011201900001").unwrap()),
        name: Some(FullName::parse("Warga Uji").unwrap()),
        phone: Some(PhoneNumber::parse("081234567890").unwrap()),
        email: None,
        priority: None,
    };
    let booked =
        tickets::book(&first, &office, &service, &holder, IssuedBy::ONLINE, BookingRequest::Today, monday_10_wib())
            .await
            .unwrap();
    let written = notifications::after_issue(&first, &booked.code, "http://uji", false, monday_10_wib()).await.unwrap();
    assert_eq!(written, 1, "one SMS notice");
    Some((first, second))
}

#[tokio::test]
#[ignore = "needs PostgreSQL (ANTREAN_TEST_POSTGRES_URL); ./antrean test runs it on a throwaway server"]
async fn a_notice_taken_by_one_instance_is_not_taken_by_another() {
    let Some((first, second)) = two_instances_with_a_notice().await else {
        panic!("ANTREAN_TEST_POSTGRES_URL names no PostgreSQL server");
    };
    let now = monday_10_wib();
    let (a, b) = tokio::join!(
        notifications::claim(&first, Channel::Sms, now, 50),
        notifications::claim(&second, Channel::Sms, now, 50)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 1, "taken once: {a:?} {b:?}");
    assert!(notifications::claim(&first, Channel::Sms, now + Duration::seconds(CLAIM_LEASE_SECONDS - 1), 50)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
#[ignore = "needs PostgreSQL (ANTREAN_TEST_POSTGRES_URL); ./antrean test runs it on a throwaway server"]
async fn a_notice_whose_sender_never_reports_back_is_taken_again_after_the_lease() {
    let Some((first, second)) = two_instances_with_a_notice().await else {
        panic!("ANTREAN_TEST_POSTGRES_URL names no PostgreSQL server");
    };
    let now = monday_10_wib();
    let taken = notifications::claim(&first, Channel::Sms, now, 50).await.unwrap();
    assert_eq!(taken.len(), 1);
    let later = now + Duration::seconds(CLAIM_LEASE_SECONDS);
    let again = notifications::claim(&second, Channel::Sms, later, 50).await.unwrap();
    assert_eq!(again.iter().map(|n| n.id).collect::<Vec<_>>(), vec![taken[0].id]);
}

#[tokio::test]
#[ignore = "needs PostgreSQL (ANTREAN_TEST_POSTGRES_URL); ./antrean test runs it on a throwaway server"]
async fn a_sent_notice_is_not_taken_again() {
    let Some((first, second)) = two_instances_with_a_notice().await else {
        panic!("ANTREAN_TEST_POSTGRES_URL names no PostgreSQL server");
    };
    let now = monday_10_wib();
    let taken = notifications::claim(&first, Channel::Sms, now, 50).await.unwrap();
    notifications::mark_sent(&first, taken[0].id, now).await.unwrap();
    let later = now + Duration::seconds(CLAIM_LEASE_SECONDS * 2);
    assert!(notifications::claim(&second, Channel::Sms, later, 50).await.unwrap().is_empty());
}
