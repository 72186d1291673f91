//! Loading scenarios: YAML text → located diagnostics or a typed `model::Scenario`.
//! (placeholder: being written)
