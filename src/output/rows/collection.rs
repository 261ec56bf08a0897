//! The collections table (collections.csv, the Collections sheet): the completeness ledger, one
//! row per collection.

use super::{Column, Field, InWorkspace, col, names};
use crate::snapshot::CollectionRecord;

/// One collection with the workspace its row also shows.
pub type CollectionRow<'a> = InWorkspace<'a, CollectionRecord>;

type Cell = for<'r> fn(&'r CollectionRow<'r>) -> Field<'r>;

/// collections.csv's columns, in order.
pub const COLLECTIONS: [Column<Cell>; 8] = [
    col("workspace", |r| Field::text(r.workspace)),
    col("collection_token", |r| Field::text(&r.record.token)),
    col("collection_name", |r| Field::opt_text(r.record.name.as_deref())),
    col("collection_type", |r| {
        Field::opt_text(r.record.collection_type.as_deref())
    }),
    col("reports", |r| Field::Count(Some(r.record.reports))),
    col("pages", |r| Field::Count(Some(u64::from(r.record.pages)))),
    col("status", |r| Field::text(r.record.status.as_str())),
    col("error", |r| Field::opt_text(r.record.error.as_deref())),
];

/// collections.csv's header, in order.
pub const COLLECTION_COLUMNS: [&str; 8] = names(&COLLECTIONS);

impl CollectionRow<'_> {
    /// The row's cells, in the order of [`COLLECTIONS`].
    pub fn fields(&self) -> Vec<Field<'_>> {
        COLLECTIONS.iter().map(|c| (c.cell)(self)).collect()
    }
}
