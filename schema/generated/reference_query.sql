SELECT repository, changed_files.added, changed_files.removed, changed_files.modified FROM github_webhooks_table LIMIT 10;
