//! Pure numerics for experiments: confidence intervals and the MSER-5 warm-up rule. Nothing
//! here knows about mail; it imports no other module of the crate.

pub mod ci;
pub mod mser;

pub use ci::Estimate;
