//! Sheet writers for export files. This crate is pure and synchronous: it takes rows of
//! cells and writes bytes to any `std::io::Write`; it knows nothing of the service, its
//! database or HTTP.
