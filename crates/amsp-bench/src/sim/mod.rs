//! The pieces of `amsp simulate`, the streaming fly-through: observer
//! paths and the report's charts.

pub mod paths;
pub mod plot;
