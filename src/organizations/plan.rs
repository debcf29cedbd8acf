//! Which index a list page reads, so that every filter and sort is a seek (see the
//! migration `list_indexes`): the page runs one keyset seek per value of the driving
//! index's equality prefix and merges them; every other filter is only checked.

use chrono::NaiveDate;

use super::input::SortKey;
use crate::db::sql::Sql;
use crate::domain::{OrgKind, Status};

/// The filters of a list, resolved to ids.
#[derive(Debug, Default)]
pub struct Filters {
    /// The province and the provinces merged into it.
    pub provinces: Option<Vec<i64>>,
    pub district: Option<i64>,
    pub sector: Option<i64>,
    /// The sectors of the asked sector group.
    pub sectors: Option<Vec<i64>>,
    pub status: Option<Status>,
    pub registered_from: Option<NaiveDate>,
    pub registered_to: Option<NaiveDate>,
}

/// The index family a page reads in sort order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Driver {
    /// `organizations_district`: a district's few thousand units, then sorted.
    District,
    /// `organizations_province_*`: (province, kind, sort).
    Province,
    /// `organizations_sector_*`: (sector, kind, status, sort).
    Sector,
    /// `organizations_kind_*`: (kind, status, sort).
    Kind,
    /// SQLite: the rows of a search's few full-text matches, by id, then sorted (see
    /// [`Plan::by_text`]); every filter is checked.
    Text,
    /// `name_tails_by_tail`: (kind, tail), every other filter checked on the copies of
    /// the organization's columns that its index carries (see [`Plan::on_tails`]).
    Tails,
}

/// One keyset seek: the values of the driving index's equality prefix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seek {
    pub province: Option<i64>,
    pub status: Option<Status>,
}

/// The seeks of a page and how each filter is applied.
#[derive(Debug)]
pub struct Plan {
    driver: Driver,
    pub seeks: Vec<Seek>,
    /// SQLite: checked filters are written `+column`, which keeps its planner from
    /// choosing their indexes over the driving one (it has no statistics to weigh them).
    sqlite: bool,
    by_date: bool,
}

/// A condition of the driving plan: its text depends only on which filters are asked
/// (the values are bound), so each shape of list is prepared once per connection.
pub type Condition = Sql;

impl Plan {
    /// The most selective indexed filter drives: a district, then a province, then a
    /// sector, else kind and status. A driver's equality prefix that the filter names
    /// by several values (a merged province, or no status) is one seek per value.
    pub fn new(f: &Filters, sort: SortKey, sqlite: bool) -> Plan {
        let driver = if f.district.is_some() {
            Driver::District
        } else if f.provinces.is_some() {
            Driver::Province
        } else if f.sector.is_some() {
            Driver::Sector
        } else {
            Driver::Kind
        };
        let statuses: Vec<Option<Status>> = match f.status {
            Some(s) => vec![Some(s)],
            None => Status::ALL.iter().copied().map(Some).collect(),
        };
        let seeks = match driver {
            Driver::District | Driver::Text | Driver::Tails => vec![Seek::default()],
            Driver::Province => {
                f.provinces.iter().flatten().map(|&p| Seek { province: Some(p), status: None }).collect()
            }
            Driver::Sector | Driver::Kind => {
                statuses.into_iter().map(|status| Seek { province: None, status }).collect()
            }
        };
        let by_date = matches!(sort, SortKey::RegistrationDate | SortKey::RegistrationDateDesc);
        Plan { driver, seeks, sqlite, by_date }
    }

    /// Whether the driving index reads at most a few thousand rows (a district's).
    pub fn narrow(&self) -> bool {
        self.driver == Driver::District
    }

    /// The plan of a page read from its search's full-text matches (SQLite) rather than
    /// in sort order: one seek, every filter checked (`+column`), so that the planner
    /// looks the matches up by id and sorts them. That pays where the matches are few:
    /// walking the sort order to the page's rows would pass every row between them.
    pub fn by_text(&self) -> Plan {
        Plan {
            driver: Driver::Text,
            seeks: vec![Seek::default()],
            sqlite: self.sqlite,
            by_date: self.by_date,
        }
    }

    /// The plan of a search's second tier read from the names' tails: one seek, every
    /// filter checked on the tail's copy of its column, which the tails' index holds, so
    /// that an organization is read only for a tail that meets them all. Checked on the
    /// organizations, a filter that few holders of a common phrase meet read every
    /// holder's record.
    pub fn on_tails(&self) -> Plan {
        Plan {
            driver: Driver::Tails,
            seeks: vec![Seek::default()],
            sqlite: self.sqlite,
            by_date: self.by_date,
        }
    }

    /// `column` as a condition reads it: bare where the driving index seeks on it,
    /// `+column` (SQLite) where it is only checked.
    fn column(&self, name: &str, seeks: bool) -> String {
        let plus = if self.sqlite && !seeks { "+" } else { "" };
        let table = if self.driver == Driver::Tails { "name_tails" } else { "organizations" };
        format!("{plus}{table}.{name}")
    }

    /// The conditions of `seek` and of the filters the driving index does not seek
    /// on; the registration date range is a seek only when the page is sorted by date,
    /// and then only where the page's own range (`low`, `high`: the sort values that
    /// bound it, in ascending order) is not narrower.
    pub fn conditions(
        &self,
        kind: OrgKind,
        f: &Filters,
        seek: Seek,
        (low, high): (Option<&str>, Option<&str>),
    ) -> Vec<Condition> {
        let kind_column = self.column(
            "kind",
            matches!(self.driver, Driver::Province | Driver::Sector | Driver::Kind | Driver::Tails),
        );
        let mut out = vec![Sql::new(format!("{kind_column} = ")).string(kind.as_str())];
        if let Some(p) = seek.province {
            out.push(Sql::new(format!("{} = ", self.column("province_id", true))).int(p));
        } else if let Some(ps) = &f.provinces {
            out.push(Sql::new(format!("{} IN (", self.column("province_id", false))).ints(ps).text(")"));
        }
        if let Some(d) = f.district {
            out.push(
                Sql::new(format!("{} = ", self.column("district_id", self.driver == Driver::District)))
                    .int(d),
            );
        }
        if let Some(s) = f.sector {
            out.push(
                Sql::new(format!("{} = ", self.column("sector_id", self.driver == Driver::Sector))).int(s),
            );
        }
        if let Some(ss) = &f.sectors {
            out.push(Sql::new(format!("{} IN (", self.column("sector_id", false))).ints(ss).text(")"));
        }
        if let Some(s) = seek.status.or(f.status) {
            let seeks = matches!(self.driver, Driver::Sector | Driver::Kind);
            out.push(Sql::new(format!("{} = ", self.column("status", seeks))).string(s.as_str()));
        }
        let date = self.column(
            "registration_date",
            self.by_date && !matches!(self.driver, Driver::Text | Driver::Tails),
        );
        let narrower = |bound: Option<&str>, keep: fn(&str, &str) -> bool, d: NaiveDate| {
            self.by_date && bound.is_some_and(|b| keep(b, &d.to_string()))
        };
        if let Some(d) = f.registered_from.filter(|&d| !narrower(low, |b, d| b >= d, d)) {
            out.push(Sql::new(format!("{date} >= ")).date(d));
        }
        if let Some(d) = f.registered_to.filter(|&d| !narrower(high, |b, d| b <= d, d)) {
            out.push(Sql::new(format!("{date} <= ")).date(d));
        }
        out
    }
}
