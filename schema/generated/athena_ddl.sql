-- Generated from hooklake's Arrow schema by `hooklake-schema-gen`; do not edit.
CREATE EXTERNAL TABLE IF NOT EXISTS `github_webhooks_db`.`github_webhooks_table` (
  `delivery_id` string COMMENT 'X-GitHub-Delivery id of the webhook delivery',
  `received_at` timestamp COMMENT 'When hooklake''s edge received the delivery (UTC)',
  `repository` string COMMENT 'Repository as owner/name',
  `repository_id` bigint COMMENT 'GitHub''s numeric repository id (stable across renames)',
  `number` bigint COMMENT 'Pull request number within the repository',
  `pull_request_id` bigint COMMENT 'GitHub''s numeric pull request id',
  `title` string COMMENT 'Pull request title at merge time',
  `author_login` string COMMENT 'Login of the pull request''s author (ghost if the account was deleted)',
  `merged_by_login` string COMMENT 'Login of who merged the pull request',
  `merged_at` timestamp COMMENT 'When the pull request was merged (UTC)',
  `base_ref` string COMMENT 'Branch merged into',
  `head_ref` string COMMENT 'Branch merged from',
  `merge_commit_sha` string COMMENT 'SHA of the merge commit',
  `additions` bigint COMMENT 'Lines added',
  `deletions` bigint COMMENT 'Lines deleted',
  `commits` bigint COMMENT 'Commits in the pull request',
  `changed_files_count` bigint COMMENT 'Number of files changed, as GitHub counts them',
  `labels` array<string> COMMENT 'Label names at merge time',
  `html_url` string COMMENT 'Web address of the pull request',
  `changed_files` struct<added:array<string>,removed:array<string>,modified:array<string>,renamed:array<struct<previous_filename:string,filename:string>>> COMMENT 'Changed file paths by kind, from GitHub''s API; null until enriched (see changed_files_status)',
  `changed_files_status` string COMMENT 'Enrichment outcome. Final: complete, truncated (3,000-file cap), not_found. Repaired later by lake maintenance: pending (time budget ran out), no_credentials, unauthorized (credentials refused), unavailable (GitHub down, 5xx or slow), rate_limited',
  `payload` string COMMENT 'The webhook payload as GitHub sent it'
)
COMMENT 'Merged GitHub pull requests, one row per webhook delivery (hooklake)'
PARTITIONED BY (
  `merged_date` string COMMENT 'UTC date the pull request was merged (partition)'
)
ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'
STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'
LOCATION 's3://YOUR-LAKE-BUCKET/github_webhooks_table/'
TBLPROPERTIES (
  'classification'='parquet',
  'parquet.compression'='ZSTD',
  'projection.enabled'='true',
  'projection.merged_date.type'='date',
  'projection.merged_date.format'='yyyy-MM-dd',
  'projection.merged_date.range'='2008-01-01,NOW',
  'projection.merged_date.interval'='1',
  'projection.merged_date.interval.unit'='DAYS',
  'storage.location.template'='s3://YOUR-LAKE-BUCKET/github_webhooks_table/merged_date=${merged_date}'
);
