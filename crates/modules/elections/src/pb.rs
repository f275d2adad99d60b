//! Participatory budgeting: instances in the pabulib `.pb` format
//! (<https://pabulib.org/format>) read and written, and their results by
//! the greedy rule and by the Method of Equal Shares (`docs/elections.md`,
//! "Participatory budgeting").
//!
//! A `.pb` file has three sections, `META`, `PROJECTS` and `VOTES`, each a
//! header line and rows of `;`-separated fields (double-quoted where they
//! hold `;` or quotes, a quote doubled inside). Projects have at least
//! `project_id` and `cost`; votes `voter_id` and `vote` (project ids,
//! comma-separated), with `points` for cumulative and scoring votes.

/// Largest `.pb` file read.
pub const FILE_BYTES_MAX: usize = 64 << 20;
/// Most projects in an instance.
pub const PROJECTS_MAX: usize = 10_000;
/// Most points a vote gives one project (pabulib's cumulative and scoring
/// votes use small numbers; the bound keeps every sum of utilities exact).
pub const POINTS_MAX: u64 = 1_000_000;

/// A project: its id, cost and every column as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    /// `project_id`.
    pub id: String,
    /// `cost`, in hundredths of the currency's unit.
    pub cost: u64,
    /// Every field, in the header's order.
    pub fields: Vec<String>,
}

/// A voter's ballot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vote {
    /// The projects voted for, as their positions in [`Instance::projects`].
    pub projects: Vec<usize>,
    /// The points given to each (1 each for approval and ordinal votes).
    pub points: Vec<u64>,
    /// Every field, in the header's order.
    pub fields: Vec<String>,
}

/// A participatory budgeting instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    /// `META` rows, in order.
    pub meta: Vec<(String, String)>,
    /// The `PROJECTS` header.
    pub project_columns: Vec<String>,
    /// The projects, in file order.
    pub projects: Vec<Project>,
    /// The `VOTES` header.
    pub vote_columns: Vec<String>,
    /// The votes, in file order.
    pub votes: Vec<Vote>,
    /// The budget, in hundredths of the currency's unit.
    pub budget: u64,
}

/// Splits a `;`-separated line, with double-quoted fields.
fn fields(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, ';') => {
                out.push(std::mem::take(&mut cur));
                at_start = true;
                continue;
            }
            (false, '"') if at_start => quoted = true,
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            (true, '"') => quoted = false,
            (_, c) => cur.push(c),
        }
        at_start = false;
    }
    if quoted {
        return Err(format!("an unclosed quote in {line:?}"));
    }
    out.push(cur);
    Ok(out)
}

fn quote(field: &str) -> String {
    if field.contains([';', '"', '\n', '\r']) || field.starts_with(' ') || field.ends_with(' ') {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// A sum of money in hundredths: digits, with at most two decimals
/// (budgets and costs are written in the currency's units, often with
/// cents).
fn money(text: &str, what: &str) -> Result<u64, String> {
    let t = text.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let frac = frac.trim_end_matches('0');
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 2 {
        return Err(format!(
            "{what}: {text:?} is not an amount with at most two decimals"
        ));
    }
    let cents: u64 = format!("{frac:0<2}").parse().unwrap_or(0);
    whole
        .parse::<u64>()
        .ok()
        .and_then(|w| w.checked_mul(100))
        .and_then(|w| w.checked_add(cents))
        .ok_or_else(|| format!("{what}: {text:?} is too large"))
}

/// An amount of money in hundredths, as text.
pub fn money_text(cents: u64) -> String {
    match cents % 100 {
        0 => (cents / 100).to_string(),
        c => format!("{}.{c:02}", cents / 100),
    }
}

/// A whole number: digits, with a fractional part of zeros only.
fn amount(text: &str, what: &str) -> Result<u64, String> {
    let t = text.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b == b'0')
    {
        return Err(format!("{what}: {text:?} is not a whole amount"));
    }
    whole
        .parse()
        .map_err(|_| format!("{what}: {text:?} is too large"))
}

fn column(header: &[String], name: &str, section: &str) -> Result<usize, String> {
    header
        .iter()
        .position(|h| h.trim() == name)
        .ok_or_else(|| format!("{section} has no `{name}` column"))
}

impl Instance {
    /// Reads a `.pb` file. The message names the line that is wrong.
    pub fn parse(text: &str) -> Result<Instance, String> {
        if text.len() > FILE_BYTES_MAX {
            return Err(format!("larger than {FILE_BYTES_MAX} bytes"));
        }
        let mut section = "";
        let mut rows: [Vec<(usize, Vec<String>)>; 3] = Default::default();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim_end_matches('\r');
            match line.trim() {
                "META" | "PROJECTS" | "VOTES" => section = line.trim(),
                "" => {}
                _ => {
                    let i = ["META", "PROJECTS", "VOTES"]
                        .iter()
                        .position(|s| *s == section)
                        .ok_or_else(|| format!("line {}: before META", n + 1))?;
                    rows[i].push((
                        n + 1,
                        fields(line).map_err(|e| format!("line {}: {e}", n + 1))?,
                    ));
                }
            }
        }
        let [meta_rows, project_rows, vote_rows] = rows;
        let meta: Vec<(String, String)> = meta_rows
            .into_iter()
            .skip(1)
            .map(|(_, f)| {
                (
                    f.first().cloned().unwrap_or_default(),
                    f.get(1).cloned().unwrap_or_default(),
                )
            })
            .collect();
        let budget_text = meta
            .iter()
            .find(|(k, _)| k == "budget")
            .map(|(_, v)| v.clone());
        let budget = money(&budget_text.ok_or("META has no budget")?, "budget")?;
        let mut project_rows = project_rows.into_iter();
        let project_columns = project_rows.next().ok_or("no PROJECTS header")?.1;
        let (id_col, cost_col) = (
            column(&project_columns, "project_id", "PROJECTS")?,
            column(&project_columns, "cost", "PROJECTS")?,
        );
        let mut projects = Vec::new();
        for (n, f) in project_rows {
            if projects.len() == PROJECTS_MAX {
                return Err(format!("more than {PROJECTS_MAX} projects"));
            }
            let id = f
                .get(id_col)
                .ok_or(format!("line {n}: no project_id"))?
                .trim()
                .to_string();
            let cost = money(
                f.get(cost_col).ok_or(format!("line {n}: no cost"))?,
                &format!("line {n}: cost"),
            )?;
            if projects.iter().any(|p: &Project| p.id == id) {
                return Err(format!("line {n}: project {id} twice"));
            }
            projects.push(Project {
                id,
                cost,
                fields: f,
            });
        }
        let mut vote_rows = vote_rows.into_iter();
        let vote_columns = vote_rows.next().map(|(_, h)| h).unwrap_or_default();
        let votes = if vote_columns.is_empty() {
            Vec::new()
        } else {
            let vote_col = column(&vote_columns, "vote", "VOTES")?;
            let points_col = vote_columns.iter().position(|h| h.trim() == "points");
            let index: std::collections::HashMap<&str, usize> = projects
                .iter()
                .enumerate()
                .map(|(i, p)| (p.id.as_str(), i))
                .collect();
            vote_rows
                .map(|(n, f)| read_vote(n, f, vote_col, points_col, &index))
                .collect::<Result<Vec<_>, String>>()?
        };
        Ok(Instance {
            meta,
            project_columns,
            projects,
            vote_columns,
            votes,
            budget,
        })
    }

    /// The instance as a `.pb` file (with `selected` set to `winners`
    /// when given: 1 for funded, 0 for not).
    pub fn write(&self, winners: Option<&[usize]>) -> String {
        let line = |fs: &[String]| {
            let text = fs.iter().map(|f| quote(f)).collect::<Vec<_>>().join(";");
            // A row that would read as a blank line or a section's name
            // is quoted whole, so that it reads back as a row.
            match text.trim() {
                "" | "META" | "PROJECTS" | "VOTES" if fs.len() == 1 => {
                    format!("\"{}\"", fs[0])
                }
                _ => text,
            }
        };
        let mut out = String::from("META\nkey;value\n");
        for (k, v) in &self.meta {
            out.push_str(&line(&[k.clone(), v.clone()]));
            out.push('\n');
        }
        let mut columns = self.project_columns.clone();
        let selected = winners.map(|w| {
            let col = columns
                .iter()
                .position(|c| c == "selected")
                .unwrap_or_else(|| {
                    columns.push("selected".into());
                    columns.len() - 1
                });
            (col, w)
        });
        out.push_str("PROJECTS\n");
        out.push_str(&line(&columns));
        out.push('\n');
        for (i, p) in self.projects.iter().enumerate() {
            let mut f = p.fields.clone();
            if let Some((col, w)) = selected {
                f.resize(columns.len(), String::new());
                f[col] = if w.contains(&i) {
                    "1".into()
                } else {
                    "0".into()
                };
            }
            out.push_str(&line(&f));
            out.push('\n');
        }
        out.push_str("VOTES\n");
        if !self.vote_columns.is_empty() {
            out.push_str(&line(&self.vote_columns));
            out.push('\n');
        }
        for v in &self.votes {
            out.push_str(&line(&v.fields));
            out.push('\n');
        }
        out
    }

    /// Each project's score: the points it received (approvals for
    /// approval votes).
    pub fn scores(&self) -> Vec<u64> {
        let mut s = vec![0u64; self.projects.len()];
        for v in &self.votes {
            for (p, pts) in v.projects.iter().zip(&v.points) {
                s[*p] = s[*p].saturating_add(*pts);
            }
        }
        s
    }
}

fn read_vote(
    n: usize,
    f: Vec<String>,
    vote_col: usize,
    points_col: Option<usize>,
    index: &std::collections::HashMap<&str, usize>,
) -> Result<Vote, String> {
    let ids = f.get(vote_col).map(|s| s.trim()).unwrap_or("");
    let mut projects = Vec::new();
    for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let p = *index
            .get(id)
            .ok_or(format!("line {n}: a vote for unknown project {id}"))?;
        if projects.contains(&p) {
            return Err(format!("line {n}: project {id} twice in one vote"));
        }
        projects.push(p);
    }
    let points = match points_col
        .and_then(|c| f.get(c))
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        Some(text) => {
            let pts = text
                .split(',')
                .map(|p| {
                    let what = format!("line {n}: points");
                    match amount(p, &what)? {
                        v if v > POINTS_MAX => Err(format!("{what}: {v} is over {POINTS_MAX}")),
                        v => Ok(v),
                    }
                })
                .collect::<Result<Vec<u64>, String>>()?;
            if pts.len() != projects.len() {
                return Err(format!(
                    "line {n}: {} projects, {} points",
                    projects.len(),
                    pts.len()
                ));
            }
            pts
        }
        None => vec![1; projects.len()],
    };
    Ok(Vote {
        projects,
        points,
        fields: f,
    })
}

/// A rule's result: the funded projects (positions) in the order funded,
/// and what they cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Positions in [`Instance::projects`], in funding order.
    pub funded: Vec<usize>,
    /// Their cost.
    pub spent: u64,
}

/// Projects by score, highest first; ties by lower cost, then file order.
fn by_score(inst: &Instance) -> Vec<usize> {
    let scores = inst.scores();
    let mut order: Vec<usize> = (0..inst.projects.len()).collect();
    order.sort_by(|&a, &b| {
        scores[b]
            .cmp(&scores[a])
            .then(inst.projects[a].cost.cmp(&inst.projects[b].cost))
            .then(a.cmp(&b))
    });
    order
}

/// The greedy rule: by score, each project funded if it still fits.
pub fn greedy(inst: &Instance) -> Outcome {
    complete(
        inst,
        Outcome {
            funded: Vec::new(),
            spent: 0,
        },
    )
}

/// Funds, by score, every project not yet funded that still fits.
fn complete(inst: &Instance, mut o: Outcome) -> Outcome {
    let scores = inst.scores();
    for p in by_score(inst) {
        let cost = inst.projects[p].cost;
        if !o.funded.contains(&p) && o.spent + cost <= inst.budget && scores[p] > 0 {
            o.funded.push(p);
            o.spent += cost;
        }
    }
    o
}

/// The Method of Equal Shares (Peters, Pierczyński and Skowron, 2021):
/// each voter holds an equal share of the budget; a project is funded
/// when its supporters can pay its cost, each paying in proportion to the
/// utility it gives them (its points) up to what they hold; the project
/// with the lowest price per unit of utility goes first. With `complete`,
/// the budget left is then spent by the greedy rule.
pub fn equal_shares(inst: &Instance, complete_greedily: bool) -> Outcome {
    let n = inst.votes.len();
    if n == 0 {
        return Outcome {
            funded: Vec::new(),
            spent: 0,
        };
    }
    let mut money = vec![inst.budget as f64 / n as f64; n];
    let mut supporters: Vec<Vec<(usize, u64)>> = vec![Vec::new(); inst.projects.len()];
    for (i, v) in inst.votes.iter().enumerate() {
        for (p, pts) in v.projects.iter().zip(&v.points) {
            if *pts > 0 {
                supporters[*p].push((i, *pts));
            }
        }
    }
    let scores = inst.scores();
    let mut o = Outcome {
        funded: Vec::new(),
        spent: 0,
    };
    loop {
        let mut best: Option<(f64, usize)> = None;
        for p in 0..inst.projects.len() {
            if o.funded.contains(&p) || inst.projects[p].cost == 0 && supporters[p].is_empty() {
                continue;
            }
            let Some(rho) = price(inst.projects[p].cost as f64, &supporters[p], &money) else {
                continue;
            };
            let better = match best {
                None => true,
                Some((r, q)) => {
                    rho < r * (1.0 - 1e-12)
                        || (rho <= r * (1.0 + 1e-12)
                            && (scores[p], std::cmp::Reverse(p))
                                > (scores[q], std::cmp::Reverse(q)))
                }
            };
            if better {
                best = Some((rho, p));
            }
        }
        let Some((rho, p)) = best else { break };
        if o.spent + inst.projects[p].cost > inst.budget {
            // Rounding can leave a price a hair under what is held; the
            // budget itself is never overspent.
            break;
        }
        for &(i, u) in &supporters[p] {
            money[i] = (money[i] - (rho * u as f64).min(money[i])).max(0.0);
        }
        o.funded.push(p);
        o.spent += inst.projects[p].cost;
    }
    if complete_greedily {
        complete(inst, o)
    } else {
        o
    }
}

/// The least price per unit of utility at which `supporters` pay `cost`
/// (each at most what they hold); none if they cannot.
fn price(cost: f64, supporters: &[(usize, u64)], money: &[f64]) -> Option<f64> {
    let total: f64 = supporters.iter().map(|&(i, _)| money[i]).sum();
    if supporters.is_empty() || total < cost * (1.0 - 1e-12) {
        return None;
    }
    let mut by_ratio: Vec<(f64, f64, u64)> = supporters
        .iter()
        .map(|&(i, u)| (money[i] / u as f64, money[i], u))
        .collect();
    by_ratio.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Utilities are summed as integers: a float sum less a large term can
    // cancel to zero or below and give a negative price.
    let (mut paid, mut utility): (f64, u128) =
        (0.0, by_ratio.iter().map(|x| u128::from(x.2)).sum());
    for &(ratio, m, u) in &by_ratio {
        let rho = (cost - paid) / utility as f64;
        if rho <= ratio {
            return Some(rho);
        }
        paid += m;
        utility -= u128::from(u);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str =
        "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost;name\n\
        a;60;\"Park; north\"\nb;50;Bikes\nc;40;\"The \"\"best\"\" library\"\nVOTES\nvoter_id;vote\n\
        1;a\n2;a\n3;a,b\n4;b,c\n5;c\n";

    #[test]
    fn reads_writes_and_reads_again() {
        let inst = Instance::parse(SMALL).unwrap();
        assert_eq!(inst.budget, 10_000);
        assert_eq!(money_text(inst.budget), "100");
        assert_eq!(money("102533.36", "b"), Ok(10_253_336));
        assert_eq!(money("7.5", "b"), Ok(750));
        assert!(
            money("1.005", "b").is_err() && money("-1", "b").is_err() && money(".5", "b").is_err()
        );
        assert_eq!(inst.projects[0].fields[2], "Park; north");
        assert_eq!(inst.projects[2].fields[2], "The \"best\" library");
        assert_eq!(inst.scores(), vec![3, 2, 2]);
        let again = Instance::parse(&inst.write(None)).unwrap();
        assert_eq!(again, inst);
        let with = Instance::parse(&inst.write(Some(&[0, 2]))).unwrap();
        let col = with
            .project_columns
            .iter()
            .position(|c| c == "selected")
            .unwrap();
        assert_eq!(
            with.projects
                .iter()
                .map(|p| p.fields[col].as_str())
                .collect::<Vec<_>>(),
            ["1", "0", "1"]
        );
        for bad in ["PROJECTS\nproject_id;cost\n", "META\nkey;value\nbudget;x\n",
                    "META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\na;1\nVOTES\nvoter_id;vote\n1;z\n"] {
            assert!(Instance::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn greedy_and_equal_shares_on_a_small_instance() {
        let inst = Instance::parse(SMALL).unwrap();
        // Greedy: a (3 votes, 60), then b (50) does not fit, c (40) does.
        assert_eq!(greedy(&inst).funded, vec![0, 2]);
        // Equal shares: 20 each; a's three supporters hold 60 and pay it;
        // then c's supporters 4 and 5 hold 40 and pay it.
        let mes = equal_shares(&inst, false);
        assert_eq!(mes.funded, vec![0, 2]);
        assert!(mes.spent <= inst.budget);
    }

    #[test]
    fn rows_that_look_blank_or_like_a_section_read_back_as_rows() {
        let text = "META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\na;1\n\
            VOTES\nvoter_id;vote\n\"\"\n\"VOTES\"\n1;a\n";
        let inst = Instance::parse(text).unwrap();
        assert_eq!(inst.votes.len(), 3);
        assert_eq!(Instance::parse(&inst.write(None)), Ok(inst));
    }

    #[test]
    fn huge_points_are_refused_and_equal_shares_never_overspends() {
        // A fuzz-found case: one utility dwarfing the others made a float
        // sum cancel to a negative price, and a project was bought twice
        // over the budget.
        let head = "META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\n1;7\n2;5\n\
            VOTES\nvoter_id;vote;points\n";
        let huge = format!("{head}1;1,2;3,77777777777777777\n");
        assert!(Instance::parse(&huge).unwrap_err().contains("over 1000000"));
        let big = format!("{head}1;1,2;3,1000000\n2;2;1\n3;2;5\n4;;\n5;;\n");
        let inst = Instance::parse(&big).unwrap();
        for o in [
            greedy(&inst),
            equal_shares(&inst, true),
            equal_shares(&inst, false),
        ] {
            assert!(o.spent <= inst.budget, "{o:?}");
        }
    }
}
