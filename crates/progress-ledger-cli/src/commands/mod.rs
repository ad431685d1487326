//! One module per group of commands.

pub mod audit;
pub mod explain;
pub mod pages;
pub mod plan;
pub mod queries;
pub mod record;
pub mod serve;
pub mod sheets;
pub mod tlog;
pub mod token;
