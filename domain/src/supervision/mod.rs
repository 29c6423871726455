//! Risk-based supervision (分类监管, 双随机一公开, 网格包干): enterprise classes, the risk and green
//! index, seeded double-random draws and the assignments they make, patrol grids and their coverage,
//! and monitoring points with exact exceedance. Pure functions of the records they are given.

pub mod assignment;
pub mod class;
pub mod draw;
pub mod grid;
pub mod monitoring;
pub mod risk;
