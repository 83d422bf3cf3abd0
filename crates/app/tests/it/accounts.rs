//! Sign-up, terms versions, reference opt-out, ending an account, test clocks.

use crate::{ADMIN, MEMBER, OPERATOR, World, actor, at, code, invalid_fields, on_every_backend, token_in, visitor};
use app::terms::PublishTermsInput;
use app::users::{AcceptInvitationInput, InviteInput};
use jiff::{SignedDuration, Timestamp};
use kernel::Lang;
use platform::Role;
use platform::roles::AccountStatus;
use platform::signup::SignupInput;

fn signup_input(email: &str) -> SignupInput {
    SignupInput {
        legal_name: "Fromagerie Durand SAS".into(),
        siren: "552 032 534".into(),
        vat_number: String::new(),
        address_line: "3 place du Marché".into(),
        postal_code: "21000".into(),
        city: "Dijon".into(),
        country: "fr".into(),
        admin_name: "Jeanne Durand".into(),
        admin_email: email.into(),
        password: "une phrase de passe solide".into(),
        accept_terms: true,
        certify_authority: true,
        lang: Some(Lang::Fr),
    }
}

// clause: OSX-SIGNUP, INES-KYC
#[tokio::test]
async fn signup_records_acceptance_and_requires_verified_email() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let email = "jeanne@fromagerie-durand.test";
        let before = Timestamp::now();
        let signed = w
            .app
            .signup(signup_input(" Jeanne@Fromagerie-Durand.test "), &visitor())
            .await
            .expect("signup");
        let after = Timestamp::now();

        let account = w.app.account(signed.account_id).await.expect("account");
        assert_eq!(account.siren, "552032534");
        assert_eq!(account.status, AccountStatus::Active);
        let users = w.app.users(signed.account_id).await.expect("users");
        assert_eq!(users.len(), 1);
        assert_eq!(users[0].id, signed.user_id);
        assert_eq!(users[0].email, email);
        assert_eq!(users[0].role, Role::Admin);
        assert!(users[0].email_verified_at.is_none());

        // The acceptance of the terms in force, with its version, time and address.
        assert_eq!(signed.terms_version, "2026-11");
        let acceptances = w.app.terms_acceptances(signed.account_id).await.expect("acceptances");
        assert_eq!(acceptances.len(), 1);
        assert_eq!(acceptances[0].version, "2026-11");
        assert_eq!(acceptances[0].user_id, signed.user_id.to_string());
        assert_eq!(acceptances[0].ip.as_deref(), Some("203.0.113.7"));
        let accepted_us = acceptances[0].accepted_at.as_microsecond(); // stored to the microsecond
        assert!(before.as_microsecond() <= accepted_us && accepted_us <= after.as_microsecond());
        assert!(account.terms_version_id.is_some());

        let verify = w.last_email(email, "verify_email").await;
        assert_eq!(verify.account_id, Some(signed.account_id));
        let token = token_in(&verify, "/verify-email");
        assert!(token.len() >= 32, "token {token:?}");

        let password = "une phrase de passe solide";
        assert_eq!(
            code(w.app.login(email, password, &visitor()).await),
            "email_not_verified"
        );
        assert_eq!(
            w.app.verify_email(&token, &visitor()).await.expect("verify"),
            signed.user_id
        );
        assert_eq!(code(w.app.verify_email(&token, &visitor()).await), "token_used");

        let session = w
            .app
            .login(email, password, &visitor())
            .await
            .expect("login after verification");
        assert_eq!(session.principal.user.id, signed.user_id);
        assert_eq!(
            session.principal.account.as_ref().map(|a| a.id),
            Some(signed.account_id)
        );
        assert!(!session.principal.terms_required);
        assert_eq!(w.trail(Some(signed.account_id), "account.signup").await.len(), 1);
        assert_eq!(w.trail(Some(signed.account_id), "user.verify_email").await.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn refused_signup_writes_nothing() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let (accounts, users, emails, jobs) = (
            w.count("accounts").await,
            w.count("users").await,
            w.count("emails").await,
            w.count("jobs").await,
        );

        let bad_siren = w
            .app
            .signup(
                SignupInput {
                    siren: "732829321".into(),
                    ..signup_input("a@durand.test")
                },
                &visitor(),
            )
            .await;
        assert_eq!(invalid_fields(bad_siren), ["siren"]);

        let taken = w.app.signup(signup_input(ADMIN.0), &visitor()).await;
        assert!(
            matches!(
                taken,
                Err(app::AppError::Conflict {
                    field: "admin_email",
                    code: "email_taken"
                })
            ),
            "{taken:?}"
        );

        let weak = w
            .app
            .signup(
                SignupInput {
                    password: "aaaaaaaaaaaaaa".into(),
                    ..signup_input("b@durand.test")
                },
                &visitor(),
            )
            .await;
        assert_eq!(invalid_fields(weak), ["password"]);

        let unaccepted = w
            .app
            .signup(
                SignupInput {
                    accept_terms: false,
                    ..signup_input("c@durand.test")
                },
                &visitor(),
            )
            .await;
        assert_eq!(invalid_fields(unaccepted), ["accept_terms"]);

        assert_eq!(w.count("accounts").await, accounts);
        assert_eq!(w.count("users").await, users);
        assert_eq!(w.count("emails").await, emails);
        assert_eq!(w.count("jobs").await, jobs);
    })
    .await;
}

// clause: OSX-REFERENCE-OPTOUT
#[tokio::test]
async fn reference_optout_is_recorded_and_audited() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        assert!(!w.app.account(w.account).await.expect("account").reference_optout);

        w.app
            .set_reference_optout(w.account, true, &actor(&admin))
            .await
            .expect("opt out");
        assert!(w.app.account(w.account).await.expect("account").reference_optout);
        let entries = w.trail(Some(w.account), "account.reference_optout").await;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].actor_id, Some(admin.user.id.to_string()));

        w.app
            .set_reference_optout(w.account, false, &actor(&admin))
            .await
            .expect("opt in");
        assert!(!w.app.account(w.account).await.expect("account").reference_optout);
        assert_eq!(w.trail(Some(w.account), "account.reference_optin").await.len(), 1);
    })
    .await;
}

fn terms(version: &str, effective_at: Timestamp) -> PublishTermsInput {
    PublishTermsInput {
        version: version.into(),
        body_md: format!("# Conditions générales, version {version}\n\nArticle 1…"),
        effective_at: effective_at.to_string(),
    }
}

// clause: OSX-TERMS-VERSION, INES-GROUPEMENT
#[tokio::test]
async fn new_terms_are_announced_then_required_after_their_effective_date() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let operator = w.principal(OPERATOR).await;
        // A second company, so that the announcement reaches every account's administrators.
        let other = w
            .app
            .signup(signup_input("jeanne@fromagerie-durand.test"), &visitor())
            .await
            .expect("signup");

        let future = Timestamp::now() + SignedDuration::from_hours(24 * 30);
        let v2 = w
            .app
            .publish_terms(terms("2027-01", future), &actor(&operator))
            .await
            .expect("publish");
        for admin in [ADMIN.0, "jeanne@fromagerie-durand.test"] {
            let email = w.last_email(admin, "terms_published").await;
            assert!(email.body_text.contains("2027-01"), "{}", email.body_text);
            assert!(
                email.body_text.contains(&format!("/terms/{}", v2.id)),
                "{}",
                email.body_text
            );
        }
        assert_eq!(
            w.emails(MEMBER.0, "terms_published").await.len(),
            0,
            "members are not administrators"
        );
        assert_eq!(w.trail(None, "terms.publish").await.len(), 1);

        // Before its effective date the new version binds nobody yet.
        let session = w.login(ADMIN).await;
        assert!(!session.principal.terms_required);

        // A version whose effective date has passed must be accepted at the next login.
        let past = Timestamp::now() - SignedDuration::from_mins(5);
        let v3 = w
            .app
            .publish_terms(terms("2026-12", past), &actor(&operator))
            .await
            .expect("publish");
        let session = w.login(ADMIN).await;
        assert!(session.principal.terms_required);
        let p = w
            .app
            .authenticate_session(&session.token)
            .await
            .expect("auth")
            .expect("session");
        assert!(p.terms_required);
        // The member belongs to the same account: the account (the group) accepts once for all.
        let member = w.login(MEMBER).await;
        assert!(member.principal.terms_required);

        let accepted = w.app.accept_terms(&p, &actor(&p)).await.expect("accept");
        assert_eq!(accepted.id, v3.id);
        let p = w
            .app
            .authenticate_session(&session.token)
            .await
            .expect("auth")
            .expect("session");
        assert!(!p.terms_required);
        let m = w
            .app
            .authenticate_session(&member.token)
            .await
            .expect("auth")
            .expect("session");
        assert!(!m.terms_required);

        let acceptances = w.app.terms_acceptances(w.account).await.expect("acceptances");
        let mut versions: Vec<&str> = acceptances.iter().map(|a| a.version.as_str()).collect();
        versions.sort_unstable();
        assert_eq!(versions, ["2026-11", "2026-12"]);
        let latest = &acceptances[0];
        assert_eq!(
            (latest.version.as_str(), latest.ip.as_deref()),
            ("2026-12", Some("198.51.100.20"))
        );
        assert_eq!(w.trail(Some(w.account), "terms.accept").await.len(), 1);
        // The other company still has to accept.
        assert_ne!(
            w.app.account(other.account_id).await.expect("account").terms_version_id,
            Some(v3.id)
        );
    })
    .await;
}

// clause: CLOG-BREACH-TERMINATE, DGT-END-ACCESS
#[tokio::test]
async fn ending_an_account_for_breach_stops_access_at_once() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let operator = w.principal(OPERATOR).await;
        let admin = w.login(ADMIN).await;
        let member = w.login(MEMBER).await;

        // A second administrator, so that "each administrator" means more than one.
        let invitation = InviteInput {
            email: "co-gerant@boulangerie-exemple.test".into(),
            role: "admin".into(),
            lang: Some(Lang::En),
        };
        w.app
            .invite(&admin.principal, invitation, &actor(&admin.principal))
            .await
            .expect("invite");
        let token = token_in(
            &w.last_email("co-gerant@boulangerie-exemple.test", "invitation").await,
            "/invitations/accept",
        );
        let accept = AcceptInvitationInput {
            token,
            name: "Paul Martin".into(),
            password: "un autre mot de passe".into(),
        };
        w.app
            .accept_invitation(accept, Lang::En, &visitor())
            .await
            .expect("accept invitation");

        let (_, admin_key) = w
            .app
            .create_api_key(&admin.principal, "compta", &actor(&admin.principal))
            .await
            .expect("key");
        let (_, member_key) = w
            .app
            .create_api_key(&member.principal, "caisse", &actor(&member.principal))
            .await
            .expect("key");
        assert!(w.app.authenticate_api_key(&member_key).await.expect("auth").is_some());

        let reason = "Revente des accès à des tiers, constatée le 2 mai";
        w.app
            .end_account_for_breach(w.account, reason, &actor(&operator))
            .await
            .expect("end account");

        for token in [&admin.token, &member.token] {
            assert!(w.app.authenticate_session(token).await.expect("auth").is_none());
        }
        for key in [&admin_key, &member_key] {
            assert!(w.app.authenticate_api_key(key).await.expect("auth").is_none());
        }
        assert_eq!(code(w.app.login(ADMIN.0, ADMIN.1, &visitor()).await), "account_ended");
        assert_eq!(code(w.app.login(MEMBER.0, MEMBER.1, &visitor()).await), "account_ended");

        let account = w.app.account(w.account).await.expect("account");
        assert_eq!(account.status, AccountStatus::Ended);
        assert_eq!(account.ended_reason.as_deref(), Some(reason));

        for admin_email in [ADMIN.0, "co-gerant@boulangerie-exemple.test"] {
            let email = w.last_email(admin_email, "account_ended").await;
            assert!(email.body_text.contains(reason), "{}", email.body_text);
        }
        assert!(w.emails(MEMBER.0, "account_ended").await.is_empty());

        let entries = w.trail(Some(w.account), "account.end_for_breach").await;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].actor_id, Some(operator.user.id.to_string()));
        assert_eq!(entries[0].actor_kind, "operator");
        assert_eq!(w.trail(None, "account.end_for_breach").await.len(), 1);

        assert_eq!(
            code(w.app.end_account_for_breach(w.account, reason, &actor(&operator)).await),
            "account_already_ended"
        );
    })
    .await;
}

#[tokio::test]
async fn an_account_on_a_test_clock_lives_at_the_clock_time() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let operator = w.principal(OPERATOR).await;
        let op = actor(&operator);

        let clock = w
            .app
            .create_clock("bac à sable", "2030-01-15T09:00:00Z", &op)
            .await
            .expect("create clock");
        assert_eq!(clock.now, at("2030-01-15T09:00:00Z"));
        w.app
            .attach_clock(w.account, Some(clock.id), &op)
            .await
            .expect("attach");
        assert_eq!(
            w.app.now_for(Some(w.account)).await.expect("now"),
            at("2030-01-15T09:00:00Z")
        );
        assert_eq!(w.app.clock(clock.id).await.expect("clock").accounts, 1);

        let (moved, _) = w
            .app
            .advance_clock(clock.id, "2030-02-01T00:00:00Z", &op)
            .await
            .expect("advance");
        assert_eq!(moved.now, at("2030-02-01T00:00:00Z"));
        assert_eq!(
            w.app.now_for(Some(w.account)).await.expect("now"),
            at("2030-02-01T00:00:00Z")
        );

        let backwards = w.app.advance_clock(clock.id, "2030-01-20T00:00:00Z", &op).await;
        assert_eq!(invalid_fields(backwards), ["to"]);
        assert_eq!(
            w.app.clock(clock.id).await.expect("clock").now,
            at("2030-02-01T00:00:00Z")
        );

        w.app.attach_clock(w.account, None, &op).await.expect("detach");
        let now = w.app.now_for(Some(w.account)).await.expect("now");
        assert!(now < at("2030-01-01T00:00:00Z"), "back on the system clock: {now}");
    })
    .await;
}
