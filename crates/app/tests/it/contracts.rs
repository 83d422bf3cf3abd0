//! The contracts module's use cases (CLOG-SERVICE, CLOG-FREE-UNLIMITED, CTR-*), on test clocks.

use crate::{ADMIN, MEMBER, OPERATOR, World, actor, code, invalid_fields, on_every_backend, visitor};
use app::contracts::{ContractFields, DocumentUpload, ListQuery, SettingsInput, StepInput};
use contracts::{Chatel, LetterOutcome};
use jiff::civil::date;
use kernel::{AccountId, Lang};
use std::io::Write;
use std::process::{Command, Stdio};
use store::contracts::ContractStatus;

/// The worked example of CTR-DEADLINE: starts 31 January 2026, 12 months renewing tacitly,
/// 3 months' notice, by registered letter or email.
pub fn worked_example() -> ContractFields {
    [
        ("reference", "FIB-42"),
        ("counterparty_name", "Télécom Exemple SAS"),
        ("counterparty_siren", "732 829 320"),
        ("counterparty_address", "1 rue de la Paix, 75002 Paris"),
        ("category", "telecom"),
        ("start_date", "2026-01-31"),
        ("term_months", "12"),
        ("renewal", "tacit"),
        ("renewal_months", "12"),
        ("notice", "3"),
        ("notice_unit", "months"),
        ("ways", "registered_letter|email"),
        ("price", "49.90"),
        ("currency", "EUR"),
        ("billing_period", "monthly"),
        ("tags", "fibre|siège"),
        ("notes", "Ligne du siège"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn pdf_doc() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

async fn on_clock(w: &World, day: &str) -> kernel::ClockId {
    let op = w.principal(OPERATOR).await;
    let clock = w.app.create_clock("contracts", day, &actor(&op)).await.expect("clock");
    w.app
        .attach_clock(w.account, Some(clock.id), &actor(&op))
        .await
        .expect("attach");
    clock.id
}

async fn other_account(w: &World) -> AccountId {
    let input = platform::signup::SignupInput {
        legal_name: "Fromagerie Durand SAS".into(),
        siren: "552 032 534".into(),
        vat_number: String::new(),
        address_line: "3 place du Marché".into(),
        postal_code: "21000".into(),
        city: "Dijon".into(),
        country: "fr".into(),
        admin_name: "Jeanne Durand".into(),
        admin_email: "jeanne@fromagerie-durand.test".into(),
        password: "une phrase de passe solide".into(),
        accept_terms: true,
        certify_authority: true,
        lang: Some(Lang::Fr),
    };
    w.app.signup(input, &visitor()).await.expect("signup").account_id
}

// clause: CLOG-SERVICE
// clause: CTR-DEADLINE
#[tokio::test]
async fn a_contract_is_registered_with_its_deadlines_explained() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        on_clock(&w, "2026-03-01").await;
        let admin = w.principal(ADMIN).await;
        let before = w.count("contracts").await;

        // Bad input: each refused with the field named, nothing written.
        let mut bad = worked_example();
        bad.insert("counterparty_siren".into(), "732 829 321".into());
        bad.insert("category".into(), "food".into());
        let fields = invalid_fields(w.app.create_contract(w.account, &bad, &actor(&admin)).await);
        assert_eq!(fields, vec!["counterparty_siren", "category"]);
        let mut end_before_start = worked_example();
        end_before_start.insert("term_months".into(), String::new());
        end_before_start.insert("end_date".into(), "2025-12-31".into());
        assert_eq!(
            code(
                w.app
                    .create_contract(w.account, &end_before_start, &actor(&admin))
                    .await
            ),
            "end_before_start"
        );
        let mut long_notice = worked_example();
        long_notice.insert("notice".into(), "13".into());
        assert_eq!(
            code(w.app.create_contract(w.account, &long_notice, &actor(&admin)).await),
            "notice_longer_than_term"
        );
        assert_eq!(w.count("contracts").await, before, "nothing half-written");

        let c = w
            .app
            .create_contract(w.account, &worked_example(), &actor(&admin))
            .await
            .expect("create");
        let detail = w.app.contract(w.account, c.id).await.expect("get");
        let d = &detail.view.deadlines;
        assert_eq!(detail.view.today, date(2026, 3, 1));
        assert_eq!(d.last_day(), Some(date(2026, 10, 30)));
        assert_eq!(d.earliest_send_by(), Some(date(2026, 10, 27)));
        assert!(
            d.explain(Lang::Fr)
                .contains("un samedi, avancé au vendredi 30 octobre 2026"),
            "{}",
            d.explain(Lang::Fr)
        );
        assert!(d.explain(Lang::En).contains("Friday"), "{}", d.explain(Lang::En));
        assert_eq!(
            w.trail(Some(w.account), "contract.create").await.len(),
            1 + before as usize
        );

        // Update, filters, search.
        let mut changed = worked_example();
        changed.insert("notes".into(), "Ligne du siège et du dépôt".into());
        let updated = w
            .app
            .update_contract(w.account, c.id, &changed, &actor(&admin))
            .await
            .expect("update");
        assert_eq!(updated.record.notes, "Ligne du siège et du dépôt");
        let (_, found) = w
            .app
            .contracts(
                w.account,
                &ListQuery {
                    search: Some("DEPOTS siege".into()),
                    ..Default::default()
                },
            )
            .await
            .expect("search");
        assert_eq!(found.len(), 1);
        let (_, telecoms) = w
            .app
            .contracts(
                w.account,
                &ListQuery {
                    category: Some(contracts::Category::Telecom),
                    due_within_days: Some(250),
                    ..Default::default()
                },
            )
            .await
            .expect("filter");
        assert!(telecoms.iter().any(|v| v.contract.id == c.id));
        let (_, soon) = w
            .app
            .contracts(
                w.account,
                &ListQuery {
                    due_within_days: Some(30),
                    ..Default::default()
                },
            )
            .await
            .expect("window");
        assert!(!soon.iter().any(|v| v.contract.id == c.id), "send-by is 240 days away");
        assert_eq!(w.trail(Some(w.account), "contract.update").await.len(), 1);

        // Documents: PDF or image only, counted in the account's storage.
        let refused = w
            .app
            .add_contract_document(
                w.account,
                c.id,
                DocumentUpload {
                    file_name: "x.html".into(),
                    content: b"<html>".to_vec(),
                },
                &actor(&admin),
            )
            .await;
        assert_eq!(invalid_fields(refused), vec!["file"]);
        let too_large = vec![b'%'; platform::kyc::MAX_DOCUMENT_BYTES + 1];
        assert_eq!(
            code(
                w.app
                    .add_contract_document(
                        w.account,
                        c.id,
                        DocumentUpload {
                            file_name: "big.pdf".into(),
                            content: too_large,
                        },
                        &actor(&admin),
                    )
                    .await
            ),
            "file_too_large"
        );
        let doc = w
            .app
            .add_contract_document(
                w.account,
                c.id,
                DocumentUpload {
                    file_name: "contrat.pdf".into(),
                    content: pdf_doc(),
                },
                &actor(&admin),
            )
            .await
            .expect("document");
        let (meta, bytes) = w
            .app
            .contract_document(w.account, c.id, doc.meta.id)
            .await
            .expect("download");
        assert_eq!((meta.purpose.as_str(), bytes), ("contract_document", pdf_doc()));
        let mut tx = w.db.read().await.expect("read");
        assert_eq!(
            store::files::total_bytes(&mut tx, w.account).await.expect("bytes"),
            pdf_doc().len() as i64
        );
        tx.commit().await.expect("commit");

        // Another account sees none of it, and cannot change it.
        let other = other_account(&w).await;
        assert!(matches!(
            w.app.contract(other, c.id).await,
            Err(app::AppError::NotFound)
        ));
        assert!(matches!(
            w.app.update_contract(other, c.id, &changed, &actor(&admin)).await,
            Err(app::AppError::NotFound)
        ));
        assert!(matches!(
            w.app.contract_document(other, c.id, doc.meta.id).await,
            Err(app::AppError::NotFound)
        ));
        assert!(matches!(
            w.app.delete_contract(other, c.id, &actor(&admin)).await,
            Err(app::AppError::NotFound)
        ));
        assert!(
            w.app
                .contracts(other, &ListQuery::default())
                .await
                .expect("list")
                .1
                .is_empty()
        );

        w.app
            .delete_contract(w.account, c.id, &actor(&admin))
            .await
            .expect("delete");
        assert_eq!(w.count("contracts").await, before);
        assert_eq!(w.count("files").await, 0);
    })
    .await;
}

// clause: CLOG-FREE-UNLIMITED
#[tokio::test]
async fn the_free_plan_has_no_cap_and_imports_are_all_or_nothing() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let before = w.count("contracts").await;
        let template = contracts::csv_import::template();
        let line = template.lines().nth(1).expect("example line").to_string();
        let mut csv = contracts::csv_import::TEMPLATE_HEADER.to_string();
        for i in 0..120 {
            csv.push('\n');
            csv.push_str(&line.replacen("CLI-2026-001", &format!("CLI-{i:03}"), 1));
        }
        let mut faulty = csv.clone();
        faulty.push_str("\nX,Faulty,123,,,food,2026-02-30,12,,tacit,12,3,months,email,,,,,,");
        let errors = w
            .app
            .import_contracts(w.account, &faulty, &actor(&admin))
            .await
            .expect("import")
            .expect_err("faulty line");
        let fields: Vec<(u64, &str)> = errors.0.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert!(fields.contains(&(122, "counterparty_siren")), "{fields:?}");
        assert!(fields.contains(&(122, "category")), "{fields:?}");
        assert_eq!(w.count("contracts").await, before, "all or nothing");

        let n = w
            .app
            .import_contracts(w.account, &csv, &actor(&admin))
            .await
            .expect("import")
            .expect("valid file");
        assert_eq!(n, 120);
        assert_eq!(w.count("contracts").await, before + 120, "no cap on the free plan");
        let exported = w.app.export_contracts_csv(w.account).await.expect("export");
        assert_eq!(
            contracts::csv_import::import_csv(&exported).expect("reads back").len(),
            before as usize + 120
        );
    })
    .await;
}

fn run_python(module: &str, script: &str, stdin: &[u8]) -> Option<String> {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "CI must install {module}");
        eprintln!("skipped: python module {module} is not installed");
        return None;
    }
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write");
    let out = child.wait_with_output().expect("python3 runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).expect("utf-8"))
}

// clause: CTR-REMINDERS
#[tokio::test]
async fn advancing_the_clock_sends_the_reminder_and_the_feed_holds_the_deadline() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let clock = on_clock(&w, "2026-07-20").await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        let c = w
            .app
            .create_contract(w.account, &worked_example(), &actor(&admin))
            .await
            .expect("create");
        // Send-by 27 October 2026: the 90-day reminder is due on 29 July.
        w.app
            .advance_clock(clock, "2026-07-28T12:00:00Z", &actor(&op))
            .await
            .expect("advance");
        let about = |to: &str| {
            let to = to.to_string();
            let w = &w;
            async move {
                w.emails(&to, "contract_reminder")
                    .await
                    .into_iter()
                    .filter(|e| e.body_text.contains("FIB-42"))
                    .collect::<Vec<_>>()
            }
        };
        assert!(about(ADMIN.0).await.is_empty());
        w.app
            .advance_clock(clock, "2026-07-29T12:00:00Z", &actor(&op))
            .await
            .expect("advance");
        let sent = about(ADMIN.0).await;
        assert_eq!(sent.len(), 1);
        assert!(sent[0].body_text.contains("27 octobre 2026"), "{}", sent[0].body_text);
        assert!(sent[0].body_text.contains(&format!("/contracts/{}", c.id)));
        assert_eq!(about(MEMBER.0).await.len(), 1, "every user of the account");

        // The calendar feed: secret, revocable, parsed back by PyPI icalendar.
        let token = w
            .app
            .renew_calendar_token(w.account, &actor(&admin))
            .await
            .expect("token");
        let ics = w.app.calendar_feed(&token, Lang::Fr).await.expect("feed");
        let script = r#"
import sys, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
for ev in cal.walk("VEVENT"):
    print(str(ev.get("UID")), ev.decoded("DTSTART").isoformat(), ev.decoded("DTEND").isoformat())
"#;
        if let Some(out) = run_python("icalendar", script, ics.as_bytes()) {
            let last_day = format!("{}-last-day@comptoir 2026-10-30 2026-10-31", c.id);
            assert!(out.lines().any(|l| l == last_day), "{out}");
        }
        let again = w
            .app
            .renew_calendar_token(w.account, &actor(&admin))
            .await
            .expect("renew");
        assert!(matches!(
            w.app.calendar_feed(&token, Lang::Fr).await,
            Err(app::AppError::NotFound)
        ));
        w.app
            .revoke_calendar_token(w.account, &actor(&admin))
            .await
            .expect("revoke");
        assert!(matches!(
            w.app.calendar_feed(&again, Lang::Fr).await,
            Err(app::AppError::NotFound)
        ));
    })
    .await;
}

// clause: CTR-LETTER
#[tokio::test]
async fn the_letter_is_written_and_each_step_is_recorded() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let _clock = on_clock(&w, "2026-11-02").await;
        let admin = w.principal(ADMIN).await;
        let c = w
            .app
            .create_contract(w.account, &worked_example(), &actor(&admin))
            .await
            .expect("create");
        let (effect, pdf) = w
            .app
            .termination_letter(w.account, c.id, "registered_letter", None, Lang::Fr, "Claire Martin")
            .await
            .expect("letter");
        assert!(pdf.starts_with(b"%PDF-"));
        // Sent on 2 November, after the last day (30 October): too late, says the module.
        assert!(matches!(effect.outcome, LetterOutcome::TooLate { .. }), "{effect:?}");
        assert!(effect.explain(Lang::Fr).contains("Trop tard") || effect.explain(Lang::Fr).contains("trop tard"));
        if let Ok(out) = Command::new("pdftotext")
            .args(["-", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
        {
            let mut child = out;
            child.stdin.take().expect("stdin").write_all(&pdf).expect("write");
            let text = String::from_utf8_lossy(&child.wait_with_output().expect("pdftotext").stdout).to_string();
            assert!(text.contains("FIB-42"), "{text}");
            assert!(text.contains("Lettre recommandée avec accusé de réception"), "{text}");
            assert!(
                text.contains("31 janvier 2028"),
                "ends at the following renewal: {text}"
            );
            assert!(text.contains("1 rue de la Paix"), "{text}");
        }
        let (_, en) = w
            .app
            .termination_letter(w.account, c.id, "email", Some("2026-11-02"), Lang::En, "Claire Martin")
            .await
            .expect("letter en");
        assert!(en.starts_with(b"%PDF-"));
        assert_eq!(
            invalid_fields(
                w.app
                    .termination_letter(w.account, c.id, "online_form", None, Lang::Fr, "x")
                    .await
            ),
            vec!["way"]
        );

        // Delivered before sent: refused.
        let step = |step: &str, on: &str, way: &str| StepInput {
            step: step.into(),
            on: on.into(),
            way: way.into(),
        };
        assert_eq!(
            code(
                w.app
                    .record_contract_step(
                        w.account,
                        c.id,
                        step("delivered", "2026-11-02", ""),
                        Some(DocumentUpload {
                            file_name: "ar.pdf".into(),
                            content: pdf_doc(),
                        }),
                        &actor(&admin)
                    )
                    .await
            ),
            "letter_not_sent"
        );
        let sent = w
            .app
            .record_contract_step(
                w.account,
                c.id,
                step("sent", "2026-11-02", "registered_letter"),
                None,
                &actor(&admin),
            )
            .await
            .expect("sent");
        assert_eq!(sent.status, ContractStatus::Sent);
        assert_eq!(sent.ends_on, Some(date(2028, 1, 31)));
        let no_proof = w
            .app
            .record_contract_step(
                w.account,
                c.id,
                step("delivered", "2026-11-02", ""),
                None,
                &actor(&admin),
            )
            .await;
        assert_eq!(invalid_fields(no_proof), vec!["file"]);
        let delivered = w
            .app
            .record_contract_step(
                w.account,
                c.id,
                step("delivered", "2026-11-02", ""),
                Some(DocumentUpload {
                    file_name: "ar.pdf".into(),
                    content: pdf_doc(),
                }),
                &actor(&admin),
            )
            .await
            .expect("delivered");
        assert_eq!(delivered.status, ContractStatus::Delivered);
        assert!(delivered.proof_file_id.is_some());
        let done = w
            .app
            .record_contract_step(
                w.account,
                c.id,
                step("terminated", "2026-11-02", ""),
                None,
                &actor(&admin),
            )
            .await
            .expect("terminated");
        assert_eq!(done.status, ContractStatus::Terminated);
        for action in [
            "contract.letter_sent",
            "contract.letter_delivered",
            "contract.terminated",
        ] {
            assert_eq!(w.trail(Some(w.account), action).await.len(), 1, "{action}");
        }
        let detail = w.app.contract(w.account, c.id).await.expect("detail");
        assert!(matches!(
            detail.letter.map(|l| l.outcome),
            Some(LetterOutcome::TooLate { .. })
        ));
    })
    .await;
}

// clause: CTR-CHATEL
#[tokio::test]
async fn an_association_may_terminate_at_any_time_without_the_suppliers_notice() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let _clock = on_clock(&w, "2027-03-01").await;
        let admin = w.principal(ADMIN).await;
        let c = w
            .app
            .create_contract(w.account, &worked_example(), &actor(&admin))
            .await
            .expect("create");
        assert!(w.app.contract(w.account, c.id).await.expect("detail").chatel.is_none());
        let bad = SettingsInput {
            holder_kind: "club".into(),
            lead_days: "90, x".into(),
            ..Default::default()
        };
        assert_eq!(
            invalid_fields(w.app.set_contract_settings(w.account, bad, &actor(&admin)).await),
            vec!["holder_kind", "lead_days"]
        );
        let settings = w
            .app
            .set_contract_settings(
                w.account,
                SettingsInput {
                    holder_kind: "association".into(),
                    lead_days: "30, 7".into(),
                    alsace_moselle: true,
                    weekly_digest: false,
                },
                &actor(&admin),
            )
            .await
            .expect("settings");
        assert_eq!(settings.lead_days, vec![30, 7]);
        let detail = w.app.contract(w.account, c.id).await.expect("detail");
        assert_eq!(detail.region, contracts::Region::AlsaceMoselle);
        let chatel = detail.chatel.expect("shown to an association");
        assert!(matches!(chatel, Chatel::TerminableAnyTime { .. }), "{chatel:?}");
        assert!(!chatel.explain(Lang::Fr).is_empty());
    })
    .await;
}

// clause: CTR-RENEWAL
// clause: CTR-SEND-BY
#[tokio::test]
async fn deadlines_roll_with_the_clock_and_allow_for_the_way_of_sending() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let clock = on_clock(&w, "2026-03-01").await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        let tacit = w
            .app
            .create_contract(w.account, &worked_example(), &actor(&admin))
            .await
            .expect("tacit");
        let mut open = worked_example();
        open.insert("reference".into(), "OPEN-1".into());
        open.insert("renewal".into(), "open_ended".into());
        open.insert("renewal_months".into(), String::new());
        open.insert("notice".into(), "1".into());
        let open = w
            .app
            .create_contract(w.account, &open, &actor(&admin))
            .await
            .expect("open-ended");

        // A registered letter allows 3 working days of transit; an email the same day.
        let d = w
            .app
            .contract(w.account, tacit.id)
            .await
            .expect("detail")
            .view
            .deadlines;
        let by = |way| d.send_by(way).map(|x| x.send_by.date);
        assert_eq!(by(contracts::SendingWay::Email), Some(date(2026, 10, 30)));
        assert_eq!(by(contracts::SendingWay::RegisteredLetter), Some(date(2026, 10, 27)));

        // Past the last day the next term's dates come, and the missed one is said.
        w.app
            .advance_clock(clock, "2026-11-15T12:00:00Z", &actor(&op))
            .await
            .expect("advance");
        let d = w
            .app
            .contract(w.account, tacit.id)
            .await
            .expect("detail")
            .view
            .deadlines;
        assert_eq!(d.last_day(), Some(date(2027, 10, 29)));
        assert!(d.explain(Lang::Fr).contains("Trop tard"), "{}", d.explain(Lang::Fr));

        // The open-ended contract, past its term, is terminable at any time with its notice.
        w.app
            .advance_clock(clock, "2027-03-01T12:00:00Z", &actor(&op))
            .await
            .expect("advance");
        let d = w.app.contract(w.account, open.id).await.expect("detail").view.deadlines;
        assert!(matches!(d.exit, contracts::Exit::AnyTime { .. }), "{:?}", d.exit);
    })
    .await;
}

async fn digests(w: &World, template: &str) -> usize {
    w.emails(ADMIN.0, template)
        .await
        .into_iter()
        .filter(|e| e.body_text.contains("FIB-42"))
        .count()
}

// clause: CTR-REMINDERS (weekly digest)
#[tokio::test]
async fn the_weekly_digest_leaves_on_mondays() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        // Thursday 1 October 2026; send-by 27 October.
        let clock = on_clock(&w, "2026-10-01").await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        w.app
            .set_contract_settings(
                w.account,
                SettingsInput {
                    holder_kind: "professional".into(),
                    lead_days: "30, 7".into(),
                    weekly_digest: true,
                    alsace_moselle: false,
                },
                &actor(&admin),
            )
            .await
            .expect("settings");
        w.app
            .create_contract(w.account, &worked_example(), &actor(&admin))
            .await
            .expect("create");
        w.app
            .advance_clock(clock, "2026-10-04T12:00:00Z", &actor(&op))
            .await
            .expect("to Sunday");
        assert_eq!(digests(&w, "contract_digest").await, 0);
        assert_eq!(digests(&w, "contract_reminder").await, 0, "a digest instead");
        w.app
            .advance_clock(clock, "2026-10-05T12:00:00Z", &actor(&op))
            .await
            .expect("to Monday");
        assert_eq!(digests(&w, "contract_digest").await, 1);
    })
    .await;
}

// clause: CTR-REMINDERS (every account with contracts gets its daily run, the demo's too)
#[tokio::test]
async fn the_schedule_starts_each_accounts_reminders() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let reminder_jobs = async || {
            let mut tx = w.db.read().await.expect("read");
            let n: i64 = store::sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = $1 AND account_id = $2")
                .bind(app::contracts::REMINDERS)
                .bind(w.account.to_string())
                .fetch_one(&mut *tx)
                .await
                .expect("count");
            tx.commit().await.expect("commit");
            n
        };
        assert_eq!(reminder_jobs().await, 0);
        let now = app::system_now();
        for _ in 0..2 {
            let mut tx = w.db.write().await.expect("write");
            jobs::enqueue(
                &mut tx,
                jobs::JobSpec::new(app::contracts::REMINDERS_SCHEDULE, serde_json::json!({}), now),
                now,
            )
            .await
            .expect("enqueue");
            tx.commit().await.expect("commit");
            w.drain_jobs().await;
        }
        assert_eq!(
            reminder_jobs().await,
            1,
            "one run a day, however often the schedule runs"
        );
    })
    .await;
}

/// A PDF written by the project's own `pdf` crate, saying `text`.
fn pdf_saying(text: &str) -> Vec<u8> {
    let mut doc = pdf::Document::new("Conditions générales", "Comptoir");
    doc.text(text);
    doc.to_bytes()
}

async fn search(w: &World, account: AccountId, words: &str) -> Vec<contracts::ContractId> {
    w.app
        .contracts(
            account,
            &ListQuery {
                search: Some(words.into()),
                ..Default::default()
            },
        )
        .await
        .expect("search")
        .1
        .into_iter()
        .map(|v| v.contract.id)
        .collect()
}

// clause: CLOG-SERVICE (full-text search over the documents' text, issue 5 item 6)
#[tokio::test]
async fn a_contract_is_found_by_the_words_of_its_documents() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        on_clock(&w, "2026-03-01").await;
        let admin = w.principal(ADMIN).await;
        let c = w
            .app
            .create_contract(w.account, &worked_example(), &actor(&admin))
            .await
            .expect("create");
        assert!(search(&w, w.account, "réversibilité").await.is_empty());

        let doc = w
            .app
            .add_contract_document(
                w.account,
                c.id,
                DocumentUpload {
                    file_name: "cgv.pdf".into(),
                    content: pdf_saying(
                        "Article 12 — Clause de réversibilité : en fin de contrat, le prestataire restitue \
                         les données hébergées.",
                    ),
                },
                &actor(&admin),
            )
            .await
            .expect("document");
        assert_eq!(doc.text_status, contracts::search::DocumentText::Indexed);
        assert!(doc.text_chars > 50, "{doc:?}");

        // Found by a word only the PDF has: as written, without accents in the plural, in
        // capitals, by the start of a word, and beside a word of the contract's own fields.
        for words in [
            "réversibilité",
            "REVERSIBILITES",
            "hébergée",
            "restitu",
            "télécom réversibilité",
        ] {
            assert_eq!(search(&w, w.account, words).await, vec![c.id], "{words}");
        }
        assert!(search(&w, w.account, "réversibilité xylophone").await.is_empty());

        // A document whose text cannot be read is attached all the same, and says so.
        let unreadable = w
            .app
            .add_contract_document(
                w.account,
                c.id,
                DocumentUpload {
                    file_name: "scan.pdf".into(),
                    content: pdf_doc(),
                },
                &actor(&admin),
            )
            .await
            .expect("kept");
        assert_eq!(unreadable.text_status, contracts::search::DocumentText::Unreadable);
        let detail = w.app.contract(w.account, c.id).await.expect("detail");
        assert_eq!(
            detail.documents.iter().map(|d| d.text_status).collect::<Vec<_>>(),
            vec![
                contracts::search::DocumentText::Indexed,
                contracts::search::DocumentText::Unreadable
            ]
        );

        // Another tenant's document never matches: its own word is not found from here, and
        // this account's word is not found from there.
        let other = other_account(&w).await;
        let theirs = w
            .app
            .create_contract(other, &worked_example(), &actor(&admin))
            .await
            .expect("other's contract");
        w.app
            .add_contract_document(
                other,
                theirs.id,
                DocumentUpload {
                    file_name: "annexe.pdf".into(),
                    content: pdf_saying("Annexe : maintenance préventive des chaudières."),
                },
                &actor(&admin),
            )
            .await
            .expect("other's document");
        assert_eq!(search(&w, other, "chaudière").await, vec![theirs.id]);
        assert!(search(&w, w.account, "chaudière").await.is_empty());
        assert!(search(&w, other, "réversibilité").await.is_empty());
    })
    .await;
}

// clause: CLOG-SERVICE (deleting one document of a contract)
#[tokio::test]
async fn a_single_document_is_deleted_and_its_storage_released() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        on_clock(&w, "2026-03-01").await;
        let admin = w.principal(ADMIN).await;
        let c = w
            .app
            .create_contract(w.account, &worked_example(), &actor(&admin))
            .await
            .expect("create");
        let storage = async |account| {
            let mut tx = w.db.read().await.expect("read");
            let n = store::files::total_bytes(&mut tx, account).await.expect("bytes");
            tx.commit().await.expect("commit");
            n
        };
        let before = storage(w.account).await;
        let kept_bytes = pdf_saying("Avenant tarifaire.");
        let kept = w
            .app
            .add_contract_document(
                w.account,
                c.id,
                DocumentUpload {
                    file_name: "avenant.pdf".into(),
                    content: kept_bytes.clone(),
                },
                &actor(&admin),
            )
            .await
            .expect("kept");
        let gone = w
            .app
            .add_contract_document(
                w.account,
                c.id,
                DocumentUpload {
                    file_name: "devis.pdf".into(),
                    content: pdf_saying("Devis de raccordement."),
                },
                &actor(&admin),
            )
            .await
            .expect("to delete");
        assert_eq!(
            storage(w.account).await,
            before + kept.meta.size_bytes + gone.meta.size_bytes
        );
        assert_eq!(search(&w, w.account, "raccordement").await, vec![c.id]);

        // Another tenant cannot delete it: not found, nothing changed.
        let other = other_account(&w).await;
        assert!(matches!(
            w.app
                .delete_contract_document(other, c.id, gone.meta.id, &actor(&admin))
                .await,
            Err(app::AppError::NotFound)
        ));
        assert_eq!(
            w.app.contract(w.account, c.id).await.expect("detail").documents.len(),
            2
        );

        w.app
            .delete_contract_document(w.account, c.id, gone.meta.id, &actor(&admin))
            .await
            .expect("delete");
        let detail = w.app.contract(w.account, c.id).await.expect("detail");
        assert_eq!(
            detail.documents.iter().map(|d| d.meta.id).collect::<Vec<_>>(),
            vec![kept.meta.id]
        );
        assert_eq!(storage(w.account).await, before + kept_bytes.len() as i64);
        assert!(search(&w, w.account, "raccordement").await.is_empty());
        assert!(matches!(
            w.app.contract_document(w.account, c.id, gone.meta.id).await,
            Err(app::AppError::NotFound)
        ));
        assert_eq!(w.trail(Some(w.account), "contract.document_delete").await.len(), 1);
        // Deleting it again: not found.
        assert!(matches!(
            w.app
                .delete_contract_document(w.account, c.id, gone.meta.id, &actor(&admin))
                .await,
            Err(app::AppError::NotFound)
        ));
    })
    .await;
}

// clause: CTR-SEND-BY (the registered letter's transit set per contract)
#[tokio::test]
async fn the_letters_transit_time_is_set_per_contract() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        on_clock(&w, "2026-03-01").await;
        let admin = w.principal(ADMIN).await;
        let before = w.count("contracts").await;

        // Out of 0..=15 or not a number: refused naming the field, nothing written.
        for bad in ["16", "-1", "trois", "2.5"] {
            let mut fields = worked_example();
            fields.insert(app::contracts::LETTER_TRANSIT_DAYS.into(), bad.into());
            assert_eq!(
                invalid_fields(w.app.create_contract(w.account, &fields, &actor(&admin)).await),
                vec![app::contracts::LETTER_TRANSIT_DAYS],
                "{bad}"
            );
        }
        assert_eq!(w.count("contracts").await, before);

        // 5 working days: the send-by date moves from Tuesday 27 to Friday 23 October 2026
        // (last day Friday 30 October); the email's stays on the last day.
        let mut fields = worked_example();
        fields.insert(app::contracts::LETTER_TRANSIT_DAYS.into(), "5".into());
        let c = w
            .app
            .create_contract(w.account, &fields, &actor(&admin))
            .await
            .expect("create");
        let detail = w.app.contract(w.account, c.id).await.expect("detail");
        let by = |d: &contracts::Deadlines, way| d.send_by(way).map(|x| x.send_by.date);
        let d = &detail.view.deadlines;
        assert_eq!(d.last_day(), Some(date(2026, 10, 30)));
        assert_eq!(by(d, contracts::SendingWay::RegisteredLetter), Some(date(2026, 10, 23)));
        assert_eq!(by(d, contracts::SendingWay::Email), Some(date(2026, 10, 30)));
        // The edit form shows it back.
        let shown = app::contracts::fields_of(&detail.view.contract);
        assert_eq!(shown[app::contracts::LETTER_TRANSIT_DAYS], "5");
        assert_eq!(shown["ways"], "registered_letter:5|email");

        // 0: the letter may leave on the last day itself (a hand delivery, say).
        let mut fields = shown.clone();
        fields.insert(app::contracts::LETTER_TRANSIT_DAYS.into(), "0".into());
        w.app
            .update_contract(w.account, c.id, &fields, &actor(&admin))
            .await
            .expect("update");
        let d = w.app.contract(w.account, c.id).await.expect("detail").view.deadlines;
        assert_eq!(
            by(&d, contracts::SendingWay::RegisteredLetter),
            Some(date(2026, 10, 30))
        );

        // Left empty, the way keeps the transit it has; a contract without registered
        // letters ignores the field.
        let mut fields =
            app::contracts::fields_of(&w.app.contract(w.account, c.id).await.expect("detail").view.contract);
        fields.insert(app::contracts::LETTER_TRANSIT_DAYS.into(), String::new());
        let kept = w
            .app
            .update_contract(w.account, c.id, &fields, &actor(&admin))
            .await
            .expect("update");
        assert_eq!(
            kept.record
                .terms
                .way(contracts::SendingWay::RegisteredLetter)
                .map(|w| w.transit_working_days),
            Some(0)
        );
        let mut email_only = worked_example();
        email_only.insert("ways".into(), "email".into());
        email_only.insert(app::contracts::LETTER_TRANSIT_DAYS.into(), "7".into());
        let e = w
            .app
            .create_contract(w.account, &email_only, &actor(&admin))
            .await
            .expect("email only");
        assert_eq!(e.record.terms.ways().len(), 1);
    })
    .await;
}
