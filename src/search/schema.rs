//! The index schema and how an entry becomes a document. Field names are
//! constants here; changing the schema makes the next start-up rebuild.

use tantivy::schema::{
    FAST, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{TantivyDocument, doc};

use super::IndexDoc;
use crate::domain::dates::iso;

/// English stemming ("supervising" finds "supervision"), lower-casing and
/// dropping very long tokens: tantivy's built-in `en_stem` analyser.
const ANALYSER: &str = "en_stem";

pub const VERSION: &str = "version";

#[derive(Clone, Copy)]
pub struct Fields {
    pub id: tantivy::schema::Field,
    pub owner: tantivy::schema::Field,
    /// Every user who may read the record as its owner, supervisor or a
    /// user it is shared with (team leads are matched through `owner`).
    pub reader: tantivy::schema::Field,
    pub kind: tantivy::schema::Field,
    pub title: tantivy::schema::Field,
    pub body: tantivy::schema::Field,
    pub notes: tantivy::schema::Field,
    pub tags: tantivy::schema::Field,
    pub date: tantivy::schema::Field,
    pub version: tantivy::schema::Field,
}

pub fn build() -> (Schema, Fields) {
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYSER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        owner: b.add_text_field("owner", STRING | STORED),
        reader: b.add_text_field("reader", STRING),
        kind: b.add_text_field("kind", STRING | STORED),
        title: b.add_text_field("title", text.clone()),
        body: b.add_text_field("body", text.clone()),
        notes: b.add_text_field("notes", text.clone()),
        tags: b.add_text_field("tags", text),
        date: b.add_text_field("date", STRING | STORED),
        // A column as well, so following the change feed can ask which
        // version the index holds without reading the stored document.
        version: b.add_u64_field(VERSION, STORED | FAST),
    };
    (b.build(), fields)
}

impl Fields {
    pub fn document(&self, d: &IndexDoc) -> TantivyDocument {
        let mut doc = doc!(
            self.id => d.id.clone(),
            self.owner => d.owner_id.clone(),
            self.kind => d.kind.as_str(),
            self.title => d.title.clone(),
            self.body => d.text.body.clone(),
            self.notes => d.text.notes.clone(),
            self.tags => d.text.tags.join(" "),
            self.date => iso(d.date),
            self.version => u64::from(d.version),
        );
        for reader in &d.readers {
            doc.add_text(self.reader, reader);
        }
        doc
    }

    pub fn text(&self, doc: &TantivyDocument, field: tantivy::schema::Field) -> String {
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    }
}
