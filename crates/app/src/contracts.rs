//! The contracts module (CLOG-SERVICE, CLOG-FREE-UNLIMITED, CTR-*): the register, deadlines
//! explained, documents, the termination letter and its steps, CSV/JSON import and export,
//! reminders and the iCalendar feed.
//!
//! Fields of a contract are named as the CSV template's columns
//! ([`contracts::csv_import::COLUMNS`]) everywhere: forms, API bodies and import files share one
//! parser and one set of error field names. The free plan has no cap on the number of contracts.

use crate::trail::record;
use crate::{Actor, App, AppError};
use contracts::chatel::{Chatel, HolderKind, chatel};
use contracts::csv_import::{self, COLUMNS, ImportErrors};
use contracts::dates::format_date;
use contracts::reminders::reminders_due;
use contracts::{
    Category, ContractId, ContractRecord, Deadlines, LetterEffect, Region, SendingWay, deadlines, letter_effect,
};
use jiff::Timestamp;
use jiff::civil::Date;
use kernel::{AccountId, FieldErrors, FileId, Lang};
use platform::credentials::{random_token, sha256_hex};
use platform::kyc::{check_document, clean_file_name};
use std::collections::BTreeMap;
use store::contracts::{Contract, ContractDocument, ContractFilter, ContractSettings, ContractStatus, LetterSteps};
use store::files::FileMeta;

/// The job kind that sends an account's reminders for one day (CTR-REMINDERS).
pub const REMINDERS: &str = "contracts.reminders";

/// The recurring job that makes sure every account with contracts has its next reminders run
/// enqueued (a run enqueues the next day's itself; this starts the chain for accounts whose
/// contracts came in another way, the demo's for instance, and restarts a broken one).
pub const REMINDERS_SCHEDULE: &str = "contracts.reminders_schedule";

/// The hour (Paris time) reminders leave.
pub const REMINDER_HOUR: i8 = 7;

/// A contract's fields by column name (see the module's documentation), plus
/// `supplier_notice_on` (CTR-CHATEL) and [`LETTER_TRANSIT_DAYS`] (CTR-SEND-BY).
pub type ContractFields = BTreeMap<String, String>;

/// The field of the form and the API that sets the working days a registered letter takes to
/// arrive for this contract (CTR-SEND-BY; 3 when empty). The CSV sets it within `ways`
/// (`registered_letter:5`).
pub const LETTER_TRANSIT_DAYS: &str = "letter_transit_days";

/// Turns a stored record back into fields, to fill an edit form.
pub fn fields_of(c: &Contract) -> ContractFields {
    let mut f: ContractFields = COLUMNS
        .iter()
        .map(|c| c.to_string())
        .zip(csv_import::record_fields(&c.record))
        .collect();
    // The stored terms have no end date: the term in months says it.
    f.insert("end_date".into(), String::new());
    f.insert(
        "supplier_notice_on".into(),
        c.supplier_notice_on.map(|d| d.to_string()).unwrap_or_default(),
    );
    f.insert(
        LETTER_TRANSIT_DAYS.into(),
        c.record
            .terms
            .way(SendingWay::RegisteredLetter)
            .map(|w| w.transit_working_days.to_string())
            .unwrap_or_default(),
    );
    f
}

/// `ways` with the registered letter's transit set from [`LETTER_TRANSIT_DAYS`] when it is
/// given (0 to [`contracts::terms::MAX_TRANSIT_WORKING_DAYS`] working days); a contract that
/// does not accept registered letters ignores it.
fn with_letter_transit(fields: &ContractFields, errors: &mut FieldErrors) -> ContractFields {
    let raw = fields.get(LETTER_TRANSIT_DAYS).map(|s| s.trim()).unwrap_or("");
    if raw.is_empty() {
        return fields.clone();
    }
    let days = match raw.parse::<u8>() {
        Ok(d) if d <= contracts::terms::MAX_TRANSIT_WORKING_DAYS => d,
        _ => {
            errors.push(LETTER_TRANSIT_DAYS, "transit_range");
            return fields.clone();
        }
    };
    let letter = SendingWay::RegisteredLetter.code();
    let ways = fields
        .get("ways")
        .map(String::as_str)
        .unwrap_or("")
        .split('|')
        .map(|w| {
            if w.split(':').next().map(str::trim) == Some(letter) {
                format!("{letter}:{days}")
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("|");
    let mut out = fields.clone();
    out.insert("ways".into(), ways);
    out
}

fn parse_optional_date(errors: &mut FieldErrors, field: &str, raw: Option<&String>) -> Option<Date> {
    let raw = raw.map(|s| s.trim()).unwrap_or("");
    if raw.is_empty() {
        return None;
    }
    errors.check(csv_import::parse_date(field, raw))
}

fn parse_fields(fields: &ContractFields) -> Result<(ContractRecord, Option<Date>), FieldErrors> {
    let mut errors = FieldErrors::new();
    let notice_on = parse_optional_date(&mut errors, "supplier_notice_on", fields.get("supplier_notice_on"));
    let fields = with_letter_transit(fields, &mut errors);
    let record = csv_import::parse_fields(|name| fields.get(name).map(String::as_str).unwrap_or(""));
    match record {
        Ok(r) => {
            errors.into_result()?;
            Ok((r, notice_on))
        }
        Err(mut e) => {
            e.0.extend(errors.0);
            Err(e)
        }
    }
}

/// A contract with what is computed from it on a day.
#[derive(Debug, Clone)]
pub struct ContractView {
    pub contract: Contract,
    pub today: Date,
    pub deadlines: Deadlines,
}

/// A contract's page: its deadlines, documents, CTR-CHATEL and its termination.
#[derive(Debug, Clone)]
pub struct ContractDetail {
    pub view: ContractView,
    pub region: Region,
    pub documents: Vec<ContractDocument>,
    /// What CTR-CHATEL says, for a non-professional holder.
    pub chatel: Option<Chatel>,
    /// What the recorded termination does (when it was sent).
    pub letter: Option<LetterEffect>,
    /// What a termination sent today would do, per accepted way.
    pub letter_today: Vec<LetterEffect>,
    pub proof: Option<FileMeta>,
}

/// What a list shows.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub status: Option<ContractStatus>,
    pub category: Option<Category>,
    pub search: Option<String>,
    /// Only contracts whose earliest send-by date (or end) falls in the next N days.
    pub due_within_days: Option<i64>,
}

/// The dashboard.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub today: Date,
    /// Contracts with a send-by date or an end within 90 days, soonest first.
    pub due: Vec<ContractView>,
    pub by_status: Vec<(ContractStatus, usize)>,
    /// Yearly spend in minor units by category, largest first.
    pub spend_by_category: Vec<(Category, i64)>,
    /// Yearly spend in minor units by counterparty, largest first (top 10).
    pub spend_by_counterparty: Vec<(String, i64)>,
}

/// The next date that matters for sorting and windows: the earliest send-by date, else the end.
pub fn key_date(d: &Deadlines) -> Option<Date> {
    d.earliest_send_by().or(match &d.exit {
        contracts::Exit::EndsByItself { on } => Some(on.date),
        _ => None,
    })
}

/// A yearly cost in minor units (0 for one-off prices).
pub fn yearly_minor(r: &ContractRecord) -> i64 {
    r.price
        .as_ref()
        .map(|p| p.amount_minor * p.period.per_year())
        .unwrap_or(0)
}

fn region_of(s: &ContractSettings) -> Region {
    if s.alsace_moselle {
        Region::AlsaceMoselle
    } else {
        Region::Metropole
    }
}

/// An uploaded document.
#[derive(Debug, Clone, Default)]
pub struct DocumentUpload {
    pub file_name: String,
    pub content: Vec<u8>,
}

/// A step of the termination being recorded.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct StepInput {
    /// `sent`, `delivered` or `terminated`.
    pub step: String,
    /// The day of the step (YYYY-MM-DD).
    pub on: String,
    /// For `sent`: the way it was sent.
    pub way: String,
}

/// Settings an administrator submits.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct SettingsInput {
    pub alsace_moselle: bool,
    /// `professional`, `association` or `co_ownership`.
    pub holder_kind: String,
    /// Days before the send-by date, comma-separated (`90,30,15,7`).
    pub lead_days: String,
    pub weekly_digest: bool,
}

fn not_checked() -> AppError {
    AppError::Unexpected(anyhow::anyhow!("input checked but incomplete"))
}

/// The instant reminders leave on `day`.
pub fn reminder_instant(day: Date) -> Timestamp {
    let tz = kernel::clock::paris();
    day.at(REMINDER_HOUR, 0, 0, 0)
        .to_zoned(tz)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

impl App {
    async fn contract_context(&self, account: AccountId) -> Result<(Date, ContractSettings), AppError> {
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let settings = store::contracts::settings(&mut tx, account).await?;
        tx.commit().await?;
        Ok((kernel::clock::paris_date(now), settings))
    }

    /// Not found unless `id` is one of the account's contracts.
    async fn ensure_contract(&self, account: AccountId, id: ContractId) -> Result<(), AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let found = store::contracts::get(&mut tx, account, id).await?.is_some();
        tx.commit().await?;
        if found { Ok(()) } else { Err(AppError::NotFound) }
    }

    /// The account's settings for the module.
    pub async fn contract_settings(&self, account: AccountId) -> Result<ContractSettings, AppError> {
        Ok(self.contract_context(account).await?.1)
    }

    /// Changes the account's settings (administrators).
    pub async fn set_contract_settings(
        &self,
        account: AccountId,
        input: SettingsInput,
        actor: &Actor,
    ) -> Result<ContractSettings, AppError> {
        let mut errors = FieldErrors::new();
        let holder_kind = match input.holder_kind.trim() {
            "" => Some(HolderKind::Professional),
            code => match store::contracts::holder_kind(code) {
                Some(h @ (HolderKind::Professional | HolderKind::Association | HolderKind::CoOwnership)) => Some(h),
                _ => {
                    errors.push("holder_kind", "unknown_holder_kind");
                    None
                }
            },
        };
        let mut lead_days = Vec::new();
        for part in input.lead_days.split([',', ';', ' ']).filter(|s| !s.trim().is_empty()) {
            match part.trim().parse::<u16>() {
                Ok(n) if (1..=366).contains(&n) => lead_days.push(n),
                _ => {
                    errors.push("lead_days", "lead_days_format");
                    break;
                }
            }
        }
        if lead_days.len() > 8 {
            errors.push("lead_days", "lead_days_format");
        }
        errors.into_result()?;
        let holder_kind = holder_kind.ok_or_else(not_checked)?;
        lead_days.sort_unstable_by(|a, b| b.cmp(a));
        lead_days.dedup();
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        let mut settings = store::contracts::settings(&mut tx, account).await?;
        settings.alsace_moselle = input.alsace_moselle;
        settings.holder_kind = holder_kind;
        settings.lead_days = lead_days;
        settings.weekly_digest = input.weekly_digest;
        store::contracts::set_settings(&mut tx, account, &settings, now).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "contract.settings",
            Some(("account", account.to_string())),
            now,
        )
        .await?;
        self.ensure_reminder_job(&mut tx, account, now).await?;
        tx.commit().await?;
        Ok(settings)
    }

    /// Registers a contract; every field is checked before anything is written.
    pub async fn create_contract(
        &self,
        account: AccountId,
        fields: &ContractFields,
        actor: &Actor,
    ) -> Result<Contract, AppError> {
        let (record_in, notice_on) = parse_fields(fields)?;
        let now = self.now_for(Some(account)).await?;
        let contract = Contract {
            id: ContractId::new(),
            account_id: account,
            record: record_in,
            status: ContractStatus::Active,
            letter_way: None,
            sent_on: None,
            delivered_on: None,
            proof_file_id: None,
            ends_on: None,
            terminated_on: None,
            supplier_notice_on: notice_on,
            created_by: actor.user_id,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        store::contracts::insert(&mut tx, &contract).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "contract.create",
            Some(("contract", contract.id.to_string())),
            now,
        )
        .await?;
        self.ensure_reminder_job(&mut tx, account, now).await?;
        tx.commit().await?;
        Ok(contract)
    }

    /// Replaces a contract's register fields.
    pub async fn update_contract(
        &self,
        account: AccountId,
        id: ContractId,
        fields: &ContractFields,
        actor: &Actor,
    ) -> Result<Contract, AppError> {
        // Another account's id is unknown whatever the input: 404 before any field error.
        let (record_in, notice_on) = match parse_fields(fields) {
            Ok(parsed) => parsed,
            Err(e) => {
                self.ensure_contract(account, id).await?;
                return Err(e.into());
            }
        };
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        if !store::contracts::update_record(&mut tx, account, id, &record_in, notice_on, now).await? {
            return Err(AppError::NotFound);
        }
        record(
            &mut tx,
            actor,
            Some(account),
            "contract.update",
            Some(("contract", id.to_string())),
            now,
        )
        .await?;
        self.ensure_reminder_job(&mut tx, account, now).await?;
        let c = store::contracts::get(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(c)
    }

    /// Deletes a contract with its documents.
    pub async fn delete_contract(&self, account: AccountId, id: ContractId, actor: &Actor) -> Result<(), AppError> {
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        if !store::contracts::delete(&mut tx, account, id).await? {
            return Err(AppError::NotFound);
        }
        record(
            &mut tx,
            actor,
            Some(account),
            "contract.delete",
            Some(("contract", id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The account's contracts with their deadlines on the account's today.
    pub async fn contracts(&self, account: AccountId, q: &ListQuery) -> Result<(Date, Vec<ContractView>), AppError> {
        let (today, settings) = self.contract_context(account).await?;
        let region = region_of(&settings);
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let filter = ContractFilter {
            status: q.status,
            category: q.category,
            search: q.search.clone().filter(|s| !s.trim().is_empty()),
        };
        let list = store::contracts::list(&mut tx, account, &filter).await?;
        tx.commit().await?;
        let horizon = q
            .due_within_days
            .map(|n| contracts::dates::add_days(today, n.clamp(0, 3660) as i32));
        let views = list
            .into_iter()
            .map(|c| ContractView {
                deadlines: deadlines(&c.record.terms, today, region),
                contract: c,
                today,
            })
            .filter(|v| match horizon {
                None => true,
                Some(h) => {
                    v.contract.status == ContractStatus::Active
                        && key_date(&v.deadlines).is_some_and(|d| d >= today && d <= h)
                }
            })
            .collect();
        Ok((today, views))
    }

    /// One contract with everything its page shows.
    pub async fn contract(&self, account: AccountId, id: ContractId) -> Result<ContractDetail, AppError> {
        let (today, settings) = self.contract_context(account).await?;
        let region = region_of(&settings);
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let c = store::contracts::get(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let documents = store::contracts::documents(&mut tx, account, id).await?;
        let proof = match c.proof_file_id {
            Some(f) => store::files::get(&mut tx, account, f).await?.map(|(m, _)| m),
            None => None,
        };
        tx.commit().await?;
        let terms = &c.record.terms;
        let chatel = settings
            .holder_kind
            .is_protected()
            .then(|| chatel(terms, settings.holder_kind, c.supplier_notice_on, today, region));
        let letter = match (c.letter_way, c.sent_on) {
            (Some(way), Some(sent)) => letter_effect(terms, way, sent, region).ok(),
            _ => None,
        };
        let letter_today = terms
            .ways()
            .iter()
            .filter_map(|w| letter_effect(terms, w.way, today, region).ok())
            .collect();
        Ok(ContractDetail {
            view: ContractView {
                deadlines: deadlines(terms, today, region),
                contract: c,
                today,
            },
            region,
            documents,
            chatel,
            letter,
            letter_today,
            proof,
        })
    }

    /// The dashboard: deadlines within 90 days, contracts by status, yearly spend.
    pub async fn contracts_dashboard(&self, account: AccountId) -> Result<Dashboard, AppError> {
        let (today, all) = self.contracts(account, &ListQuery::default()).await?;
        let horizon = contracts::dates::add_days(today, 90);
        let mut due: Vec<ContractView> = all
            .iter()
            .filter(|v| {
                v.contract.status == ContractStatus::Active
                    && key_date(&v.deadlines).is_some_and(|d| d >= today && d <= horizon)
            })
            .cloned()
            .collect();
        due.sort_by_key(|v| key_date(&v.deadlines));
        let by_status = ContractStatus::ALL
            .into_iter()
            .map(|s| (s, all.iter().filter(|v| v.contract.status == s).count()))
            .collect();
        let running = all.iter().filter(|v| {
            v.contract.status != ContractStatus::Terminated && !matches!(v.deadlines.status, contracts::Status::Ended)
        });
        let mut by_category: BTreeMap<Category, i64> = BTreeMap::new();
        let mut by_party: BTreeMap<String, i64> = BTreeMap::new();
        for v in running {
            let y = yearly_minor(&v.contract.record);
            if y > 0 {
                *by_category.entry(v.contract.record.category).or_default() += y;
                *by_party.entry(v.contract.record.counterparty.name.clone()).or_default() += y;
            }
        }
        let mut spend_by_category: Vec<(Category, i64)> = by_category.into_iter().collect();
        spend_by_category.sort_by_key(|c| std::cmp::Reverse(c.1));
        let mut spend_by_counterparty: Vec<(String, i64)> = by_party.into_iter().collect();
        spend_by_counterparty.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        spend_by_counterparty.truncate(10);
        Ok(Dashboard {
            today,
            due,
            by_status,
            spend_by_category,
            spend_by_counterparty,
        })
    }

    /// Attaches a document (PDF or image, size-limited, counted in the account's storage). The
    /// text of a PDF is read so that the contract is found by its words; a document whose text
    /// cannot be read is attached all the same, and says so.
    pub async fn add_contract_document(
        &self,
        account: AccountId,
        id: ContractId,
        upload: DocumentUpload,
        actor: &Actor,
    ) -> Result<ContractDocument, AppError> {
        self.ensure_contract(account, id).await?;
        let content_type = check_document("file", &upload.content).map_err(|e| FieldErrors::single(e.field, e.code))?;
        // Read before the transaction: parsing a large PDF must not hold a connection.
        let read = crate::document_text::read_text_blocking(content_type, upload.content.clone()).await;
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        if store::contracts::get(&mut tx, account, id).await?.is_none() {
            return Err(AppError::NotFound);
        }
        let meta = FileMeta {
            id: FileId::new(),
            account_id: account,
            purpose: "contract_document".into(),
            file_name: clean_file_name(&upload.file_name, "document.pdf"),
            content_type: content_type.into(),
            size_bytes: upload.content.len() as i64,
            sha256: sha256_hex(&upload.content),
            uploaded_by: actor.user_id,
            uploaded_at: now,
        };
        store::files::insert(&mut tx, &meta, &upload.content).await?;
        store::contracts::add_document(&mut tx, account, id, meta.id, read.status, &read.text).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "contract.document_add",
            Some(("file", meta.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(ContractDocument {
            meta,
            text_status: read.status,
            text_chars: read.text.chars().count() as i64,
        })
    }

    /// Deletes one document of a contract; its bytes no longer count in the account's storage.
    /// Not found when it is not a document of that account's contract (a proof of delivery is
    /// not a document: it stays with the termination it proves).
    pub async fn delete_contract_document(
        &self,
        account: AccountId,
        id: ContractId,
        file: FileId,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        if !store::contracts::delete_document(&mut tx, account, id, file).await? {
            return Err(AppError::NotFound);
        }
        record(
            &mut tx,
            actor,
            Some(account),
            "contract.document_delete",
            Some(("file", file.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A document of a contract (or its proof of delivery).
    pub async fn contract_document(
        &self,
        account: AccountId,
        id: ContractId,
        file: FileId,
    ) -> Result<(FileMeta, Vec<u8>), AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let c = store::contracts::get(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let docs = store::contracts::documents(&mut tx, account, id).await?;
        if c.proof_file_id != Some(file) && !docs.iter().any(|d| d.meta.id == file) {
            return Err(AppError::NotFound);
        }
        let f = store::files::get(&mut tx, account, file)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(f)
    }

    /// Records a step of the termination (CTR-LETTER): sent (date and way), delivered (date and
    /// proof), terminated (date). Each step is audited.
    pub async fn record_contract_step(
        &self,
        account: AccountId,
        id: ContractId,
        input: StepInput,
        proof: Option<DocumentUpload>,
        actor: &Actor,
    ) -> Result<Contract, AppError> {
        let now = self.now_for(Some(account)).await?;
        let today = kernel::clock::paris_date(now);
        let mut errors = FieldErrors::new();
        let on = match input.on.trim() {
            "" => {
                errors.push("on", "required");
                None
            }
            raw => errors.check(csv_import::parse_date("on", raw)),
        };
        if on.is_some_and(|d| d > today) {
            errors.push("on", "date_in_future");
        }
        let proof_type = match (&proof, input.step.as_str()) {
            (Some(p), "delivered") if !p.content.is_empty() => errors.check(check_document("file", &p.content)),
            (_, "delivered") => {
                errors.push("file", "required");
                None
            }
            _ => None,
        };
        let (settings_region, mut tx) = {
            let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
            let settings = store::contracts::settings(&mut tx, account).await?;
            (region_of(&settings), tx)
        };
        let c = store::contracts::get(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut steps = LetterSteps::from(&c);
        let action = match input.step.as_str() {
            "sent" => {
                match SendingWay::from_code(&input.way) {
                    Some(way) => match (
                        on,
                        letter_effect(&c.record.terms, way, on.unwrap_or(today), settings_region),
                    ) {
                        (Some(on), Ok(effect)) => {
                            steps.letter_way = Some(way);
                            steps.sent_on = Some(on);
                            steps.ends_on = Some(effect.ends_on);
                        }
                        (_, Err(e)) => errors.push(e.field_error().field.as_str(), e.field_error().code),
                        _ => {}
                    },
                    None => errors.push("way", "unknown_way"),
                }
                if c.status == ContractStatus::Terminated {
                    errors.push("step", "contract_terminated");
                }
                steps.status = ContractStatus::Sent;
                "contract.letter_sent"
            }
            "delivered" => {
                match c.sent_on {
                    None => errors.push("step", "letter_not_sent"),
                    Some(sent) if on.is_some_and(|d| d < sent) => errors.push("on", "delivered_before_sent"),
                    _ => {}
                }
                steps.delivered_on = on;
                steps.status = ContractStatus::Delivered;
                "contract.letter_delivered"
            }
            "terminated" => {
                steps.terminated_on = on;
                steps.status = ContractStatus::Terminated;
                "contract.terminated"
            }
            _ => {
                errors.push("step", "unknown_step");
                "contract.step"
            }
        };
        if let Err(e) = errors.into_result() {
            tx.rollback().await?;
            return Err(e.into());
        }
        if let (Some(p), Some(content_type)) = (proof.filter(|_| input.step == "delivered"), proof_type) {
            let meta = FileMeta {
                id: FileId::new(),
                account_id: account,
                purpose: "contract_proof".into(),
                file_name: clean_file_name(&p.file_name, "proof.pdf"),
                content_type: content_type.into(),
                size_bytes: p.content.len() as i64,
                sha256: sha256_hex(&p.content),
                uploaded_by: actor.user_id,
                uploaded_at: now,
            };
            store::files::insert(&mut tx, &meta, &p.content).await?;
            steps.proof_file_id = Some(meta.id);
        }
        store::contracts::set_steps(&mut tx, account, id, &steps, now).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            action,
            Some(("contract", id.to_string())),
            now,
        )
        .await?;
        let c = store::contracts::get(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(c)
    }

    /// The termination letter as a PDF (CTR-LETTER), sent by `way` on `sent_on` (default: today),
    /// in `lang`, signed by `signer`.
    pub async fn termination_letter(
        &self,
        account: AccountId,
        id: ContractId,
        way: &str,
        sent_on: Option<&str>,
        lang: Lang,
        signer: &str,
    ) -> Result<(LetterEffect, Vec<u8>), AppError> {
        let detail = self.contract(account, id).await?;
        let c = &detail.view.contract;
        let terms = &c.record.terms;
        let mut errors = FieldErrors::new();
        let way = match way.trim() {
            "" => terms.ways().first().map(|w| w.way),
            code => SendingWay::from_code(code).or_else(|| {
                errors.push("way", "unknown_way");
                None
            }),
        };
        let sent_on = match sent_on.map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => errors.check(csv_import::parse_date("sent_on", raw)),
            None => Some(detail.view.today),
        };
        if way.is_none() && errors.is_empty() {
            errors.push("way", "ways_required");
        }
        errors.into_result()?;
        let (way, sent_on) = (way.ok_or_else(not_checked)?, sent_on.ok_or_else(not_checked)?);
        let effect = letter_effect(terms, way, sent_on, detail.region).map_err(|e| {
            let fe = e.field_error();
            AppError::Invalid(FieldErrors::single(fe.field, fe.code))
        })?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let holder = store::accounts::get(&mut tx, account)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        let bytes = crate::letter::render(&holder, &c.record, &effect, lang, signer)?;
        Ok((effect, bytes))
    }

    /// Imports a CSV file, all or nothing (the faulty lines are listed).
    pub async fn import_contracts(
        &self,
        account: AccountId,
        csv: &str,
        actor: &Actor,
    ) -> Result<Result<usize, ImportErrors>, AppError> {
        let records = match csv_import::import_csv(csv) {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        for r in &records {
            let c = Contract {
                id: ContractId::new(),
                account_id: account,
                record: r.clone(),
                status: ContractStatus::Active,
                letter_way: None,
                sent_on: None,
                delivered_on: None,
                proof_file_id: None,
                ends_on: None,
                terminated_on: None,
                supplier_notice_on: None,
                created_by: actor.user_id,
                created_at: now,
                updated_at: now,
            };
            store::contracts::insert(&mut tx, &c).await?;
            record(
                &mut tx,
                actor,
                Some(account),
                "contract.import",
                Some(("contract", c.id.to_string())),
                now,
            )
            .await?;
        }
        self.ensure_reminder_job(&mut tx, account, now).await?;
        tx.commit().await?;
        Ok(Ok(records.len()))
    }

    /// Every contract as CSV, in the template's columns.
    pub async fn export_contracts_csv(&self, account: AccountId) -> Result<String, AppError> {
        let (_, all) = self.contracts(account, &ListQuery::default()).await?;
        let records: Vec<ContractRecord> = all.into_iter().map(|v| v.contract.record).collect();
        Ok(csv_import::export_csv(&records))
    }

    /// Makes a new secret calendar feed token (the previous one stops working) and returns it:
    /// it is shown once and stored only hashed.
    pub async fn renew_calendar_token(&self, account: AccountId, actor: &Actor) -> Result<String, AppError> {
        let token = random_token();
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        store::contracts::set_calendar_token(&mut tx, account, Some(&sha256_hex(&token)), now).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "contract.calendar_renew",
            Some(("account", account.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Revokes the calendar feed.
    pub async fn revoke_calendar_token(&self, account: AccountId, actor: &Actor) -> Result<(), AppError> {
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        store::contracts::set_calendar_token(&mut tx, account, None, now).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "contract.calendar_revoke",
            Some(("account", account.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The iCalendar feed behind a secret token (CTR-REMINDERS); unknown or revoked: not found.
    pub async fn calendar_feed(&self, token: &str, lang: Lang) -> Result<String, AppError> {
        if token.is_empty() || token.len() > 200 {
            return Err(AppError::NotFound);
        }
        let mut tx = self.db.read().await?;
        let account = store::contracts::account_by_calendar_token(&mut tx, &sha256_hex(token))
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        let now = self.now_for(Some(account)).await?;
        let (_, all) = self.contracts(account, &ListQuery::default()).await?;
        let events: Vec<_> = all
            .iter()
            .filter(|v| v.contract.status == ContractStatus::Active)
            .flat_map(|v| contracts::ical::contract_events(&v.contract.id, &title(&v.contract), &v.deadlines, lang))
            .collect();
        let name = match lang {
            Lang::Fr => "Échéances des contrats",
            Lang::En => "Contract deadlines",
        };
        Ok(contracts::ical::write_calendar(name, now, &events))
    }

    /// Enqueues the account's next reminders run (idempotent: one per account and day), under
    /// the account's test clock when it has one.
    pub(crate) async fn ensure_reminder_job(
        &self,
        conn: &mut sqlx::AnyConnection,
        account: AccountId,
        now: Timestamp,
    ) -> Result<(), AppError> {
        enqueue_reminders(conn, account, now).await
    }
}

/// "Counterparty (reference)".
pub fn title(c: &Contract) -> String {
    if c.record.reference.is_empty() {
        c.record.counterparty.name.clone()
    } else {
        format!("{} ({})", c.record.counterparty.name, c.record.reference)
    }
}

pub(crate) async fn enqueue_reminders(
    conn: &mut sqlx::AnyConnection,
    account: AccountId,
    now: Timestamp,
) -> Result<(), AppError> {
    let today = kernel::clock::paris_date(now);
    let day = if reminder_instant(today) > now {
        today
    } else {
        contracts::dates::add_days(today, 1)
    };
    let clock = store::accounts::get(&mut *conn, account)
        .await?
        .and_then(|a| a.clock_id);
    let spec = jobs::JobSpec::new(
        REMINDERS,
        serde_json::json!({ "account_id": account, "day": day.to_string() }),
        reminder_instant(day),
    )
    .account(account)
    .clock(clock)
    .unique(format!("{REMINDERS}:{account}:{day}"));
    match jobs::enqueue(conn, spec, now).await {
        Ok(_) | Err(store::jobs::EnqueueError::Duplicate(_)) => Ok(()),
        Err(store::jobs::EnqueueError::Store(e)) => Err(e.into()),
    }
}

/// One reminder line of an email.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReminderLine {
    pub title: String,
    pub send_by: String,
    pub days: u16,
    pub explanation: String,
    pub link: String,
}

/// Sends the reminders of one day (the job [`REMINDERS`]), then enqueues the next day's run.
pub(crate) async fn run_reminders(app: &App, ctx: &jobs::JobContext) -> anyhow::Result<()> {
    let account: AccountId = serde_json::from_value(ctx.job.payload["account_id"].clone())?;
    let today = kernel::clock::paris_date(ctx.now);
    // Platform scope: the emails' delivery jobs belong to no account. Every query below names
    // the account explicitly.
    let mut tx = ctx.db.write().await?;
    let Some(holder) = store::accounts::get(&mut tx, account).await? else {
        return Ok(());
    };
    if holder.ended_at.is_some() {
        tx.commit().await?;
        return Ok(());
    }
    let settings = store::contracts::settings(&mut tx, account).await?;
    let region = region_of(&settings);
    let list = store::contracts::list(&mut tx, account, &ContractFilter::default()).await?;
    let users = store::users::list_for_account(&mut tx, account).await?;
    let mut lines: Vec<(Date, Contract, Deadlines, u16)> = Vec::new();
    for c in list.into_iter().filter(|c| c.status == ContractStatus::Active) {
        let d = deadlines(&c.record.terms, today, region);
        let Some(send_by) = d.earliest_send_by() else { continue };
        if settings.weekly_digest {
            // The digest leaves on Mondays and lists the send-by dates of the coming weeks
            // that a lead time points at.
            if today.weekday() == jiff::civil::Weekday::Monday {
                let days = (send_by - today).get_days();
                let max = settings.lead_days.iter().copied().max().unwrap_or(0);
                if days >= 0 && days <= i32::from(max) {
                    lines.push((send_by, c, d, days as u16));
                }
            }
        } else if let Some(r) = reminders_due(send_by, &settings.lead_days, today).into_iter().next() {
            lines.push((send_by, c, d, r.lead_days));
        }
    }
    lines.sort_by_key(|l| l.0);
    if !lines.is_empty() {
        for u in users.iter().filter(|u| u.status == platform::roles::UserStatus::Active) {
            let items: Vec<ReminderLine> = lines
                .iter()
                .map(|(send_by, c, d, days)| ReminderLine {
                    title: title(c),
                    send_by: format_date(*send_by, u.lang),
                    days: *days,
                    explanation: d.explain(u.lang),
                    link: app.link(&format!("/contracts/{}", c.id)),
                })
                .collect();
            let template = if settings.weekly_digest {
                "contract_digest"
            } else {
                "contract_reminder"
            };
            app.queue_email(
                &mut tx,
                Some(account),
                &u.email,
                u.lang,
                template,
                &serde_json::json!({
                    "name": u.name, "company": holder.legal_name, "items": items,
                    "count": items.len(), "link": app.link("/contracts/dashboard"),
                }),
                ctx.now,
            )
            .await?;
        }
    }
    // The next day's run, under the same clock as this one.
    let next = contracts::dates::add_days(today, 1);
    let spec = jobs::JobSpec::new(
        REMINDERS,
        serde_json::json!({ "account_id": account, "day": next.to_string() }),
        reminder_instant(next),
    )
    .account(account)
    .clock(ctx.job.clock_id)
    .unique(format!("{REMINDERS}:{account}:{next}"));
    match jobs::enqueue(&mut tx, spec, ctx.now).await {
        Ok(_) | Err(store::jobs::EnqueueError::Duplicate(_)) => {}
        Err(store::jobs::EnqueueError::Store(e)) => return Err(e.into()),
    }
    tx.commit().await?;
    Ok(())
}

/// The job [`REMINDERS_SCHEDULE`]: enqueues each account's next reminders run (idempotent).
pub(crate) async fn schedule_reminders(ctx: &jobs::JobContext) -> anyhow::Result<()> {
    let mut tx = ctx.db.write().await?;
    for account in store::contracts::accounts_with_contracts(&mut tx).await? {
        let now = store::clocks::now_for_account(&mut tx, account)
            .await?
            .unwrap_or(ctx.now);
        enqueue_reminders(&mut tx, account, now)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    tx.commit().await?;
    Ok(())
}
