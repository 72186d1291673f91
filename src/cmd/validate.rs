//! `mailflow validate`: every file, every problem, without simulating.

use std::fmt::Write;

use super::input::{Source, overrides};
use super::{AppError, output, print};
use crate::cli::ValidateArgs;
use crate::report;
use crate::scenario::check::load::offered_load;

/// `mailflow validate`.
pub fn validate(args: &ValidateArgs) -> Result<(), AppError> {
    let overrides = overrides(&args.opts)?;
    let mut failed = 0;
    for path in &args.scenarios {
        let mut out = String::new();
        let loaded = Source::read(path).and_then(|s| s.load(&overrides).map(|l| (s, l)));
        match loaded {
            Ok((source, loaded)) => {
                for w in &loaded.warnings {
                    let _ = writeln!(out, "{w}");
                }
                let sc = &loaded.scenario;
                if let Err(AppError::Located(e)) =
                    source.check_size(&loaded, &overrides, args.size.max_messages)
                {
                    failed += 1;
                    let _ = writeln!(out, "{e}\n{}: 1 error", path.display());
                    print(&out)?;
                    continue;
                }
                if let Err(e) = output::check_report_size(&[sc], args.size.max_report_size) {
                    failed += 1;
                    let _ = writeln!(out, "{}: error: {e}\n{0}: 1 error", path.display());
                    print(&out)?;
                    continue;
                }
                let _ = writeln!(
                    out,
                    "{}: ok — {}, {}, {}, {}, {}, {}",
                    path.display(),
                    plural(sc.nodes.len(), "node"),
                    plural(sc.connectors.len(), "connector"),
                    plural(sc.rules.len(), "rule"),
                    plural(sc.traffic.len(), "traffic stream"),
                    plural(sc.faults.len(), "fault"),
                    plural(loaded.warnings.len(), "warning")
                );
                if args.load {
                    out += &report::load::render(&offered_load(sc));
                }
            }
            Err(AppError::Located(e)) => {
                failed += 1;
                let errors = e.lines().filter(|l| l.contains(": error: ")).count().max(1);
                let _ = writeln!(out, "{e}\n{}: {}", path.display(), plural(errors, "error"));
            }
            Err(e) => return Err(e),
        }
        print(&out)?;
    }
    if failed > 0 {
        let total = args.scenarios.len();
        let verb = if failed == 1 { "has" } else { "have" };
        return Err(AppError::Input(format!(
            "{failed} of {} {verb} errors",
            plural(total, "file")
        )));
    }
    Ok(())
}

/// `1 node`, `3 nodes`.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
