use jiff::{SignedDuration, Timestamp};
use monitor::Url;
use monitor::robots::{CachedRobots, MAX_ROBOTS_BYTES, RobotsFetch, RobotsPolicy, RobotsTxt};

fn allowed(robots: &str, agent: &str, url: &str) -> bool {
    let url = Url::parse(url).expect("test URL");
    RobotsTxt::parse(robots.as_bytes()).is_allowed(agent, &url)
}

const RFC_EXAMPLE: &str = "User-Agent: *
Disallow: *.gif$
Disallow: /example/
Allow: /publications/

User-Agent: foobot
Disallow:/
Allow:/example/page.html
Allow:/example/allowed.gif

User-Agent: barbot
User-Agent: bazbot
Disallow: /example/page.html

User-Agent: quxbot
";

// RFC 9309 section 5.1.
#[test]
fn rfc9309_example() {
    let r = RFC_EXAMPLE;
    assert!(allowed(r, "foobot", "http://e.com/example/page.html"));
    assert!(allowed(r, "FooBot", "http://e.com/example/allowed.gif"));
    assert!(!allowed(r, "foobot", "http://e.com/example/other.html"));
    assert!(!allowed(r, "foobot", "http://e.com/"));
    assert!(!allowed(r, "barbot", "http://e.com/example/page.html"));
    assert!(!allowed(r, "bazbot", "http://e.com/example/page.html"));
    assert!(allowed(r, "barbot", "http://e.com/example/other.html"));
    assert!(allowed(r, "bazbot", "http://e.com/image.gif"));
    assert!(allowed(r, "quxbot", "http://e.com/example/page.html"));
    assert!(allowed(r, "quxbot", "http://e.com/image.gif"));
    // Other crawlers get the * group.
    assert!(!allowed(r, "Comptoir-Monitor", "http://e.com/image.gif"));
    assert!(!allowed(r, "Comptoir-Monitor", "http://e.com/example/x"));
    assert!(allowed(r, "Comptoir-Monitor", "http://e.com/publications/x"));
    assert!(allowed(r, "Comptoir-Monitor", "http://e.com/image.gif?x"));
}

// RFC 9309 section 2.2.1: groups with the same user agent are merged.
#[test]
fn rfc9309_groups_merge() {
    let r = "user-agent: ExampleBot\ndisallow: /foo\ndisallow: /bar\n\nuser-agent: ExampleBot\ndisallow: /baz\n";
    for p in ["/foo", "/bar", "/baz"] {
        assert!(!allowed(r, "examplebot", &format!("http://e.com{p}")), "{p}");
    }
    assert!(allowed(r, "examplebot", "http://e.com/qux"));
}

// RFC 9309 section 2.2.2: percent-encoding.
#[test]
fn rfc9309_percent_encoding() {
    let base = "user-agent: *\ndisallow: /\n";
    let r = format!("{base}allow: /foo/bar?baz=https://foo.bar\n");
    assert!(allowed(&r, "a", "http://e.com/foo/bar?baz=https://foo.bar"));
    let r = format!("{base}allow: /foo/bar/ツ\n");
    assert!(allowed(&r, "a", "http://e.com/foo/bar/%E3%83%84"));
    assert!(allowed(&r, "a", "http://e.com/foo/bar/ツ"));
    let r = format!("{base}allow: /foo/bar/%E3%83%84\n");
    assert!(allowed(&r, "a", "http://e.com/foo/bar/%e3%83%84"));
    let r = format!("{base}allow: /foo/bar/%62%61%7A\n");
    assert!(allowed(&r, "a", "http://e.com/foo/bar/baz"));
    assert!(allowed(&r, "a", "http://e.com/foo/bar/%62%61%7A"));
}

// RFC 9309 section 2.2.3: special characters.
#[test]
fn rfc9309_special_characters() {
    let r = "user-agent: *\ndisallow: /path$\ndisallow: /pa*th\n# disallow: /all\n";
    assert!(!allowed(r, "a", "http://e.com/path"));
    assert!(!allowed(r, "a", "http://e.com/pa/x/th"));
    assert!(allowed(r, "a", "http://e.com/pat"));
    assert!(allowed(r, "a", "http://e.com/all"));
}

// Google's robotstxt tests (robots_test.cc): ID_LineSyntax_*, ID_REPLine_Groups.
#[test]
fn google_line_syntax_and_groups() {
    assert!(!allowed(
        "user-agent: FooBot\ndisallow: /\n",
        "FooBot",
        "http://foo.bar/x/y"
    ));
    assert!(allowed("foo: FooBot\nbar: /\n", "FooBot", "http://foo.bar/x/y"));
    assert!(!allowed(
        "user-agent FooBot\ndisallow /\n",
        "FooBot",
        "http://foo.bar/x/y"
    ));

    let r = "allow: /foo/bar/\n\nuser-agent: FooBot\ndisallow: /\nallow: /x/\nuser-agent: BarBot\ndisallow: /\nallow: /y/\n\n\nallow: /w/\nuser-agent: BazBot\n\nuser-agent: FooBot\nallow: /z/\ndisallow: /\n";
    assert!(allowed(r, "FooBot", "http://foo.bar/x/b"));
    assert!(allowed(r, "FooBot", "http://foo.bar/z/d"));
    assert!(!allowed(r, "FooBot", "http://foo.bar/y/c"));
    assert!(allowed(r, "BarBot", "http://foo.bar/y/c"));
    assert!(allowed(r, "BarBot", "http://foo.bar/w/a"));
    assert!(!allowed(r, "BarBot", "http://foo.bar/z/d"));
    assert!(allowed(r, "BazBot", "http://foo.bar/z/d"));
    for bot in ["FooBot", "BarBot", "BazBot"] {
        assert!(!allowed(r, bot, "http://foo.bar/foo/bar/"), "{bot}");
    }
}

// Google: ID_REPLineNamesCaseInsensitive, ID_UserAgentValueCaseInsensitive, product token prefix.
#[test]
fn google_case_insensitivity_of_names_and_agents() {
    for r in [
        "USER-AGENT: FooBot\nALLOW: /x/\nDISALLOW: /\n",
        "user-agent: FooBot\nallow: /x/\ndisallow: /\n",
        "uSeR-aGeNt: FooBot\nAlLoW: /x/\ndIsAlLoW: /\n",
    ] {
        assert!(allowed(r, "FooBot", "http://foo.bar/x/y"));
        assert!(!allowed(r, "FooBot", "http://foo.bar/a/b"));
    }
    for r in [
        "User-Agent: FOO BAR\nAllow: /x/\nDisallow: /\n",
        "User-Agent: foo bar\nAllow: /x/\nDisallow: /\n",
        "User-Agent: FoO bAr\nAllow: /x/\nDisallow: /\n",
    ] {
        assert!(allowed(r, "Foo", "http://foo.bar/x/y"));
        assert!(!allowed(r, "foo", "http://foo.bar/a/b"));
    }
    let r = "User-Agent: *\nDisallow: /\nUser-Agent: Foo Bar\nAllow: /x/\nDisallow: /\n";
    assert!(allowed(r, "Foo", "http://foo.bar/x/y"));
    let r = "User-agent: Googlebot/2.1\nDisallow: /\n";
    assert!(!allowed(r, "googlebot", "http://foo.bar/x"));
}

// Google: ID_GlobalGroups_Secondary.
#[test]
fn google_global_group_fallback() {
    assert!(allowed("", "FooBot", "http://foo.bar/x/y"));
    let r = "user-agent: *\nallow: /\nuser-agent: FooBot\ndisallow: /\n";
    assert!(!allowed(r, "FooBot", "http://foo.bar/x/y"));
    let r = "user-agent: FooBot\nallow: /\nuser-agent: BarBot\ndisallow: /\nuser-agent: BazBot\ndisallow: /\n";
    assert!(allowed(r, "QuxBot", "http://foo.bar/x/y"));
}

// Google: ID_AllowDisallow_Value_CaseSensitive.
#[test]
fn google_paths_are_case_sensitive() {
    assert!(!allowed(
        "user-agent: FooBot\ndisallow: /x/\n",
        "FooBot",
        "http://foo.bar/x/y"
    ));
    assert!(allowed(
        "user-agent: FooBot\ndisallow: /X/\n",
        "FooBot",
        "http://foo.bar/x/y"
    ));
}

// Google: ID_LongestMatch.
#[test]
fn google_longest_match_and_allow_wins_ties() {
    let ua = "user-agent: FooBot\n";
    let r = format!("{ua}disallow: /x/page.html\nallow: /x/page.html\n");
    assert!(allowed(&r, "FooBot", "http://foo.bar/x/page.html"));
    let r = format!("{ua}allow: /page\ndisallow: /*.html\n");
    assert!(!allowed(&r, "FooBot", "http://foo.bar/page.html"));
    assert!(allowed(&r, "FooBot", "http://foo.bar/page"));
    let r = format!("{ua}allow: /x/page.\ndisallow: /*.html\n");
    assert!(allowed(&r, "FooBot", "http://foo.bar/x/page.html"));
    assert!(!allowed(&r, "FooBot", "http://foo.bar/x/y.html"));
    let r = "User-agent: *\nDisallow: /x/\nUser-agent: FooBot\nDisallow: /y/\n";
    assert!(allowed(r, "FooBot", "http://foo.bar/x/page"));
    assert!(!allowed(r, "FooBot", "http://foo.bar/y/page"));
    let r = format!("{ua}allow: \ndisallow: \n");
    assert!(allowed(&r, "FooBot", "http://foo.bar/"));
    let r = format!("{ua}disallow: /\nallow: /\n");
    assert!(allowed(&r, "FooBot", "http://foo.bar/"));
    let r = format!("{ua}disallow: /\nallow: /$\n");
    assert!(allowed(&r, "FooBot", "http://foo.bar/"));
    assert!(!allowed(&r, "FooBot", "http://foo.bar/page.html"));
}

// Google: ID_SpecialCharacters.
#[test]
fn google_special_characters() {
    let r = "User-agent: FooBot\nDisallow: /foo/bar/quz\nAllow: /foo/*/qux\n";
    assert!(!allowed(r, "FooBot", "http://foo.bar/foo/bar/quz"));
    assert!(allowed(r, "FooBot", "http://foo.bar/foo/quz"));
    assert!(allowed(r, "FooBot", "http://foo.bar/foo//quz"));
    assert!(allowed(r, "FooBot", "http://foo.bar/foo/bax/quz"));
    let r = "User-agent: FooBot\nDisallow: /foo/bar$\nAllow: /foo/bar/qux\n";
    assert!(!allowed(r, "FooBot", "http://foo.bar/foo/bar"));
    assert!(allowed(r, "FooBot", "http://foo.bar/foo/bar/qux"));
    assert!(allowed(r, "FooBot", "http://foo.bar/foo/bar/"));
    assert!(allowed(r, "FooBot", "http://foo.bar/foo/bar/baz"));
    let r = "User-agent: FooBot\n# Disallow: /\nDisallow: /foo/quz#qux\nAllow: /\n";
    assert!(allowed(r, "FooBot", "http://foo.bar/foo/bar"));
    assert!(!allowed(r, "FooBot", "http://foo.bar/foo/quz"));
}

// Google: the documentation examples (GoogleOnly_DocumentationChecks).
#[test]
fn google_documentation_examples() {
    let ua = "user-agent: FooBot\ndisallow: /\n";
    let r = format!("{ua}allow: /fish\n");
    for p in [
        "/fish",
        "/fish.html",
        "/fish/salmon.html",
        "/fishheads",
        "/fishheads/yummy.html",
        "/fish.html?id=anything",
    ] {
        assert!(allowed(&r, "FooBot", &format!("http://foo.bar{p}")), "{p}");
    }
    for p in ["/Fish.asp", "/catfish", "/?id=fish", "/bar"] {
        assert!(!allowed(&r, "FooBot", &format!("http://foo.bar{p}")), "{p}");
    }
    let r = format!("{ua}allow: /fish*\n");
    assert!(allowed(&r, "FooBot", "http://foo.bar/fishheads/yummy.html"));
    assert!(!allowed(&r, "FooBot", "http://foo.bar/catfish"));
    let r = format!("{ua}allow: /fish/\n");
    assert!(allowed(&r, "FooBot", "http://foo.bar/fish/"));
    assert!(allowed(&r, "FooBot", "http://foo.bar/fish/?id=anything"));
    assert!(allowed(&r, "FooBot", "http://foo.bar/fish/salmon.htm"));
    assert!(!allowed(&r, "FooBot", "http://foo.bar/fish"));
    assert!(!allowed(&r, "FooBot", "http://foo.bar/fish.html"));
    assert!(!allowed(&r, "FooBot", "http://foo.bar/Fish/Salmon.html"));
    let r = format!("{ua}allow: /*.php\n");
    for p in [
        "/filename.php",
        "/folder/filename.php",
        "/folder/filename.php?parameters",
        "/folder/any.php.file.html",
        "/filename.php/",
    ] {
        assert!(allowed(&r, "FooBot", &format!("http://foo.bar{p}")), "{p}");
    }
    assert!(!allowed(&r, "FooBot", "http://foo.bar/"));
    assert!(!allowed(&r, "FooBot", "http://foo.bar/windows.PHP"));
    let r = format!("{ua}allow: /*.php$\n");
    assert!(allowed(&r, "FooBot", "http://foo.bar/filename.php"));
    assert!(allowed(&r, "FooBot", "http://foo.bar/folder/filename.php"));
    for p in [
        "/filename.php?parameters",
        "/filename.php/",
        "/filename.php5",
        "/windows.PHP",
    ] {
        assert!(!allowed(&r, "FooBot", &format!("http://foo.bar{p}")), "{p}");
    }
    let r = format!("{ua}allow: /fish*.php\n");
    assert!(allowed(&r, "FooBot", "http://foo.bar/fish.php"));
    assert!(allowed(&r, "FooBot", "http://foo.bar/fishheads/catfish.php?parameters"));
    assert!(!allowed(&r, "FooBot", "http://foo.bar/Fish.PHP"));
    let r = "user-agent: FooBot\nallow: /p\ndisallow: /\n";
    assert!(allowed(r, "FooBot", "http://foo.bar/page"));
    let r = "user-agent: FooBot\nallow: /folder\ndisallow: /folder\n";
    assert!(allowed(r, "FooBot", "http://foo.bar/folder/page"));
    let r = "user-agent: FooBot\nallow: /page\ndisallow: /*.htm\n";
    assert!(!allowed(r, "FooBot", "http://foo.bar/page.htm"));
    let r = "user-agent: FooBot\nallow: /$\ndisallow: /\n";
    assert!(allowed(r, "FooBot", "http://foo.bar/"));
    assert!(!allowed(r, "FooBot", "http://foo.bar/page.html"));
}

#[test]
fn robots_txt_itself_is_always_allowed_and_sitemaps_are_read() {
    let r =
        "User-agent: *\nDisallow: /\nSitemap: https://e.com/sitemap_index.xml\r\nsitemap: https://e.com/s2.xml.gz\n";
    assert!(allowed(r, "Comptoir-Monitor", "https://e.com/robots.txt"));
    assert!(!allowed(r, "Comptoir-Monitor", "https://e.com/"));
    let parsed = RobotsTxt::parse(r.as_bytes());
    assert_eq!(
        parsed.sitemaps,
        ["https://e.com/sitemap_index.xml", "https://e.com/s2.xml.gz"]
    );
    // BOM and CRLF.
    assert!(!allowed(
        "\u{feff}User-agent: *\r\nDisallow: /a\r\n",
        "x",
        "https://e.com/a"
    ));
    // Invalid UTF-8 does not panic.
    let bytes = b"User-agent: *\nDisallow: /\xff\xfe\n";
    let _ = RobotsTxt::parse(bytes);
}

#[test]
fn only_the_first_500_kib_are_parsed() {
    let mut body = String::from("User-agent: *\nDisallow: /early\n");
    while body.len() < MAX_ROBOTS_BYTES + 10 {
        body.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    body.push_str("Disallow: /late\n");
    let r = RobotsTxt::parse(body.as_bytes());
    assert!(r.truncated);
    assert!(!r.is_allowed_path("x", "/early"));
    assert!(r.is_allowed_path("x", "/late"));
}

// clause: OSX-LINK (third-party robots.txt: RFC 9309 fetch outcomes)
#[test]
fn fetch_outcomes() {
    let url = Url::parse("https://third.party/page").unwrap();
    let body = b"User-agent: *\nDisallow: /page\n";
    let rules = RobotsPolicy::from_fetch(RobotsFetch::Response { status: 200, body });
    assert!(!rules.is_allowed("Comptoir-Monitor", &url));
    for status in [400, 401, 403, 404, 410] {
        let p = RobotsPolicy::from_fetch(RobotsFetch::Response { status, body });
        assert_eq!(p, RobotsPolicy::AllowAll, "{status}");
        assert!(p.is_allowed("Comptoir-Monitor", &url));
    }
    for status in [500, 502, 503, 599, 429] {
        let p = RobotsPolicy::from_fetch(RobotsFetch::Response { status, body });
        assert_eq!(p, RobotsPolicy::DisallowAll, "{status}");
        assert!(!p.is_allowed("Comptoir-Monitor", &url));
    }
    assert_eq!(
        RobotsPolicy::from_fetch(RobotsFetch::Unreachable),
        RobotsPolicy::DisallowAll
    );
    assert_eq!(
        RobotsPolicy::from_fetch(RobotsFetch::TooManyRedirects),
        RobotsPolicy::AllowAll
    );
}

// clause: OSX-LINK (robots.txt cached at most 24 h)
#[test]
fn cache_at_most_24_hours() {
    let t0: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
    let c = CachedRobots::new(RobotsPolicy::AllowAll, t0, None);
    assert!(c.is_usable_at(t0));
    assert!(c.is_usable_at(t0 + SignedDuration::from_hours(24) - SignedDuration::from_secs(1)));
    assert!(!c.is_usable_at(t0 + SignedDuration::from_hours(24)));
    assert!(!c.is_usable_at(t0 - SignedDuration::from_secs(1)));
    let short = CachedRobots::new(RobotsPolicy::AllowAll, t0, Some(SignedDuration::from_mins(10)));
    assert!(!short.is_usable_at(t0 + SignedDuration::from_mins(10)));
    let long = CachedRobots::new(RobotsPolicy::AllowAll, t0, Some(SignedDuration::from_hours(72)));
    assert!(!long.is_usable_at(t0 + SignedDuration::from_hours(25)));
}
