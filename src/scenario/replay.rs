//! `replay: FILE` of a traffic stream: the arrivals a message log recorded (as `mailflow fit --replay` writes them), read line by line and tied to the scenario's domains.
//!
//! The file is text: `# mailflow replay v1`, comment lines, then one arrival per line,
//! `offset_us size_bytes recipients stream recipient_domain`, where `offset_us` counts from
//! midnight of the log's first day (t = 0 of the run) and `stream` says which way the message
//! went in the log (inbound, outbound, internal; informational here).

use std::collections::HashMap;
use std::io::BufRead;
use std::sync::Arc;

use super::context::Ctx;
use super::domains::Domains;
use super::locate::Seg;
use super::schema::TrafficSpec;
use super::values::at;
use crate::model::{DomainId, Replay, ReplayArrival};
use crate::time::SimDuration;

/// The first line of a replay file.
pub const HEADER: &str = "# mailflow replay v1";

/// The layout of an arrival line, for error messages.
pub const LINE_FORM: &str = "lines are `offset_us size_bytes recipients stream recipient_domain`, \
    as `mailflow fit --replay DIR` writes them";

/// One arrival line of a replay file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplayLine<'a> {
    /// Microseconds from t = 0.
    pub offset_us: u64,
    /// Size in bytes.
    pub size_bytes: u32,
    /// Recipients.
    pub recipients: u16,
    /// `inbound`, `outbound` or `internal`.
    pub stream: &'a str,
    /// The recipient domain (or, in a file written with addresses, an address).
    pub recipient: &'a str,
}

impl ReplayLine<'_> {
    /// The recipient domain, lower case, without a local part.
    pub fn domain(&self) -> String {
        let d = self.recipient.rsplit('@').next().unwrap_or(self.recipient);
        d.trim_end_matches('.').to_ascii_lowercase()
    }
}

/// Parses one line: `Ok(None)` for a blank or comment line.
pub fn parse_line(text: &str) -> Result<Option<ReplayLine<'_>>, String> {
    let t = text.trim();
    if t.is_empty() || t.starts_with('#') {
        return Ok(None);
    }
    let f: Vec<&str> = t.split_whitespace().collect();
    let [offset, size, recipients, stream, recipient] = f[..] else {
        return Err(format!("{} fields instead of 5", f.len()));
    };
    let whole = |what: &str, v: &str| format!("{what} `{v}` is not a whole number");
    Ok(Some(ReplayLine {
        offset_us: offset.parse().map_err(|_| whole("offset_us", offset))?,
        size_bytes: size.parse().map_err(|_| whole("size_bytes", size))?,
        recipients: recipients
            .parse()
            .map_err(|_| whole("recipients", recipients))?,
        stream,
        recipient,
    }))
}

/// What a replayed stream takes from its file.
pub(super) struct Replayed {
    /// The arrivals.
    pub replay: Arc<Replay>,
    /// Their mean rate over the stream's active time, per second.
    pub rate_per_s: f64,
    /// Their recipient domains' shares (for the offered load and the size estimate).
    pub to: Vec<(DomainId, f64)>,
}

/// A replayed stream's parts; the keys its file replaces must not be given as well.
pub(super) fn stream(
    ctx: &mut Ctx,
    doms: &mut Domains,
    spec: &TrafficSpec,
    file: &str,
    active: Option<SimDuration>,
    path: &[Seg],
) -> Option<Replayed> {
    let given = [
        ("rate", spec.rate.is_some()),
        ("to", spec.to.is_some()),
        ("profile", spec.profile.is_some()),
        ("size", spec.size.is_some()),
        ("recipients", spec.recipients.is_some()),
    ];
    let mut ok = true;
    for (key, present) in given {
        if present {
            ctx.error_at_key(
                &at(path, key),
                format!("`{key}` comes from the replay file: a stream with `replay` cannot set it"),
                Some(format!(
                    "remove `{key}`, or remove `replay` to draw synthetic traffic"
                )),
            );
            ok = false;
        }
    }
    let (replay, rate_per_s) = build(ctx, doms, file, active, &at(path, "replay"))?;
    let mut counts: Vec<(DomainId, u64)> = Vec::new();
    for a in &replay.arrivals {
        match counts.iter_mut().find(|c| c.0 == a.domain) {
            Some(c) => c.1 += 1,
            None => counts.push((a.domain, 1)),
        }
    }
    let total = replay.arrivals.len() as f64;
    let to = counts
        .into_iter()
        .map(|(d, n)| (d, n as f64 / total))
        .collect();
    ok.then_some(Replayed {
        replay,
        rate_per_s,
        to,
    })
}

/// Reads the file a stream names (relative to the scenario's folder) into arrivals, each
/// recipient domain tied to its `domains` entry or else to the `"*"` entry. Returns the replay
/// and its mean rate per second over `[0, active)`.
fn build(
    ctx: &mut Ctx,
    doms: &mut Domains,
    file: &str,
    active: Option<SimDuration>,
    path: &[Seg],
) -> Option<(Arc<Replay>, f64)> {
    let resolved = match std::path::Path::new(ctx.file()).parent() {
        Some(dir) if std::path::Path::new(file).is_relative() => dir.join(file),
        _ => std::path::PathBuf::from(file),
    };
    let reader = match std::fs::File::open(&resolved) {
        Ok(f) => std::io::BufReader::with_capacity(1 << 16, f),
        Err(e) => {
            ctx.error(
                path,
                format!("cannot read the replay file {}: {e}", resolved.display()),
                Some("a relative path is read from the scenario's folder; write the file with `mailflow fit LOG --replay DIR`".into()),
            );
            return None;
        }
    };
    let mut ids: HashMap<String, DomainId> = HashMap::new();
    let mut arrivals = Vec::new();
    let mut no_entry: Option<String> = None;
    for (i, line) in reader.lines().enumerate() {
        let located = |m: String| format!("{}:{}: {m}", resolved.display(), i + 1);
        let text = match line {
            Ok(t) => t,
            Err(e) => {
                ctx.error(path, located(format!("cannot read: {e}")), None);
                return None;
            }
        };
        let rec = match parse_line(&text) {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(m) => {
                ctx.error(path, located(m), Some(LINE_FORM.into()));
                return None;
            }
        };
        let name = rec.domain();
        let domain = match ids.get(&name) {
            Some(id) => *id,
            None => {
                let explicit = doms
                    .list()
                    .iter()
                    .position(|d| d.explicit && d.name == name);
                let id = match explicit {
                    Some(i) => DomainId::from_index(i),
                    None if doms.list().iter().any(|d| d.explicit && d.name == "*") => {
                        doms.require(ctx, "*", path)?
                    }
                    None => {
                        no_entry.get_or_insert(located(format!("recipient domain `{name}`")));
                        continue;
                    }
                };
                ids.insert(name, id);
                id
            }
        };
        arrivals.push(ReplayArrival {
            at: SimDuration(rec.offset_us),
            size: rec.size_bytes,
            recipients: rec.recipients.max(1),
            domain,
        });
    }
    if let Some(first) = no_entry {
        ctx.error(
            path,
            format!("{first} has no entry in `domains` and there is no `\"*\"` entry"),
            Some("add a `\"*\"` entry under `domains` for the domains the log names".into()),
        );
        return None;
    }
    if arrivals.is_empty() {
        ctx.error(
            path,
            format!("the replay file {} holds no arrival", resolved.display()),
            Some(LINE_FORM.into()),
        );
        return None;
    }
    // Stable: arrivals at the same moment keep the file's order.
    arrivals.sort_by_key(|a| a.at);
    let end = active.unwrap_or(arrivals[arrivals.len() - 1].at);
    let inside = arrivals.partition_point(|a| a.at < end);
    if inside < arrivals.len() {
        ctx.warn(
            path,
            format!(
                "{} of the {} arrivals in {file} come after the stream stops ({end}): they are not replayed",
                arrivals.len() - inside,
                arrivals.len()
            ),
            Some("lengthen `duration` to replay the whole log".into()),
        );
    }
    let rate = if end > SimDuration::ZERO {
        inside as f64 / end.as_secs_f64()
    } else {
        0.0
    };
    Some((
        Arc::new(Replay {
            file: file.to_string(),
            arrivals,
        }),
        rate,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_and_bad_ones_say_which_field() {
        let r = parse_line("3600000000 45000 2 outbound user@Fabrikam.COM")
            .unwrap()
            .unwrap();
        assert_eq!(
            (r.offset_us, r.size_bytes, r.recipients),
            (3_600_000_000, 45_000, 2)
        );
        assert_eq!(r.domain(), "fabrikam.com");
        assert_eq!(parse_line("# comment"), Ok(None));
        assert_eq!(parse_line("   "), Ok(None));
        assert_eq!(
            parse_line("5 ten 1 inbound a.com"),
            Err("size_bytes `ten` is not a whole number".into())
        );
        assert_eq!(parse_line("5 10 1"), Err("3 fields instead of 5".into()));
    }
}
