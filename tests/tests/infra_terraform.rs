//! What Terraform deploys (infra/), read statically with hcl-rs: the Glue
//! columns are exactly those schema/ generates and the ingest core writes,
//! and the IAM policies grant no more than each principal needs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use hcl::{Block, Body, Expression};
use hooklake_schema::catalog::{glue_table_json, glue_view_json, hive_type};
use hooklake_schema::row::{ChangedFiles, ChangedFilesStatus, PullRequestRow, RenamedFile};
use hooklake_tests::fixtures;
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn module_dir(module: &str) -> PathBuf {
    repo_root().join("infra/modules").join(module)
}

/// Every top-level block of a module (all its `.tf` files).
fn module_blocks(module: &str) -> Vec<Block> {
    blocks_in(&module_dir(module))
}

/// Every top-level block of the `.tf` files in `dir`.
fn blocks_in(dir: &Path) -> Vec<Block> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tf"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            let body: Body =
                hcl::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            body.into_blocks().collect::<Vec<_>>()
        })
        .collect()
}

fn labels(block: &Block) -> Vec<&str> {
    block.labels().iter().map(|l| l.as_str()).collect()
}

/// The top-level block `kind "label0" "label1"`.
fn find<'a>(blocks: &'a [Block], kind: &str, type_label: &str, name: &str) -> &'a Block {
    blocks
        .iter()
        .find(|b| b.identifier() == kind && labels(b) == [type_label, name])
        .unwrap_or_else(|| panic!("no {kind} \"{type_label}\" \"{name}\""))
}

fn attr<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
    body.attributes().find(|a| a.key() == key).map(|a| a.expr())
}

/// An expression as Terraform source text (`var.queue_arn`, `"${...}/x*"`).
fn source(expr: &Expression) -> String {
    hcl::format::to_string(expr).expect("expression formats")
}

fn strings(expr: &Expression) -> Vec<String> {
    match expr {
        Expression::Array(items) => items.iter().map(source).collect(),
        other => vec![source(other)],
    }
}

/// One statement of an `aws_iam_policy_document`, as written.
#[derive(Debug)]
struct Statement {
    effect: String,
    actions: Vec<String>,
    resources: Vec<String>,
    principals: Vec<String>,
    conditions: Vec<String>,
    dynamic: bool,
}

fn statement(body: &Body, dynamic: bool) -> Statement {
    let unquote = |s: String| s.trim_matches('"').to_owned();
    Statement {
        effect: attr(body, "effect")
            .map(|e| unquote(source(e)))
            .unwrap_or_else(|| "Allow".into()),
        actions: attr(body, "actions")
            .map(strings)
            .unwrap_or_default()
            .into_iter()
            .map(unquote)
            .collect(),
        resources: attr(body, "resources").map(strings).unwrap_or_default(),
        principals: body
            .blocks()
            .filter(|b| b.identifier() == "principals")
            .flat_map(|b| {
                attr(b.body(), "identifiers")
                    .map(strings)
                    .unwrap_or_default()
            })
            .collect(),
        conditions: body
            .blocks()
            .filter(|b| b.identifier() == "condition")
            .map(|b| attr(b.body(), "variable").map(source).unwrap_or_default())
            .collect(),
        dynamic,
    }
}

/// The statements of `data "aws_iam_policy_document" name`, dynamic ones included.
fn policy(blocks: &[Block], name: &str) -> Vec<Statement> {
    let doc = find(blocks, "data", "aws_iam_policy_document", name);
    let mut statements = Vec::new();
    for block in doc.body().blocks() {
        match block.identifier() {
            "statement" => statements.push(statement(block.body(), false)),
            "dynamic" if labels(block) == ["statement"] => {
                let content = block
                    .body()
                    .blocks()
                    .find(|b| b.identifier() == "content")
                    .expect("dynamic statement has content");
                statements.push(statement(content.body(), true));
            }
            _ => {}
        }
    }
    statements
}

/// Every (effect, action, resource) the statements grant.
fn grants(statements: &[Statement]) -> BTreeSet<(String, String, String)> {
    statements
        .iter()
        .flat_map(|s| {
            s.actions.iter().flat_map(move |a| {
                s.resources
                    .iter()
                    .map(move |r| (s.effect.clone(), a.clone(), r.clone()))
            })
        })
        .collect()
}

#[test]
fn worker_principal_may_only_send_to_the_queue_and_put_claim_checks() {
    let blocks = module_blocks("edge_principal");
    let statements = policy(&blocks, "edge");
    let granted = grants(&statements);
    let expected: BTreeSet<(String, String, String)> = [
        ("Allow", "sqs:SendMessage", "var.queue_arn"),
        (
            "Allow",
            "s3:PutObject",
            "\"${var.bucket_arn}/${var.claim_check_prefix}*\"",
        ),
    ]
    .into_iter()
    .map(|(e, a, r)| (e.into(), a.into(), r.into()))
    .collect();
    assert_eq!(granted, expected);
    assert!(statements
        .iter()
        .all(|s| s.conditions.is_empty() && !s.dynamic));

    // That document is the principal's only identity policy: one user
    // policy on the bounded user, no group (a group has no boundary), no
    // attachments of managed policies.
    let policy_bearing: Vec<String> = blocks
        .iter()
        .filter(|b| b.identifier() == "resource")
        .filter(|b| {
            let kind = labels(b)[0];
            kind.contains("policy") || kind.contains("attachment")
        })
        .map(|b| labels(b).join("."))
        .collect();
    assert_eq!(policy_bearing, ["aws_iam_user_policy.edge"]);
    assert!(!blocks
        .iter()
        .any(|b| b.identifier() == "resource" && labels(b)[0].contains("group")));
    let user_policy = find(&blocks, "resource", "aws_iam_user_policy", "edge");
    assert_eq!(
        source(attr(user_policy.body(), "user").unwrap()),
        "aws_iam_user.edge.name"
    );
    assert_eq!(
        source(attr(user_policy.body(), "policy").unwrap()),
        "data.aws_iam_policy_document.edge.json"
    );

    // Wired to the one delivery queue and to the prefix the Worker writes.
    let example: Body = hcl::parse(
        &std::fs::read_to_string(repo_root().join("infra/modules/pipeline/main.tf")).unwrap(),
    )
    .unwrap();
    let edge_module = example
        .blocks()
        .find(|b| b.identifier() == "module" && labels(b) == ["edge_principal"])
        .expect("the pipeline uses the edge_principal module");
    assert_eq!(
        source(attr(edge_module.body(), "queue_arn").unwrap()),
        "module.queue.deliveries_arn"
    );
    assert_eq!(
        source(attr(edge_module.body(), "claim_check_prefix").unwrap()),
        "module.lake.claim_check_prefix"
    );
    let lake = module_blocks("lake");
    let lake_locals = lake.iter().find(|b| b.identifier() == "locals").unwrap();
    assert_eq!(
        source(attr(lake_locals.body(), "claim_check_prefix").unwrap()),
        format!("\"{}\"", hooklake_edge_worker::forward::CLAIM_CHECK_PREFIX)
    );
}

#[test]
fn grants_to_the_worker_on_other_resources_are_as_narrow() {
    // KMS: only to encrypt through S3 and SQS, never a direct KMS call.
    let key = policy(&module_blocks("key"), "key");
    let edge: Vec<&Statement> = key.iter().filter(|s| s.dynamic).collect();
    assert_eq!(edge.len(), 1);
    assert_eq!(edge[0].principals, ["var.encrypt_via_service_principals"]);
    assert_eq!(edge[0].actions, ["kms:GenerateDataKey", "kms:Decrypt"]);
    assert_eq!(edge[0].conditions, ["\"kms:ViaService\""]);

    // The alert queue: send only.
    let queue = policy(&module_blocks("queue"), "tls_only");
    let senders: Vec<&Statement> = queue.iter().filter(|s| s.dynamic).collect();
    assert_eq!(senders.len(), 1);
    assert_eq!(senders[0].principals, ["var.alert_senders"]);
    assert_eq!(senders[0].actions, ["sqs:SendMessage"]);
}

#[test]
fn ingest_role_names_every_resource() {
    let statements = policy(&module_blocks("ingest"), "ingest");
    assert!(!statements.is_empty());
    for s in &statements {
        assert_eq!(s.effect, "Allow");
        assert!(!s.resources.is_empty(), "{s:?} has no resources");
        for r in &s.resources {
            assert!(r != "\"*\"", "wildcard resource in {s:?}");
            assert!(!r.starts_with("\"arn:aws:") || !r.contains(":*:"), "{r}");
        }
        for a in &s.actions {
            assert!(!a.ends_with(":*") && a != "*", "wildcard action {a}");
        }
    }
    let actions: BTreeSet<&str> = statements
        .iter()
        .flat_map(|s| s.actions.iter().map(String::as_str))
        .collect();
    for needed in [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "s3:PutObject",
        "s3:GetObject",
        "secretsmanager:GetSecretValue",
    ] {
        assert!(actions.contains(needed), "ingest role lacks {needed}");
    }
}

#[test]
fn compaction_role_may_only_touch_the_table_prefix() {
    let blocks = module_blocks("compaction");
    let statements = policy(&blocks, "compact");
    let table_files = "\"${var.bucket_arn}/${var.table_prefix}*\"";
    let expected: BTreeSet<(String, String, String)> = [
        ("s3:ListBucket", "var.bucket_arn"),
        ("s3:GetObject", table_files),
        ("s3:PutObject", table_files),
        ("s3:DeleteObject", table_files),
        ("kms:Decrypt", "var.kms_key_arn"),
        ("kms:GenerateDataKey", "var.kms_key_arn"),
        ("secretsmanager:GetSecretValue", "var.github_secret_arn"),
        (
            "logs:CreateLogStream",
            "\"${aws_cloudwatch_log_group.compact.arn}:*\"",
        ),
        (
            "logs:PutLogEvents",
            "\"${aws_cloudwatch_log_group.compact.arn}:*\"",
        ),
    ]
    .into_iter()
    .map(|(a, r)| ("Allow".into(), a.into(), r.into()))
    .collect();
    assert_eq!(grants(&statements), expected);
    // Listing is limited to the table's keys.
    let list = statements
        .iter()
        .find(|s| s.actions == ["s3:ListBucket"])
        .unwrap();
    assert_eq!(list.conditions, ["\"s3:prefix\""]);
    let doc = find(&blocks, "data", "aws_iam_policy_document", "compact");
    let condition = doc
        .body()
        .blocks()
        .flat_map(|s| s.body().blocks())
        .find(|b| b.identifier() == "condition")
        .unwrap();
    assert_eq!(
        strings(attr(condition.body(), "values").unwrap()),
        ["\"${var.table_prefix}*\""]
    );
    // The policy is the role's only one.
    let policy_bearing: Vec<String> = blocks
        .iter()
        .filter(|b| b.identifier() == "resource")
        .filter(|b| labels(b)[0].contains("policy") || labels(b)[0].contains("attachment"))
        .map(|b| labels(b).join("."))
        .collect();
    assert_eq!(policy_bearing, ["aws_iam_role_policy.compact"]);

    // Ingest never deletes: only compaction does.
    let ingest = grants(&policy(&module_blocks("ingest"), "ingest"));
    assert!(ingest.iter().all(|(_, a, _)| a != "s3:DeleteObject"));

    // The same zip, the compact handler, invoked by the schedules only.
    let function = find(&blocks, "resource", "aws_lambda_function", "compact");
    assert_eq!(
        source(attr(function.body(), "handler").unwrap()),
        "\"compact\""
    );
    let rule = find(&blocks, "resource", "aws_cloudwatch_event_rule", "schedule");
    assert_eq!(
        source(attr(rule.body(), "schedule_expression").unwrap()),
        "each.value.expression"
    );
    let permission = find(&blocks, "resource", "aws_lambda_permission", "schedule");
    assert_eq!(
        source(attr(permission.body(), "principal").unwrap()),
        "\"events.amazonaws.com\""
    );
    assert_eq!(
        source(attr(permission.body(), "source_arn").unwrap()),
        "aws_cloudwatch_event_rule.schedule[each.key].arn"
    );
    let example: Body = hcl::parse(
        &std::fs::read_to_string(repo_root().join("infra/modules/pipeline/main.tf")).unwrap(),
    )
    .unwrap();
    let module = example
        .blocks()
        .find(|b| b.identifier() == "module" && labels(b) == ["compaction"])
        .expect("the pipeline deploys the compaction module");
    assert_eq!(
        source(attr(module.body(), "package_path").unwrap()),
        "var.lambda_package"
    );
    assert_eq!(
        source(attr(module.body(), "table_prefix").unwrap()),
        "module.lake.table_prefix"
    );
}

#[test]
fn redelivery_runs_every_15_minutes_with_its_own_credentials_and_state_only() {
    let blocks = module_blocks("redelivery");
    let statements = policy(&blocks, "redeliver");
    let state = "\"${var.bucket_arn}/${var.state_prefix}*\"";
    let expected: BTreeSet<(String, String, String)> = [
        ("s3:ListBucket", "var.bucket_arn"),
        ("s3:GetObject", state),
        ("s3:PutObject", state),
        ("kms:Decrypt", "var.kms_key_arn"),
        ("kms:GenerateDataKey", "var.kms_key_arn"),
        (
            "secretsmanager:GetSecretValue",
            "aws_secretsmanager_secret.github.arn",
        ),
        (
            "logs:CreateLogStream",
            "\"${aws_cloudwatch_log_group.redeliver.arn}:*\"",
        ),
        (
            "logs:PutLogEvents",
            "\"${aws_cloudwatch_log_group.redeliver.arn}:*\"",
        ),
    ]
    .into_iter()
    .map(|(a, r)| ("Allow".into(), a.into(), r.into()))
    .collect();
    assert_eq!(grants(&statements), expected);
    let list = statements
        .iter()
        .find(|s| s.actions == ["s3:ListBucket"])
        .unwrap();
    assert_eq!(list.conditions, ["\"s3:prefix\""]);

    // The same zip, the redeliver handler, every 15 minutes by default.
    let function = find(&blocks, "resource", "aws_lambda_function", "redeliver");
    assert_eq!(
        source(attr(function.body(), "handler").unwrap()),
        "\"redeliver\""
    );
    let schedule = blocks
        .iter()
        .find(|b| b.identifier() == "variable" && labels(b) == ["schedule"])
        .unwrap();
    assert_eq!(
        source(attr(schedule.body(), "default").unwrap()),
        "\"rate(15 minutes)\""
    );
    // Its own secret, apart from the enrichment one (which must not hold
    // the webhooks permission).
    let secret = find(&blocks, "resource", "aws_secretsmanager_secret", "github");
    assert_eq!(
        source(attr(secret.body(), "name").unwrap()),
        "\"${var.name}/github-webhooks\""
    );

    // The pipeline feeds it every hook the example creates, and alarms on it.
    let example = blocks_in(&repo_root().join("infra/modules/pipeline"));
    let module = example
        .iter()
        .find(|b| b.identifier() == "module" && labels(b) == ["redelivery"])
        .expect("the pipeline deploys the redelivery module");
    assert_eq!(
        source(attr(module.body(), "hooks").unwrap()),
        "var.redelivery_hooks"
    );
    let alarms = example
        .iter()
        .find(|b| b.identifier() == "module" && labels(b) == ["alarms"])
        .unwrap();
    assert_eq!(
        source(attr(alarms.body(), "redelivery_function_name").unwrap()),
        "module.redelivery.function_name"
    );
    let alarm_source = std::fs::read_to_string(module_dir("alarms").join("main.tf")).unwrap();
    assert!(alarm_source.contains("redelivery-errors = {"));
}

#[test]
fn the_oidc_provider_is_created_or_looked_up() {
    let blocks = blocks_in(&repo_root().join("infra/bootstrap"));
    let created = find(
        &blocks,
        "resource",
        "aws_iam_openid_connect_provider",
        "github",
    );
    assert_eq!(
        source(attr(created.body(), "count").unwrap()),
        "var.create_github_oidc_provider ? 1 : 0"
    );
    let existing = find(&blocks, "data", "aws_iam_openid_connect_provider", "github");
    assert_eq!(
        source(attr(existing.body(), "count").unwrap()),
        "var.create_github_oidc_provider ? 0 : 1"
    );
    // The roles trust whichever it is.
    let assume = policy(&blocks, "assume");
    assert_eq!(assume[0].principals, ["local.github_oidc_provider_arn"]);
}

#[test]
fn the_last_7_days_query_says_what_it_reads() {
    let text = std::fs::read_to_string(module_dir("catalog").join("main.tf")).unwrap();
    let entry = text
        .split("\"hooklake: merges in the last 7 days\" = {")
        .nth(1)
        .expect("the named query");
    let description = entry.lines().nth(1).unwrap();
    // `>= current_date - 7 days` spans today and the 7 days before.
    assert!(description.contains("8 newest partitions"), "{description}");
    assert!(entry.contains("interval '7' day"));
}

#[test]
fn the_plan_role_reads_no_secret_and_pull_request_plans_get_no_webhook_write_token() {
    let blocks = blocks_in(&repo_root().join("infra/bootstrap"));
    let denied: BTreeSet<String> = policy(&blocks, "plan_no_secrets")
        .iter()
        .filter(|s| s.effect == "Deny" && s.resources == ["\"*\""])
        .flat_map(|s| s.actions.clone())
        .collect();
    for action in [
        "secretsmanager:GetSecretValue",
        "secretsmanager:BatchGetSecretValue",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
        "ssm:GetParameterHistory",
    ] {
        assert!(denied.contains(action), "the plan role may {action}");
    }
    let attached = find(
        &blocks,
        "resource",
        "aws_iam_role_policy",
        "plan_no_secrets",
    );
    assert_eq!(
        source(attr(attached.body(), "role").unwrap()),
        "aws_iam_role.plan.id"
    );
    // Nothing else grants the plan role a secret's value.
    let plan_state = policy(&blocks, "state_read");
    assert!(plan_state
        .iter()
        .flat_map(|s| &s.actions)
        .all(|a| !a.starts_with("secretsmanager:") && !a.starts_with("ssm:")));

    // The pull request's plan job: only the read-only webhooks token.
    let jobs = workflow_jobs(
        &std::fs::read_to_string(repo_root().join(".github/workflows/deploy.yml")).unwrap(),
    );
    let plan = &jobs["plan"];
    assert!(plan.contains("secrets.WEBHOOK_READ_TOKEN"), "{plan}");
    assert!(!plan.contains("WEBHOOK_ADMIN_TOKEN"), "{plan}");
    assert!(!plan.contains("CLOUDFLARE_API_TOKEN"), "{plan}");
    assert!(jobs["apply"].contains("environment: production"));
}

/// A workflow's jobs as text, by name: each job runs from its `  name:`
/// line to the next job's (jobs are two-space indented). Text, not YAML:
/// the test looks for which secrets a job's text names.
fn workflow_jobs(text: &str) -> std::collections::BTreeMap<String, String> {
    let jobs = text.split("\njobs:\n").nth(1).expect("a jobs: section");
    let mut out = std::collections::BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in jobs.lines() {
        let is_job =
            line.starts_with("  ") && !line.starts_with("   ") && line.trim_end().ends_with(':');
        if is_job {
            if let Some((name, body)) = current.take() {
                out.insert(name, body);
            }
            current = Some((line.trim().trim_end_matches(':').to_owned(), String::new()));
        } else if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    if let Some((name, body)) = current {
        out.insert(name, body);
    }
    out
}

#[test]
fn every_identity_the_apply_role_creates_carries_a_boundary_it_cannot_remove() {
    // Every role and user of every module has the boundary.
    let modules = std::fs::read_dir(repo_root().join("infra/modules")).unwrap();
    let mut identities = 0;
    for module in modules {
        let blocks = blocks_in(&module.unwrap().path());
        for block in blocks.iter().filter(|b| {
            b.identifier() == "resource" && matches!(labels(b)[0], "aws_iam_role" | "aws_iam_user")
        }) {
            identities += 1;
            assert_eq!(
                attr(block.body(), "permissions_boundary").map(source),
                Some("var.permissions_boundary_arn".to_owned()),
                "{} has no permissions boundary",
                labels(block).join(".")
            );
        }
    }
    assert_eq!(
        identities, 4,
        "ingest, compaction, redelivery, the Worker's user"
    );
    let example = blocks_in(&repo_root().join("infra/modules/pipeline"));
    for name in ["ingest", "compaction", "redelivery", "edge_principal"] {
        let module = example
            .iter()
            .find(|b| b.identifier() == "module" && labels(b) == [name])
            .unwrap();
        assert_eq!(
            source(attr(module.body(), "permissions_boundary_arn").unwrap()),
            "var.permissions_boundary_arn"
        );
    }

    let bootstrap = blocks_in(&repo_root().join("infra/bootstrap"));
    // The boundary grants no IAM.
    let boundary = grants(&policy(&bootstrap, "boundary"));
    assert!(boundary.iter().all(|(effect, action, _)| effect == "Allow"
        && !action.starts_with("iam:")
        && !action.starts_with("sts:")
        && !action.contains('*')));
    let apply = policy(&bootstrap, "apply_iam");
    // No IAM wildcard; creating an identity needs the boundary.
    assert!(apply
        .iter()
        .flat_map(|s| &s.actions)
        .all(|a| !a.contains('*')));
    let create = apply
        .iter()
        .find(|s| s.effect == "Allow" && s.actions.iter().any(|a| a == "iam:CreateRole"))
        .unwrap();
    assert_eq!(create.conditions, ["\"iam:PermissionsBoundary\""]);
    let allowed_elsewhere: Vec<&String> = apply
        .iter()
        .filter(|s| s.effect == "Allow" && s.conditions.is_empty())
        .flat_map(|s| &s.actions)
        .collect();
    for guarded in [
        "iam:CreateRole",
        "iam:CreateUser",
        "iam:PutRolePermissionsBoundary",
        "iam:PutUserPermissionsBoundary",
        "iam:DeleteRolePermissionsBoundary",
        "iam:DeleteUserPermissionsBoundary",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:CreatePolicy",
    ] {
        assert!(
            !allowed_elsewhere.iter().any(|a| *a == guarded),
            "{guarded} is allowed without the boundary"
        );
    }
    let denied = |action: &str| {
        apply
            .iter()
            .any(|s| s.effect == "Deny" && s.actions.iter().any(|a| a == action))
    };
    for action in [
        "iam:DeleteRolePermissionsBoundary",
        "iam:DeleteUserPermissionsBoundary",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:DeletePolicy",
    ] {
        assert!(denied(action), "the apply role is not denied {action}");
    }
    // The only managed policy it gets is PowerUserAccess, which excludes IAM.
    let attachments: Vec<String> = bootstrap
        .iter()
        .filter(|b| {
            b.identifier() == "resource" && labels(b)[0] == "aws_iam_role_policy_attachment"
        })
        .filter(|b| source(attr(b.body(), "role").unwrap()) == "aws_iam_role.apply.name")
        .map(|b| source(attr(b.body(), "policy_arn").unwrap()))
        .collect();
    assert_eq!(attachments.len(), 1);
    assert!(
        attachments[0].ends_with("PowerUserAccess\""),
        "{attachments:?}"
    );
}

/// `key = value` of an object expression.
fn object_entry(expr: &Expression, key: &str) -> Option<Expression> {
    match expr {
        Expression::Object(object) => object.iter().find_map(|(k, v)| match k {
            hcl::ObjectKey::Identifier(id) if id.as_str() == key => Some(v.clone()),
            _ => None,
        }),
        _ => None,
    }
}

/// The first rule of a `cloudflare_ruleset`'s `rules` list.
fn first_rule(ruleset: &Block) -> Expression {
    match attr(ruleset.body(), "rules") {
        Some(Expression::Array(rules)) => rules[0].clone(),
        other => panic!("rules: {other:?}"),
    }
}

#[test]
fn the_rate_rule_guards_exactly_the_route_the_worker_serves() {
    // The expressions come from ./rules, by the zone's plan (what each plan
    // allows is checked by evaluating it: tests/infra/test_deploy_security.py).
    let blocks = blocks_in(&repo_root().join("infra/edge"));
    let rules = blocks
        .iter()
        .find(|b| b.identifier() == "module" && labels(b) == ["rules"])
        .expect("infra/edge uses ./rules");
    for (input, value) in [
        ("zone_plan", "var.zone_plan"),
        ("hostname", "var.hostname"),
        ("webhook_path", "var.webhook_path"),
    ] {
        assert_eq!(source(attr(rules.body(), input).unwrap()), value);
    }
    // The Worker takes POSTs only (the edge core's precheck); the rules
    // count and let through exactly those, on the webhook's path.
    let no_headers: Vec<(&str, &str)> = Vec::new();
    assert!(hooklake_edge::precheck("GET", &no_headers).is_some());
    assert!(hooklake_edge::precheck("POST", &no_headers).is_none());
    let expressions =
        std::fs::read_to_string(repo_root().join("infra/edge/rules/main.tf")).unwrap();
    assert!(expressions.contains(r#"method = "http.request.method eq \"POST\"""#));
    assert!(expressions.contains(r#"path   = "http.request.uri.path eq \"${var.webhook_path}\"""#));

    // The route is wrangler's (scripts/deploy-worker.sh --route), so that
    // wrangler turns the workers.dev address off; none in Terraform.
    assert!(!blocks
        .iter()
        .any(|b| b.identifier() == "resource" && labels(b)[0] == "cloudflare_workers_route"));
    let output = blocks
        .iter()
        .find(|b| b.identifier() == "output" && labels(b) == ["webhook_url"])
        .unwrap();
    assert_eq!(
        source(attr(output.body(), "value").unwrap()),
        r#""https://${var.hostname}${var.webhook_path}""#
    );

    // The rate: per source address, 10 s windows, the variable's cap.
    let ruleset = find(&blocks, "resource", "cloudflare_ruleset", "rate_limit");
    assert_eq!(
        source(attr(ruleset.body(), "phase").unwrap()),
        r#""http_ratelimit""#
    );
    let rate = first_rule(ruleset);
    assert_eq!(
        source(&object_entry(&rate, "expression").unwrap()),
        "module.rules.rate_limit_expression"
    );
    assert_eq!(
        source(&object_entry(&rate, "action").unwrap()),
        r#""block""#
    );
    let limit = object_entry(&rate, "ratelimit").unwrap();
    assert_eq!(
        source(&object_entry(&limit, "characteristics").unwrap()),
        "module.rules.rate_limit_characteristics"
    );
    assert_eq!(source(&object_entry(&limit, "period").unwrap()), "10");
    assert_eq!(
        source(&object_entry(&limit, "requests_per_period").unwrap()),
        "var.requests_per_10_seconds"
    );
    assert_eq!(variable_default(&blocks, "requests_per_10_seconds"), 200);

    // Everything else on the host is blocked before the Worker.
    let firewall = first_rule(find(&blocks, "resource", "cloudflare_ruleset", "firewall"));
    assert_eq!(
        source(&object_entry(&firewall, "expression").unwrap()),
        "module.rules.firewall_expression"
    );
}

/// The path a `jsondecode(file("${path.module}/…"))` local reads.
fn generated_file_of(locals: &Block, name: &str) -> PathBuf {
    let expr = attr(locals.body(), name).unwrap_or_else(|| panic!("no local {name}"));
    let text = source(expr);
    let relative = text
        .strip_prefix("jsondecode(file(\"${path.module}/")
        .and_then(|t| t.strip_suffix("\"))"))
        .unwrap_or_else(|| panic!("local {name} is not jsondecode(file(...)): {text}"));
    module_dir("catalog").join(relative)
}

#[test]
fn glue_columns_come_from_the_generated_json_never_retyped() {
    let blocks = module_blocks("catalog");
    let locals = blocks.iter().find(|b| b.identifier() == "locals").unwrap();
    let table_json = generated_file_of(locals, "table");
    let view_json = generated_file_of(locals, "view");
    assert_eq!(
        std::fs::read_to_string(&table_json).unwrap(),
        glue_table_json()
    );
    assert_eq!(
        std::fs::read_to_string(&view_json).unwrap(),
        glue_view_json()
    );

    // Both Glue tables build their columns only from those files.
    for name in ["pull_requests", "merged_pull_requests"] {
        let table = find(&blocks, "resource", "aws_glue_catalog_table", name);
        let storage = table
            .body()
            .blocks()
            .find(|b| b.identifier() == "storage_descriptor")
            .unwrap();
        let column_blocks: Vec<&Block> = storage
            .body()
            .blocks()
            .filter(|b| b.identifier() == "columns" || labels(b) == ["columns"])
            .collect();
        assert_eq!(column_blocks.len(), 1, "{name}: one dynamic columns block");
        let dynamic = column_blocks[0];
        assert_eq!(
            dynamic.identifier(),
            "dynamic",
            "{name}: no hand-typed column"
        );
        let source_local = if name == "pull_requests" {
            "local.table.columns"
        } else {
            "local.view.columns"
        };
        assert_eq!(
            source(attr(dynamic.body(), "for_each").unwrap()),
            source_local
        );
        let content = dynamic
            .body()
            .blocks()
            .find(|b| b.identifier() == "content")
            .unwrap();
        for field in ["name", "type", "comment"] {
            assert_eq!(
                source(attr(content.body(), field).unwrap()),
                format!("columns.value.{field}")
            );
        }
    }
}

fn enriched_row() -> PullRequestRow {
    let payload = fixtures::merged_variant(&fixtures::load("pull_request", "closed.payload.json"));
    let mut row = PullRequestRow::extract(
        "d-1",
        chrono::Utc::now(),
        &serde_json::to_string(&payload).unwrap(),
    )
    .expect("merged fixture extracts");
    row.changed_files = Some(ChangedFiles {
        added: vec!["a.rs".into()],
        removed: vec!["b.rs".into()],
        modified: vec!["c.rs".into()],
        renamed: vec![RenamedFile {
            previous_filename: "d.rs".into(),
            filename: "e.rs".into(),
        }],
    });
    row.changed_files_status = ChangedFilesStatus::Complete;
    row
}

#[test]
fn parquet_written_by_the_ingest_core_matches_the_deployed_columns() {
    // Through the writer every lake file is made by.
    let mut writer = hooklake_ingest::stream::PartitionedWriter::for_batch(10);
    assert!(writer.push(enriched_row()).unwrap().is_empty());
    let bytes = writer.finish_all().unwrap().remove(0).bytes;
    // Read the file's own Parquet schema, not the Arrow schema the writer
    // embeds: that is what Athena sees.
    let reader = ParquetRecordBatchReaderBuilder::try_new_with_options(
        bytes::Bytes::from(bytes),
        ArrowReaderOptions::new().with_skip_arrow_metadata(true),
    )
    .unwrap();
    let in_file: Vec<(String, String)> = reader
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), hive_type(f.data_type())))
        .collect();

    let deployed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("schema/generated/glue_table.json")).unwrap(),
    )
    .unwrap();
    let deployed: Vec<(String, String)> = deployed["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(in_file, deployed);
    assert!(deployed.iter().any(|(n, t)| n == "changed_files"
        && t.starts_with(
            "struct<added:array<string>,removed:array<string>,modified:array<string>,"
        )));
}

/// A metric's name as written: a string, or a template's raw text
/// (`enriched_rows.${status}`).
fn literal(expr: &Expression) -> Option<String> {
    match expr {
        Expression::String(s) => Some(s.clone()),
        Expression::TemplateExpr(t) => match t.as_ref() {
            hcl::TemplateExpr::QuotedString(s) => Some(s.clone()),
            hcl::TemplateExpr::Heredoc(h) => Some(h.template.clone()),
        },
        _ => None,
    }
}

/// Every (namespace, metric name, dimension names) an expression refers to:
/// dashboard rows `["hooklake", "rows_written", "source", …]` and objects
/// with `namespace` and `metric` / `metric_name`.
fn metrics_in(expr: &Expression, found: &mut Vec<(String, String, Vec<String>)>) {
    match expr {
        Expression::Array(items) => {
            if let (Some(ns), Some(name)) = (
                items.first().and_then(literal),
                items.get(1).and_then(literal),
            ) {
                if ns.starts_with("AWS/") || ns == hooklake_schema::metrics::NAMESPACE {
                    let dims = items
                        .iter()
                        .skip(2)
                        .step_by(2)
                        .filter_map(literal)
                        .collect();
                    found.push((ns, name, dims));
                }
            }
            items.iter().for_each(|e| metrics_in(e, found));
        }
        Expression::Object(object) => {
            let get = |key: &str| {
                object.iter().find_map(|(k, v)| match k {
                    hcl::ObjectKey::Identifier(id) if id.as_str() == key => Some(v),
                    _ => None,
                })
            };
            if let (Some(ns), Some(name)) = (
                get("namespace").and_then(literal),
                get("metric").or(get("metric_name")).and_then(literal),
            ) {
                let dims = match get("dimensions") {
                    Some(Expression::Object(d)) => d
                        .keys()
                        .map(|k| match k {
                            hcl::ObjectKey::Identifier(id) => id.to_string(),
                            hcl::ObjectKey::Expression(e) => literal(e).unwrap_or_default(),
                            _ => String::new(),
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                found.push((ns, name, dims));
            }
            object.values().for_each(|e| metrics_in(e, found));
        }
        Expression::ForExpr(f) => metrics_in(&f.value_expr, found),
        Expression::FuncCall(f) => f.args.iter().for_each(|e| metrics_in(e, found)),
        Expression::Parenthesis(e) => metrics_in(e, found),
        Expression::Conditional(c) => {
            metrics_in(&c.true_expr, found);
            metrics_in(&c.false_expr, found);
        }
        _ => {}
    }
}

/// [`metrics_in`] over a body: its attributes, and its blocks (an alarm's
/// `metric` block names `namespace` and `metric_name` as attributes).
fn metrics_in_body(body: &Body, found: &mut Vec<(String, String, Vec<String>)>) {
    let as_object: hcl::Object<hcl::ObjectKey, Expression> = body
        .attributes()
        .map(|a| {
            (
                hcl::ObjectKey::Identifier(hcl::Identifier::new(a.key()).unwrap()),
                a.expr().clone(),
            )
        })
        .collect();
    metrics_in(&Expression::Object(as_object), found);
    for block in body.blocks() {
        metrics_in_body(block.body(), found);
    }
}

#[test]
fn every_alarm_and_dashboard_metric_is_one_the_code_emits() {
    use hooklake_schema::metrics;
    let blocks = module_blocks("alarms");
    let mut found = Vec::new();
    for block in &blocks {
        metrics_in_body(block.body(), &mut found);
    }
    let emitted = metrics::cloudwatch_names();
    let ours: Vec<_> = found
        .iter()
        .filter(|(ns, _, _)| ns == metrics::NAMESPACE)
        .collect();
    for (_, name, dims) in &ours {
        match name.split_once(".${") {
            // A dashboard row per label value: the metric must be labelled.
            Some((base, _)) => assert!(
                metrics::ALL
                    .iter()
                    .any(|m| m.name == base && m.label.is_some()),
                "{name}: {base} is not a labelled metric of schema/src/metrics.rs"
            ),
            None => assert!(
                emitted.contains(name),
                "{name} is not a metric hooklake emits (schema/src/metrics.rs): {emitted:?}"
            ),
        }
        assert_eq!(
            dims,
            &[metrics::DIMENSION],
            "{name}: hooklake's metrics have one dimension"
        );
    }
    // The alarms the issue asks for, on the names the code emits.
    let names: Vec<&str> = ours.iter().map(|(_, n, _)| n.as_str()).collect();
    for wanted in [
        "rows_written",
        "enriched_rows.unauthorized",
        "queue_oldest_age_seconds",
        "redeliveries.given_up",
    ] {
        assert!(names.contains(&wanted), "nothing watches {wanted}");
    }
    let aws: Vec<&str> = found
        .iter()
        .filter(|(ns, _, _)| ns.starts_with("AWS/"))
        .map(|(_, n, _)| n.as_str())
        .collect();
    assert!(
        aws.contains(&"ApproximateNumberOfMessagesVisible"),
        "the DLQ alarm"
    );
    // The dashboard's status list is the column's.
    let variable = blocks
        .iter()
        .find(|b| b.identifier() == "variable" && labels(b) == ["enrichment_statuses"])
        .expect("variable enrichment_statuses");
    let default: Vec<String> = match attr(variable.body(), "default") {
        Some(Expression::Array(items)) => items.iter().filter_map(literal).collect(),
        other => panic!("enrichment_statuses default: {other:?}"),
    };
    assert_eq!(default, metrics::ENRICHMENT_STATUSES);
}

/// A number literal, or a variable's default.
fn number(expr: &Expression) -> i64 {
    match expr {
        Expression::Number(n) => n.as_i64().unwrap(),
        other => panic!("not a number: {}", source(other)),
    }
}

fn variable_default(blocks: &[Block], name: &str) -> i64 {
    let variable = blocks
        .iter()
        .find(|b| b.identifier() == "variable" && labels(b) == [name])
        .unwrap_or_else(|| panic!("no variable {name}"));
    number(attr(variable.body(), "default").unwrap())
}

#[test]
fn the_queues_visibility_timeout_is_derived_from_the_functions_timeout() {
    // One place sets the timeout and the batching window; the visibility
    // timeout follows (AWS: 6 x timeout + batching window).
    let example = blocks_in(&repo_root().join("infra/modules/pipeline"));
    let module = |name: &str| {
        example
            .iter()
            .find(|b| b.identifier() == "module" && labels(b) == [name])
            .unwrap_or_else(|| panic!("no module {name}"))
    };
    let queue = module("queue");
    assert_eq!(
        source(attr(queue.body(), "visibility_timeout_seconds").unwrap()),
        "6 * local.ingest_timeout_seconds + local.batching_window_seconds"
    );
    let ingest = module("ingest");
    assert_eq!(
        source(attr(ingest.body(), "timeout_seconds").unwrap()),
        "local.ingest_timeout_seconds"
    );
    assert_eq!(
        source(attr(ingest.body(), "batching_window_seconds").unwrap()),
        "local.batching_window_seconds"
    );
    // The modules' own defaults agree too.
    let ingest_vars = module_blocks("ingest");
    let wanted = 6 * variable_default(&ingest_vars, "timeout_seconds")
        + variable_default(&ingest_vars, "batching_window_seconds");
    assert!(
        variable_default(&module_blocks("queue"), "visibility_timeout_seconds") >= wanted,
        "the queue module's default visibility timeout is under {wanted} s"
    );
}

#[test]
fn dead_letters_outlive_the_messages_they_came_from() {
    // SQS keeps a message's original enqueue time when it moves it to the
    // DLQ: the DLQ must keep messages well past the source queue's retention.
    let blocks = module_blocks("queue");
    let dlq = find(&blocks, "resource", "aws_sqs_queue", "dead_letter");
    let dlq_retention = number(attr(dlq.body(), "message_retention_seconds").unwrap());
    let source_retention = variable_default(&blocks, "message_retention_seconds");
    assert!(
        dlq_retention - source_retention >= 7 * 86_400,
        "DLQ {dlq_retention} s, source {source_retention} s"
    );
    let variable = blocks
        .iter()
        .find(|b| b.identifier() == "variable" && labels(b) == ["message_retention_seconds"])
        .unwrap();
    let validation = variable
        .body()
        .blocks()
        .find(|b| b.identifier() == "validation")
        .expect("a longer retention is refused, not just defaulted");
    assert!(source(attr(validation.body(), "condition").unwrap()).contains("<= 604800"));
}

#[test]
fn services_may_use_the_key_only_for_this_account() {
    // The confused-deputy guard: a service acting for another account
    // cannot use hooklake's key through these grants.
    let statements = policy(&module_blocks("key"), "key");
    let services: Vec<&Statement> = statements
        .iter()
        .filter(|s| s.principals.iter().any(|p| p.contains("amazonaws.com")))
        .collect();
    assert!(services.len() >= 2, "CloudWatch Logs and alarms");
    for s in services {
        assert!(
            s.conditions.iter().any(|c| c == "\"aws:SourceAccount\""),
            "{:?} has no aws:SourceAccount condition",
            s.principals
        );
    }
}

#[test]
fn organisation_and_repository_webhooks_exclude_each_other() {
    let blocks = module_blocks("github_webhook");
    let variable = blocks
        .iter()
        .find(|b| b.identifier() == "variable" && labels(b) == ["organization_webhook"])
        .unwrap();
    let condition = variable
        .body()
        .blocks()
        .find(|b| b.identifier() == "validation")
        .and_then(|v| attr(v.body(), "condition").map(source))
        .expect("a validation refuses both at once");
    assert!(
        condition.contains("var.organization_webhook") && condition.contains("var.repositories"),
        "{condition}"
    );
}

#[test]
fn the_state_is_encrypted_with_the_state_key() {
    // With `encrypt = true` and no kms_key_id the S3 backend sends AES256,
    // overriding the bucket's KMS default: every init names the key.
    let bootstrap = blocks_in(&repo_root().join("infra/bootstrap"));
    let output = bootstrap
        .iter()
        .find(|b| b.identifier() == "output" && labels(b) == ["state_key_arn"])
        .expect("bootstrap outputs the state key");
    assert_eq!(
        source(attr(output.body(), "value").unwrap()),
        "aws_kms_key.state.arn"
    );
    let backend: Body = hcl::parse(
        &std::fs::read_to_string(repo_root().join("infra/example/backend.hcl.example")).unwrap(),
    )
    .unwrap();
    assert!(attr(&backend, "kms_key_id").is_some());
    let workflow =
        std::fs::read_to_string(repo_root().join(".github/workflows/deploy.yml")).unwrap();
    let inits: Vec<&str> = workflow
        .lines()
        .filter(|l| l.contains("terraform init"))
        .collect();
    assert!(!inits.is_empty());
    for init in inits {
        assert!(
            init.contains("-backend-config=\"kms_key_id=$TF_STATE_KMS_KEY_ARN\""),
            "{init}"
        );
    }
    let settings = std::fs::read_to_string(repo_root().join("infra/example/deploy.env")).unwrap();
    assert!(settings
        .lines()
        .any(|l| l.starts_with("TF_STATE_KMS_KEY_ARN=arn:aws:kms:")));
}

#[test]
fn the_functions_apply_on_a_new_account_and_plan_read_only() {
    // Reserved concurrency fails on new or low-quota accounts (AWS keeps 100
    // unreserved), and the customer key on the environment would make the
    // read-only plan role fail or diff forever: neither is set.
    for (module, name) in [("ingest", "ingest"), ("compaction", "compact")] {
        let blocks = module_blocks(module);
        let function = find(&blocks, "resource", "aws_lambda_function", name);
        for forbidden in ["reserved_concurrent_executions", "kms_key_arn"] {
            assert!(
                attr(function.body(), forbidden).is_none(),
                "{module}: {forbidden} is set"
            );
        }
    }
    // The event source caps ingest instead.
    let blocks = module_blocks("ingest");
    let mapping = find(
        &blocks,
        "resource",
        "aws_lambda_event_source_mapping",
        "deliveries",
    );
    let scaling = mapping
        .body()
        .blocks()
        .find(|b| b.identifier() == "scaling_config")
        .unwrap();
    assert_eq!(
        source(attr(scaling.body(), "maximum_concurrency").unwrap()),
        "var.maximum_concurrency"
    );
    assert!(variable_default(&blocks, "maximum_concurrency") >= 2);
}

/// Every directory of `.tf` files under infra/ (the roots and the modules).
fn terraform_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let mut todo = vec![repo_root().join("infra")];
    while let Some(dir) = todo.pop() {
        let mut has_tf = false;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|x| x == "tf") {
                has_tf = true;
            }
        }
        if has_tf {
            dirs.push(dir);
        }
    }
    dirs.sort();
    dirs
}

/// Resource types whose state holds a secret in the clear, whatever their
/// arguments: generated secrets, access keys, and secret values set as
/// (non-write-only) arguments.
const SECRET_HOLDING_RESOURCES: &[&str] = &[
    "random_password",
    "random_string",
    "tls_private_key",
    "aws_iam_access_key",
    "aws_iam_user_login_profile",
    "aws_secretsmanager_secret_version",
    "github_actions_secret",
    "github_actions_environment_secret",
    "cloudflare_workers_secret",
    "cloudflare_worker_secret",
];

#[test]
fn no_secret_reaches_terraform_state() {
    let dirs = terraform_dirs();
    assert!(dirs.len() >= 10, "{dirs:?}");
    for dir in &dirs {
        let where_ = dir.strip_prefix(repo_root()).unwrap().display().to_string();
        for block in blocks_in(dir) {
            let labels = labels(&block);
            match block.identifier() {
                "resource" => {
                    assert!(
                        !SECRET_HOLDING_RESOURCES.contains(&labels[0]),
                        "{where_}: resource {labels:?} keeps a secret in the state"
                    );
                    // SSM parameters: only plain String ones (a SecureString's value is in the state).
                    if labels[0] == "aws_ssm_parameter" {
                        let kind = attr(block.body(), "type").map(source).unwrap_or_default();
                        assert!(!kind.contains("SecureString"), "{where_}: {labels:?}");
                    }
                    // A webhook's secret is set by `hooklake rotate-secret`, never an argument.
                    if labels[0].starts_with("github_") && labels[0].ends_with("_webhook") {
                        for configuration in block
                            .body()
                            .blocks()
                            .filter(|b| b.identifier() == "configuration")
                        {
                            assert!(
                                attr(configuration.body(), "secret").is_none(),
                                "{where_}: {labels:?} sets the webhook's secret"
                            );
                        }
                        let lifecycle = block
                            .body()
                            .blocks()
                            .find(|b| b.identifier() == "lifecycle")
                            .and_then(|l| attr(l.body(), "ignore_changes").map(source))
                            .unwrap_or_default();
                        assert!(
                            lifecycle.contains("configuration[0].secret"),
                            "{where_}: {labels:?} would unset the secret rotate-secret set: {lifecycle}"
                        );
                    }
                }
                "variable" | "output" => {
                    // A sensitive value exists only to be passed on to a resource (or printed).
                    let sensitive = attr(block.body(), "sensitive")
                        .map(source)
                        .unwrap_or_default();
                    assert!(
                        sensitive != "true",
                        "{where_}: {} {labels:?} is sensitive: a secret passing through Terraform",
                        block.identifier()
                    );
                }
                _ => {}
            }
        }
    }
    // What deploys the Worker takes no secret from Terraform's outputs.
    let deploy = std::fs::read_to_string(repo_root().join("scripts/deploy-worker.sh")).unwrap();
    assert!(
        !deploy.contains("secret bulk") && !deploy.contains("secret put"),
        "{deploy}"
    );
}

#[test]
fn only_the_workflow_files_on_main_in_production_may_write() {
    let bootstrap = blocks_in(&repo_root().join("infra/bootstrap"));
    let subjects = bootstrap
        .iter()
        .filter(|b| b.identifier() == "locals")
        .find_map(|b| attr(b.body(), "assume_subjects"))
        .expect("local.assume_subjects");
    let trust = |role: &str| {
        let entry = object_entry(subjects, role).unwrap_or_else(|| panic!("no {role}"));
        (
            source(&object_entry(&entry, "test").unwrap()),
            strings(&object_entry(&entry, "values").unwrap()),
        )
    };
    // The subject under the template below:
    // repo:OWNER/NAME:CONTEXT:job_workflow_ref:OWNER/NAME/PATH@REF.
    assert_eq!(
        trust("apply"),
        (
            r#""StringEquals""#.to_owned(),
            vec![r#""${local.repo}:environment:production:job_workflow_ref:${local.workflows}/deploy.yml@refs/heads/main""#.to_owned()]
        )
    );
    assert_eq!(
        trust("rotate"),
        (
            r#""StringEquals""#.to_owned(),
            vec![r#""${local.repo}:environment:production:job_workflow_ref:${local.workflows}/rotate.yml@refs/heads/main""#.to_owned()]
        )
    );
    let (test, plan) = trust("plan");
    assert_eq!(test, r#""StringLike""#);
    assert_eq!(
        plan,
        [
            r#""${local.repo}:pull_request:job_workflow_ref:${local.workflows}/deploy.yml@refs/pull/*""#
        ]
    );
    let locals_text = std::fs::read_to_string(repo_root().join("infra/bootstrap/main.tf")).unwrap();
    assert!(locals_text.contains(r#"workflows = "${var.github_repository}/.github/workflows""#));
    for (role, subject) in [("apply", "apply"), ("plan", "plan"), ("rotate", "rotate")] {
        let block = find(&bootstrap, "resource", "aws_iam_role", role);
        assert_eq!(
            source(attr(block.body(), "assume_role_policy").unwrap()),
            format!(r#"data.aws_iam_policy_document.assume["{subject}"].json"#)
        );
    }

    // The rotate role may manage the Worker's keys and read the state, no more.
    let rotate = grants(&policy(&bootstrap, "rotate"));
    assert!(rotate
        .iter()
        .all(|(effect, action, resource)| effect == "Allow"
            && action.contains("AccessKey")
            && resource.contains(":user/hooklake/*")));

    // The template those subjects assume, and production for main only.
    let github = blocks_in(&repo_root().join("infra/bootstrap/github"));
    let template = find(
        &github,
        "resource",
        "github_actions_repository_oidc_subject_claim_customization_template",
        "this",
    );
    assert_eq!(
        source(attr(template.body(), "use_default").unwrap()),
        "false"
    );
    assert_eq!(
        strings(attr(template.body(), "include_claim_keys").unwrap()),
        [r#""repo""#, r#""context""#, r#""job_workflow_ref""#]
    );
    let environment = find(
        &github,
        "resource",
        "github_repository_environment",
        "production",
    );
    let branches = environment
        .body()
        .blocks()
        .find(|b| b.identifier() == "deployment_branch_policy")
        .expect("a deployment branch policy");
    assert_eq!(
        source(attr(branches.body(), "protected_branches").unwrap()),
        "false"
    );
    assert_eq!(
        source(attr(branches.body(), "custom_branch_policies").unwrap()),
        "true"
    );
    assert!(environment
        .body()
        .blocks()
        .any(|b| b.identifier() == "reviewers"));
    let only = find(
        &github,
        "resource",
        "github_repository_environment_deployment_policy",
        "main",
    );
    assert_eq!(
        source(attr(only.body(), "branch_pattern").unwrap()),
        r#""main""#
    );

    // The jobs that write run on main only, each with its own role.
    let deploy = workflow_jobs(
        &std::fs::read_to_string(repo_root().join(".github/workflows/deploy.yml")).unwrap(),
    );
    assert!(deploy["apply"].contains("github.ref == 'refs/heads/main'"));
    assert!(deploy["apply"].contains("env.AWS_APPLY_ROLE_ARN"));
    let rotate_jobs = workflow_jobs(
        &std::fs::read_to_string(repo_root().join(".github/workflows/rotate.yml")).unwrap(),
    );
    assert!(rotate_jobs["rotate"].contains("github.ref == 'refs/heads/main'"));
    assert!(rotate_jobs["rotate"].contains("env.AWS_ROTATE_ROLE_ARN"));
    assert!(!rotate_jobs["rotate"].contains("AWS_APPLY_ROLE_ARN"));
}
