-- Generated from hooklake's Arrow schema by `hooklake-schema-gen`; do not edit.
CREATE OR REPLACE VIEW github_webhooks_db.merged_pull_requests AS
SELECT delivery_id, received_at, repository, repository_id, number, pull_request_id, title, author_login, merged_by_login, merged_at, base_ref, head_ref, merge_commit_sha, additions, deletions, commits, changed_files_count, labels, html_url, changed_files, changed_files_status, payload, merged_date
FROM (
  SELECT delivery_id, received_at, repository, repository_id, number, pull_request_id, title, author_login, merged_by_login, merged_at, base_ref, head_ref, merge_commit_sha, additions, deletions, commits, changed_files_count, labels, html_url, changed_files, changed_files_status, payload, merged_date,
    row_number() OVER (PARTITION BY merged_date, repository_id, number ORDER BY received_at DESC, delivery_id DESC) AS delivery_rank
  FROM github_webhooks_db.github_webhooks_table
) ranked
WHERE delivery_rank = 1
