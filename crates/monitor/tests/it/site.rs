use monitor::site::{Scheme, Site, Tool, belongs_to, check_quota, parse_url_csv, parse_url_list};
use monitor::{Url, UserAgent};

// clause: OSX-SITE
#[test]
fn a_site_is_scheme_subdomain_domain() {
    let site = Site::parse("https://www.Example.fr/").unwrap();
    assert_eq!(site.scheme(), Scheme::Https);
    assert_eq!(site.host(), "www.example.fr");
    assert_eq!(site.subdomain(), Some("www"));
    assert_eq!(site.domain(), "example.fr");
    assert_eq!(site.origin(), "https://www.example.fr");

    let uk = Site::parse("http://blog.eu.example.co.uk/some/page?x=1").unwrap();
    assert_eq!(uk.domain(), "example.co.uk");
    assert_eq!(uk.subdomain(), Some("blog.eu"));
    assert_eq!(uk.scheme(), Scheme::Http);

    let bare = Site::parse("example.fr").unwrap();
    assert_eq!(bare.origin(), "https://example.fr");
    assert_eq!(bare.subdomain(), None);

    let local = Site::parse("http://127.0.0.1:8080").unwrap();
    assert_eq!(local.domain(), "127.0.0.1");
    assert_eq!(local.port(), Some(8080));
    assert_eq!(local.home_url().as_str(), "http://127.0.0.1:8080/");

    let idn = Site::parse("https://www.café.fr").unwrap();
    assert_eq!(idn.host(), "www.xn--caf-dma.fr");

    assert_eq!(Site::parse("ftp://example.fr").unwrap_err().code(), "url_not_http");
    assert_eq!(Site::parse("").unwrap_err().code(), "url_empty");
    assert_eq!(Site::parse("http://").unwrap_err().code(), "url_unparsable");
}

// clause: OSX-SITE
#[test]
fn default_urls_are_home_robots_and_sitemap() {
    let site = Site::parse("https://www.example.fr").unwrap();
    let urls: Vec<String> = site.default_urls().iter().map(|u| u.to_string()).collect();
    assert_eq!(
        urls,
        [
            "https://www.example.fr/",
            "https://www.example.fr/robots.txt",
            "https://www.example.fr/sitemap.xml"
        ]
    );
}

// clause: OSX-SITE
#[test]
fn urls_must_belong_to_the_site() {
    let site = Site::parse("http://www.exemple.fr").unwrap();
    let inside = Url::parse("http://www.exemple.fr:80/rubrique/page.html").unwrap();
    assert!(belongs_to(&site, &inside));
    for outside in [
        "https://www.exemple.fr/page", // other scheme
        "http://exemple.fr/page",      // other subdomain
        "http://blog.exemple.fr/page", // other subdomain
        "http://www.exemple.fr:8080/", // other port
        "http://www.exemple.com/page", // other domain
    ] {
        assert!(!belongs_to(&site, &Url::parse(outside).unwrap()), "{outside}");
    }
    assert_eq!(
        site.parse_url("/contact#form").unwrap().as_str(),
        "http://www.exemple.fr/contact"
    );
    assert_eq!(
        site.parse_url("www.exemple.fr/a/%7euser/../b?").unwrap().as_str(),
        "http://www.exemple.fr/a/b"
    );
    assert_eq!(
        site.parse_url("http://autre.fr/").unwrap_err().code(),
        "url_outside_site"
    );
    assert_eq!(site.parse_url("mailto:a@b.fr").unwrap_err().code(), "url_not_http");
}

#[test]
fn url_normalisation() {
    let site = Site::parse("https://www.example.fr").unwrap();
    let u = site
        .parse_url("HTTPS://WWW.EXAMPLE.FR:443/%7Euser/caf%c3%a9?q=%2f%41#top")
        .unwrap();
    assert_eq!(u.as_str(), "https://www.example.fr/~user/caf%C3%A9?q=%2FA");
    let raw = site.parse_url("https://www.example.fr/café").unwrap();
    assert_eq!(raw.as_str(), "https://www.example.fr/caf%C3%A9");
}

// clause: OSX-SITE
#[test]
fn pasted_list_is_all_or_nothing_with_line_numbers() {
    let site = Site::parse("https://www.example.fr").unwrap();
    let ok = parse_url_list(
        &site,
        "https://www.example.fr/a\n\n# a comment\n/b\nhttps://www.example.fr/a#x\r\nhttps://www.example.fr/c\n",
    )
    .unwrap();
    let got: Vec<&str> = ok.urls.iter().map(|u| u.as_str()).collect();
    assert_eq!(
        got,
        [
            "https://www.example.fr/a",
            "https://www.example.fr/b",
            "https://www.example.fr/c"
        ]
    );
    assert_eq!(ok.duplicates, 1);

    let err = parse_url_list(&site, "/ok\nhttps://other.fr/x\nhttp://[::1\nftp://www.example.fr/\n").unwrap_err();
    let lines: Vec<(usize, &str)> = err.lines.iter().map(|l| (l.line, l.code)).collect();
    assert_eq!(
        lines,
        [(2, "url_outside_site"), (3, "url_unparsable"), (4, "url_not_http")]
    );
    assert_eq!(err.lines[0].input, "https://other.fr/x");
}

#[test]
fn csv_import_finds_the_url_column() {
    let site = Site::parse("https://www.example.fr").unwrap();
    let csv = b"\xef\xbb\xbfname;url\nHome;https://www.example.fr/\nContact;/contact\n";
    let ok = parse_url_csv(&site, csv).unwrap();
    assert_eq!(ok.urls.len(), 2);
    assert_eq!(ok.urls[1].as_str(), "https://www.example.fr/contact");

    let bad = b"url,label\n/a,x\n\"https://elsewhere.fr/\",y\n/c,z\n";
    let err = parse_url_csv(&site, bad).unwrap_err();
    assert_eq!(err.lines.len(), 1);
    assert_eq!(err.lines[0].line, 3);
    assert_eq!(err.lines[0].code, "url_outside_site");

    // No header named url: the first column.
    let first = parse_url_csv(&site, b"address\n/x\n").unwrap();
    assert_eq!(first.urls[0].as_str(), "https://www.example.fr/x");
}

// clause: OSX-PACKS
#[test]
fn quota_refuses_beyond_the_limit_and_says_it() {
    // Free pack values: HTTP 20, PING 1, LINK 5.
    assert!(check_quota(Tool::Http, 20, 18, 2).is_ok());
    let err = check_quota(Tool::Http, 20, 18, 3).unwrap_err();
    assert_eq!(err.limit, 20);
    assert!(err.to_string().contains("20 http"), "{err}");
    assert!(check_quota(Tool::Ping, 1, 1, 1).is_err());
    assert!(check_quota(Tool::Link, 5, 0, 5).is_ok());
    assert!(check_quota(Tool::Link, 5, u64::MAX, 1).is_err());
}

#[test]
fn user_agent_names_comptoir_and_a_bot_page() {
    let ua = UserAgent::default();
    assert!(ua.header().contains("Comptoir"));
    assert!(ua.header().contains("+https://"));
    assert_eq!(ua.product_token(), "Comptoir-Monitor");
    let custom = UserAgent::new("MyBot/2.0 (+https://x.fr/bot)").unwrap();
    assert_eq!(custom.product_token(), "MyBot");
    assert!(UserAgent::new("/2.0").is_none());
}

#[test]
fn errors_become_field_errors() {
    let site = Site::parse("https://www.example.fr").expect("site");
    let err = parse_url_list(&site, "/ok\nhttps://other.fr/\n").expect_err("outside");
    let fields = err.field_errors("urls");
    assert_eq!(fields.0.len(), 1);
    assert_eq!(fields.0[0].field, "urls[2]");
    assert_eq!(fields.0[0].code, "url_outside_site");
    let e = Site::parse("ftp://x.fr").expect_err("scheme").field_error("site");
    assert_eq!((e.field.as_str(), e.code), ("site", "url_not_http"));
    let q = check_quota(Tool::Http, 20, 20, 1)
        .expect_err("quota")
        .field_error("urls");
    assert_eq!(q.code, "quota_exceeded");
}

#[test]
fn a_site_serialises_as_its_origin_and_is_checked_when_read() {
    let site = Site::parse("http://Blog.Example.fr:8080/x").expect("site");
    let json = serde_json::to_string(&site).expect("json");
    assert_eq!(json, "\"http://blog.example.fr:8080\"");
    assert_eq!(serde_json::from_str::<Site>(&json).expect("back"), site);
    assert!(serde_json::from_str::<Site>("\"ftp://x.fr\"").is_err());
}
