use std::io::Write;

use monitor::site::Site;
use monitor::sitemap::{MAX_SITEMAP_ENTRIES, SitemapError, SitemapKind, is_gzip, parse_sitemap};

const URLSET: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc> https://www.example.fr/a?x=1&amp;y=2 </loc>
    <lastmod>2026-11-01</lastmod>
    <image:image><image:loc>https://cdn.example.fr/i.png</image:loc></image:image>
  </url>
  <url><loc><![CDATA[https://www.example.fr/b]]></loc></url>
  <url><loc>https://other.fr/c</loc></url>
  <url><loc>https://www.example.fr/a?x=1&#38;y=2</loc></url>
</urlset>"#;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

#[test]
fn urlset_with_entities_cdata_and_extensions() {
    let s = parse_sitemap(URLSET.as_bytes()).unwrap();
    assert_eq!(s.kind, SitemapKind::UrlSet);
    let locs: Vec<&str> = s.urls.iter().map(|u| u.loc.as_str()).collect();
    assert_eq!(
        locs,
        [
            "https://www.example.fr/a?x=1&y=2",
            "https://www.example.fr/b",
            "https://other.fr/c",
            "https://www.example.fr/a?x=1&y=2"
        ]
    );
    assert_eq!(s.urls[0].lastmod.as_deref(), Some("2026-11-01"));
    assert!(s.sitemaps.is_empty());
    assert!(s.url_set().contains("https://www.example.fr/b"));

    // clause: OSX-SITE (only the site's URLs are imported from its sitemap)
    let site = Site::parse("https://www.example.fr").unwrap();
    let (urls, skipped) = s.urls_for_site(&site);
    assert_eq!(urls.len(), 2);
    assert_eq!(skipped, 1);
}

#[test]
fn sitemap_index_and_gzip() {
    let index = r#"<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://www.example.fr/s1.xml.gz</loc><lastmod>2026-01-01T00:00:00+00:00</lastmod></sitemap>
      <sitemap><loc>https://www.example.fr/s2.xml</loc></sitemap>
    </sitemapindex>"#;
    let gz = gzip(index.as_bytes());
    assert!(is_gzip(&gz));
    assert!(!is_gzip(index.as_bytes()));
    let s = parse_sitemap(&gz).unwrap();
    assert_eq!(s.kind, SitemapKind::Index);
    assert_eq!(s.sitemaps.len(), 2);
    assert_eq!(s.sitemaps[0].loc, "https://www.example.fr/s1.xml.gz");
    assert!(s.urls.is_empty());
}

#[test]
fn text_sitemap() {
    let s = parse_sitemap(b"https://www.example.fr/a\nhttps://www.example.fr/b\n").unwrap();
    assert_eq!(s.kind, SitemapKind::Text);
    assert_eq!(s.urls.len(), 2);
}

#[test]
fn limits_and_bad_input() {
    let mut big = String::from("<urlset>");
    for i in 0..=MAX_SITEMAP_ENTRIES {
        big.push_str(&format!("<url><loc>https://e.fr/{i}</loc></url>"));
    }
    big.push_str("</urlset>");
    assert_eq!(parse_sitemap(big.as_bytes()).unwrap_err(), SitemapError::TooManyEntries);

    // A gzip bomb: 60 MB of zeros compress to little but are refused once past 50 MB.
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..60 {
        e.write_all(&zeros).unwrap();
    }
    let bomb = e.finish().unwrap();
    assert!(bomb.len() < 1 << 20);
    assert_eq!(parse_sitemap(&bomb).unwrap_err(), SitemapError::TooLarge);

    assert_eq!(parse_sitemap(&[0x1f, 0x8b, 0, 1, 2]).unwrap_err(), SitemapError::Gzip);
    assert_eq!(
        parse_sitemap(b"<html><body>Not found</body></html>")
            .unwrap_err()
            .code(),
        "sitemap_not_a_sitemap"
    );
    assert_eq!(
        parse_sitemap(b"<urlset><url><loc>x</loc></urlset>").unwrap_err().code(),
        "sitemap_xml"
    );
    assert!(parse_sitemap(b"\x00\x01binary").is_err());
}

// clause: OSX-SITE (import from the sitemap, index sitemaps and gzip included)
#[test]
fn walking_an_index_fetches_each_file_once() {
    use monitor::Url;
    use monitor::sitemap::SitemapWalk;
    let site = Site::parse("https://www.example.fr").expect("site");
    let files = |url: &str| -> Vec<u8> {
        match url {
            "https://www.example.fr/sitemap.xml" => br#"<sitemapindex><sitemap><loc>https://www.example.fr/a.xml.gz</loc></sitemap><sitemap><loc>https://www.example.fr/b.xml</loc></sitemap><sitemap><loc>https://www.example.fr/sitemap.xml</loc></sitemap></sitemapindex>"#.to_vec(),
            "https://www.example.fr/a.xml.gz" => gzip(b"<urlset><url><loc>https://www.example.fr/1</loc></url><url><loc>https://www.example.fr/2</loc></url></urlset>"),
            "https://www.example.fr/b.xml" => b"<urlset><url><loc>https://www.example.fr/2</loc></url><url><loc>https://cdn.other.fr/3</loc></url></urlset>".to_vec(),
            _ => Vec::new(),
        }
    };
    let mut walk = SitemapWalk::new([site.default_sitemap_url()], 10);
    let mut fetched = Vec::new();
    while let Some(url) = walk.next_to_fetch() {
        fetched.push(url.to_string());
        match parse_sitemap(&files(url.as_str())) {
            Ok(s) => walk.add(&s, &site),
            Err(e) => walk.failed(&url, e.code()),
        }
    }
    assert_eq!(fetched.len(), 3);
    let urls: Vec<&str> = walk.urls().iter().map(Url::as_str).collect();
    assert_eq!(urls, ["https://www.example.fr/1", "https://www.example.fr/2"]);
    assert_eq!(walk.skipped, 1);
    assert!(walk.failures.is_empty());
    assert!(!walk.budget_exhausted());

    let mut small = SitemapWalk::new([site.default_sitemap_url()], 1);
    let first = small.next_to_fetch().expect("first");
    let index = parse_sitemap(&files(first.as_str())).expect("index");
    small.add(&index, &site);
    assert!(small.next_to_fetch().is_none());
    assert!(small.budget_exhausted());
}
