//! Logins, password reset, invitations, API keys and operator access to an account.

use crate::{ADMIN, MEMBER, OPERATOR, World, actor, code, invalid_fields, on_every_backend, token_in, visitor};
use app::AppConfig;
use app::auth::Via;
use app::users::{AcceptInvitationInput, InviteInput};
use jiff::SignedDuration;
use kernel::Lang;
use platform::Role;
use platform::access::GrantKind;
use platform::roles::UserStatus;

// clause: CLX-TRACE-ALL
#[tokio::test]
async fn repeated_failures_lock_the_login_and_are_audited() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        for attempt in 1..=5 {
            let outcome = code(w.app.login(ADMIN.0, "pas le bon mot de passe", &visitor()).await);
            let expected = if attempt < 5 {
                "invalid_credentials"
            } else {
                "login_locked"
            };
            assert_eq!(outcome, expected, "attempt {attempt}");
        }
        // Locked: even the right password is refused, and the refusal reveals nothing more.
        assert_eq!(code(w.app.login(ADMIN.0, ADMIN.1, &visitor()).await), "login_locked");
        // Another user of the account is not affected.
        w.login(MEMBER).await;

        let failures = w.trail(Some(w.account), "auth.login_failed").await;
        assert_eq!(failures.len(), 5);
        let admin_id = w.trail(Some(w.account), "auth.login_locked").await[0].target_id.clone();
        assert!(
            failures
                .iter()
                .all(|e| e.target_id == admin_id && e.ip.as_deref() == Some("203.0.113.7"))
        );
        assert_eq!(w.trail(Some(w.account), "auth.login_locked").await.len(), 1);
        // An unknown email is refused the same way as a wrong password.
        assert_eq!(
            code(w.app.login("nobody@example.test", ADMIN.1, &visitor()).await),
            "invalid_credentials"
        );
    })
    .await;
}

#[tokio::test]
async fn password_reset_is_single_use_and_ends_sessions() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let old_session = w.login(ADMIN).await;

        w.app
            .request_password_reset(ADMIN.0, &visitor())
            .await
            .expect("request reset");
        let token = token_in(&w.last_email(ADMIN.0, "password_reset").await, "/reset-password");
        // An unknown address gets the same silent answer, and no email.
        w.app
            .request_password_reset("nobody@example.test", &visitor())
            .await
            .expect("silent");
        assert!(w.emails("nobody@example.test", "password_reset").await.is_empty());

        assert_eq!(
            invalid_fields(w.app.reset_password(&token, "court", &visitor()).await),
            ["password"]
        );
        // The refused attempt did not use the token up.
        let new_password = "une toute nouvelle phrase";
        w.app
            .reset_password(&token, new_password, &visitor())
            .await
            .expect("reset");
        assert!(
            w.app
                .authenticate_session(&old_session.token)
                .await
                .expect("auth")
                .is_none()
        );
        assert_eq!(
            code(
                w.app
                    .reset_password(&token, "encore une autre phrase", &visitor())
                    .await
            ),
            "token_used"
        );
        assert_eq!(
            code(w.app.login(ADMIN.0, ADMIN.1, &visitor()).await),
            "invalid_credentials"
        );
        w.login((ADMIN.0, new_password)).await;
        assert_eq!(w.trail(Some(w.account), "auth.password_reset").await.len(), 1);

        // A token past its lifetime is refused.
        let hasty = w.app_with(AppConfig {
            reset_ttl: SignedDuration::from_mins(-1),
            ..AppConfig::default()
        });
        hasty
            .request_password_reset(MEMBER.0, &visitor())
            .await
            .expect("request reset");
        let expired = token_in(&w.last_email(MEMBER.0, "password_reset").await, "/reset-password");
        assert_eq!(
            code(
                w.app
                    .reset_password(&expired, "une toute nouvelle phrase", &visitor())
                    .await
            ),
            "token_expired"
        );
        w.login(MEMBER).await;
        assert_eq!(
            code(
                w.app
                    .reset_password("not-a-token", "une toute nouvelle phrase", &visitor())
                    .await
            ),
            "token_invalid"
        );
    })
    .await;
}

// clause: INES-ADMIN, DGT-IDENTIFIERS
#[tokio::test]
async fn administrators_invite_nominative_users() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let member = w.principal(MEMBER).await;
        let invited = "lea@boulangerie-exemple.test";

        let invite = |email: &str| InviteInput {
            email: email.into(),
            role: "member".into(),
            lang: None,
        };
        assert_eq!(
            code(w.app.invite(&member, invite(invited), &actor(&member)).await),
            "admin_required"
        );
        assert!(w.emails(invited, "invitation").await.is_empty());

        let invitation = w
            .app
            .invite(&admin, invite(" Lea@Boulangerie-Exemple.test "), &actor(&admin))
            .await
            .expect("invite");
        assert_eq!(
            (invitation.email.as_str(), invitation.role, invitation.account_id),
            (invited, Role::Member, w.account)
        );
        let email = w.last_email(invited, "invitation").await;
        assert!(email.body_text.contains("Claire Martin"), "{}", email.body_text);
        let token = token_in(&email, "/invitations/accept");
        assert_eq!(w.app.invitations(w.account).await.expect("pending").len(), 1);
        assert_eq!(
            code(w.app.invite(&admin, invite(invited), &actor(&admin)).await),
            "invitation_pending"
        );

        let weak = AcceptInvitationInput {
            token: token.clone(),
            name: "Léa Petit".into(),
            password: "court".into(),
        };
        assert_eq!(
            invalid_fields(w.app.accept_invitation(weak, Lang::Fr, &visitor()).await),
            ["password"]
        );
        let accept = AcceptInvitationInput {
            token: token.clone(),
            name: "Léa Petit".into(),
            password: "la phrase de Léa".into(),
        };
        let user = w
            .app
            .accept_invitation(accept.clone(), Lang::Fr, &visitor())
            .await
            .expect("accept");
        assert_eq!(
            (user.email.as_str(), user.role, user.account_id),
            (invited, Role::Member, Some(w.account))
        );
        assert_ne!(user.id, admin.user.id);
        assert_ne!(user.id, member.user.id);
        assert_eq!(
            code(w.app.accept_invitation(accept, Lang::Fr, &visitor()).await),
            "token_used"
        );

        // Their own login, their own identity in the trail.
        let session = w.login((invited, "la phrase de Léa")).await;
        assert_eq!(session.principal.user.id, user.id);
        assert_eq!(session.principal.account.as_ref().map(|a| a.id), Some(w.account));
        assert_eq!(w.app.users(w.account).await.expect("users").len(), 3);
        let accepted = w.trail(Some(w.account), "user.accept_invitation").await;
        assert_eq!(accepted[0].actor_id, Some(user.id.to_string()));
        assert_eq!(w.trail(Some(w.account), "user.invite").await.len(), 1);

        for existing in [invited, MEMBER.0, OPERATOR.0] {
            assert_eq!(
                code(w.app.invite(&admin, invite(existing), &actor(&admin)).await),
                "email_taken",
                "{existing}"
            );
        }
        assert_eq!(
            invalid_fields(w.app.invite(&admin, invite("not an email"), &actor(&admin)).await),
            ["email"]
        );
    })
    .await;
}

// clause: DGT-IDENTIFIERS, DGT-END-ACCESS
#[tokio::test]
async fn api_keys_are_shown_once_revocable_and_stop_with_their_user() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;

        let (key, token) = w
            .app
            .create_api_key(&admin, "comptabilité", &actor(&admin))
            .await
            .expect("create key");
        assert!(token.starts_with(&format!("cpt_{}_", key.prefix)), "{token}");
        let listed = w.app.api_keys(&admin).await.expect("list");
        assert_eq!(listed.len(), 1);
        assert_ne!(listed[0].secret_hash, token, "only a hash of the secret is kept");

        let p = w
            .app
            .authenticate_api_key(&token)
            .await
            .expect("auth")
            .expect("valid key");
        assert_eq!(p.user.id, admin.user.id);
        assert!(matches!(p.via, Via::ApiKey { id } if id == key.id));
        assert_eq!(p.actor(None, None).kind, "api_key");
        // A forged secret with the right prefix is refused.
        let forged = format!("cpt_{}_{}", key.prefix, "A".repeat(43));
        assert!(w.app.authenticate_api_key(&forged).await.expect("auth").is_none());

        w.app
            .revoke_api_key(&admin, key.id, &actor(&admin))
            .await
            .expect("revoke");
        assert!(w.app.authenticate_api_key(&token).await.expect("auth").is_none());
        assert_eq!(
            code(w.app.revoke_api_key(&admin, key.id, &actor(&admin)).await),
            "not_found"
        );

        // Disabling a user ends their session and keys at once.
        let member = w.login(MEMBER).await;
        let (_, member_token) = w
            .app
            .create_api_key(&member.principal, "caisse", &actor(&member.principal))
            .await
            .expect("key");
        assert!(w.app.authenticate_api_key(&member_token).await.expect("auth").is_some());
        let disabled = w
            .app
            .set_user_status(&admin, member.principal.user.id, UserStatus::Disabled, &actor(&admin))
            .await
            .expect("disable");
        assert_eq!(disabled.status, UserStatus::Disabled);
        assert!(w.app.authenticate_api_key(&member_token).await.expect("auth").is_none());
        assert!(w.app.authenticate_session(&member.token).await.expect("auth").is_none());
        assert_eq!(code(w.app.login(MEMBER.0, MEMBER.1, &visitor()).await), "user_disabled");
        assert_eq!(w.trail(Some(w.account), "user.disable").await.len(), 1);
        assert_eq!(w.trail(Some(w.account), "api_key.revoke").await.len(), 1);
    })
    .await;
}

// clause: DGT-SUPPORT-ACCESS, CLOG-NO-STAFF-ACCESS, INES-NO-READ
#[tokio::test]
async fn operators_see_an_account_only_under_a_grant() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let operator = w.principal(OPERATOR).await;
        let admin = w.principal(ADMIN).await;
        let member = w.principal(MEMBER).await;
        let op = actor(&operator);

        assert_eq!(
            code(w.app.support_view(&operator, w.account, &op).await),
            "support_access_not_granted"
        );
        assert_eq!(
            code(w.app.support_view(&admin, w.account, &actor(&admin)).await),
            "operator_required"
        );
        assert_eq!(
            code(w.app.grant_support(&member, 2, &actor(&member)).await),
            "admin_required"
        );
        assert_eq!(
            invalid_fields(w.app.grant_support(&admin, 0, &actor(&admin)).await),
            ["hours"]
        );

        let grant = w.app.grant_support(&admin, 2, &actor(&admin)).await.expect("grant");
        assert_eq!(
            grant.ends_at.duration_since(grant.starts_at),
            SignedDuration::from_hours(2)
        );
        let view = w
            .app
            .support_view(&operator, w.account, &op)
            .await
            .expect("view under grant");
        assert_eq!(view.account.id, w.account);
        assert_eq!(view.grant.id, grant.id);
        assert_eq!(view.users.len(), 2);
        let views = w.trail(Some(w.account), "support_access.view").await;
        assert_eq!(views.len(), 1);
        assert_eq!(
            (views[0].actor_id.clone(), views[0].target_id.clone()),
            (Some(operator.user.id.to_string()), Some(grant.id.to_string()))
        );
        // The operator's summary shows until when (instants are stored to the microsecond).
        let until = w
            .app
            .operator_account(w.account)
            .await
            .expect("summary")
            .support_access_until;
        assert_eq!(until.map(|t| t.as_microsecond()), Some(grant.ends_at.as_microsecond()));

        w.app
            .revoke_grant(&admin, grant.id, &actor(&admin))
            .await
            .expect("revoke");
        assert_eq!(
            code(w.app.support_view(&operator, w.account, &op).await),
            "support_access_not_granted"
        );
        assert_eq!(w.trail(Some(w.account), "support_access.revoke").await.len(), 1);

        // Break-glass: only for an official request, stated in full.
        let refused = w.app.open_break_glass(&operator, w.account, " ", "", 24, &op).await;
        assert_eq!(invalid_fields(refused), ["reason", "legal_reference"]);
        assert_eq!(
            code(w.app.support_view(&operator, w.account, &op).await),
            "support_access_not_granted"
        );
        assert_eq!(
            code(
                w.app
                    .open_break_glass(
                        &admin,
                        w.account,
                        "Réquisition judiciaire n° 42",
                        "CPP art. 60-1",
                        24,
                        &op
                    )
                    .await
            ),
            "operator_required"
        );

        let bg = w
            .app
            .open_break_glass(
                &operator,
                w.account,
                "Réquisition judiciaire n° 42",
                "CPP art. 60-1",
                24,
                &op,
            )
            .await
            .expect("break glass");
        assert_eq!(bg.kind, GrantKind::BreakGlass);
        let view = w
            .app
            .support_view(&operator, w.account, &op)
            .await
            .expect("view under break-glass");
        assert_eq!(view.grant.id, bg.id);
        let opened = w.trail(Some(w.account), "break_glass.open").await;
        assert_eq!(opened.len(), 1);
        assert_eq!(opened[0].target_id, Some(bg.id.to_string()));
        assert_eq!(w.trail(Some(w.account), "break_glass.view").await.len(), 1);
        // Administrators cannot end a break-glass access (it is not theirs).
        assert_eq!(
            code(w.app.revoke_grant(&admin, bg.id, &actor(&admin)).await),
            "not_found"
        );
    })
    .await;
}
