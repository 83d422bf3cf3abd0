//! TLS: a short-lived certificate from a test CA, its expiry read from the handshake.

use std::sync::Arc;

use jiff::ToSpan;
use jiff::civil::Date;
use monitor::redirects::FetchOutcome;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use url::Url;

use crate::support::{now, probe, probe_with};

struct Pki {
    ca_pem: String,
    leaf_der: CertificateDer<'static>,
    leaf_key: PrivateKeyDer<'static>,
    not_after: Date,
}

/// A CA and a leaf for 127.0.0.1 valid from yesterday to three days from today.
fn pki() -> Pki {
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let not_before = today - 1.day();
    let not_after = today + 3.days();
    let to_rc = |d: Date| rcgen::date_time_ymd(i32::from(d.year()), d.month() as u8, d.day() as u8);

    let ca_key = KeyPair::generate().expect("test setup");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("test setup");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Comptoir test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params.not_before = to_rc(today - 10.days());
    ca_params.not_after = to_rc(today + 30.days());
    let ca_cert = ca_params.self_signed(&ca_key).expect("test setup");
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().expect("test setup");
    let mut leaf_params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).expect("test setup");
    leaf_params.distinguished_name.push(DnType::CommonName, "localhost");
    leaf_params.not_before = to_rc(not_before);
    leaf_params.not_after = to_rc(not_after);
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).expect("test setup");
    Pki {
        ca_pem: ca_cert.pem(),
        leaf_der: leaf.der().clone(),
        leaf_key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        not_after,
    }
}

/// A minimal HTTPS server: robots.txt 404, any other path a small page; one request per
/// connection.
async fn tls_server(pki: &Pki) -> std::net::SocketAddr {
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![pki.leaf_der.clone()], pki.leaf_key.clone_key())
        .expect("test setup");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("test setup");
    let addr = listener.local_addr().expect("test setup");
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut req = Vec::new();
                let mut buf = [0u8; 1024];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let response: &[u8] = if req.starts_with(b"GET /robots.txt ") {
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                } else {
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 38\r\nconnection: close\r\n\r\n<html><title>Secure</title></html>\n\n\n\n"
                };
                let _ = tls.write_all(response).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn the_certificate_expiry_of_the_final_https_hop_is_read() {
    let pki = pki();
    let addr = tls_server(&pki).await;
    let probe = probe_with(|c| c.extra_root_certificates = vec![pki.ca_pem.clone().into_bytes()]);
    let u = Url::parse(&format!("https://127.0.0.1:{}/page", addr.port())).expect("test setup");
    let check = probe.check_http(&u, None, now()).await;
    assert!(
        matches!(check.outcome, FetchOutcome::Answered { status: 200, .. }),
        "{:?} {:?}",
        check.outcome,
        check.failure
    );
    assert_eq!(
        check.result.snapshot.expect("test setup").title.as_deref(),
        Some("Secure")
    );
    let expected = pki
        .not_after
        .to_zoned(jiff::tz::TimeZone::UTC)
        .expect("test setup")
        .timestamp();
    assert_eq!(check.tls_not_after, Some(expected));
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_tls_failure() {
    let pki = pki();
    let addr = tls_server(&pki).await;
    let u = Url::parse(&format!("https://127.0.0.1:{}/page", addr.port())).expect("test setup");
    let check = probe().check_http(&u, None, now()).await;
    assert!(matches!(check.outcome, FetchOutcome::Unanswered { .. }));
    let failure = check.failure.expect("test setup");
    assert_eq!(failure.code(), "tls", "{failure}");
    assert_eq!(check.tls_not_after, None);
}

#[test]
fn a_bad_extra_certificate_is_refused() {
    let err = probe::Probe::new(probe::ProbeConfig {
        extra_root_certificates: vec![b"not a certificate".to_vec()],
        ..Default::default()
    })
    .err()
    .expect("test setup");
    assert_eq!(err.code(), "probe_bad_certificate");
}
