//! Rewards and eligibility in a real browser: a head of year lists the 100% pupils of their year
//! for the spring term and checks who is eligible for a trip; the attendance officer sets a
//! pupil an own target, and the pupil becomes eligible with the target as the reason.

mod common;

use common::*;
use rollcall_app::cases::rewards::{EligibilityForm, RewardForm, RewardOutcome};
use rollcall_app::Actor;
use rollcall_rules::Rate;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_head_of_year_lists_rewards_and_trip_eligibility_in_a_browser() {
    let app = TestApp::at(&format!("{TODAY}T10:00:00"));
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None)
        .unwrap()
        .id;
    let hoy = Actor::of_user(&store.user_by_name("hoy9").unwrap().unwrap());
    drop(store);
    let cases = app.state.app();
    let spring = cases
        .reward_choices(&hoy)
        .unwrap()
        .periods
        .into_iter()
        .find(|p| p.key.starts_with("term-") && p.label.contains("spring"))
        .unwrap()
        .key;
    let list = cases
        .reward_list(
            &hoy,
            &RewardForm {
                reward: "full_term".into(),
                period: spring.clone(),
                ..RewardForm::default()
            },
        )
        .unwrap();
    let RewardOutcome::FullAttendance(full) = list.outcome else {
        panic!("not a 100% list")
    };
    let trip = cases
        .eligibility(
            &hoy,
            &EligibilityForm {
                threshold: "95".into(),
                ..EligibilityForm::default()
            },
        )
        .unwrap();
    let below = trip
        .not_eligible()
        .find(|e| {
            let c = e.figures.counts;
            Rate::percent(50).is_met_by(c.present + c.aea, c.possible)
        })
        .expect("a year 9 pupil below 95% and above 50%")
        .figures
        .pupil
        .clone();

    let data = json!({
        "password": rollcall_app::demo::DEMO_PASSWORD,
        "spring": spring,
        "count": full.len(),
        "pupil": {
            "upn": below.pupil.upn.to_string(),
            "name": format!("{} {}", below.pupil.forename, below.pupil.surname),
        },
    });
    let base = serve(&app).await;
    tokio::task::spawn_blocking(move || {
        rollcall_testkit::browser::run_scenario("rewards", &base, &data)
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| panic!("{e:#}"));

    // The target the browser set is the one the school holds, with who set it and why.
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let targets = store.attendance_targets(school, Some(below.id)).unwrap();
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].target.hundredths, 5000);
    assert_eq!(
        targets[0].target.reason,
        "Medical condition: hospital treatment"
    );
    assert_eq!(targets[0].target.recorded.by, "Sam Patel");
    let shots = rollcall_testkit::browser::screenshots_dir();
    for shot in [
        "rewards-full-term.png",
        "rewards-eligibility.png",
        "rewards-target.png",
        "rewards-eligible-by-target.png",
    ] {
        assert!(shots.join(shot).is_file(), "{shot} was not written");
    }
}
