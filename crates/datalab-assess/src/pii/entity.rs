//! The kinds of personal data the detector knows, and small sets of them.

use serde::Serialize;

/// A kind of personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Email,
    Phone,
    Iban,
    PaymentCard,
    SePersonnummer,
    SeSamordningsnummer,
    DkCpr,
    NlBsn,
    NoFodselsnummer,
    FiHetu,
    DeTaxId,
    /// German pension insurance number (Rentenversicherungsnummer), the number the demo data
    /// uses as German national ID; it encodes birth date, surname initial and sex.
    DeRvnr,
    FrNir,
    BeNationalNumber,
    EsDni,
    EsNie,
    ItCodiceFiscale,
    PlPesel,
    EuVat,
    Ipv4,
    Ipv6,
    MacAddress,
    Url,
    DateOfBirth,
    PersonName,
}

impl Entity {
    /// Every entity, in declaration order.
    pub const ALL: [Entity; 25] = [
        Entity::Email,
        Entity::Phone,
        Entity::Iban,
        Entity::PaymentCard,
        Entity::SePersonnummer,
        Entity::SeSamordningsnummer,
        Entity::DkCpr,
        Entity::NlBsn,
        Entity::NoFodselsnummer,
        Entity::FiHetu,
        Entity::DeTaxId,
        Entity::DeRvnr,
        Entity::FrNir,
        Entity::BeNationalNumber,
        Entity::EsDni,
        Entity::EsNie,
        Entity::ItCodiceFiscale,
        Entity::PlPesel,
        Entity::EuVat,
        Entity::Ipv4,
        Entity::Ipv6,
        Entity::MacAddress,
        Entity::Url,
        Entity::DateOfBirth,
        Entity::PersonName,
    ];

    /// The snake_case name used in JSON (same as the serde form).
    pub fn name(self) -> &'static str {
        match self {
            Entity::Email => "email",
            Entity::Phone => "phone",
            Entity::Iban => "iban",
            Entity::PaymentCard => "payment_card",
            Entity::SePersonnummer => "se_personnummer",
            Entity::SeSamordningsnummer => "se_samordningsnummer",
            Entity::DkCpr => "dk_cpr",
            Entity::NlBsn => "nl_bsn",
            Entity::NoFodselsnummer => "no_fodselsnummer",
            Entity::FiHetu => "fi_hetu",
            Entity::DeTaxId => "de_tax_id",
            Entity::DeRvnr => "de_rvnr",
            Entity::FrNir => "fr_nir",
            Entity::BeNationalNumber => "be_national_number",
            Entity::EsDni => "es_dni",
            Entity::EsNie => "es_nie",
            Entity::ItCodiceFiscale => "it_codice_fiscale",
            Entity::PlPesel => "pl_pesel",
            Entity::EuVat => "eu_vat",
            Entity::Ipv4 => "ipv4",
            Entity::Ipv6 => "ipv6",
            Entity::MacAddress => "mac_address",
            Entity::Url => "url",
            Entity::DateOfBirth => "date_of_birth",
            Entity::PersonName => "person_name",
        }
    }

    /// The entity for a [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.name() == name)
    }

    /// A short human description.
    pub fn label(self) -> &'static str {
        match self {
            Entity::Email => "email address",
            Entity::Phone => "phone number",
            Entity::Iban => "IBAN (bank account)",
            Entity::PaymentCard => "payment card number",
            Entity::SePersonnummer => "Swedish personnummer",
            Entity::SeSamordningsnummer => "Swedish samordningsnummer",
            Entity::DkCpr => "Danish CPR number",
            Entity::NlBsn => "Dutch BSN",
            Entity::NoFodselsnummer => "Norwegian fødselsnummer",
            Entity::FiHetu => "Finnish personal identity code (HETU)",
            Entity::DeTaxId => "German tax ID (Steuer-IdNr.)",
            Entity::DeRvnr => "German pension insurance number (RVNR)",
            Entity::FrNir => "French social security number (NIR)",
            Entity::BeNationalNumber => "Belgian national register number",
            Entity::EsDni => "Spanish DNI",
            Entity::EsNie => "Spanish NIE",
            Entity::ItCodiceFiscale => "Italian codice fiscale",
            Entity::PlPesel => "Polish PESEL",
            Entity::EuVat => "EU VAT number",
            Entity::Ipv4 => "IPv4 address",
            Entity::Ipv6 => "IPv6 address",
            Entity::MacAddress => "MAC address",
            Entity::Url => "URL",
            Entity::DateOfBirth => "date of birth",
            Entity::PersonName => "person name",
        }
    }

    /// Whether the entity carries check digits (or an equivalent check) that a look-alike
    /// fails. (EU VAT numbers of a few countries are checked for format only.)
    pub fn has_check_digits(self) -> bool {
        matches!(
            self,
            Entity::Iban
                | Entity::PaymentCard
                | Entity::SePersonnummer
                | Entity::SeSamordningsnummer
                | Entity::DkCpr
                | Entity::NlBsn
                | Entity::NoFodselsnummer
                | Entity::FiHetu
                | Entity::DeTaxId
                | Entity::DeRvnr
                | Entity::FrNir
                | Entity::BeNationalNumber
                | Entity::EsDni
                | Entity::EsNie
                | Entity::ItCodiceFiscale
                | Entity::PlPesel
                | Entity::EuVat
        )
    }

    /// Whether a value of this kind points at one person by itself (GDPR "direct
    /// identifier"): national ID numbers, contact details, account and card numbers, names.
    /// IP and MAC addresses, URLs, VAT numbers (mostly companies) and birth dates are
    /// indirect: they identify in combination, or only some of the time.
    pub fn is_direct_identifier(self) -> bool {
        matches!(
            self,
            Entity::Email | Entity::Phone | Entity::Iban | Entity::PaymentCard | Entity::PersonName
        ) || self.is_national_id()
    }

    /// National person numbers (personal identity, social security and tax numbers).
    pub fn is_national_id(self) -> bool {
        matches!(
            self,
            Entity::SePersonnummer
                | Entity::SeSamordningsnummer
                | Entity::DkCpr
                | Entity::NlBsn
                | Entity::NoFodselsnummer
                | Entity::FiHetu
                | Entity::DeTaxId
                | Entity::DeRvnr
                | Entity::FrNir
                | Entity::BeNationalNumber
                | Entity::EsDni
                | Entity::EsNie
                | Entity::ItCodiceFiscale
                | Entity::PlPesel
        )
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of entities (a bit set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct EntitySet(u32);

impl EntitySet {
    pub(crate) const EMPTY: EntitySet = EntitySet(0);

    pub(crate) fn of(entities: &[Entity]) -> EntitySet {
        EntitySet(entities.iter().fold(0, |acc, e| acc | e.bit()))
    }

    pub(crate) fn insert(&mut self, e: Entity) {
        self.0 |= e.bit();
    }

    pub(crate) fn contains(self, e: Entity) -> bool {
        self.0 & e.bit() != 0
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub(crate) fn intersects(self, other: EntitySet) -> bool {
        self.0 & other.0 != 0
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = Entity> {
        Entity::ALL.into_iter().filter(move |e| self.contains(*e))
    }
}
