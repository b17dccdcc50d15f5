//! The KTX2 container.
