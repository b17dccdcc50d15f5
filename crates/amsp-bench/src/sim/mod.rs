//! The pieces of `amsp simulate`, the streaming fly-through: observer
//! paths, the simulated-clock storage that does real reads, and the
//! report's charts.

pub mod assets;
pub mod clocked;
pub mod disk;
pub mod paths;
pub mod plot;
pub mod report;
pub mod run;
pub mod server_run;
