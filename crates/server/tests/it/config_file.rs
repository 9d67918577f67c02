//! The TOML configuration file: `config/demo.toml` loads with everything it shows, and
//! every rule of the format fails with a message naming the offending key. These tests
//! parse strings and files only; no server is started.

use std::path::{Path, PathBuf};
use std::time::Duration;

use server::config::{ConfigFileError, Limits, Timings, AGENT_TOKEN_PLACEHOLDER};
use server::Config;

/// The smallest valid file: one license with its general group and one agent. Tests append
/// tables to it; an appended `[[licenses.*]]` table belongs to the last license.
const BASE: &str = r#"
[[licenses]]
id = 1
organization_id = "org-one"
name = "One"

  [[licenses.groups]]
  id = 0
  name = "General"

  [[licenses.agents]]
  id = "a@one.example"
  name = "A"
  token = "secret-a-0123456789"
  groups = [0]
"#;

/// A second license, with groups 0 and 3 and one agent.
const SECOND_LICENSE: &str = r#"
[[licenses]]
id = 2
organization_id = "org-two"
name = "Two"

  [[licenses.groups]]
  id = 0
  name = "General"

  [[licenses.groups]]
  id = 3
  name = "Three"

  [[licenses.agents]]
  id = "b@two.example"
  name = "B"
  token = "secret-b-0123456789"
  groups = [0]
"#;

fn parse(text: &str) -> Result<Config, ConfigFileError> {
    server::config::parse(text, "test.toml", PathBuf::from("data/chat.db"), PathBuf::from("dist"))
}

/// Parses `text`, expecting a rule violation at `key` whose message contains `words`.
#[track_caller]
fn assert_invalid(text: &str, key: &str, words: &str) {
    let error = match parse(text) {
        Ok(_) => panic!("accepted a file breaking the rule on {key}:\n{text}"),
        Err(error) => error,
    };
    let message = error.to_string();
    assert_eq!(error.key(), Some(key), "{message}");
    assert!(message.starts_with(&format!("test.toml: {key}: ")), "{message}");
    assert!(message.contains(words), "{message:?} lacks {words:?}");
    assert!(!message.ends_with('.'), "{message}");
    let rule = &message[format!("test.toml: {key}: ").len()..];
    assert!(!rule.starts_with(|c: char| c.is_uppercase()), "{message}");
}

/// Parses `text`, expecting a syntax error on `line` whose message contains `words`.
#[track_caller]
fn assert_syntax(text: &str, line: usize, words: &str) {
    let error = match parse(text) {
        Ok(_) => panic!("accepted a malformed file:\n{text}"),
        Err(error) => error,
    };
    let message = error.to_string();
    assert!(matches!(error, ConfigFileError::Syntax { .. }), "{message}");
    assert_eq!(error.line(), Some(line), "{message}");
    assert!(message.starts_with(&format!("test.toml:{line}:")), "{message}");
    assert!(message.contains(words), "{message:?} lacks {words:?}");
}

/// The line of `text` (counting from 1) that contains `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|line| line.contains(needle)).expect("needle in text") + 1
}

/// The field types of a form, in order.
fn field_types(form: Option<&protocol::Form>) -> Vec<&str> {
    form.expect("form is enabled").fields.iter().map(|field| field.kind.as_str()).collect()
}

fn demo_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/demo.toml")
}

#[test]
fn the_demo_file_loads_with_its_groups_forms_agent_and_greetings() {
    let database = PathBuf::from("data/livechat.db");
    let config = server::config::load(&demo_path(), database.clone(), PathBuf::from("dist")).unwrap();
    let builtin = Config::demo(database.clone(), PathBuf::from("dist"), "token".to_owned());

    assert_eq!(config.licenses.len(), 1);
    let license = &config.licenses[0];
    assert_eq!(license.id, builtin.licenses[0].id);
    assert_eq!(license.organization_id, builtin.licenses[0].organization_id);
    assert_eq!(license.name, "Acme Outdoor");

    let groups: Vec<_> = config.groups_of(1).map(|group| (group.id, group.name.as_str())).collect();
    assert_eq!(groups, [(0, "General"), (1, "Sales")]);

    assert_eq!(config.agents.len(), 2, "the demo's owner and agent");
    let anna = &config.agents[0];
    assert_eq!(anna.role, server::config::Role::Owner);
    let ben = &config.agents[1];
    assert_eq!((ben.id.as_str(), ben.role, ben.token.as_str()), ("ben@acme.example", server::config::Role::Agent, ""));
    assert_eq!((anna.id.as_str(), anna.name.as_str()), ("anna@acme.example", "Anna"));
    assert_eq!(anna.job_title, builtin.agents[0].job_title);
    assert_eq!(anna.max_chats, builtin.agents[0].max_chats);
    assert_eq!(anna.groups, [0, 1]);
    assert_eq!(anna.token, AGENT_TOKEN_PLACEHOLDER, "the demo file holds no secret");

    let general = &config.group(1, 0).unwrap().forms;
    assert_eq!(
        field_types(general.prechat.as_ref()),
        ["header", "name", "email", "phone", "radio", "select", "checkbox", "group_chooser"]
    );
    let prechat = general.prechat.as_ref().unwrap();
    let name = prechat.fields.iter().find(|field| field.kind == "name").unwrap();
    assert_eq!(name.required, Some(true));
    let topic = prechat.fields.iter().find(|field| field.kind == "radio").unwrap();
    assert_eq!(topic.label, "What is this about?");
    let chooser = prechat.fields.iter().find(|field| field.kind == "group_chooser").unwrap();
    let routes: Vec<_> =
        chooser.options.as_ref().unwrap().iter().map(|option| (option.label.as_str(), option.group_id)).collect();
    assert_eq!(routes, [("General", Some(0)), ("Sales", Some(1))]);
    assert_eq!(field_types(general.postchat.as_ref()), ["radio", "textarea"]);
    assert_eq!(field_types(general.ticket.as_ref()), ["name", "email", "subject", "textarea"]);

    assert_eq!(config.greetings.len(), 2);
    let triggered: Vec<_> = config.greetings.iter().filter_map(|greeting| greeting.trigger.as_ref()).collect();
    assert_eq!(triggered.len(), 1, "one greeting fires by itself, the other is manual");
    assert_eq!(triggered[0].url.as_deref(), Some("*/"));
    assert_eq!(triggered[0].after_seconds, 30);
    assert!(config.greetings.iter().all(|greeting| greeting.agent_id == anna.id && greeting.license_id == 1));

    assert_eq!(config.timings.token_ttl, Timings::default().token_ttl);
    assert_eq!(config.limits.upload_bytes, Limits::default().upload_bytes);
    assert_eq!(config.upload_dir, database.with_file_name("uploads"));
    assert_eq!(config.database, database);
}

#[test]
fn a_minimal_file_takes_the_defaults() {
    let config = parse(BASE).unwrap();
    let defaults = Timings::default();
    assert_eq!(config.timings.login_timeout, defaults.login_timeout);
    assert_eq!(config.timings.inactivity_timeout, defaults.inactivity_timeout);
    assert_eq!(config.limits.queue_length, Limits::default().queue_length);
    assert_eq!(config.upload_dir, PathBuf::from("data/uploads"));
    let group = config.group(1, 0).unwrap();
    assert!(group.offline_messages);
    assert!(group.forms.prechat.is_none() && group.forms.postchat.is_none() && group.forms.ticket.is_none());
    let agent = config.agent("a@one.example").unwrap();
    assert_eq!(
        (agent.license_id, agent.max_chats, agent.job_title.as_str(), agent.avatar.as_deref()),
        (1, 6, "", None)
    );
    assert!(config.greetings.is_empty());
}

#[test]
fn timings_limits_and_the_upload_directory_are_read() {
    let text = format!(
        "upload_dir = \"/srv/uploads\"\n\
         [timings]\nlogin_timeout_seconds = 5\ntoken_ttl_seconds = 60\n\
         [limits]\nqueue_length = 3\nupload_megabytes = 2\n{BASE}"
    );
    let config = parse(&text).unwrap();
    assert_eq!(config.upload_dir, PathBuf::from("/srv/uploads"));
    assert_eq!(config.timings.login_timeout, Duration::from_secs(5));
    assert_eq!(config.timings.token_ttl, Duration::from_secs(60));
    assert_eq!(config.timings.ping_interval, Timings::default().ping_interval);
    assert_eq!(config.limits.queue_length, 3);
    assert_eq!(config.limits.upload_bytes, 2 * 1024 * 1024);
    assert_eq!(config.limits.connections_per_customer, Limits::default().connections_per_customer);
}

#[test]
fn a_second_license_with_its_own_groups_and_agents_is_accepted() {
    let config = parse(&format!("{BASE}{SECOND_LICENSE}")).unwrap();
    assert_eq!(config.licenses.len(), 2);
    assert_eq!(config.groups_of(2).count(), 2);
    assert_eq!(config.agent("b@two.example").unwrap().license_id, 2);
}

#[test]
fn a_missing_file_names_the_path() {
    let error = server::config::load(Path::new("no/such/config.toml"), "chat.db".into(), "dist".into()).unwrap_err();
    assert!(matches!(error, ConfigFileError::Read { .. }));
    assert!(error.to_string().starts_with("cannot read no/such/config.toml: "), "{error}");
}

#[test]
fn a_syntax_error_is_reported_with_its_line() {
    let text = BASE.replace("name = \"One\"", "name = \"One");
    assert_syntax(&text, line_of(&text, "name = \"One"), "");
    let text = format!("{BASE}  [[licenses.greetings]\n");
    assert_syntax(&text, line_of(&text, "greetings"), "");
}

#[test]
fn an_unknown_key_is_reported_with_its_line_and_name() {
    let text = BASE.replace("name = \"A\"", "nmae = \"A\"");
    assert_syntax(&text, line_of(&text, "nmae"), "nmae");
    let text = format!("[timings]\nlogin_timeout = 30\n{BASE}");
    assert_syntax(&text, 2, "login_timeout");
    let text = format!("{BASE}  [licenses.groups.forms.prechat]\n  id = \"p\"\n  feilds = []\n");
    assert_syntax(&text, line_of(&text, "feilds"), "feilds");
    let text = format!("{BASE}  [licenses.groups.forms.intro]\n  id = \"p\"\n");
    assert_syntax(&text, line_of(&text, "forms.intro"), "intro");
}

#[test]
fn a_value_of_the_wrong_type_or_a_missing_key_is_a_syntax_error() {
    let text = BASE.replace("groups = [0]", "groups = [0]\n  max_chats = -1");
    assert_syntax(&text, line_of(&text, "max_chats"), "");
    let text = BASE.replace("  name = \"A\"\n", "");
    let error = parse(&text).unwrap_err();
    assert!(matches!(error, ConfigFileError::Syntax { .. }), "{error}");
    assert!(error.to_string().contains("name"), "{error}");
}

#[test]
fn an_agent_may_have_no_token_and_a_role() {
    let text = BASE.replace("  token = \"secret-a-0123456789\"\n", "  role = \"admin\"\n");
    let config = parse(&text).unwrap();
    assert_eq!((config.agents[0].token.as_str(), config.agents[0].role), ("", server::config::Role::Admin));
    let text = BASE.replace("  token = \"secret-a-0123456789\"\n", "");
    assert_eq!(parse(&text).unwrap().agents[0].role, server::config::Role::Agent, "agent by default");
    let text = BASE.replace("  token = \"secret-a-0123456789\"\n", "  role = \"boss\"\n");
    assert_invalid(&text, "licenses[0].agents[0].role", "must be \"owner\", \"admin\" or \"agent\"");
}

#[test]
fn at_least_one_license_is_needed() {
    assert_invalid("", "licenses", "at least one license");
    assert_invalid("[timings]\nping_interval_seconds = 10\n", "licenses", "at least one license");
}

#[test]
fn license_ids_are_positive_and_unique() {
    assert_invalid(&BASE.replace("id = 1\n", "id = 0\n"), "licenses[0].id", "start at 1");
    let text = format!("{BASE}{}", SECOND_LICENSE.replace("id = 2\n", "id = 1\n"));
    assert_invalid(&text, "licenses[1].id", "license 1 is defined twice");
}

#[test]
fn organization_ids_are_non_empty_and_unique() {
    assert_invalid(&BASE.replace("\"org-one\"", "\"\""), "licenses[0].organization_id", "must not be empty");
    let text = format!("{BASE}{}", SECOND_LICENSE.replace("org-two", "org-one"));
    assert_invalid(&text, "licenses[1].organization_id", "\"org-one\" is used by another license");
}

#[test]
fn each_license_needs_a_group_0() {
    let text = BASE.replace("  id = 0\n", "  id = 5\n").replace("groups = [0]", "groups = [5]");
    assert_invalid(&text, "licenses[0].groups", "license 1 needs a group 0");
}

#[test]
fn group_ids_are_unique_within_a_license() {
    let text = format!("{BASE}  [[licenses.groups]]\n  id = 0\n  name = \"Again\"\n");
    assert_invalid(&text, "licenses[0].groups[1].id", "group 0 is defined twice in license 1");
    // The same group id in two licenses is fine.
    parse(&format!("{BASE}{SECOND_LICENSE}")).unwrap();
}

/// A second agent for license 1, appended to [`BASE`].
fn second_agent(id: &str, token: &str, groups: &str, max_chats: u32) -> String {
    format!(
        "{BASE}  [[licenses.agents]]\n  id = \"{id}\"\n  name = \"C\"\n  token = \"{token}\"\n  groups = {groups}\n  max_chats = {max_chats}\n"
    )
}

#[test]
fn agent_ids_are_unique_across_the_file() {
    parse(&second_agent("c@one.example", "secret-c-0123456789", "[0]", 1)).unwrap();
    assert_invalid(&second_agent("a@one.example", "secret-c-0123456789", "[0]", 1), "licenses[0].agents[1].id", "defined twice");
    let text = format!("{BASE}{}", SECOND_LICENSE.replace("b@two.example", "a@one.example"));
    assert_invalid(&text, "licenses[1].agents[0].id", "\"a@one.example\" is defined twice");
}

#[test]
fn agent_tokens_are_long_enough_and_unique_without_revealing_them() {
    assert_invalid(&BASE.replace("\"secret-a-0123456789\"", "\"  \""), "licenses[0].agents[0].token", "must not be blank");
    let short = BASE.replace("\"secret-a-0123456789\"", "\"hunter2\"");
    assert_invalid(&short, "licenses[0].agents[0].token", "at least 16 characters");
    assert!(!parse(&short).unwrap_err().to_string().contains("hunter2"));
    let text = second_agent("c@one.example", "secret-a-0123456789", "[0]", 1);
    assert_invalid(&text, "licenses[0].agents[1].token", "same as licenses[0].agents[0].token");
    assert!(!parse(&text).unwrap_err().to_string().contains("secret-a-0123456789"));
    let text = format!("{BASE}{}", SECOND_LICENSE.replace("secret-b-0123456789", "secret-a-0123456789"));
    assert_invalid(&text, "licenses[1].agents[0].token", "same as licenses[0].agents[0].token");
}

#[test]
fn only_the_first_agent_may_leave_its_token_to_the_command_line() {
    let first = BASE.replace("secret-a-0123456789", AGENT_TOKEN_PLACEHOLDER);
    assert_eq!(parse(&first).unwrap().agents[0].token, AGENT_TOKEN_PLACEHOLDER);
    let text = second_agent("c@one.example", AGENT_TOKEN_PLACEHOLDER, "[0]", 1);
    assert_invalid(&text, "licenses[0].agents[1].token", "only the first agent");
}

#[test]
fn agent_groups_are_non_empty_and_exist_in_the_agents_license() {
    assert_invalid(&second_agent("c@one.example", "secret-c-0123456789", "[]", 1), "licenses[0].agents[1].groups", "at least one");
    let error = parse(&second_agent("c@one.example", "secret-c-0123456789", "[0, 7]", 1)).unwrap_err();
    assert_eq!(error.to_string(), "test.toml: licenses[0].agents[1].groups: group 7 is not defined in license 1");
    // Group 3 belongs to license 2, not to license 1.
    let text = format!("{SECOND_LICENSE}{}", BASE.replace("groups = [0]", "groups = [3]"));
    assert_invalid(&text, "licenses[1].agents[0].groups", "group 3 is not defined in license 1");
}

#[test]
fn agents_take_at_least_one_chat() {
    assert_invalid(
        &second_agent("c@one.example", "secret-c-0123456789", "[0]", 0),
        "licenses[0].agents[1].max_chats",
        "at least 1",
    );
}

/// [`BASE`] with a pre-chat form on group 0 holding `fields` (TOML lines).
fn prechat(fields: &str) -> String {
    format!("{BASE}  [licenses.groups.forms.prechat]\n  id = \"prechat\"\n{fields}")
}

/// One `[[...fields]]` table of the pre-chat form.
fn field(id: &str, kind: &str, options: Option<&str>) -> String {
    let options = options.map(|options| format!("  options = {options}\n")).unwrap_or_default();
    format!(
        "  [[licenses.groups.forms.prechat.fields]]\n  id = \"{id}\"\n  type = \"{kind}\"\n  label = \"L\"\n{options}"
    )
}

#[test]
fn every_field_type_is_accepted() {
    let kinds = ["header", "name", "email", "phone", "question", "textarea", "subject"];
    let mut fields: String = kinds.iter().map(|kind| field(kind, kind, None)).collect();
    for kind in ["radio", "select", "checkbox"] {
        fields += &field(kind, kind, Some(r#"[{ id = "x", label = "X" }]"#));
    }
    fields += &field("group", "group_chooser", Some(r#"[{ id = "x", label = "X", group_id = 0 }]"#));
    let config = parse(&prechat(&fields)).unwrap();
    assert_eq!(config.group(1, 0).unwrap().forms.prechat.as_ref().unwrap().fields.len(), 11);
}

#[test]
fn field_types_are_checked() {
    let text = prechat(&(field("name", "name", None) + &field("colour", "color", None)));
    assert_invalid(&text, "licenses[0].groups[0].forms.prechat.fields[1].type", "unknown field type \"color\"");
}

#[test]
fn field_ids_are_unique_within_a_form() {
    let text = prechat(&(field("name", "name", None) + &field("name", "email", None)));
    assert_invalid(&text, "licenses[0].groups[0].forms.prechat.fields[1].id", "\"name\" is defined twice");
    // Another form of the same group may reuse the id.
    let text = format!(
        "{}  [licenses.groups.forms.ticket]\n  id = \"ticket\"\n  [[licenses.groups.forms.ticket.fields]]\n  id = \"name\"\n  type = \"name\"\n",
        prechat(&field("name", "name", None))
    );
    parse(&text).unwrap();
}

#[test]
fn choice_fields_need_options() {
    for kind in ["radio", "select", "checkbox", "group_chooser"] {
        let key = "licenses[0].groups[0].forms.prechat.fields[0].options";
        assert_invalid(&prechat(&field("f", kind, None)), key, &format!("a {kind} field needs at least one option"));
        assert_invalid(&prechat(&field("f", kind, Some("[]"))), key, "needs at least one option");
    }
}

#[test]
fn other_fields_have_no_options() {
    let text = prechat(&field("f", "textarea", Some(r#"[{ id = "x", label = "X" }]"#)));
    assert_invalid(&text, "licenses[0].groups[0].forms.prechat.fields[0].options", "a textarea field has no options");
}

#[test]
fn option_ids_are_unique_within_a_field() {
    let text = prechat(&field("f", "select", Some(r#"[{ id = "x", label = "X" }, { id = "x", label = "Y" }]"#)));
    assert_invalid(&text, "licenses[0].groups[0].forms.prechat.fields[0].options[1].id", "\"x\" is defined twice");
}

#[test]
fn group_chooser_options_route_to_existing_groups() {
    let key = "licenses[0].groups[0].forms.prechat.fields[0].options[0].group_id";
    let text = prechat(&field("f", "group_chooser", Some(r#"[{ id = "x", label = "X" }]"#)));
    assert_invalid(&text, key, "needs a group_id");
    let text = prechat(&field("f", "group_chooser", Some(r#"[{ id = "x", label = "X", group_id = 9 }]"#)));
    assert_invalid(&text, key, "group 9 is not defined in license 1");
    let text = prechat(&field("f", "radio", Some(r#"[{ id = "x", label = "X", group_id = 0 }]"#)));
    assert_invalid(&text, key, "only group_chooser options");
}

#[test]
fn forms_of_later_groups_are_checked_with_their_key() {
    let text = format!(
        "{BASE}  [[licenses.groups]]\n  id = 1\n  name = \"Sales\"\n  [licenses.groups.forms.postchat]\n  id = \"post\"\n  [[licenses.groups.forms.postchat.fields]]\n  id = \"rating\"\n  type = \"stars\"\n"
    );
    assert_invalid(&text, "licenses[0].groups[1].forms.postchat.fields[0].type", "\"stars\"");
}

/// License 2, then license 1 (so `licenses[1]`) with greeting 1 and a second greeting with
/// the given id, group, agent and text.
fn greeting(id: u64, group_id: u32, agent: &str, text: &str) -> String {
    format!(
        "{SECOND_LICENSE}{BASE}  [[licenses.greetings]]\n  id = 1\n  group_id = 0\n  agent = \"a@one.example\"\n  text = \"Hello\"\n\
         \n  [[licenses.greetings]]\n  id = {id}\n  group_id = {group_id}\n  agent = \"{agent}\"\n  text = \"{text}\"\n  trigger = {{ after_seconds = 5 }}\n"
    )
}

#[test]
fn a_greeting_with_a_trigger_is_read() {
    let config = parse(&greeting(2, 0, "a@one.example", "Hi")).unwrap();
    let greeting = config.greetings.iter().find(|greeting| greeting.id == 2).unwrap();
    assert_eq!((greeting.license_id, greeting.group_id, greeting.agent_id.as_str()), (1, 0, "a@one.example"));
    let trigger = greeting.trigger.as_ref().unwrap();
    assert_eq!((trigger.url.as_deref(), trigger.after_seconds), (None, 5));
}

#[test]
fn greeting_ids_are_unique_within_a_license() {
    assert_invalid(
        &greeting(1, 0, "a@one.example", "Hi"),
        "licenses[1].greetings[1].id",
        "greeting 1 is defined twice in license 1",
    );
    // Ids are per license, so license 2 may have a greeting 1 as well.
    let text = format!(
        "{BASE}  [[licenses.greetings]]\n  id = 1\n  group_id = 0\n  agent = \"a@one.example\"\n  text = \"Hi\"\n\
         {SECOND_LICENSE}  [[licenses.greetings]]\n  id = 1\n  group_id = 0\n  agent = \"b@two.example\"\n  text = \"Hi\"\n"
    );
    assert_eq!(parse(&text).unwrap().greetings.len(), 2);
}

#[test]
fn a_greeting_names_an_agent_of_its_license() {
    assert_invalid(
        &greeting(2, 0, "nobody@one.example", "Hi"),
        "licenses[1].greetings[1].agent",
        "\"nobody@one.example\" is not an agent of license 1",
    );
    assert_invalid(
        &greeting(2, 0, "b@two.example", "Hi"),
        "licenses[1].greetings[1].agent",
        "is not an agent of license 1",
    );
}

#[test]
fn a_greeting_names_a_group_of_its_license() {
    assert_invalid(
        &greeting(2, 3, "a@one.example", "Hi"),
        "licenses[1].greetings[1].group_id",
        "group 3 is not defined in license 1",
    );
}

#[test]
fn a_greeting_has_text() {
    assert_invalid(&greeting(2, 0, "a@one.example", " "), "licenses[1].greetings[1].text", "must not be empty");
}

#[test]
fn limits_are_at_least_1() {
    for key in ["connections_per_customer", "customers_per_license", "queue_length", "upload_megabytes"] {
        assert_invalid(&format!("[limits]\n{key} = 0\n{BASE}"), &format!("limits.{key}"), "at least 1");
        parse(&format!("[limits]\n{key} = 1\n{BASE}")).unwrap();
    }
    let text = format!("[limits]\nupload_megabytes = {}\n{BASE}", i64::MAX);
    assert_invalid(&text, "limits.upload_megabytes", "too large");
}

#[test]
fn timings_are_at_least_a_second_and_tokens_live_at_least_a_minute() {
    for key in ["login_timeout_seconds", "ping_interval_seconds", "idle_timeout_seconds", "inactivity_timeout_seconds"]
    {
        assert_invalid(&format!("[timings]\n{key} = 0\n{BASE}"), &format!("timings.{key}"), "at least 1 second");
        parse(&format!("[timings]\n{key} = 1\n{BASE}")).unwrap();
    }
    assert_invalid(
        &format!("[timings]\ntoken_ttl_seconds = 59\n{BASE}"),
        "timings.token_ttl_seconds",
        "at least 60 seconds",
    );
    parse(&format!("[timings]\ntoken_ttl_seconds = 60\n{BASE}")).unwrap();
}

#[test]
fn the_public_address_proxies_sites_and_hostile_client_limits_are_read_and_checked() {
    let text = format!(
        "public_url = \"https://chat.example.com/\"\ntrusted_proxies = [\"10.0.0.0/8\", \"192.0.2.7\"]\n\
         [timings]\nwrite_timeout_seconds = 3\nheader_read_timeout_seconds = 4\n\
         [limits]\nhttp_requests_per_minute = 60\nunauthenticated_per_address = 5\noutbound_queue_kilobytes = 128\n\
         read_kilobytes_per_second = 8\nupload_quota_megabytes = 7\n{}",
        BASE.replace("name = \"One\"", "name = \"One\"\nallowed_origins = [\"https://shop.example\", \"http://localhost:3000/\"]")
    );
    let config = parse(&text).unwrap();
    assert_eq!(config.public_url.as_deref(), Some("https://chat.example.com"));
    assert_eq!(config.trusted_proxies.len(), 2);
    assert_eq!((config.timings.write_timeout, config.timings.header_read_timeout), (Duration::from_secs(3), Duration::from_secs(4)));
    let limits = &config.limits;
    assert_eq!(
        (limits.http_requests_per_minute, limits.unauthenticated_per_address, limits.outbound_queue_bytes, limits.read_bytes_per_second),
        (60, 5, 128 * 1024, 8 * 1024)
    );
    assert_eq!(limits.upload_quota_bytes, 7 * 1024 * 1024);
    assert_eq!(config.licenses[0].allowed_origins, ["https://shop.example", "http://localhost:3000"]);

    assert_invalid(&format!("public_url = \"ftp://x.example\"\n{BASE}"), "public_url", "http or https");
    assert_invalid(&format!("public_url = \"https://x.example/?a=1\"\n{BASE}"), "public_url", "query");
    assert_invalid(&format!("trusted_proxies = [\"10.0.0.0/33\"]\n{BASE}"), "trusted_proxies[0]", "not an address or a CIDR block");
    let path = BASE.replace("name = \"One\"", "name = \"One\"\nallowed_origins = [\"https://shop.example/page\"]");
    assert_invalid(&path, "licenses[0].allowed_origins[0]", "is not an origin");
}

#[test]
fn business_hours_and_disabled_agents_are_read_and_checked() {
    let hours = "business_hours = { utc_offset_minutes = 60, days = [\n  { day = \"mon\", open = \"09:00\", close = \"17:30\" },\n] }";
    let config = parse(&BASE.replace("name = \"One\"", &format!("name = \"One\"\n{hours}"))).unwrap();
    let read = config.licenses[0].business_hours.as_ref().unwrap();
    assert_eq!((read.utc_offset_minutes, read.open.clone()), (60, vec![(0, 540, 1050)]));
    let bad_day = BASE.replace("name = \"One\"", "name = \"One\"\nbusiness_hours = { days = [{ day = \"someday\", open = \"09:00\", close = \"10:00\" }] }");
    assert_invalid(&bad_day, "licenses[0].business_hours.days[0].day", "is not one of mon, tue");
    let bad_time = BASE.replace("name = \"One\"", "name = \"One\"\nbusiness_hours = { days = [{ day = \"mon\", open = \"9\", close = \"10:00\" }] }");
    assert_invalid(&bad_time, "licenses[0].business_hours.days[0].open", "not a time of day");

    let disabled = second_agent("c@one.example", "secret-c-0123456789", "[0]", 1).replace("max_chats = 1", "max_chats = 1\n  disabled = true");
    let config = parse(&disabled).unwrap();
    assert_eq!(config.agents.len(), 1, "a disabled agent is used for nothing");
    assert_eq!(config.disabled_agents[0].id, "c@one.example");
}
