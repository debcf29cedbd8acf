//! The list in order: every seek of the list's plan is a stream in the list's order,
//! read a chunk at a time after its own position; the streams are merged, so a row read
//! is a row used (up to the last chunk). A search's relevance tiers follow one another.

use std::collections::VecDeque;

use super::input::SortKey;
use super::reader::{Listed, Reader, TIERS};
use super::views::OrganizationRow;
use crate::db::Conn;
use crate::error::ApiError;

/// A position in a list: the sort value and id of a row, and the relevance tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub tier: u8,
    pub value: String,
    pub id: i64,
}

/// A row's place in the list: its sort value and id.
pub type Key = (String, i64);

/// True when `a` comes before `b` in the list's order.
fn before(sort: SortKey, a: &Key, b: &Key) -> bool {
    match sort {
        SortKey::NameDesc | SortKey::RegistrationDateDesc | SortKey::RegistrationNumberDesc => a > b,
        _ => a < b,
    }
}

/// One seek's rows read ahead (with their keys), and where it continues.
#[derive(Debug)]
struct Stream<R> {
    buffer: VecDeque<(Key, R)>,
    after: Option<Key>,
    done: bool,
}

impl<R> Default for Stream<R> {
    fn default() -> Self {
        Stream { buffer: VecDeque::new(), after: None, done: false }
    }
}

/// The list in order from a position: every seek of the current tier merged.
#[derive(Debug)]
pub struct Merge<R = OrganizationRow> {
    reader: Reader,
    tier: u8,
    streams: Vec<Stream<R>>,
}

impl<R> Merge<R> {
    /// The list from just after `after` (from its start without one).
    pub fn new(reader: Reader, after: Option<Position>) -> Merge<R> {
        let tier = after.as_ref().map_or(0, |p| p.tier.min(TIERS - 1));
        let at = after.map(|p| (p.value, p.id));
        let streams =
            (0..reader.seeks()).map(|_| Stream { after: at.clone(), ..Stream::default() }).collect();
        Merge { reader, tier, streams }
    }
}

impl<R: Listed> Merge<R> {
    /// The order of the list.
    pub fn sort(&self) -> SortKey {
        self.reader.sort()
    }

    /// A row's place in a list of this order (see [`Reader::value_in_tier`]), from its
    /// sort value.
    pub fn value_in_tier(&self, tier: u8, value: String) -> String {
        self.reader.value_in_tier(tier, value)
    }

    /// The next `n` rows of the list (fewer at its end), each with its tier. A seek
    /// that runs dry reads `chunk` more rows (at least what the page still needs), and
    /// only up to the last row the other seeks hold when those fill the page: a seek of
    /// few matches (a rare status) then stops where the page ends instead of walking on.
    pub fn next(&mut self, conn: &mut Conn, n: usize, chunk: usize) -> Result<Vec<(u8, R)>, ApiError> {
        let sort = self.reader.sort();
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let need = n - out.len();
            for seek in 0..self.streams.len() {
                let stream = &self.streams[seek];
                if !stream.buffer.is_empty() || stream.done {
                    continue;
                }
                let others = self.streams.iter().enumerate().filter(|(i, _)| *i != seek);
                let held: usize = others.clone().map(|(_, s)| s.buffer.len()).sum();
                let until = (held >= need)
                    .then(|| {
                        others
                            .filter_map(|(_, s)| s.buffer.back().map(|(k, _)| k))
                            .reduce(|a, b| if before(sort, a, b) { b } else { a })
                            .cloned()
                    })
                    .flatten();
                if let (Some(until), Some(after)) = (&until, &stream.after) {
                    if !before(sort, after, until) {
                        continue; // read up to the bound already
                    }
                }
                let want = chunk.max(need);
                let rows = R::read(
                    &self.reader,
                    conn,
                    seek,
                    self.tier,
                    (stream.after.clone(), until.clone()),
                    want,
                )?;
                let full = rows.len() == want;
                let (reader, tier) = (&self.reader, self.tier);
                let stream = &mut self.streams[seek];
                stream.buffer.extend(rows.into_iter().map(|row| {
                    let ((value, id), row) = row.keyed(sort);
                    ((reader.value_in_tier(tier, value), id), row)
                }));
                stream.after = match (&until, full) {
                    // Every row up to the bound is read.
                    (Some(until), false) => Some(until.clone()),
                    _ => stream.buffer.back().map(|(k, _)| k.clone()).or(stream.after.take()),
                };
                stream.done = until.is_none() && !full;
            }
            // The first head in the list's order: a seek without rows in hand has read
            // past it (or is done).
            let best = self
                .streams
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.buffer.front().map(|(k, _)| (i, k)))
                .reduce(|a, b| if before(sort, b.1, a.1) { b } else { a })
                .map(|(i, _)| i);
            match best {
                Some(i) => out.push((self.tier, self.streams[i].buffer.pop_front().expect("head").1)),
                None if sort == SortKey::Relevance && self.tier + 1 < TIERS => {
                    self.tier += 1;
                    self.streams.iter_mut().for_each(|s| *s = Stream::default());
                }
                None => break,
            }
        }
        Ok(out)
    }
}
