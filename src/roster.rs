//! Who a visitor can talk to: the agent picker's list when the account lets visitors pick
//! their agent (manual assignment), and whether anyone the site allows is available.
//!
//! The server lists the account's departments and agents (`list_agents`, an extension of
//! the protocol); the site narrows that down with its host options: `departments` (only
//! these departments), `operators` (only these agents) and `clone_operators` (also list an
//! agent under further departments, made up on the spot when no department has that name).
//! Pure functions over the list, so they are tested natively.

use protocol::{AgentInfo, ListAgentsResponse};

/// A department named in `clone_operators`: by id, or by name (which may name no real
/// department; then the picker shows it as a heading of its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DepartmentRef {
    /// A department (group) id.
    Id(u32),
    /// A department name, compared without regard to case.
    Name(String),
}

/// What the site allows, from its host options.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits<'a> {
    /// `departments`: group ids; empty for all.
    pub departments: &'a [u32],
    /// `operators`: agent ids; empty for all.
    pub operators: &'a [String],
    /// `clone_operators`: agent name → further departments.
    pub clones: &'a [(String, Vec<DepartmentRef>)],
}

impl Limits<'_> {
    fn allows_group(&self, group_id: u32) -> bool {
        self.departments.is_empty() || self.departments.contains(&group_id)
    }

    fn allows_agent(&self, agent: &AgentInfo) -> bool {
        self.operators.is_empty() || self.operators.iter().any(|id| id.eq_ignore_ascii_case(&agent.id))
    }

    /// The groups a chat may be routed to: the site's departments, else the general group.
    fn routable_groups(&self) -> Vec<u32> {
        if self.departments.is_empty() {
            vec![0]
        } else {
            self.departments.to_vec()
        }
    }
}

/// One heading of the picker and the agents under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// The department's name.
    pub name: String,
    /// The agents, in the account's order.
    pub entries: Vec<Entry>,
}

/// An agent a visitor may pick, and the group their chat would be in.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The agent.
    pub agent: AgentInfo,
    /// The group (department) the chat goes to.
    pub group_id: u32,
}

impl Entry {
    /// The agent takes chats now (otherwise the visitor can leave them a message).
    pub fn available(&self) -> bool {
        available(&self.agent)
    }
}

fn available(agent: &AgentInfo) -> bool {
    agent.routing_status == "accepting_chats"
}

/// The picker's headings: each allowed department with its allowed agents (in the order
/// of the site's `departments` when it gives one), then the departments `clone_operators`
/// made up. Departments left without agents are left out.
pub fn sections(roster: &ListAgentsResponse, limits: Limits<'_>) -> Vec<Section> {
    let mut groups: Vec<_> = roster.groups.iter().filter(|group| limits.allows_group(group.id)).collect();
    if !limits.departments.is_empty() {
        groups.sort_by_key(|group| limits.departments.iter().position(|id| *id == group.id));
    }
    let mut sections: Vec<(Option<u32>, Section)> = groups
        .iter()
        .map(|group| {
            let agents = roster.agents.iter().filter(|agent| agent.group_ids.contains(&group.id) && limits.allows_agent(agent));
            let entries = agents.map(|agent| Entry { agent: agent.clone(), group_id: group.id }).collect();
            (Some(group.id), Section { name: group.name.clone(), entries })
        })
        .collect();

    for (name, departments) in limits.clones {
        let agents = roster.agents.iter().filter(|agent| agent.name.eq_ignore_ascii_case(name.trim()) && limits.allows_agent(agent));
        for agent in agents {
            // A listing under another department is for show: the chat still goes to a group
            // the agent belongs to, the first the site allows.
            let own_group = agent
                .group_ids
                .iter()
                .copied()
                .find(|id| limits.allows_group(*id))
                .or_else(|| agent.group_ids.first().copied())
                .unwrap_or(0);
            for department in departments {
                let real = roster.groups.iter().find(|group| match department {
                    DepartmentRef::Id(id) => group.id == *id,
                    DepartmentRef::Name(name) => group.name.eq_ignore_ascii_case(name),
                });
                let (key, name) = match (real, department) {
                    (Some(group), _) if !limits.allows_group(group.id) => continue,
                    (Some(group), _) => (Some(group.id), group.name.clone()),
                    (None, DepartmentRef::Id(_)) => continue,
                    (None, DepartmentRef::Name(name)) => (None, name.clone()),
                };
                let at = match sections.iter().position(|(id, section)| match key {
                    Some(group_id) => *id == Some(group_id),
                    None => id.is_none() && section.name.eq_ignore_ascii_case(&name),
                }) {
                    Some(at) => at,
                    None => {
                        sections.push((key, Section { name, entries: Vec::new() }));
                        sections.len() - 1
                    }
                };
                let entries = &mut sections[at].1.entries;
                if !entries.iter().any(|entry| entry.agent.id == agent.id) {
                    entries.push(Entry { agent: agent.clone(), group_id: own_group });
                }
            }
        }
    }
    sections.into_iter().map(|(_, section)| section).filter(|section| !section.entries.is_empty()).collect()
}

/// Whether an agent the site allows takes chats now in a group a chat may go to. Only
/// meaningful when the site limits `operators`; otherwise group availability says it.
pub fn anyone_available(roster: &ListAgentsResponse, limits: Limits<'_>) -> bool {
    let groups = limits.routable_groups();
    roster
        .agents
        .iter()
        .any(|agent| available(agent) && limits.allows_agent(agent) && agent.group_ids.iter().any(|id| groups.contains(id)))
}

#[cfg(test)]
mod tests {
    use protocol::GroupInfo;

    use super::*;

    fn agent(id: &str, name: &str, groups: &[u32], status: &str) -> AgentInfo {
        AgentInfo {
            id: id.to_owned(),
            name: name.to_owned(),
            avatar: None,
            job_title: None,
            group_ids: groups.to_vec(),
            routing_status: status.to_owned(),
            active_chats: None,
            max_chats: None,
        }
    }

    fn roster() -> ListAgentsResponse {
        ListAgentsResponse {
            groups: vec![
                GroupInfo { id: 0, name: "General".into() },
                GroupInfo { id: 1, name: "Sales".into() },
                GroupInfo { id: 2, name: "Support".into() },
            ],
            agents: vec![
                agent("anna@x", "Anna", &[0, 1], "accepting_chats"),
                agent("bob@x", "Bob", &[0, 2], "not_accepting_chats"),
                agent("carl@x", "Carl", &[2], "offline"),
            ],
        }
    }

    fn names(sections: &[Section]) -> Vec<(String, Vec<(String, u32)>)> {
        sections
            .iter()
            .map(|section| {
                let entries = section.entries.iter().map(|entry| (entry.agent.name.clone(), entry.group_id)).collect();
                (section.name.clone(), entries)
            })
            .collect()
    }

    fn owned(rows: &[(&str, &[(&str, u32)])]) -> Vec<(String, Vec<(String, u32)>)> {
        rows.iter()
            .map(|(name, entries)| (name.to_string(), entries.iter().map(|(agent, group)| (agent.to_string(), *group)).collect()))
            .collect()
    }

    #[test]
    fn every_department_lists_its_agents() {
        let sections = sections(&roster(), Limits::default());
        let expected: &[(&str, &[(&str, u32)])] = &[
            ("General", &[("Anna", 0), ("Bob", 0)]),
            ("Sales", &[("Anna", 1)]),
            ("Support", &[("Bob", 2), ("Carl", 2)]),
        ];
        assert_eq!(names(&sections), owned(expected));
        assert!(sections[0].entries[0].available());
        assert!(!sections[0].entries[1].available());
    }

    #[test]
    fn departments_pick_and_order_the_headings() {
        let sections = sections(&roster(), Limits { departments: &[2, 1], ..Limits::default() });
        let expected: &[(&str, &[(&str, u32)])] = &[("Support", &[("Bob", 2), ("Carl", 2)]), ("Sales", &[("Anna", 1)])];
        assert_eq!(names(&sections), owned(expected));
    }

    #[test]
    fn operators_leave_out_other_agents_and_empty_departments() {
        let operators = ["CARL@x".to_owned()];
        let sections = sections(&roster(), Limits { operators: &operators, ..Limits::default() });
        let expected: &[(&str, &[(&str, u32)])] = &[("Support", &[("Carl", 2)])];
        assert_eq!(names(&sections), owned(expected));
    }

    #[test]
    fn clones_join_real_departments_and_make_up_missing_ones() {
        let clones = [
            ("anna".to_owned(), vec![DepartmentRef::Name("support".into()), DepartmentRef::Name("Eshop orders".into())]),
            ("Carl".to_owned(), vec![DepartmentRef::Name("Eshop Orders".into()), DepartmentRef::Id(1), DepartmentRef::Id(9)]),
            ("Nobody".to_owned(), vec![DepartmentRef::Name("Ghosts".into())]),
        ];
        let sections = sections(&roster(), Limits { clones: &clones, ..Limits::default() });
        let expected: &[(&str, &[(&str, u32)])] = &[
            ("General", &[("Anna", 0), ("Bob", 0)]),
            ("Sales", &[("Anna", 1), ("Carl", 2)]),
            ("Support", &[("Bob", 2), ("Carl", 2), ("Anna", 0)]),
            ("Eshop orders", &[("Anna", 0), ("Carl", 2)]),
        ];
        assert_eq!(names(&sections), owned(expected));
    }

    #[test]
    fn clones_respect_the_sites_departments_and_operators() {
        let clones = [
            ("Anna".to_owned(), vec![DepartmentRef::Id(0), DepartmentRef::Name("Returns".into())]),
            ("Bob".to_owned(), vec![DepartmentRef::Name("Returns".into())]),
        ];
        let operators = ["anna@x".to_owned()];
        let limits = Limits { departments: &[1], operators: &operators, clones: &clones };
        let expected: &[(&str, &[(&str, u32)])] = &[("Sales", &[("Anna", 1)]), ("Returns", &[("Anna", 1)])];
        assert_eq!(names(&sections(&roster(), limits)), owned(expected));
    }

    #[test]
    fn availability_counts_only_allowed_agents_in_routable_groups() {
        let roster = roster();
        assert!(anyone_available(&roster, Limits::default()));
        let bob = ["bob@x".to_owned()];
        assert!(!anyone_available(&roster, Limits { operators: &bob, ..Limits::default() }));
        let anna = ["anna@x".to_owned()];
        assert!(anyone_available(&roster, Limits { operators: &anna, departments: &[1], ..Limits::default() }));
        assert!(!anyone_available(&roster, Limits { operators: &anna, departments: &[2], ..Limits::default() }));
    }
}
