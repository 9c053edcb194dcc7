# The AWS modules moved under module.pipeline: state written before keeps
# its resources (no destroy and re-create).
moved {
  from = module.key
  to   = module.pipeline.module.key
}

moved {
  from = module.lake
  to   = module.pipeline.module.lake
}

moved {
  from = module.queue
  to   = module.pipeline.module.queue
}

moved {
  from = module.edge_principal
  to   = module.pipeline.module.edge_principal
}

moved {
  from = module.ingest
  to   = module.pipeline.module.ingest
}

moved {
  from = module.compaction
  to   = module.pipeline.module.compaction
}

moved {
  from = module.catalog
  to   = module.pipeline.module.catalog
}

moved {
  from = module.alarms
  to   = module.pipeline.module.alarms
}

moved {
  from = module.redelivery
  to   = module.pipeline.module.redelivery
}
