//! AMSP's built-in importers.

mod data;

pub use data::DataImporter;
