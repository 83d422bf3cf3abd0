//! Terms assist: proposes a contract's term, renewal, notice, ways to terminate and price from
//! its text, French or English, each with the sentence it came from, for a person to confirm.
//!
//! Rule-based on purpose: every proposal can be traced to a pattern and a sentence, it runs
//! anywhere without a model, and its precision and recall are measured on the seed documents
//! (`ASSIST-EVAL.md`). The rules:
//!
//! - The text is cut into sentences (lines, then `.`/`!`/`?` before a capital).
//! - A sentence about breach, force majeure, confidentiality, data, prices or maintenance is
//!   not read for term, notice or ways: those clauses carry durations that are not the
//!   contract's (a formal notice's 8 days, data kept 3 years); nor is one about the signer's
//!   age or capacity ("over 18 years").
//! - Term: "durée indéterminée" / "indefinite period"; a duration in months or years in a
//!   sentence about the contract's duration or commitment; "monthly"/"annual" subscriptions
//!   that renew.
//! - Renewal: tacit or automatic renewal wording.
//! - Notice: the first duration after "préavis"/"notice" in a sentence about terminating;
//!   "at least N hours before the renewal"; "avant le 20e jour du mois".
//! - Ways: registered letter, email, online form, or in the supplier's application (unticking
//!   a box in the account), in a sentence about terminating or notifying.
//! - Price: an amount with a currency on a line naming a period (monthly, annual…), not a fee
//!   or a penalty; lines holding only an amount continue the table above them. In such a
//!   table, an amount followed by a lower one is read as a struck-through list price followed
//!   by the actual price, and is dropped.

use crate::register::BillingPeriod;
use crate::terms::{AcceptedWay, Notice, Renewal, SendingWay, TermsDraft};
use jiff::civil::Date;
use kernel::Lang;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// A proposed term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermValue {
    Months(u16),
    /// Indefinite (open-ended from the start).
    Indefinite,
}

/// A proposed renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RenewalValue {
    /// Tacit or automatic renewal.
    Tacit,
}

/// A proposed notice. Hours and day-of-month cut-offs are kept as written: the person maps
/// them (48 hours is 2 days; "before the 20th" is a monthly cut-off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeValue {
    Days(u16),
    Months(u16),
    Hours(u16),
    /// To be given before this day of the month preceding the renewal.
    BeforeDayOfMonth(u8),
}

/// A proposed price.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PriceValue {
    pub amount_minor: i64,
    /// `EUR` or `USD`, as the text wrote it.
    pub currency: String,
    pub period: BillingPeriod,
}

/// A proposal and the sentence it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding<T> {
    pub value: T,
    pub sentence: String,
    pub lang: Lang,
}

/// Everything proposed for one text; in each list the first is the best guess, and a value
/// appears once (with the first sentence that gave it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub term: Vec<Finding<TermValue>>,
    pub renewal: Vec<Finding<RenewalValue>>,
    pub notice: Vec<Finding<NoticeValue>>,
    pub ways: Vec<Finding<SendingWay>>,
    pub price: Vec<Finding<PriceValue>>,
}

impl Proposal {
    /// A draft of terms from the best guesses, for the form to pre-fill; the person confirms
    /// or corrects it, and [`crate::ContractTerms::new`] validates it as any other draft.
    pub fn draft(&self, start: Date) -> TermsDraft {
        let term = self.term.first().map(|f| f.value);
        let tacit = !self.renewal.is_empty();
        let (term_months, renewal) = match (term, tacit) {
            (Some(TermValue::Indefinite), _) | (None, false) => (None, Renewal::OpenEnded),
            (Some(TermValue::Months(m)), true) => (Some(m), Renewal::Tacit { months: m }),
            (Some(TermValue::Months(m)), false) => (Some(m), Renewal::Ends),
            (None, true) => (None, Renewal::Tacit { months: 12 }),
        };
        let notice = self
            .notice
            .iter()
            .find_map(|f| match f.value {
                NoticeValue::Days(d) => Some(Notice::Days(d)),
                NoticeValue::Months(m) => Some(Notice::Months(m)),
                NoticeValue::Hours(h) => Some(Notice::Days(h.div_ceil(24))),
                NoticeValue::BeforeDayOfMonth(_) => None,
            })
            .unwrap_or(Notice::NONE);
        TermsDraft {
            start,
            term_months,
            end: None,
            renewal,
            notice,
            ways: self.ways.iter().map(|f| AcceptedWay::new(f.value)).collect(),
        }
    }
}

fn re(pattern: &str) -> Regex {
    // The patterns are constants of this module, checked by its tests; an invalid one would
    // be a programming error caught on first use in any test.
    Regex::new(pattern).expect("valid assist pattern")
}

/// A duration: digits, or a number word, optionally followed by digits in brackets
/// ("vingt quatre (24) mois", "forty-eight (48) hours"), then a unit.
const QUANTITY: &str = r"(?i)(?:\b(?P<digits>\d{1,4})|\b(?P<word>vingt[\s-]quatre|twenty[\s-]four|quarante[\s-]huit|forty[\s-]eight|un|une|one|a|an|deux|two|trois|three|quatre|four|cinq|five|six|sept|seven|huit|eight|dix|ten|douze|twelve|quinze|fifteen|trente|thirty|soixante|sixty|quatre[\s-]vingt[\s-]dix|ninety))(?:\s*\((?P<paren>\d{1,4})\))?\s+(?:calendar\s+|civils?\s+|full\s+)?(?P<unit>mois|months?|jours?|days?|heures?|hours?|ans|années?|years?|semaines?|weeks?)\b";

static QTY: LazyLock<Regex> = LazyLock::new(|| re(QUANTITY));
static EXCLUDED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)confidenti|conserv|\bkept\b|\bkeep\b|retention|stored|\bdonnées\b|\bdata\b|personal|personnel|prescri|limitation|force majeure|mise en demeure|formal notice|breach|inexécution|non-performance|manquement|défaillance|suspen|maintenance|interruption|\bprice|\bprix\b|tarif|processor|sous-traitan|withdraw|rétract|refund|rembours|retard|\blate\b|enregistrement|recording|signalement|\bâge\b|\bage\b|years old|avoir plus de|majeur|capacit",
    )
});
static TERMINATE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)résili|resili|terminat|dénonc|denonc|cancel|décoch|uncheck|untick"));
static NOTICE_WORD: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)préavis|preavis|\bnotice\b"));
static BEFORE_RENEWAL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:au plus tard|at least|au moins|no later than|minimum)\s+(?P<qty>[^.;]{1,40}?)\s+(?:avant|before|prior to)\b",
    )
});
static DAY_OF_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:avant le (?P<fr>\d{1,2})\s*(?:e|è|ème|eme|er)?\s+jour du mois|before the (?P<en>\d{1,2})(?:st|nd|rd|th)?\s+(?:day\s+)?of (?:the|each) month)",
    )
});
static RENEW: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)renouvel|reconduction|reconduit|renew|auto-?renew|tacitement|tacitly"));
static TACIT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)tacite reconduction|tacitement|reconduit tacitement|tacitly renew|renews? tacitly|renouvel\w* automatiquement|automatically renew|renewed automatically|auto-?renew|automatic renewal|renouvellement automatique",
    )
});
static INDEFINITE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)durée indéterminée|duree indeterminee|indefinite (?:period|term|duration)|open-ended|for an unlimited (?:period|duration)",
    )
});
static TERM_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\bdurée|\bduration|\bterm\b|\bpériode|\bperiod\b|conclu|souscrit|engagement|commitment|fixée")
});
static CONTRACT_WORD: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)contrat|contract|abonnement|subscription|engagement|commitment"));
static MONTHLY_SUB: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bmonthly subscription|abonnement mensuel"));
static ANNUAL_SUB: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bannual subscription|abonnement annuel"));
static WAY_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)résili|resili|terminat|dénonc|denonc|cancel|notification|décoch|uncheck|untick|renouvellement automatique|automatic renewal",
    )
});
static WAY_EXCLUDED: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)mise en demeure|formal notice|force majeure|breach|inexécution|non-performance|withdraw|rétract")
});
static WAYS: LazyLock<[(SendingWay, Regex); 4]> = LazyLock::new(|| {
    [
        (
            SendingWay::RegisteredLetter,
            re(
                r"(?i)lettre recommandée|courrier recommandé|registered (?:letter|mail)|recommandée? avec (?:accusé|avis)",
            ),
        ),
        (
            SendingWay::Email,
            re(r"(?i)\bby e-?mail\b|\bpar (?:e-?mail|courriel|courrier électronique)\b"),
        ),
        (
            SendingWay::OnlineForm,
            re(r"(?i)online form|web form|formulaire (?:en ligne|de résiliation)"),
        ),
        (
            SendingWay::InApp,
            re(
                r"(?i)uncheck|untick|décoch|(?:in|from) (?:the|his|her|its|your) (?:client |customer )?(?:account|space|dashboard)|dans (?:son|votre) (?:compte|espace)|depuis (?:son|votre) (?:compte|espace)|espace client",
            ),
        ),
    ]
});
static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:(?P<pre>€|\$)\s*)?\b(?P<units>\d{1,3}(?:[ \u{a0}\u{202f}]\d{3})+|\d+)(?:[.,](?P<cents>\d{1,2}))?\s*(?P<post>€|\$|euros?\b|eur\b|usd\b|dollars?\b)?",
    )
});
static AMOUNT_ONLY_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*(?:€|\$)?\s*\d{1,3}(?:[ \u{a0}\u{202f}]\d{3})*(?:[.,]\d{1,2})?\s*(?:€|\$|euros?|eur|usd)\s*(?:excl\.?\s*(?:taxes|vat)|ht|ttc|hors taxes?)?\s*$",
    )
});
static PRICE_EXCLUDED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)frais|\bfees?\b|penalt|pénalit|indemn|capital|deposit|acompte|\bcharge\b|rejet|reject|intérêt|interest|amende|dépôt|refund|rembours",
    )
});
static MONTHLY: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)/\s*mois|par mois|per month|a month|/\s*month|mensuel|monthly"));
static YEARLY: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)annuel|annual|yearly|par an\b|per year|/\s*an\b|/\s*year"));
static QUARTERLY: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)trimestr|quarterly|per quarter"));
static FR_MARKERS: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(?:le|la|les|des|du|est|une|pour|avec|dans|sont|aux)\b"));
static EN_MARKERS: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b(?:the|of|and|is|are|with|for|by|to|shall|will)\b"));

/// French or English, by counting common words.
pub fn detect_lang(text: &str) -> Lang {
    if FR_MARKERS.find_iter(text).count() >= EN_MARKERS.find_iter(text).count() {
        Lang::Fr
    } else {
        Lang::En
    }
}

/// Cuts a text into sentences: each line, then at `.`, `!` or `?` followed by a space and a
/// capital letter, a digit or an opening quote.
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let chars: Vec<char> = line.chars().collect();
        let mut current = String::new();
        for (i, &c) in chars.iter().enumerate() {
            current.push(c);
            let ends = matches!(c, '.' | '!' | '?')
                && chars.get(i + 1).is_some_and(|n| n.is_whitespace())
                && chars
                    .get(i + 2)
                    .is_some_and(|n| n.is_uppercase() || n.is_ascii_digit() || matches!(n, '«' | '"' | '“'));
            if ends {
                push_sentence(&mut out, &current);
                current.clear();
            }
        }
        push_sentence(&mut out, &current);
    }
    out
}

fn push_sentence(out: &mut Vec<String>, s: &str) {
    let s = s.trim();
    if !s.is_empty() {
        out.push(s.to_string());
    }
}

fn number_word(word: &str) -> Option<u16> {
    let w = word.to_lowercase().replace(['-', ' ', '\t'], "");
    Some(match w.as_str() {
        "un" | "une" | "one" | "a" | "an" => 1,
        "deux" | "two" => 2,
        "trois" | "three" => 3,
        "quatre" | "four" => 4,
        "cinq" | "five" => 5,
        "six" => 6,
        "sept" | "seven" => 7,
        "huit" | "eight" => 8,
        "dix" | "ten" => 10,
        "douze" | "twelve" => 12,
        "quinze" | "fifteen" => 15,
        "vingtquatre" | "twentyfour" => 24,
        "trente" | "thirty" => 30,
        "quarantehuit" | "fortyeight" => 48,
        "soixante" | "sixty" => 60,
        "quatrevingtdix" | "ninety" => 90,
        _ => return None,
    })
}

/// A duration found in a text, with where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Duration {
    Months(u16),
    Days(u16),
    Hours(u16),
}

fn quantities(text: &str) -> Vec<(usize, Duration)> {
    QTY.captures_iter(text)
        .filter_map(|c| {
            let n: u16 = match (c.name("paren"), c.name("digits"), c.name("word")) {
                (Some(p), _, _) => p.as_str().parse().ok()?,
                (None, Some(d), _) => d.as_str().parse().ok()?,
                (None, None, Some(w)) => number_word(w.as_str())?,
                _ => return None,
            };
            let unit = c.name("unit")?.as_str().to_lowercase();
            let start = c.get(0)?.start();
            let duration = if unit.starts_with("mois") || unit.starts_with("month") {
                Duration::Months(n)
            } else if unit.starts_with("an") || unit.starts_with("ann") || unit.starts_with("year") {
                Duration::Months(n.saturating_mul(12))
            } else if unit.starts_with("semaine") || unit.starts_with("week") {
                Duration::Days(n.saturating_mul(7))
            } else if unit.starts_with("heure") || unit.starts_with("hour") {
                Duration::Hours(n)
            } else {
                Duration::Days(n)
            };
            Some((start, duration))
        })
        .collect()
}

fn push_unique<T: PartialEq>(list: &mut Vec<Finding<T>>, value: T, sentence: &str) {
    if !list.iter().any(|f| f.value == value) {
        list.push(Finding {
            value,
            sentence: sentence.to_string(),
            lang: detect_lang(sentence),
        });
    }
}

/// Proposes terms from a contract's text (see the module's rules).
pub fn propose(text: &str) -> Proposal {
    let mut p = Proposal::default();
    for s in sentences(text) {
        let excluded = EXCLUDED.is_match(&s);
        let terminating = TERMINATE.is_match(&s);

        // Notice, first: its durations must not be read as the term.
        let mut notice_spans = Vec::new();
        if !excluded
            && terminating
            && let Some(m) = NOTICE_WORD.find(&s)
            && let Some((at, d)) = quantities(&s).into_iter().find(|(at, _)| *at >= m.end())
            // Within the same clause of the sentence, not three clauses later.
            && at - m.end() <= 120
        {
            notice_spans.push(at);
            push_unique(&mut p.notice, notice_value(d), &s);
        }
        if !excluded && (terminating || RENEW.is_match(&s)) {
            for c in BEFORE_RENEWAL.captures_iter(&s) {
                if let Some(q) = c.name("qty")
                    && let Some((at, d)) = quantities(q.as_str()).first().copied()
                {
                    notice_spans.push(q.start() + at);
                    push_unique(&mut p.notice, notice_value(d), &s);
                }
            }
            if RENEW.is_match(&s)
                && let Some(c) = DAY_OF_MONTH.captures(&s)
                && let Some(day) = c
                    .name("fr")
                    .or(c.name("en"))
                    .and_then(|d| d.as_str().parse::<u8>().ok())
                && (1..=31).contains(&day)
            {
                push_unique(&mut p.notice, NoticeValue::BeforeDayOfMonth(day), &s);
            }
        }

        // Renewal.
        if TACIT.is_match(&s) && !WAY_EXCLUDED.is_match(&s) {
            push_unique(&mut p.renewal, RenewalValue::Tacit, &s);
        }

        // Term.
        if !excluded {
            if INDEFINITE.is_match(&s) && CONTRACT_WORD.is_match(&s) {
                push_unique(&mut p.term, TermValue::Indefinite, &s);
            }
            if RENEW.is_match(&s) && MONTHLY_SUB.is_match(&s) {
                push_unique(&mut p.term, TermValue::Months(1), &s);
            }
            if RENEW.is_match(&s) && ANNUAL_SUB.is_match(&s) {
                push_unique(&mut p.term, TermValue::Months(12), &s);
            }
            if TERM_WORD.is_match(&s) && CONTRACT_WORD.is_match(&s) {
                for (at, d) in quantities(&s) {
                    if let Duration::Months(m) = d
                        && !notice_spans.contains(&at)
                        && !preceded_by_notice(&s, at)
                    {
                        push_unique(&mut p.term, TermValue::Months(m), &s);
                    }
                }
            }
        }

        // Ways.
        if WAY_CONTEXT.is_match(&s) && !WAY_EXCLUDED.is_match(&s) {
            for (way, pattern) in WAYS.iter() {
                if pattern.is_match(&s) {
                    push_unique(&mut p.ways, *way, &s);
                }
            }
        }
    }
    p.price = prices(text);
    p
}

fn notice_value(d: Duration) -> NoticeValue {
    match d {
        Duration::Months(m) => NoticeValue::Months(m),
        Duration::Days(n) => NoticeValue::Days(n),
        Duration::Hours(h) => NoticeValue::Hours(h),
    }
}

/// True when the words just before `at` tie the duration to a notice or a deadline rather
/// than to the contract's length.
fn preceded_by_notice(s: &str, at: usize) -> bool {
    let before: String = s[..at]
        .chars()
        .rev()
        .take(40)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let lower = before.to_lowercase();
    ["préavis", "notice", "avant", "before", "prior", "délai"]
        .iter()
        .any(|w| lower.contains(w))
}

fn period_of(line: &str) -> Option<BillingPeriod> {
    if QUARTERLY.is_match(line) {
        Some(BillingPeriod::Quarterly)
    } else if MONTHLY.is_match(line) {
        Some(BillingPeriod::Monthly)
    } else if YEARLY.is_match(line) {
        Some(BillingPeriod::Yearly)
    } else {
        None
    }
}

fn amounts(line: &str) -> Vec<(i64, String)> {
    AMOUNT
        .captures_iter(line)
        .filter_map(|c| {
            let currency = c.name("pre").or(c.name("post"))?.as_str().to_lowercase();
            let currency = if currency == "$" || currency.starts_with("usd") || currency.starts_with("dollar") {
                "USD"
            } else {
                "EUR"
            };
            let units: String = c.name("units")?.as_str().chars().filter(char::is_ascii_digit).collect();
            let units: i64 = units.parse().ok()?;
            let cents: i64 = match c.name("cents").map(|m| m.as_str()) {
                Some(d) if d.len() == 1 => d.parse::<i64>().ok()? * 10,
                Some(d) => d.parse().ok()?,
                None => 0,
            };
            Some((units * 100 + cents, currency.to_string()))
        })
        .collect()
}

/// Prices, line by line (price tables break sentences), with table continuation and the
/// list-price rule described in the module documentation.
fn prices(text: &str) -> Vec<Finding<PriceValue>> {
    // Runs of (amount, currency, period, sentence) read from consecutive lines.
    let mut runs: Vec<Vec<(i64, String, BillingPeriod, String)>> = Vec::new();
    let mut table: Option<(BillingPeriod, String)> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some((period, head)) = table.clone()
            && AMOUNT_ONLY_LINE.is_match(line)
        {
            if let (Some(run), Some((amount, currency))) = (runs.last_mut(), amounts(line).first().cloned()) {
                run.push((amount, currency, period, format!("{head} … {line}")));
            }
            continue;
        }
        table = None;
        if PRICE_EXCLUDED.is_match(line) {
            continue;
        }
        let Some(period) = period_of(line) else { continue };
        let found = amounts(line);
        if found.is_empty() {
            continue;
        }
        runs.push(
            found
                .into_iter()
                .map(|(a, c)| (a, c, period, line.to_string()))
                .collect(),
        );
        table = Some((period, line.to_string()));
    }
    let mut out = Vec::new();
    for run in runs {
        let mut i = 0;
        while i < run.len() {
            let (amount, currency, period, sentence) = &run[i];
            // A higher amount right before a lower one in the same table: a struck-through
            // list price, then the price actually charged.
            if run.get(i + 1).is_some_and(|next| next.0 < *amount) {
                i += 1;
                continue;
            }
            let value = PriceValue {
                amount_minor: *amount,
                currency: currency.clone(),
                period: *period,
            };
            push_unique(&mut out, value, sentence);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_read_words_and_brackets() {
        let q = |s: &str| quantities(s).into_iter().map(|(_, d)| d).collect::<Vec<_>>();
        assert_eq!(q("fixée à vingt quatre (24) mois"), vec![Duration::Months(24)]);
        assert_eq!(q("at least forty-eight (48) hours"), vec![Duration::Hours(48)]);
        assert_eq!(q("d'un mois civil complet"), vec![Duration::Months(1)]);
        assert_eq!(q("not be less than three (3) months"), vec![Duration::Months(3)]);
        assert_eq!(q("pour 2 ans"), vec![Duration::Months(24)]);
        assert_eq!(q("30 days"), vec![Duration::Days(30)]);
    }

    #[test]
    fn proposes_from_a_short_french_text() {
        let p = propose(
            "Le contrat est conclu pour une durée de 12 mois. Il est renouvelé par tacite reconduction.\n\
             Il peut être résilié par lettre recommandée avec accusé de réception moyennant un préavis de deux mois.\n\
             Le prix est de 49,90 € HT par mois.",
        );
        assert_eq!(
            p.term.iter().map(|f| f.value).collect::<Vec<_>>(),
            vec![TermValue::Months(12)]
        );
        assert_eq!(p.renewal.len(), 1);
        assert_eq!(
            p.notice.iter().map(|f| f.value).collect::<Vec<_>>(),
            vec![NoticeValue::Months(2)]
        );
        assert_eq!(p.ways[0].value, SendingWay::RegisteredLetter);
        assert_eq!(p.ways[0].lang, Lang::Fr);
        assert!(p.notice[0].sentence.contains("préavis de deux mois"));
        assert_eq!(p.price[0].value.amount_minor, 4990);
        let d = p.draft(jiff::civil::date(2026, 1, 31));
        assert_eq!(d.renewal, Renewal::Tacit { months: 12 });
        assert_eq!(d.notice, Notice::Months(2));
        assert!(crate::ContractTerms::new(d).is_ok());
    }
}
