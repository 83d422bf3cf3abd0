//! Snapshots of a URL's SEO elements, their changes, confirmation, availability alerts, TLS
//! expiry warnings and the per-site change email (OSX-ALERT-EMAIL).

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use kernel::Lang;
use serde::{Deserialize, Serialize};

use crate::SiteId;

/// A watched SEO element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Element {
    Status,
    FinalUrl,
    Title,
    MetaDescription,
    MetaRobots,
    XRobotsTag,
    Canonical,
    CanonicalHeader,
    Hreflang,
    H1,
    Indexable,
    InSitemap,
    TextHash,
    OgTitle,
    OgDescription,
}

impl Element {
    pub const ALL: [Element; 15] = [
        Element::Status,
        Element::FinalUrl,
        Element::Title,
        Element::MetaDescription,
        Element::MetaRobots,
        Element::XRobotsTag,
        Element::Canonical,
        Element::CanonicalHeader,
        Element::Hreflang,
        Element::H1,
        Element::Indexable,
        Element::InSitemap,
        Element::TextHash,
        Element::OgTitle,
        Element::OgDescription,
    ];

    /// A stable code for storage and the API.
    /// The element of a [`Element::code`].
    pub fn from_code(code: &str) -> Option<Element> {
        Element::ALL.into_iter().find(|e| e.code() == code)
    }

    pub fn code(self) -> &'static str {
        match self {
            Element::Status => "status",
            Element::FinalUrl => "final_url",
            Element::Title => "title",
            Element::MetaDescription => "meta_description",
            Element::MetaRobots => "meta_robots",
            Element::XRobotsTag => "x_robots_tag",
            Element::Canonical => "canonical",
            Element::CanonicalHeader => "canonical_header",
            Element::Hreflang => "hreflang",
            Element::H1 => "h1",
            Element::Indexable => "indexable",
            Element::InSitemap => "in_sitemap",
            Element::TextHash => "text_hash",
            Element::OgTitle => "og_title",
            Element::OgDescription => "og_description",
        }
    }

    /// Whether the element is read from the page body or its headers (as opposed to the status,
    /// final URL, indexability and sitemap presence). Content elements of a non-2xx response are
    /// not compared: an error page's title is not the page's title.
    pub fn is_content(self) -> bool {
        !matches!(
            self,
            Element::Status | Element::FinalUrl | Element::Indexable | Element::InSitemap
        )
    }

    /// The name a person reads in the email and on screens.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Element::Status, Lang::Fr) => "Code HTTP",
            (Element::Status, Lang::En) => "HTTP status",
            (Element::FinalUrl, Lang::Fr) => "URL finale (redirections)",
            (Element::FinalUrl, Lang::En) => "Final URL (redirects)",
            (Element::Title, _) => "Title",
            (Element::MetaDescription, _) => "Meta description",
            (Element::MetaRobots, _) => "Meta robots",
            (Element::XRobotsTag, _) => "X-Robots-Tag",
            (Element::Canonical, _) => "Canonical",
            (Element::CanonicalHeader, Lang::Fr) => "Canonical (en-tête Link)",
            (Element::CanonicalHeader, Lang::En) => "Canonical (Link header)",
            (Element::Hreflang, _) => "Hreflang",
            (Element::H1, _) => "H1",
            (Element::Indexable, Lang::Fr) => "Indexabilité",
            (Element::Indexable, Lang::En) => "Indexability",
            (Element::InSitemap, Lang::Fr) => "Présence dans le sitemap",
            (Element::InSitemap, Lang::En) => "Listed in the sitemap",
            (Element::TextHash, Lang::Fr) => "Contenu textuel",
            (Element::TextHash, Lang::En) => "Text content",
            (Element::OgTitle, _) => "Open Graph title",
            (Element::OgDescription, _) => "Open Graph description",
        }
    }
}

/// What one HTTP check saw of a URL. Absent values (`None`) are part of the comparison: a title
/// that disappears is a change.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SeoSnapshot {
    pub status: Option<u16>,
    pub final_url: Option<String>,
    pub title: Option<String>,
    pub meta_description: Option<String>,
    pub meta_robots: Option<String>,
    pub x_robots_tag: Option<String>,
    pub canonical: Option<String>,
    pub canonical_header: Option<String>,
    pub hreflang: BTreeMap<String, String>,
    pub h1: Vec<String>,
    pub indexable: Option<bool>,
    pub in_sitemap: Option<bool>,
    pub text_hash: Option<String>,
    pub og_title: Option<String>,
    pub og_description: Option<String>,
}

fn yes_no(b: bool) -> String {
    if b { "yes".to_string() } else { "no".to_string() }
}

impl SeoSnapshot {
    /// The value of one element as text (hreflang as `lang=url` lines sorted by lang, H1s one per
    /// line, booleans `yes`/`no`).
    pub fn value(&self, element: Element) -> Option<String> {
        match element {
            Element::Status => self.status.map(|s| s.to_string()),
            Element::FinalUrl => self.final_url.clone(),
            Element::Title => self.title.clone(),
            Element::MetaDescription => self.meta_description.clone(),
            Element::MetaRobots => self.meta_robots.clone(),
            Element::XRobotsTag => self.x_robots_tag.clone(),
            Element::Canonical => self.canonical.clone(),
            Element::CanonicalHeader => self.canonical_header.clone(),
            Element::Hreflang => (!self.hreflang.is_empty()).then(|| {
                self.hreflang
                    .iter()
                    .map(|(l, u)| format!("{l}={u}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
            Element::H1 => (!self.h1.is_empty()).then(|| self.h1.join("\n")),
            Element::Indexable => self.indexable.map(yes_no),
            Element::InSitemap => self.in_sitemap.map(yes_no),
            Element::TextHash => self.text_hash.clone(),
            Element::OgTitle => self.og_title.clone(),
            Element::OgDescription => self.og_description.clone(),
        }
    }

    /// Every element's value.
    pub fn values(&self) -> BTreeMap<Element, Option<String>> {
        Element::ALL.iter().map(|&e| (e, self.value(e))).collect()
    }
}

/// One element that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub element: Element,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The elements that differ between two snapshots, in [`Element::ALL`] order.
pub fn diff(before: &SeoSnapshot, after: &SeoSnapshot) -> Vec<Change> {
    Element::ALL
        .iter()
        .filter_map(|&e| {
            let (b, a) = (before.value(e), after.value(e));
            (b != a).then_some(Change {
                element: e,
                before: b,
                after: a,
            })
        })
        .collect()
}

/// How many consecutive checks must see a new value before it is reported (default 2: the check
/// that saw it and one that confirms it). 1 reports at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub checks: u8,
}

impl Default for Confirmation {
    fn default() -> Self {
        Confirmation { checks: 2 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Pending {
    value: Option<String>,
    seen: u8,
}

/// The confirmed values of a URL and the changes waiting for confirmation, per element (so a
/// flapping element does not hold back a real change of another). Store it with the URL.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChangeTracker {
    confirmed: Option<BTreeMap<Element, Option<String>>>,
    pending: BTreeMap<Element, Pending>,
}

impl ChangeTracker {
    /// Records a check and returns the changes confirmed by it. The first check sets the baseline
    /// and reports nothing. A value that goes back to the confirmed one cancels its pending change.
    /// When the status is not 2xx only the status, final URL, indexability and sitemap presence
    /// are compared (see [`Element::is_content`]); the content keeps its confirmed values. Do not
    /// call it for an unanswered check: that is the availability tracker's business.
    pub fn observe(&mut self, snapshot: &SeoSnapshot, confirmation: Confirmation) -> Vec<Change> {
        let success = snapshot.status.is_some_and(|s| (200..300).contains(&s));
        let mut values = snapshot.values();
        if !success && self.confirmed.is_some() {
            values.retain(|e, _| !e.is_content());
        }
        let Some(confirmed) = self.confirmed.as_mut() else {
            self.confirmed = Some(values);
            return Vec::new();
        };
        let mut changes = Vec::new();
        for (element, value) in values {
            let current = confirmed.get(&element).cloned().flatten();
            if current == value {
                self.pending.remove(&element);
                continue;
            }
            // Sitemap presence is unknown until the site's sitemap has been read, and again
            // when it cannot be: unknown is no value to compare, so learning it for the first
            // time is not a change, and losing it keeps the last known one.
            if element == Element::InSitemap && (current.is_none() || value.is_none()) {
                if value.is_some() {
                    confirmed.insert(element, value);
                }
                self.pending.remove(&element);
                continue;
            }
            let seen = match self.pending.get(&element) {
                Some(p) if p.value == value => p.seen.saturating_add(1),
                _ => 1,
            };
            if seen >= confirmation.checks.max(1) {
                self.pending.remove(&element);
                confirmed.insert(element, value.clone());
                changes.push(Change {
                    element,
                    before: current,
                    after: value,
                });
            } else {
                self.pending.insert(element, Pending { value, seen });
            }
        }
        changes
    }

    /// The confirmed value of an element.
    pub fn confirmed(&self, element: Element) -> Option<&str> {
        self.confirmed.as_ref()?.get(&element)?.as_deref()
    }

    /// Elements with a change waiting for confirmation.
    pub fn pending(&self) -> impl Iterator<Item = Element> + '_ {
        self.pending.keys().copied()
    }
}

// ---------------------------------------------------------------------------------------------
// Availability (PING tool and HTTP errors)

/// When availability alerts fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailabilityPolicy {
    /// Consecutive failed checks before "down" (default 2: confirmed by a second check).
    pub failures_to_alert: u32,
    /// Consecutive good checks before "up again" (default 1).
    pub successes_to_recover: u32,
    /// "Still down" reminders every this long while down; `None` for no reminder.
    pub reminder_every: Option<SignedDuration>,
}

impl Default for AvailabilityPolicy {
    fn default() -> Self {
        AvailabilityPolicy {
            failures_to_alert: 2,
            successes_to_recover: 1,
            reminder_every: Some(SignedDuration::from_hours(24)),
        }
    }
}

/// The confirmed state of a watched URL or host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Availability {
    Unknown,
    Up {
        since: Timestamp,
    },
    /// `alerted_at` is the last "down" or "still down" alert, `None` while alerts were paused.
    Down {
        since: Timestamp,
        alerted_at: Option<Timestamp>,
    },
}

/// An alert to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "alert", rename_all = "snake_case")]
pub enum AvailabilityAlert {
    Down { since: Timestamp },
    StillDown { since: Timestamp, at: Timestamp },
    Recovered { down_since: Timestamp, at: Timestamp },
}

/// The availability state machine of one URL: alerts on confirmed changes of state only, with
/// optional reminders, silent during maintenance windows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailabilityTracker {
    pub state: Availability,
    failures: u32,
    successes: u32,
    first_failure_at: Option<Timestamp>,
}

impl Default for AvailabilityTracker {
    fn default() -> Self {
        AvailabilityTracker {
            state: Availability::Unknown,
            failures: 0,
            successes: 0,
            first_failure_at: None,
        }
    }
}

impl AvailabilityTracker {
    /// Records a check at `now`. `in_maintenance` holds alerts back (the state still moves; a
    /// "down" not yet told is told at the first check after the window).
    pub fn observe(
        &mut self,
        now: Timestamp,
        up: bool,
        policy: &AvailabilityPolicy,
        in_maintenance: bool,
    ) -> Option<AvailabilityAlert> {
        if up {
            self.failures = 0;
            self.first_failure_at = None;
            // Counted only as far as the policy looks: a URL that stays up keeps the same
            // tracker from one check to the next, and the store does not rewrite it.
            self.successes = self.successes.saturating_add(1).min(policy.successes_to_recover.max(1));
            match self.state {
                Availability::Down { since, alerted_at } => {
                    if self.successes >= policy.successes_to_recover.max(1) {
                        self.state = Availability::Up { since: now };
                        if alerted_at.is_some() && !in_maintenance {
                            return Some(AvailabilityAlert::Recovered {
                                down_since: since,
                                at: now,
                            });
                        }
                    }
                    None
                }
                Availability::Unknown => {
                    self.state = Availability::Up { since: now };
                    None
                }
                Availability::Up { .. } => None,
            }
        } else {
            self.successes = 0;
            self.failures = self.failures.saturating_add(1).min(policy.failures_to_alert.max(1));
            let first = *self.first_failure_at.get_or_insert(now);
            match self.state {
                Availability::Up { .. } | Availability::Unknown => {
                    if self.failures >= policy.failures_to_alert.max(1) {
                        let alerted_at = (!in_maintenance).then_some(now);
                        self.state = Availability::Down {
                            since: first,
                            alerted_at,
                        };
                        return alerted_at.map(|_| AvailabilityAlert::Down { since: first });
                    }
                    None
                }
                Availability::Down { since, alerted_at } => {
                    if in_maintenance {
                        return None;
                    }
                    match alerted_at {
                        None => {
                            self.state = Availability::Down {
                                since,
                                alerted_at: Some(now),
                            };
                            Some(AvailabilityAlert::Down { since })
                        }
                        Some(last) => {
                            let every = policy.reminder_every?;
                            if last.checked_add(every).is_ok_and(|due| now >= due) {
                                self.state = Availability::Down {
                                    since,
                                    alerted_at: Some(now),
                                };
                                Some(AvailabilityAlert::StillDown { since, at: now })
                            } else {
                                None
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A period when a site's alerts are paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceWindow {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl MaintenanceWindow {
    /// Whether `now` is in `[start, end)`.
    pub fn contains(&self, now: Timestamp) -> bool {
        self.start <= now && now < self.end
    }
}

/// Whether any window covers `now`.
pub fn in_maintenance(windows: &[MaintenanceWindow], now: Timestamp) -> bool {
    windows.iter().any(|w| w.contains(now))
}

// ---------------------------------------------------------------------------------------------
// TLS expiry

/// Days before a certificate's expiry when a warning is sent.
pub const TLS_WARNING_DAYS: [i64; 3] = [21, 14, 7];

/// A TLS expiry warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "warning", rename_all = "snake_case")]
pub enum TlsWarning {
    /// The certificate expires within this many days.
    ExpiresWithin { days: i64 },
    /// The certificate has expired.
    Expired,
}

/// The warnings whose instant (`not_after` − 21, 14, 7 days, and `not_after` itself) falls in
/// `(previous_check, now]`. At the first check (`previous_check` `None`) only the most urgent
/// threshold already passed is returned, so a new site is not sent three emails at once.
pub fn tls_warnings_crossed(
    not_after: Timestamp,
    previous_check: Option<Timestamp>,
    now: Timestamp,
) -> Vec<TlsWarning> {
    let mut thresholds: Vec<(Timestamp, TlsWarning)> = TLS_WARNING_DAYS
        .iter()
        .filter_map(|&d| {
            let at = not_after.checked_sub(SignedDuration::from_hours(24 * d)).ok()?;
            Some((at, TlsWarning::ExpiresWithin { days: d }))
        })
        .collect();
    thresholds.push((not_after, TlsWarning::Expired));
    match previous_check {
        Some(prev) => thresholds
            .into_iter()
            .filter(|(at, _)| prev < *at && *at <= now)
            .map(|(_, w)| w)
            .collect(),
        None => thresholds
            .into_iter()
            .rev()
            .find(|(at, _)| *at <= now)
            .map(|(_, w)| w)
            .into_iter()
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Email (OSX-ALERT-EMAIL)

/// A confirmed change of one URL, as stored after a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrlChange {
    pub site_id: SiteId,
    /// The site as shown (`https://www.example.fr`).
    pub site: String,
    pub url: String,
    pub change: Change,
    pub observed_at: Timestamp,
}

/// One line of the email: element, before, after, URL, time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailItem {
    pub element: Element,
    pub element_label: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub url: String,
    pub at: Timestamp,
}

/// The email of one site for one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeEmail {
    pub site_id: SiteId,
    pub site: String,
    pub run_at: Timestamp,
    pub lang: Lang,
    pub items: Vec<EmailItem>,
}

/// Groups a run's changes into one email per site, items sorted by URL, then element, then time
/// (OSX-ALERT-EMAIL). Sites come in the order of their first change.
pub fn group_for_email(changes: &[UrlChange], run_at: Timestamp, lang: Lang) -> Vec<ChangeEmail> {
    let mut emails: Vec<ChangeEmail> = Vec::new();
    for c in changes {
        let item = EmailItem {
            element: c.change.element,
            element_label: c.change.element.label(lang).to_string(),
            before: c.change.before.clone(),
            after: c.change.after.clone(),
            url: c.url.clone(),
            at: c.observed_at,
        };
        match emails.iter_mut().find(|e| e.site_id == c.site_id) {
            Some(e) => e.items.push(item),
            None => emails.push(ChangeEmail {
                site_id: c.site_id,
                site: c.site.clone(),
                run_at,
                lang,
                items: vec![item],
            }),
        }
    }
    for e in &mut emails {
        e.items
            .sort_by(|a, b| (&a.url, a.element, a.at).cmp(&(&b.url, b.element, b.at)));
    }
    emails
}

impl ChangeEmail {
    /// The subject line.
    pub fn subject(&self) -> String {
        let n = self.items.len();
        match self.lang {
            Lang::Fr => format!("{} : {} changement{} SEO détecté{}", self.site, n, plural(n), plural(n)),
            Lang::En => format!("{}: {} SEO change{} detected", self.site, n, plural(n)),
        }
    }

    /// A plain-text body naming every change (element, before, after, URL, time in UTC).
    pub fn text_body(&self) -> String {
        let (before, after, none, at) = match self.lang {
            Lang::Fr => ("Avant :", "Après :", "(absent)", "le"),
            Lang::En => ("Before:", "After:", "(none)", "at"),
        };
        let mut out = String::new();
        for i in &self.items {
            out.push_str(&format!(
                "{} — {} {} {}\n  {before} {}\n  {after} {}\n\n",
                i.element_label,
                i.url,
                at,
                i.at.strftime("%Y-%m-%d %H:%M UTC"),
                i.before.as_deref().unwrap_or(none),
                i.after.as_deref().unwrap_or(none),
            ));
        }
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n > 1 { "s" } else { "" }
}
