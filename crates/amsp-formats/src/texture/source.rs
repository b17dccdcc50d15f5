//! Source images and mip chains.
